"""The channel-risk and ring pages in a real browser (chromium through Playwright): a supervisor
sees the watched dealer first with its trend, opens a ring and sees its graph, clears the dealer.

With ``AUTOPASS_SCREENSHOTS`` set to a folder, the screenshots are also written there (small
palette PNGs: how ``docs/screenshots/`` was made)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from autopass.settings import Settings
from autopass.store import AuditEvent, RiskFinding, session_scope
from tests.risk.test_channel import BAD, GOOD, NOW, bad_and_good_dealers, rescore, send
from tests.web.test_browser import logged_in_page, served  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def weeks_before(settings: Settings) -> None:
    """Three dossiers a week over eleven weeks per dealer, so the trends have a history: BAD's
    rejects grow week by week, a third dealer's come and go, GOOD's never come."""
    number = 100
    for week in range(1, 12):
        for i in range(3):
            at = NOW - timedelta(days=7 * week + i + 1)
            send(settings, number, BAD, reject=i < (3 if week < 4 else 1 if week < 8 else 0),
                 at=at)
            send(settings, number + 1, "D-MID-003", reject=i == 0 and week % 3 == 0, at=at)
            send(settings, number + 2, GOOD, at=at)
            number += 3


def keep(shot: Path, name: str) -> None:
    """The screenshot as a small palette PNG in ``AUTOPASS_SCREENSHOTS``, when it is set."""
    folder = os.environ.get("AUTOPASS_SCREENSHOTS")
    if folder:
        image = Image.open(shot).convert("RGB").quantize(colors=64)
        image.save(Path(folder) / name, optimize=True)


def test_a_supervisor_reads_channel_risk_opens_a_ring_and_clears_a_dealer(
    served: str, web_settings: Settings, tmp_path: Path  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    weeks_before(web_settings)
    bad_and_good_dealers(web_settings)
    rescore(web_settings)
    with session_scope(web_settings) as session:
        ring = max(session.scalars(sa.select(RiskFinding.id)))
    with logged_in_page(served, "sue") as page:
        page.wait_for_url(f"{served}/queue")  # a supervisor lands on the queue
        page.locator('nav a[href="/channel-risk"]').click()
        dealers = page.locator("#new_car_loan-dealer tbody tr")
        expect(dealers.first).to_contain_text(BAD)
        expect(dealers.first).to_contain_text("受控 Under watch")
        expect(dealers.first.locator("td.trend svg")).to_be_visible()
        box = dealers.first.locator("td.trend svg").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20  # drawn, not empty
        shot = tmp_path / "channel-risk.png"
        page.screenshot(path=str(shot), full_page=True)
        keep(shot, "channel-risk.png")

        page.locator(f'a[href="/rings/{ring}"]').first.click()
        graph = page.locator("#ring-graph svg")
        expect(graph).to_be_visible()
        expect(graph.locator("g.node")).to_have_count(3 + 3 + 1)  # people, dossiers, the phone
        assert graph.bounding_box()["height"] > 150  # type: ignore[index]
        shot = tmp_path / "ring.png"
        page.screenshot(path=str(shot), full_page=True)
        keep(shot, "ring.png")

        page.goto(f"{served}/channel-risk")
        row = page.locator("#new_car_loan-dealer tbody tr").first
        row.locator('input[name="note"]').fill("visited the dealer")
        row.locator('button[type="submit"]').click()
        expect(page.locator(".flash")).to_contain_text(f"Cleared dealer {BAD}")
        first = page.locator("#new_car_loan-dealer tbody tr").first
        expect(first).to_contain_text("cleared by sue")
    assert all(shot.stat().st_size > 10_000 for shot in tmp_path.glob("*.png"))
    with session_scope(web_settings) as session:
        assert session.scalar(sa.select(sa.func.count()).where(
            AuditEvent.action == "channel_cleared", AuditEvent.actor == "sue")) == 1
