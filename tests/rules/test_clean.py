import pytest

from autopass.dossier import Decision, FaceResult, MicroTaskKind, Status
from autopass.routing import plan_microtasks
from autopass.rules import decide, evaluate

from .conftest import GOOD_FACE, TODAY, make_application, make_documents


def test_clean_dossier_passes_every_rule(standard):
    checks = evaluate(standard, application=make_application(), documents=make_documents(),
                      face=GOOD_FACE, face_engine="dlib", today=TODAY)
    assert [c.id for c in checks] == [r.id for r in standard.rules]
    assert {c.id: c.detail for c in checks if c.status != Status.PASS} == {}
    assert decide(checks) == Decision.AUTO_PASS



@pytest.mark.parametrize("engine", ["sface", "dlib"])
def test_a_face_score_alone_never_rejects_a_customer(standard, engine: str) -> None:  # type: ignore[no-untyped-def]
    """The lowest score fails the face check; a person then compares the faces (two, by the
    standard), and only their answer can reject."""
    status, detail = standard.face_thresholds(engine).judge(0.0)
    documents = make_documents()
    checks = evaluate(standard, application=make_application(), documents=documents,
                      face=FaceResult(score=0.0, status=status, detail=detail),
                      face_engine=engine, today=TODAY)

    [face_check] = [c for c in checks if c.status != Status.PASS]
    assert (face_check.id, face_check.status, face_check.hard) == \
        ("selfie_matches_id_portrait", Status.FAIL, False)
    assert decide(checks) == Decision.REVIEW
    [task] = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks,
                             documents=documents)
    assert (task.kind, task.check_ids, task.required_answers) == \
        (MicroTaskKind.COMPARE_FACES, ("selfie_matches_id_portrait",), 2)
    assert {ref.field for ref in task.subjects} == {"portrait", "face"}


def test_the_used_car_standard_also_sends_a_failed_face_check_to_people(used_standard) -> None:  # type: ignore[no-untyped-def]
    assert used_standard.rule("selfie_matches_id_portrait").on_failure == "review"
