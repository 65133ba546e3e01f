"""Password guessing is throttled per username and per client address, counted in the store (so
every web worker counts the same failures), and each failure is on the audit trail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from autopass.settings import Settings
from autopass.store import (
    AuditEvent,
    login_refused_until,
    record_login_failure,
    session_scope,
    utc_now,
)
from autopass.web.routes.pages import BUSY_LOGIN, TOO_MANY_LOGINS, WRONG_LOGIN
from tests.security.conftest import ClientFor
from tests.web.conftest import log_in

WRONG = "not-the-password"
ADDRESS = "testclient"  # the TestClient's address as the server sees it


def _fail(client: TestClient, username: str, times: int) -> None:
    for _ in range(times):
        response = log_in(client, username, WRONG)
        assert (response.status_code, WRONG_LOGIN in response.text) == (401, True)


def _login_failures(settings: Settings) -> list[tuple[str, dict[str, str]]]:
    with session_scope(settings) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id)
        ).all()
        return [(event.actor, event.detail) for event in events]


def _record_failures(settings: Settings, username: str, count: int, ago: timedelta,
                     address: str = ADDRESS) -> None:
    """Failures as if typed ``ago`` (the clock is explicit, nobody sleeps)."""
    with session_scope(settings) as session:
        for _ in range(count):
            record_login_failure(session, settings=settings, username=username, address=address,
                                 at=utc_now() - ago)


def test_after_five_wrong_passwords_the_right_one_is_refused_unchecked(
    web_client: TestClient, web_store: Settings
) -> None:
    _fail(web_client, "olga", 5)
    refused = log_in(web_client, "olga")
    assert refused.status_code == 429
    assert TOO_MANY_LOGINS in refused.text
    assert 890 <= int(refused.headers["Retry-After"]) <= 900  # the window: 15 minutes
    assert web_client.get("/tasks", follow_redirects=False).headers["location"] == "/login"
    assert log_in(web_client, "olga", WRONG).status_code == 429  # nor is a wrong one counted
    assert _login_failures(web_store) == [("olga", {"address": ADDRESS})] * 5


def test_each_failure_is_on_the_audit_trail_without_the_password(
    web_client: TestClient, web_store: Settings
) -> None:
    _fail(web_client, "olga", 1)
    _fail(web_client, "Nobody ", 1)  # an unknown user counts too, as typed (lower-cased)
    assert _login_failures(web_store) == [("olga", {"address": ADDRESS}),
                                          ("nobody", {"address": ADDRESS})]
    with session_scope(web_store) as session:
        assert all(WRONG not in str(event.detail) for event in session.exec(select(AuditEvent)))


def test_the_refusal_ends_when_the_window_has_passed(
    client_for: ClientFor, web_store: Settings
) -> None:
    _record_failures(web_store, "olga", 5, ago=timedelta(minutes=14))
    refused = log_in(client_for(), "olga")
    assert refused.status_code == 429
    assert 55 <= int(refused.headers["Retry-After"]) <= 60
    _record_failures(web_store, "otto", 5, ago=timedelta(minutes=15, seconds=1))
    assert log_in(client_for(), "otto").status_code == 200


def test_the_window_is_counted_from_the_failures_times(web_store: Settings) -> None:
    start = utc_now() - timedelta(hours=1)
    window = timedelta(seconds=web_store.login_failure_window_seconds)
    with session_scope(web_store) as session:
        for second in range(5):
            record_login_failure(session, settings=web_store, username="olga", address=ADDRESS,
                                 at=start + timedelta(seconds=second))

        def refused_at(now: timedelta) -> object:
            return login_refused_until(session, settings=web_store, username="olga",
                                       address="10.1.1.1", now=start + now)

        assert refused_at(timedelta(seconds=4)) == start + window
        assert refused_at(window - timedelta(microseconds=1)) == start + window
        assert refused_at(window) is None  # the oldest left the window: four remain


def test_another_user_from_the_same_address_is_refused_after_the_address_limit(
    client_for: ClientFor,
) -> None:
    """Eight failures over two usernames (four each: under the username limit) from one address."""
    guesser = client_for(login_max_failures_per_address=8)
    _fail(guesser, "olga", 4)
    _fail(guesser, "nobody", 4)
    refused = log_in(client_for(login_max_failures_per_address=8), "sue")
    assert refused.status_code == 429
    elsewhere = client_for(address="10.2.2.2", login_max_failures_per_address=8)
    assert log_in(elsewhere, "sue").status_code == 200  # the limit is the address's, not sue's


def test_a_success_does_not_reset_another_user_s_count(client_for: ClientFor) -> None:
    _fail(client_for(), "olga", 4)
    assert log_in(client_for(), "sue").status_code == 200
    _fail(client_for(), "olga", 1)
    assert log_in(client_for(), "olga").status_code == 429


def test_a_user_s_own_success_starts_their_count_again(client_for: ClientFor) -> None:
    _fail(client_for(), "olga", 4)
    assert log_in(client_for(), "olga").status_code == 200
    _fail(client_for(), "olga", 4)
    assert log_in(client_for(), "olga").status_code == 200


def test_the_username_limit_holds_across_addresses(client_for: ClientFor) -> None:
    """A guesser who changes address still has five guesses per username per window."""
    for number in range(5):
        _fail(client_for(address=f"10.3.3.{number}"), "olga", 1)
    assert log_in(client_for(address="10.3.3.99"), "olga").status_code == 429


def test_log_ins_beyond_the_password_checks_at_once_wait_then_are_told_to_retry(
    client_for: ClientFor,
) -> None:
    """With every password-check slot taken, a log-in waits its turn, then gets 503: parallel
    log-ins cannot hold every thread and core of the server."""
    client = client_for(login_concurrent_checks=1, login_check_wait_seconds=0.2)
    slots: threading.Semaphore = client.app.state.password_checks  # type: ignore[attr-defined]
    assert slots.acquire(timeout=1)  # a log-in of someone else is being checked
    try:
        busy = log_in(client, "olga")
    finally:
        slots.release()
    assert (busy.status_code, busy.headers["Retry-After"]) == (503, "1")
    assert BUSY_LOGIN in busy.text
    assert log_in(client, "olga").status_code == 200


@pytest.mark.parametrize("limit", [1, 3])
def test_the_limits_are_settings(client_for: ClientFor, limit: int) -> None:
    client = client_for(login_max_failures=limit)
    _fail(client, "olga", limit)
    assert log_in(client, "olga").status_code == 429
