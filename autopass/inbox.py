"""The intake inbox: dealers drop dossier folders in; each is processed once, then archived.

Crash safety comes from the order of three steps, each of which survives a kill at any point:

1. **Claim**: an atomic ``rename`` of ``<inbox>/<name>`` into ``<inbox>/.processing/<name>``
   (same filesystem, so it happens entirely or not at all). Only folders untouched for
   ``min_age_seconds`` are claimed, so a folder still being copied in is left alone.
2. **Store**: ``process-dossier`` records the dossier in one transaction. Before processing, a
   folder whose application id is already stored *with the same files* (sha256) is recognised,
   so a folder claimed, stored and then interrupted is not processed a second time.
3. **Archive**: a move into the archive (a rename when on the same filesystem).

After a crash, whatever is left in ``.processing/`` is taken first on the next run. A folder that
is not a readable dossier, or whose processing failed ``MAX_ATTEMPTS`` times, goes to the rejected
folder with an ``error.txt`` naming the problem. One intake at a time per inbox (a file lock that
dies with its process); the Prefect deployment also has a concurrency limit of 1.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from autopass.intake import DossierFolder
from autopass.store.models import Dossier, DossierFile

PROCESSING_DIR = ".processing"
LOCK_FILE = ".intake.lock"
ERROR_FILE = "error.txt"
ATTEMPTS_FILE = ".intake-attempts"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class InboxLayout:
    inbox: Path
    archive: Path
    rejected: Path

    @classmethod
    def of(cls, inbox: Path, archive: Path, rejected: Path | None = None) -> InboxLayout:
        """``rejected`` defaults to a ``rejected`` folder beside the archive."""
        return cls(Path(inbox), Path(archive), Path(rejected or Path(archive).parent / "rejected"))

    @property
    def processing(self) -> Path:
        return self.inbox / PROCESSING_DIR

    def create(self) -> None:
        for folder in (self.inbox, self.processing, self.archive, self.rejected):
            folder.mkdir(parents=True, exist_ok=True)


@contextmanager
def intake_lock(layout: InboxLayout) -> Iterator[bool]:
    """Hold the inbox's lock for this run; yields False when another intake holds it."""
    layout.inbox.mkdir(parents=True, exist_ok=True)
    with open(layout.inbox / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def claim_folders(layout: InboxLayout, *, min_age_seconds: float, limit: int) -> list[Path]:
    """Folders to process now: leftovers of an interrupted run first, then new arrivals."""
    layout.create()
    claimed = _folders_in(layout.processing)
    for folder in _folders_in(layout.inbox):
        if len(claimed) >= limit:
            break
        if not _settled(folder, min_age_seconds):
            continue
        target = layout.processing / folder.name
        try:
            os.rename(folder, target)  # atomic: claimed entirely, or still in the inbox
        except OSError:  # a leftover of the same name is still being processed
            continue
        claimed.append(target)
    return claimed[:limit]


def already_stored(session: Session, dossier: DossierFolder) -> bool:
    """The store holds this application with exactly these files (a run interrupted after
    storing it): processing it again would replace people's work for nothing."""
    stored = session.exec(
        select(Dossier).where(Dossier.application_id == dossier.application.application_id)
    ).first()
    if stored is None:
        return False
    stored_files = {
        row.file: row.sha256
        for row in session.exec(select(DossierFile).where(DossierFile.dossier_id == stored.id))
    }
    return stored_files == {path.name: sha256_of(path) for path in dossier.files}


def archive_folder(layout: InboxLayout, folder: Path) -> Path:
    """Move a stored dossier's folder into the archive; its new path."""
    return _move_into(folder, layout.archive)


def reject_folder(layout: InboxLayout, folder: Path, problem: str) -> Path:
    """Move a folder that cannot become a dossier aside, with ``error.txt`` saying why."""
    (folder / ERROR_FILE).write_text(problem.rstrip() + "\n", encoding="utf-8")
    return _move_into(folder, layout.rejected)


def count_attempt(folder: Path) -> int:
    """One more processing attempt of ``folder``; how many there have been."""
    marker = folder / ATTEMPTS_FILE
    attempts = int(marker.read_text() or 0) + 1 if marker.exists() else 1
    marker.write_text(str(attempts))
    return attempts


def sha256_of(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _folders_in(parent: Path) -> list[Path]:
    """Visible sub-folders, oldest first (the order dealers sent them)."""
    folders = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(folders, key=lambda p: (p.stat().st_mtime, p.name))


def _settled(folder: Path, min_age_seconds: float) -> bool:
    """Nothing in the folder changed for ``min_age_seconds``: the upload is complete."""
    newest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
    return time.time() - newest >= min_age_seconds


def _move_into(folder: Path, parent: Path) -> Path:
    """``parent/<name>``, or ``<name>-2``... when a folder of that name was archived before
    (a dealer sending the same folder name twice)."""
    parent.mkdir(parents=True, exist_ok=True)
    target, suffix = parent / folder.name, 2
    while target.exists():
        target, suffix = parent / f"{folder.name}-{suffix}", suffix + 1
    shutil.move(folder, target)  # a rename on the same filesystem
    return target
