"""Any application id reaches its dossier: the dealer's system spells ids as it likes, and a ``/``
(a 404: the router saw two path segments), an id ``..`` (the browser took it for the folder
above) or a ``%`` must not hide a dossier from the senior the dealer is phoning.

A real server: Starlette's TestClient decodes a URL's path twice (``unquote`` of httpx's already
decoded ``url.path``), where servers decode it once."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import httpx
from PIL import Image

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import record_dossier, session_scope, store_original
from autopass.web.urls import dossier_url
from tests.factories import make_application
from tests.security.served import served, web_app
from tests.web.conftest import log_in, store_template, web_settings  # noqa: F401
from tests.web.factories import result, task_of_kind

ODD_IDS = ["A/1", "A%2F1", "a b", "青岛/01", "..", ".", "A/../B", "X/documents/1", "?x=1&y#z",
           "A\\1", "100%", "+"]
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')
BROWSER_DOT_SEGMENTS = {".", "%2e", "..", ".%2e", "%2e.", "%2e%2e"}
PREVIEW = re.compile(r'<img class="doc-thumb" loading="lazy" src="([^"]+)"')


@pytest.fixture
def client(web_settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:  # noqa: F811
    """A client of the web app, served, on a store with a dossier for each odd id (past its SLA:
    the queue page lists it), its photo stored."""
    photo = tmp_path / "id.jpg"
    Image.new("RGB", (600, 400), (200, 180, 160)).save(photo, "JPEG")
    sha256 = store_original(web_settings, photo).sha256
    with session_scope(web_settings) as session:
        for number, application_id in enumerate(ODD_IDS):
            task = task_of_kind(web_settings, MicroTaskKind.CHECK_SIGNATURE, f"odd{number}")
            record_dossier(session, application=make_application(application_id),
                           result=result(application_id), originals={"id.jpg": sha256},
                           microtasks=[task],
                           received_at=datetime.now(UTC) - timedelta(minutes=40 + number))
    with served(web_app(web_settings)) as url, httpx.Client(base_url=url) as client:
        yield client


def test_the_search_leads_to_each_dossier(client: httpx.Client) -> None:
    log_in(client, "sam")  # type: ignore[arg-type]
    for application_id in ODD_IDS:
        found = client.get("/dossiers", params={"application_id": application_id})
        assert found.status_code == 303, application_id
        _assert_is_the_dossier_of(client, found.headers["location"], application_id)


@pytest.mark.parametrize("listing", ["/dossiers", "/queue", "/dashboard"])
def test_the_lists_link_each_dossier(client: httpx.Client, listing: str) -> None:
    log_in(client, "sue")  # type: ignore[arg-type]
    links = {html.unescape(text): html.unescape(href)
             for href, text in LINK.findall(client.get(listing).text)}
    shown = [application_id for application_id in ODD_IDS if application_id in links]
    assert len(shown) == (10 if listing == "/dashboard" else len(ODD_IDS))  # its top 10
    for application_id in shown:
        _assert_is_the_dossier_of(client, links[application_id], application_id)


def test_each_dossier_shows_its_documents(client: httpx.Client) -> None:
    log_in(client, "sam")  # type: ignore[arg-type]
    for application_id in ODD_IDS:
        location = client.get("/dossiers", params={"application_id": application_id}
                              ).headers["location"]
        [source] = PREVIEW.findall(client.get(location).text)
        source = html.unescape(source)
        _assert_browsers_keep(source)
        image = client.get(source)
        assert (image.status_code, image.headers["content-type"]) == (200, "image/jpeg"), source


def test_an_unknown_id_with_a_slash_is_not_found(client: httpx.Client) -> None:
    log_in(client, "sam")  # type: ignore[arg-type]
    page = client.get(dossier_url("A/NOBODY"))
    assert page.status_code == 404 and 'id="not-found"' in page.text
    assert '<span class="mono">A/NOBODY</span>' in page.text


def _assert_is_the_dossier_of(client: httpx.Client, url: str, application_id: str) -> None:
    _assert_browsers_keep(url)
    page = client.get(url)
    assert page.status_code == 200, (application_id, url)
    heading = f'<h1>卷宗 Dossier <span class="mono">{html.escape(application_id)}</span></h1>'
    assert heading in page.text, (application_id, url)


def _assert_browsers_keep(url: str) -> None:
    """A browser rewrites no segment of the URL's path: none is a dot segment (the URL standard
    counts "%2e" as a dot), none holds a "\\" (which browsers turn into "/")."""
    for segment in urlsplit(url).path.split("/")[1:]:
        assert segment.lower() not in BROWSER_DOT_SEGMENTS, url
        assert "\\" not in segment, url
