"""Dealers' systems in the store: their API keys, the calls counted per key, their submissions.

A key is ``ap_<prefix>_<secret>``: 48 random bits of prefix, to find its row, and 256 of secret.
Only its SHA-256 is kept (``hashlib``: a random 256-bit token cannot be guessed, so it needs no
slow password hash, and every call checks it), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from autopass.dossier import MAX_ID_LENGTH
from autopass.store.audit import record_event
from autopass.store.dossiers import StoreError
from autopass.store.models import (
    MACHINE,
    DealerApiCall,
    DealerKey,
    DealerSubmission,
    SubmissionState,
)
from autopass.store.types import utc_now

KEY_SCHEME = "ap"
PREFIX_BYTES = 6  # 12 hex digits
SECRET_BYTES = 32


@dataclass(frozen=True)
class IssuedKey:
    """A new key: ``key`` is shown once and never stored."""

    row: DealerKey
    key: str


def dealer_actor(dealer_id: str) -> str:
    """The audit trail's actor for a dealer's system (staff are plain usernames)."""
    return f"dealer:{dealer_id}"[:64]


def issue_key(session: Session, *, dealer_id: str, name: str = "") -> IssuedKey:
    """A new key acting for ``dealer_id`` (a dealer may hold several, one per system)."""
    if not dealer_id or len(dealer_id) > MAX_ID_LENGTH or not dealer_id.isprintable():
        raise StoreError(f"dealer id {dealer_id!r}: use 1-{MAX_ID_LENGTH} printable characters")
    if len(name) > 128:
        raise StoreError("key name: use at most 128 characters")
    prefix = secrets.token_hex(PREFIX_BYTES)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    row = DealerKey(dealer_id=dealer_id, name=name, prefix=prefix, key_hash=_hash(key),
                    created_at=utc_now())
    session.add(row)
    session.flush()
    record_event(session, actor=MACHINE, action="dealer_key_issued",
                 detail={"dealer_id": dealer_id, "prefix": prefix, "name": name})
    return IssuedKey(row=row, key=key)


def list_keys(session: Session) -> list[DealerKey]:
    """Every key, revoked or not, by dealer then age."""
    return list(session.exec(select(DealerKey).order_by(DealerKey.dealer_id, DealerKey.id)).all())


def revoke_key(session: Session, *, prefix: str) -> DealerKey:
    """The key opens nothing from now on (its calls stay on the audit trail)."""
    row = session.exec(select(DealerKey).where(DealerKey.prefix == prefix)).first()
    if row is None:
        raise StoreError(f"no dealer key {prefix}")
    if row.revoked_at is None:
        row.revoked_at = utc_now()
        record_event(session, actor=MACHINE, action="dealer_key_revoked",
                     detail={"dealer_id": row.dealer_id, "prefix": prefix})
        session.flush()
    return row


def prefix_of(key: str) -> str | None:
    """The prefix a presented key claims, or None when it is not shaped like a key."""
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_SCHEME or len(prefix) != 2 * PREFIX_BYTES or not secret:
        return None
    return prefix


def authenticate_key(session: Session, key: str) -> DealerKey | None:
    """The active key row of ``key``, locked for this transaction (its calls are counted one at
    a time), or None: unknown, revoked, or a wrong secret."""
    prefix = prefix_of(key)
    if prefix is None:
        return None
    row = session.exec(
        select(DealerKey).where(DealerKey.prefix == prefix).with_for_update()
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    return row if hmac.compare_digest(row.key_hash, _hash(key)) else None


def active_key(session: Session, key_id: int) -> DealerKey | None:
    """The key a capture-page session logged in with, locked as ``authenticate_key`` locks it,
    or None once it is revoked (revoking a key ends the sessions it opened)."""
    row = session.exec(select(DealerKey).where(DealerKey.id == key_id).with_for_update()).first()
    return row if row is not None and row.revoked_at is None else None


def count_call(session: Session, *, key: DealerKey, limit: int, window: timedelta,
               now: datetime) -> datetime | None:
    """Count one call of ``key``, or refuse it: until when calls are refused once ``limit`` calls
    fall within ``window`` (refused calls count nothing); None when this one is counted."""
    assert key.id is not None
    session.execute(sa.delete(DealerApiCall).where(DealerApiCall.key_id == key.id,
                                                   DealerApiCall.at <= now - window))
    limit_reached_at = session.exec(
        select(DealerApiCall.at)
        .where(DealerApiCall.key_id == key.id, DealerApiCall.at > now - window)
        .order_by(DealerApiCall.at.desc())  # type: ignore[attr-defined]
        .offset(limit - 1)
        .limit(1)
    ).first()
    if limit_reached_at is not None:
        return limit_reached_at + window
    session.add(DealerApiCall(key_id=key.id, at=now))
    session.flush()
    return None


def find_submission(session: Session, *, dealer_id: str,
                    idempotency_key: str) -> DealerSubmission | None:
    return session.exec(select(DealerSubmission).where(
        DealerSubmission.dealer_id == dealer_id,
        DealerSubmission.idempotency_key == idempotency_key)).first()


def latest_submission(session: Session, *, dealer_id: str,
                      application_id: str) -> DealerSubmission | None:
    """The dealer's last submission of ``application_id`` (its newest version), if any."""
    return session.exec(
        select(DealerSubmission)
        .where(DealerSubmission.dealer_id == dealer_id,
               DealerSubmission.application_id == application_id)
        .order_by(DealerSubmission.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()


def set_submission_state(session: Session, *, submission_id: int, state: SubmissionState,
                         problem: str | None = None) -> None:
    submission = session.get_one(DealerSubmission, submission_id)
    submission.state = state
    submission.problem = problem
    session.flush()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
