"""Request bodies over ``max_request_bytes`` are refused with 413 before they are read whole: an
anonymous 200 MB POST used to sit in the server's memory before its 401."""

from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.web.body_limit import too_large
from tests.security.served import served, web_app
from tests.web.conftest import csrf_of, log_in, store_template, web_settings  # noqa: F401
from tests.web.factories import add_dossier, task_of_kind

LIMIT = 64 * 1024  # a small limit keeps the chunked test short
HUGE = 200 * 1024 * 1024
CHUNK = 16 * 1024
STREAMED = 16 * 1024 * 1024  # what the chunked test sends at most (the old server read it all)
ANSWER = "/api/tasks/1/answer"
JSON_ANSWER = b'{"signed": true}'


@pytest.fixture
def limited(web_settings: Settings) -> Settings:  # noqa: F811
    return web_settings.model_copy(update={"max_request_bytes": LIMIT})


@pytest.fixture
def server(limited: Settings) -> Iterator[tuple[str, int]]:
    """(host, port) of the web app behind a real server."""
    with served(web_app(limited)) as url:
        parts = urlsplit(url)
        yield parts.hostname, parts.port  # type: ignore[misc]


def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(
    server: tuple[str, int],
) -> None:
    with socket.create_connection(server, timeout=10) as connection:
        connection.sendall(_head(f"Content-Length: {HUGE}"))  # and not one byte of the body
        reply = _read_reply(connection)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert reply.endswith(f'{{"detail":"{too_large(LIMIT)}"}}'.encode())
    assert b"no-store" in reply  # the security headers wrap the refusal too
    assert b"connection: close" in reply.lower()  # not kept open to read the rest


def test_a_streamed_body_is_refused_once_it_passes_the_limit(server: tuple[str, int]) -> None:
    chunk = b"%x\r\n%s\r\n" % (CHUNK, b"x" * CHUNK)
    sent = 0
    with socket.create_connection(server, timeout=10) as connection:
        connection.sendall(_head("Transfer-Encoding: chunked"))
        try:
            while sent < STREAMED and not select.select([connection], [], [], 0.005)[0]:
                connection.sendall(chunk)
                sent += CHUNK
            else:
                if sent >= STREAMED:
                    connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were sending
        reply = _read_reply(connection)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert b"connection: close" in reply.lower()
    assert sent < STREAMED  # answered long before the end


def test_the_app_reads_no_byte_of_a_declared_body_over_the_limit(limited: Settings) -> None:
    pulled = asyncio.run(_call(web_app(limited), declared=HUGE, body=HUGE))
    assert pulled == (413, 0)


def test_the_app_reads_a_streamed_body_only_up_to_the_limit(limited: Settings) -> None:
    status, read = asyncio.run(_call(web_app(limited), declared=None, body=HUGE))
    assert status == 413 and LIMIT < read <= LIMIT + CHUNK


def test_a_body_of_the_limit_goes_through(limited: Settings) -> None:
    """Anonymous: the app reads it, then refuses the caller (401), not the size."""
    assert asyncio.run(_call(web_app(limited), declared=LIMIT, body=LIMIT)) == (401, LIMIT)
    assert asyncio.run(_call(web_app(limited), declared=None, body=LIMIT)) == (401, LIMIT)


def test_answers_still_go_through(limited: Settings) -> None:
    """The default limit too: an answer through the API and through the page's form."""
    for settings in (limited, limited.model_copy(update={"max_request_bytes": 1024 * 1024})):
        add_dossier(settings, f"A-{settings.max_request_bytes}", [
            task_of_kind(settings, MicroTaskKind.CHECK_SIGNATURE, f"{n}") for n in range(2)])
        with TestClient(web_app(settings), base_url="http://testserver") as client:
            token = csrf_of(log_in(client, "olga").text)
            task = client.get("/api/tasks/next").json()
            answered = client.post(f"/api/tasks/{task['id']}/answer", json={"signed": True},
                                   headers={"X-CSRF-Token": token})
            assert answered.status_code == 200 and answered.json()["settled"], answered.text
            page = client.get("/tasks").text
            form = {"csrf_token": csrf_of(page), "signed": "yes"}
            task_id = page.split('data-task-id="')[1].split('"')[0]
            submitted = client.post(f"/tasks/{task_id}/answer", data=form, follow_redirects=False)
            assert (submitted.status_code, submitted.headers["location"]) == (303, "/tasks")


def _head(length_header: str) -> bytes:
    return (f"POST {ANSWER} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{length_header}\r\n\r\n").encode()


def _read_reply(connection: socket.socket) -> bytes:
    """The server's whole reply (it closes the connection: the body was not read to its end)."""
    reply = b""
    while chunk := connection.recv(65536):
        reply += chunk
    return reply


async def _call(app: FastAPI, *, declared: int | None, body: int) -> tuple[int, int]:
    """POST an answer of ``body`` bytes (JSON and blanks) to the app as a server would, in chunks,
    declaring ``declared`` bytes in Content-Length (or none); the response's status and how many
    bytes the app pulled."""
    headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": ANSWER, "raw_path": ANSWER.encode(), "root_path": "",
        "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    pulled = 0
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if statuses or pulled >= body:
            return {"type": "http.disconnect"}
        size = min(CHUNK, body - pulled)
        chunk = (JSON_ANSWER if pulled == 0 else b"").ljust(size)  # then JSON's blanks
        pulled += size
        return {"type": "http.request", "body": chunk, "more_body": pulled < body}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0], pulled
