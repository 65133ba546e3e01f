"""The audit trail: who (the machine or a username) did what, to which dossier or task, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from autopass.store.models import AuditEvent
from autopass.store.types import utc_now


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    dossier_id: int | None = None,
    task_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one audit event to the session's transaction (it commits or rolls back with it)."""
    event = AuditEvent(
        at=at or utc_now(),
        actor=actor,
        action=action,
        dossier_id=dossier_id,
        task_id=task_id,
        detail=detail or {},
    )
    session.add(event)
    return event



_INSERT_EVENT = sa.insert(AuditEvent.__table__)  # type: ignore[attr-defined]


def insert_event(
    session: Session,
    *,
    actor: str,
    action: str,
    at: datetime,
    dossier_id: int | None = None,
    task_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """``record_event`` for hot paths (the queue): one INSERT sent now, no ORM object to flush.
    The event commits or rolls back with the session's transaction all the same."""
    session.execute(
        _INSERT_EVENT,
        {
            "at": at,
            "actor": actor,
            "action": action,
            "dossier_id": dossier_id,
            "task_id": task_id,
            "detail": detail or {},
        },
    )
