"""The data folder is its owner's alone: it holds unmasked ID and card numbers, password hashes and
every photo dealers sent.

Folders Autopass creates there are ``0700`` and files ``0600`` (originals ``0400``: never
changed); the data folder itself, when it already exists and is ours, loses any access it gave
others. Modes are set explicitly, whatever the umask of the process (a Prefect worker keeps its
own); the CLI also sets ``PRIVATE_UMASK`` so what libraries create there (Prefect's home, SQLite's
``-wal`` and ``-shm``) is private too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autopass.settings import Settings

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
READ_ONLY_FILE_MODE = 0o400  # originals: the owner reads them, nobody changes them


def use_private_umask() -> None:
    """Files and folders this process creates from now on are its user's alone."""
    os.umask(PRIVATE_UMASK)


def secure_data_dir(settings: Settings) -> Path:
    """The data folder, created ``0700``, or made so when it exists and belongs to us."""
    folder = private_dir(settings.data_dir.expanduser())
    keep_private(folder, PRIVATE_DIR_MODE)
    return folder


def private_dir(folder: Path) -> Path:
    """``folder``, with every missing folder on the way created ``0700`` (existing ones are left
    as they are: they may not be ours)."""
    missing, existing = [], folder
    while not existing.exists():
        missing.append(existing)
        existing = existing.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # created meanwhile by another process: not ours to change
            continue
        os.chmod(new, PRIVATE_DIR_MODE)  # mkdir's mode went through the umask
    return folder


def private_file(path: Path) -> Path:
    """``path``, created empty and ``0600`` unless it exists (then made so when it is ours): for a
    file a library writes next (the SQLite store)."""
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         PRIVATE_FILE_MODE))
    except FileExistsError:
        keep_private(path)
    return path


def keep_private(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Give ``path`` ``mode`` when it exists, is ours and gives more (or other) access."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    if status.st_uid == os.getuid() and status.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def write_private_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (``0600``), replacing it atomically: a reader never sees half
    a file, and a symbolic link planted under the name is replaced, never written through."""
    private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as writer:  # mkstemp creates it 0600
            writer.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
