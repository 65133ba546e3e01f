"""FastAPI dependencies: settings, a store session, the logged-in user, CSRF checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, Header, HTTPException, Path, Request, status
from sqlmodel import Session

from autopass.settings import Settings
from autopass.store import Role, User, ensure_store, find_user
from autopass.web.auth import (
    CSRF_FIELD,
    CSRF_HEADER,
    check_csrf,
    check_same_origin,
    session_username,
    session_version,
)

NOT_AUTHENTICATED = "Not authenticated"
MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have: PostgreSQL's ``integer``. A larger number in a URL made the
database driver fail (a 500); SQLite's ids go further, but both stores refuse alike."""

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row's id (a task, a document).")]
"""A task's or a document's id in a URL: 422 for a number no row can have, before any query."""


class LoginRequired(Exception):
    """A page asked for by someone not logged in: the app redirects them to the log-in form."""


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_db(settings: SettingsDep) -> Iterator[Session]:
    """One store session per request; handlers that write commit before they answer."""
    with Session(ensure_store(settings), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_db)]


def _logged_in_user(request: Request, session: Session) -> User | None:
    username = session_username(request)
    if username is None:
        return None
    user = find_user(session, username=username)
    if user is None or not user.active or session_version(request) != user.session_version:
        # deactivated, logged out, or a new password since this log-in: the cookie is worth
        # nothing now, nor any copy of it
        request.session.clear()
        return None
    return user


def get_optional_user(request: Request, session: SessionDep) -> User | None:
    """The logged-in user, or None (log-out works whether or not the session still holds)."""
    return _logged_in_user(request, session)


def get_current_user(request: Request, session: SessionDep) -> User:
    """The API's user; anonymous callers get 401."""
    user = _logged_in_user(request, session)
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, NOT_AUTHENTICATED)
    return user


def get_page_user(request: Request, session: SessionDep) -> User:
    """The page's user; anonymous visitors are sent to the log-in form."""
    user = _logged_in_user(request, session)
    if user is None:
        raise LoginRequired
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
PageUser = Annotated[User, Depends(get_page_user)]


def get_supervisor(user: PageUser) -> User:
    if Role(user.role) is not Role.SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only supervisors see the queue overview")
    return user


Supervisor = Annotated[User, Depends(get_supervisor)]


def get_senior_or_supervisor(user: PageUser) -> User:
    if Role(user.role) is Role.OPERATOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "operators clear tasks; seniors and "
                            "supervisors look dossiers up")
    return user


SeniorOrSupervisor = Annotated[User, Depends(get_senior_or_supervisor)]


def require_csrf_form(
    request: Request, csrf_token: Annotated[str | None, Form(alias=CSRF_FIELD)] = None
) -> None:
    """A form POST of the page: its hidden token must be the session's."""
    check_csrf(request, csrf_token)


def require_csrf_header(
    request: Request,
    _: CurrentUser,  # anonymous callers get 401 before any CSRF check
    x_csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER, include_in_schema=False)] = None,
) -> None:
    """An API POST made by the page's script: the token travels in a header."""
    check_csrf(request, x_csrf_token)


def refuse_cross_site(request: Request) -> None:
    """GETs that change state (claiming a task) must not be triggered from another site."""
    check_same_origin(request)


CsrfForm = Depends(require_csrf_form)
CsrfHeader = Depends(require_csrf_header)
SameOrigin = Depends(refuse_cross_site)
