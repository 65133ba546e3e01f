"""A session cookie copied before log-out, a new password or a deactivation opens nothing after."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings
from autopass.store import find_user, session_scope, set_active, set_password
from autopass.web.auth import SESSION_COOKIE
from tests.security.conftest import ClientFor
from tests.web.conftest import csrf_of, log_in

NEW_PASSWORD = "battery-staple-42"


def _logged_in_cookie(client: TestClient, username: str) -> str:
    page = log_in(client, username)
    assert page.status_code == 200, page.text
    return client.cookies[SESSION_COOKIE]


def _opens_pages(client_for: ClientFor, cookie: str) -> bool:
    """Whether ``cookie``, used from another browser, opens the task page and the API."""
    other = client_for(address="10.9.9.9")
    other.cookies.set(SESSION_COOKIE, cookie)
    page = other.get("/tasks", follow_redirects=False)
    api = other.get("/api/tasks/next")
    assert (page.status_code == 200) == (api.status_code in (200, 204)), (page, api)
    return page.status_code == 200


def test_a_copied_cookie_works_while_the_session_holds(
    web_client: TestClient, client_for: ClientFor
) -> None:
    """The control: the copy is refused below because of what happened, not by itself."""
    assert _opens_pages(client_for, _logged_in_cookie(web_client, "olga"))


def test_a_cookie_copied_before_log_out_is_refused_after(
    web_client: TestClient, client_for: ClientFor
) -> None:
    cookie = _logged_in_cookie(web_client, "olga")
    tasks = web_client.get("/tasks")
    logout = web_client.post("/logout", data={"csrf_token": csrf_of(tasks.text)},
                             follow_redirects=False)
    assert logout.headers["location"] == "/login"
    assert not _opens_pages(client_for, cookie)
    assert log_in(web_client, "olga").status_code == 200  # logging in again works


def test_a_cookie_copied_before_a_new_password_is_refused_after(
    web_client: TestClient, client_for: ClientFor, web_store: Settings
) -> None:
    cookie = _logged_in_cookie(web_client, "olga")
    runner = CliRunner()
    with use_settings(web_store):
        changed = runner.invoke(app, ["users", "password", "olga"],
                                env={"AUTOPASS_NEW_PASSWORD": NEW_PASSWORD})
    assert changed.exit_code == 0, changed.output
    assert not _opens_pages(client_for, cookie)
    assert web_client.get("/tasks", follow_redirects=False).headers["location"] == "/login"
    assert _opens_pages(client_for, _logged_in_cookie_with(web_client, "olga", NEW_PASSWORD))


def _logged_in_cookie_with(client: TestClient, username: str, password: str) -> str:
    assert log_in(client, username, password).status_code == 200
    return client.cookies[SESSION_COOKIE]


def test_a_cookie_copied_before_deactivation_stays_refused_after_reactivation(
    web_client: TestClient, client_for: ClientFor, web_store: Settings
) -> None:
    cookie = _logged_in_cookie(web_client, "olga")
    with session_scope(web_store) as session:
        set_active(session, username="olga", active=False)
    with session_scope(web_store) as session:
        set_active(session, username="olga", active=True)
    assert not _opens_pages(client_for, cookie)
    assert _opens_pages(client_for, _logged_in_cookie(web_client, "olga"))


def test_the_store_moves_the_session_version_on_each_change(web_store: Settings) -> None:
    with session_scope(web_store) as session:
        start = _session_version(session)
        set_password(session, username="olga", password=NEW_PASSWORD)
        set_active(session, username="olga", active=False)
        set_active(session, username="olga", active=False)  # no change: no new version
        set_active(session, username="olga", active=True)
    with session_scope(web_store) as session:
        assert _session_version(session) == start + 3


def _session_version(session: Session) -> int:
    user = find_user(session, username="olga")
    assert user is not None
    return user.session_version


def test_a_stale_cookie_cannot_log_the_user_out_of_their_new_session(
    web_client: TestClient, client_for: ClientFor
) -> None:
    """The stale copy holds its own CSRF token (the cookie is signed, not encrypted), but a
    log-out with it does not end the sessions of the user it no longer belongs to."""
    stale = _logged_in_cookie(web_client, "olga")
    web_client.post("/logout", data={"csrf_token": csrf_of(web_client.get("/tasks").text)})
    fresh = _logged_in_cookie(web_client, "olga")
    thief = client_for(address="10.6.6.6")
    thief.cookies.set(SESSION_COOKIE, stale)
    payload = json.loads(base64.b64decode(stale.split(".")[0]))
    thief.post("/logout", data={"csrf_token": payload["csrf"]}, follow_redirects=False)
    assert _opens_pages(client_for, fresh)
