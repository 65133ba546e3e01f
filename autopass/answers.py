"""What a person answers to each kind of micro-task: one pydantic model per kind.

The queue page and its JSON API validate answers with these models before storing them, and the
finalize flow reads the stored answers (``MicroTask.resolution``) back with ``read_answer``: one
place says what an answer looks like.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from autopass.documents import DocumentType
from autopass.dossier import MicroTaskKind
from autopass.errors import AutopassError
from autopass.risk.channel import ChannelVerdict
from autopass.risk.settle import Verdict

TYPED = "typed"  # resolve_mismatch: the source of a value the senior typed instead of choosing


class AnswerError(AutopassError):
    """An answer that does not fit its micro-task (wrong shape, or a choice it did not offer)."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassifyDocumentAnswer(_Answer):
    """``classify_document``: which document the image shows."""

    type: DocumentType


class ConfirmFieldAnswer(_Answer):
    """``confirm_field``: the field's value as the person reads it on the crop."""

    value: str = Field(min_length=1, max_length=200)

    @field_validator("value")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        trimmed = value.strip()
        if not trimmed:
            raise ValueError("type the value you read on the image")
        return trimmed


class CompareFacesAnswer(_Answer):
    """``compare_faces``: do the ID portrait and the selfie show the same person?"""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    same_person: bool


class CheckSignatureAnswer(_Answer):
    """``check_signature``: is the contract signed where the borrower signs?"""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    signed: bool


class ResolveMismatchAnswer(_Answer):
    """``resolve_mismatch``: the right value, and where it came from (a candidate's ``source``,
    or ``typed`` when the senior typed it)."""

    value: str | int | float
    source: str = Field(min_length=1, max_length=300)

    @field_validator("value")
    @classmethod
    def _not_blank(cls, value: str | float) -> str | int | float:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("choose a value or type one")
        return value


class InvestigateLinkAnswer(_Answer):
    """``investigate_link`` (a senior's): is the dossier's applicant the same person as those of
    the applications linked to it, and is it fraud? (``autopass.risk.settle``)"""

    verdict: Verdict


class ReviewChannelAnswer(_Answer):
    """``review_channel`` (a senior's): the dossier of a dealer or salesperson under watch, looked
    at whole (``autopass.risk.channel``): pass it, or reject it."""

    verdict: ChannelVerdict


Answer = (
    ClassifyDocumentAnswer
    | ConfirmFieldAnswer
    | CompareFacesAnswer
    | CheckSignatureAnswer
    | ResolveMismatchAnswer
    | InvestigateLinkAnswer
    | ReviewChannelAnswer
)

ANSWER_MODELS: dict[MicroTaskKind, type[_Answer]] = {
    MicroTaskKind.CLASSIFY_DOCUMENT: ClassifyDocumentAnswer,
    MicroTaskKind.CONFIRM_FIELD: ConfirmFieldAnswer,
    MicroTaskKind.COMPARE_FACES: CompareFacesAnswer,
    MicroTaskKind.CHECK_SIGNATURE: CheckSignatureAnswer,
    MicroTaskKind.RESOLVE_MISMATCH: ResolveMismatchAnswer,
    MicroTaskKind.INVESTIGATE_LINK: InvestigateLinkAnswer,
    MicroTaskKind.REVIEW_CHANNEL: ReviewChannelAnswer,
}


def read_answer(kind: MicroTaskKind | str, data: Any) -> Answer:
    """The answer ``data`` (stored JSON, or a request body) as the model of ``kind``."""
    model = ANSWER_MODELS[MicroTaskKind(kind)]
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'answer'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise AnswerError(f"answer to a {MicroTaskKind(kind)} task: {problems}") from error


def validate_answer(kind: MicroTaskKind | str, data: Any, *, payload: dict[str, Any]) -> Answer:
    """Like ``read_answer``, and also refuses a choice the task did not offer."""
    answer = read_answer(kind, data)
    if isinstance(answer, ClassifyDocumentAnswer):
        options = payload.get("options") or [t.value for t in DocumentType]
        if answer.type.value not in options:
            raise AnswerError(
                f"answer to a classify_document task: {answer.type.value!r} is not one of the "
                f"options {', '.join(options)}"
            )
    if isinstance(answer, ResolveMismatchAnswer):
        sources = candidate_sources(payload)
        if answer.source != TYPED and answer.source not in sources:
            raise AnswerError(
                f"answer to a resolve_mismatch task: source {answer.source!r} is neither "
                f"{TYPED!r} nor one of the candidates ({', '.join(sources) or 'none'})"
            )
    return answer


def candidate_sources(payload: dict[str, Any]) -> list[str]:
    """The ``source`` of each candidate value of a task, in order.

    Candidates from the pipeline name their document (or ``application``); candidates from a
    double-keying mismatch name the operator who typed them (``keyed_by:<username>``).
    """
    return [candidate_source(candidate) for candidate in payload.get("candidates") or []]


def candidate_source(candidate: dict[str, Any]) -> str:
    if candidate.get("source"):
        return str(candidate["source"])
    return f"keyed_by:{candidate.get('operator', '?')}"


def candidate_value(candidate: dict[str, Any]) -> Any:
    """The value a candidate offers: read by OCR, keyed in by the dealer, or typed by an operator."""
    if "value" in candidate:
        return candidate["value"]
    typed = candidate.get("answer")
    return typed.get("value") if isinstance(typed, dict) else typed
