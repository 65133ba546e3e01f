"""The page's forms for each kind, skipping with a reason, and the supervisor's view."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from autopass.dealer_notices import deliver_pending
from autopass.dossier import CheckResult, Decision, MicroTaskKind
from autopass.settings import Settings
from autopass.store import AuditEvent, MicroTask, TaskState, record_dossier, session_scope
from autopass.web.app import create_app
from tests.conftest import DealerSystem, with_webhook
from tests.factories import make_application
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import add_dossier, result, task_of_kind

FORMS: dict[MicroTaskKind, tuple[dict[str, str], object]] = {
    MicroTaskKind.CLASSIFY_DOCUMENT: ({"type": "id_card_front"}, {"type": "id_card_front"}),
    MicroTaskKind.CONFIRM_FIELD: ({"value": "370202198803121230"}, {"value": "370202198803121230"}),
    MicroTaskKind.COMPARE_FACES: ({"same_person": "no"}, {"same_person": False}),
    MicroTaskKind.CHECK_SIGNATURE: ({"signed": "yes"}, {"signed": True}),
    MicroTaskKind.INVESTIGATE_LINK: ({"verdict": "fraud_confirmed"}, {"verdict": "fraud_confirmed"}),
    MicroTaskKind.REVIEW_CHANNEL: ({"verdict": "reject"}, {"verdict": "reject"}),
    MicroTaskKind.RESOLVE_MISMATCH: (
        {"choice": "2"},
        {"value": "LSVAM4188C2184843", "source": "invoice.jpg#1"},
    ),
}


def _task_id(html: str) -> int:
    return int(re.search(r'data-task-id="(\d+)"', html).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", list(MicroTaskKind))
def test_each_kind_is_answered_through_its_form(
    kind: MicroTaskKind, app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, kind, "A1")])
    page = log_in(app_client, "sam")  # a senior: may take every kind
    assert f'data-kind="{kind}"' in page.text
    form, stored = FORMS[kind]
    after = app_client.post(
        f"/tasks/{_task_id(page.text)}/answer", data=form | {"csrf_token": csrf_of(page.text)}
    )
    assert "队列已清空 The queue is empty" in after.text
    assert 'id="cleared-count">1<' in after.text
    with session_scope(web_settings) as session:
        task = session.exec(select(MicroTask)).one()
        assert (task.state, task.resolution) == (TaskState.ANSWERED, stored)


def test_confirm_field_is_prefilled_with_the_reading(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1")])
    page = log_in(app_client, "olga")
    assert 'value="370202198803121230"' in page.text
    assert "autofocus" in page.text


def test_a_wrong_form_answer_shows_the_task_again(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    page = log_in(app_client, "olga")
    response = app_client.post(
        f"/tasks/{_task_id(page.text)}/answer",
        data={"same_person": "maybe", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 422
    assert "answer to a compare_faces task: press Y or N (got &#39;maybe&#39;)" in response.text
    assert f'data-task-id="{_task_id(page.text)}"' in response.text


def test_skip_records_the_reason_and_moves_on(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    add_dossier(
        web_settings, "A2", [task_of_kind(web_settings, MicroTaskKind.CHECK_SIGNATURE, "A2")]
    )
    page = log_in(app_client, "olga")
    first = _task_id(page.text)
    after = app_client.post(
        f"/tasks/{first}/skip", data={"reason": "unsure", "csrf_token": csrf_of(page.text)}
    )
    assert _task_id(after.text) != first  # the skipped task does not come straight back
    assert f"已跳过任务 {first}" in after.text
    with session_scope(web_settings) as session:
        assert session.get_one(MicroTask, first).state == TaskState.OPEN
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "task_released")).one()
        assert event.detail == {"reason": "unsure"}


def test_a_task_an_operator_needs_a_senior_for_goes_to_the_seniors(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1")])
    page = log_in(app_client, "olga")
    task_id = _task_id(page.text)
    after = app_client.post(
        f"/tasks/{task_id}/skip", data={"reason": "needs_senior", "csrf_token": csrf_of(page.text)}
    )
    assert "队列已清空 The queue is empty" in after.text  # not offered to an operator again
    app_client.cookies.clear()
    assert _task_id(log_in(app_client, "sam").text) == task_id


def test_an_unreadable_photo_goes_back_to_the_dealer_and_the_supervisor_sees_it(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1")])
    add_dossier(
        web_settings, "A2", [task_of_kind(web_settings, MicroTaskKind.CHECK_SIGNATURE, "A2")]
    )
    page = log_in(app_client, "olga")
    first = _task_id(page.text)
    # The skip dialog's first choice posts the dialog's form to the new-photo route.
    assert f'formaction="/tasks/{first}/new-photo" name="reason" value="unreadable"' in page.text
    after = app_client.post(
        f"/tasks/{first}/new-photo", data={"reason": "unreadable", "csrf_token": csrf_of(page.text)}
    )
    assert "已请经销商补拍 id.jpg Asked the dealer for a new photo" in after.text
    assert _task_id(after.text) != first
    with session_scope(web_settings) as session:
        assert session.get_one(MicroTask, first).state == TaskState.CLOSED
    app_client.cookies.clear()
    queue = log_in(app_client, "sue")
    waiting = queue.text.split('id="waiting-for-dealer"')[1]
    assert "A1" in waiting and "id.jpg" in waiting and "olga" in waiting
    assert "A2" not in waiting
    assert "Dealer's system" not in waiting, "no webhook configured: no column for it"


def test_the_supervisor_sees_whether_the_dealer_s_system_was_told(
    web_settings: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(web_settings, dealer_system.url)
    add_dossier(settings, "A1", [task_of_kind(settings, MicroTaskKind.CONFIRM_FIELD, "A1")])
    dealer_system.status = 503
    with TestClient(create_app(settings, on_dossier_settled=lambda *_: None)) as client:
        page = log_in(client, "olga")
        client.post(f"/tasks/{_task_id(page.text)}/new-photo",
                    data={"reason": "unreadable", "csrf_token": csrf_of(page.text)})
        client.cookies.clear()
        failed = log_in(client, "sue").text.split('id="waiting-for-dealer"')[1]
        dealer_system.status = 204
        assert deliver_pending(settings).delivered == ["A1"]
        told = client.get("/queue").text.split('id="waiting-for-dealer"')[1]
    assert "未送达 not delivered (1×)" in failed
    assert "已通知 told" in told and "not delivered" not in told


def test_the_supervisor_sees_a_dossier_sent_back_for_a_missing_document_and_whether_it_was_told(
    web_settings: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(web_settings, dealer_system.url)
    missing = CheckResult(id="required_documents_present", status="fail",
                          detail="required document(s) missing: bank_card",
                          ask_dealer_for=["bank_card"])
    with session_scope(settings) as session:
        record_dossier(session, application=make_application("A1"),
                       result=result("A1").model_copy(update={"checks": [missing]}),
                       originals={"id.jpg": "a" * 64})
    with TestClient(create_app(settings, on_dossier_settled=lambda *_: None)) as client:
        waiting = log_in(client, "sue").text.split('id="waiting-for-dealer"')[1]
        assert deliver_pending(settings).delivered == ["A1"]
        told = client.get("/queue").text.split('id="waiting-for-dealer"')[1]
    assert "A1" in waiting and "missing <span class=\"muted\">(bank_card)</span>" in waiting
    assert "required document(s) missing: bank_card" in waiting and "machine" in waiting
    assert "待发送 to send" in waiting
    assert "已通知 told" in told


def test_the_supervisor_sees_decisions_the_dealer_s_system_has_not_taken(
    web_settings: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(web_settings, dealer_system.url)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    with session_scope(settings) as session:
        record_dossier(session, application=make_application("A-PASSED"),
                       result=result("A-PASSED").model_copy(update={
                           "decision": Decision.AUTO_PASS, "checks": []}),
                       originals={"id.jpg": "a" * 64}, received_at=ten_minutes_ago,
                       now=ten_minutes_ago)
    dealer_system.status = 503
    assert deliver_pending(settings).failed == ["A-PASSED"]
    with TestClient(create_app(settings, on_dossier_settled=lambda *_: None)) as client:
        late = log_in(client, "sue").text.split('id="late-notices"')[1]
        dealer_system.status = 204
        assert deliver_pending(settings).delivered == ["A-PASSED"]
        caught_up = client.get("/queue").text
    assert 'href="/dossiers/A-PASSED"' in late and "结论 decision auto_pass 未送达" in late
    assert 'id="late-notices"' not in caught_up and 'id="notices-delivered"' in caught_up


def test_supervisor_sees_depth_and_dossiers_at_risk(
    app_client: TestClient, web_settings: Settings
) -> None:
    late = datetime.now(UTC) - timedelta(minutes=35)  # SLA 30 min: 5 min overdue
    add_dossier(
        web_settings,
        "A20261128000999",
        [
            task_of_kind(web_settings, kind, "late")
            for kind in (MicroTaskKind.COMPARE_FACES, MicroTaskKind.CHECK_SIGNATURE)
        ],
        received_at=late,
    )
    add_dossier(web_settings, "A2", [task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A2")])
    page = log_in(app_client, "sue")
    assert re.search(r'id="depth-open">3<', page.text)
    assert re.search(r'id="depth-claimed">0<', page.text)
    assert "A20261128000999" in page.text
    assert "超时 5 min overdue" in page.text
    assert "A2<" not in page.text  # received 5 minutes ago: not at risk
