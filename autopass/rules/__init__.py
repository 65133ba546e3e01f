"""The checklist: each rule of a standard judged on one dossier, and the decision that follows.

A rule passes only on values it can trust; a doubt (missing input, OCR below the standard's
min_confidence, unreadable or doubtfully classified document) is a ``review`` naming the fields a
human should look at; a failure on trusted values is a ``fail``, hard when the rule rejects. A rule
that crashes is recorded as ``review`` ("could not evaluate"), never lost. Details never show names,
addresses or birth dates, and ID and card numbers only masked.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from autopass.dossier import Application, CheckResult, Decision, DocumentResult, FaceResult, Status
from autopass.masking import mask_numbers
from autopass.rules.age_range import AgeRange
from autopass.rules.agreement import Expectation, expected_values
from autopass.rules.base import DossierFacts, FieldReading, Outcome, RuleModel, check_digit_of
from autopass.rules.boolean_field import BooleanField
from autopass.rules.checksum import Checksum
from autopass.rules.date_window import DateWindow
from autopass.rules.documents_present import DocumentsPresent
from autopass.rules.equals_application import EqualsApplication
from autopass.rules.face_match import FaceMatch, FaceThresholds
from autopass.rules.fields_agree import FieldsAgree
from autopass.rules.id_number_consistency import IdNumberConsistency
from autopass.rules.ltv_limit import LtvLimit

if TYPE_CHECKING:
    from autopass.standards import Standard

# Every rule type, one module each (its YAML model and its check together); a new type is a module
# and a line here.
Rule = Annotated[
    DocumentsPresent | Checksum | IdNumberConsistency | DateWindow | AgeRange | FieldsAgree
    | EqualsApplication | LtvLimit | BooleanField | FaceMatch,
    Field(discriminator="type"),
]

__all__ = [
    "AgeRange",
    "BooleanField",
    "Checksum",
    "DateWindow",
    "DocumentsPresent",
    "DossierFacts",
    "EqualsApplication",
    "Expectation",
    "FaceMatch",
    "FaceThresholds",
    "FieldReading",
    "FieldsAgree",
    "IdNumberConsistency",
    "LtvLimit",
    "Outcome",
    "Rule",
    "RuleModel",
    "check_digit_of",
    "decide",
    "evaluate",
    "expected_values",
    "scrub",
]


# --- evaluation and decision ----------------------------------------------------------------------
def evaluate(
    standard: Standard,
    *,
    application: Application,
    documents: list[DocumentResult],
    face: FaceResult | None,
    face_engine: str,
    today: date,
) -> list[CheckResult]:
    """One CheckResult per rule of the standard, in its order."""
    dossier = DossierFacts(standard, application, documents, face, face_engine, today)
    return [_run(rule, dossier) for rule in standard.rules]


def _run(rule: Rule, dossier: DossierFacts) -> CheckResult:
    try:
        outcome = rule.check(dossier)
    except Exception as error:  # noqa: BLE001 - a crashing rule is a result, never lost
        return CheckResult(
            id=rule.id,
            status=Status.REVIEW,
            detail=f"could not evaluate: {type(error).__name__}: {scrub(str(error))}",
        )
    return CheckResult(
        id=rule.id,
        status=outcome.status,
        detail=outcome.detail,
        subjects=outcome.subjects,
        hard=outcome.status == Status.FAIL and rule.on_failure == "reject",
        ask_dealer_for=outcome.missing
        if outcome.status == Status.FAIL and rule.on_failure == "ask_dealer" else [],
    )


def scrub(text: str) -> str:
    """Text safe to show: Chinese text withheld, long numbers masked (errors may quote values)."""
    text = re.sub(r"[\u3400-\u9fff\uf900-\ufaff]+", "…", text)
    return mask_numbers(text)


def decide(checks: list[CheckResult]) -> Decision:
    """Reject on a hard failure beyond doubt; auto-pass only when every check passed. A document
    the dealer is asked for is a ``review`` (the dossier waits for them, not for people)."""
    if any(c.status == Status.FAIL and c.hard for c in checks):
        return Decision.REJECT
    if not checks or any(c.status != Status.PASS for c in checks):
        return Decision.REVIEW
    return Decision.AUTO_PASS

