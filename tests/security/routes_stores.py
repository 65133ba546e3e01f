"""The web app on either store, for the route tests of ``tests/security``: a SQLite file (a copied
template) or a PostgreSQL database (migrated once, emptied for each test), each with the users of
``tests.web.factories``.

Test modules import the fixtures they use with the ones these depend on (``any_store``,
``migrated_postgres``, ``sqlite_users``).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from sqlmodel import SQLModel

from autopass.settings import Settings
from autopass.store import dispose_engine, get_engine, upgrade
from autopass.web import create_app
from tests.web.factories import add_users

SECRET_KEY = "test-secret-" + "x" * 20


@pytest.fixture(scope="session")
def sqlite_users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the test users, copied for each test."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("security-sqlite"))
    upgrade(settings)
    add_users(settings)
    dispose_engine(settings.store_url)
    return settings.data_dir / "autopass.db"


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    upgrade(Settings(data_dir=tmp_path_factory.mktemp("security-pg"), database_url=postgres_url))
    return postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a migrated store of either dialect holding only the test users."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_users"), data_dir / "autopass.db")
        settings = Settings(data_dir=data_dir, secret_key=SECRET_KEY)
    else:
        url = request.getfixturevalue("migrated_postgres")
        _empty_tables(url)
        settings = Settings(data_dir=data_dir, database_url=url, secret_key=SECRET_KEY)
        add_users(settings)
    yield settings
    if request.param == "sqlite":
        dispose_engine(settings.store_url)


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


def _empty_tables(url: str) -> None:
    names = ", ".join(table.name for table in SQLModel.metadata.sorted_tables)
    with get_engine(url).begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
