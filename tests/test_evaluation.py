"""The evaluation's decision figures, on hand-made results (no engine needed)."""

from __future__ import annotations

from autopass.evaluation import EvaluatedDossier, evaluate_results


def dossier(name: str, decision: str, defects: list[str]) -> EvaluatedDossier:
    return EvaluatedDossier(name=name, truth={"documents": {}, "defects": defects},
                            result={"documents": [], "decision": decision}, seconds=2.0)


def test_straight_through_false_passes_and_clean_rejects_are_counted_apart() -> None:
    report = evaluate_results([
        dossier("clean_passed", "auto_pass", []),
        dossier("clean_reviewed", "review", []),
        dossier("clean_rejected", "reject", []),
        dossier("defect_passed", "auto_pass", ["contract_unsigned"]),
        dossier("defect_rejected", "reject", ["bank_card_luhn_invalid"]),
    ])
    assert report.clean_dossiers == 3
    assert report.straight_through_clean == 1 / 3
    assert report.false_auto_pass == ["defect_passed"]
    assert report.clean_rejected == ["clean_rejected"]
    assert report.decisions == {"auto_pass": 2, "review": 1, "reject": 2}
