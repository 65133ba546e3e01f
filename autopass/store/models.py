"""The store's tables (SQLModel). The Alembic migrations in ``autopass/migrations`` create them.

Every datetime is timezone-aware UTC (``UTCDateTime``). Enumerated columns are plain strings in the
database (no native enum types to migrate) and ``StrEnum``s in Python, which compare equal to them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from autopass.dossier import MAX_ID_LENGTH, FieldSource, MicroTaskKind
from autopass.store.types import JSONType, UTCDateTime

MACHINE = "machine"  # the audit actor of everything Autopass does by itself


class DossierStatus(StrEnum):
    PROCESSING = "processing"
    WAITING_FOR_PEOPLE = "waiting_for_people"
    WAITING_FOR_DEALER = "waiting_for_dealer"  # an operator asked the dealer for a new photo
    DECIDED = "decided"
    FAILED = "failed"


class TaskState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    ANSWERED = "answered"  # settled: ``resolution`` holds the answer the dossier will use
    CLOSED = "closed"  # needs nothing more: finalized, superseded, or handed to a senior


class Role(StrEnum):
    OPERATOR = "operator"
    SENIOR = "senior"
    SUPERVISOR = "supervisor"


def _when(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _text(length: int, **kwargs: Any) -> Any:
    return Field(sa_type=sa.String(length), **kwargs)


class Dossier(SQLModel, table=True):
    __tablename__ = "dossiers"

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = _text(MAX_ID_LENGTH, unique=True)
    product: str = _text(MAX_ID_LENGTH)
    dealer_id: str = _text(MAX_ID_LENGTH, index=True)
    salesperson_id: str = _text(MAX_ID_LENGTH)
    application: dict[str, Any] = Field(sa_type=JSONType)
    received_at: datetime = _when()
    sla_deadline: datetime = _when(index=True)
    status: DossierStatus = _text(24, default=DossierStatus.PROCESSING, index=True)
    decision: str | None = _text(16, default=None, nullable=True)
    decided_at: datetime | None = _when(nullable=True, index=True)  # decisions told to dealers
    result: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    updated_at: datetime = _when(index=True)  # the dossiers that changed last


class DossierFile(SQLModel, table=True):
    """Every file the dealer sent, whether or not a document was found in it."""

    __tablename__ = "dossier_files"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "file"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE")
    file: str = _text(255)
    sha256: str = _text(64, index=True)
    stored_path: str = _text(255)  # relative to Settings.originals_dir: "<sha[:2]>/<sha>"


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    key: str = _text(300)  # DocumentResult.key: "file#page" (+ "#type" for a region)
    file: str = _text(255)
    page: int = 1
    sha256: str = _text(64)
    stored_path: str = _text(255)
    type: str = _text(32)
    confidence: float
    region: list[int] | None = Field(default=None, sa_type=JSONType, nullable=True)
    problem: str | None = Field(default=None, sa_type=sa.Text, nullable=True)


class DocumentField(SQLModel, table=True):
    """One value of one field of one document, read by OCR, typed by a person or derived."""

    __tablename__ = "field_values"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", ondelete="CASCADE", index=True)
    field: str = _text(64)
    value: Any = Field(default=None, sa_type=JSONType, nullable=True)
    confidence: float
    source: FieldSource = _text(16, default="ocr")
    box: list[int] | None = Field(default=None, sa_type=JSONType, nullable=True)


class Check(SQLModel, table=True):
    __tablename__ = "check_results"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    check_id: str = _text(96)
    status: str = _text(16)  # pass | fail | review
    detail: str = Field(default="", sa_type=sa.Text)
    hard: bool = False
    subjects: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONType)


class FaceComparison(SQLModel, table=True):
    __tablename__ = "face_comparisons"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    score: float | None = None
    status: str = _text(16)
    engine: str | None = _text(32, default=None, nullable=True)
    detail: str = Field(default="", sa_type=sa.Text)


class MicroTask(SQLModel, table=True):
    __tablename__ = "micro_tasks"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE")
    kind: MicroTaskKind = _text(32)
    check_id: str | None = _text(96, default=None, nullable=True)
    role: Role = _text(16, default=Role.OPERATOR)  # who may claim it (see queue.roles_for)
    payload: dict[str, Any] = Field(sa_type=JSONType)  # question, crop paths, OCR value...
    priority: int = 0  # higher first, among tasks with the same SLA deadline
    state: TaskState = _text(16, default=TaskState.OPEN)
    required_answers: int = 1  # 2 = blind double keying by two different operators
    claimed_by: str | None = _text(64, default=None, nullable=True)
    claimed_at: datetime | None = _when(nullable=True)
    lease_expires_at: datetime | None = _when(nullable=True)
    sla_deadline: datetime = _when()  # copied from the dossier so claiming needs no join
    created_at: datetime = _when()
    answered_at: datetime | None = _when(nullable=True)
    closed_at: datetime | None = _when(nullable=True)
    resolution: Any = Field(default=None, sa_type=JSONType, nullable=True)
    parent_task_id: int | None = Field(default=None, foreign_key="micro_tasks.id", nullable=True)

    @property
    def question(self) -> str:
        return str(self.payload.get("question", ""))


class MicroTaskAnswer(SQLModel, table=True):
    __tablename__ = "micro_task_answers"
    # The database itself refuses a second answer by the same operator to the same task.
    __table_args__ = (sa.UniqueConstraint("task_id", "operator"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="micro_tasks.id", ondelete="CASCADE")
    operator: str = _text(64)
    answer: Any = Field(default=None, sa_type=JSONType, nullable=True)
    started_at: datetime = _when()
    answered_at: datetime = _when()
    seconds: float


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = _text(64, unique=True)
    password_hash: str = _text(255)
    role: Role = _text(16)
    active: bool = True
    created_at: datetime = _when()
    # In the session cookie since the log-in; log-out, a new password and deactivation raise it,
    # so every cookie signed before is refused (a copied cookie no longer works).
    session_version: int = 0


class LoginFailure(SQLModel, table=True):
    """A wrong password, counted to throttle guessing (per username and per client address).

    Kept in the store, not in a process, so every web worker counts the same failures; rows older
    than the counting window are worth nothing and are deleted. The audit trail keeps its own
    ``login_failed`` event for good.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_username_at", "username", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    username: str = _text(64)  # as typed (lower-cased): maybe nobody's
    address: str = _text(64)  # the client's IP address as the server sees it


class DealerKey(SQLModel, table=True):
    """A key a dealer's system calls the dealer API with; it acts for ``dealer_id`` only.

    The key is shown once, when issued; the store keeps its SHA-256 (a random 256-bit token needs
    no slow hash: nobody can guess one to test against it) and its first characters, ``prefix``,
    to find the row without comparing every hash. A revoked key stays, as the audit trail names it.
    """

    __tablename__ = "dealer_keys"

    id: int | None = Field(default=None, primary_key=True)
    dealer_id: str = _text(MAX_ID_LENGTH, index=True)
    name: str = _text(128, default="")
    prefix: str = _text(16, unique=True)
    key_hash: str = _text(64)
    created_at: datetime = _when()
    revoked_at: datetime | None = _when(nullable=True)


class DealerApiCall(SQLModel, table=True):
    """One call of the dealer API with a key, counted to limit each key's rate; kept in the store
    so every web process counts the same calls. Rows older than the window are deleted; the audit
    trail keeps its own event of every call."""

    __tablename__ = "dealer_api_calls"
    __table_args__ = (sa.Index("ix_dealer_api_calls_key_at", "key_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_id: int = Field(foreign_key="dealer_keys.id", ondelete="CASCADE")
    at: datetime = _when(index=True)


class SubmissionState(StrEnum):
    RECEIVED = "received"  # checked and accepted; process-dossier not started yet
    PROCESSING = "processing"  # process-dossier runs (here, or as a deployment run)
    STORED = "stored"  # the dossier is recorded: its own status says the rest
    FAILED = "failed"  # processing broke or refused the dossier (``problem`` says why)


class DealerSubmission(SQLModel, table=True):
    """A dossier a dealer's system sent over HTTP, from its acceptance to its record.

    The dossier itself is recorded only once process-dossier has read it; until then this row is
    what the dealer can follow. ``(dealer_id, idempotency_key)`` is unique: the same request sent
    again (a timeout, a retry) finds its first answer instead of a second processing; the
    ``fingerprint`` (SHA-256 of the application and of every file, by name) tells a true repeat
    from another dossier under a reused key.
    """

    __tablename__ = "dealer_submissions"
    __table_args__ = (sa.UniqueConstraint("dealer_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    dealer_id: str = _text(MAX_ID_LENGTH)
    key_id: int = Field(foreign_key="dealer_keys.id", index=True)
    application_id: str = _text(MAX_ID_LENGTH, index=True)
    idempotency_key: str | None = _text(255, default=None, nullable=True)
    fingerprint: str = _text(64)
    received_at: datetime = _when()
    state: SubmissionState = _text(16, default=SubmissionState.RECEIVED)
    problem: str | None = Field(default=None, sa_type=sa.Text, nullable=True)


class AuditEvent(SQLModel, table=True):
    """Who did what, when: machine results and human answers alike."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when(index=True)
    actor: str = _text(64)  # MACHINE or a username
    action: str = _text(48)
    dossier_id: int | None = Field(
        default=None, foreign_key="dossiers.id", ondelete="SET NULL", nullable=True, index=True
    )
    task_id: int | None = Field(
        default=None, foreign_key="micro_tasks.id", ondelete="SET NULL", nullable=True, index=True
    )
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class NewMicroTask(BaseModel):
    """A micro-task the pipeline asks for; ``record_dossier`` turns it into a ``MicroTask``."""

    kind: MicroTaskKind
    question: str
    payload: dict[str, Any] = PydanticField(default_factory=dict)  # crops, OCR value, field ref...
    check_id: str | None = None
    priority: int = 0
    required_answers: Literal[1, 2] = 1
    role: Role = Role.OPERATOR


# Indexes that the queue's hot paths need; the migrations create the same ones. The claim order
# of every open task serves claims across roles (seniors); that of one role, an operator's claim.
OPEN_TASK_ORDER_INDEX = "ix_micro_tasks_open_order"
OPEN_TASK_ROLE_ORDER_INDEX = "ix_micro_tasks_open_role_order"


def _open_tasks_in_claim_order(name: str, *leading: Any) -> sa.Index:
    """An index of open tasks in the order they are claimed, after ``leading`` columns."""
    return sa.Index(
        name,
        *leading,
        MicroTask.sla_deadline,  # type: ignore[arg-type]
        sa.desc(MicroTask.priority),  # type: ignore[arg-type]
        MicroTask.created_at,  # type: ignore[arg-type]
        MicroTask.id,  # type: ignore[arg-type]
        postgresql_where=sa.text("state = 'open'"),
        sqlite_where=sa.text("state = 'open'"),
    )


_open_tasks_in_claim_order(OPEN_TASK_ORDER_INDEX)
_open_tasks_in_claim_order(OPEN_TASK_ROLE_ORDER_INDEX, MicroTask.role)
sa.Index(
    "ix_micro_tasks_claimed_lease",
    MicroTask.lease_expires_at,  # type: ignore[arg-type]
    postgresql_where=sa.text("state = 'claimed'"),
    sqlite_where=sa.text("state = 'claimed'"),
)
sa.Index("ix_micro_tasks_dossier_state", MicroTask.dossier_id, MicroTask.state)  # type: ignore[arg-type]


class PostLoanKind(StrEnum):
    REGISTRATION_CHASE = "registration_chase"  # approved, still no 机动车登记证书 (mortgage proof)
    ID_EXPIRY = "id_expiry"  # the customer's ID card expires soon (or has expired)


class PostLoanItem(SQLModel, table=True):
    """Something the post-loan team must follow up, found by the nightly batch.

    One item per dossier and kind: the batch runs every night and must not pile up duplicates;
    an item is ``resolved_at`` when a later batch no longer finds the reason (the certificate came).
    """

    __tablename__ = "post_loan_items"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    kind: PostLoanKind = _text(32)
    due_on: str = _text(10)  # YYYY-MM-DD: chase since / ID card valid_to
    found_at: datetime = _when()
    resolved_at: datetime | None = _when(nullable=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


# --- channel risk (``autopass.risk.channel``) ------------------------------------------------------
class ChannelKind(StrEnum):
    DEALER = "dealer"
    SALESPERSON = "salesperson"


class WatchState(StrEnum):
    WATCHED = "watched"  # over threshold: the channel's dossiers go to a senior, no auto_pass
    CLEARED = "cleared"  # a supervisor cleared it: straight-through again


class ChannelWatch(SQLModel, table=True):
    """A dealer or salesperson the nightly batch found over the product's channel-risk threshold.

    One row per episode: ``watched`` from ``watched_at`` until a supervisor clears it (who, when,
    why), kept afterwards as history. The figures that put it under watch are kept with it."""

    __tablename__ = "channel_watches"
    __table_args__ = (sa.Index("ix_channel_watches_channel", "product", "kind", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    product: str = _text(MAX_ID_LENGTH)
    kind: ChannelKind = _text(16)
    channel_id: str = _text(MAX_ID_LENGTH)
    state: WatchState = _text(16, default=WatchState.WATCHED, index=True)
    score: float
    figures: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    watched_at: datetime = _when()
    cleared_by: str | None = _text(64, default=None, nullable=True)
    cleared_at: datetime | None = _when(nullable=True)
    note: str | None = Field(default=None, sa_type=sa.Text, nullable=True)


# --- risk across dossiers (``autopass.risk``) ------------------------------------------------------
class RiskAttribute(SQLModel, table=True):
    """One value a dossier shares with the world (a phone, a bank card, a VIN...), normalised.

    Two dossiers holding the same ``(kind, value)`` under different applicants are linked; the
    rows of all dossiers are the link graph (``autopass.risk.links``). ``id_number`` and ``name``
    are the applicant's, copied so a lookup needs no join.
    """

    __tablename__ = "risk_attributes"
    __table_args__ = (
        sa.UniqueConstraint("kind", "value", "dossier_id"),
        sa.Index("ix_risk_attributes_kind_value_at", "kind", "value", "recorded_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    kind: str = _text(24)
    value: str = _text(255)
    id_number: str = _text(32)
    name: str = _text(64)
    recorded_at: datetime = _when()


class FaceEmbedding(SQLModel, table=True):
    """An ID portrait's or a selfie's embedding, kept to search later dossiers' faces against.

    The store is the truth; the in-process ANN index (``autopass.risk.faces``) is a cache of these
    rows, rebuilt from them and caught up by id at each search. ``cluster`` names the person the
    face was found to be (an earlier face's cluster, or a new one): it is also stored as a
    ``face`` attribute, so face links join the same graph as phones and cards.
    """

    __tablename__ = "face_embeddings"
    # SQLite: ids never used again (the index holds vectors by id).
    __table_args__ = (sa.Index("ix_face_embeddings_engine_id", "engine", "id"),
                      {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    role: str = _text(16)  # portrait | selfie
    engine: str = _text(32)
    dimension: int
    vector: bytes = Field(sa_type=sa.LargeBinary)  # float32, little-endian
    id_number: str = _text(32)
    cluster: str = _text(32)
    recorded_at: datetime = _when()


class VoiceEmbedding(SQLModel, table=True):
    """The applicant's voiceprint from a dossier's recorded call, kept for the 1:N search of later
    calls (``autopass.risk.faces``' index machinery, on this table). ``cluster`` names the voice
    (an earlier call's cluster, or a new one), stored as a ``voice`` attribute so a voice links
    dossiers in the same graph as faces and phones. Biometric data: deleted after
    ``voiceprint_retention_days`` (the nightly run); the recording itself is an original."""

    __tablename__ = "voice_embeddings"
    __table_args__ = (sa.Index("ix_voice_embeddings_engine_id", "engine", "id"),
                      sa.Index("ix_voice_embeddings_recorded_at", "recorded_at"),
                      {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    file: str = _text(255)  # the call's file name in the dossier (its original by sha256)
    sha256: str = _text(64)
    channel: str = _text(16)  # telephone | wideband
    speech_seconds: float
    segments: list[list[int]] = Field(default_factory=list, sa_type=JSONType)  # the applicant's
    engine: str = _text(32)
    dimension: int
    vector: bytes = Field(sa_type=sa.LargeBinary)  # float32, little-endian
    id_number: str = _text(32)
    cluster: str = _text(32)
    recorded_at: datetime = _when()


class EnrolledAgent(SQLModel, table=True):
    """A centre agent's enrolled voice: their turns are dropped from mono call recordings."""

    __tablename__ = "agent_voices"
    __table_args__ = (sa.UniqueConstraint("name", "engine"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = _text(64)
    engine: str = _text(32)
    dimension: int
    vector: bytes = Field(sa_type=sa.LargeBinary)
    speech_seconds: float
    enrolled_at: datetime = _when()


class FindingState(StrEnum):
    OPEN = "open"  # a senior has not looked yet: the dossier never goes straight through
    CLEARED = "cleared"  # not the same person, or the same person and fine
    FRAUD = "fraud"  # a senior confirmed fraud: the ring's open dossiers are rejected
    SUPERSEDED = "superseded"  # the dealer sent the dossier again: judged again from the start


class PhotoFingerprint(SQLModel, table=True):
    """A perceptual hash (64-bit pHash) of one page a dossier sent, with the document type found
    on it: the same photo in another applicant's dossier, re-compressed, cropped or turned, is
    found by the Hamming distance of these (``autopass.risk.image_reuse``), looked up through
    the indexed quarters ``band0``-``band3`` written in the same row."""

    __tablename__ = "photo_fingerprints"
    __table_args__ = (sa.Index("ix_photo_fingerprints_kind_at", "kind", "recorded_at"),
                      *(sa.Index(f"ix_photo_fingerprints_band{band}", f"band{band}", "kind")
                        for band in range(4)))

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    file: str = _text(255)
    page: int
    kind: str = _text(24)  # id_photo | invoice_photo | registration_photo | selfie_photo
    phash: int = Field(sa_type=sa.BigInteger)  # the 64 bits as a signed integer
    # The hash's four 16-bit quarters, highest first (multi-index hashing: a lookup within k bits
    # reads only the rows one of whose quarters is within k // 4 bits of the wanted one's).
    band0: int = 0
    band1: int = 0
    band2: int = 0
    band3: int = 0
    content: str = _text(64, default="")  # the document's number as read: "" for a selfie
    id_number: str = _text(32)
    name: str = _text(64)
    recorded_at: datetime = _when()


class RiskFinding(SQLModel, table=True):
    """A dossier linked to earlier dossiers of other applicants: one finding names the whole ring
    (every applicant connected to it), the kinds of link and what links whom (numbers masked)."""

    __tablename__ = "risk_findings"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    kinds: list[str] = Field(default_factory=list, sa_type=JSONType)
    members: list[str] = Field(default_factory=list, sa_type=JSONType)  # application ids
    links: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    state: FindingState = _text(16, default=FindingState.OPEN, index=True)
    created_at: datetime = _when()
    settled_by: str | None = _text(64, default=None, nullable=True)
    settled_at: datetime | None = _when(nullable=True)


# --- QA of straight-through dossiers (``autopass.quality``) ----------------------------------------
class QaState(StrEnum):
    OPEN = "open"  # waiting for a senior
    CLAIMED = "claimed"  # a senior holds it (a lease, as for micro-tasks)
    AGREED = "agreed"  # the senior's blind answers agree with every machine value
    DISAGREED = "disagreed"  # some differ: recorded, on the trail, a correction path opened


class QaReview(SQLModel, table=True):
    """A blind QA review of one straight-through dossier by a senior.

    ``items`` holds what the senior is shown (crops, labels) and, never shown, what the machine
    read (``machine``: value and confidence) to compare the senior's answer with. The dossier's
    decision is not held up: it was told to the dealer when it was made.
    """

    __tablename__ = "qa_reviews"

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossiers.id", ondelete="CASCADE", index=True)
    reason: str = _text(32)  # sampled | watched_dealer
    state: QaState = _text(16, default=QaState.OPEN, index=True)
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    created_at: datetime = _when()
    claimed_by: str | None = _text(64, default=None, nullable=True)
    claimed_at: datetime | None = _when(nullable=True)
    lease_expires_at: datetime | None = _when(nullable=True)
    answered_by: str | None = _text(64, default=None, nullable=True)
    answered_at: datetime | None = _when(nullable=True, index=True)
    seconds: float | None = None
    answer: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    # Per item id: {"agrees": bool, "task_id": adjudication task or None}.
    outcome: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    decision_changed: bool | None = None  # the senior's values would not pass the standard
