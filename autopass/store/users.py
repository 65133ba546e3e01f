"""Operators, seniors and supervisors of the queue page; passwords hashed with Argon2."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from autopass.store.audit import record_event
from autopass.store.dossiers import StoreError
from autopass.store.models import MACHINE, Role, User
from autopass.store.types import utc_now

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


def add_user(session: Session, *, username: str, password: str, role: Role | str) -> User:
    """Create an active user; refuses a taken or malformed username and a short password."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise StoreError(
            f"username {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'"
        )
    _check_password(username, password)
    if find_user(session, username=username) is not None:
        raise StoreError(f"user {username} already exists")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=Role(role),
        active=True,
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        actor=MACHINE,
        action="user_added",
        detail={"username": username, "role": str(role)},
    )
    return user


def find_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def list_users(session: Session) -> list[User]:
    """Every user, active or not, by name."""
    return list(session.exec(select(User).order_by(User.username)).all())


def set_active(session: Session, *, username: str, active: bool) -> User:
    """Let a user log in again, or no more (someone who left: the next page they ask for sends
    them to the log-in form, and a task they hold returns to the queue when its lease runs out).
    Users are never deleted: the audit trail names them."""
    user = _existing(session, username)
    if user.active != active:
        user.active = active
        end_sessions(session, user=user)
        record_event(session, actor=MACHINE,
                     action="user_reactivated" if active else "user_deactivated",
                     detail={"username": username})
        session.flush()
    return user


def set_password(session: Session, *, username: str, password: str) -> User:
    """A new password (forgotten, or shared by mistake); the old one no longer logs in, and the
    sessions opened with it end."""
    user = _existing(session, username)
    _check_password(username, password)
    user.password_hash = _hasher.hash(password)
    end_sessions(session, user=user)
    record_event(session, actor=MACHINE, action="user_password_changed",
                 detail={"username": username})
    session.flush()
    return user


def end_sessions(session: Session, *, user: User) -> None:
    """Refuse every session cookie of ``user`` signed so far (they carry the old version): at
    log-out, with a new password, when deactivated. Log-out thus ends the user's other sessions
    too; they log in again."""
    user.session_version += 1
    session.flush()


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user with this password, or None (unknown user, wrong password, inactive)."""
    user = find_user(session, username=username)
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time, so a wrong username is not told apart
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def _existing(session: Session, username: str) -> User:
    user = find_user(session, username=username)
    if user is None:
        raise StoreError(f"no user {username}")
    return user


def _check_password(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"password of {username}: use at least {MIN_PASSWORD_LENGTH} characters")
