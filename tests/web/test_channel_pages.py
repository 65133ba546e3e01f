"""The channel-risk and ring pages (#28 item 6): seniors and supervisors only, numbers masked,
charts drawn on the server (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from autopass.settings import Settings
from autopass.store import RiskFinding, session_scope
from autopass.web import create_app
from tests.risk.helpers import application
from tests.risk.test_channel import BAD, GOOD, SHARED_PHONE, bad_and_good_dealers, rescore
from tests.web.conftest import log_in

EXTERNAL = re.compile(r"""(?:src|href)=["']https?://""")


@pytest.fixture
def client(web_store: Settings) -> Iterator[TestClient]:
    app = create_app(web_store, on_dossier_settled=lambda *_: None)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def ring_finding(settings: Settings) -> int:
    """The finding that names the whole ring (the last of the three dossiers sharing a phone)."""
    with session_scope(settings) as session:
        return max(session.scalars(sa.select(RiskFinding.id)))


def test_an_operator_gets_403_on_the_channel_and_ring_pages(
    web_store: Settings, client: TestClient
) -> None:
    bad_and_good_dealers(web_store)
    finding = ring_finding(web_store)
    log_in(client, "olga")
    assert client.get("/channel-risk").status_code == 403
    assert client.get(f"/rings/{finding}").status_code == 403
    assert "/channel-risk" not in client.get("/tasks").text  # not in an operator's menu


def test_dealers_and_salespeople_ranked_with_their_trends_and_watch(
    web_store: Settings, client: TestClient
) -> None:
    bad_and_good_dealers(web_store)
    rescore(web_store)
    log_in(client, "sue")
    page = client.get("/channel-risk")
    assert page.status_code == 200
    html = page.text
    table = html[html.index('id="new_car_loan-dealer"'):html.index('id="new_car_loan-salesperson"')]
    assert table.index(BAD) < table.index(GOOD)  # the riskiest first
    assert table.count("受控 Under watch") == 1 and "/clear" in table
    assert table.count('<svg class="chart"') == 2  # a trend per dealer
    assert "0.31" in table  # BAD's score over 30 days
    assert not EXTERNAL.search(html)  # nothing from a CDN
    assert f"/rings/{ring_finding(web_store)}" in html

    log_in(client, "sam")  # a senior sees the page, without the clearing form
    seen = client.get("/channel-risk")
    assert seen.status_code == 200 and "受控 Under watch" in seen.text
    assert "/clear" not in seen.text


def test_the_ring_page_draws_people_dossiers_and_links_numbers_masked(
    web_store: Settings, client: TestClient
) -> None:
    bad_and_good_dealers(web_store)
    log_in(client, "sam")
    page = client.get(f"/rings/{ring_finding(web_store)}")
    assert page.status_code == 200
    html = page.text
    svg = html[html.index('<svg class="chart ring-graph"'):html.index("</svg>")]
    for n in (1, 2, 3):  # each dossier and its applicant, masked
        app = application(n)
        assert app.application_id in svg
        assert "申**" in svg and f"3702**********{n:04d}" in svg
        assert app.applicant.id_number not in html
    assert "1381***2222" in svg and SHARED_PHONE not in html
    assert svg.count("<line") == 3 + 3  # each applicant to their dossier, each dossier to the phone
    assert not EXTERNAL.search(html)
    assert client.get("/rings/999999").status_code == 404
