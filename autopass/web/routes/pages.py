"""The HTML pages: log-in, the "next task" loop of operators and seniors, the supervisor's view."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from autopass.answers import AnswerError
from autopass.dealer_notices import deliver_pending, late_notices, notice_states
from autopass.store.queue import QueueError, queue_overview, request_new_photo
from autopass.store import (
    MicroTask,
    Role,
    User,
    authenticate,
    end_sessions,
    forget_login_failures,
    login_refused_until,
    record_login_failure,
    utc_now,
)
from autopass.store.audit import record_event
from autopass.web.auth import (
    client_address,
    count_cleared,
    log_in,
    log_out,
    password_check_turn,
    session_username,
)
from autopass.web.deps import (
    CsrfForm,
    OptionalUser,
    PageUser,
    RowId,
    SessionDep,
    SettingsDep,
    Supervisor,
)
from autopass.web.finalize import after_answer
from autopass.web.microtasks import (
    answer_from_form,
    holds,
    next_task,
    present_task,
    skip_task,
    submit_answer,
)
from autopass.web.templating import flash, render

router = APIRouter(include_in_schema=False)
AT_RISK_MINUTES = 10
WRONG_LOGIN = "用户名或密码错误 Wrong username or password"
TOO_MANY_LOGINS = "登录失败次数过多，请稍后再试 Too many failed log-ins: try again later"
BUSY_LOGIN = "登录人数过多，请稍后再试 Too many log-ins at once: try again in a moment"
NEEDS_SENIOR = "needs_senior"
"""A skip that hands the task to the seniors (``queue.release(to_senior=True)``)."""
SKIP_REASONS = [
    ("unsure", "无法判断 Cannot tell"),
    (NEEDS_SENIOR, "需要上级处理 Needs a senior"),
]
NEW_PHOTO_REASON = "unreadable"
"""The one skip that is no skip: nobody can tell from this photo, so the dealer takes it again."""


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/")
def home(user: PageUser) -> RedirectResponse:
    """Supervisors watch the queue; operators and seniors clear it."""
    return _see_other("/queue" if Role(user.role) is Role.SUPERVISOR else "/tasks")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    if session_username(request):
        return _see_other("/")
    return render(request, "login.html")


@router.post("/login", dependencies=[CsrfForm])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    """Sync, so the Argon2 check runs in the thread pool, a few at a time (settings
    ``login_concurrent_checks``); a username or an address with too many recent failures is
    refused without checking the password, and each failure is counted and audited."""
    tried, address, now = username.strip().lower()[:64], client_address(request), utc_now()
    with password_check_turn(request) as turn:
        if not turn:
            return _login_refused(request, username, BUSY_LOGIN,
                                  status.HTTP_503_SERVICE_UNAVAILABLE, retry_after=1)
        refused_until = login_refused_until(session, settings=settings, username=tried,
                                            address=address, now=now)
        user = None if refused_until else authenticate(session, username=tried, password=password)
    if refused_until is not None:
        session.rollback()
        seconds = math.ceil((refused_until - now).total_seconds())
        return _login_refused(request, username, TOO_MANY_LOGINS,
                              status.HTTP_429_TOO_MANY_REQUESTS, retry_after=max(seconds, 1))
    if user is None:
        session.rollback()
        record_login_failure(session, settings=settings, username=tried, address=address, at=now)
        session.commit()
        return render(request, "login.html", error=WRONG_LOGIN, username=username, status_code=401)
    return _logged_in(request, session, user)


def _logged_in(request: Request, session: Session, user: User) -> RedirectResponse:
    forget_login_failures(session, username=user.username)
    record_event(session, actor=user.username, action="user_logged_in")
    session.commit()
    log_in(request, user)
    return _see_other("/")


def _login_refused(
    request: Request, username: str, error: str, status_code: int, *, retry_after: int
) -> Response:
    response = render(request, "login.html", error=error, username=username,
                      status_code=status_code)
    response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/logout", dependencies=[CsrfForm])
def logout(request: Request, session: SessionDep, user: OptionalUser) -> RedirectResponse:
    """Ends the user's sessions in the store too: a copy of the cookie is worth nothing after."""
    if user is not None:
        end_sessions(session, user=user)
        session.commit()
    log_out(request)
    return _see_other("/login")


@router.get("/tasks", response_class=HTMLResponse)
def task_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: PageUser
) -> Response:
    """The loop: the task this user holds, else the next one; an empty-queue page when none."""
    task = next_task(session, settings=settings, user=user, now=utc_now())
    session.commit()
    if task is None:
        return render(request, "empty.html", user=user)
    return _render_task(request, session, user, task)


@router.post("/tasks/{task_id}/answer", dependencies=[CsrfForm])
async def answer_page(
    task_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    background: BackgroundTasks,
) -> Response:
    form = await request.form()
    task = _held_or_none(session, task_id, user)
    if task is None:
        flash(request, f"任务 {task_id} 已超时, 已转给下一个任务 Task {task_id} lease lost", "warn")
        return _see_other("/tasks")
    try:
        data = answer_from_form(task, {key: str(value) for key, value in form.items()})
        outcome = submit_answer(
            session, task=task, username=user.username, data=data, now=utc_now()
        )
    except AnswerError as error:
        session.rollback()
        return _render_task(request, session, user, task, error=str(error), status_code=422)
    except QueueError:
        return _lease_lost(request, session, task_id)
    session.commit()
    after_answer(request.app, background, settings, outcome)
    count_cleared(request)
    return _see_other("/tasks")


@router.post("/tasks/{task_id}/skip", dependencies=[CsrfForm])
def skip_page(
    task_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if _held_or_none(session, task_id, user) is None:
        return _see_other("/tasks")
    try:
        skip_task(
            session, settings=settings, task_id=task_id, user=user, reason=reason, now=utc_now(),
            to_senior=reason == NEEDS_SENIOR,
        )
    except QueueError:
        return _lease_lost(request, session, task_id)
    session.commit()
    flash(request, f"已跳过任务 {task_id} Skipped task {task_id}")
    return _see_other("/tasks")


@router.post("/tasks/{task_id}/new-photo", dependencies=[CsrfForm])
def new_photo_page(
    task_id: RowId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: PageUser,
    background: BackgroundTasks,
    reason: Annotated[str, Form(max_length=200)] = NEW_PHOTO_REASON,
) -> Response:
    """Send the dossier back to its dealer for a new photo (``queue.request_new_photo``); the
    dealer's system is told once the response is sent (``dealer_notices``)."""
    if _held_or_none(session, task_id, user) is None:
        return _see_other("/tasks")
    try:
        asked = request_new_photo(
            session, task_id=task_id, operator=user.username, now=utc_now(), reason=reason
        )
    except QueueError:
        return _lease_lost(request, session, task_id)
    session.commit()
    background.add_task(deliver_pending, settings)
    photos = "、".join(photo.file for photo in asked.photos) or asked.application_id
    flash(request, f"已请经销商补拍 {photos} Asked the dealer for a new photo")
    return _see_other("/tasks")


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request, session: SessionDep, settings: SettingsDep, user: Supervisor
) -> Response:
    """Depth, the oldest waiting task, dossiers whose SLA deadline is near or past, those sent
    back to their dealers (with whether the dealer's system was told), and notices the dealers'
    systems have not taken."""
    now = utc_now()
    overview = queue_overview(session, now=now, at_risk_minutes=AT_RISK_MINUTES)
    webhook = settings.dealer_webhook_url is not None  # without one, nothing to show of notices
    notices = (notice_states(session, overview.waiting_for_dealer)
               if webhook else None)
    late = late_notices(session, now=now) if webhook else None
    session.commit()
    return render(
        request,
        "queue.html",
        user=user,
        overview=overview,
        notices=notices,
        late_notices=late,
        now=now,
        at_risk_minutes=AT_RISK_MINUTES,
        minutes_until=lambda when: round((when - now).total_seconds() / 60),
    )


def _seconds_since(moment: datetime | None) -> int:
    return max(int((utc_now() - moment).total_seconds()), 0) if moment else 0


def _lease_lost(request: Request, session: SessionDep, task_id: int) -> RedirectResponse:
    """The queue refused the task's holder (the lease ran out meanwhile): undo, say so, go on."""
    session.rollback()
    flash(request, f"任务 {task_id} 已超时 Task {task_id} lease lost", "warn")
    return _see_other("/tasks")


def _held_or_none(session: SessionDep, task_id: int, user: User) -> MicroTask | None:
    task = session.get(MicroTask, task_id)
    return task if holds(task, username=user.username, now=utc_now()) else None


def _render_task(
    request: Request,
    session: SessionDep,
    user: User,
    task: MicroTask,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "task.html",
        user=user,
        task=present_task(session, task),
        elapsed_seconds=_seconds_since(task.claimed_at),
        skip_reasons=SKIP_REASONS,
        new_photo_reason=NEW_PHOTO_REASON,
        error=error,
        status_code=status_code,
    )
