"""What the dealer's system must know, told through a webhook, delivered at least once.

Two notices: a request for a new photo (the dossier waits for the dealer) and a dossier's
decision (``auto_pass``, ``approve`` or ``reject``: the dealer can hand over the car, or tell the
customer, without phoning the centre; the "8030" clock runs until then). Each is its own outbox:
``queue.request_new_photo`` records the request as an audit event in the transaction that sends
the dossier back, and a decided dossier carries its ``decided_at``, so a failed delivery or a dead
process loses nothing. ``deliver_pending`` POSTs every notice not yet delivered to
``AUTOPASS_DEALER_WEBHOOK_URL``, one transaction per notice: delivered, it is recorded as a
``dealer_notified`` event; failed, as ``dealer_notice_failed``, and it is tried again on the next
run (the ``notify-dealers`` flow every minute on a Prefect server; the queue page starts one right
after each request, the flows right after each decision). A notice sent twice (a run that dies
between the POST and its record) carries the same ``Idempotency-Key``; with a secret set, the body
is signed (``X-Autopass-Signature: sha256=<HMAC-SHA256 of the body>``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import httpx
import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from autopass.dossier import Decision, Status
from autopass.store.queue import NewPhotoRequest, PhotoToRetake, waiting_for_dealer
from autopass.settings import Settings
from autopass.store import MACHINE, AuditEvent, Check, Dossier, DossierStatus, session_scope
from autopass.store.audit import record_event
from autopass.store.types import utc_now

DEALER_NOTIFIED = "dealer_notified"
DEALER_NOTICE_FAILED = "dealer_notice_failed"
REQUEST = "request"
"""The key of a delivery event's detail naming the request (its audit event id) delivered."""
TIMEOUT_SECONDS = 10.0
FINAL = (Decision.AUTO_PASS, Decision.APPROVE, Decision.REJECT)
"""Decisions a dealer acts on (``review`` is people still looking)."""
LATE_AFTER = timedelta(minutes=3)
"""A notice still undelivered this long after it arose has failed more than one try."""
DECISIONS_TOLD_FOR = timedelta(days=1)
"""Decisions older than this are not sent (nor tried again): a webhook configured today does not
flood the dealer's system with last year's decisions, and one that fails for a whole day is a
matter for the centre's IT, not for more retries."""


class _DealerNotice(BaseModel):
    notice_id: str  # also the Idempotency-Key header
    application_id: str
    dealer_id: str
    salesperson_id: str


class NewPhotoNotice(_DealerNotice):
    """The body POSTed when a dossier goes back to its dealer for new photos."""

    event: Literal["new_photo_requested"] = "new_photo_requested"
    photos: list[PhotoToRetake]  # the files to photograph again, with the document each holds
    reason: str
    requested_at: datetime
    # Required documents the dossier lacks (no file to retake): to photograph and send.
    missing_documents: list[str] = Field(default_factory=list)


class DecisionNotice(_DealerNotice):
    """The body POSTed when a dossier is decided."""

    event: Literal["dossier_decided"] = "dossier_decided"
    decision: Decision  # auto_pass or approve: go ahead; reject: the reasons say why
    reasons: list[str]  # each failed check: "<rule id>: <detail>" (no personal data)
    received_at: datetime
    decided_at: datetime


Notice = NewPhotoNotice | DecisionNotice


@dataclass(frozen=True)
class PendingNotice:
    """A notice to deliver, and what its delivery record points at: a request for new photos is
    the request (its audit event) and the task it was made from, if any; a decision, the dossier
    (no task, no request)."""

    dossier_id: int
    task_id: int | None
    notice: Notice
    request_id: int | None = None

    @property
    def since(self) -> datetime:
        """When there was something to tell: the request made, the decision stored."""
        notice = self.notice
        return notice.requested_at if isinstance(notice, NewPhotoNotice) else notice.decided_at


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


def notice_states(session: Session, requests: list[NewPhotoRequest]) -> dict[int, NoticeState]:
    """The notice of each request (by its ``request_id``) that was tried."""
    by_id = {request.request_id: request for request in requests}
    events = session.exec(select(AuditEvent).where(
        AuditEvent.action.in_([DEALER_NOTIFIED, DEALER_NOTICE_FAILED]),  # type: ignore[attr-defined]
        AuditEvent.dossier_id.in_(  # type: ignore[union-attr]
            {request.dossier_id for request in requests}),
    ).order_by(AuditEvent.id)).all()
    states: dict[int, NoticeState] = {}
    for event in events:
        request_id = _request_delivered(event, by_id)
        if request_id is None:
            continue
        before = states.get(request_id, NoticeState(delivered_at=None, failures=0))
        states[request_id] = (
            replace(before, delivered_at=event.at) if event.action == DEALER_NOTIFIED
            else replace(before, failures=before.failures + 1))
    return states


def _request_delivered(event: AuditEvent, requests: dict[int, NewPhotoRequest]) -> int | None:
    """Which of ``requests`` a delivery event is about: the one it names, or (recorded before
    requests were named) the one made from its task; None for a decision's delivery."""
    if REQUEST in event.detail:
        return event.detail[REQUEST] if event.detail[REQUEST] in requests else None
    if event.task_id is None:
        return None
    return next((request_id for request_id, request in requests.items()
                 if request.task_id == event.task_id), None)


def pending_notices(session: Session, *, now: datetime, application_id: str | None = None,
                    arisen_before: datetime | None = None) -> list[PendingNotice]:
    """Every notice not yet delivered (of ``application_id`` only, and arisen before
    ``arisen_before`` only, when given): the latest request of each dossier still waiting for its
    dealer (a dossier the dealer has sent again needs no notice), and each decision of the last
    day. Only those are read further (the dealer, the failed checks)."""
    waiting = [request for request in waiting_for_dealer(session)
               if application_id in (None, request.application_id)
               and (arisen_before is None or request.requested_at < arisen_before)]
    states = notice_states(session, waiting)
    requests = [PendingNotice(request.dossier_id, request.task_id,
                              _new_photo_notice(session, request), request.request_id)
                for request in waiting
                if (state := states.get(request.request_id)) is None or state.delivered_at is None]
    return requests + [PendingNotice(dossier.id, None, _decision_notice(session, dossier))
                       for dossier in _decided_untold(session, now, application_id, arisen_before)
                       if dossier.id is not None]


def late_notices(session: Session, *, now: datetime) -> list[PendingNotice]:
    """Pending notices that should have reached the dealer's system by now (each is POSTed the
    moment it arises, and again every minute): the webhook, or the system behind it, is down."""
    return pending_notices(session, now=now, arisen_before=now - LATE_AFTER)


def deliver_pending(settings: Settings, *, application_id: str | None = None) -> Deliveries:
    """POST every pending notice (of ``application_id`` only, when given) to the dealer webhook;
    nothing when none is configured."""
    deliveries = Deliveries()
    if settings.dealer_webhook_url is None:
        return deliveries
    with session_scope(settings) as session:
        pending = pending_notices(session, now=utc_now(), application_id=application_id)
    with httpx.Client(timeout=TIMEOUT_SECONDS) as client:
        for item in pending:
            body = item.notice.model_dump_json().encode()
            try:
                response = client.post(str(settings.dealer_webhook_url), content=body,
                                       headers=_headers(settings, item.notice, body))
                response.raise_for_status()
            except httpx.HTTPStatusError as error:
                failure: dict[str, object] = {"status": error.response.status_code}
            except httpx.HTTPError as error:  # the message names the URL: kept out of the trail
                failure = {"error": type(error).__name__}
            else:
                _record(settings, item, DEALER_NOTIFIED, {"status": response.status_code})
                deliveries.delivered.append(item.notice.application_id)
                continue
            _record(settings, item, DEALER_NOTICE_FAILED, failure)
            deliveries.failed.append(item.notice.application_id)
    return deliveries


def signature(secret: str, body: bytes) -> str:
    """The ``X-Autopass-Signature`` of ``body``: what the dealer's system computes to check it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _new_photo_notice(session: Session, request: NewPhotoRequest) -> NewPhotoNotice:
    dossier = session.get_one(Dossier, request.dossier_id)
    # An operator's request keeps the id it always had (by its task): a dealer's system that
    # stored it sees a retry as the same notice.
    notice_id = (f"autopass-new-photo-{request.task_id}" if request.task_id is not None
                 else f"autopass-dealer-request-{request.request_id}")
    return NewPhotoNotice(
        notice_id=notice_id,
        application_id=request.application_id,
        dealer_id=dossier.dealer_id,
        salesperson_id=dossier.salesperson_id,
        photos=request.photos,
        reason=request.reason,
        requested_at=request.requested_at,
        missing_documents=request.missing_documents,
    )


def _decided_untold(session: Session, now: datetime, application_id: str | None,
                    decided_before: datetime | None) -> list[Dossier]:
    """Dossiers decided in the last day whose decision no delivery has recorded yet (a dossier
    the dealer sent again and that was decided again is told again)."""
    told = (sa.select(AuditEvent.id)
            .where(AuditEvent.dossier_id == Dossier.id, AuditEvent.task_id.is_(None),
                   AuditEvent.detail[REQUEST].as_integer().is_(None),  # not a request's
                   AuditEvent.action == DEALER_NOTIFIED, AuditEvent.at >= Dossier.decided_at)
            .correlate(Dossier))
    query = (sa.select(Dossier)
             .where(Dossier.status == DossierStatus.DECIDED, Dossier.decision.in_(FINAL),
                    Dossier.decided_at >= now - DECISIONS_TOLD_FOR, ~sa.exists(told))
             .order_by(Dossier.decided_at, Dossier.id))
    if application_id is not None:
        query = query.where(Dossier.application_id == application_id)
    if decided_before is not None:
        query = query.where(Dossier.decided_at < decided_before)
    return list(session.scalars(query))


def decision_reasons(session: Session, dossier_id: int) -> list[str]:
    """Why a dossier was decided as it was: each failed check as ``<rule id>: <detail>`` (the
    details are free of personal data). The webhook and the dealer API say the same."""
    failed = session.scalars(sa.select(Check).where(
        Check.dossier_id == dossier_id, Check.status == Status.FAIL).order_by(Check.id))
    return [f"{check.check_id}: {check.detail}" for check in failed]


def _decision_notice(session: Session, dossier: Dossier) -> DecisionNotice:
    assert dossier.id is not None
    assert dossier.decided_at is not None and dossier.decision is not None
    return DecisionNotice(
        notice_id=f"autopass-decision-{dossier.id}-{dossier.decided_at:%Y%m%dT%H%M%S%f}",
        application_id=dossier.application_id,
        dealer_id=dossier.dealer_id,
        salesperson_id=dossier.salesperson_id,
        decision=Decision(dossier.decision),
        reasons=decision_reasons(session, dossier.id),
        received_at=dossier.received_at,
        decided_at=dossier.decided_at,
    )


def _headers(settings: Settings, notice: Notice, body: bytes) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Idempotency-Key": notice.notice_id}
    if settings.dealer_webhook_secret is not None:
        headers["X-Autopass-Signature"] = signature(
            settings.dealer_webhook_secret.get_secret_value(), body)
    return headers


def _record(settings: Settings, item: PendingNotice, action: str,
            detail: dict[str, object]) -> None:
    if item.request_id is not None:
        detail = {**detail, REQUEST: item.request_id}
    with session_scope(settings) as session:
        record_event(session, actor=MACHINE, action=action, dossier_id=item.dossier_id,
                     task_id=item.task_id, detail=detail, at=utc_now())
