"""Shared fixtures: isolated settings, a fresh PostgreSQL database, the development face set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopass.settings import Settings

SHARED_FACES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "faces-dev"
POSTGRES_ADMIN_URL = os.environ.get(
    "AUTOPASS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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
