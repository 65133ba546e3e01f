"""A migrated store of either dialect holding the test users (``tests.web.factories``), signed
with a strong key: a plugin (``tests/conftest.py``) for the suites that test both databases."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from autopass.settings import Settings
from autopass.store import dispose_engine, get_engine, upgrade
from tests.web.factories import add_users

SECRET_KEY = secrets.token_urlsafe(48)


@pytest.fixture(scope="session")
def users_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store with the test users, copied for each test."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("security-template"))
    upgrade(settings)
    add_users(settings)
    dispose_engine(settings.store_url)
    return settings.data_dir / "autopass.db"


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    upgrade(Settings(data_dir=tmp_path_factory.mktemp("security-pg"), database_url=postgres_url))
    return postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def web_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a migrated store holding only the test users (tests/web/factories.USERS)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("users_sqlite_template"), data_dir / "autopass.db")
        settings = Settings(data_dir=data_dir, secret_key=SECRET_KEY)
    else:
        url = request.getfixturevalue("migrated_postgres")
        settings = Settings(data_dir=data_dir, database_url=url, secret_key=SECRET_KEY)
        empty_tables(url)
        add_users(settings)
    yield settings
    if request.param == "sqlite":
        dispose_engine(settings.store_url)


def empty_tables(url: str) -> None:
    """Every table of the PostgreSQL store at ``url`` emptied, ids restarted (one database serves
    a session's tests)."""
    names = ", ".join(table.name for table in SQLModel.metadata.sorted_tables)
    with get_engine(url).begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
