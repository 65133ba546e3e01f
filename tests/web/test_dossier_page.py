"""Looking a dossier up: its case file for seniors and supervisors, never for operators."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import AuditEvent, record_dossier, session_scope, store_original
from tests.factories import make_application
from tests.web.conftest import log_in
from tests.web.factories import add_dossier, result, task_of_kind

LATE_ID = "A20261128000999"


def _late_dossier(settings: Settings) -> None:
    """Received 35 minutes ago (its 30-minute SLA is past), one confirm_field task open."""
    add_dossier(settings, LATE_ID, [task_of_kind(settings, MicroTaskKind.CONFIRM_FIELD, "late")],
                received_at=datetime.now(UTC) - timedelta(minutes=35))


def test_a_supervisor_reads_where_a_dossier_stands_with_the_id_number_masked(
    app_client: TestClient, web_settings: Settings
) -> None:
    _late_dossier(web_settings)
    queue = log_in(app_client, "sue")
    assert f'href="/dossiers/{LATE_ID}"' in queue.text  # the queue's SLA list links to it

    page = app_client.get(f"/dossiers/{LATE_ID}")
    assert page.status_code == 200
    case = page.text.split('id="case-file"')[1]
    assert "等待人工 Waiting for people" in case
    assert "1 个任务未完成 tasks not settled" in case
    assert "超时 5" in case  # minutes past the SLA deadline
    assert "id_number_readable" in case and "low confidence" in case  # the check in doubt
    assert "confirm_field" in case and "id_card_front.id_number" in case
    assert "3702**********1230" in case
    assert "370202198803121230" not in page.text  # the full number is nowhere on the page
    timeline = case.split('id="timeline"')[1]
    assert "dossier_recorded" in timeline and "task_created" in timeline


def test_a_senior_finds_a_dossier_by_its_application_id(
    app_client: TestClient, web_settings: Settings
) -> None:
    _late_dossier(web_settings)
    log_in(app_client, "sam")
    found = app_client.get("/dossiers", params={"application_id": f" {LATE_ID} "},
                           follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == f"/dossiers/{LATE_ID}"

    listed = app_client.get("/dossiers")
    assert listed.status_code == 200
    assert f'href="/dossiers/{LATE_ID}"' in listed.text.split('id="recent-dossiers"')[1]

    for missing in (app_client.get("/dossiers", params={"application_id": "A-NOBODY"}),
                    app_client.get("/dossiers/A-NOBODY")):
        assert missing.status_code == 404
        assert 'id="not-found"' in missing.text and "A-NOBODY" in missing.text


def test_operators_clear_tasks_and_do_not_browse_dossiers(
    app_client: TestClient, web_settings: Settings
) -> None:
    _late_dossier(web_settings)
    page = log_in(app_client, "olga")
    assert 'href="/dossiers"' not in page.text  # no menu entry
    assert app_client.get("/dossiers").status_code == 403
    assert app_client.get(f"/dossiers/{LATE_ID}").status_code == 403
    app_client.cookies.clear()
    anonymous = app_client.get(f"/dossiers/{LATE_ID}", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 307)
    assert anonymous.headers["location"].startswith("/login")


def test_each_document_is_shown_whole_and_who_opened_the_dossier_is_on_its_trail(
    app_client: TestClient, web_settings: Settings, tmp_path: Path
) -> None:
    photo = tmp_path / "id.jpg"
    Image.new("RGB", (2400, 1500), (200, 180, 160)).save(photo, "JPEG")
    with session_scope(web_settings) as session:
        record_dossier(session, application=make_application("A-PHOTO"), result=result("A-PHOTO"),
                       originals={"id.jpg": store_original(web_settings, photo).sha256})
    _late_dossier(web_settings)  # its original was never stored: nothing to show

    log_in(app_client, "sue")
    page = app_client.get("/dossiers/A-PHOTO").text
    [source] = re.findall(r'<img class="doc-thumb" loading="lazy" src="([^"]+)"', page)
    image = app_client.get(source)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.headers["cache-control"] == "private, no-store"
    assert Image.open(io.BytesIO(image.content)).size == (1200, 750)  # at most 1200 px a side

    document_id = source.rsplit("/", 1)[1]
    missing = app_client.get(f"/dossiers/{LATE_ID}/documents/{int(document_id) + 1}")
    assert missing.status_code == 404 and "cannot be shown" in missing.text
    assert app_client.get(f"/dossiers/{LATE_ID}/documents/{document_id}").status_code == 404
    with session_scope(web_settings) as session:
        viewed = session.exec(select(AuditEvent).where(AuditEvent.action == "dossier_viewed")).all()
        assert [(event.actor, event.dossier_id is not None) for event in viewed] == [("sue", True)]

    app_client.cookies.clear()
    log_in(app_client, "olga")
    assert app_client.get(source).status_code == 403


def test_a_supervisor_lists_one_dealer_s_dossiers_in_one_status(
    app_client: TestClient, web_settings: Settings
) -> None:
    review = [task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "f")]
    add_dossier(web_settings, "A-QD-WAITING", review, dealer_id="D-QD-017")
    add_dossier(web_settings, "A-QD-DECIDED", [], dealer_id="D-QD-017")
    add_dossier(web_settings, "A-SH-WAITING", review, dealer_id="D-SH-031")
    log_in(app_client, "sue")

    def listed(**filters: str) -> list[str]:
        page = app_client.get("/dossiers", params=filters)
        assert page.status_code == 200
        return re.findall(r'<td class="mono"><a href="/dossiers/([^"]+)"', page.text)

    assert listed(dealer_id="D-QD-017") == ["A-QD-DECIDED", "A-QD-WAITING"]  # last changed first
    assert listed(dealer_id="D-QD-017", status="waiting_for_people") == ["A-QD-WAITING"]
    assert listed(status="waiting_for_people") == ["A-SH-WAITING", "A-QD-WAITING"]
    assert listed(salesperson_id="S-0442", status="failed") == []
    assert app_client.get("/dossiers", params={"status": "lost"}).status_code == 422
    dashboard = app_client.get("/dashboard").text
    assert 'href="/dossiers?dealer_id=D-QD-017"' in dashboard  # the dealer table links here
