"""Log-in, wrong password, log-out, who sees what; cookies that scripts cannot read."""

from __future__ import annotations

from fastapi.testclient import TestClient

from autopass.settings import Settings
from autopass.store import session_scope, set_active
from autopass.web.routes.pages import WRONG_LOGIN
from tests.web.conftest import csrf_of, log_in


def test_login_sends_an_operator_to_the_task_loop(app_client: TestClient) -> None:
    response = log_in(app_client, "olga")
    assert response.status_code == 200
    assert str(response.url).endswith("/tasks")
    assert "olga" in response.text
    assert 'id="cleared-count">0<' in response.text


def test_login_sends_a_supervisor_to_the_queue_view(app_client: TestClient) -> None:
    response = log_in(app_client, "sue")
    assert str(response.url).endswith("/queue")
    assert "队列概览 Queue overview" in response.text


def test_wrong_password_is_refused(app_client: TestClient) -> None:
    response = log_in(app_client, "olga", "not-the-password")
    assert response.status_code == 401
    assert WRONG_LOGIN in response.text
    assert app_client.get("/tasks", follow_redirects=False).headers["location"] == "/login"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(app_client: TestClient) -> None:
    response = log_in(app_client, "nobody", "whatever-123")
    assert response.status_code == 401
    assert WRONG_LOGIN in response.text


def test_logout_ends_the_session(app_client: TestClient) -> None:
    page = log_in(app_client, "olga")
    response = app_client.post(
        "/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert app_client.get("/tasks", follow_redirects=False).headers["location"] == "/login"
    assert app_client.get("/api/tasks/next").status_code == 401


def test_a_deactivated_user_s_session_ends_at_the_next_click(
    app_client: TestClient, web_settings: Settings
) -> None:
    log_in(app_client, "olga")
    with session_scope(web_settings) as session:
        set_active(session, username="olga", active=False)
    assert app_client.get("/tasks", follow_redirects=False).headers["location"] == "/login"
    assert app_client.get("/api/tasks/next").status_code == 401
    assert log_in(app_client, "olga").status_code == 401  # nor can they log in again


def test_anonymous_visitors_are_sent_to_the_login_form(app_client: TestClient) -> None:
    for path in ("/", "/tasks", "/queue"):
        response = app_client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_operators_do_not_see_the_queue_view(app_client: TestClient) -> None:
    log_in(app_client, "olga")
    response = app_client.get("/queue")
    assert response.status_code == 403
    assert response.json() == {"detail": "only supervisors see the queue overview"}


def test_session_cookie_is_http_only_and_same_site_lax(app_client: TestClient) -> None:
    response = app_client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "autopass_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_pages_forbid_inline_scripts_and_framing(app_client: TestClient) -> None:
    headers = app_client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
