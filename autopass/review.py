"""Fold people's answers back into a dossier's machine result, so the standard can judge again.

Pure: the finalize flow loads the stored result and the settled micro-tasks, calls
``apply_answers`` and re-evaluates. A person's answer is a fact (confidence 1, source ``human``;
``agreed`` once a second person stands behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autopass.answers import (
    TYPED,
    CheckSignatureAnswer,
    ClassifyDocumentAnswer,
    CompareFacesAnswer,
    ConfirmFieldAnswer,
    InvestigateLinkAnswer,
    ResolveMismatchAnswer,
    read_answer,
)
from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldSource,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.routing import FACE_FIELDS
from autopass.standards import APPLICATION, Standard, field_spec


@dataclass(frozen=True)
class SettledTask:
    """A micro-task people have settled: what it was about and the answer it settled on."""

    kind: MicroTaskKind
    subjects: tuple[FieldRef, ...]
    resolution: Any
    answered_by: str
    decisive: bool = False  # two people agreed on it, or a senior chose: no one else need look


def apply_answers(
    standard: Standard, result: DossierResult, settled: list[SettledTask]
) -> tuple[list[DocumentResult], FaceResult | None]:
    """The documents and face comparison with every settled answer applied."""
    documents = {document.key: document.model_copy(deep=True) for document in result.documents}
    face = result.face
    for task in settled:
        answer = read_answer(task.kind, task.resolution)
        if isinstance(answer, InvestigateLinkAnswer):
            continue  # settles findings in the store (``autopass.risk.settle``), not a document
        if isinstance(answer, CompareFacesAnswer):
            face = FaceResult(
                score=face.score if face else None,
                status=Status.PASS if answer.same_person else Status.FAIL,
                detail="same person" if answer.same_person else "different people",
                confirmed_by=task.answered_by,
            )
            continue
        for ref in task.subjects:
            document = documents.get(ref.document)
            if document is None or ref.document == APPLICATION:
                continue
            if isinstance(answer, ClassifyDocumentAnswer):
                again = document.by_one_person("type") and document.type == answer.type
                documents[ref.document] = document.model_copy(update={
                    "type": answer.type, "confidence": 1.0,
                    "type_source": _people(decisive=task.decisive, again=again)})
            elif isinstance(answer, CheckSignatureAnswer):
                document.fields[ref.field] = _given(answer.signed, document.fields.get(ref.field),
                                                    decisive=task.decisive)
            elif isinstance(answer, ConfirmFieldAnswer | ResolveMismatchAnswer):
                kind = _field_kind(standard, document.type, ref.field)
                # Choosing one of the conflicting values stands behind what another gave; a value
                # typed instead of choosing, a senior's too, is one person's: nobody else gave it.
                decisive = (answer.source != TYPED if isinstance(answer, ResolveMismatchAnswer)
                            else task.decisive)
                document.fields[ref.field] = _given(
                    coerce(kind, answer.value), document.fields.get(ref.field), decisive=decisive)
    return list(documents.values()), face


def pages_people_classified(
    before: list[DocumentResult], after: list[DocumentResult], settled: list[SettledTask]
) -> set[str]:
    """Keys (in ``after``, the answers applied) of the documents whose type a person gave or
    confirmed, and that can be read as such: the machine read them doubting their type, or as
    another type, so their fields are worth reading again."""
    asked = {ref.document for task in settled if task.kind == MicroTaskKind.CLASSIFY_DOCUMENT
             for ref in task.subjects}
    return {new.key for old, new in zip(before, after, strict=True)
            if old.key in asked and new.type != DocumentType.OTHER and new.problem is None}


def decide_after_answers(
    checks: list[CheckResult], documents: list[DocumentResult], face: FaceResult | None
) -> Decision:
    """The decision once people answered: ``reject`` on a hard failure beyond doubt, or on a
    failure resting only on what people settled and a second person stands behind (``agreed``:
    they confirmed the mismatch); ``review`` while a doubt is left, while a failure rests on one
    person's answer, or on a machine reading nobody looked at (a contract's
    misread name, trusted once a person confirmed the page's type: a person compares it first);
    ``approve`` when every check passed. A document still missing once people classified every
    page is asked of the dealer (``review``, ``DossierResult.documents_for_dealer``), never
    rejected here."""
    by_key = {document.key: document for document in documents}

    def source_of(ref: FieldRef) -> FieldSource | None:
        document = by_key.get(ref.document)
        return document.source_of(ref.field) if document else None

    def settled_by_people(ref: FieldRef) -> bool:
        if ref.document == APPLICATION:
            return True  # what the dealer keyed in
        if ref.field in FACE_FIELDS:
            return face is not None and face.confirmed_by is not None
        return source_of(ref) == "agreed"

    def rejects(check: CheckResult) -> bool:
        if check.ask_dealer_for:
            return False  # the dealer forgot a page: they are asked for it, the customer is not
        # One person's word is not enough to turn a customer away: a slip of the key (a digit for
        # another, the wrong document type) would reject a good dossier. A second person looks
        # first (``routing``).
        if any(document.by_one_person(ref.field) for ref in check.subjects
               if (document := by_key.get(ref.document))):
            return False
        return check.hard or all(map(settled_by_people, check.subjects))

    failures = [check for check in checks if check.status is Status.FAIL]
    if any(map(rejects, failures)):
        return Decision.REJECT
    if failures or not checks or any(check.status is Status.REVIEW for check in checks):
        return Decision.REVIEW
    return Decision.APPROVE


def coerce(kind: str, value: Any) -> Any:
    """A typed or chosen value in the form CONTRACT §2 gives that kind of field."""
    text = "".join(str(value).split())
    if kind == "amount":
        try:
            return float(text.replace(",", "").replace("¥", ""))
        except ValueError:
            return text  # the checklist sees an unreadable amount and asks again
    if kind == "bool":
        return value if isinstance(value, bool) else text.lower() in {"true", "yes", "y", "1", "是"}
    if kind in {"id_number", "vin", "licence_class"}:
        return text.upper()
    if kind == "card_number":
        return "".join(ch for ch in text if ch.isdigit())
    return text


def _field_kind(standard: Standard, document_type: DocumentType, field: str) -> str:
    spec = field_spec(standard.document_specs, document_type, field)
    return spec.kind if spec else "text"


def _given(value: Any, before: FieldValue | None, *, decisive: bool) -> FieldValue:
    """A person's answer as a fact: ``agreed`` when it is decisive, or when it is what another
    person gave before (a second look at the same field); else one person's (``human``)."""
    again = before is not None and before.by_one_person and before.value == value
    return FieldValue(value=value, confidence=1.0, source=_people(decisive=decisive, again=again))


def _people(*, decisive: bool, again: bool) -> FieldSource:
    """``agreed`` when the answer is decisive or repeats one person's earlier answer, else one
    person's (``human``)."""
    return "agreed" if decisive or again else "human"
