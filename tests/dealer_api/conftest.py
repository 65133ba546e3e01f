"""A running dealer API (uvicorn on a free port) on SQLite or PostgreSQL, with a key per dealer,
and small dossiers to send it: the example application and drawn PNG documents."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from autopass.settings import Settings
from autopass.store import AuditEvent, DealerSubmission, Dossier, session_scope
from autopass.store.dealers import issue_key
from autopass.submissions import UPLOADS_DIR
from autopass.web import create_app
from tests.factories import APPLICATION
from tests.security.served import served

DEALER = "D-QD-017"
OTHER_DEALER = "D-SH-002"
DOSSIERS = "/api/v1/dossiers"


@dataclass
class DealerApi:
    url: str
    settings: Settings
    keys: dict[str, str]  # dealer id -> key
    submitted: list[tuple[int, Path]] = field(default_factory=list)  # processing handed over

    def client(self, dealer: str = DEALER) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {self.keys[dealer]}"})

    def handed_over(self, count: int) -> list[tuple[int, Path]]:
        """The first ``count`` submissions handed to processing: the server hands each over
        after its 202 is sent, so a client may read the answer a moment before."""
        deadline = time.monotonic() + 10
        while len(self.submitted) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.submitted[:count]

    def counts(self) -> dict[str, int]:
        """What the store holds: submissions, dossiers; and the upload folders left."""
        with session_scope(self.settings) as session:
            submissions = session.scalar(sa.select(sa.func.count()).select_from(DealerSubmission))
            dossiers = session.scalar(sa.select(sa.func.count()).select_from(Dossier))
        uploads = self.settings.data_dir / UPLOADS_DIR
        left = len(list(uploads.iterdir())) if uploads.exists() else 0
        return {"submissions": submissions or 0, "dossiers": dossiers or 0,
                "uploads": left - len(self.submitted)}

    def actions(self) -> list[tuple[str, str]]:
        with session_scope(self.settings) as session:
            return [(event.actor, event.action) for event in
                    session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def start_dealer_api(settings: Settings, **app_options: Any) -> Iterator[DealerApi]:
    with session_scope(settings) as session:
        keys = {dealer: issue_key(session, dealer_id=dealer).key
                for dealer in (DEALER, OTHER_DEALER)}
    api = DealerApi(url="", settings=settings, keys=keys)
    app_options.setdefault("on_dossier_submitted",
                           lambda _, submission, folder: api.submitted.append((submission, folder)))
    with served(create_app(settings, **app_options)) as url:
        api.url = url
        yield api


@pytest.fixture
def dealer_api(web_store: Settings) -> Iterator[DealerApi]:
    """The API on either store; a dossier it accepts is noted, not processed."""
    settings = web_store.model_copy(update={"max_file_bytes": 200_000,
                                            "max_upload_bytes": 1_000_000,
                                            "max_request_bytes": 100_000})
    yield from start_dealer_api(settings)


def png(text: str = "ID", size: tuple[int, int] = (320, 200)) -> bytes:
    image = Image.new("RGB", size, (240, 238, 230))
    ImageDraw.Draw(image).text((20, 80), text, fill=(10, 10, 10))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def application(**changes: Any) -> dict[str, Any]:
    return {**APPLICATION, **changes}


def multipart(app: dict[str, Any] | bytes | None = None,
              files: dict[str, bytes] | None = None) -> list[tuple[str, tuple[str, bytes, str]]]:
    """httpx ``files=`` for a dossier: application.json then the documents."""
    body = app if isinstance(app, bytes) else json.dumps(app or application()).encode()
    parts = [("application", ("application.json", body, "application/json"))]
    for name, content in (files if files is not None else
                          {"id_front.png": png("front"), "bank.png": png("card")}).items():
        parts.append(("files", (name, content, "image/png")))
    return parts
