"""People settle findings: seniors only; a confirmed fraud rejects the ring's open dossiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from autopass.dossier import Decision, MicroTaskKind, Status
from autopass.review import decide_after_answers
from autopass.risk.settle import RING_REJECTED
from autopass.settings import Settings, use_settings
from autopass.store import (
    AuditEvent,
    Dossier,
    DossierStatus,
    MicroTask,
    TaskState,
    session_scope,
)
from autopass.web import create_app
from autopass.tasks.store import load_settled_dossier
from autopass.tasks.risk import settle_and_check
from tests.risk.helpers import application, record
from tests.web.conftest import csrf_of, log_in

SHARED_PHONE = "13811112222"


@pytest.fixture
def client(web_store: Settings) -> Iterator[TestClient]:
    app = create_app(web_store, on_dossier_settled=lambda *_: None)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def ring_of_three(settings: Settings) -> list[int]:
    """1 goes through first (nothing to link yet); 2 and 3 share its phone and wait."""
    return [record(settings, application(n, phone=SHARED_PHONE))[0] for n in (1, 2, 3)]


def test_an_operator_can_never_open_a_finding(web_store: Settings, client: TestClient) -> None:
    ring_of_three(web_store)
    token = csrf_of(log_in(client, "olga").text)
    assert client.get("/api/tasks/next").status_code == 204
    with session_scope(web_store) as session:
        task_id = session.scalars(sa.select(MicroTask.id).where(
            MicroTask.kind == MicroTaskKind.INVESTIGATE_LINK)).first()
    assert client.get(f"/tasks/{task_id}").status_code in {403, 404}
    answered = client.post(f"/api/tasks/{task_id}/answer", json={"verdict": "not_same_person"},
                           headers={"X-CSRF-Token": token})
    assert answered.status_code in {403, 404, 409}
    log_in(client, "sam")
    shown = client.get("/api/tasks/next").json()
    assert shown["kind"] == "investigate_link"
    assert [option["value"] for option in shown["options"]] == [
        "not_same_person", "same_person_fine", "fraud_confirmed"]
    assert SHARED_PHONE not in shown["question"] and "1381***2222" in shown["question"]


def test_a_senior_s_confirmation_rejects_the_ring_s_open_dossiers(
    web_store: Settings, client: TestClient
) -> None:
    first, second, third = ring_of_three(web_store)
    log_in(client, "sue")  # a supervisor holds the second's task meanwhile
    assert _dossier_of(web_store, client.get("/api/tasks/next").json()["id"]) == second
    token = csrf_of(log_in(client, "sam").text)
    task = client.get("/api/tasks/next").json()
    assert _dossier_of(web_store, task["id"]) == third
    answered = client.post(f"/api/tasks/{task['id']}/answer",
                           json={"verdict": "fraud_confirmed"}, headers={"X-CSRF-Token": token})
    assert answered.status_code == 200, answered.text

    with use_settings(web_store):  # what finalize-dossier does once it is settled
        check = settle_and_check.fn(third, load_settled_dossier.fn(third).settled)

    assert (check.status, check.hard) == (Status.FAIL, True)
    assert decide_after_answers([check], [], None) is Decision.REJECT
    with session_scope(web_store) as session:
        dossiers = {row.id: row for row in session.scalars(sa.select(Dossier))}
        assert (dossiers[second].status, dossiers[second].decision) == (DossierStatus.DECIDED,
                                                                       "reject")
        assert {task.state for task in session.scalars(sa.select(MicroTask).where(
            MicroTask.dossier_id == second))} == {TaskState.CLOSED}
        assert (dossiers[first].status, dossiers[first].decision) == (DossierStatus.DECIDED,
                                                                     "auto_pass")
        events = {(event.dossier_id, event.action, event.detail.get("reason"))
                  for event in session.scalars(sa.select(AuditEvent))}
    assert (second, "dossier_decided", RING_REJECTED) in events
    assert (first, "ring_fraud_confirmed", RING_REJECTED) in events  # decided: people look again
    stored = [c for c in dossiers[second].result["checks"] if c["id"] == check.id]
    assert stored[0]["status"] == "fail"


@pytest.mark.parametrize("verdict", ["not_same_person", "same_person_fine"])
def test_a_cleared_finding_lets_the_dossier_pass(
    web_store: Settings, client: TestClient, verdict: str
) -> None:
    _, second = (record(web_store, application(n, phone=SHARED_PHONE))[0] for n in (1, 2))
    token = csrf_of(log_in(client, "sam").text)
    task = client.get("/api/tasks/next").json()
    client.post(f"/api/tasks/{task['id']}/answer", json={"verdict": verdict},
                headers={"X-CSRF-Token": token})

    with use_settings(web_store):
        check = settle_and_check.fn(second, load_settled_dossier.fn(second).settled)

    assert check.status is Status.PASS and "cleared by sam" in check.detail
    with session_scope(web_store) as session:
        assert session.get_one(Dossier, second).status == DossierStatus.WAITING_FOR_PEOPLE


def _dossier_of(settings: Settings, task_id: int) -> int:
    with session_scope(settings) as session:
        return session.get_one(MicroTask, task_id).dossier_id
