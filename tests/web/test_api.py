"""The JSON API: next task, answer (validated per kind), release, a new photo from the dealer; 401
for anonymous calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from autopass.dossier import SENIOR_KINDS, MicroTaskKind
from autopass.settings import Settings
from autopass.store import AuditEvent, MicroTask, TaskState, session_scope
from autopass.web.app import create_app
from autopass.web.deps import NOT_AUTHENTICATED
from tests.conftest import DealerSystem, with_webhook
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import add_dossier, task_of_kind

KINDS = list(MicroTaskKind)


def _claim(client: TestClient, username: str = "olga") -> tuple[dict[str, Any], dict[str, str]]:
    """Log ``username`` in and claim their next task: the task's JSON and the headers for POSTs."""
    token = csrf_of(log_in(client, username).text)
    response = client.get("/api/tasks/next")
    assert response.status_code == 200, response.text
    return response.json(), {"X-CSRF-Token": token}


def test_openapi_schema_lists_the_four_task_routes_and_the_dealer_api(
        app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    assert sorted(paths) == [
        "/api/tasks/next",
        "/api/tasks/{task_id}/answer",
        "/api/tasks/{task_id}/new-photo",
        "/api/tasks/{task_id}/release",
        "/api/v1/captures/check",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{application_id}",
    ]
    assert set(paths["/api/tasks/next"]) == {"get"}
    assert set(paths["/api/tasks/{task_id}/answer"]) == {"post"}


def test_anonymous_api_calls_get_401(app_client: TestClient) -> None:
    calls = [
        app_client.get("/api/tasks/next"),
        app_client.post("/api/tasks/1/answer", json={"same_person": True}),
        app_client.post("/api/tasks/1/release", json={"reason": "x"}),
        app_client.post("/api/tasks/1/new-photo", json={"reason": "x"}),
        app_client.get("/tasks/1/crops/portrait"),
    ]
    for response in calls:
        assert (response.status_code, response.json()) == (401, {"detail": NOT_AUTHENTICATED})


def test_next_task_is_204_when_the_queue_is_empty(app_client: TestClient) -> None:
    log_in(app_client, "olga")
    assert app_client.get("/api/tasks/next").status_code == 204


def test_next_task_shows_choices_and_crop_urls(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(
        web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.CLASSIFY_DOCUMENT, "A1")]
    )
    task, _ = _claim(app_client)
    assert task["kind"] == "classify_document"
    assert [(o["key"], o["value"], o["label"]) for o in task["options"]][:2] == [
        (1, "id_card_front", "身份证人像面"),
        (2, "id_card_back", "身份证国徽面"),
    ]
    assert task["crops"] == {"document": f"/tasks/{task['id']}/crops/document"}
    assert task["machine_guess"] == "id_card_back"
    assert app_client.get("/api/tasks/next").json()["id"] == task["id"]  # held, not a second claim


def test_blind_double_keying_hides_the_reading(
    app_client: TestClient, web_settings: Settings
) -> None:
    blind = task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1", required_answers=2)
    for candidate in blind.payload["candidates"]:
        candidate.pop("value")  # as autopass.crops.build_payload does for double keying
    add_dossier(web_settings, "A1", [blind])
    task, _ = _claim(app_client)
    assert (task["blind"], task["prefill"]) == (True, None)
    assert "370202198803121230" not in app_client.get("/tasks").text


GOOD_AND_BAD: dict[MicroTaskKind, tuple[dict[str, Any], dict[str, Any], str]] = {
    MicroTaskKind.CLASSIFY_DOCUMENT: (
        {"type": "bank_card"},
        {"type": "selfie"},
        (
            "answer to a classify_document task: 'selfie' is not one of the options "
            "id_card_front, id_card_back, bank_card, other"
        ),
    ),
    MicroTaskKind.CONFIRM_FIELD: (
        {"value": " 37020219880312123X "},
        {"value": "   "},
        "answer to a confirm_field task: value: Value error, type the value you read on the image",
    ),
    MicroTaskKind.COMPARE_FACES: (
        {"same_person": False},
        {"same_person": "no"},
        "answer to a compare_faces task: same_person: Input should be a valid boolean",
    ),
    MicroTaskKind.CHECK_SIGNATURE: (
        {"signed": True},
        {"signed": 1},
        "answer to a check_signature task: signed: Input should be a valid boolean",
    ),
    MicroTaskKind.INVESTIGATE_LINK: (
        {"verdict": "same_person_fine"},
        {"verdict": "fine"},
        "answer to an investigate_link task",
    ),
    MicroTaskKind.REVIEW_CHANNEL: (
        {"verdict": "pass"},
        {"verdict": "approve"},
        "answer to a review_channel task",
    ),
    MicroTaskKind.RESOLVE_MISMATCH: (
        {"value": "LSVAM4188C2184843", "source": "invoice.jpg#1"},
        {"value": "LSVAM4188C2184843", "source": "somewhere"},
        (
            "answer to a resolve_mismatch task: source 'somewhere' is neither 'typed' nor one of "
            "the candidates (application, invoice.jpg#1)"
        ),
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_validates_its_answer(
    kind: MicroTaskKind, app_client: TestClient, web_settings: Settings, settled_dossiers: list[int]
) -> None:
    good, bad, problem = GOOD_AND_BAD[kind]
    dossier_id = add_dossier(web_settings, "A1", [task_of_kind(web_settings, kind, "A1")])
    task, headers = _claim(app_client, "sam" if kind in SENIOR_KINDS else "olga")
    refused = app_client.post(f"/api/tasks/{task['id']}/answer", json=bad, headers=headers)
    assert refused.status_code == 422
    if kind is not MicroTaskKind.CLASSIFY_DOCUMENT and kind is not MicroTaskKind.RESOLVE_MISMATCH:
        assert "detail" in refused.json()
    else:
        assert refused.json() == {"detail": problem}
    accepted = app_client.post(f"/api/tasks/{task['id']}/answer", json=good, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "task_id": task["id"],
        "settled": True,
        "waiting_for_second_answer": False,
        "mismatch_task_id": None,
        "dossier_settled": True,
        "cleared_this_session": 1,
    }
    assert settled_dossiers == [dossier_id]
    with session_scope(web_settings) as session:
        stored = session.get_one(MicroTask, task["id"])
        assert stored.state == TaskState.ANSWERED
        assert stored.resolution == {
            key: value.strip() if isinstance(value, str) else value for key, value in good.items()
        }


def test_answers_refused_by_the_schema_name_the_problem(
    app_client: TestClient, web_settings: Settings
) -> None:
    """Bodies that fit no answer shape are refused by FastAPI itself (422)."""
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    task, headers = _claim(app_client)
    response = app_client.post(f"/api/tasks/{task['id']}/answer", json={"same": 1}, headers=headers)
    assert response.status_code == 422
    wrong_kind = app_client.post(
        f"/api/tasks/{task['id']}/answer", json={"signed": True}, headers=headers
    )
    assert wrong_kind.json() == {
        "detail": "answer to a compare_faces task: same_person: Field required; "
        "signed: Extra inputs are not permitted"
    }


def test_release_gives_the_task_back_with_its_reason(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    task, headers = _claim(app_client)
    response = app_client.post(
        f"/api/tasks/{task['id']}/release", json={"reason": "blurred"}, headers=headers
    )
    assert response.json() == {"task_id": task["id"], "state": "open"}
    with session_scope(web_settings) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "task_released")).one()
        assert (event.actor, event.detail) == ("olga", {"reason": "blurred"})
    late = app_client.post(
        f"/api/tasks/{task['id']}/answer", json={"same_person": True}, headers=headers
    )
    assert late.status_code == 409
    assert late.json() == {
        "detail": f"micro-task {task['id']} is not held by olga: claim the next task"
    }


def test_a_new_photo_request_closes_the_dossier_s_tasks_and_names_the_photo(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(
        web_settings,
        "A1",
        [task_of_kind(web_settings, kind, "A1")
         for kind in (MicroTaskKind.CONFIRM_FIELD, MicroTaskKind.CHECK_SIGNATURE)],
    )
    task, headers = _claim(app_client)
    response = app_client.post(
        f"/api/tasks/{task['id']}/new-photo", json={"reason": "glare"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "task_id": task["id"],
        "application_id": "A1",
        "photos": [{"file": "id.jpg", "type": "id_card_front"}],
        "closed_task_ids": [task["id"], task["id"] + 1],
    }
    assert app_client.get("/api/tasks/next").status_code == 204  # nothing left to clear
    again = app_client.post(f"/api/tasks/{task['id']}/new-photo", json={}, headers=headers)
    assert again.status_code == 409


def test_a_new_photo_request_reaches_the_dealer_s_system_after_the_response(
    web_settings: Settings, dealer_system: DealerSystem
) -> None:
    settings = with_webhook(web_settings, dealer_system.url)
    add_dossier(settings, "A1", [task_of_kind(settings, MicroTaskKind.CONFIRM_FIELD, "A1")])
    with TestClient(create_app(settings, on_dossier_settled=lambda *_: None)) as client:
        task, headers = _claim(client)
        response = client.post(f"/api/tasks/{task['id']}/new-photo", json={"reason": "glare"},
                               headers=headers)
    assert response.status_code == 200, response.text
    [(_, body)] = dealer_system.received
    assert json.loads(body)["application_id"] == "A1"


def test_a_task_held_by_someone_else_cannot_be_answered(
    app_client: TestClient, web_settings: Settings
) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    task, _ = _claim(app_client)
    app_client.cookies.clear()
    token = csrf_of(log_in(app_client, "otto").text)
    assert app_client.get("/api/tasks/next").status_code == 204
    response = app_client.post(
        f"/api/tasks/{task['id']}/answer",
        json={"same_person": True},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 409
