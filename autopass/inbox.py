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

Whoever drops folders in the inbox is not trusted with anything beyond them: only real folders
are claimed (a symbolic link in the inbox is never followed, nor claimed), ``.processing`` is the
intake's own (``0700``), a dossier's files are read as the door reads them (``autopass.files``: no
links, pipes or devices; such a folder is rejected), and the files the intake writes into a
folder (``error.txt``, the attempts counter) replace whatever has their name, never writing
through a link planted there.
"""

from __future__ import annotations

import errno
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

from autopass.dossier_folder import DossierFolder
from autopass.errors import FileRefused
from autopass.files import open_regular_file
from autopass.private_data import PRIVATE_DIR_MODE, keep_private, private_dir, write_private_file
from autopass.store.models import Dossier, DossierFile

PROCESSING_DIR = ".processing"
LOCK_FILE = ".intake.lock"
ERROR_FILE = "error.txt"
ATTEMPTS_FILE = ".intake-attempts"
MAX_ATTEMPTS = 3
_MARKER_BYTES = 20  # the attempts counter: a number


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
        for folder in (self.inbox, self.archive, self.rejected):
            folder.mkdir(parents=True, exist_ok=True)
        private_dir(self.processing)  # claimed folders are out of the dropper's reach
        keep_private(self.processing, PRIVATE_DIR_MODE)


@contextmanager
def intake_lock(layout: InboxLayout) -> Iterator[bool]:
    """Hold the inbox's lock for this run; yields False when another intake holds it."""
    layout.inbox.mkdir(parents=True, exist_ok=True)
    lock = layout.inbox / LOCK_FILE
    try:  # never through a link planted under the lock's name (it would create its target)
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused(lock, "is a symbolic link: the intake's lock must be a file of "
                              "its own (remove the link)") from None
        raise
    with os.fdopen(descriptor, "r+b") as handle:
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
    write_private_file(folder / ERROR_FILE, (problem.rstrip() + "\n").encode("utf-8"))
    return _move_into(folder, layout.rejected)


def count_attempt(folder: Path) -> int:
    """One more processing attempt of ``folder``; how many there have been."""
    marker = folder / ATTEMPTS_FILE
    try:
        with open_regular_file(marker, max_bytes=_MARKER_BYTES) as handle:
            attempts = int(handle.read() or 0) + 1
    except (FileNotFoundError, FileRefused, ValueError):  # none yet, or not ours: start over
        attempts = 1
    write_private_file(marker, str(attempts).encode())
    return attempts


def sha256_of(path: Path) -> str:
    with open_regular_file(path) as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _folders_in(parent: Path) -> list[Path]:
    """Visible sub-folders, oldest first (the order dealers sent them); a symbolic link, even to a
    folder, is not one."""
    with os.scandir(parent) as entries:
        folders = [Path(entry.path) for entry in entries
                   if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")]
    return sorted(folders, key=lambda p: (p.lstat().st_mtime, p.name))


def _settled(folder: Path, min_age_seconds: float) -> bool:
    """Nothing in the folder changed for ``min_age_seconds``: the upload is complete. Links are
    not followed (a dangling one is just a name)."""
    newest = max([folder.lstat().st_mtime, *(p.lstat().st_mtime for p in folder.iterdir())])
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
