"""The data folder is its owner's alone: after processing a dossier nothing in it is open to other
local users.

The hole: the data folder was 0755, ``autopass.db`` (password hashes, unmasked ID and card
numbers) and the crops 0644, the originals 0444: every local user could read them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier, write_dossier
from autopass.settings import Settings, use_settings
from autopass.store import dispose_engine, session_scope
from tests.security.dossiers import keep_umask  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("keep_umask")

OPEN_UMASK = 0o022  # what most processes run with: 0755 folders, 0644 files


@pytest.fixture(scope="module")
def unsigned_dossier(tmp_path_factory: pytest.TempPathFactory, faces_dev_dir: Path | None) -> Path:
    """A generated dossier whose contract is unsigned: its micro-task shows crops."""
    folder = tmp_path_factory.mktemp("samples") / "dossier_0001"
    rng = dossier_rng(7, 1)
    plan = plan_dossier(rng, load_face_source(faces_dev_dir), 0.0, defect="contract_unsigned")
    write_dossier(folder, plan, rng, Difficulty.NORMAL)
    return folder


def modes_under(settings: Settings) -> dict[str, set[str]]:
    """The modes of the data folder and everything in it: folders, originals, other files."""
    found: dict[str, set[str]] = {"folders": set(), "originals": set(), "files": set()}
    for path in [settings.data_dir, *settings.data_dir.rglob("*")]:
        kind = ("folders" if path.is_dir() else
                "originals" if settings.originals_dir in path.parents else "files")
        found[kind].add(oct(stat.S_IMODE(path.lstat().st_mode)))
    return found


def open_to_others(data_dir: Path) -> list[str]:
    return [f"{path} {oct(stat.S_IMODE(path.lstat().st_mode))}"
            for path in [data_dir, *data_dir.rglob("*")] if path.lstat().st_mode & 0o077]


def assert_private(settings: Settings) -> None:
    data_dir = settings.data_dir
    written = {p.relative_to(data_dir).parts[0] for p in data_dir.rglob("*") if p.is_file()}
    assert {"originals", "crops", "autopass.db", "autopass.db-wal", "autopass.db-shm"} <= written
    assert open_to_others(data_dir) == []
    assert modes_under(settings) == {"folders": {"0o700"}, "originals": {"0o400"},
                                     "files": {"0o600"}}


@pytest.mark.usefixtures("prefect_harness")
def test_after_autopass_process_nothing_in_the_data_dir_is_open_to_others(
    tmp_path: Path, unsigned_dossier: Path
) -> None:
    os.umask(OPEN_UMASK)
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)  # an existing data folder, as earlier versions left it
    settings = Settings(data_dir=data_dir)

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(unsigned_dossier), "--json"])

    assert outcome.exit_code == 0, outcome.output
    try:
        assert_private(settings)  # while the store is open: its -wal and -shm files exist
    finally:
        dispose_engine(settings.store_url)


@pytest.mark.usefixtures("prefect_harness")
def test_a_flow_run_outside_the_cli_keeps_the_data_dir_private_whatever_its_umask(
    tmp_path: Path, unsigned_dossier: Path
) -> None:
    """A Prefect worker runs the flow with its own umask: every mode is set explicitly."""
    from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier

    os.umask(OPEN_UMASK)
    settings = Settings(data_dir=tmp_path / "data")

    with use_settings(settings):
        result = process_dossier(ProcessDossierRequest(folder=str(unsigned_dossier)))

    assert result["decision"] == "review"
    try:
        assert_private(settings)
    finally:
        dispose_engine(settings.store_url)


def test_an_existing_store_open_to_others_becomes_private(tmp_path: Path) -> None:
    os.umask(OPEN_UMASK)
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    database = settings.data_dir / "autopass.db"
    sqlite3.connect(database).close()
    wal = database.with_name("autopass.db-wal")
    wal.write_bytes(b"")
    for path in (database, wal):
        path.chmod(0o644)

    try:
        with session_scope(settings):
            modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in (database, wal)}
    finally:
        dispose_engine(settings.store_url)

    assert modes == {"0o600"}
