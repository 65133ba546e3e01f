"""Sessions and CSRF protection of the queue page.

The session is a cookie signed with ``settings.secret_key`` (Starlette's ``SessionMiddleware``,
HttpOnly, SameSite=Lax). It holds the username, the user's session version at log-in (a cookie of
an older version is refused: see ``store.end_sessions``), a CSRF token and the count of tasks
cleared. Every POST must carry the token (form field or ``X-CSRF-Token`` header) and must not come
from another site (``Origin`` / ``Sec-Fetch-Site``).

Passwords are checked a few at a time per app (``password_check_turn``): Argon2 takes 64 MiB and
a core per check, and a burst of log-ins must not starve every other page.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

from autopass.store import User

SESSION_COOKIE = "autopass_session"
SESSION_MAX_AGE_SECONDS = 12 * 3600  # one working day: log in again the next morning
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CROSS_SITE_REFUSED = "cross-site request refused"
CSRF_REFUSED = "CSRF token missing or wrong: reload the page and try again"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (also for the anonymous log-in form)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_same_origin(request: Request) -> None:
    """Refuse a request another site made the browser send (a second line behind the token)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise HTTPException(status.HTTP_403_FORBIDDEN, CROSS_SITE_REFUSED)
    origin = request.headers.get("origin")
    if origin is None:
        return
    host = request.headers.get("host", "")
    if origin == "null" or urlsplit(origin).netloc.lower() != host.lower():
        raise HTTPException(status.HTTP_403_FORBIDDEN, CROSS_SITE_REFUSED)


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a POST that is cross-site or whose token is not the session's."""
    check_same_origin(request)
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)


def log_in(request: Request, user: User) -> None:
    """Start a fresh session (a new CSRF token: nothing from before the log-in is trusted)."""
    request.session.clear()
    request.session.update({"user": user.username, "version": user.session_version,
                            "csrf": secrets.token_urlsafe(32), "cleared": 0})


def log_in_dealer(request: Request, *, key_id: int, dealer_id: str) -> None:
    """A capture-page session for the dealer key ``key_id``: the cookie names the key's row, never
    holds the key itself (a session cookie is signed, not encrypted); revoking the key ends it."""
    request.session.clear()
    request.session.update({"dealer_key": key_id, "dealer": dealer_id,
                            "csrf": secrets.token_urlsafe(32)})


def session_dealer_key(request: Request) -> tuple[int, str] | None:
    """The dealer key row id and dealer id this capture-page session logged in with, if any."""
    key_id, dealer_id = request.session.get("dealer_key"), request.session.get("dealer")
    if not isinstance(key_id, int) or not isinstance(dealer_id, str):
        return None
    return key_id, dealer_id


def log_out(request: Request) -> None:
    request.session.clear()


def session_username(request: Request) -> str | None:
    return request.session.get("user")


def session_version(request: Request) -> int | None:
    """The user's session version when this session logged in (None: a cookie from before)."""
    return request.session.get("version")


def client_address(request: Request) -> str:
    """The address log-in failures are counted by: the peer this server sees (a proxy's, behind
    one; ``autopass serve`` does not trust forwarded headers)."""
    return request.client.host if request.client else "unknown"


@contextmanager
def password_check_turn(request: Request) -> Iterator[bool]:
    """Whether this request got one of the app's few password-check slots (held inside)."""
    slots: threading.Semaphore = request.app.state.password_checks
    acquired = slots.acquire(timeout=request.app.state.settings.login_check_wait_seconds)
    try:
        yield acquired
    finally:
        if acquired:
            slots.release()


def count_cleared(request: Request) -> int:
    """One more task cleared in this session; the new count (shown in the page header)."""
    cleared = int(request.session.get("cleared", 0)) + 1
    request.session["cleared"] = cleared
    return cleared


def cleared_count(request: Request) -> int:
    return int(request.session.get("cleared", 0))
