"""Shared fixtures: isolated settings, a fresh PostgreSQL database, the development face set."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from autopass.settings import Settings

SHARED_FACES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "faces-dev"
pytest_plugins = ["tests.stores"]
POSTGRES_ADMIN_URL = os.environ.get(
    "AUTOPASS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock", metavar="ISO-DATETIME",
        help="run as if it were this moment (the clock ticks on from there): a test that passes "
        "today and fails on another day reads the real clock where it should set its own",
    )


def pytest_configure(config: pytest.Config) -> None:
    """``--clock``: travel before anything is collected, so every fixture sees the moved clock."""
    moment = config.getoption("--clock")
    if moment:
        import time_machine

        traveller = time_machine.travel(datetime.fromisoformat(moment), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data dir and SQLite store live in this test's temporary folder."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def faces_dev_dir() -> Path | None:
    """../shared/datasets/faces-dev when present; None elsewhere (callers fall back)."""
    return SHARED_FACES if (SHARED_FACES / "identities.csv").exists() else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    from autopass.store.db import temporary_postgres_database

    with temporary_postgres_database(POSTGRES_ADMIN_URL, "autopass_test") as url:
        yield url


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for the whole session (it takes ~15 s to start here)."""
    from autopass.settings import prepare_prefect_environment

    prepare_prefect_environment(Settings(data_dir=tmp_path_factory.mktemp("prefect-data")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


class DealerSystem(ThreadingHTTPServer):
    """A dealer's system receiving Autopass's webhook: keeps each POST, answers ``status``."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _DealerHandler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 204

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/autopass/notices"


class _DealerHandler(BaseHTTPRequestHandler):
    server: DealerSystem

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet: the test asserts what arrived."""


def with_webhook(settings: Settings, url: str, secret: str | None = None) -> Settings:
    """``settings`` with the dealer webhook set (validated, as from the environment)."""
    return Settings.model_validate({**settings.model_dump(), "dealer_webhook_url": url,
                                    "dealer_webhook_secret": secret})


@pytest.fixture
def dealer_system() -> Iterator[DealerSystem]:
    """A local HTTP server standing for a dealer's system (the webhook's receiver)."""
    server = DealerSystem()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
