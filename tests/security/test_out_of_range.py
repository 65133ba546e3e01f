"""Numbers no database row can have, in a URL: 422 or 404, never a 500. An id past PostgreSQL's
``integer`` (2^31 - 1) or SQLite's 64-bit integers made the database driver fail, and a report
day at the calendar's edge made the day before or after it overflow."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import autopass.web.routes
from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from tests.security.served import web_app
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import add_dossier, task_of_kind

TOO_LARGE = [2**31, 2**63, 10**30]  # past PostgreSQL's integer, past SQLite's, past both
NOT_AN_ID = [0, -1]
APPLICATION_ID = "A-RANGE"
FORM_ROUTES = ("/tasks/",)  # the page's forms; the rest take JSON or nothing
JSON_BODIES = {  # a body each route accepts, so that only the id can be wrong
    "/api/tasks/{task_id}/answer": {"signed": True},
    "/api/tasks/{task_id}/release": {"reason": "x"},
    "/api/tasks/{task_id}/new-photo": {"reason": "x"},
}
SUPERVISOR_ROUTES = ("/channel-risk/",)  # a senior is refused them before any id is looked at
FORM_FIELDS = {
    "/channel-risk/watches/{watch_id}/clear": {"reason": "x"},
    "/qa/{review_id}/answer": {},
    "/tasks/{task_id}/answer": {"signed": "yes"},
    "/tasks/{task_id}/skip": {"reason": "unsure"},
    "/tasks/{task_id}/new-photo": {},
}


def _routes_with_integer_ids() -> list[tuple[str, str, str]]:
    """(method, path, name of the int parameter) of every route of the web app."""
    found = []
    for module_info in pkgutil.iter_modules(autopass.web.routes.__path__):
        module = importlib.import_module(f"autopass.web.routes.{module_info.name}")
        for route in module.router.routes:
            if not isinstance(route, APIRoute):
                continue
            for param in route.dependant.path_params:
                if param.field_info.annotation is int:
                    found += [(method, route.path, param.name) for method in route.methods]
    return sorted(found)


ROUTES = _routes_with_integer_ids()


def test_the_routes_with_integer_ids_are_all_known() -> None:
    """A new route with an integer id joins the test below with a body it accepts."""
    assert len(ROUTES) == 14
    for method, path, _ in ROUTES:
        assert method == "GET" or path in JSON_BODIES or path in FORM_FIELDS, path


@pytest.fixture
def client(web_store: Settings) -> Iterator[TestClient]:
    """A senior (who may open dossiers and clear tasks) holding a task, logged in."""
    add_dossier(web_store, APPLICATION_ID,
                [task_of_kind(web_store, MicroTaskKind.CHECK_SIGNATURE, "range")])
    app = web_app(web_store)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        log_in(client, "sam")
        assert client.get("/api/tasks/next").status_code == 200
        yield client


@pytest.fixture
def supervisor(web_store: Settings) -> Iterator[TestClient]:
    with TestClient(web_app(web_store), base_url="http://testserver",
                    raise_server_exceptions=False) as client:
        log_in(client, "sue")
        yield client


def test_an_id_no_row_can_have_is_refused_before_the_database(
    client: TestClient, supervisor: TestClient
) -> None:
    """Every route with an integer id, every number: 422 naming the id (the failures listed)."""
    wrong = []
    for method, path, name in ROUTES:
        if path.startswith(SUPERVISOR_ROUTES):
            parts, asking = _request_parts(supervisor, path), supervisor
        else:
            parts, asking = _request_parts(client, path), client
        for number in TOO_LARGE + NOT_AN_ID:
            others = {other: 1 for _, route, other in ROUTES if route == path}  # ids that fit
            url = path.format(application_id=APPLICATION_ID, slot="portrait", item_id="i1",
                              **{**others, name: number})
            response = asking.request(method, url, **parts)
            if response.status_code != 422 or response.json()["detail"][0]["loc"] != [
                "path", name
            ]:
                wrong.append((method, url, response.status_code, response.text[:80]))
    assert wrong == []


def test_a_known_task_id_still_reaches_its_route(client: TestClient) -> None:
    """The same requests with a real id get past the id (the limit is not set too low)."""
    task_id = client.get("/api/tasks/next").json()["id"]
    crop = client.get(f"/tasks/{task_id}/crops/portrait")
    assert crop.status_code == 404 and "no crop 'portrait'" in crop.text  # its crop is "document"
    release = client.post(f"/api/tasks/{task_id}/release",
                          **_request_parts(client, "/api/tasks/{task_id}/release"))
    assert release.status_code == 200 and release.json()["state"] == "open"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_report_day_at_the_calendar_s_edge_is_not_found(web_store: Settings, day: str) -> None:
    with TestClient(web_app(web_store), raise_server_exceptions=False) as client:
        log_in(client, "sue")
        response = client.get(f"/reports/daily/{day}")
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": f"no daily report for {day}: too far from today"}


@pytest.mark.parametrize("day", ["0001-01-02", "9999-12-30"])
def test_a_report_day_next_to_the_edge_is_shown(web_store: Settings, day: str) -> None:
    with TestClient(web_app(web_store), raise_server_exceptions=False) as client:
        log_in(client, "sue")
        response = client.get(f"/reports/daily/{day}")
    assert response.status_code == 200, response.text


def _request_parts(client: TestClient, path: str) -> dict[str, Any]:
    """The body and CSRF token a POST to ``path`` needs (a GET needs neither)."""
    token = csrf_of(client.get("/tasks").text)
    if path in JSON_BODIES:
        return {"json": JSON_BODIES[path], "headers": {"X-CSRF-Token": token}}
    if path in FORM_FIELDS:
        return {"data": {**FORM_FIELDS[path], "csrf_token": token}}
    return {}
