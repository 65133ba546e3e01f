"""Intake: folders claimed, stored once, archived; a real SIGKILL in the middle loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from autopass.inbox import PROCESSING_DIR, InboxLayout, claim_folders
from autopass.settings import Settings
from autopass.store import DOSSIER_RESUBMITTED, AuditEvent, Dossier, dispose_engine, session_scope
from tests.factories import APPLICATION

PROJECT = Path(__file__).resolve().parents[2]

def drop_dossiers(inbox: Path, count: int, first: int = 0) -> list[str]:
    """Tiny dossiers whose photos are unreadable: each becomes a stored `review` result quickly.
    Numbered from ``first`` (folder ``dossier-<number>``, its own application id)."""
    ids = dossier_ids(count, first)
    for number, application_id in zip(range(first, first + count), ids, strict=True):
        folder = inbox / f"dossier-{number}"
        folder.mkdir(parents=True)
        (folder / "application.json").write_text(
            json.dumps({**APPLICATION, "application_id": application_id}), encoding="utf-8"
        )
        (folder / "front.jpg").write_bytes(f"not a photo {number}".encode())
    return ids


def dossier_ids(count: int, first: int = 0) -> list[str]:
    """The application ids of the dossiers ``drop_dossiers`` numbers ``first`` onwards."""
    return [f"A2026112800{number:04d}" for number in range(first, first + count)]


def _written_now(folder: Path) -> None:
    """Date the upload by the process's clock, not the filesystem's: a fresh upload stays fresh
    when the suite runs with a moved clock (``pytest --clock``)."""
    now = time.time()
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (now, now))


def test_claim_takes_leftovers_first_and_leaves_fresh_uploads(tmp_path):
    layout = InboxLayout.of(tmp_path / "inbox", tmp_path / "archive")
    drop_dossiers(layout.inbox, 2)
    for upload in layout.inbox.iterdir():
        _written_now(upload)
    (layout.processing / "left-over").mkdir(parents=True)
    fresh = claim_folders(layout, min_age_seconds=3600, limit=10)
    assert [p.name for p in fresh] == ["left-over"]
    claimed = claim_folders(layout, min_age_seconds=0, limit=10)
    assert [p.name for p in claimed] == ["left-over", "dossier-0", "dossier-1"]
    assert sorted(p.name for p in layout.inbox.iterdir()) == [".processing"]
    assert layout.rejected == tmp_path / "rejected"


def _intake(settings: Settings, layout: InboxLayout, api_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "AUTOPASS_DATA_DIR": str(settings.data_dir),
        "PREFECT_API_URL": api_url,  # the test session's Prefect server: no ephemeral start-up
        "PREFECT_LOGGING_LEVEL": "ERROR",
    }
    env.pop("AUTOPASS_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "autopass", "intake", "run", "--inbox", str(layout.inbox),
         "--archive", str(layout.archive), "--min-age", "0"],
        cwd=PROJECT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _stored_count(settings: Settings) -> int:
    if not (settings.data_dir / "autopass.db").exists():
        return 0
    try:
        with session_scope(settings) as session:
            return len(session.exec(select(Dossier.id)).all())
    except OperationalError:  # the child is still creating the store's tables
        return 0


@pytest.mark.usefixtures("prefect_harness")
def test_intake_killed_in_the_middle_loses_nothing_and_stores_nothing_twice(tmp_path):
    from prefect.settings import get_current_settings

    settings = Settings(data_dir=tmp_path / "data")
    layout = InboxLayout.of(tmp_path / "inbox", tmp_path / "archive")
    application_ids = drop_dossiers(layout.inbox, 3)
    (layout.inbox / "broken").mkdir()
    (layout.inbox / "broken" / "application.json").write_text("{oops", encoding="utf-8")
    api_url = str(get_current_settings().api.url)

    first = _intake(settings, layout, api_url)
    deadline = time.monotonic() + 60
    while _stored_count(settings) < 1:  # the first dossier has just been committed
        assert first.poll() is None, f"intake ended before it was killed:\n{first.stdout.read()}"
        assert time.monotonic() < deadline, "no dossier stored within 60 s"
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    left = [p.name for p in (layout.inbox).iterdir() if not p.name.startswith(".")]
    left += [p.name for p in layout.processing.iterdir()]
    assert left, "the kill came too late: nothing was left to recover"

    second = _intake(settings, layout, api_url)
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output

    dispose_engine(settings.store_url)
    assert sorted(p.name for p in layout.archive.iterdir()) == [f"dossier-{n}" for n in range(3)]
    assert [p.name for p in layout.processing.iterdir()] == []
    assert sorted(p.name for p in layout.inbox.iterdir()) == [".intake.lock", PROCESSING_DIR]
    assert (layout.rejected / "broken" / "error.txt").read_text(encoding="utf-8") == (
        "broken: application.json: malformed JSON at line 1 column 2: "
        "Expecting property name enclosed in double quotes\n"
    )
    with session_scope(settings) as session:
        stored = sorted(d.application_id for d in session.exec(select(Dossier)))
        recorded = session.exec(
            select(AuditEvent.action).where(AuditEvent.action.in_(  # type: ignore[attr-defined]
                ["dossier_recorded", DOSSIER_RESUBMITTED]))
        ).all()
    assert stored == application_ids
    assert sorted(recorded) == ["dossier_recorded"] * 3  # none processed a second time
