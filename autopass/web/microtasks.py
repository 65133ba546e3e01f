"""What the page and the API do with micro-tasks: claim for a user, show, answer, skip.

A task is shown through ``TaskPublic``: the question, the choices and the URLs of the crops it
needs, nothing more. Crops are addressed by *slot* (``portrait``, ``candidate-1``...), never by
path, and ``crop_slots`` is the one place that says which images a task may show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from autopass.answers import candidate_source, candidate_value, validate_answer
from autopass.documents import DocumentType
from autopass.microtasks import MicroTaskKind, kind_of
from autopass.microtasks.base import all_types
from autopass.settings import Settings
from autopass.store.queue import AnswerOutcome, answer, claim_next, expire_leases, release, roles_for
from autopass.store import MicroTask, TaskState, User
from autopass.voice.clips import call_clips

APPLICATION = "application"


class OptionPublic(BaseModel):
    key: int  # the digit that picks it
    value: str
    label: str


class CandidatePublic(BaseModel):
    key: int  # the digit that picks it
    source: str
    label: str
    field: str | None
    value: Any = None
    crop_url: str | None = None


class TaskPublic(BaseModel):
    """A claimed micro-task as the operator sees it."""

    id: int
    kind: MicroTaskKind
    question: str
    required_answers: int
    blind: bool  # double keying: the OCR value is not shown
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    field: str | None = None
    prefill: str | None = None  # confirm_field: the OCR value (None when blind)
    machine_guess: str | None = None
    options: list[OptionPublic] = []
    candidates: list[CandidatePublic] = []
    crops: dict[str, str] = {}  # slot -> URL
    calls: list[tuple[str, str]] = []  # investigate_link: (label, URL) of each call to hear


def crop_url(task_id: int, slot: str) -> str:
    return f"/tasks/{task_id}/crops/{slot}"


def crop_slots(session: Session, task: MicroTask) -> dict[str, str]:
    """Slot -> crop path (relative to ``settings.crops_dir``) of every image the task shows.

    A senior's ``resolve_mismatch`` after double keying (``shows_parent_crops``) also shows the
    field crop of the task the two operators keyed (``original-N``): their typed values replaced
    its candidates.
    """
    slots = {name: path for name, path in (task.payload.get("crops") or {}).items() if path}
    for index, candidate in enumerate(task.payload.get("candidates") or [], start=1):
        if candidate.get("crop"):
            slots[f"candidate-{index}"] = candidate["crop"]
    if kind_of(task.kind).shows_parent_crops and task.parent_task_id is not None:
        parent = session.get(MicroTask, task.parent_task_id)
        for index, candidate in enumerate(
            (parent.payload if parent else {}).get("candidates") or [], 1
        ):
            if candidate.get("crop"):
                slots[f"original-{index}"] = candidate["crop"]
    return slots


def held_task(session: Session, *, username: str, now: datetime) -> MicroTask | None:
    """The task ``username`` holds with a live lease (a reloaded page shows it again)."""
    return session.exec(
        select(MicroTask)
        .where(
            MicroTask.state == TaskState.CLAIMED,
            MicroTask.claimed_by == username,
            MicroTask.lease_expires_at > now,  # type: ignore[operator]
        )
        .order_by(MicroTask.claimed_at, MicroTask.id)  # type: ignore[arg-type]
    ).first()


def next_task(
    session: Session, *, settings: Settings, user: User, now: datetime
) -> MicroTask | None:
    """The task the user holds, else the most urgent one they may claim; None when none is left.

    One task per user: parallel calls of one user (two tabs, a double click) take their turns
    (``_claim_in_turn``), so each after the first finds the task the first one claimed."""
    _claim_in_turn(session, user)
    expire_leases(session, now=now)
    return held_task(session, username=user.username, now=now) or claim_next(
        session,
        operator=user.username,
        now=now,
        lease_seconds=settings.lease_seconds,
        roles=roles_for(user.role),
    )


def holds(task: MicroTask | None, *, username: str, now: datetime) -> bool:
    """Does ``username`` hold ``task`` right now (claimed by them, lease not run out)?"""
    return (
        task is not None
        and task.state == TaskState.CLAIMED
        and task.claimed_by == username
        and task.lease_expires_at is not None
        and task.lease_expires_at > now
    )


def present_task(session: Session, task: MicroTask) -> TaskPublic:
    assert task.id is not None
    payload = task.payload
    slots = crop_slots(session, task)
    candidates = payload.get("candidates") or []
    blind = task.required_answers > 1
    first_value = candidate_value(candidates[0]) if candidates else None
    return TaskPublic(
        id=task.id,
        kind=task.kind,
        question=task.question,
        required_answers=task.required_answers,
        blind=blind,
        claimed_at=task.claimed_at,
        lease_expires_at=task.lease_expires_at,
        field=_field_name(payload),
        prefill=None if blind or first_value is None else str(first_value),
        machine_guess=payload.get("machine_guess"),
        options=_options(task),
        candidates=[
            _candidate(task.id, index, candidate, slots)
            for index, candidate in enumerate(candidates, start=1)
        ]
        if kind_of(task.kind).shows_candidates
        else [],
        crops={slot: crop_url(task.id, slot) for slot in slots},
        calls=[(f"{clip.application_id} · {clip.file}", f"/tasks/{task.id}/calls/{number}")
               for number, clip in enumerate(call_clips(session, task.dossier_id), start=1)]
        if task.kind == MicroTaskKind.INVESTIGATE_LINK else [],
    )


def answer_from_form(task: MicroTask, form: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer a page form stands for (buttons and inputs named after the answer)."""
    return kind_of(task.kind).from_form(task.payload, form)


def submit_answer(
    session: Session, *, task: MicroTask, username: str, data: Any, now: datetime
) -> AnswerOutcome:
    """Validate ``data`` against the task's kind and choices, then record it in the queue."""
    assert task.id is not None
    checked = validate_answer(task.kind, data, payload=task.payload)
    return answer(
        session,
        task_id=task.id,
        operator=username,
        answer=checked.model_dump(mode="json"),
        now=now,
    )


def skip_task(
    session: Session,
    *,
    settings: Settings,
    task_id: int,
    user: User,
    reason: str,
    now: datetime,
    to_senior: bool = False,
) -> None:
    """Release a task with a reason (to seniors only, when ``to_senior``), after claiming the next
    one: so the skipped task, which is still the most urgent, does not come straight back to the
    person who skipped it. Raises ``QueueError`` when the user no longer holds the task (a
    parallel skip of it came first)."""
    _claim_in_turn(session, user)
    expire_leases(session, now=now)
    claim_next(
        session,
        operator=user.username,
        now=now,
        lease_seconds=settings.lease_seconds,
        roles=roles_for(user.role),
    )
    release(
        session, task_id=task_id, operator=user.username, now=now, reason=reason,
        to_senior=to_senior,
    )


def _claim_in_turn(session: Session, user: User) -> None:
    """Lock the user's row until the transaction ends: the user's claims take their turns.

    On PostgreSQL, parallel claims of one user would otherwise each find no task held (at READ
    COMMITTED none sees the others' uncommitted claims) and each claim another task. A claim
    waiting here reads, once the lock is its own, what the one before it committed. SQLite
    serialises every writing transaction anyway (``BEGIN IMMEDIATE``) and ignores the lock.
    """
    mine = select(User.id).where(User.id == user.id)  # type: ignore[arg-type]
    session.execute(mine.with_for_update(key_share=True))


def _options(task: MicroTask) -> list[OptionPublic]:
    """The choices of a question answered by picking one (a document type, a verdict)."""
    kind = kind_of(task.kind)
    if not kind.offers_options:
        return []
    values = task.payload.get("options") or all_types()
    return [
        OptionPublic(key=key, value=value, label=kind.option_label(value))
        for key, value in enumerate(values, start=1)
    ]


def _candidate(
    task_id: int, key: int, candidate: dict[str, Any], slots: dict[str, str]
) -> CandidatePublic:
    slot = f"candidate-{key}"
    return CandidatePublic(
        key=key,
        source=candidate_source(candidate),
        label=_candidate_label(key, candidate),
        field=candidate.get("field"),
        value=candidate_value(candidate),
        crop_url=crop_url(task_id, slot) if slot in slots else None,
    )


def _candidate_label(key: int, candidate: dict[str, Any]) -> str:
    """Where a candidate value comes from, in words an operations centre uses."""
    if candidate.get("source") == APPLICATION:
        return "申请表 Application"
    if candidate.get("document_type"):
        document_type = DocumentType(candidate["document_type"])
        return f"{document_type.label} {document_type.value.replace('_', ' ')}"
    if candidate.get("operator"):
        return f"录入 {key} Keying {key}"
    return candidate_source(candidate)


def _field_name(payload: dict[str, Any]) -> str | None:
    subjects = payload.get("subjects") or []
    return subjects[0].get("field") if subjects else None
