"""One settings model for the whole system, read from ``AUTOPASS_*`` environment variables.

Tests build ``Settings(...)`` directly instead of patching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET = "autopass-development-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOPASS_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses the development secret key."
    )
    data_dir: Path = Field(
        Path.home() / ".autopass",
        description="Where originals, crops, the SQLite store and Prefect's home live.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store; default SQLite in the data dir. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    standards_dir: Path = Field(
        PROJECT_ROOT / "standards", description="Folder of product standards (YAML)."
    )
    ocr_engine: Literal["rapidocr", "easyocr"] = Field(
        "rapidocr", description="OCR engine: rapidocr (embedded, offline) or easyocr."
    )
    face_engine: Literal["sface", "dlib", "insightface"] = Field(
        "sface", description="Face engine: sface or dlib (embedded, offline) or insightface."
    )
    model_dir: Path | None = Field(
        None,
        description="Local folder of weights for the easyocr / insightface engines "
        "(they never download at run time).",
    )
    faces_dir: Path | None = Field(
        None, description="Folder of face photos used by the sample generator."
    )
    max_image_pixels: int = Field(
        60_000_000, description="Images above this many pixels are refused (decompression bombs)."
    )
    max_file_bytes: int = Field(
        40 * 1024 * 1024, description="Files above this size are refused."
    )
    parallelism: int = Field(
        default_factory=lambda: (os.cpu_count() or 1) + 1, ge=1,
        description="Documents processed at once inside one dossier flow; default: CPU cores + 1, "
        "so every core stays busy while the longest document of a dossier is still being read.",
    )
    engine_threads: int | None = Field(
        None, ge=1,
        description="Threads each engine call may use; default: CPU cores / parallelism, so "
        "documents read in parallel do not fight over the same cores.",
    )
    lease_seconds: int = Field(
        180, ge=10, description="How long a claimed micro-task stays with its operator."
    )
    finalize_mode: Literal["inline", "deployment"] = Field(
        "inline",
        description="How a settled dossier is finalized: `inline` runs the flow in the queue "
        "page's process; `deployment` creates a run of the finalize-dossier deployment.",
    )
    secret_key: str = Field(
        DEVELOPMENT_SECRET, description="Signs session cookies and CSRF tokens of the queue page."
    )
    dealer_webhook_url: AnyHttpUrl | None = Field(
        None,
        description="Where requests for a new photo and decisions are POSTed for the dealer's "
        "system (`autopass.dealer_notices`); unset: requests are only listed on the queue page.",
    )
    dealer_webhook_secret: SecretStr | None = Field(
        None, description="Signs each notice's body (X-Autopass-Signature: sha256=<HMAC>)."
    )

    @field_validator("secret_key")
    @classmethod
    def _refuse_placeholder_in_production(cls, value: str, info) -> str:  # type: ignore[no-untyped-def]
        if info.data.get("environment") == "production" and value == DEVELOPMENT_SECRET:
            raise ValueError("set AUTOPASS_SECRET_KEY to a random value in production")
        return value

    @property
    def store_url(self) -> str:
        """The store's SQLAlchemy URL (SQLite in the data dir unless configured)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'autopass.db'}"

    @property
    def originals_dir(self) -> Path:
        """Content-addressed copies of everything a dealer sent."""
        return self.data_dir / "originals"

    @property
    def crops_dir(self) -> Path:
        """Image crops shown in micro-tasks."""
        return self.data_dir / "crops"


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (or set by ``use_settings``)."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


@contextmanager
def use_settings(settings: Settings) -> Iterator[Settings]:
    """Run flows and tasks with ``settings`` instead of the environment's (tests, embedding)."""
    global _current
    previous, _current = _current, settings
    try:
        yield settings
    finally:
        _current = previous


@contextmanager
def without_flow_heartbeats() -> Iterator[None]:
    """Flow runs started inside send no heartbeats.

    Prefect 3.9 starts a heartbeat thread for every synchronous flow run and joins it at the end;
    the thread sleeps in 1 s steps, so each run (each dossier) waited up to 1 s more (an empty
    flow: 1.09 s with, 0.09 s without). Heartbeats only feed Prefect's zombie-run automation,
    which Autopass does not rely on: the nightly batch finds stuck dossiers and an interrupted
    intake resumes from its claimed folder. The setting cannot be unset from the environment.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


EPHEMERAL_SERVICES_OFF = ("TASK_RUN_RECORDER", "EVENT_PERSISTER", "TRIGGERS")


def prepare_prefect_environment(settings: Settings) -> None:
    """Keep Prefect quiet and local on a fresh, offline machine.

    Telemetry off and PREFECT_HOME inside the data dir, unless the user set them. Must run before
    ``prefect`` is imported, which is why the CLI calls it first.
    """
    prefect_home = Path(os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect")))
    prefect_home.expanduser().mkdir(parents=True, exist_ok=True)  # Prefect's SQLite lives there
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # The ephemeral server migrates a new PREFECT_HOME on first start; on a busy 2-core machine
    # that takes longer than Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # A server this process starts itself (ephemeral mode: no PREFECT_API_URL) lives as long as the
    # process and shows no UI. Its event-driven services only record task runs and events for that
    # UI, and they fight the API for SQLite's one write lock: a flow run created while they write
    # got "database is locked" -> HTTP 503 -> a 2 s client retry (14-task flow: 2.0 s -> 0.18 s
    # with them off). Flow runs, states, logs and artifacts are still recorded. A real Prefect
    # server keeps its own configuration; these variables only reach servers started from here.
    for service in EPHEMERAL_SERVICES_OFF:
        os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{service}_ENABLED", "false")
