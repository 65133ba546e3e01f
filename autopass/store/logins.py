"""Wrong passwords, counted in the store so that every web worker process throttles the same ones.

Each failure is a ``LoginFailure`` row (username tried, client address, time) and a
``login_failed`` event on the audit trail. The count lives in its own small table rather than in
the audit trail: the address is a column there (indexed with the time, as the username is), and
rows are deleted once they leave the window or the user logs in, while the audit trail keeps
everything for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from autopass.settings import Settings
from autopass.store.audit import record_event
from autopass.store.models import LoginFailure


def login_refused_until(
    session: Session, *, settings: Settings, username: str, address: str, now: datetime
) -> datetime | None:
    """Until when log-ins of ``username`` or from ``address`` are refused unchecked, or None.

    A limit is reached while its ``limit``-th latest failure is still within the window; refused
    attempts add no failure, so the refusal ends one window after the guesses stop.
    """
    window = _window(settings)
    reached = [
        _limit_reached_since(session, LoginFailure.username == username,
                             settings.login_max_failures, now - window),
        _limit_reached_since(session, LoginFailure.address == address,
                             settings.login_max_failures_per_address, now - window),
    ]
    return max((since + window for since in reached if since is not None), default=None)


def record_login_failure(
    session: Session, *, settings: Settings, username: str, address: str, at: datetime
) -> None:
    """One wrong password (or unknown or inactive user) for the throttle and the audit trail;
    failures that have left the window are deleted on the way."""
    session.execute(sa.delete(LoginFailure).where(LoginFailure.at <= at - _window(settings)))
    session.add(LoginFailure(at=at, username=username, address=address))
    record_event(session, actor=username, action="login_failed", detail={"address": address},
                 at=at)
    session.flush()


def forget_login_failures(session: Session, *, username: str) -> None:
    """The right password: this user's earlier mistakes no longer count (other users' do)."""
    session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username))


def _limit_reached_since(
    session: Session, tried: sa.ColumnElement[bool], limit: int, window_start: datetime
) -> datetime | None:
    """The time of the ``limit``-th latest failure matching ``tried`` after ``window_start``."""
    return session.exec(
        select(LoginFailure.at)
        .where(tried, LoginFailure.at > window_start)
        .order_by(LoginFailure.at.desc())  # type: ignore[attr-defined]
        .offset(limit - 1)
        .limit(1)
    ).first()


def _window(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.login_failure_window_seconds)
