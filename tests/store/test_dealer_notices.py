"""New-photo requests and decisions reach the dealer's system through the webhook, at least once,
none lost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from autopass.cli import app
from autopass.dealer_deadlines import overdue_requests, reject_overdue
from autopass.dealer_notices import (
    DEALER_NOTICE_FAILED,
    DEALER_NOTIFIED,
    deliver_pending,
    notice_states,
    signature,
)
from autopass.dossier import CheckResult, Decision
from autopass.store.queue import NEW_PHOTO_REQUESTED, request_new_photo, waiting_for_dealer
from autopass.settings import Settings, use_settings
from autopass.store import (
    AuditEvent,
    DossierStatus,
    get_dossier,
    record_dossier,
    session_scope,
    utc_now,
)
from autopass.store.audit import record_event
from tests.conftest import DealerSystem, with_webhook
from tests.factories import make_application

from .factories import ORIGINALS, about_the_id_card, at, claim_as, make_result, record_with_tasks

UNSIGNED = CheckResult(id="contract_signed", status="fail", hard=True,
                       detail="signature present is False")


def _send_back(settings: Settings, application_id: str, minute: float = 2) -> int:
    [task_id] = record_with_tasks(settings, application_id, [about_the_id_card()], received_minute=minute)
    assert claim_as(settings, "alice", minute=minute) == task_id
    with session_scope(settings) as session:
        request_new_photo(session, task_id=task_id, operator="alice", now=at(minute + 1),
                          reason="glare over the number")
    return task_id


def _events(settings: Settings, action: str) -> list[AuditEvent]:
    with session_scope(settings) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_each_request_is_posted_once_signed_and_recorded(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url, secret="s3cret")
    task_id = _send_back(settings, "A1")
    _send_back(settings, "A2")
    record_with_tasks(settings, "A2", [about_the_id_card()], received_minute=10)  # the dealer sent it again

    assert deliver_pending(settings).delivered == ["A1"]
    [(headers, body)] = dealer_system.received
    notice = json.loads(body)
    assert notice == {
        "event": "new_photo_requested",
        "notice_id": f"autopass-new-photo-{task_id}",
        "application_id": "A1",
        "dealer_id": notice["dealer_id"],
        "salesperson_id": notice["salesperson_id"],
        "photos": [{"file": "IMG_0412.jpg", "type": "id_card_front"}],
        "reason": "glare over the number",
        "requested_at": "2026-11-28T01:03:00Z",
        "missing_documents": [],
    }
    assert notice["dealer_id"] and notice["salesperson_id"]
    assert headers["Idempotency-Key"] == notice["notice_id"]
    assert headers["X-Autopass-Signature"] == signature("s3cret", body)
    [notified] = _events(settings, DEALER_NOTIFIED)
    request = next(e for e in _events(settings, NEW_PHOTO_REQUESTED) if e.task_id == task_id)
    assert (notified.task_id, notified.detail) == (task_id, {"status": 204, "request": request.id})

    assert deliver_pending(settings).delivered == [], "a delivered notice is not sent again"
    assert len(dealer_system.received) == 1


def test_a_failed_delivery_is_recorded_and_tried_again(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url)
    _send_back(settings, "A1")
    dealer_system.status = 503
    assert deliver_pending(settings).failed == ["A1"]
    [failed] = _events(settings, DEALER_NOTICE_FAILED)
    assert failed.detail == {"status": 503, "request": failed.detail["request"]}

    nobody_listening = with_webhook(store, "http://127.0.0.1:9/")
    assert deliver_pending(nobody_listening).failed == ["A1"]
    assert _events(settings, DEALER_NOTICE_FAILED)[-1].detail["error"] == "ConnectError"

    dealer_system.status = 200
    assert deliver_pending(settings).delivered == ["A1"]
    assert "X-Autopass-Signature" not in dealer_system.received[-1][0], "no secret, no signature"
    assert len(_events(settings, DEALER_NOTICE_FAILED)) == 2


def test_without_a_webhook_nothing_is_sent(store: Settings) -> None:
    _send_back(store, "A1")
    assert deliver_pending(store).model_dump() == {"delivered": [], "failed": []}
    assert _events(store, DEALER_NOTIFIED) == []


@pytest.mark.usefixtures("prefect_harness")
def test_the_command_runs_the_flow_and_fails_while_a_notice_is_undelivered(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url)
    _send_back(settings, "A1")
    dealer_system.status = 500
    with use_settings(settings):
        failed = CliRunner().invoke(app, ["notify-dealers"])
        dealer_system.status = 204
        delivered = CliRunner().invoke(app, ["notify-dealers"])
    assert failed.exit_code == 1, failed.output
    assert json.loads(failed.stdout) == {"delivered": [], "failed": ["A1"]}
    assert delivered.exit_code == 0, delivered.output
    assert json.loads(delivered.stdout) == {"delivered": ["A1"], "failed": []}


def _decided(settings: Settings, application_id: str, decision: Decision, when: datetime,
             checks: list[CheckResult] | None = None) -> None:
    """Record a dossier the machine decided at ``when`` (no micro-task)."""
    result = make_result(application_id, decision)
    if checks is not None:
        result = result.model_copy(update={"checks": checks})
    with session_scope(settings) as session:
        record_dossier(session, application=make_application(application_id), result=result,
                       originals=ORIGINALS, received_at=when - timedelta(minutes=3), now=when)


def test_a_decision_is_posted_once_with_the_failed_checks_as_its_reasons(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url, secret="s3cret")
    decided_at = utc_now().replace(microsecond=0) - timedelta(minutes=1)
    _decided(settings, "A1", Decision.REJECT, decided_at, checks=[UNSIGNED])

    assert deliver_pending(settings).delivered == ["A1"]
    [(headers, body)] = dealer_system.received
    notice = json.loads(body)
    assert notice == {
        "event": "dossier_decided",
        "notice_id": notice["notice_id"],
        "application_id": "A1",
        "dealer_id": notice["dealer_id"],
        "salesperson_id": notice["salesperson_id"],
        "decision": "reject",
        "reasons": ["contract_signed: signature present is False"],
        "received_at": (decided_at - timedelta(minutes=3)).isoformat().replace("+00:00", "Z"),
        "decided_at": decided_at.isoformat().replace("+00:00", "Z"),
    }
    assert notice["notice_id"].startswith("autopass-decision-")
    assert headers["Idempotency-Key"] == notice["notice_id"]
    assert headers["X-Autopass-Signature"] == signature("s3cret", body)
    [notified] = _events(settings, DEALER_NOTIFIED)
    assert (notified.task_id, notified.detail) == (None, {"status": 204})

    assert deliver_pending(settings).delivered == [], "a decision told is not told again"
    # The dealer sends the dossier again and it is decided again: that decision is news.
    _decided(settings, "A1", Decision.AUTO_PASS, utc_now(), checks=[])
    assert deliver_pending(settings).delivered == ["A1"]
    again = json.loads(dealer_system.received[-1][1])
    assert (again["decision"], again["reasons"]) == ("auto_pass", [])
    assert again["notice_id"] != notice["notice_id"]


def test_only_decisions_of_the_last_day_are_told_and_a_flow_tells_only_its_own(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url)
    now = utc_now()
    _decided(settings, "A-LAST-WEEK", Decision.AUTO_PASS, now - timedelta(days=7))
    _decided(settings, "A-STILL-REVIEWED", Decision.REVIEW, now)  # stored as decided, no task
    record_with_tasks(settings, "A-WAITING", [about_the_id_card()], received_minute=0)
    _decided(settings, "A-NOW", Decision.AUTO_PASS, now)
    _decided(settings, "A-ALSO-NOW", Decision.APPROVE, now)

    assert deliver_pending(settings, application_id="A-NOW").delivered == ["A-NOW"]
    assert deliver_pending(settings).delivered == ["A-ALSO-NOW"]
    assert [json.loads(body)["decision"] for _, body in dealer_system.received] == [
        "auto_pass", "approve"]


def test_a_decision_not_taken_is_tried_again(store: Settings, dealer_system: DealerSystem) -> None:
    settings = with_webhook(store, dealer_system.url)
    _decided(settings, "A1", Decision.AUTO_PASS, utc_now())
    dealer_system.status = 502
    assert deliver_pending(settings).failed == ["A1"]
    [failed] = _events(settings, DEALER_NOTICE_FAILED)
    assert (failed.task_id, failed.detail) == (None, {"status": 502})
    dealer_system.status = 200
    assert deliver_pending(settings).delivered == ["A1"]
    assert deliver_pending(settings).model_dump() == {"delivered": [], "failed": []}


MISSING_CARD = CheckResult(id="required_documents_present", status="fail",
                           detail="required document(s) missing: bank_card",
                           ask_dealer_for=["bank_card"])


def _lacking_the_bank_card(settings: Settings, application_id: str, when: datetime) -> None:
    """Record a dossier the machine found without its bank card (no micro-task)."""
    result = make_result(application_id).model_copy(update={"checks": [MISSING_CARD]})
    with session_scope(settings) as session:
        record_dossier(session, application=make_application(application_id), result=result,
                       originals=ORIGINALS, received_at=when, now=when)


def test_a_document_the_dossier_lacks_is_asked_of_the_dealer_by_a_notice_of_its_own(
    store: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(store, dealer_system.url)
    _lacking_the_bank_card(settings, "A1", at(2))
    with session_scope(settings) as session:
        assert get_dossier(session, application_id="A1").status == DossierStatus.WAITING_FOR_DEALER
        [request] = waiting_for_dealer(session)
    assert (request.task_id, request.requested_by, request.missing_documents) == (
        None, "machine", ["bank_card"])

    assert deliver_pending(settings).delivered == ["A1"]
    [(headers, body)] = dealer_system.received
    notice = json.loads(body)
    assert notice == {
        "event": "new_photo_requested",
        "notice_id": f"autopass-dealer-request-{request.request_id}",
        "application_id": "A1",
        "dealer_id": notice["dealer_id"],
        "salesperson_id": notice["salesperson_id"],
        "photos": [],
        "missing_documents": ["bank_card"],
        "reason": "required document(s) missing: bank_card",
        "requested_at": "2026-11-28T01:02:00Z",
    }
    assert headers["Idempotency-Key"] == notice["notice_id"]
    with session_scope(settings) as session:  # what the queue page shows
        [state] = notice_states(session, [request]).values()
    assert state.delivered_at is not None and state.failures == 0
    assert deliver_pending(settings).delivered == [], "a delivered request is not sent again"

    # The dealer sends the folder again, still without the card: that is a new request.
    _lacking_the_bank_card(settings, "A1", at(30))
    assert deliver_pending(settings).delivered == ["A1"]
    again = json.loads(dealer_system.received[-1][1])
    assert again["notice_id"] != notice["notice_id"]


def _minutes_after_t0(moment: datetime) -> float:
    return (moment - at(0)).total_seconds() / 60


def test_a_request_left_unanswered_rejects_the_dossier_after_the_deadline_and_tells_the_dealer(
    store: Settings, dealer_system: DealerSystem
) -> None:
    """An operator could not read the ID card; the dealer sends no new photo in 3 days."""
    settings = with_webhook(store, dealer_system.url)
    now = utc_now().replace(microsecond=0)
    _send_back(settings, "A1", minute=_minutes_after_t0(now - timedelta(days=3, minutes=2)))
    assert deliver_pending(settings).delivered == ["A1"]  # the request
    three_days = lambda product: 3  # noqa: E731

    with session_scope(settings) as session:
        assert overdue_requests(session, now=now - timedelta(minutes=2), days_for=three_days) == []
        [overdue] = overdue_requests(session, now=now, days_for=three_days)
        rejected = reject_overdue(session, overdue, now=now, face_engine="dlib")
    assert rejected is not None and rejected.decision is Decision.REJECT
    reason = ("low confidence; new photo of IMG_0412.jpg (id_card_front) not sent by the dealer "
              "within 3 days")
    with session_scope(settings) as session:
        dossier = get_dossier(session, application_id="A1")
        assert (dossier.status, dossier.decision, dossier.decided_at) == (
            DossierStatus.DECIDED, "reject", now)
        assert reject_overdue(session, overdue, now=now, face_engine="dlib") is None, "decided"

    assert deliver_pending(settings).delivered == ["A1"]
    told = json.loads(dealer_system.received[-1][1])
    assert (told["event"], told["decision"]) == ("dossier_decided", "reject")
    assert told["reasons"] == [f"id_number_matches_application: {reason}"]


def test_a_request_s_delivery_recorded_after_the_decision_does_not_tell_the_decision(
    store: Settings, dealer_system: DealerSystem
) -> None:
    """A run that read the request before the nightly batch rejected the dossier records its
    delivery after the decision: the decision is still to be told."""
    settings = with_webhook(store, dealer_system.url)
    now = utc_now().replace(microsecond=0)
    _lacking_the_bank_card(settings, "A1", now - timedelta(days=3))
    with session_scope(settings) as session:
        [overdue] = overdue_requests(session, now=now, days_for=lambda product: 3)
        reject_overdue(session, overdue, now=now, face_engine="dlib")
        request = overdue.request
        record_event(session, actor="machine", action=DEALER_NOTIFIED,
                     dossier_id=request.dossier_id,
                     detail={"status": 204, "request": request.request_id},
                     at=now + timedelta(seconds=1))

    assert deliver_pending(settings).delivered == ["A1"]
    told = json.loads(dealer_system.received[-1][1])
    assert told["reasons"] == ["required_documents_present: required document(s) missing: "
                               "bank_card; not sent by the dealer within 3 days"]
