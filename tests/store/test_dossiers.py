"""Recording a processed dossier: everything in one transaction, idempotent per application."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from autopass.dossier import Decision, DossierResult, FieldValue
from autopass.settings import Settings
from autopass.store import (
    DOSSIER_RESUBMITTED,
    AuditEvent,
    Check,
    Document,
    DocumentField,
    Dossier,
    DossierFile,
    DossierStatus,
    FaceComparison,
    MicroTask,
    StoreError,
    TaskState,
    ask_again,
    decide_dossier,
    get_dossier,
    record_dossier,
    session_scope,
)
from autopass.store.models import SQLModel

from .factories import ORIGINALS, T0, at, confirm_task, make_application, make_result


def _count(session: Session, table: type[SQLModel]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(table)) or 0


def _record(settings: Settings, **overrides: object) -> Dossier:
    arguments: dict[str, object] = {
        "application": make_application(),
        "result": make_result(),
        "originals": ORIGINALS,
        "microtasks": [confirm_task(), confirm_task("Signature present?", kind="check_signature")],
        "received_at": T0,
        "now": T0,
        **overrides,
    }
    with session_scope(settings) as session:
        return record_dossier(session, **arguments)  # type: ignore[arg-type]


def test_a_dossier_is_recorded_with_everything(store: Settings) -> None:
    dossier = _record(store)
    with session_scope(store) as session:
        stored = get_dossier(session, application_id="A20261128000123")
        assert stored is not None and stored.id == dossier.id
        assert stored.status == DossierStatus.WAITING_FOR_PEOPLE
        assert stored.decision == "review"
        assert stored.received_at == T0
        assert stored.sla_deadline == at(30)
        assert stored.application["applicant"]["name"] == "张伟"
        files = session.exec(select(DossierFile).order_by(DossierFile.file)).all()
        assert [(f.file, f.stored_path) for f in files] == [
            ("IMG_0412.jpg", f"aa/{'a' * 64}"),
            ("notes.pdf", f"cc/{'c' * 64}"),
            ("scan.png", f"bb/{'b' * 64}"),
        ]
        documents = session.exec(select(Document).order_by(Document.file)).all()
        assert [(d.key, d.type, d.sha256[:1]) for d in documents] == [
            ("IMG_0412.jpg#1", "id_card_front", "a"),
            ("scan.png#1#bank_card", "bank_card", "b"),
        ]
        assert documents[1].region == [0, 0, 50, 30]
        fields = {f.field: f for f in session.exec(select(DocumentField)).all()}
        assert fields["name"].value == "张伟" and fields["name"].box == [10, 20, 100, 30]
        assert fields["id_number"].source == "ocr"
        assert _count(session, Check) == 2
        face = session.exec(select(FaceComparison)).one()
        assert (face.score, face.status) == (0.93, "pass")
        tasks = session.exec(select(MicroTask).order_by(MicroTask.id)).all()
        assert [(t.state, t.sla_deadline, t.question) for t in tasks] == [
            (TaskState.OPEN, at(30), "ID number?"),
            (TaskState.OPEN, at(30), "Signature present?"),
        ]
        assert [m["id"] for m in stored.result["microtasks"]] == [t.id for t in tasks]  # type: ignore[index]
        actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["task_created", "task_created", "dossier_recorded"]


def test_a_dossier_without_tasks_is_decided_at_once(store: Settings) -> None:
    dossier = _record(store, result=make_result(decision=Decision.AUTO_PASS), microtasks=[])
    assert (dossier.status, dossier.decision, dossier.decided_at) == ("decided", "auto_pass", T0)


def test_a_failure_half_way_leaves_nothing(store: Settings) -> None:
    unserialisable = confirm_task(payload={"crop": object()})  # fails when the task is flushed
    with pytest.raises(Exception, match="JSON serializable|not JSON"):
        _record(store, microtasks=[confirm_task(), unserialisable])
    with session_scope(store) as session:
        for table in (Dossier, DossierFile, Document, DocumentField, Check, MicroTask, AuditEvent):
            assert _count(session, table) == 0, table.__tablename__


def test_a_failure_inside_a_longer_transaction_keeps_the_callers_work(store: Settings) -> None:
    with session_scope(store) as session:
        record_dossier(
            session, application=make_application("A1"), result=make_result("A1"),
            originals=ORIGINALS, now=T0,
        )  # fmt: skip
        with pytest.raises(Exception, match="JSON serializable|not JSON"):
            record_dossier(
                session, application=make_application("A2"), result=make_result("A2"),
                originals=ORIGINALS, microtasks=[confirm_task(payload={"x": object()})], now=T0,
            )  # fmt: skip
    with session_scope(store) as session:
        assert session.scalars(sa.select(Dossier.application_id)).all() == ["A1"]


def test_a_document_without_a_stored_original_is_refused(store: Settings) -> None:
    with pytest.raises(StoreError) as error:
        _record(store, originals={"IMG_0412.jpg": "a" * 64})
    assert str(error.value) == (
        "A20261128000123: no stored original for scan.png; "
        "store every file with store_original before recording the dossier"
    )


def test_recording_again_replaces_the_machine_results(store: Settings) -> None:
    first = _record(store)
    result = make_result(decision=Decision.AUTO_PASS)
    result.documents = result.documents[:1]
    second = _record(store, result=result, microtasks=[], received_at=at(50), now=at(55))
    assert second.id == first.id
    with session_scope(store) as session:
        assert _count(session, Dossier) == 1
        assert _count(session, Document) == 1
        assert _count(session, DocumentField) == 2
        assert _count(session, Check) == 2
        assert _count(session, FaceComparison) == 1
        dossier = session.get_one(Dossier, first.id)
        assert (dossier.status, dossier.decision) == ("decided", "auto_pass")
        assert (dossier.received_at, dossier.sla_deadline) == (T0, at(30)), "first receipt kept"
        states = session.scalars(sa.select(MicroTask.state)).all()
        assert states == ["closed", "closed"], "old tasks kept for the audit trail, closed"
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == DOSSIER_RESUBMITTED)
        ).one()
        assert event.detail["previous_decision"] == "review"
        assert event.detail["previous_files"] == ORIGINALS, "the version replaced stays on record"
        assert len(event.detail["previous_result"]["documents"]) == 2


def _answered(store: Settings) -> Dossier:
    """A recorded dossier whose two micro-tasks people have answered."""
    dossier = _record(store)
    with session_scope(store) as session:
        session.execute(sa.update(MicroTask).values(state=TaskState.ANSWERED))
    return dossier


def _judged(decision: Decision) -> DossierResult:
    """The result judged again with the answers: the ID number a person typed is a fact."""
    result = make_result(decision=decision)
    result.documents[0].fields["id_number"] = FieldValue(
        value="370202198803121230", confidence=1.0, source="human"
    )
    return result


def _id_number_sources(session: Session) -> list[str]:
    return list(session.scalars(
        sa.select(DocumentField.source).where(DocumentField.field == "id_number")
    ).all())


def test_ask_again_keeps_the_answers_so_far_and_queues_what_remains(store: Settings) -> None:
    dossier = _answered(store)
    with session_scope(store) as session:
        asked = ask_again(session, dossier_id=dossier.id,  # type: ignore[arg-type]
                          result=_judged(Decision.REVIEW), microtasks=[confirm_task("Name?")],
                          now=at(20))
        assert (asked.status, asked.decision, asked.decided_at) == (
            "waiting_for_people", "review", None)
        # The next round starts from this result: the answer is in it, as a fact.
        assert asked.result["documents"][0]["fields"]["id_number"]["source"] == "human"
        assert [t["question"] for t in asked.result["microtasks"]] == ["Name?"]
    with session_scope(store) as session:
        states = {(task.question, task.state) for task in session.exec(select(MicroTask))}
        assert states == {("ID number?", "closed"), ("Signature present?", "closed"),
                          ("Name?", "open")}
        assert _id_number_sources(session) == ["human"]


def test_decide_dossier_stores_the_final_result_and_closes_answered_tasks(
    store: Settings,
) -> None:
    dossier = _answered(store)
    with session_scope(store) as session:
        decided = decide_dossier(
            session, dossier_id=dossier.id, result=_judged(Decision.AUTO_PASS), actor="alice",
            now=at(20),
        )  # type: ignore[arg-type]
        assert (decided.status, decided.decision, decided.decided_at) == (
            "decided",
            "auto_pass",
            at(20),
        )
    with session_scope(store) as session:
        assert _id_number_sources(session) == ["human"]
        assert set(session.scalars(sa.select(MicroTask.state)).all()) == {"closed"}
        assert _count(session, Document) == 2
