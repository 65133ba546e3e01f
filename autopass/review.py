"""Fold people's answers back into a dossier's machine result, so the standard can judge again.

Pure: the finalize flow loads the stored result and the settled micro-tasks, calls
``apply_answers`` and re-evaluates. A person's answer is a fact (confidence 1, source ``human``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autopass.answers import (
    CheckSignatureAnswer,
    ClassifyDocumentAnswer,
    CompareFacesAnswer,
    ConfirmFieldAnswer,
    ResolveMismatchAnswer,
    read_answer,
)
from autopass.documents import DocumentType
from autopass.dossier import (
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.standards import APPLICATION, Standard


@dataclass(frozen=True)
class SettledTask:
    """A micro-task people have settled: what it was about and the answer it settled on."""

    kind: MicroTaskKind
    subjects: tuple[FieldRef, ...]
    resolution: Any
    answered_by: str


def apply_answers(
    standard: Standard, result: DossierResult, settled: list[SettledTask]
) -> tuple[list[DocumentResult], FaceResult | None]:
    """The documents and face comparison with every settled answer applied."""
    documents = {document.key: document.model_copy(deep=True) for document in result.documents}
    face = result.face
    for task in settled:
        answer = read_answer(task.kind, task.resolution)
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
                documents[ref.document] = document.model_copy(
                    update={"type": answer.type, "confidence": 1.0}
                )
            elif isinstance(answer, CheckSignatureAnswer):
                document.fields[ref.field] = _human(answer.signed)
            elif isinstance(answer, ConfirmFieldAnswer | ResolveMismatchAnswer):
                kind = _field_kind(standard, document.type, ref.field)
                document.fields[ref.field] = _human(coerce(kind, answer.value))
    return list(documents.values()), face


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
    spec = standard.document_specs.get(document_type)
    field_spec = spec.fields.get(field) if spec else None
    return field_spec.kind if field_spec else "text"


def _human(value: Any) -> FieldValue:
    return FieldValue(value=value, confidence=1.0, source="human")
