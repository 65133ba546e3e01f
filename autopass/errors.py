"""Errors raised at the edges: each names the thing that is wrong and, where it helps, the fix."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError


class AutopassError(Exception):
    """Base of every error Autopass raises on purpose."""


class DossierError(AutopassError):
    """A dossier folder cannot be processed at all (CONTRACT §3: exit code 2)."""

    def __init__(self, dossier: Path, file: str, problem: str) -> None:
        self.dossier, self.file, self.problem = dossier, file, problem
        super().__init__(f"{dossier}: {file}: {problem}")


class ProcessingFailed(AutopassError):
    """A dossier was read but its processing broke: a fault of a service (the store, Prefect's API)
    or of Autopass, not of the dossier. Reported on one line; the batch goes on."""

    MAX_CAUSE = 300

    def __init__(self, dossier: Path, cause: Exception) -> None:
        self.dossier, self.cause = dossier, cause
        said = " ".join(str(cause).split())[: self.MAX_CAUSE]
        super().__init__(f"{dossier}: processing failed: {type(cause).__name__}: {said}")


class ImageError(AutopassError):
    """One document file cannot be read as an image (it becomes a micro-task, not a crash)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


class FileRefused(AutopassError):
    """A file Autopass will not read, or not read further: it is not a regular file of its own
    (a symbolic link, a hard link, a named pipe, a device) or it is above a configured limit.
    At the door of a dossier it refuses the whole dossier (``DossierError``)."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")


class StandardsError(AutopassError):
    """A standards file is invalid; the message names the file, the rule and the key."""


class MissingFontError(AutopassError):
    """No CJK font is installed, so Chinese documents cannot be rendered."""


class EngineUnavailableError(AutopassError):
    """An engine selected in settings cannot be loaded (package or weights missing)."""


def validation_problems(error: ValidationError, whole: str) -> str:
    """A model's validation errors on one line, each at its dotted place (``whole`` when the
    error is about the object itself): what a dealer or an API client can act on."""
    return "; ".join(f"{'.'.join(str(part) for part in issue['loc']) or whole}: {issue['msg']}"
                     for issue in error.errors())
