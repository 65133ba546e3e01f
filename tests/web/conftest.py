"""A migrated store with four users, and a logged-in TestClient of the web app."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autopass.settings import Settings
from autopass.store import dispose_engine, upgrade
from autopass.web import create_app
from tests.web.factories import PASSWORD, add_users

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the test users, copied for each test (migrating and hashing
    passwords every time would be slow)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-template"))
    upgrade(settings)
    add_users(settings)
    dispose_engine(settings.store_url)
    return settings.data_dir / "autopass.db"


@pytest.fixture
def web_settings(tmp_path: Path, store_template: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path / "data", secret_key="test-secret-" + "x" * 20)
    settings.data_dir.mkdir()
    shutil.copy(store_template, settings.data_dir / "autopass.db")
    yield settings
    dispose_engine(settings.store_url)


@pytest.fixture
def settled_dossiers() -> list[int]:
    """Dossier ids handed to the finalize hook, in order."""
    return []


@pytest.fixture
def app_client(web_settings: Settings, settled_dossiers: list[int]) -> Iterator[TestClient]:
    app = create_app(
        web_settings, on_dossier_settled=lambda _, dossier_id: settled_dossiers.append(dossier_id)
    )
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def csrf_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def login() -> Callable:
    return log_in
