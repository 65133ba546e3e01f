"""The human micro-task queue: create, claim, answer, release, expire.

States: ``open`` -> ``claimed`` (a lease that expires back to ``open``) -> ``answered`` (settled,
``resolution`` holds the answer) -> ``closed`` (finalized, superseded, handed to a senior, or
sent back with its dossier to the dealer for a new photo).

Order: the SLA deadline first, then priority (higher first), then age. Claiming is one atomic
``UPDATE ... WHERE id = (SELECT ... LIMIT 1)``: on PostgreSQL the inner select takes the row with
``FOR UPDATE SKIP LOCKED`` so concurrent claimers never wait on each other; on SQLite every
transaction starts with ``BEGIN IMMEDIATE`` (see ``store.db``), so claims are serialised.

Row locks on PostgreSQL are ``FOR NO KEY UPDATE``: they exclude each other (and ``FOR UPDATE``),
but not the ``KEY SHARE`` lock a foreign-key check takes on the row it refers to. So a claim,
whose audit event refers to the dossier, never waits for an answer holding that dossier's lock.

Double keying: a task with ``required_answers=2`` goes back to ``open`` after its first answer and
is never offered again to an operator who answered it; the second, different operator types the
value blind. Equal values settle it, different values close it and open a ``resolve_mismatch``
task for a senior (a question answered by picking, yes/no or a document type, is asked of a senior
as it is).

Every function works inside the caller's session; the caller commits (``session_scope``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from autopass.errors import AutopassError
from autopass.microtasks import MicroTaskKind, kind_of
from autopass.store.audit import insert_event, record_event
from autopass.store.models import (
    MACHINE,
    AuditEvent,
    Document,
    Dossier,
    DossierStatus,
    MicroTask,
    MicroTaskAnswer,
    NewMicroTask,
    Role,
    TaskState,
)

__all__ = [
    "AnswerOutcome",
    "NewMicroTask",
    "NewPhotoRequest",
    "PhotoToRetake",
    "QueueError",
    "answer",
    "ask_dealer_for_documents",
    "claim_next",
    "create_micro_task",
    "dossier_is_settled",
    "expire_leases",
    "queue_overview",
    "release",
    "request_new_photo",
    "roles_for",
]

UNSETTLED = (TaskState.OPEN, TaskState.CLAIMED)
NEW_PHOTO_REQUESTED = "new_photo_requested"  # the audit action that sends a dossier to its dealer


class QueueError(AutopassError):
    """A queue operation that does not fit the task's state (not yours, lease lost, unknown)."""


@dataclass(frozen=True)
class AnswerOutcome:
    task: MicroTask
    settled: bool  # the task reached ``answered`` (its resolution is known)
    waiting_for_second_answer: bool  # double keying: one answer in, the task is open again
    mismatch_task: MicroTask | None  # the senior's task when two operators disagreed
    dossier_settled: bool  # this answer left the dossier with no open or claimed task


@dataclass(frozen=True)
class DossierAtRisk:
    dossier_id: int
    application_id: str
    sla_deadline: datetime
    unsettled_tasks: int


@dataclass(frozen=True)
class PhotoToRetake:
    file: str  # the file name the dealer sent
    type: str  # the document type it was taken for (CONTRACT §2)


@dataclass(frozen=True)
class NewPhotoRequest:
    """A dossier sent back to its dealer: which photos to take again (an operator could not read
    them) or which documents to send (the machine found them missing), why, who asked, when."""

    request_id: int  # the request's audit event: identifies it (and its notice to the dealer)
    dossier_id: int
    task_id: int | None  # the task whose photo nobody could read; None when the machine asked
    application_id: str
    photos: list[PhotoToRetake]
    reason: str
    requested_by: str
    requested_at: datetime
    closed_task_ids: list[int]  # the dossier's tasks nobody needs to answer any more
    missing_documents: list[str] = field(default_factory=list)  # document types (CONTRACT §2)


@dataclass(frozen=True)
class QueueOverview:
    """What a supervisor watches: depth, the oldest waiting task, dossiers near their SLA, and
    dossiers waiting for a dealer's new photo."""

    open: int
    claimed: int
    oldest_open_created_at: datetime | None
    at_risk: list[DossierAtRisk]  # deadline within ``at_risk_minutes`` or passed, most urgent first
    waiting_for_dealer: list[NewPhotoRequest]  # oldest request first


def roles_for(user_role: Role | str) -> tuple[Role, ...]:
    """Which task roles a user may claim: seniors and supervisors also take operators' tasks."""
    if Role(user_role) is Role.OPERATOR:
        return (Role.OPERATOR,)
    return (Role.SENIOR, Role.OPERATOR)


def create_micro_task(
    session: Session,
    *,
    dossier: Dossier,
    task: NewMicroTask,
    now: datetime,
    parent_task_id: int | None = None,
    actor: str = MACHINE,
) -> MicroTask:
    """Add an open task for ``dossier``; its SLA deadline is the dossier's."""
    assert dossier.id is not None, "flush the dossier before creating its tasks"
    role = Role.SENIOR if kind_of(task.kind).senior_only else task.role
    row = MicroTask(
        dossier_id=dossier.id,
        kind=task.kind,
        check_id=task.check_id,
        role=role,
        payload={**task.payload, "question": task.question},
        priority=task.priority,
        state=TaskState.OPEN,
        required_answers=task.required_answers,
        sla_deadline=dossier.sla_deadline,
        created_at=now,
        parent_task_id=parent_task_id,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="task_created",
        dossier_id=dossier.id,
        task_id=row.id,
        detail={"kind": str(task.kind), "check_id": task.check_id, "role": str(role)},
        at=now,
    )
    return row


def claim_next(
    session: Session,
    *,
    operator: str,
    now: datetime,
    lease_seconds: int,
    roles: Collection[Role | str] = (Role.OPERATOR,),
) -> MicroTask | None:
    """Claim the most urgent open task this operator may take, or None if there is none.

    On PostgreSQL the claiming transaction commits without waiting for its WAL to reach the disk
    (``SET LOCAL synchronous_commit = off``, this transaction only). A claim lost in a database
    crash is harmless: its lease just never existed and the task is still open. So is the rest of
    that transaction: a lost lease expiry is redone by the next claim, a lost release leaves the
    task with its operator until the lease runs out. ``answer`` turns the setting back if it runs
    in the same transaction: answers stay durable.
    """
    _commit_lazily(session)
    task = session.scalars(
        _CLAIM,
        {
            "operator": operator,
            "roles": [str(role) for role in roles],
            "claimed_at": now,
            "lease_expires_at": now + timedelta(seconds=lease_seconds),
        },
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()
    if task is None:
        return None
    insert_event(
        session,
        actor=operator,
        action="task_claimed",
        dossier_id=task.dossier_id,
        task_id=task.id,
        detail={"lease_seconds": lease_seconds},
        at=now,
    )
    return task


def answer(
    session: Session, *, task_id: int, operator: str, answer: Any, now: datetime
) -> AnswerOutcome:
    """Record ``operator``'s answer to the task they hold, and settle it when it can be."""
    _commit_durably(session)
    task = _lock_claimed_task(session, task_id=task_id, operator=operator)
    assert task.claimed_at is not None
    seconds = max((now - task.claimed_at).total_seconds(), 0.0)
    new_answer = MicroTaskAnswer(
        task_id=task_id,
        operator=operator,
        answer=answer,
        started_at=task.claimed_at,
        answered_at=now,
        seconds=seconds,
    )
    # Double keying needs the answers already in; the task's lock keeps them as they are.
    answers = [*_answers_of(session, task_id), new_answer] if task.required_answers > 1 else []
    session.add(new_answer)
    insert_event(
        session,
        actor=operator,
        action="task_answered",
        dossier_id=task.dossier_id,
        task_id=task_id,
        detail={"seconds": round(seconds, 3)},
        at=now,
    )
    mismatch: MicroTask | None = None
    if task.required_answers == 1:
        _settle(task, resolution=answer, now=now)
    elif len(answers) < task.required_answers:
        _reopen(task)
    elif _same_value(answers[0].answer, answers[1].answer):
        _settle(task, resolution=answers[0].answer, now=now)
    else:
        mismatch = _hand_mismatch_to_senior(session, task=task, answers=answers, now=now)
    session.flush()
    settled = task.state == TaskState.ANSWERED
    return AnswerOutcome(
        task=task,
        settled=settled,
        waiting_for_second_answer=task.state == TaskState.OPEN,
        mismatch_task=mismatch,
        # Reopened or handed to a senior, the task itself keeps its dossier unsettled.
        dossier_settled=settled and dossier_is_settled(session, task.dossier_id),
    )


def release(
    session: Session,
    *,
    task_id: int,
    operator: str,
    now: datetime,
    reason: str = "",
    to_senior: bool = False,
) -> MicroTask:
    """Give a claimed task back to the queue (skip), keeping the reason in the audit trail;
    ``to_senior``: the operator needs a senior, so from now on only seniors are offered it."""
    task = _lock_claimed_task(session, task_id=task_id, operator=operator)
    _reopen(task)
    if to_senior:
        task.role = Role.SENIOR
    insert_event(
        session,
        actor=operator,
        action="task_released",
        dossier_id=task.dossier_id,
        task_id=task_id,
        detail={"reason": reason, "to_senior": True} if to_senior else {"reason": reason},
        at=now,
    )
    session.flush()
    return task


def request_new_photo(
    session: Session, *, task_id: int, operator: str, now: datetime, reason: str = ""
) -> NewPhotoRequest:
    """Send the task's dossier back to its dealer for a new photo of the documents the task asks
    about: the operator holding it cannot tell from this image, and nobody else could either.

    The task and every other open or claimed task of the dossier close, and the dossier waits for
    the dealer (``_send_back``). Recording the dealer's new folder under the same application id
    (``record_dossier``) brings it back to the queue.
    """
    _commit_durably(session)
    task = _lock_claimed_task(session, task_id=task_id, operator=operator)
    return _send_back(
        session, dossier=session.get_one(Dossier, task.dossier_id), actor=operator, now=now,
        reason=reason, task_id=task_id, photos=_photos_asked_about(session, task))


def ask_dealer_for_documents(
    session: Session, *, dossier: Dossier, documents: Collection[str], reason: str, now: datetime
) -> NewPhotoRequest:
    """Send the dossier back to its dealer for the required documents it lacks beyond doubt: the
    dealer forgot a page, the customer is not turned down. Like ``request_new_photo``, with no
    task behind it (the machine asks) and no file to photograph again; the caller holds the
    dossier's lock (``store.record_dossier``, ``store.await_dealer``)."""
    return _send_back(session, dossier=dossier, actor=MACHINE, now=now, reason=reason,
                      missing_documents=[str(document) for document in documents])


def _send_back(
    session: Session,
    *,
    dossier: Dossier,
    actor: str,
    now: datetime,
    reason: str,
    task_id: int | None = None,
    photos: Collection[PhotoToRetake] = (),
    missing_documents: Collection[str] = (),
) -> NewPhotoRequest:
    """Close the dossier's open and claimed tasks (the dealer's new folder is processed from the
    start, so their questions may not arise again; an operator holding one learns it when
    answering), let the dossier wait for its dealer, and record the request: its audit event is
    the outbox of the dealer's notice (``dealer_notices``)."""
    closed = session.scalars(
        sa.update(MicroTask)
        .where(MicroTask.dossier_id == dossier.id, MicroTask.state.in_(UNSETTLED))
        .values(state=TaskState.CLOSED, closed_at=now, claimed_by=None, lease_expires_at=None)
        .returning(MicroTask.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    dossier.status, dossier.updated_at = DossierStatus.WAITING_FOR_DEALER, now
    detail: dict[str, Any] = {
        "reason": reason,
        "photos": [vars(photo) for photo in photos],
        "closed_tasks": sorted(closed),
    }
    if missing_documents:
        detail["missing_documents"] = list(missing_documents)
    event = record_event(session, actor=actor, action=NEW_PHOTO_REQUESTED, dossier_id=dossier.id,
                         task_id=task_id, detail=detail, at=now)
    session.flush()
    return _request_of(event, dossier.application_id)


def _request_of(event: AuditEvent, application_id: str) -> NewPhotoRequest:
    """The request an audit event of ``NEW_PHOTO_REQUESTED`` records."""
    assert event.id is not None and event.dossier_id is not None
    return NewPhotoRequest(
        request_id=event.id,
        dossier_id=event.dossier_id,
        task_id=event.task_id,
        application_id=application_id,
        photos=[PhotoToRetake(**photo) for photo in event.detail.get("photos", [])],
        reason=event.detail.get("reason", ""),
        requested_by=event.actor,
        requested_at=_as_utc(event.at),
        closed_task_ids=event.detail.get("closed_tasks", []),
        missing_documents=event.detail.get("missing_documents", []),
    )


def waiting_for_dealer(session: Session, *, dossier_id: int | None = None
                       ) -> list[NewPhotoRequest]:
    """The dossiers sent back to their dealers and not received again (only ``dossier_id``, when
    given), oldest request first."""
    latest = (
        sa.select(sa.func.max(AuditEvent.id))
        .where(AuditEvent.action == NEW_PHOTO_REQUESTED)
        .group_by(AuditEvent.dossier_id)
    )
    query = (
        sa.select(Dossier.id, Dossier.application_id, AuditEvent)
        .join(AuditEvent, AuditEvent.dossier_id == Dossier.id)
        .where(Dossier.status == DossierStatus.WAITING_FOR_DEALER, AuditEvent.id.in_(latest))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    if dossier_id is not None:
        query = query.where(Dossier.id == dossier_id)
    rows = session.execute(query).all()
    return [_request_of(event, application_id) for _, application_id, event in rows]


def lock_if_still_waiting(session: Session, *, dossier_id: int, request_id: int) -> Dossier | None:
    """The dossier, locked, while it still waits for its dealer on this request (the dealer has
    not sent it again, and nobody asked anew since); else None."""
    dossier = session.scalars(
        sa.select(Dossier).where(Dossier.id == dossier_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if dossier is None or dossier.status != DossierStatus.WAITING_FOR_DEALER:
        return None
    latest = session.scalar(sa.select(sa.func.max(AuditEvent.id)).where(
        AuditEvent.action == NEW_PHOTO_REQUESTED, AuditEvent.dossier_id == dossier_id))
    return dossier if latest == request_id else None


def expire_leases(session: Session, *, now: datetime) -> int:
    """Return every task whose lease ran out to ``open``; how many there were."""
    expired = session.execute(_EXPIRED_LEASES, {"now": now}).all()
    if not expired:
        return 0
    session.execute(
        sa.update(MicroTask)
        .where(MicroTask.id.in_([row.id for row in expired]))
        .values(state=TaskState.OPEN, claimed_by=None, claimed_at=None, lease_expires_at=None)
        .execution_options(synchronize_session="fetch")
    )
    for row in expired:
        record_event(
            session,
            actor=MACHINE,
            action="task_lease_expired",
            dossier_id=row.dossier_id,
            task_id=row.id,
            detail={"claimed_by": row.claimed_by},
            at=now,
        )
    session.flush()
    return len(expired)


def dossier_is_settled(session: Session, dossier_id: int) -> bool:
    """No task of the dossier is open or claimed: the finalize flow may run."""
    return not session.scalar(_UNSETTLED_TASK_EXISTS, {"dossier_id": dossier_id})


def unfinalized_dossier_ids(session: Session, *, updated_before: datetime) -> list[int]:
    """Dossiers waiting for people, unchanged since ``updated_before``, although none of their
    tasks is open or claimed: settled, but their ``finalize-dossier`` run never happened."""
    unsettled = sa.exists(
        sa.select(MicroTask.id).where(
            MicroTask.dossier_id == Dossier.id, MicroTask.state.in_(UNSETTLED)  # type: ignore[attr-defined]
        )
    )
    return list(
        session.scalars(
            sa.select(Dossier.id)
            .where(
                Dossier.status == DossierStatus.WAITING_FOR_PEOPLE,
                Dossier.updated_at < updated_before,
                ~unsettled,
            )
            .order_by(Dossier.id)
        ).all()
    )


def queue_overview(session: Session, *, now: datetime, at_risk_minutes: int = 10) -> QueueOverview:
    """Counts by state, the oldest open task, and dossiers whose SLA deadline is near or past."""
    counts = dict(
        session.execute(
            sa.select(MicroTask.state, sa.func.count())
            .where(MicroTask.state.in_(UNSETTLED))
            .group_by(MicroTask.state)
        ).all()
    )
    oldest = session.scalar(
        sa.select(sa.func.min(MicroTask.created_at)).where(MicroTask.state == TaskState.OPEN)
    )
    at_risk = session.execute(
        sa.select(Dossier.id, Dossier.application_id, Dossier.sla_deadline, sa.func.count())
        .join(MicroTask, MicroTask.dossier_id == Dossier.id)
        .where(
            MicroTask.state.in_(UNSETTLED),
            Dossier.sla_deadline <= now + timedelta(minutes=at_risk_minutes),
        )
        .group_by(Dossier.id, Dossier.application_id, Dossier.sla_deadline)
        .order_by(Dossier.sla_deadline, Dossier.id)
    ).all()
    return QueueOverview(
        open=counts.get(TaskState.OPEN, 0),
        claimed=counts.get(TaskState.CLAIMED, 0),
        oldest_open_created_at=oldest if oldest is None else _as_utc(oldest),
        at_risk=[DossierAtRisk(*row) for row in at_risk],
        waiting_for_dealer=waiting_for_dealer(session),
    )


# --- internals ---------------------------------------------------------------------------------
# The hot statements are built once: building one (the claim's alias of the table especially)
# costs more Python time than the database takes to run it. States are literals so that the
# partial indexes (``WHERE state = 'open'``) match a statement even as a generic prepared plan.
_OPEN = sa.literal_column(f"'{TaskState.OPEN.value}'")
_CLAIMED = sa.literal_column(f"'{TaskState.CLAIMED.value}'")


def _claim_statement() -> sa.Update:
    candidate = aliased(MicroTask)
    already_answered = (
        sa.select(MicroTaskAnswer.id)
        .where(
            MicroTaskAnswer.task_id == candidate.id,
            MicroTaskAnswer.operator == sa.bindparam("operator"),
        )
        .correlate(candidate)
        # OFFSET 0 keeps PostgreSQL from turning this into a join or a hash of every answer the
        # operator ever gave (read in full at each claim): it stays one probe of the
        # (task_id, operator) unique index per candidate, and only for double-keyed candidates.
        .offset(0)
    )
    first_open = (
        sa.select(candidate.id)
        .where(
            candidate.state == _OPEN,
            candidate.role.in_(sa.bindparam("roles", expanding=True)),
            # Only a double-keyed task can be open with an answer in.
            sa.or_(candidate.required_answers == 1, ~sa.exists(already_answered)),
        )
        .order_by(
            candidate.sla_deadline,
            candidate.priority.desc(),
            candidate.created_at,
            candidate.id,
        )
        .limit(1)
        .with_for_update(skip_locked=True, key_share=True)
        .scalar_subquery()
    )
    return (
        sa.update(MicroTask)
        .where(MicroTask.id == first_open, MicroTask.state == _OPEN)
        .values(
            state=_CLAIMED,
            claimed_by=sa.bindparam("operator"),
            claimed_at=sa.bindparam("claimed_at"),
            lease_expires_at=sa.bindparam("lease_expires_at"),
        )
        .returning(MicroTask)
    )


_CLAIM = _claim_statement()
_EXPIRED_LEASES = (
    sa.select(MicroTask.id, MicroTask.dossier_id, MicroTask.claimed_by)
    .where(MicroTask.state == _CLAIMED, MicroTask.lease_expires_at < sa.bindparam("now"))
    .with_for_update(skip_locked=True, key_share=True)
)
_UNSETTLED_TASK_EXISTS = sa.select(
    sa.exists().where(
        MicroTask.dossier_id == sa.bindparam("dossier_id"), MicroTask.state.in_(UNSETTLED)
    )
)
_LOCK_DOSSIER_OF_TASK = (
    sa.select(Dossier.id)
    .where(
        Dossier.id
        == sa.select(MicroTask.dossier_id)
        .where(MicroTask.id == sa.bindparam("task_id"))
        .scalar_subquery()
    )
    .with_for_update(key_share=True)
)
_LOCK_TASK = (
    sa.select(MicroTask)
    .where(MicroTask.id == sa.bindparam("task_id"))
    .with_for_update(key_share=True)
)
_LAZY_TRANSACTION = "autopass.store.queue.lazy_transaction"  # session.info: the one claim_next made lazy


def _commit_lazily(session: Session) -> None:
    """PostgreSQL: this transaction's commit will not wait for the WAL flush (see claim_next)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(sa.text("SET LOCAL synchronous_commit = off"))
    session.info[_LAZY_TRANSACTION] = session.get_transaction()


def _commit_durably(session: Session) -> None:
    """Undo ``_commit_lazily`` if it ran in this transaction: an answer must survive a crash."""
    lazy = session.info.pop(_LAZY_TRANSACTION, None)
    if lazy is not None and lazy is session.get_transaction():
        # DEFAULT: whatever the server is configured with (on, or stricter with replicas).
        session.execute(sa.text("SET LOCAL synchronous_commit TO DEFAULT"))


def _lock_claimed_task(session: Session, *, task_id: int, operator: str) -> MicroTask:
    """Lock the task's dossier, then the task (always in this order, so no deadlock), and check
    that ``operator`` holds it. Locking the dossier serialises answers of one dossier, so exactly
    one answer sees the dossier settled."""
    if session.scalar(_LOCK_DOSSIER_OF_TASK, {"task_id": task_id}) is None:
        raise QueueError(f"micro-task {task_id} does not exist")
    task = session.scalars(
        _LOCK_TASK, {"task_id": task_id}, execution_options={"populate_existing": True}
    ).one()
    if task.state != TaskState.CLAIMED or task.claimed_by != operator:
        holder = f", claimed by {task.claimed_by}" if task.claimed_by else ""
        raise QueueError(
            f"micro-task {task_id} is not claimed by {operator} (it is {task.state}{holder}); "
            "its lease may have expired: claim the next task"
        )
    return task


def _photos_asked_about(session: Session, task: MicroTask) -> list[PhotoToRetake]:
    """The files and types of the documents the task asks about (its subjects), as stored."""
    keys = {subject["document"] for subject in task.payload.get("subjects") or []}
    documents = session.exec(
        select(Document)
        .where(Document.dossier_id == task.dossier_id, Document.key.in_(keys))  # type: ignore[attr-defined]
        .order_by(Document.id)  # type: ignore[arg-type]
    )
    return [PhotoToRetake(file=document.file, type=document.type) for document in documents]


def _answers_of(session: Session, task_id: int) -> list[MicroTaskAnswer]:
    return list(
        session.exec(
            select(MicroTaskAnswer)
            .where(MicroTaskAnswer.task_id == task_id)
            .order_by(MicroTaskAnswer.answered_at, MicroTaskAnswer.id)  # type: ignore[arg-type]
        )
    )


def _as_utc(value: datetime) -> datetime:
    """Aggregates (min) bypass the column type, so SQLite gives them back naive."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _reopen(task: MicroTask) -> None:
    task.state = TaskState.OPEN
    task.claimed_by = None
    task.claimed_at = None
    task.lease_expires_at = None


def _settle(task: MicroTask, *, resolution: Any, now: datetime) -> None:
    task.state = TaskState.ANSWERED
    task.resolution = resolution
    task.answered_at = now
    task.claimed_by = None
    task.lease_expires_at = None


def _hand_mismatch_to_senior(
    session: Session, *, task: MicroTask, answers: list[MicroTaskAnswer], now: datetime
) -> MicroTask:
    task.state = TaskState.CLOSED
    task.answered_at = task.closed_at = now
    task.claimed_by = None
    task.lease_expires_at = None
    dossier = session.get_one(Dossier, task.dossier_id)
    payload = {key: value for key, value in task.payload.items() if key != "question"}
    if kind_of(task.kind).answered_by_choice:  # nothing typed to choose between: the question itself
        kind, question = task.kind, f"两位操作员意见不同 Two operators disagreed: {task.question}"
    else:
        payload["candidates"] = [{"operator": a.operator, "answer": a.answer} for a in answers]
        kind = MicroTaskKind.RESOLVE_MISMATCH
        question = f"Two operators typed different values: {task.question}"
    mismatch = create_micro_task(
        session,
        dossier=dossier,
        task=NewMicroTask(
            kind=kind,
            question=question,
            payload=payload,
            check_id=task.check_id,
            priority=task.priority + 1,
            role=Role.SENIOR,
        ),
        now=now,
        parent_task_id=task.id,
    )
    record_event(
        session,
        actor=MACHINE,
        action="double_key_mismatch",
        dossier_id=task.dossier_id,
        task_id=task.id,
        detail={"resolve_task_id": mismatch.id},
        at=now,
    )
    return mismatch


def _same_value(first: Any, second: Any) -> bool:
    """Typed values agree when they match after Unicode normalisation, trimming and case
    (an ID number's ``x`` and ``X`` are the same; so are full-width and ASCII digits)."""
    return _normalised(first) == _normalised(second)


def _normalised(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    return value
