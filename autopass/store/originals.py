"""Content-addressed copies of every file a dealer sent, made before any processing.

A file lives at ``<originals_dir>/<sha[:2]>/<sha>``; the same bytes are stored once and an existing
copy is never overwritten, so nothing a dealer sent can be lost or altered afterwards.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autopass.settings import Settings

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredOriginal:
    sha256: str
    path: Path  # absolute path of the stored copy

    @property
    def relative_path(self) -> str:
        """The path recorded in the store, relative to ``Settings.originals_dir``."""
        return relative_original_path(self.sha256)


def relative_original_path(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def original_path(settings: Settings, sha256: str) -> Path:
    """Where the copy of the file with this hash lives."""
    return settings.originals_dir / relative_original_path(sha256)


def store_original(settings: Settings, path: Path) -> StoredOriginal:
    """Copy ``path`` into the originals folder under its sha256, atomically, never overwriting."""
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: not a file, cannot store it as an original")
    folder = settings.originals_dir
    folder.mkdir(parents=True, exist_ok=True)
    # Hash while copying into a temporary file beside the destination: one read of the source.
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
        sha256 = digest.hexdigest()
        destination = original_path(settings, sha256)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not destination.exists():
            # link() fails if the name exists meanwhile, so a concurrent writer is never replaced.
            _publish(Path(temporary), destination)
        return StoredOriginal(sha256=sha256, path=destination)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _publish(temporary: Path, destination: Path) -> None:
    """Give the finished temporary file its final name unless that name already exists."""
    try:
        os.link(temporary, destination)  # fails if the name appeared meanwhile: never replaces
    except FileExistsError:
        return
    except OSError:  # a filesystem without hard links
        if destination.exists():
            return
        os.replace(temporary, destination)
    os.chmod(destination, 0o444)
