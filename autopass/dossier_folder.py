"""Open a dossier folder (CONTRACT §1): read application.json and list the document files.

This is the door every dossier comes through. Everything here fails at the edge with a
``DossierError`` naming the folder, the file and the problem, so one bad dossier is reported on
stderr (exit code 2) and the batch goes on, with nothing copied into the store:

- a name in the folder is read only when it is a regular file of its own (``autopass.files``):
  a symbolic link (to another customer's ID photo, to ``/proc/self/environ``), a hard link, a
  named pipe or a device refuses the dossier. The folder itself may be a symbolic link: whoever
  named it chose it.
- the limits are checked before anything is copied or rendered, from each opened file's size and
  headers: files per dossier, bytes per file, pages per PDF, pixels per image and in all.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from autopass.dossier import Application
from autopass.errors import DossierError, FileRefused, ImageError, validation_problems
from autopass.files import open_regular_file
from autopass.imaging import measure_pixels
from autopass.settings import Settings
from autopass.voice.audio import AUDIO_SUFFIXES

APPLICATION_FILE = "application.json"
TRUTH_FILE = "truth.json"  # written by sample generators only; never read by the engine
DOCUMENT_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".pdf"})


@dataclass(frozen=True)
class DossierFolder:
    folder: Path
    application: Application
    files: tuple[Path, ...]  # document files, sorted by name for a stable order
    calls: tuple[Path, ...] = ()  # recorded verification calls (call_recording), sorted by name


def open_dossier_folder(folder: Path, settings: Settings) -> DossierFolder:
    """Validate ``folder`` as a dossier within ``settings``' limits and return its application
    and document files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DossierError(folder, "-", "not a folder")
    application = _read_application(folder, settings)
    names = _document_names(folder, settings)
    pixels = sum(_measure(folder, name, settings) for name in names)
    if pixels > settings.max_dossier_pixels:
        raise DossierError(
            folder, "-", f"the document files hold {pixels} pixels in all, above the limit of "
            f"{settings.max_dossier_pixels} pixels (AUTOPASS_MAX_DOSSIER_PIXELS)")
    calls = sorted(name for name in os.listdir(folder) if Path(name).suffix.lower() in AUDIO_SUFFIXES)
    for name in calls:
        _open_in(folder, name, settings).close()  # a regular file of its own, within the size limit
    return DossierFolder(folder=folder, application=application,
                         files=tuple(folder / name for name in names),
                         calls=tuple(folder / name for name in calls))


def _document_names(folder: Path, settings: Settings) -> list[str]:
    """Names of the document files, sorted; refused when there are none or too many."""
    names = sorted(name for name in os.listdir(folder)
                   if Path(name).suffix.lower() in DOCUMENT_SUFFIXES)
    if not names:
        raise DossierError(
            folder, "-", "no document images (.jpg, .jpeg, .png or .pdf) in the folder"
        )
    if len(names) > settings.max_files_per_dossier:
        raise DossierError(
            folder, "-", f"{len(names)} document files, more than the "
            f"{settings.max_files_per_dossier} accepted (AUTOPASS_MAX_FILES_PER_DOSSIER)")
    return names


def _measure(folder: Path, name: str, settings: Settings) -> int:
    """The pixels one document file will become; DossierError when it is not a regular file of
    its own or above a limit. A file that is no readable image counts none: the pipeline makes it
    a micro-task, as it always has."""
    with _open_in(folder, name, settings) as handle:
        try:
            return measure_pixels(handle, folder / name, settings)
        except FileRefused as exc:
            raise DossierError(folder, name, exc.problem) from None
        except ImageError:
            return 0


def _open_in(folder: Path, name: str, settings: Settings) -> BinaryIO:
    """``folder/name`` open for reading, or the DossierError that says why it cannot be."""
    try:
        return open_regular_file(folder / name, max_bytes=settings.max_file_bytes)
    except FileRefused as exc:
        raise DossierError(folder, name, exc.problem) from None
    except FileNotFoundError:
        raise DossierError(folder, name, "missing") from None
    except OSError as exc:
        raise DossierError(folder, name, f"cannot be read: {exc.strerror}") from None


def _read_application(folder: Path, settings: Settings) -> Application:
    try:
        with _open_in(folder, APPLICATION_FILE, settings) as handle:
            text = handle.read().decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError:
        raise DossierError(folder, APPLICATION_FILE, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DossierError(
            folder, APPLICATION_FILE, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise DossierError(folder, APPLICATION_FILE, "must hold a JSON object")
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        raise DossierError(folder, APPLICATION_FILE, validation_problems(exc, "(root)")) from None
