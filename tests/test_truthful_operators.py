"""The simulated people of ``autopass evaluate --answer-with-truth``: how their answers slip."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from autopass.answers import TYPED, validate_answer
from autopass.dossier import CheckResult, DossierResult, MicroTaskKind
from autopass.rules import decide
from autopass.settings import Settings
from autopass.store import record_dossier, session_scope
from autopass.devtools.truthful_operators import answer_with_truth, slipped
from tests.factories import make_application

PAYLOADS: dict[MicroTaskKind, tuple[dict[str, Any], dict[str, Any]]] = {
    MicroTaskKind.COMPARE_FACES: ({}, {"same_person": False}),
    MicroTaskKind.CHECK_SIGNATURE: ({}, {"signed": True}),
    MicroTaskKind.INVESTIGATE_LINK: ({}, {"verdict": "not_same_person"}),
    MicroTaskKind.REVIEW_CHANNEL: ({}, {"verdict": "pass"}),
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


def _recorded(settings: Settings, application_id: str, checks: list[CheckResult]) -> None:
    result = DossierResult(application_id=application_id, decision=decide(checks), documents=[],
                           face=None, checks=checks, microtasks=[], elapsed_ms=1)
    with session_scope(settings) as session:
        record_dossier(session, application=make_application(application_id), result=result,
                       originals={})


def test_a_dossier_waiting_for_its_dealer_counts_as_stopped_not_approved(settings: Settings) -> None:
    """A dossier without its bank card goes back to its dealer: for a defective dossier (the
    generator's ``missing_required_document``) that stops it rightly; a clean one sent back is
    misjudged, with the reason."""
    missing = CheckResult(id="required_documents_present", status="fail",
                          detail="required document(s) missing: bank_card",
                          ask_dealer_for=["bank_card"])
    _recorded(settings, "A-DEFECTIVE", [missing])
    _recorded(settings, "A-CLEAN", [missing])
    truths = {"A-DEFECTIVE": ("dossier_0001", {"defects": ["missing_required_document"]}),
              "A-CLEAN": ("dossier_0002", {"defects": []})}

    report = answer_with_truth(settings, truths)

    assert (report.defective_sent_back, report.clean_sent_back) == (["dossier_0001"],
                                                                    ["dossier_0002"])
    assert report.defective_approved == report.defective_rejected == report.unsettled == []
    assert report.misjudged == {
        "dossier_0002": ["required_documents_present: required document(s) missing: bank_card"]}
