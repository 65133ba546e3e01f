"""Every POST needs the session's CSRF token and must come from this site."""

from __future__ import annotations

from fastapi.testclient import TestClient

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.web.auth import CROSS_SITE_REFUSED, CSRF_REFUSED
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import PASSWORD, add_dossier, task_of_kind


def _one_task(settings: Settings) -> None:
    add_dossier(settings, "A1", [task_of_kind(settings, MicroTaskKind.COMPARE_FACES, "A1")])


def test_login_without_or_with_a_wrong_token_is_refused(app_client: TestClient) -> None:
    app_client.get("/login")
    form = {"username": "olga", "password": PASSWORD}
    for extra in ({}, {"csrf_token": "forged"}):
        response = app_client.post("/login", data=form | extra)
        assert response.status_code == 403
        assert response.json() == {"detail": CSRF_REFUSED}


def test_login_from_another_site_is_refused(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login").text)
    response = app_client.post(
        "/login",
        data={"username": "olga", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert (response.status_code, response.json()) == (403, {"detail": CROSS_SITE_REFUSED})


def test_answer_form_needs_the_session_token(
    app_client: TestClient, web_settings: Settings
) -> None:
    _one_task(web_settings)
    page = log_in(app_client, "olga")
    task_id = int(page.text.split('data-task-id="')[1].split('"')[0])
    url = f"/tasks/{task_id}/answer"
    assert app_client.post(url, data={"same_person": "yes"}).status_code == 403
    wrong = app_client.post(url, data={"same_person": "yes", "csrf_token": "forged"})
    assert (wrong.status_code, wrong.json()) == (403, {"detail": CSRF_REFUSED})
    foreign = app_client.post(
        url,
        data={"same_person": "yes", "csrf_token": csrf_of(page.text)},
        headers={"Origin": "http://evil.example"},
    )
    assert (foreign.status_code, foreign.json()) == (403, {"detail": CROSS_SITE_REFUSED})
    cross_site = app_client.post(
        url,
        data={"same_person": "yes", "csrf_token": csrf_of(page.text)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross_site.status_code == 403
    accepted = app_client.post(
        url,
        data={"same_person": "yes", "csrf_token": csrf_of(page.text)},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert (accepted.status_code, accepted.headers["location"]) == (303, "/tasks")


def test_api_posts_need_the_token_header(app_client: TestClient, web_settings: Settings) -> None:
    _one_task(web_settings)
    token = csrf_of(log_in(app_client, "olga").text)
    task_id = app_client.get("/api/tasks/next").json()["id"]
    url = f"/api/tasks/{task_id}/answer"
    assert app_client.post(url, json={"same_person": True}).json() == {"detail": CSRF_REFUSED}
    wrong = app_client.post(url, json={"same_person": True}, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    foreign = app_client.post(
        url,
        json={"same_person": True},
        headers={"X-CSRF-Token": token, "Origin": "https://evil.example"},
    )
    assert (foreign.status_code, foreign.json()) == (403, {"detail": CROSS_SITE_REFUSED})
    released = app_client.post(
        f"/api/tasks/{task_id}/release", json={"reason": "x"}, headers={"Origin": "null"}
    )
    assert released.status_code == 403
    accepted = app_client.post(url, json={"same_person": True}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200


def test_claiming_from_another_site_is_refused(
    app_client: TestClient, web_settings: Settings
) -> None:
    _one_task(web_settings)
    log_in(app_client, "olga")
    response = app_client.get("/api/tasks/next", headers={"Sec-Fetch-Site": "cross-site"})
    assert (response.status_code, response.json()) == (403, {"detail": CROSS_SITE_REFUSED})
