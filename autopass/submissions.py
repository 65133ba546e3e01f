"""A dossier sent by a dealer's system over HTTP: written to a private folder, checked at the door.

The upload is written file by file into a fresh folder of the data dir (``uploads/``, ``0700``:
the photos never land in a shared temporary directory), its names checked as they arrive. The
folder then goes through the same door as every dossier (``intake.open_dossier_folder``: regular
files only, sizes, pixels, pages, counts, the application's schema), and the API asks more of it:
every document file must be a real JPEG, PNG or PDF (an empty or unreadable file is refused here,
where the inbox would make it a micro-task: the dealer's system is still there to send it right),
the application must be the calling dealer's, and its id must not be another dealer's dossier.
Nothing is stored until all of that passed; a refused upload's folder is deleted.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from autopass.dossier_folder import (
    APPLICATION_FILE,
    DOCUMENT_SUFFIXES,
    DossierFolder,
    open_dossier_folder,
)
from autopass.errors import AutopassError, DossierError, FileRefused, ImageError, StandardsError
from autopass.files import open_regular_file
from autopass.imaging import measure_pixels
from autopass.private_data import private_dir
from autopass.settings import Settings
from autopass.standards import load_standard
from autopass.store import ResubmissionRefused, refuse_another_dealers_folder, session_scope

UPLOADS_DIR = "uploads"
MAX_NAME_BYTES = 255  # dossier_files.file, and most file systems' limit
MAX_APPLICATION_BYTES = 256 * 1024  # what a dealer keys in is a few hundred bytes


class Refusal(StrEnum):
    """Why an upload is refused; the web layer answers each with its HTTP status."""

    INVALID = "invalid"  # 422: a bad name, file, application or body
    TOO_LARGE = "too_large"  # 413: a file, or the files, above a limit
    FORBIDDEN = "forbidden"  # 403: another dealer's application or dossier


class UploadRefused(AutopassError):
    def __init__(self, problem: str, refusal: Refusal = Refusal.INVALID) -> None:
        super().__init__(problem)
        self.problem = problem
        self.refusal = refusal


@dataclass(frozen=True)
class AcceptedUpload:
    dossier: DossierFolder
    fingerprint: str  # the same application and files give the same one, however they came


def new_upload_folder(settings: Settings) -> Path:
    """A fresh private folder under the data dir's ``uploads/`` for one request's files."""
    folder = settings.data_dir / UPLOADS_DIR / secrets.token_hex(16)
    private_dir(folder.parent)
    folder.mkdir(mode=0o700)
    return folder


def discard_upload(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def check_document_name(name: str) -> str:
    """``name`` when it may name a document file in a dossier folder; UploadRefused otherwise (a
    path, a hidden file, a suffix the door would ignore, control characters)."""
    problem = _name_problem(name)
    if problem is not None:
        raise UploadRefused(f"file name {name!r}: {problem}")
    return name


def _name_problem(name: str) -> str | None:
    if not name:
        return "empty"
    if "/" in name or "\\" in name or name in (".", ".."):
        return "a file name, not a path (no '/' or '\\')"
    if name.startswith("."):
        return "hidden files (starting with '.') are not documents"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "holds control characters"
    if len(name.encode()) > MAX_NAME_BYTES:
        return f"longer than {MAX_NAME_BYTES} bytes"
    if Path(name).suffix.lower() not in DOCUMENT_SUFFIXES:
        return "documents are .jpg, .jpeg, .png or .pdf files"
    return None


def accept_upload(folder: Path, settings: Settings, *, dealer_id: str) -> AcceptedUpload:
    """The upload in ``folder`` checked as a dossier of ``dealer_id``, or UploadRefused."""
    try:
        dossier = open_dossier_folder(folder, settings)
        for path in dossier.files:
            _check_image(path, settings)
        load_standard(dossier.application.product, settings)
    except DossierError as exc:
        raise UploadRefused(f"{exc.file}: {exc.problem}", _refusal_of(exc.problem)) from None
    except StandardsError as exc:
        raise UploadRefused(f"{APPLICATION_FILE}: {exc}") from None
    if dossier.application.dealer_id != dealer_id:
        raise UploadRefused(
            f"{APPLICATION_FILE}: dealer_id {dossier.application.dealer_id!r} is not the dealer "
            "of this API key", Refusal.FORBIDDEN)
    try:
        with session_scope(settings) as session:
            refuse_another_dealers_folder(session, dossier.application)
    except ResubmissionRefused:
        raise UploadRefused(f"application {dossier.application.application_id} is another "
                            "dealer's dossier", Refusal.FORBIDDEN) from None
    return AcceptedUpload(dossier=dossier, fingerprint=_fingerprint(dossier, settings))


def _check_image(path: Path, settings: Settings) -> None:
    """DossierError unless ``path`` is a readable JPEG, PNG or PDF (not empty, not other bytes)."""
    try:
        with open_regular_file(path, max_bytes=settings.max_file_bytes) as handle:
            measure_pixels(handle, path, settings)
    except (ImageError, FileRefused) as exc:
        raise DossierError(path.parent, path.name, exc.problem) from None


def _refusal_of(problem: str) -> Refusal:
    """A limit passed is 413 (the door's messages name the setting they passed)."""
    return Refusal.TOO_LARGE if "(AUTOPASS_MAX_" in problem else Refusal.INVALID


def _fingerprint(dossier: DossierFolder, settings: Settings) -> str:
    """SHA-256 over the application's bytes and each document file's name and SHA-256."""
    digest = hashlib.sha256()
    for path in (dossier.folder / APPLICATION_FILE, *dossier.files):
        digest.update(path.name.encode() + b"\0")
        with open_regular_file(path, max_bytes=settings.max_file_bytes) as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()
