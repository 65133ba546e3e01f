"""Turn the checklist's doubts into the smallest set of micro-tasks that settles them.

Pure: it decides *which* micro-tasks a dossier needs; saving crops and storing the tasks are the
caller's I/O. One micro-task per doubt, never one per check: two checks doubting the same field
share a task.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    FieldRef,
    MicroTaskKind,
    Status,
    documents_for_dealer,
)
from autopass.risk import RISK_CHECK_ID, Verdict
from autopass.risk.channel import CHANNEL_CHECK_ID, ChannelVerdict
from autopass.standards import APPLICATION, Standard, needs_double_keying

FACE_FIELDS = frozenset({"face", "portrait"})


@dataclass(frozen=True)
class MicroTaskSpec:
    """A micro-task to create: what to ask, about which fields, answered by how many people."""

    kind: MicroTaskKind
    check_ids: tuple[str, ...]
    subjects: tuple[FieldRef, ...]
    question: str
    required_answers: int = 1
    role: str = "operator"
    options: tuple[str, ...] = field(default=())


def plan_microtasks(
    standard: Standard,
    *,
    decision: Decision,
    checks: list[CheckResult],
    documents: list[DocumentResult],
) -> list[MicroTaskSpec]:
    """The micro-tasks a dossier needs; none when it passed, was rejected beyond doubt, or goes
    back to its dealer for documents it lacks (the dealer's new folder is read from the start:
    nothing people answered now would count)."""
    if decision is not Decision.REVIEW or documents_for_dealer(checks):
        return []
    by_key = {doc.key: doc for doc in documents}
    planned: dict[tuple, MicroTaskSpec] = {}
    for check in checks:
        if check.status is Status.PASS:
            continue
        for spec in _specs_for_check(standard, check, by_key):
            spec = _for_unopened_files(spec, by_key)
            key = (spec.kind, spec.subjects)
            if key in planned:
                merged = dict.fromkeys(planned[key].check_ids + spec.check_ids)
                planned[key] = replace(planned[key], check_ids=tuple(merged))
            else:
                planned[key] = spec
    plans = list(planned.values())
    classified = {ref.document for plan in plans if plan.kind is MicroTaskKind.CLASSIFY_DOCUMENT
                  for ref in plan.subjects}
    if classified:
        # A document the dossier seems to lack may be the page a person is asked to classify: a
        # doubt with nothing to look at waits for that answer (finalize-dossier plans again)
        # instead of asking a senior about a contract nobody has found.
        plans = [plan for plan in plans if plan.subjects]
    # A page whose type one person gave is asked again: its fields, read as that type, may not
    # be on it (a bank card typed as an invoice has no invoice number), so they wait for the type.
    retyped = {key for key in classified
               if (document := by_key.get(key)) and document.by_one_person("type")}
    return [plan for plan in plans if plan.kind is MicroTaskKind.CLASSIFY_DOCUMENT
            or not any(ref.document in retyped for ref in plan.subjects)]


def _specs_for_check(
    standard: Standard, check: CheckResult, documents: dict[str, DocumentResult]
) -> list[MicroTaskSpec]:
    subjects = check.subjects
    if check.id == RISK_CHECK_ID:
        # Other applicants' dossiers are at stake: a senior investigates (never an operator).
        return [MicroTaskSpec(kind=MicroTaskKind.INVESTIGATE_LINK, check_ids=(check.id,),
                              subjects=(), question=f"关联调查 Investigate the link: {check.detail}",
                              role="senior",
                              options=tuple(verdict.value for verdict in Verdict))]
    if check.id == CHANNEL_CHECK_ID:
        # The dealer or salesperson is under watch: a senior looks at the whole dossier.
        return [MicroTaskSpec(kind=MicroTaskKind.REVIEW_CHANNEL, check_ids=(check.id,),
                              subjects=(), question=f"渠道风险 Channel risk: {check.detail}. "
                              "Look at the whole dossier, then pass or reject it",
                              role="senior",
                              options=tuple(verdict.value for verdict in ChannelVerdict))]
    if not subjects:
        # A doubt with nothing to look at cannot be settled by an operator: a senior decides.
        return [
            MicroTaskSpec(
                kind=MicroTaskKind.RESOLVE_MISMATCH,
                check_ids=(check.id,),
                subjects=(),
                question=f"{check.id}: {check.detail}",
                role="senior",
            )
        ]
    if any(ref.field in FACE_FIELDS for ref in subjects):
        return [_spec(MicroTaskKind.COMPARE_FACES, check, subjects, "同一人吗? Same person?",
                      required_answers=_answers_to(standard, MicroTaskKind.COMPARE_FACES))]
    if any(ref.field == "type" for ref in subjects):
        return [
            _spec(
                MicroTaskKind.CLASSIFY_DOCUMENT,
                check,
                (ref,),
                "这是什么证件? Which document is this?",
                options=tuple(t.value for t in DocumentType),
                required_answers=2 if _second_look(check, documents.get(ref.document), "type")
                else _answers_to(standard, MicroTaskKind.CLASSIFY_DOCUMENT),
            )
            for ref in subjects
            if ref.field == "type"
        ]
    if any(ref.field == "signature_present" for ref in subjects):
        return [
            _spec(MicroTaskKind.CHECK_SIGNATURE, check, (ref,), "借款人已签字? Signed?",
                  required_answers=_answers_to(standard, MicroTaskKind.CHECK_SIGNATURE))
            for ref in subjects
            if ref.field == "signature_present"
        ]
    sources = {ref.document for ref in subjects}
    if check.status is Status.FAIL and len(sources) >= 2:
        return [_spec(MicroTaskKind.RESOLVE_MISMATCH, check, subjects, "哪个值正确? Which is right?")]
    specs = []
    for ref in subjects:
        if ref.document == APPLICATION:
            continue  # what the dealer keyed in is not re-read by people; the document is
        document = documents.get(ref.document)
        double = _second_look(check, document, ref.field) or (
            document is not None and needs_double_keying(standard, document.type, ref.field))
        specs.append(
            _spec(
                MicroTaskKind.CONFIRM_FIELD,
                check,
                (ref,),
                f"请核对{_printed_label(standard, document, ref.field)} ({ref.field}): "
                "confirm or correct",
                required_answers=2 if double else 1,
            )
        )
    return specs


def _second_look(check: CheckResult, document: DocumentResult | None, field: str) -> bool:
    """The check fails on what one person gave: two others answer blind before a rejection rests
    on it (``review.decide_after_answers``)."""
    return check.status is Status.FAIL and document is not None and document.by_one_person(field)


def _answers_to(standard: Standard, kind: MicroTaskKind) -> int:
    """How many operators answer a question of this kind, answered by picking (the standard's
    ``double_answered``)."""
    return 2 if kind.value in standard.double_answered else 1


def _for_unopened_files(spec: MicroTaskSpec, documents: dict[str, DocumentResult]) -> MicroTaskSpec:
    """A task about files that could not be opened (empty, corrupt, not an image) shows an operator
    nothing to look at: a senior, who can ask the dealer for them again, gets it with the reason."""
    shown = [documents.get(ref.document) for ref in spec.subjects if ref.document != APPLICATION]
    problems = [document.problem for document in shown if document is not None and document.problem]
    if not problems or len(problems) < len(shown):
        return spec
    reasons = "; ".join(dict.fromkeys(problems))
    return replace(spec, role="senior",
                   question=f"文件无法打开 File cannot be opened: {reasons}. {spec.question}")


def _spec(
    kind: MicroTaskKind,
    check: CheckResult,
    subjects: tuple[FieldRef, ...] | list[FieldRef],
    question: str,
    *,
    required_answers: int = 1,
    options: tuple[str, ...] = (),
) -> MicroTaskSpec:
    return MicroTaskSpec(
        kind=kind,
        check_ids=(check.id,),
        subjects=tuple(subjects),
        question=question,
        required_answers=required_answers,
        options=options,
    )


def _printed_label(standard: Standard, document: DocumentResult | None, field: str) -> str:
    """The label printed before the field on the document (公民身份号码), which operators know."""
    spec = standard.document_specs.get(document.type) if document else None
    field_spec = spec.fields.get(field) if spec else None
    if field_spec is None:
        return field
    return field_spec.title or (field_spec.labels[0] if field_spec.labels else field)
