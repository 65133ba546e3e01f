"""The JSON API beside the page: next task, answer, release, ask the dealer for a new photo.
Same session cookie as the page; POSTs carry the session's CSRF token in the ``X-CSRF-Token``
header."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from autopass.answers import Answer, AnswerError
from autopass.dealer_notices import deliver_pending
from autopass.store.queue import PhotoToRetake, QueueError, release, request_new_photo
from autopass.store import MicroTask, utc_now
from autopass.web.auth import count_cleared
from autopass.web.deps import CsrfHeader, CurrentUser, RowId, SameOrigin, SessionDep, SettingsDep
from autopass.web.finalize import after_answer
from autopass.web.microtasks import TaskPublic, holds, next_task, present_task, submit_answer

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


class AnswerResult(BaseModel):
    task_id: int
    settled: bool
    waiting_for_second_answer: bool
    mismatch_task_id: int | None
    dossier_settled: bool
    cleared_this_session: int


class ReleaseRequest(BaseModel):
    reason: str = Field("", max_length=200, description="Why the task was skipped (audit trail).")
    to_senior: bool = Field(False, description="Only seniors may take the task from now on.")


class ReleaseResult(BaseModel):
    task_id: int
    state: str


class NewPhotoRequestBody(BaseModel):
    reason: str = Field("", max_length=200, description="What makes the photo unreadable.")


class NewPhotoResult(BaseModel):
    task_id: int
    application_id: str
    photos: list[PhotoToRetake]
    closed_task_ids: list[int]


@router.get(
    "/next",
    response_model=TaskPublic,
    responses={204: {"description": "No task is waiting for this user."}},
    dependencies=[SameOrigin],
)
def get_next_task(
    session: SessionDep, settings: SettingsDep, user: CurrentUser
) -> TaskPublic | Response:
    """Claim the most urgent task this user may take (or the one they already hold)."""
    task = next_task(session, settings=settings, user=user, now=utc_now())
    session.commit()
    if task is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return present_task(session, task)


@router.post("/{task_id}/answer", response_model=AnswerResult, dependencies=[CsrfHeader])
def answer_task(
    task_id: RowId,
    body: Annotated[Answer, Body(description="The answer; its shape depends on the task's kind.")],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    background: BackgroundTasks,
) -> AnswerResult:
    """Answer a task this user holds; 409 when the lease was lost, 422 when the answer does not
    fit the task's kind or choices."""
    task = _held(session, task_id=task_id, username=user.username)
    try:
        outcome = submit_answer(
            session,
            task=task,
            username=user.username,
            data=body.model_dump(mode="json"),
            now=utc_now(),
        )
    except AnswerError as error:
        raise HTTPException(422, str(error)) from error
    except QueueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    after_answer(request.app, background, settings, outcome)
    return AnswerResult(
        task_id=task_id,
        settled=outcome.settled,
        waiting_for_second_answer=outcome.waiting_for_second_answer,
        mismatch_task_id=outcome.mismatch_task.id if outcome.mismatch_task else None,
        dossier_settled=outcome.dossier_settled,
        cleared_this_session=count_cleared(request),
    )


@router.post("/{task_id}/release", response_model=ReleaseResult, dependencies=[CsrfHeader])
def release_task(
    task_id: RowId, body: ReleaseRequest, session: SessionDep, user: CurrentUser
) -> ReleaseResult:
    """Give a held task back to the queue (skip), with the reason in the audit trail."""
    _held(session, task_id=task_id, username=user.username)
    try:
        task = release(
            session,
            task_id=task_id,
            operator=user.username,
            now=utc_now(),
            reason=body.reason,
            to_senior=body.to_senior,
        )
    except QueueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    return ReleaseResult(task_id=task_id, state=task.state)


@router.post("/{task_id}/new-photo", response_model=NewPhotoResult, dependencies=[CsrfHeader])
def request_new_photo_of_task(
    task_id: RowId, body: NewPhotoRequestBody, session: SessionDep, settings: SettingsDep,
    user: CurrentUser, background: BackgroundTasks,
) -> NewPhotoResult:
    """Nobody can tell from this photo: send the dossier back to its dealer for a new one. Its
    open tasks close; it comes back to the queue when the dealer's new folder is recorded. The
    dealer's system is told once the response is sent (``dealer_notices``)."""
    _held(session, task_id=task_id, username=user.username)
    try:
        asked = request_new_photo(
            session, task_id=task_id, operator=user.username, now=utc_now(), reason=body.reason
        )
    except QueueError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    background.add_task(deliver_pending, settings)
    return NewPhotoResult(
        task_id=task_id,
        application_id=asked.application_id,
        photos=asked.photos,
        closed_task_ids=asked.closed_task_ids,
    )


def _held(session: SessionDep, *, task_id: int, username: str) -> MicroTask:
    task = session.get(MicroTask, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"micro-task {task_id} does not exist")
    if not holds(task, username=username, now=utc_now()):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"micro-task {task_id} is not held by {username}: claim the next task",
        )
    return task
