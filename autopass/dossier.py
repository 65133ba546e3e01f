"""The dossier as the dealer sends it (CONTRACT §1) and the result Autopass gives (CONTRACT §3).

These models are the contract between the pipeline's tasks, the store, the CLI and outside checks:
field names here are the JSON keys there.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from autopass.documents import DocumentType


# --- input: application.json -------------------------------------------------------------------
MAX_ID_LENGTH = 64
"""Longest application_id, product, dealer_id and salesperson_id: the store's columns hold this
many characters (``autopass.store.models``). A longer one is refused at the door, on every
database alike, not by PostgreSQL once the whole pipeline has run."""
_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})  # control, invisible format, line breaks


def _without_control_characters(value: str) -> str:
    """An id is shown, logged and compared: a line break would forge a log line, an invisible
    character would make two ids that look alike differ."""
    if any(unicodedata.category(character) in _UNSEEN_CATEGORIES for character in value):
        raise ValueError("must not contain control characters (line breaks, tabs, invisible "
                         "formatting characters)")
    return value


StoredId = Annotated[
    str, Field(max_length=MAX_ID_LENGTH), AfterValidator(_without_control_characters)
]
"""An identifier the store keeps in a column of MAX_ID_LENGTH characters."""


class Applicant(BaseModel):
    name: str
    id_number: str
    phone: str | None = None


class Vehicle(BaseModel):
    vin: str
    price: float
    model: str | None = None


class Loan(BaseModel):
    amount: float
    term_months: int
    bank_card: str


class Application(BaseModel):
    """What the dealer keyed in. Unknown keys are kept (dealers' systems add their own)."""

    model_config = ConfigDict(extra="allow")

    application_id: StoredId = Field(min_length=1)
    product: StoredId
    dealer_id: StoredId
    salesperson_id: StoredId
    submitted_at: datetime
    applicant: Applicant
    vehicle: Vehicle
    loan: Loan


def application_slug(application_id: str) -> str:
    """An application id as a name safe for files and Prefect keys (lower-case letters, digits,
    dashes). The dealer's system may spell an id with anything (A2026_青岛.01, or a "../" that must
    not lead a crop out of its folder); an id changed to fit ends with a short hash of itself, so
    two ids that differ only in the characters dropped keep apart."""
    lowered = application_id.lower()
    slug = _NOT_IN_SLUGS.sub("-", lowered).strip("-")
    if slug == lowered:
        return slug
    digest = hashlib.sha256(application_id.encode()).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else digest


_NOT_IN_SLUGS = re.compile(r"[^a-z0-9-]+")


# --- output: one result per dossier --------------------------------------------------------------
class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"


class Decision(StrEnum):
    AUTO_PASS = "auto_pass"  # every check passed on the machines' reading alone
    REVIEW = "review"  # people are settling doubts (micro-tasks)
    REJECT = "reject"  # a hard rule failed beyond doubt, or people confirmed a failure
    APPROVE = "approve"  # after people settled every doubt, every check passed (finalize only)


FieldSource = Literal["ocr", "confirmed", "human", "agreed", "derived"]
"""Where a value comes from. ocr: read; confirmed: found again where the value that every trusted
source states was expected (``autopass.reading.confirm``); human: one person's answer in a
micro-task; agreed: people's answer that a second person stands behind (two operators keyed it
alike, one gave again what another had, or a person chose it between conflicting values); derived:
computed from other values."""
BY_PEOPLE: frozenset[str] = frozenset({"human", "agreed"})


class FieldValue(BaseModel):
    value: Any
    confidence: float = Field(ge=0, le=1)
    source: FieldSource = "ocr"
    # Where on the page the value was read: [x, y, width, height]; lets a micro-task show a crop.
    box: list[int] | None = None

    @property
    def by_people(self) -> bool:
        """A person gave it (``human`` or ``agreed``): a fact, whatever the machine read."""
        return self.source in BY_PEOPLE

    @property
    def by_one_person(self) -> bool:
        """One person gave it and nobody has looked again: not enough to reject a dossier on."""
        return self.source == "human"

    @field_validator("value", mode="before")
    @classmethod
    def _plain_python(cls, value: Any) -> Any:
        """Image analysis may hand over a numpy scalar (``bool_``, ``float64``), which neither JSON
        nor the store can hold: its Python equivalent is kept."""
        return value.item() if isinstance(value, np.generic) else value


class DocumentResult(BaseModel):
    file: str
    page: int = 1
    type: DocumentType
    confidence: float = Field(ge=0, le=1)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    region: list[int] | None = None  # [x, y, width, height] on the page; None for the whole image
    problem: str | None = None  # why the document could not be read, when it could not
    # Who gave the type: the machine (``ocr``), one person (``human``) or people (``agreed``).
    type_source: FieldSource = "ocr"

    def source_of(self, field: str) -> FieldSource | None:
        """Where the field's value comes from (``type``: the document's type); None when unread."""
        if field == "type":
            return self.type_source
        value = self.fields.get(field)
        return value.source if value else None

    def by_one_person(self, field: str) -> bool:
        """One person gave the field (or the type) and nobody looked again: not enough to reject
        a dossier on (a slip of the key, a wrong type picked)."""
        return self.source_of(field) == "human"

    @property
    def key(self) -> str:
        """Identifies the document inside its dossier: ``file#page`` plus the type for regions."""
        base = f"{self.file}#{self.page}"
        return f"{base}#{self.type}" if self.region else base


class FaceResult(BaseModel):
    score: float | None
    status: Status
    detail: str = ""
    confirmed_by: str | None = None  # the operator who compared the faces, when one did


class FieldRef(BaseModel):
    """Points at one field of one document: what a check was about, what a micro-task settles."""

    model_config = ConfigDict(frozen=True)

    document: str  # DocumentResult.key, or "application"
    field: str


class CheckResult(BaseModel):
    id: str
    status: Status
    detail: str = ""
    # What a human would need to look at to settle a `review` (or confirm a `fail`).
    subjects: list[FieldRef] = Field(default_factory=list)
    hard: bool = False  # a failure of a hard rule beyond doubt rejects the dossier
    # A failure the dealer mends (``on_failure: ask_dealer``): the documents to send.
    ask_dealer_for: list[DocumentType] = Field(default_factory=list)


def documents_for_dealer(checks: list[CheckResult]) -> list[DocumentType]:
    """The documents a dossier lacks beyond doubt and its dealer is asked for: the dossier waits
    for them, not for people. None while such a failure rests on one person's word about a page
    (its subjects: two others classify that page first, ``routing``)."""
    asked = [document for check in checks if check.status is Status.FAIL and not check.subjects
             for document in check.ask_dealer_for]
    return list(dict.fromkeys(asked))


class MicroTaskKind(StrEnum):
    CLASSIFY_DOCUMENT = "classify_document"
    CONFIRM_FIELD = "confirm_field"
    COMPARE_FACES = "compare_faces"
    CHECK_SIGNATURE = "check_signature"
    RESOLVE_MISMATCH = "resolve_mismatch"
    INVESTIGATE_LINK = "investigate_link"  # a senior's: this dossier and others of other people
    REVIEW_CHANNEL = "review_channel"  # a senior's: a dossier of a dealer or salesperson under watch


class ChoiceKind(StrEnum):
    """Questions answered by picking (yes or no, a document type): nothing typed, so two people
    who disagree leave a senior the same question, not values to choose between."""

    COMPARE_FACES = MicroTaskKind.COMPARE_FACES.value
    CHECK_SIGNATURE = MicroTaskKind.CHECK_SIGNATURE.value
    CLASSIFY_DOCUMENT = MicroTaskKind.CLASSIFY_DOCUMENT.value


CHOICE_KINDS = frozenset(MicroTaskKind(kind) for kind in ChoiceKind)
SENIOR_KINDS = frozenset({MicroTaskKind.INVESTIGATE_LINK, MicroTaskKind.REVIEW_CHANNEL})
"""Questions only seniors are asked, whoever asks them: an operator can never open one."""


class MicroTaskSummary(BaseModel):
    id: int | None = None
    kind: MicroTaskKind
    check_id: str | None = None
    question: str


class DossierResult(BaseModel):
    application_id: str
    decision: Decision
    documents: list[DocumentResult]
    face: FaceResult | None
    checks: list[CheckResult]
    microtasks: list[MicroTaskSummary]
    elapsed_ms: int

    @property
    def documents_for_dealer(self) -> list[DocumentType]:
        """What the dealer is asked to send before anyone looks further (``documents_for_dealer``);
        nothing when a hard failure rejects the dossier anyway."""
        return documents_for_dealer(self.checks) if self.decision is Decision.REVIEW else []

    @property
    def dealer_reason(self) -> str:
        """Why the dealer is asked: the details of the checks that ask (no personal data)."""
        return "; ".join(check.detail for check in self.checks
                         if check.status is Status.FAIL and check.ask_dealer_for)

    def contract_json(self) -> dict[str, Any]:
        """The CONTRACT §3 object: internal helper keys are left out."""
        data = self.model_dump(mode="json")
        for document in data["documents"]:
            if document["region"] is None:
                del document["region"]
            if document["problem"] is None:
                del document["problem"]
            del document["type_source"]
            for field in document["fields"].values():
                del field["box"]
        if data["face"] is not None and data["face"]["confirmed_by"] is None:
            del data["face"]["confirmed_by"]
        for check in data["checks"]:
            del check["subjects"]
            del check["hard"]
            del check["ask_dealer_for"]
        return data
