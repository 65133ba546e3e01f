"""A dossier upload's body, written into its private folder as it arrives.

Two shapes: ``multipart/form-data`` (a part ``application.json``, by its file name or the field
name ``application``, and one part per document file, named by its file name) and, for small
clients, ``application/json`` (``{"application": {...}, "files": [{"name", "content_base64"}]}``).
Multipart is parsed as a stream (python-multipart) straight into the folder, each file opened
``O_EXCL | O_NOFOLLOW`` with mode ``0600``: no part lands in a shared temporary directory (which
Starlette's own form parsing would use for anything above 1 MiB) and none is held whole in memory.
Names are checked before a part's first byte is written, sizes as the bytes arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from autopass.dossier_folder import APPLICATION_FILE
from autopass.settings import Settings
from autopass.submissions import (
    MAX_APPLICATION_BYTES,
    Refusal,
    UploadRefused,
    check_document_name,
)

MULTIPART = "multipart/form-data"
JSON = "application/json"
APPLICATION_FIELD = "application"
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class UploadedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="The file's name: .jpg, .jpeg, .png or .pdf, no path.",
                      examples=["id_front.jpg"])
    content_base64: str = Field(description="The file's bytes, base64-encoded (RFC 4648).")


class JsonUpload(BaseModel):
    """A dossier in one JSON body, for clients that cannot send multipart."""

    model_config = ConfigDict(extra="forbid")

    application: dict[str, Any] = Field(description="application.json's content (CONTRACT §1).")
    files: list[UploadedFile] = Field(description="The document files.")


def media_type_of(request: Request) -> str:
    media, _ = parse_options_header(request.headers.get("content-type"))
    return media.decode("latin-1").lower()


async def receive_upload(request: Request, folder: Path, settings: Settings) -> None:
    """Write the request's dossier into ``folder``; UploadRefused naming what is wrong."""
    if media_type_of(request) == MULTIPART:
        await _receive_multipart(request, folder, settings)
    else:
        _write_json_upload(await request.body(), folder, settings)


# --- multipart ---------------------------------------------------------------------------------
async def _receive_multipart(request: Request, folder: Path, settings: Settings) -> None:
    _, params = parse_options_header(request.headers.get("content-type"))
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadRefused("multipart/form-data without a boundary")
    writer = _PartWriter(folder, settings)
    parser = MultipartParser(boundary, writer.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise UploadRefused(f"malformed multipart body: {exc}") from None
    finally:
        writer.close()
    if not writer.complete:
        raise UploadRefused("malformed multipart body: it ends before its closing boundary")


class _PartWriter:
    """python-multipart's callbacks: each part's headers decide its file, its data go there."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.settings = settings
        self.names: set[str] = set()
        self.headers: dict[bytes, bytes] = {}
        self.field = self.value = b""
        self.handle: BinaryIO | None = None
        self.name = ""
        self.written = self.limit = 0
        self.complete = False

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda data, start, end: self._add("field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._open,
            "on_part_data": self._write,
            "on_part_end": self.close,
            "on_end": self._end,
        }

    def _begin(self) -> None:
        self.headers = {}

    def _add(self, which: str, data: bytes) -> None:
        setattr(self, which, getattr(self, which) + data)
        if len(self.field) + len(self.value) > 8192:
            raise UploadRefused("malformed multipart body: a part's header is too long")

    def _header_end(self) -> None:
        self.headers[self.field.strip().lower()] = self.value.strip()
        self.field = self.value = b""

    def _open(self) -> None:
        name, limit = self._target()
        if name in self.names:
            raise UploadRefused(f"file name {name!r}: sent twice")
        if len(self.names) > self.settings.max_files_per_dossier:
            raise UploadRefused(
                f"more than {self.settings.max_files_per_dossier} document files "
                "(AUTOPASS_MAX_FILES_PER_DOSSIER)", Refusal.TOO_LARGE)
        self.names.add(name)
        self.name, self.limit, self.written = name, limit, 0
        self.handle = os.fdopen(os.open(self.folder / name, _CREATE, 0o600), "wb")

    def _target(self) -> tuple[str, int]:
        """The file a part goes to and its size limit, from its Content-Disposition."""
        disposition, params = parse_options_header(self.headers.get(b"content-disposition"))
        if disposition != b"form-data":
            raise UploadRefused("malformed multipart body: a part without form-data disposition")
        try:
            field = params.get(b"name", b"").decode()
            filename = params[b"filename"].decode() if b"filename" in params else None
        except UnicodeDecodeError:
            raise UploadRefused("a part's name or file name is not UTF-8") from None
        if filename == APPLICATION_FILE or (field == APPLICATION_FIELD and filename is None):
            return APPLICATION_FILE, MAX_APPLICATION_BYTES
        if filename is None:
            raise UploadRefused(f"form field {field!r}: expected {APPLICATION_FILE} and document "
                                "files only")
        return check_document_name(filename), self.settings.max_file_bytes

    def _write(self, data: bytes, start: int, end: int) -> None:
        assert self.handle is not None
        self.written += end - start
        if self.written > self.limit:
            raise UploadRefused(_too_large(self.name, self.limit), Refusal.TOO_LARGE)
        self.handle.write(data[start:end])

    def _end(self) -> None:
        self.complete = True

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


# --- JSON --------------------------------------------------------------------------------------
def _write_json_upload(body: bytes, folder: Path, settings: Settings) -> None:
    try:
        upload = JsonUpload.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in error['loc']) or '(body)'}: "
                             f"{error['msg']}" for error in exc.errors(include_input=False))
        raise UploadRefused(f"malformed JSON body: {problems}") from None
    if len(upload.files) > settings.max_files_per_dossier:
        raise UploadRefused(f"{len(upload.files)} document files, more than the "
                            f"{settings.max_files_per_dossier} accepted "
                            "(AUTOPASS_MAX_FILES_PER_DOSSIER)", Refusal.TOO_LARGE)
    contents = {APPLICATION_FILE: json.dumps(upload.application, ensure_ascii=False).encode()}
    for item in upload.files:
        name = check_document_name(item.name)
        if name in contents:
            raise UploadRefused(f"file name {name!r}: sent twice")
        contents[name] = _decoded(item, settings.max_file_bytes)
    for name, content in contents.items():
        with os.fdopen(os.open(folder / name, _CREATE, 0o600), "wb") as handle:
            handle.write(content)


def _decoded(item: UploadedFile, limit: int) -> bytes:
    if len(item.content_base64) > (limit + 2) // 3 * 4 + 4:
        raise UploadRefused(_too_large(item.name, limit), Refusal.TOO_LARGE)
    try:
        content = base64.b64decode(item.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRefused(f"file {item.name!r}: content_base64 is not base64") from None
    if len(content) > limit:
        raise UploadRefused(_too_large(item.name, limit), Refusal.TOO_LARGE)
    return content


def _too_large(name: str, limit: int) -> str:
    limit_name = "AUTOPASS_MAX_FILE_BYTES" if name != APPLICATION_FILE else "its limit"
    return f"file {name!r} is larger than {limit} bytes ({limit_name})"
