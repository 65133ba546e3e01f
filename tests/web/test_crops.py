"""A crop is served only to the person who holds the task that shows it, while they hold it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import add_dossier, task_of_kind


def test_only_the_holder_sees_a_crop(app_client: TestClient, web_settings: Settings) -> None:
    add_dossier(web_settings, "A1", [task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1")])
    add_dossier(
        web_settings, "A2", [task_of_kind(web_settings, MicroTaskKind.CHECK_SIGNATURE, "A2")]
    )
    token = csrf_of(log_in(app_client, "olga").text)
    task = app_client.get("/api/tasks/next").json()
    portrait = app_client.get(task["crops"]["portrait"])
    assert portrait.status_code == 200
    assert portrait.headers["content-type"] == "image/jpeg"
    assert portrait.headers["cache-control"] == "private, no-store"
    assert portrait.content[:3] == b"\xff\xd8\xff"

    app_client.cookies.clear()
    log_in(app_client, "otto")
    other = app_client.get("/api/tasks/next").json()  # otto holds the second dossier's task
    refused = app_client.get(task["crops"]["portrait"])
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": f"you do not hold micro-task {task['id']}"},
    )
    assert app_client.get(other["crops"]["candidate-1"]).status_code == 200
    assert app_client.get(f"/tasks/{other['id']}/crops/portrait").status_code == 404
    assert app_client.get(f"/tasks/{other['id']}/crops/..%2F..%2Fautopass.db").status_code == 404

    app_client.cookies.clear()
    log_in(app_client, "olga")
    answered = app_client.post(
        f"/api/tasks/{task['id']}/answer",
        json={"same_person": True},
        headers={"X-CSRF-Token": csrf_of(app_client.get("/tasks").text)},
    )
    assert answered.status_code == 200, answered.text
    assert app_client.get(task["crops"]["portrait"]).status_code == 403  # answered: no longer held
    assert token  # olga's first session token was replaced by the new log-in
