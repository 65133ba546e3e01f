"""The answer models the page validates and the finalize flow reads back (autopass.answers)."""

from __future__ import annotations

import pytest

from autopass.answers import (
    AnswerError,
    CompareFacesAnswer,
    ConfirmFieldAnswer,
    ResolveMismatchAnswer,
    read_answer,
    validate_answer,
)
from autopass.documents import DocumentType


def test_stored_answers_read_back_as_their_models() -> None:
    assert read_answer("compare_faces", {"same_person": False}) == CompareFacesAnswer(
        same_person=False
    )
    assert read_answer("confirm_field", {"value": " 370202 "}) == ConfirmFieldAnswer(value="370202")
    assert read_answer("classify_document", {"type": "selfie"}).type is DocumentType.SELFIE


def test_an_answer_of_another_kind_is_refused_with_the_reason() -> None:
    with pytest.raises(AnswerError) as error:
        read_answer("check_signature", {"signed": "yes"})
    assert (
        str(error.value)
        == "answer to a check_signature task: signed: Input should be a valid boolean"
    )


def test_a_typed_value_needs_no_candidate_but_a_chosen_one_does() -> None:
    payload = {"candidates": [{"operator": "olga", "answer": {"value": "A1"}}]}
    typed = validate_answer("resolve_mismatch", {"value": "A2", "source": "typed"}, payload=payload)
    assert typed == ResolveMismatchAnswer(value="A2", source="typed")
    chosen = {"value": "A1", "source": "keyed_by:olga"}
    assert validate_answer("resolve_mismatch", chosen, payload=payload).source == "keyed_by:olga"
    with pytest.raises(AnswerError):
        validate_answer(
            "resolve_mismatch", {"value": "A1", "source": "keyed_by:otto"}, payload=payload
        )
