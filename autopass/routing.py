"""Turn the checklist's doubts into the smallest set of micro-tasks that settles them.

Pure: it decides *which* micro-tasks a dossier needs; saving crops and storing the tasks are the
caller's I/O. One micro-task per doubt, never one per check: two checks doubting the same field
share a task. Which kind a doubt becomes is each kind's to say (``MicroTaskType.ask``).
"""

from __future__ import annotations

from dataclasses import replace

from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    MicroTaskKind,
    Status,
    documents_for_dealer,
)
from autopass.microtasks import all_kinds
from autopass.microtasks.base import FACE_FIELDS, MicroTaskSpec
from autopass.references import APPLICATION
from autopass.standards import Standard

__all__ = ["FACE_FIELDS", "MicroTaskSpec", "plan_microtasks"]


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
    """The tasks of the first kind (in ``asked_in_order``) that takes the doubt as its own."""
    for kind in sorted(all_kinds(), key=lambda kind: kind.asked_in_order):
        specs = kind.ask(standard, check, documents)
        if specs is not None:
            return specs
    return []


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
