"""The micro-task queue: order, leases, double keying, release, and the end of a dossier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from autopass.dossier import MicroTaskKind
from autopass.store.queue import (
    QueueError,
    answer,
    claim_next,
    dossier_is_settled,
    expire_leases,
    queue_overview,
    release,
    request_new_photo,
    roles_for,
)
from autopass.settings import Settings
from autopass.store import (
    AuditEvent,
    Dossier,
    DossierStatus,
    MicroTask,
    MicroTaskAnswer,
    NewMicroTask,
    Role,
    TaskState,
    get_engine,
    session_scope,
)

from .factories import (
    LEASE,
    T0,
    about_the_id_card,
    at,
    claim_as,
    confirm_task,
    record_with_tasks,
)


def _answer(settings: Settings, task_id: int, operator: str, value: object, minute: float = 2):
    with session_scope(settings) as session:
        return answer(session, task_id=task_id, operator=operator, answer=value, now=at(minute))


def _task(settings: Settings, task_id: int) -> MicroTask:
    with session_scope(settings) as session:
        return session.get_one(MicroTask, task_id)


def test_claims_follow_the_sla_deadline_then_priority_then_age(store: Settings) -> None:
    late = record_with_tasks(store, "LATE", [confirm_task("late")], received_minute=10)
    early = record_with_tasks(
        store, "EARLY", [confirm_task("low"), confirm_task("high", priority=5)], received_minute=20
    )
    # EARLY was received later, so its SLA deadline is later: LATE's task comes first.
    order = [claim_as(store, "alice") for _ in range(4)]
    assert order == [late[0], early[1], early[0], None]
    claimed = _task(store, late[0])
    assert (claimed.state, claimed.claimed_by, claimed.lease_expires_at) == (
        TaskState.CLAIMED, "alice", at(1 + LEASE / 60),
    )  # fmt: skip


def test_operators_do_not_get_tasks_meant_for_seniors(store: Settings) -> None:
    [senior_task] = record_with_tasks(store, "A1", [confirm_task(role=Role.SENIOR)])
    assert claim_as(store, "olga", roles=roles_for("operator")) is None
    assert claim_as(store, "sam", roles=roles_for("senior")) == senior_task


def test_an_expired_lease_returns_the_task_to_the_queue(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task()])
    assert claim_as(store, "alice", minute=1) == task_id
    with session_scope(store) as session:
        assert expire_leases(session, now=at(3)) == 0, "the lease still runs"
        assert expire_leases(session, now=at(1 + LEASE / 60 + 0.01)) == 1
    assert _task(store, task_id).state == TaskState.OPEN
    with pytest.raises(QueueError, match=f"micro-task {task_id} is not claimed by alice"):
        _answer(store, task_id, "alice", {"value": "x"}, minute=5)
    assert claim_as(store, "bob", minute=5) == task_id
    with session_scope(store) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "task_lease_expired")
        ).one()
        assert (event.actor, event.task_id, event.detail) == (
            "machine",
            task_id,
            {"claimed_by": "alice"},
        )


def test_release_gives_the_task_back_with_the_reason(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task()])
    claim_as(store, "alice")
    with session_scope(store) as session, pytest.raises(QueueError, match="not claimed by bob"):
        release(session, task_id=task_id, operator="bob", now=at(2))
    with session_scope(store) as session:
        release(session, task_id=task_id, operator="alice", now=at(2), reason="crop unreadable")
    assert _task(store, task_id).state == TaskState.OPEN
    with session_scope(store) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "task_released")).one()
        assert (event.actor, event.detail) == ("alice", {"reason": "crop unreadable"})


def test_a_task_released_for_a_senior_is_offered_to_seniors_only(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task()])
    claim_as(store, "alice")
    with session_scope(store) as session:
        release(session, task_id=task_id, operator="alice", now=at(2), reason="?", to_senior=True)
    assert claim_as(store, "bob", minute=3) is None
    assert claim_as(store, "sam", minute=3, roles=roles_for(Role.SENIOR)) == task_id
    with session_scope(store) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "task_released")).one()
        assert event.detail == {"reason": "?", "to_senior": True}


def test_a_new_photo_request_sends_the_dossier_back_to_its_dealer(store: Settings) -> None:
    asked, held_by_bob, still_open = record_with_tasks(
        store, "A1", [about_the_id_card(), confirm_task("sig?"), confirm_task("name?")]
    )
    [elsewhere] = record_with_tasks(store, "A2", [confirm_task()])
    assert claim_as(store, "alice") == asked
    assert claim_as(store, "bob") == held_by_bob
    with session_scope(store) as session, pytest.raises(QueueError, match="not claimed by bob"):
        request_new_photo(session, task_id=asked, operator="bob", now=at(2))
    with session_scope(store) as session:
        request = request_new_photo(
            session, task_id=asked, operator="alice", now=at(2), reason="glare over the number"
        )
    assert [(p.file, p.type) for p in request.photos] == [("IMG_0412.jpg", "id_card_front")]
    assert request.closed_task_ids == [asked, held_by_bob, still_open]
    assert [_task(store, t).state for t in (asked, held_by_bob, still_open, elsewhere)] == [
        TaskState.CLOSED, TaskState.CLOSED, TaskState.CLOSED, TaskState.OPEN
    ]
    with pytest.raises(QueueError, match="not claimed by bob"):
        _answer(store, held_by_bob, "bob", {"value": "ok"}, minute=3)
    assert claim_as(store, "carol", minute=3) == elsewhere
    with session_scope(store) as session:
        assert session.get_one(Dossier, request.dossier_id).status == DossierStatus.WAITING_FOR_DEALER
        [waiting] = queue_overview(session, now=at(3)).waiting_for_dealer
    assert (waiting.application_id, waiting.reason, waiting.requested_by, waiting.requested_at) == (
        "A1", "glare over the number", "alice", at(2)
    )
    assert waiting.photos == request.photos


def test_a_dossier_sent_back_returns_to_the_queue_when_the_dealer_sends_it_again(
    store: Settings,
) -> None:
    [asked] = record_with_tasks(store, "A1", [about_the_id_card()])
    claim_as(store, "alice")
    with session_scope(store) as session:
        request_new_photo(session, task_id=asked, operator="alice", now=at(2))
    [again] = record_with_tasks(store, "A1", [about_the_id_card()], received_minute=30)
    assert _task(store, again).state == TaskState.OPEN
    with session_scope(store) as session:
        dossier = session.exec(select(Dossier).where(Dossier.application_id == "A1")).one()
        assert dossier.status == DossierStatus.WAITING_FOR_PEOPLE
        assert queue_overview(session, now=at(31)).waiting_for_dealer == []


def test_a_single_answer_settles_a_task_and_the_last_one_settles_the_dossier(
    store: Settings,
) -> None:
    first, second = record_with_tasks(store, "A1", [confirm_task(), confirm_task("sig?")])
    assert claim_as(store, "alice") == first
    outcome = _answer(store, first, "alice", {"value": "ok"}, minute=1.5)
    assert (outcome.settled, outcome.dossier_settled) == (True, False)
    assert outcome.task.resolution == {"value": "ok"}
    assert claim_as(store, "alice") == second
    outcome = _answer(store, second, "alice", {"value": True})
    assert (outcome.settled, outcome.dossier_settled) == (True, True)
    with session_scope(store) as session:
        assert dossier_is_settled(session, outcome.task.dossier_id)
        timing = session.exec(select(MicroTaskAnswer).where(MicroTaskAnswer.task_id == first)).one()
        assert (timing.started_at, timing.answered_at, timing.seconds) == (at(1), at(1.5), 30.0)
        actions = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.task_id == first).order_by(AuditEvent.id)
        ).all()
        assert actions == ["task_created", "task_claimed", "task_answered"]


def test_double_keying_equal_values_settle_the_task(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task(required_answers=2)])
    assert claim_as(store, "alice") == task_id
    outcome = _answer(store, task_id, "alice", {"value": "37020219880312123x"})
    assert (outcome.settled, outcome.waiting_for_second_answer, outcome.dossier_settled) == (
        False, True, False,
    )  # fmt: skip
    assert claim_as(store, "alice", minute=3) is None, "the same operator never gets it twice"
    assert claim_as(store, "bob", minute=3) == task_id
    outcome = _answer(store, task_id, "bob", {"value": " 37020219880312123X"}, minute=4)
    assert (outcome.settled, outcome.mismatch_task, outcome.dossier_settled) == (True, None, True)
    assert outcome.task.resolution == {"value": "37020219880312123x"}


def test_double_keying_different_values_go_to_a_senior(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task(required_answers=2)])
    claim_as(store, "alice")
    _answer(store, task_id, "alice", {"value": "370202198803121230"})
    claim_as(store, "bob", minute=3)
    outcome = _answer(store, task_id, "bob", {"value": "370202198803121236"}, minute=4)
    assert outcome.task.state == TaskState.CLOSED
    assert (outcome.settled, outcome.dossier_settled) == (False, False)
    mismatch = outcome.mismatch_task
    assert mismatch is not None
    assert (mismatch.kind, mismatch.role, mismatch.parent_task_id) == (
        "resolve_mismatch", Role.SENIOR, task_id,
    )  # fmt: skip
    assert mismatch.payload["candidates"] == [
        {"operator": "alice", "answer": {"value": "370202198803121230"}},
        {"operator": "bob", "answer": {"value": "370202198803121236"}},
    ]
    assert mismatch.payload["crop"] == "crops/x.png"
    assert claim_as(store, "carol", minute=5) is None, "operators cannot take it"
    assert claim_as(store, "sam", minute=5, roles=roles_for("senior")) == mismatch.id
    final = _answer(store, mismatch.id, "sam", {"value": "370202198803121230"}, minute=6)  # type: ignore[arg-type]
    assert (final.settled, final.dossier_settled) == (True, True)


@pytest.mark.parametrize(("kind", "payload", "answers"), [
    (MicroTaskKind.COMPARE_FACES, {"crops": {"portrait": "p.jpg", "selfie": "s.jpg"}},
     ({"same_person": True}, {"same_person": False})),
    (MicroTaskKind.CLASSIFY_DOCUMENT, {"crop": "x.jpg", "options": ["bank_card", "other"]},
     ({"type": "bank_card"}, {"type": "other"})),
])
def test_two_operators_who_disagree_on_a_choice_leave_the_question_to_a_senior(
    store: Settings, kind: MicroTaskKind, payload: dict, answers: tuple[dict, dict],
) -> None:
    """A face, a signature, a document type: nothing typed to choose between, so the senior is
    asked the question itself."""
    question = NewMicroTask(kind=kind, question="Q?", payload={**payload, "subjects": []},
                            required_answers=2)
    [task_id] = record_with_tasks(store, "A1", [question])
    claim_as(store, "alice")
    _answer(store, task_id, "alice", answers[0])
    claim_as(store, "bob", minute=3)
    outcome = _answer(store, task_id, "bob", answers[1], minute=4)
    senior_task = outcome.mismatch_task
    assert senior_task is not None and not outcome.dossier_settled
    assert (senior_task.kind, senior_task.role, senior_task.required_answers) == (
        kind, Role.SENIOR, 1
    )
    assert {key: senior_task.payload[key] for key in payload} == payload
    assert senior_task.question.startswith("两位操作员意见不同 Two operators disagreed")
    assert claim_as(store, "sam", minute=5, roles=roles_for(Role.SENIOR)) == senior_task.id
    assert _answer(store, senior_task.id, "sam", answers[1], minute=6).dossier_settled


def test_the_same_operator_cannot_answer_a_double_keyed_task_twice(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task(required_answers=2)])
    claim_as(store, "alice")
    _answer(store, task_id, "alice", {"value": "1"})
    with pytest.raises(QueueError, match="not claimed by alice"):
        _answer(store, task_id, "alice", {"value": "1"}, minute=3)
    with session_scope(store) as session:  # even a forced claim is refused by the database
        session.execute(
            sa.update(MicroTask)
            .where(MicroTask.id == task_id)
            .values(state="claimed", claimed_by="alice", claimed_at=at(3), lease_expires_at=at(9))
        )
    with pytest.raises(sa.exc.IntegrityError):
        _answer(store, task_id, "alice", {"value": "2"}, minute=4)


def test_an_unknown_task_is_named(store: Settings) -> None:
    with pytest.raises(QueueError, match="^micro-task 999 does not exist$"):
        _answer(store, 999, "alice", {"value": "1"})


def test_naive_now_is_refused_by_the_store(store: Settings) -> None:
    record_with_tasks(store, "A1", [confirm_task()])
    refused = pytest.raises(sa.exc.StatementError, match="naive datetime")
    with refused, session_scope(store) as session:
        claim_next(session, operator="a", now=T0.replace(tzinfo=None), lease_seconds=LEASE)


def test_the_overview_shows_depth_age_and_dossiers_near_their_deadline(store: Settings) -> None:
    record_with_tasks(store, "SOON", [confirm_task("a"), confirm_task("b")], received_minute=0)
    record_with_tasks(store, "LATER", [confirm_task("c")], received_minute=40)
    claim_as(store, "alice", minute=1)
    with session_scope(store) as session:
        overview = queue_overview(session, now=at(25), at_risk_minutes=10)
    assert (overview.open, overview.claimed) == (2, 1)
    assert overview.oldest_open_created_at == at(0)
    assert [(d.application_id, d.sla_deadline, d.unsettled_tasks) for d in overview.at_risk] == [
        ("SOON", at(30), 2)
    ]


def test_a_claim_reads_the_claim_order_index_instead_of_sorting_the_queue(store: Settings) -> None:
    """5,000 open tasks, a tenth of them for seniors: neither an operator's claim nor a senior's
    sorts the open tasks; each reads a claim-order index (0001's, or 0003's of one role)."""
    _fill_open_tasks(store, 5000)
    for roles in (roles_for("operator"), roles_for("senior")):
        plan = _claim_plan(store, roles)
        assert "ix_micro_tasks_open_" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)  # synchronous_commit is PostgreSQL's
def test_a_claim_commits_lazily_and_an_answer_durably_on_postgresql(store: Settings) -> None:
    [task_id] = record_with_tasks(store, "A1", [confirm_task()])
    setting = sa.text("SHOW synchronous_commit")
    with session_scope(store) as session:
        claim_next(session, operator="alice", now=at(1), lease_seconds=LEASE)
        assert session.scalar(setting) == "off"
        answer(session, task_id=task_id, operator="alice", answer={"value": "x"}, now=at(2))
        assert session.scalar(setting) == "on"
    with session_scope(store) as session:
        assert session.scalar(setting) == "on", "the setting ended with its transaction"


def _fill_open_tasks(settings: Settings, count: int) -> None:
    [first] = record_with_tasks(settings, "FILL", [confirm_task()])
    numbers = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
    fill = sa.text(
        f"{numbers} INSERT INTO micro_tasks (dossier_id, kind, check_id, role, payload, priority,"
        " state, required_answers, sla_deadline, created_at)"
        " SELECT dossier_id, kind, check_id, CASE WHEN i % 10 = 0 THEN 'senior' ELSE 'operator'"
        " END, payload, i % 3, 'open', 1 + i % 2, sla_deadline, created_at"
        " FROM micro_tasks, n WHERE micro_tasks.id = :first"
    )
    with get_engine(settings.store_url).begin() as connection:
        connection.execute(fill, {"first": first})
        connection.exec_driver_sql("ANALYZE")


def _claim_plan(settings: Settings, roles: Sequence[Role]) -> str:
    """The database's plan of the claim statement, as ``claim_next`` sends it."""
    engine = get_engine(settings.store_url)
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("UPDATE micro_tasks SET state='claimed'"):
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        with session_scope(settings) as session:
            claim_next(session, operator="plan", now=at(1), lease_seconds=LEASE, roles=roles)
            session.rollback()
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = sent
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        explain = "EXPLAIN" if postgresql else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {statement}", parameters)
        rows = cursor.fetchall()
        connection.rollback()
    return "\n".join(str(row[0] if postgresql else row[-1]) for row in rows)
