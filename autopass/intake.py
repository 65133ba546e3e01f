"""Open a dossier folder (CONTRACT §1): read application.json and list the document files.

Everything here fails at the edge with a ``DossierError`` naming the folder, the file and the
problem, so one bad dossier is reported on stderr and the batch goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from autopass.dossier import Application
from autopass.errors import DossierError

APPLICATION_FILE = "application.json"
TRUTH_FILE = "truth.json"  # written by sample generators only; never read by the engine
DOCUMENT_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".pdf"})


@dataclass(frozen=True)
class DossierFolder:
    folder: Path
    application: Application
    files: tuple[Path, ...]  # document files, sorted by name for a stable order


def open_dossier_folder(folder: Path) -> DossierFolder:
    """Validate ``folder`` as a dossier and return its application and document files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DossierError(folder, "-", "not a folder")
    application = _read_application(folder)
    files = tuple(
        sorted(
            (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES),
            key=lambda p: p.name,
        )
    )
    if not files:
        raise DossierError(
            folder, "-", "no document images (.jpg, .jpeg, .png or .pdf) in the folder"
        )
    return DossierFolder(folder=folder, application=application, files=files)


def _read_application(folder: Path) -> Application:
    path = folder / APPLICATION_FILE
    if not path.is_file():
        raise DossierError(folder, APPLICATION_FILE, "missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
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
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise DossierError(folder, APPLICATION_FILE, problems) from None
