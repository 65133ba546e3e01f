"""Calibration recovers the threshold of synthetic answers whose accuracy is known, says how many
answers are missing where they are few, and proposes a reviewable change (#30 item 3)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import yaml

from autopass.quality.calibrate import (
    calibrate,
    calibrate_field,
    check_proposal,
    proposed_yaml,
    reliability_svg,
    unified_diff,
)
from autopass.quality.measure import Observation
from autopass.settings import Settings
from autopass.standards import Standard, load_standard

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _answers(n: int, *, good_from: float, below: float, seed: int = 7) -> list[tuple[float, bool]]:
    """Confidences uniform over [0.5, 1); right always at or above ``good_from``, with
    probability ``below`` under it."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        confidence = round(rng.uniform(0.5, 1.0), 4)
        pairs.append((confidence, confidence >= good_from or rng.random() < below))
    return pairs


def test_synthetic_answers_with_known_accuracy_recover_the_threshold() -> None:
    for good_from in (0.80, 0.72, 0.91):
        pairs = _answers(6000, good_from=good_from, below=0.6)
        found = calibrate_field("id_card_front.name", pairs, 0.95, target=0.01)
        assert found.proposed == good_from, (good_from, found)
        assert found.then is not None and found.then.errors == 0
        assert found.trusted_share_then > found.trusted_share_now


def test_a_field_worse_than_its_threshold_is_raised() -> None:
    pairs = _answers(6000, good_from=0.93, below=0.6)
    found = calibrate_field("bank_card.card_number", pairs, 0.85, target=0.01)
    assert found.proposed == 0.93 and found.now.errors > 0


def test_thin_data_proposes_nothing_and_says_how_many_answers_are_missing() -> None:
    pairs = [(0.97, True)] * 40
    found = calibrate_field("vehicle_invoice.vin", pairs, 0.95, target=0.01)
    assert found.proposed is None
    # Wilson's upper end at 0 errors is z^2 / (n + z^2): under 1% from n = 381 on.
    assert found.missing == 381 - 40


def test_a_threshold_is_never_lowered_below_the_answers() -> None:
    """Answers all read at 0.96 or more say nothing of values read at 0.60: every grid step
    below 0.96 trusts the same answers, so the lowest (0.50) used to meet the target."""
    sure = [(0.96 + 0.0001 * (i % 300), True) for i in range(400)]
    found = calibrate_field("bank_card.card_number", sure, 0.95, target=0.01)
    assert found.proposed == 0.95 and not found.changed
    lower = calibrate_field("bank_card.card_number", sure + [(0.734, True), (0.81, True)], 0.95,
                            target=0.01)
    assert lower.proposed == 0.73 and lower.changed  # as low as a right answer, not 0.50
    assert lower.then is not None and (lower.then.errors, lower.then.n) == (0, 402)


def test_every_products_answers_count_for_the_fields_its_rules_read() -> None:
    """The same reader reads a new-car and a used-car contract: a used-car amount read wrong at
    0.722 forbids trusting new-car amounts at 0.72, which new-car answers alone allowed."""
    standard = load_standard("new_car_loan", Settings())

    def seen(field: str, confidence: float, correct: bool, product: str) -> Observation:
        return Observation(field=field, confidence=confidence, correct=correct, trusted=True,
                           origin="qa", at=AT, product=product)

    new_car = [seen("loan_contract.loan_amount", 0.97, True, "new_car_loan")] * 80 + [
        seen("loan_contract.loan_amount", 0.72, True, "new_car_loan")]
    used_car = [seen("loan_contract.loan_amount", 0.722, False, "used_car_loan"),
                seen("loan_contract.loan_amount", 0.76, True, "used_car_loan"),
                seen("vehicle_registration.owner_name", 0.9, True, "used_car_loan")]
    [found] = calibrate(standard, new_car + used_car, target=0.05)
    assert (found.field, found.observations, found.current) == ("loan_contract.loan_amount", 83,
                                                                0.95)
    assert found.proposed == 0.76  # above the wrong 0.722, down to the right 0.76
    assert found.then is not None and (found.then.errors, found.then.n) == (0, 81)


def test_the_proposal_is_a_diff_of_the_standard_that_still_loads() -> None:
    settings = Settings()
    path = settings.standards_dir / "new_car_loan.yaml"
    before = path.read_text(encoding="utf-8")
    changes = {"id_number": 0.93, "id_card_front.name": 0.80}
    after = proposed_yaml(before, changes, {"id_card_front.name": "calibrated"})
    check_proposal(after, changes)
    standard = Standard.model_validate(yaml.safe_load(after))
    assert standard.min_confidence("id_card_front", "name") == 0.80
    assert standard.min_confidence("driving_licence", "name") == 0.85  # untouched default
    assert standard.min_confidence("loan_contract", "id_number") == 0.93
    diff = unified_diff(before, after, "standards/new_car_loan.yaml")
    assert "-    id_number: 0.95\n+    id_number: 0.93\n" in diff
    assert "+    id_card_front.name: 0.80  # calibrated\n" in diff
    assert path.read_text(encoding="utf-8") == before  # never applied by itself
    assert sum(line.startswith(("+", "-")) for line in diff.splitlines()) == 5  # 2 headers + 3


def test_the_reliability_picture_is_an_svg_with_both_thresholds() -> None:
    found = calibrate_field("id_card_front.name", _answers(2000, good_from=0.8, below=0.6),
                            0.95, target=0.01)
    svg = reliability_svg(found)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "now 0.95" in svg and "proposed 0.80" in svg and "n=" in svg
