"""No cache keeps a page or an API answer: they show full ID and bank-card numbers (the task page,
the next task's JSON, the case file, the daily report), and a shared computer's browser cache or a
proxy must not hand them to the next person. Static files (CSS, script) may be cached."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import record_dossier, session_scope, store_original
from autopass.web.urls import dossier_url
from tests.factories import make_application
from tests.web.conftest import (  # noqa: F401
    app_client,
    log_in,
    settled_dossiers,
    store_template,
    web_settings,
)
from tests.web.factories import result, task_of_kind

APPLICATION_ID = "A-CACHE"
PREVIEW = re.compile(r'<img class="doc-thumb" loading="lazy" src="([^"]+)"')


@pytest.fixture
def dossier(web_settings: Settings, tmp_path: Path) -> str:  # noqa: F811
    """A dossier past its SLA with a stored photo and one open task."""
    photo = tmp_path / "id.jpg"
    Image.new("RGB", (600, 400), (200, 180, 160)).save(photo, "JPEG")
    with session_scope(web_settings) as session:
        record_dossier(session, application=make_application(APPLICATION_ID),
                       result=result(APPLICATION_ID),
                       originals={"id.jpg": store_original(web_settings, photo).sha256},
                       microtasks=[task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "c")],
                       received_at=datetime.now(UTC) - timedelta(minutes=40))
    return APPLICATION_ID


def test_every_page_and_api_answer_says_no_store(
    app_client: TestClient, dossier: str  # noqa: F811
) -> None:
    seen = {
        "log-in form": app_client.get("/login"),
        "anonymous API call": app_client.get("/api/tasks/next"),
        "anonymous page": app_client.get("/tasks", follow_redirects=False),
        "log-in": log_in(app_client, "sam"),
    }
    task_page = app_client.get("/tasks")
    assert "370202198803121230" in task_page.text  # the full number, prefilled: why it matters
    seen |= {
        "task page": task_page,
        "next task (JSON)": app_client.get("/api/tasks/next"),
        "crop": app_client.get(*app_client.get("/api/tasks/next").json()["crops"].values()),
        "dossier search": app_client.get("/dossiers", params={"application_id": dossier},
                                         follow_redirects=False),
        "dossier list": app_client.get("/dossiers"),
        "case file": app_client.get(dossier_url(dossier)),
        "unknown dossier": app_client.get(dossier_url("A-NOBODY")),
        "refused id": app_client.get(f"/dossiers/{dossier}/documents/0"),
        "OpenAPI schema": app_client.get("/openapi.json"),
        "unknown route": app_client.get("/nowhere"),
    }
    seen["document preview"] = app_client.get(PREVIEW.findall(seen["case file"].text)[0])
    app_client.cookies.clear()
    log_in(app_client, "sue")
    seen |= {
        "queue overview": app_client.get("/queue"),
        "dashboard": app_client.get("/dashboard"),
        "latest daily report": app_client.get("/reports/daily", follow_redirects=False),
        "daily report": app_client.get(f"/reports/daily/{datetime.now(UTC).date()}"),
    }
    not_stored = {name: response.headers.get("cache-control") for name, response in seen.items()
                  if "no-store" not in response.headers.get("cache-control", "")}
    assert not_stored == {}
    assert seen["case file"].status_code == 200 and seen["dashboard"].status_code == 200


@pytest.mark.parametrize("name", ["app.css", "dashboard.css", "keys.js"])
def test_static_files_may_be_cached(app_client: TestClient, name: str) -> None:  # noqa: F811
    response = app_client.get(f"/static/{name}")
    assert response.status_code == 200 and "etag" in response.headers
    assert "no-store" not in response.headers.get("cache-control", "")
