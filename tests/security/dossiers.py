"""Dossier folders, images and PDFs drawn for the security tests, and what to look at after."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from autopass.settings import Settings
from autopass.store import Dossier, dispose_engine, session_scope
from tests.factories import APPLICATION, pdf, png_header_only  # noqa: F401  (re-exported for the door tests)

SYMBOLIC_LINK = "is a symbolic link; only files inside the dossier folder itself are read"


def jpeg(colour: str = "white", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def make_dossier(root: Path, files: dict[str, bytes], name: str = "dossier",
                 application: dict | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "application.json").write_text(
        json.dumps(application or APPLICATION, ensure_ascii=False), encoding="utf-8")
    for file_name, content in files.items():
        (folder / file_name).write_bytes(content)
    return folder


def stored_application_ids(settings: Settings) -> list[str]:
    """Application ids in the store; none when the store was never even created."""
    if not (settings.data_dir / "autopass.db").exists():
        return []
    try:
        with session_scope(settings) as session:
            return list(session.exec(select(Dossier.application_id)))
    finally:
        dispose_engine(settings.store_url)


def kept_originals(settings: Settings) -> list[Path]:
    folder = settings.originals_dir
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def autopass_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("autopass:")]


@pytest.fixture
def keep_umask() -> Iterator[int]:
    """The test's umask, given back after it: the CLI makes its process's umask private, and the
    other tests keep theirs."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield umask
    os.umask(umask)
