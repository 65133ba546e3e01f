"""Dossier folders, images and PDFs drawn for the security tests, and what to look at after."""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from autopass.settings import Settings
from autopass.store import Dossier, dispose_engine, session_scope
from tests.factories import APPLICATION

SYMBOLIC_LINK = "is a symbolic link; only files inside the dossier folder itself are read"


def jpeg(colour: str = "white", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels: all a bomb needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def pdf(page_count: int, width_points: int = 298, height_points: int = 420) -> bytes:
    """A minimal well-formed PDF of ``page_count`` blank pages of the given size (points)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(page_count))
    page = f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_points} {height_points}] >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode()]
    objects += [page.encode()] * page_count
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


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
