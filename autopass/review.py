"""Fold people's answers back into a dossier's machine result, so the standard can judge again.

Pure: the finalize flow loads the stored result and the settled micro-tasks, calls
``apply_answers`` and re-evaluates. A person's answer is a fact (confidence 1, source ``human``;
``agreed`` once a second person stands behind it).
"""

from __future__ import annotations

from autopass.answers import read_answer
from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldSource,
    MicroTaskKind,
    Status,
)
from autopass.microtasks import kind_of
from autopass.microtasks.base import FACE_FIELDS, Facts, SettledTask, coerce
from autopass.references import APPLICATION
from autopass.standards import Standard

__all__ = ["SettledTask", "apply_answers", "coerce", "decide_after_answers",
           "pages_people_classified"]


def apply_answers(
    standard: Standard, result: DossierResult, settled: list[SettledTask]
) -> tuple[list[DocumentResult], FaceResult | None]:
    """The documents and face comparison with every settled answer applied, each as its kind
    says (``MicroTaskType.apply``)."""
    facts = Facts(standard=standard, face=result.face,
                  documents={document.key: document.model_copy(deep=True)
                             for document in result.documents})
    for task in settled:
        kind_of(task.kind).apply(read_answer(task.kind, task.resolution), task, facts)
    return list(facts.documents.values()), facts.face


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
