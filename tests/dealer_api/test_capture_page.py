"""The dealer's capture page (``/capture``) over real HTTP: the key logs in once into the session
cookie, a wrong or revoked key opens nothing, the page's calls to the dealer API need the session's
CSRF token, and a dealer sees only its own dossiers."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import httpx
import pytest

from autopass.settings import Settings
from autopass.store import session_scope
from autopass.store.dealers import list_keys, revoke_key
from tests.dealer_api.conftest import DEALER, OTHER_DEALER, DealerApi, png, start_dealer_api
from tests.web.factories import add_dossier

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CHECK = "/api/v1/captures/check"


@pytest.fixture
def api(web_store: Settings) -> Iterator[DealerApi]:
    yield from start_dealer_api(web_store.model_copy(update={"secret_key": "k" * 40}))


def _csrf(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def _browser(api: DealerApi) -> httpx.Client:
    """A browser-like client: it keeps cookies and sends no key header."""
    return httpx.Client(base_url=api.url, timeout=60)


def _log_in(client: httpx.Client, key: str) -> httpx.Response:
    form = client.get("/capture/login")
    return client.post("/capture/login", data={"key": key, "csrf_token": _csrf(form.text)})


def test_a_wrong_key_cannot_log_in_and_opens_nothing(api: DealerApi) -> None:
    wrong = api.keys[DEALER][:-4] + "AAAA"
    with _browser(api) as client:
        answer = _log_in(client, wrong)
        assert answer.status_code == 401
        assert "密钥无效或已停用 The key is wrong or revoked" in answer.text
        assert wrong not in answer.text  # the key typed is not echoed back
        page = client.get("/capture", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/capture/login")
        assert client.post(CHECK, json={"photo": ""}).status_code == 401
    assert ("anonymous", "dealer_api_refused") in api.actions()


def test_the_key_logs_in_once_into_a_session_cookie_that_never_holds_it(api: DealerApi) -> None:
    with _browser(api) as client:
        answer = _log_in(client, api.keys[DEALER])
        assert (answer.status_code, answer.headers["location"]) == (303, "/capture")
        cookie = answer.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert api.keys[DEALER] not in cookie
        assert api.keys[DEALER].split("_", 2)[2] not in cookie  # not even the secret part (which may hold "_")
        page = client.get("/capture")
        assert page.status_code == 200
        assert 'accept="image/*" capture="environment"' in page.text
        assert api.keys[DEALER] not in page.text
        for label in ("身份证人像面", "身份证国徽面", "驾驶证", "银行卡", "机动车销售统一发票",
                      "贷款合同签字页", "面签照"):
            assert label in page.text  # every required document of new_car_loan
        assert "机动车登记证书" not in page.text  # not required before the loan


def test_the_pages_calls_need_its_csrf_token(api: DealerApi) -> None:
    with _browser(api) as client:
        _log_in(client, api.keys[DEALER])
        token = _csrf(client.get("/capture").text)
        body = {"photo": "", "expected_type": "bank_card"}
        refused = client.post(CHECK, json=body)
        assert refused.status_code == 403
        assert refused.json()["detail"] == ("CSRF token missing or wrong: reload the page and "
                                            "try again")
        photo = base64.b64encode(png("card")).decode()
        checked = client.post(CHECK, json={**body, "photo": photo},
                              headers={"X-CSRF-Token": token})
        assert checked.status_code == 200, checked.text
        assert checked.json()["ok"] is False  # a drawn word is no bank card
        cross_site = client.post(CHECK, json=body, headers={
            "X-CSRF-Token": token, "Origin": "http://evil.example"})
        assert cross_site.status_code == 403
    assert api.actions().count((f"dealer:{DEALER}", "dealer_api_call")) >= 1


def test_a_revoked_key_ends_the_session(api: DealerApi) -> None:
    with _browser(api) as client:
        _log_in(client, api.keys[DEALER])
        assert client.get("/capture").status_code == 200
        with session_scope(api.settings) as session:
            [row] = [key for key in list_keys(session) if key.dealer_id == DEALER]
            revoke_key(session, prefix=row.prefix)
        assert client.get("/capture", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/dossiers/A1").status_code == 401
        assert _log_in(client, api.keys[DEALER]).status_code == 401


def test_a_dealer_sees_only_its_own_dossiers(api: DealerApi) -> None:
    add_dossier(api.settings, "A-OURS-1", [], dealer_id=DEALER)
    add_dossier(api.settings, "A-THEIRS-1", [], dealer_id=OTHER_DEALER)
    with _browser(api) as client:
        _log_in(client, api.keys[DEALER])
        page = client.get("/capture").text
        assert "A-OURS-1" in page and "A-THEIRS-1" not in page
        assert client.get("/api/v1/dossiers/A-OURS-1").status_code == 200
        theirs = client.get("/api/v1/dossiers/A-THEIRS-1")
        assert theirs.status_code == 404
        assert theirs.json()["detail"] == f"no dossier A-THEIRS-1 of dealer {DEALER}"


def test_logging_out_ends_the_session(api: DealerApi) -> None:
    with _browser(api) as client:
        _log_in(client, api.keys[DEALER])
        token = _csrf(client.get("/capture").text)
        out = client.post("/capture/logout", data={"csrf_token": token})
        assert (out.status_code, out.headers["location"]) == (303, "/capture/login")
        assert client.get("/capture", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/dossiers/A1").status_code == 401
