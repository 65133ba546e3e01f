"""A real server for the route tests of ``tests/security``: the TestClient runs requests one after
another and reads a whole body before the app sees it, which hides races and body limits."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from autopass.settings import Settings
from autopass.web import create_app


def web_app(settings: Settings) -> FastAPI:
    """The web app; a settled dossier is not finalized (no flow runs in these tests)."""
    return create_app(settings, on_dossier_settled=lambda *_: None)


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` behind a real uvicorn server on a free local port, its base URL (the TestClient
    runs requests one after another, and reads a request's whole body before the app sees it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()

