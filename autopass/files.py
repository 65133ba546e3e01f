"""Opening a file that someone else put in a folder: only a regular file of its own, never a link.

A dossier folder is written by a dealer's system. A name in it may be a symbolic link to another
customer's ID photo or to ``/proc/self/environ``, a hard link to a file elsewhere on the machine,
a named pipe that blocks its reader forever, or a device. ``open_regular_file`` refuses all of
them: it looks at the name without following it, opens it with ``O_NOFOLLOW`` (and
``O_NONBLOCK``, so a pipe swapped in cannot hang the open), and looks again at what it opened, so
a name swapped between the look and the open is caught too (no time-of-check/time-of-use gap).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from autopass.errors import FileRefused

SYMBOLIC_LINK = "is a symbolic link; only files inside the dossier folder itself are read"
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, SYMBOLIC_LINK),
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
)


def open_regular_file(path: Path, *, max_bytes: int | None = None) -> BinaryIO:
    """``path`` open for reading, when it is a regular file of its own at most ``max_bytes`` long.

    ``FileRefused`` naming the problem otherwise; ``FileNotFoundError`` when nothing has the name.
    """
    before = os.lstat(path)
    _refuse_unless_regular(path, before)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the name became a symbolic link since the look
            raise FileRefused(path, SYMBOLIC_LINK) from None
        raise
    try:
        opened = os.fstat(descriptor)
        _refuse_unless_regular(path, opened)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise FileRefused(path, "was replaced by another file while it was being opened")
        if max_bytes is not None and opened.st_size > max_bytes:
            raise FileRefused(path, f"file is {opened.st_size} bytes, above the limit of "
                              f"{max_bytes} bytes (AUTOPASS_MAX_FILE_BYTES)")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _problem_of(status: os.stat_result) -> str | None:
    """Why a file with this ``lstat``/``fstat`` is not read; None for a regular file of its own."""
    for is_kind, problem in _KINDS:
        if is_kind(status.st_mode):
            return problem
    if not stat.S_ISREG(status.st_mode):
        return "is not a regular file"
    if status.st_nlink > 1:
        return (f"has {status.st_nlink} hard links: the same file has a name elsewhere on this "
                "machine; only a file of its own is read (send a copy)")
    return None


def _refuse_unless_regular(path: Path, status: os.stat_result) -> None:
    problem = _problem_of(status)
    if problem is not None:
        raise FileRefused(path, problem)
