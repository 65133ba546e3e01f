"""QA sampling of straight-through dossiers: the draw, the blind review, and what a disagreement
sets off (issue #30 item 1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from autopass.crops import DocumentImages
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.quality.qa import (
    QA_DISAGREEMENT,
    QA_REOPENED,
    QaAnswer,
    QaError,
    add_review,
    answer_review,
    build_items,
    key_fields,
    next_review,
    present,
)
from autopass.quality.sampling import SAMPLED, WATCHED_DEALER, draw, qa_reason
from autopass.settings import Settings
from autopass.standards import QaPolicy, Standard, load_document_specs
from autopass.store import (
    AuditEvent,
    Dossier,
    DossierStatus,
    MicroTask,
    dispose_engine,
    record_dossier,
    session_scope,
    upgrade,
)
from autopass.store.models import QaState
from autopass.validators import id_check_digit
from tests.factories import make_application

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
MACHINE_ID = "370202198803121230"
OTHER_VALID_ID = "11010519491231002" + id_check_digit("11010519491231002")


def test_sampling_rate_is_honoured_and_the_draw_is_fixed_per_dossier() -> None:
    policy = QaPolicy(sample_rate=0.02, seed="qa-1")
    ids = [f"A2026{n:08d}" for n in range(20000)]
    drawn = [i for i in ids if qa_reason(policy, application_id=i, dealer_id="D-1") == SAMPLED]
    assert 0.015 < len(drawn) / len(ids) < 0.025  # 2% +- 5 standard errors (0.1%): a fixed draw
    for rate in (0.1, 0.5):
        share = sum(draw("qa-1", i) < rate for i in ids) / len(ids)
        assert abs(share - rate) < 5 * (rate * (1 - rate) / len(ids)) ** 0.5
    again = [i for i in ids if qa_reason(policy, application_id=i, dealer_id="D-1") == SAMPLED]
    assert drawn == again
    other_seed = QaPolicy(sample_rate=0.02, seed="qa-2")
    assert drawn != [i for i in ids if qa_reason(other_seed, application_id=i, dealer_id="D-1")]
    assert qa_reason(QaPolicy(sample_rate=0.0), application_id=ids[0], dealer_id="D-1") is None


def test_every_dossier_of_a_watched_dealer_is_reviewed() -> None:
    policy = QaPolicy(sample_rate=0.0, watched_dealers=["D-WATCH"])
    assert {qa_reason(policy, application_id=f"A{n}", dealer_id="D-WATCH")
            for n in range(50)} == {WATCHED_DEALER}
    assert 0.0 <= draw("s", "A1") < 1.0


@pytest.fixture
def standard() -> Standard:
    """One rule: the ID number's check digit (so a QA value with a valid one still passes) and
    the face pair."""
    built = Standard.model_validate({
        "product": "qa_test", "version": 1,
        "documents": [{"type": "id_card_front"}],
        "post_loan": {"registration_chase_days": 30, "id_expiry_warning_days": 60},
        "rules": [
            {"id": "id_number_checksum", "type": "checksum", "algorithm": "gb11643",
             "fields": ["id_card_front.id_number"], "on_failure": "reject"},
            {"id": "name_agrees", "type": "fields_agree", "on_failure": "review",
             "fields": ["application.applicant.name", "id_card_front.name"]},
        ]})
    built._document_specs = load_document_specs(Settings())
    return built


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path / "data")
    upgrade(settings)
    yield settings
    dispose_engine(settings.store_url)


def _passed() -> DossierResult:
    return DossierResult(
        application_id="A-QA-1", decision=Decision.AUTO_PASS,
        documents=[DocumentResult(file="id.jpg", type="id_card_front", confidence=0.99, fields={
            "id_number": FieldValue(value=MACHINE_ID, confidence=0.97, box=[20, 20, 300, 30]),
            "name": FieldValue(value="张伟", confidence=0.93, box=[20, 80, 120, 30]),
            "address": FieldValue(value="山东省青岛市", confidence=0.9, box=[20, 140, 200, 30]),
        })],
        face=FaceResult(score=0.81, status=Status.PASS),
        checks=[CheckResult(id="id_number_checksum", status=Status.PASS),
                CheckResult(id="name_agrees", status=Status.PASS)],
        microtasks=[], elapsed_ms=10)


def _review(store: Settings, standard: Standard) -> int:
    image = np.full((240, 420, 3), 200, np.uint8)
    images = DocumentImages(images={"id.jpg#1": image, "selfie.jpg#1": image},
                            portrait_key="id.jpg#1", portrait_box=(300, 20, 80, 100),
                            selfie_key="selfie.jpg#1", selfie_box=(100, 50, 120, 150))
    result = _passed()
    items = build_items(standard, result, images, crops_dir=store.crops_dir, prefix="a-qa-1/qa")
    with session_scope(store) as session:
        dossier = record_dossier(session, application=make_application("A-QA-1"), result=result,
                                 originals={"id.jpg": "a" * 64}, now=NOW)
        return add_review(session, dossier=dossier, reason=SAMPLED, items=items, now=NOW).id


def test_the_review_shows_key_fields_and_faces_without_the_machine_values(
        store: Settings, standard: Standard) -> None:
    assert key_fields(standard) == {("id_card_front", "id_number"), ("id_card_front", "name")}
    review_id = _review(store, standard)
    with session_scope(store) as session:
        review = next_review(session, username="sam", now=NOW, lease_seconds=180)
        assert review is not None and review.id == review_id
        shown = present(review, "A-QA-1").model_dump_json()
        items = review.items
    assert [(i["kind"], i["field"]) for i in items] == [
        ("field", "id_number"), ("field", "name"), ("face", "face")]  # not the address
    assert all((store.crops_dir / path).is_file() for i in items for path in i["crops"].values())
    for hidden in (MACHINE_ID, "张伟", "0.97", "0.93", "0.81", "machine"):
        assert hidden not in shown
    with session_scope(store) as session:  # held: nobody else gets it
        assert next_review(session, username="other", now=NOW, lease_seconds=180) is None


def _answer(store: Settings, standard: Standard, review_id: int, values: dict) -> object:
    with session_scope(store) as session:
        next_review(session, username="sam", now=NOW, lease_seconds=180)
    with session_scope(store) as session:
        return answer_review(session, review_id=review_id, username="sam",
                             answer=QaAnswer(values=values), standard=standard,
                             face_engine="sface", now=NOW + timedelta(seconds=40))


def test_an_agreeing_review_changes_nothing(store: Settings, standard: Standard) -> None:
    review_id = _review(store, standard)
    outcome = _answer(store, standard, review_id,
                      {"i1": "370202 19880312 1230", "i2": "张 伟", "i3": True})
    assert outcome.disagreements == [] and not outcome.correction_task_ids
    with session_scope(store) as session:
        dossier = session.scalars(sa.select(Dossier)).one()
        assert (dossier.status, dossier.decision) == (DossierStatus.DECIDED, "auto_pass")
        assert session.scalars(sa.select(MicroTask)).all() == []


def test_a_disagreement_that_still_passes_is_recorded_and_settled_by_a_senior(
        store: Settings, standard: Standard) -> None:
    review_id = _review(store, standard)
    outcome = _answer(store, standard, review_id, {"i1": OTHER_VALID_ID, "i2": "张伟", "i3": True})
    assert outcome.disagreements == ["i1"] and not outcome.decision_changed
    with session_scope(store) as session:
        dossier = session.scalars(sa.select(Dossier)).one()
        assert (dossier.status, dossier.decision) == (DossierStatus.DECIDED, "auto_pass")
        [task] = session.scalars(sa.select(MicroTask)).all()
        assert (task.kind, task.role, task.check_id) == (MicroTaskKind.RESOLVE_MISMATCH,
                                                         "senior", "qa_review")
        assert [c.get("value", c.get("answer")) for c in task.payload["candidates"]] == [
            MACHINE_ID, {"value": OTHER_VALID_ID}]
        event = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == QA_DISAGREEMENT)).one()
        assert event.detail["fields"] == "id_card_front.id_number"
        assert OTHER_VALID_ID not in str(event.detail)  # no personal data on the trail
        assert session.get(type(outcome.review), review_id).state == QaState.DISAGREED


def test_a_disagreement_that_would_not_pass_reopens_the_dossier(
        store: Settings, standard: Standard) -> None:
    review_id = _review(store, standard)
    outcome = _answer(store, standard, review_id, {"i1": MACHINE_ID, "i2": "张为", "i3": False})
    assert outcome.disagreements == ["i2", "i3"] and outcome.decision_changed
    with session_scope(store) as session:
        dossier = session.scalars(sa.select(Dossier)).one()
        assert (dossier.status, dossier.decision, dossier.decided_at) == (
            DossierStatus.WAITING_FOR_PEOPLE, "review", None)
        kinds = sorted(t.kind for t in session.scalars(sa.select(MicroTask)))
        assert kinds == [MicroTaskKind.COMPARE_FACES, MicroTaskKind.RESOLVE_MISMATCH]
        assert session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action == QA_REOPENED)).all() == [QA_REOPENED]


def test_an_incomplete_answer_is_refused_with_the_item_named(
        store: Settings, standard: Standard) -> None:
    review_id = _review(store, standard)
    with pytest.raises(QaError, match=r"type the value of name \(item i2\)"):
        _answer(store, standard, review_id, {"i1": MACHINE_ID, "i2": " ", "i3": True})
    with pytest.raises(QaError, match=r"answer yes or no for face \(item i3\)"):
        _answer(store, standard, review_id, {"i1": MACHINE_ID, "i2": "张伟"})


def test_a_qa_slip_overruled_by_the_correction_is_no_false_auto_pass(
        store: Settings, standard: Standard) -> None:
    from autopass.quality.measure import answered_reviews, false_auto_passes, observations
    from autopass.store.queue import answer, claim_next, roles_for

    review_id = _review(store, standard)
    _answer(store, standard, review_id, {"i1": MACHINE_ID, "i2": "张为", "i3": False})
    with session_scope(store) as session:
        assert false_auto_passes(session, answered_reviews(session)) == 1  # until corrected
    for _ in range(2):  # a senior sides with the machine on the name and the faces
        with session_scope(store) as session:
            task = claim_next(session, operator="sue", now=NOW, lease_seconds=180,
                              roles=roles_for("senior"))
            assert task is not None
            machine = {"value": "张伟", "source": "id.jpg#1"}
            answer(session, task_id=task.id, operator="sue", now=NOW + timedelta(minutes=1),
                   answer=machine if task.kind == MicroTaskKind.RESOLVE_MISMATCH
                   else {"same_person": True})
    with session_scope(store) as session:
        assert false_auto_passes(session, answered_reviews(session)) == 0
        seen = observations(session, standards={"qa_test": standard})
    assert sorted((o.field, o.correct) for o in seen) == [
        ("id_card_front.id_number", True), ("id_card_front.name", True)]
