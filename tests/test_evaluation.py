"""The evaluation's decision figures, on hand-made results (no engine needed)."""

from __future__ import annotations

from autopass.devtools.evaluation import UNGROUPED, EvaluatedDossier, evaluate_by_group, evaluate_results


def dossier(name: str, decision: str, defects: list[str], *, face: str = "",
            held_by: tuple[str, ...] = ()) -> EvaluatedDossier:
    checks = [{"id": check, "status": "review"} for check in held_by]
    return EvaluatedDossier(name=name, truth={"documents": {}, "defects": defects,
                                              "face_identity": face},
                            result={"documents": [], "decision": decision, "checks": checks},
                            seconds=2.0)


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


def test_clean_dossiers_held_only_by_a_repeated_sample_face_are_counted_apart() -> None:
    link = ("no_links_to_other_applicants",)
    report = evaluate_results([
        dossier("first", "auto_pass", [], face="astronaut"),
        dossier("same_face", "review", [], face="astronaut", held_by=link),
        dossier("own_face_linked", "review", [], face="lena", held_by=link),
        dossier("same_face_and_a_doubt", "review", [], face="astronaut",
                held_by=link + ("selfie_matches_id_portrait",)),
    ])
    assert report.clean_held_by_repeated_face == ["same_face"]
    assert report.straight_through_clean == 1 / 4  # the figure itself is not bent


def grouped(name: str, decision: str, defects: list[str], group: str) -> EvaluatedDossier:
    made = dossier(name, decision, defects)
    return made.model_copy(update={"truth": {**made.truth, "template_group": group}})


def test_figures_per_template_group_side_by_side() -> None:
    """A set drawn from both template groups: one report each, tuning first, so the gap between
    what the reader was tuned on and what it never saw can be read off."""
    by_group = evaluate_by_group([
        grouped("h1", "review", [], "holdout"),
        grouped("t1", "auto_pass", [], "tuning"),
        grouped("t2", "auto_pass", [], "tuning"),
        grouped("h2", "auto_pass", [], "holdout"),
        dossier("old", "auto_pass", []),
    ])
    assert list(by_group) == ["tuning", "holdout", UNGROUPED]
    assert by_group["tuning"].straight_through_clean == 1.0
    assert by_group["holdout"].straight_through_clean == 0.5
    assert by_group[UNGROUPED].dossiers == 1


def measured(name: str, decision: str, heights: dict[str, int | None], *,
             failed: tuple[str, ...] = ()) -> EvaluatedDossier:
    """A clean new-car dossier whose captures printed their key text ``heights`` pixels tall."""
    made = dossier(name, decision, [])
    checks = [{"id": check, "status": "fail"} for check in failed]
    return made.model_copy(update={
        "truth": {**made.truth, "key_text_px": heights, "product": "new_car_loan"},
        "result": {**made.result, "checks": checks}})


def test_straight_through_of_legible_captures_apart_and_a_better_photo_asked_counts() -> None:
    """Key text of 24 px and more on every capture (a selfie prints none): its own figure. Below
    it, a dossier sent straight back to its dealer (the standard's ask_dealer rule failed) is as
    right as an auto_pass; one held for people is not."""
    report = evaluate_results([
        measured("legible_passed", "auto_pass", {"a.jpg": 30, "selfie.jpg": None}),
        measured("legible_reviewed", "review", {"a.jpg": 24}),
        measured("small_passed", "auto_pass", {"a.jpg": 31, "b.jpg": 18}),
        measured("small_sent_back", "review", {"a.jpg": 12},
                 failed=("required_documents_present",)),
        measured("small_for_people", "review", {"a.jpg": 20}, failed=("id_card_valid_at_submission",)),
        dossier("unmeasured", "auto_pass", []),
    ])
    assert (report.clean_legible, report.clean_legible_auto_pass) == (2, 1)
    assert report.straight_through_legible == 0.5
    assert report.clean_illegible == 3
    assert (report.clean_illegible_auto_pass, report.clean_illegible_photo_requested) == (1, 1)
    assert report.illegible_handled == 2 / 3
    assert report.clean_unmeasured == 1
    assert report.straight_through_clean == 3 / 6
