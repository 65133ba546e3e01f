"""Requests for a new photo, told to the dealer's system: a webhook, delivered at least once.

The request is its own outbox: ``queue.request_new_photo`` records it as an audit event in the
transaction that sends the dossier back, so a failed delivery or a dead process loses nothing.
``deliver_pending`` POSTs every dossier's latest request that is still waiting and not yet
delivered to ``AUTOPASS_DEALER_WEBHOOK_URL``, one transaction per notice: delivered, it is recorded
as a ``dealer_notified`` event; failed, as ``dealer_notice_failed``, and it is tried again on the
next run (the ``notify-dealers`` flow every minute on a Prefect server; the queue page starts one
right after each request). A notice sent twice (a run that dies between the POST and its record)
carries the same ``Idempotency-Key``; with a secret set, the body is signed
(``X-Autopass-Signature: sha256=<HMAC-SHA256 of the body>``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import httpx
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from autopass.queue import NewPhotoRequest, PhotoToRetake, waiting_for_dealer
from autopass.settings import Settings
from autopass.store import MACHINE, AuditEvent, Dossier, session_scope
from autopass.store.audit import record_event
from autopass.store.types import utc_now

DEALER_NOTIFIED = "dealer_notified"
DEALER_NOTICE_FAILED = "dealer_notice_failed"
TIMEOUT_SECONDS = 10.0


class DealerNotice(BaseModel):
    """The body POSTed to the dealer's system."""

    event: Literal["new_photo_requested"] = "new_photo_requested"
    notice_id: str  # also the Idempotency-Key header
    application_id: str
    dealer_id: str
    salesperson_id: str
    photos: list[PhotoToRetake]  # the files to photograph again, with the document each holds
    reason: str
    requested_at: datetime


class Deliveries(BaseModel):
    """What one run delivered and what failed (to be tried again), by application id."""

    delivered: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class NoticeState:
    """What a supervisor sees of one request's notice: when it reached the dealer's system, or
    how many deliveries failed so far."""

    delivered_at: datetime | None
    failures: int


def notice_states(session: Session, task_ids: list[int]) -> dict[int, NoticeState]:
    """The notice of each request (by the id of the task it was made from) that was tried."""
    events = session.exec(select(AuditEvent).where(
        AuditEvent.action.in_([DEALER_NOTIFIED, DEALER_NOTICE_FAILED]),  # type: ignore[attr-defined]
        AuditEvent.task_id.in_(task_ids),  # type: ignore[union-attr]
    ).order_by(AuditEvent.id)).all()
    states: dict[int, NoticeState] = {}
    for event in events:
        assert event.task_id is not None
        before = states.get(event.task_id, NoticeState(delivered_at=None, failures=0))
        states[event.task_id] = (
            replace(before, delivered_at=event.at) if event.action == DEALER_NOTIFIED
            else replace(before, failures=before.failures + 1))
    return states


def pending_notices(session: Session) -> list[tuple[NewPhotoRequest, DealerNotice]]:
    """The requests (with their notices) of dossiers still waiting for their dealer, the latest
    of each, not yet delivered (a dossier the dealer has sent again needs no notice)."""
    waiting = waiting_for_dealer(session)
    states = notice_states(session, [request.task_id for request in waiting])
    return [(request, _notice(session, request)) for request in waiting
            if (state := states.get(request.task_id)) is None or state.delivered_at is None]


def deliver_pending(settings: Settings) -> Deliveries:
    """POST every pending notice to the dealer webhook; nothing when none is configured."""
    deliveries = Deliveries()
    if settings.dealer_webhook_url is None:
        return deliveries
    with session_scope(settings) as session:
        pending = pending_notices(session)
    with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
        for request, notice in pending:
            body = notice.model_dump_json().encode()
            try:
                response = client.post(str(settings.dealer_webhook_url), content=body,
                                       headers=_headers(settings, notice, body))
                response.raise_for_status()
            except httpx.HTTPStatusError as error:
                failure: dict[str, object] = {"status": error.response.status_code}
            except httpx.HTTPError as error:  # the message names the URL: kept out of the trail
                failure = {"error": type(error).__name__}
            else:
                _record(settings, request, DEALER_NOTIFIED, {"status": response.status_code})
                deliveries.delivered.append(notice.application_id)
                continue
            _record(settings, request, DEALER_NOTICE_FAILED, failure)
            deliveries.failed.append(notice.application_id)
    return deliveries


def signature(secret: str, body: bytes) -> str:
    """The ``X-Autopass-Signature`` of ``body``: what the dealer's system computes to check it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _notice(session: Session, request: NewPhotoRequest) -> DealerNotice:
    dossier = session.get_one(Dossier, request.dossier_id)
    return DealerNotice(
        notice_id=f"autopass-new-photo-{request.task_id}",
        application_id=request.application_id,
        dealer_id=dossier.dealer_id,
        salesperson_id=dossier.salesperson_id,
        photos=request.photos,
        reason=request.reason,
        requested_at=request.requested_at,
    )


def _headers(settings: Settings, notice: DealerNotice, body: bytes) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": notice.notice_id}
    if settings.dealer_webhook_secret is not None:
        headers["X-Autopass-Signature"] = signature(
            settings.dealer_webhook_secret.get_secret_value(), body)
    return headers


def _record(settings: Settings, request: NewPhotoRequest, action: str,
            detail: dict[str, object]) -> None:
    with session_scope(settings) as session:
        record_event(session, actor=MACHINE, action=action, dossier_id=request.dossier_id,
                     task_id=request.task_id, detail=detail, at=utc_now())
