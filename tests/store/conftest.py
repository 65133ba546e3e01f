"""Every store test runs on SQLite and on PostgreSQL: the ``store`` fixture is parametrised."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopass.settings import Settings
from autopass.store import dispose_engine, upgrade
from tests.stores import empty_tables


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("sqlite-template"))
    upgrade(settings)
    dispose_engine(settings.store_url)  # closes the last connection: the WAL is checkpointed
    return settings.data_dir / "autopass.db"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of an empty, migrated store of either dialect."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        data_dir.mkdir()
        shutil.copy(request.getfixturevalue("sqlite_template"), data_dir / "autopass.db")
        settings = Settings(data_dir=data_dir)
    else:
        url = request.getfixturevalue("migrated_postgres")
        settings = Settings(data_dir=data_dir, database_url=url)
        empty_tables(url)
    yield settings
    if request.param == "sqlite":
        dispose_engine(settings.store_url)

