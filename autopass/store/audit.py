"""The audit trail: who (the machine or a username) did what, to which dossier or task, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
