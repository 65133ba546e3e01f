"""The supervisor dashboard and daily report pages, in a TestClient and in a real browser."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from autopass.reports import beijing_day
from autopass.settings import Settings
from autopass.store import dispose_engine, session_scope, utc_now
from autopass.web import create_app
from tests.operations.factories import DAY, prepare_store
from tests.web.factories import PASSWORD, add_users

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture
def web_settings(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 20)
    prepare_store(settings)
    add_users(settings)
    yield settings
    dispose_engine(settings.store_url)


def _log_in(client, username: str) -> None:  # type: ignore[no-untyped-def]
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})


def test_only_supervisors_see_the_dashboard_and_reports(web_settings):
    from fastapi.testclient import TestClient

    with TestClient(create_app(web_settings)) as client:
        assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login"
        _log_in(client, "olga")
        assert client.get("/dashboard").status_code == 403
        assert client.get(f"/reports/daily/{DAY}").status_code == 403


def test_daily_report_page_shows_the_figures(web_settings):
    from fastapi.testclient import TestClient

    with TestClient(create_app(web_settings)) as client:
        _log_in(client, "sue")
        page = client.get(f"/reports/daily/{DAY}")
    assert page.status_code == 200
    html = page.text
    assert '<span class="stat-value" id="stp-rate">20.0%</span>' in html
    assert '<span class="stat-value" id="sla-attainment">60.0%</span>' in html
    assert '<span class="stat-value" id="tasks-per-dossier">0.80</span>' in html
    assert "confirm_field: 45.0 s" in html  # the bar's title
    assert "张伟" not in html


@pytest.mark.browser
def test_dashboard_renders_its_charts_in_a_browser(web_settings, time_machine):
    from playwright.sync_api import expect, sync_playwright

    from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port

    # Three weeks after the factories' DAY: its dossiers are out of the 14-day trend, so each
    # series is one unbroken line over the recent days (with DAY inside, a gap splits it in two).
    time_machine.move_to(datetime.fromisoformat(f"{DAY}T12:00:00+08:00") + timedelta(days=21))
    _add_recent_days(web_settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(web_settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1360, "height": 1400})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            missing: list[str] = []
            page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "sue")
            page.fill("input[name=password]", PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/queue")
            page.goto(f"{base}/dashboard")
            expect(page.locator("#trend-chart svg polyline")).to_have_count(2)
            expect(page.locator("#dealer-chart svg rect.bar")).to_have_count(3)
            assert page.locator("#trend-chart svg").bounding_box()["width"] > 600
            expect(page.locator("#depth-open")).to_have_text("1")
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / "dashboard.png"), full_page=True)
            page.goto(f"{base}/reports/daily/{DAY}")
            expect(page.locator("#seconds-chart svg rect.bar")).to_have_count(2)
            page.screenshot(path=str(SCREENSHOT_DIR / "daily_report.png"), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []  # no CSP violation


def _add_recent_days(settings: Settings) -> None:
    """Dossiers over the last days, so the trend has lines (received relative to now)."""
    from autopass.dossier import Decision
    from autopass.store import record_dossier
    from tests.operations.factories import application, result

    now = utc_now()
    with session_scope(settings) as session:
        for days_ago in range(6):
            for n in range(4):
                received = now - timedelta(days=days_ago, hours=1, minutes=n)
                decision = Decision.AUTO_PASS if (n + days_ago) % 3 else Decision.REJECT
                application_id = f"R{days_ago}{n}"
                record_dossier(
                    session,
                    application=application(application_id, f"D{n % 3 + 1}", f"S{n}"),
                    result=result(application_id, decision, None),
                    originals={"id_back.jpg": "i" * 64, "registration.jpg": "r" * 64},
                    received_at=received,
                    now=received + timedelta(minutes=5 + 10 * (n == 3)),
                )
    assert beijing_day(now)
