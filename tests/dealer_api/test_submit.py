"""POST /api/v1/dossiers over real HTTP: accepted dossiers, idempotency, keys, dealers kept apart,
bad input refused with a clear 4xx and nothing stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import socket
import stat
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import DealerSubmission, session_scope
from autopass.store.dealers import revoke_key
from tests.dealer_api.conftest import (
    DEALER,
    DOSSIERS,
    OTHER_DEALER,
    DealerApi,
    application,
    multipart,
    png,
    start_dealer_api,
)
from tests.web.conftest import log_in
from tests.web.factories import add_dossier, task_of_kind

APPLICATION_ID = "A20261128000123"


def test_a_dossier_sent_as_multipart_is_checked_accepted_and_followed(
        dealer_api: DealerApi) -> None:
    with dealer_api.client() as client:
        answer = client.post(DOSSIERS, files=multipart())
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["application_id"] == APPLICATION_ID and body["status"] == "received"
        assert body["url"] == f"{DOSSIERS}/{APPLICATION_ID}" == answer.headers["location"]
        followed = client.get(body["url"])
    assert followed.status_code == 200, followed.text
    assert followed.json()["status"] in ("received", "processing")
    [(submission_id, folder)] = dealer_api.handed_over(1)
    assert sorted(p.name for p in folder.iterdir()) == ["application.json", "bank.png",
                                                       "id_front.png"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert dealer_api.actions()[-3:] == [
        (f"dealer:{DEALER}", "dealer_api_call"), (f"dealer:{DEALER}", "dossier_submitted"),
        (f"dealer:{DEALER}", "dealer_api_call")]


def test_a_dossier_sent_as_json_with_base64_files_is_accepted(dealer_api: DealerApi) -> None:
    files = [{"name": "id_front.png", "content_base64": base64.b64encode(png()).decode()}]
    with httpx.Client(base_url=dealer_api.url,
                      headers={"X-Api-Key": dealer_api.keys[DEALER]}) as client:
        answer = client.post(DOSSIERS, json={"application": application(), "files": files})
    assert answer.status_code == 202, answer.text
    [(_, folder)] = dealer_api.handed_over(1)
    assert json.loads((folder / "application.json").read_text())["dealer_id"] == DEALER
    assert (folder / "id_front.png").read_bytes() == png()


def test_the_same_idempotency_key_gives_the_first_answer_and_no_second_processing(
        dealer_api: DealerApi) -> None:
    with dealer_api.client() as client:
        first = client.post(DOSSIERS, files=multipart(), headers={"Idempotency-Key": "k-1"})
        again = client.post(DOSSIERS, files=multipart(), headers={"Idempotency-Key": "k-1"})
        other = client.post(DOSSIERS, headers={"Idempotency-Key": "k-1"},
                            files=multipart(files={"id_front.png": png("another")}))
    assert first.status_code == again.status_code == 202, again.text
    assert first.json() == again.json()
    assert other.status_code == 422
    assert other.json()["detail"] == ("Idempotency-Key 'k-1' was used for another request; use "
                                      "a new key for a new dossier")
    assert len(dealer_api.handed_over(2)) == 1
    assert dealer_api.counts() == {"submissions": 1, "dossiers": 0, "uploads": 0}
    with dealer_api.client(OTHER_DEALER) as client:  # keys are per dealer: no clash
        theirs = client.post(DOSSIERS, headers={"Idempotency-Key": "k-1"}, files=multipart(
            application(application_id="A2", dealer_id=OTHER_DEALER)))
    assert theirs.status_code == 202, theirs.text


def test_calls_without_a_valid_key_are_401_and_the_staff_session_opens_nothing(
        dealer_api: DealerApi) -> None:
    with session_scope(dealer_api.settings) as session:
        revoked = revoke_key(session, prefix=dealer_api.keys[OTHER_DEALER].split("_")[1])
    assert revoked.revoked_at is not None
    wrong = dealer_api.keys[DEALER][:-2] + ("xy" if not dealer_api.keys[DEALER].endswith("xy")
                                            else "zz")
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Bearer {wrong}"},
                    {"X-Api-Key": wrong},
                    {"Authorization": f"Bearer {dealer_api.keys[OTHER_DEALER]}"}):
        with httpx.Client(base_url=dealer_api.url, headers=headers) as client:
            posted = client.post(DOSSIERS, files=multipart())
            got = client.get(f"{DOSSIERS}/{APPLICATION_ID}")
        assert (posted.status_code, got.status_code) == (401, 401), headers
        assert posted.headers["www-authenticate"] == "Bearer"
    with httpx.Client(base_url=dealer_api.url) as browser:  # a logged-in operator's cookie
        log_in(browser, "olga")  # type: ignore[arg-type]
        assert browser.get(f"{DOSSIERS}/{APPLICATION_ID}").status_code == 401
    assert dealer_api.counts() == {"submissions": 0, "dossiers": 0, "uploads": 0}
    assert [a for a in dealer_api.actions() if a[1] == "dealer_api_refused"] == \
        [("anonymous", "dealer_api_refused")] * 11


def test_a_dealer_acts_and_sees_for_itself_only(dealer_api: DealerApi) -> None:
    add_dossier(dealer_api.settings, "A-THEIRS", [task_of_kind(
        dealer_api.settings, MicroTaskKind.CHECK_SIGNATURE, "theirs")], dealer_id=DEALER)
    with dealer_api.client(OTHER_DEALER) as client:
        not_theirs = client.post(DOSSIERS, files=multipart())  # the application says D-QD-017
        taken = client.post(DOSSIERS, files=multipart(
            application(application_id="A-THEIRS", dealer_id=OTHER_DEALER)))
        hidden = client.get(f"{DOSSIERS}/A-THEIRS")
        missing = client.get(f"{DOSSIERS}/A-NOBODY")
    assert not_theirs.status_code == 403
    assert not_theirs.json()["detail"] == (
        "application.json: dealer_id 'D-QD-017' is not the dealer of this API key")
    assert taken.status_code == 403
    assert taken.json()["detail"] == "application A-THEIRS is another dealer's dossier"
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == f"no dossier A-THEIRS of dealer {OTHER_DEALER}"
    assert dealer_api.counts() == {"submissions": 0, "dossiers": 1, "uploads": 0}
    with dealer_api.client() as client:
        assert client.get(f"{DOSSIERS}/A-THEIRS").json()["status"] == "waiting_for_people"


BAD_UPLOADS: list[tuple[str, dict, int, str]] = [
    ("empty file", {"files": multipart(files={"id.png": b""})}, 422,
     "id.png: file is empty (0 bytes)"),
    ("not an image", {"files": multipart(files={"id.jpg": b"MZ\x90\x00 a program"})}, 422,
     "id.jpg: not a JPEG, PNG or PDF file (its content is something else)"),
    ("a path", {"files": multipart(files={"../id.png": png()})}, 422,
     "file name '../id.png': a file name, not a path (no '/' or '\\')"),
    ("a folder", {"files": multipart(files={"a/id.png": png()})}, 422,
     "file name 'a/id.png': a file name, not a path (no '/' or '\\')"),
    ("dots", {"files": multipart(files={"..": png()})}, 422,
     "file name '..': a file name, not a path (no '/' or '\\')"),
    ("hidden", {"files": multipart(files={".id.png": png()})}, 422,
     "file name '.id.png': hidden files (starting with '.') are not documents"),
    ("suffix", {"files": multipart(files={"id.exe": png()})}, 422,
     "file name 'id.exe': documents are .jpg, .jpeg, .png or .pdf files"),
    ("twice", {"files": multipart(files={"id.png": png()}) + [("files", ("id.png", png(), "-"))]},
     422, "file name 'id.png': sent twice"),
    ("malformed application.json", {"files": multipart(b'{"application_id": ')}, 422,
     "application.json: malformed JSON at line 1 column 20: Expecting value"),
    ("application schema", {"files": multipart(application(loan="much"))}, 422,
     "application.json: loan: Input should be a valid dictionary or instance of Loan"),
    ("no application", {"files": multipart()[1:]}, 422, "application.json: missing"),
    ("no documents", {"files": multipart(files={})}, 422,
     "-: no document images (.jpg, .jpeg, .png or .pdf) in the folder"),
    ("malformed JSON body", {"content": b'{"application": ', "headers": {
        "Content-Type": "application/json"}}, 422, "malformed JSON body: (body): Invalid JSON: "
     "EOF while parsing a value at line 1 column 16"),
    ("bad base64", {"json": {"application": application(), "files": [
        {"name": "id.png", "content_base64": "%%%"}]}}, 422,
     "file 'id.png': content_base64 is not base64"),
    ("a form field", {"files": multipart(), "data": {"note": "hi"}}, 422,
     "form field 'note': expected application.json and document files only"),
    ("not multipart", {"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415,
     "send multipart/form-data or application/json"),
    ("a file over AUTOPASS_MAX_FILE_BYTES", {"files": multipart(files={
        "big.png": b"\x89PNG" + b"0" * 200_000})}, 413,
     "file 'big.png' is larger than 200000 bytes (AUTOPASS_MAX_FILE_BYTES)"),
]


def test_bad_uploads_are_refused_with_a_clear_4xx_and_nothing_stored(
        dealer_api: DealerApi) -> None:
    with dealer_api.client() as client:
        for case, request, status, detail in BAD_UPLOADS:
            answer = client.post(DOSSIERS, **request)
            assert (answer.status_code, answer.json()["detail"]) == (status, detail), case
    assert dealer_api.counts() == {"submissions": 0, "dossiers": 0, "uploads": 0}
    assert dealer_api.submitted == []


@pytest.fixture
def throttled_api(web_store: Settings) -> Iterator[DealerApi]:
    yield from start_dealer_api(web_store.model_copy(update={"dealer_api_rate_limit": 3}))


def test_a_key_past_its_rate_limit_is_429_with_retry_after(throttled_api: DealerApi) -> None:
    with throttled_api.client() as client:
        answers = [client.get(f"{DOSSIERS}/A-NOBODY") for _ in range(5)]
        throttled_post = client.post(DOSSIERS, files=multipart())
    with throttled_api.client(OTHER_DEALER) as client:
        other_key = client.get(f"{DOSSIERS}/A-NOBODY")
    assert [a.status_code for a in answers] == [404, 404, 404, 429, 429]
    assert throttled_post.status_code == 429 and other_key.status_code == 404
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert answers[-1].json()["detail"].startswith("more than 3 calls in 60 s with this key")
    assert throttled_api.counts()["submissions"] == 0
    throttled = [a for a in throttled_api.actions() if a[1] == "dealer_api_throttled"]
    assert throttled == [(f"dealer:{DEALER}", "dealer_api_throttled")] * 3
    with session_scope(throttled_api.settings) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(DealerSubmission)) == 0


def test_a_declared_body_over_the_upload_limit_is_413_before_it_is_sent(
        dealer_api: DealerApi) -> None:
    """The upload route's own limit (AUTOPASS_MAX_UPLOAD_BYTES), above the app's 1 MiB... and
    still refused from the Content-Length alone."""
    url = urlsplit(dealer_api.url)
    head = (f"POST {DOSSIERS} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {dealer_api.keys[DEALER]}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            "Content-Length: 1000001\r\n\r\n").encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(head)  # and not one byte of the body
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert reply.endswith(b'{"detail":"request body larger than 1000000 bytes"}')
    assert dealer_api.counts() == {"submissions": 0, "dossiers": 0, "uploads": 0}


def test_a_dossier_above_the_app_wide_limit_goes_through_on_the_upload_route(
        dealer_api: DealerApi) -> None:
    """The app's other routes take 100 kB here (AUTOPASS_MAX_REQUEST_BYTES); a dossier more."""
    assert dealer_api.settings.max_request_bytes == 100_000
    files = {f"page{n}.png": png(f"page {n}") + b"\0" * 60_000 for n in range(6)}
    with dealer_api.client() as client:
        answer = client.post(DOSSIERS, files=multipart(files=files))
        elsewhere = client.post("/api/tasks/1/answer", content=b"0" * 100_001)
    assert answer.status_code == 202, answer.text
    assert elsewhere.status_code == 413
