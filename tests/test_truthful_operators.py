"""The simulated people of ``autopass evaluate --answer-with-truth``: how their answers slip."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from autopass.answers import TYPED, validate_answer
from autopass.dossier import MicroTaskKind
from autopass.truthful_operators import slipped

PAYLOADS: dict[MicroTaskKind, tuple[dict[str, Any], dict[str, Any]]] = {
    MicroTaskKind.COMPARE_FACES: ({}, {"same_person": False}),
    MicroTaskKind.CHECK_SIGNATURE: ({}, {"signed": True}),
    MicroTaskKind.CLASSIFY_DOCUMENT: (
        {"options": ["id_card_front", "bank_card", "other"]}, {"type": "bank_card"}
    ),
    MicroTaskKind.CONFIRM_FIELD: ({}, {"value": "370202198803121230"}),
    MicroTaskKind.RESOLVE_MISMATCH: (
        {"candidates": [{"source": "application", "value": "张伟"}]},
        {"value": "张伟", "source": "application"},
    ),
}


@pytest.mark.parametrize("kind", list(MicroTaskKind))
@pytest.mark.parametrize("seed", range(5))
def test_a_slip_is_a_wrong_answer_the_task_accepts(kind: MicroTaskKind, seed: int) -> None:
    payload, truthful = PAYLOADS[kind]
    wrong = slipped(kind, truthful, payload, random.Random(seed))
    assert wrong != truthful
    validate_answer(kind, wrong, payload=payload)  # the queue would take it


@pytest.mark.parametrize(
    ("value", "mistyped"),
    [
        ("370202198803121230", r"^(?!370202198803121230$)\d{18}$"),  # one digit for another
        ("张伟", r"^伟张$"),  # neighbours swapped
        ("王", r"^王王$"),  # one character: typed twice
        ("AA", r"^AAA$"),
    ],
)
def test_one_character_is_mistyped(value: str, mistyped: str) -> None:
    for seed in range(10):
        wrong = slipped(MicroTaskKind.CONFIRM_FIELD, {"value": value}, {}, random.Random(seed))
        assert wrong["value"] != value
        assert re.fullmatch(mistyped, wrong["value"]), wrong
    senior = slipped(MicroTaskKind.RESOLVE_MISMATCH, {"value": value, "source": "application"},
                     {}, random.Random(0))
    assert senior["source"] == TYPED
