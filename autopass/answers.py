"""What a person answers to a micro-task, read and checked against its kind.

Each kind's answer model lives in its module (``autopass.microtasks.<kind>``). The queue page and
its JSON API validate answers with ``validate_answer`` before storing them, and the finalize flow
reads the stored answers (``MicroTask.resolution``) back with ``read_answer``.
"""

from __future__ import annotations

from typing import Any, Union

from pydantic import ValidationError

from autopass.errors import validation_problems
from autopass.microtasks import MicroTaskKind, all_kinds, kind_of
from autopass.microtasks.base import (
    TYPED,
    AnswerError,
    AnswerModel,
    candidate_source,
    candidate_sources,
    candidate_value,
)
from autopass.microtasks.check_signature import CheckSignatureAnswer
from autopass.microtasks.classify_document import ClassifyDocumentAnswer
from autopass.microtasks.compare_faces import CompareFacesAnswer
from autopass.microtasks.confirm_field import ConfirmFieldAnswer
from autopass.microtasks.investigate_link import InvestigateLinkAnswer
from autopass.microtasks.resolve_mismatch import ResolveMismatchAnswer

__all__ = [  # the answer models, importable from here as before they had their kinds' modules
    "TYPED", "AnswerError", "CheckSignatureAnswer", "ClassifyDocumentAnswer", "CompareFacesAnswer",
    "ConfirmFieldAnswer", "InvestigateLinkAnswer", "ResolveMismatchAnswer", "candidate_source",
    "candidate_sources", "candidate_value", "read_answer", "validate_answer",
]

Answer = Union[tuple(kind.answer_model for kind in all_kinds())]  # type: ignore[valid-type]  # noqa: UP007
"""Any kind's answer: the body the API's answer route takes."""

def read_answer(kind: MicroTaskKind | str, data: Any) -> AnswerModel:
    """The answer ``data`` (stored JSON, or a request body) as the model of ``kind``."""
    model = kind_of(kind).answer_model
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = validation_problems(error, "answer")
        raise AnswerError(f"answer to a {MicroTaskKind(kind)} task: {problems}") from error


def validate_answer(kind: MicroTaskKind | str, data: Any, *, payload: dict[str, Any]) -> AnswerModel:
    """Like ``read_answer``, and also refuses a choice the task did not offer."""
    answer = read_answer(kind, data)
    kind_of(kind).check_choice(answer, payload)
    return answer
