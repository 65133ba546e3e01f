"""Content-addressed copies of every file a dealer sent, made before any processing.

A file lives at ``<originals_dir>/<sha[:2]>/<sha>``; the same bytes are stored once and an existing
copy is never overwritten, so nothing a dealer sent can be lost or altered afterwards. A copy is
its owner's alone and read-only (``0400``, in ``0700`` folders). Only a regular file of its own is
copied (``autopass.files``), and no more bytes than AUTOPASS_MAX_FILE_BYTES: the dossier's door
checked both, and a file swapped since is refused here all the same.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from autopass.errors import FileRefused
from autopass.files import open_regular_file
from autopass.private_data import READ_ONLY_FILE_MODE, private_dir
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
    """Copy ``path`` into the originals folder under its sha256, atomically, never overwriting.

    ``FileRefused`` when ``path`` is not a regular file of its own or is above the size limit.
    """
    source = Path(path)
    try:
        reader = open_regular_file(source, max_bytes=settings.max_file_bytes)
    except FileNotFoundError:
        raise FileNotFoundError(f"{source}: not a file, cannot store it as an original") from None
    with reader:
        return _copy_in(settings, source, reader)


def _copy_in(settings: Settings, source: Path, reader: BinaryIO) -> StoredOriginal:
    folder = private_dir(settings.originals_dir)
    # Hash while copying into a temporary file beside the destination: one read of the source.
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as writer:
            # At most one byte more than the limit: a file grown since it was opened stops here.
            while chunk := reader.read(min(_CHUNK, settings.max_file_bytes + 1 - writer.tell())):
                digest.update(chunk)
                writer.write(chunk)
            if writer.tell() > settings.max_file_bytes:
                raise FileRefused(source, "grew above the limit of "
                                  f"{settings.max_file_bytes} bytes (AUTOPASS_MAX_FILE_BYTES) "
                                  "while it was being copied")
            writer.flush()
            os.fsync(writer.fileno())
        sha256 = digest.hexdigest()
        destination = original_path(settings, sha256)
        private_dir(destination.parent)
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
    os.chmod(destination, READ_ONLY_FILE_MODE)
