"""Product standards and document specs: plain YAML data, validated by pydantic models.

A standard says what a product requires (documents, rules and their parameters, confidence needed to
trust OCR, fields that humans key twice, post-loan deadlines). A document spec says which fields a
document type carries and how they are printed. Misspelt keys are errors, never silent defaults, and
every load error names the file, the rule and the key.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from autopass.documents import DocumentType
from autopass.dossier import Status
from autopass.microtasks import ChoiceKind
from autopass.errors import StandardsError
from autopass.masking import mask_numbers, mask_value  # noqa: F401  (their place before)
from autopass.settings import Settings

SCHEMA_FILE = "schema.json"
DOCUMENTS_DIR = "documents"
APPLICATION = "application"

# The application.json fields a rule may read, with the kind of value each holds (one place).
APPLICATION_FIELDS: dict[str, str] = {
    "applicant.name": "name",
    "applicant.id_number": "id_number",
    "applicant.phone": "text",
    "vehicle.vin": "vin",
    "vehicle.price": "amount",
    "vehicle.model": "text",
    "loan.amount": "amount",
    "loan.term_months": "number",
    "loan.bank_card": "card_number",
}
# Application fields whose values are personal data (never printed).
PERSONAL_APPLICATION_FIELDS = {"applicant.name", "applicant.id_number", "applicant.phone",
                               "loan.bank_card"}

FieldKind = Literal[
    "text", "name", "date", "id_number", "amount", "bool", "card_number", "vin", "licence_class",
    "face", "sex", "ethnicity", "number",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


ValuePlace = Literal["right", "below"]
"""Where a value is printed relative to its label: right of it (on its row, or in the next cell)
or below it (on the next row, under the label)."""


# --- document specs -------------------------------------------------------------------------------
class FieldSpec(_Strict):
    """One field a document carries, as printed on it."""

    kind: FieldKind = Field(description="What the value is; decides normalisation and masking.")
    labels: list[str] = Field(
        default_factory=list,
        description="Printed labels that precede the value on the document (e.g. 公民身份号码).",
    )
    value_at: list[ValuePlace] = Field(
        default_factory=lambda: ["right"],
        min_length=1,
        description="Where the value is printed relative to its label, in order of preference: "
        "right (on the label's row or in the next cell) or below (on the next row, under it).",
    )
    title: str | None = Field(
        None,
        description="What operators call the field when no label is printed (e.g. 卡号); "
        "micro-tasks show it, or else the first label.",
    )
    required: bool = Field(True, description="Whether every document of this type carries it.")
    personal: bool = Field(False, description="Personal data: never printed in details or logs.")
    double_key: bool = Field(
        False,
        description="Two operators key it blind when a human confirms it "
        "(a standard's double_keying list overrides this per product).",
    )
    pattern: str | None = Field(None, description="Regular expression the normalised value matches.")
    description: str | None = None

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
        return value


class Orientation(_Strict):
    """Printed words that tell which way is up: those printed highest and those printed lowest."""

    top: list[str] = Field(min_length=1, description="Labels or words printed at the top.")
    bottom: list[str] = Field(
        min_length=1, description="Labels or words printed at the bottom (never at the top)."
    )
    title_at_top: bool = Field(
        False,
        description="The printed title (the first keyword) stands at the top, whatever the issuer; "
        "found low with no bottom word read, the document is upside down.",
    )


class DocumentSpec(_Strict):
    """The fields of one document type (CONTRACT §2)."""

    type: DocumentType
    title: str = Field(description="What the document is called in the operations centre.")
    keywords: list[str] = Field(
        default_factory=list,
        description="Printed text that identifies this document type. The first is its printed "
        "title: found alone, it settles the type.",
    )
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    other_labels: list[str] = Field(
        default_factory=list,
        description="Labels printed on the document before values that are not read (车身颜色), "
        "and words of labels that are no field's (贷款人, 盖章): where one stands, the value "
        "before it ends, and none is ever a value.",
    )
    orientation: Orientation | None = Field(
        None, description="What tells an upright document from one upside down (None: nothing)."
    )

    @property
    def printed_title(self) -> str | None:
        """The title printed on the document: its first keyword (None for a type without any)."""
        return self.keywords[0] if self.keywords else None

    @property
    def labels(self) -> list[str]:
        """Every label printed before one of its fields' values."""
        return [label for field in self.fields.values() for label in field.labels]

    @property
    def printed_labels(self) -> list[str]:
        """Every label printed on the document, its fields' and the others: where a value ends,
        and what is never a value (a label read where its value was expected)."""
        return [*self.labels, *self.other_labels]


# --- field references -----------------------------------------------------------------------------
def split_reference(reference: str) -> tuple[str, str]:
    """``"vehicle_invoice.vin"`` -> ("vehicle_invoice", "vin"); ``"application.loan.amount"`` ->
    ("application", "loan.amount")."""
    source, _, field = reference.partition(".")
    return source, field


def _check_reference(reference: str) -> str:
    source, field = split_reference(reference)
    if source == APPLICATION:
        if field not in APPLICATION_FIELDS:
            raise ValueError(
                f"unknown application field {field!r} (known: {', '.join(APPLICATION_FIELDS)})"
            )
    elif source not in DocumentType.__members__.values() or not field:
        raise ValueError(
            f"{reference!r} is not '<document_type>.<field>' or 'application.<field>'"
        )
    return reference


Reference = Annotated[
    str,
    AfterValidator(_check_reference),
    Field(description="'<document_type>.<field>' or 'application.<path>'"),
]


# --- rules ----------------------------------------------------------------------------------------
class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Reads as a sentence.")
    on_failure: Literal["reject", "review"] = Field(
        description="What a failure beyond doubt does: reject the dossier or send it to a human."
    )
    description: str | None = None

    def references(self) -> list[str]:
        """Every field reference the rule reads (checked against the document specs)."""
        return []


class DocumentsPresent(_Rule):
    """Every document the standard marks required is in the dossier."""

    type: Literal["documents_present"]
    on_failure: Literal["reject", "review", "ask_dealer"] = Field(
        description="What a document missing beyond doubt does: reject the dossier, send it to a "
        "human, or (ask_dealer) send it back to its dealer for the missing documents: it waits "
        "for them up to the standard's dealer_deadline_days, then is rejected."
    )


class Checksum(_Rule):
    """Numbers carry a check digit: application values must pass; OCR values that fail are doubtful."""

    type: Literal["checksum"]
    algorithm: Literal["gb11643", "iso3779", "luhn"]
    fields: list[Reference] = Field(min_length=1)

    def references(self) -> list[str]:
        return list(self.fields)


class IdNumberConsistency(_Rule):
    """Birth date and sex printed on the card agree with those encoded in its ID number."""

    type: Literal["id_number_consistency"]
    id_number: Reference
    birth_date: Reference
    sex: Reference

    def references(self) -> list[str]:
        return [self.id_number, self.birth_date, self.sex]

    @model_validator(mode="after")
    def _one_document(self) -> IdNumberConsistency:
        sources = {split_reference(ref)[0] for ref in self.references()}
        if len(sources) != 1 or APPLICATION in sources:
            raise ValueError("id_number, birth_date and sex must be fields of one document type")
        return self


class DateWindow(_Rule):
    """A document is valid on the reference date, with at least ``min_days_left`` to run."""

    type: Literal["date_window"]
    valid_from: Reference | None = None
    valid_to: Reference
    min_days_left: int = Field(0, ge=0)
    as_of: Literal["submission", "today"] = "submission"

    def references(self) -> list[str]:
        return [ref for ref in (self.valid_from, self.valid_to) if ref]


class AgeRange(_Rule):
    """The applicant's age on the submission date (and at the loan's end) is within bounds."""

    type: Literal["age_range"]
    birth_date_from: list[Reference] = Field(
        min_length=1,
        description="Where the birth date is read: ID numbers (decoded) or date fields. Sources "
        "that disagree make the check a review (the agreement rules say which is wrong).",
    )
    min_age: int = Field(ge=0, le=120)
    max_age: int = Field(ge=0, le=120)
    max_age_at_term_end: int | None = Field(None, ge=0, le=120)

    def references(self) -> list[str]:
        return list(self.birth_date_from)

    @model_validator(mode="after")
    def _bounds_ordered(self) -> AgeRange:
        if self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self


class FieldsAgree(_Rule):
    """The same fact read from several places is the same everywhere it appears."""

    type: Literal["fields_agree"]
    fields: list[Reference] = Field(min_length=2, description="The first is the reference value.")

    def references(self) -> list[str]:
        return list(self.fields)


class EqualsApplication(_Rule):
    """A document states what the dealer keyed in; the document must be in the dossier."""

    type: Literal["equals_application"]
    application: Reference
    document: Reference
    tolerance: float = Field(0.0, ge=0, description="Allowed difference for amounts, in yuan.")

    def references(self) -> list[str]:
        return [self.application, self.document]

    @model_validator(mode="after")
    def _sides(self) -> EqualsApplication:
        if split_reference(self.application)[0] != APPLICATION:
            raise ValueError("'application' must be an application.<field> reference")
        if split_reference(self.document)[0] == APPLICATION:
            raise ValueError("'document' must be a <document_type>.<field> reference")
        return self


class LtvLimit(_Rule):
    """The loan is at most ``max_ltv`` of the vehicle's price on the invoice."""

    type: Literal["ltv_limit"]
    loan_amount: Reference
    price: Reference
    max_ltv: float = Field(gt=0, le=1)
    price_corroborated_by: Reference | None = Field(
        None,
        description="A price that, when equal, makes a low-confidence read of `price` trusted "
        "(e.g. application.vehicle.price).",
    )

    def references(self) -> list[str]:
        return [ref for ref in (self.loan_amount, self.price, self.price_corroborated_by) if ref]


class BooleanField(_Rule):
    """A yes/no field read from a document has the expected answer (e.g. contract signed)."""

    type: Literal["boolean_field"]
    field: Reference
    expected: bool = True

    def references(self) -> list[str]:
        return [self.field]


class FaceThresholds(_Strict):
    pass_at: float = Field(ge=0, le=1, description="Similarity at or above which faces match.")
    review_at: float = Field(
        ge=0, le=1, description="Similarity at or above which a human compares; below: fail."
    )

    @model_validator(mode="after")
    def _ordered(self) -> FaceThresholds:
        if self.review_at > self.pass_at:
            raise ValueError("review_at is above pass_at")
        return self

    def judge(self, score: float) -> tuple[Status, str]:
        """``pass``, ``review`` or ``fail`` for a similarity score, with the reason."""
        if score >= self.pass_at:
            return Status.PASS, f"score {score:.2f} >= {self.pass_at:.2f}"
        if score >= self.review_at:
            return Status.REVIEW, f"score {score:.2f} between {self.review_at:.2f} and {self.pass_at:.2f}"
        return Status.FAIL, f"score {score:.2f} < {self.review_at:.2f}"


class FaceMatch(_Rule):
    """The selfie shows the person on the ID card portrait (thresholds per face engine)."""

    type: Literal["face_match"]
    engines: dict[Literal["sface", "dlib", "insightface"], FaceThresholds] = Field(min_length=1)


Rule = Annotated[
    DocumentsPresent | Checksum | IdNumberConsistency | DateWindow | AgeRange | FieldsAgree | EqualsApplication | LtvLimit | BooleanField | FaceMatch,
    Field(discriminator="type"),
]


# --- the standard -------------------------------------------------------------------------------
class DocumentRequirement(_Strict):
    type: DocumentType
    required: bool = True


class ConfidencePolicy(_Strict):
    """How sure a machine reading must be before a rule trusts it without a human."""

    document_type: float = Field(
        0.9, ge=0, le=1, description="Classification confidence needed to trust a document's type."
    )
    default_field: float = Field(0.85, ge=0, le=1, description="OCR confidence needed by default.")
    fields: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description="Per field name, or per '<document_type>.<field>'."
    )


class PostLoan(_Strict):
    """Deadlines of the nightly batch's post-loan checks."""

    registration_chase_days: int = Field(
        ge=1, description="Days after approval before a missing registration certificate is chased."
    )
    id_expiry_warning_days: int = Field(
        ge=1, description="Warn about customers whose ID card expires within this many days."
    )


LinkKind = Literal["phone", "bank_card", "address", "vin", "invoice_number", "id_number"]
"""What two dossiers may share (``autopass.risk.attributes``): the same value under two applicants
(two ID numbers; for ``id_number``, two names) links them."""


class FaceSearch(_Strict):
    """How alike two faces of different dossiers must be, for one face engine, to be one person."""

    same_person_at: float = Field(
        ge=0, le=1, description="The engine's similarity at or above which two stored faces are "
        "one person (stricter than face_match's pass_at: a 1:N search meets many strangers).")
    candidates: int = Field(
        10, ge=1, le=100, description="Nearest faces the index is asked for first, scored again by "
        "the engine; doubled while the farthest still reaches same_person_at, so every stored face "
        "at or above it is found.")


class ChannelWeights(_Strict):
    """How much each share of a channel's dossiers weighs in its score (``risk.channel``)."""

    findings: float = Field(0.35, ge=0, description="Share of dossiers with a risk finding.")
    rejects: float = Field(0.2, ge=0, description="Share of dossiers rejected.")
    defects: float = Field(0.15, ge=0, description="Share of dossiers with a failed check.")
    sent_back: float = Field(0.1, ge=0, description="Share of dossiers sent back to the dealer.")
    rings: float = Field(0.2, ge=0, description="Rings touched, as a share of rings_full_at.")

    @model_validator(mode="after")
    def _some_weight(self) -> ChannelWeights:
        if not any(self.model_dump().values()):
            raise ValueError("at least one weight must be above 0")
        return self


class ChannelWatchAt(_Strict):
    """Score at or above which a channel is put under watch, per kind of channel."""

    dealer: float = Field(0.3, gt=0, le=1, description="A dealer (``dealer_id``).")
    salesperson: float = Field(0.3, gt=0, le=1, description="A salesperson (``salesperson_id``).")


class ChannelPolicy(_Strict):
    """Channel risk: dealers and salespeople through whom bad dossiers arrive lose straight-through
    processing until a supervisor clears them (the nightly batch scores them)."""

    windows_days: list[Annotated[int, Field(ge=1, le=365)]] = Field(
        default_factory=lambda: [30, 90], min_length=1,
        description="Days before the batch over which each figure is counted; a channel is over "
        "threshold when any window's score is.")
    min_dossiers: int = Field(
        10, ge=1, description="Fewer dossiers in a window and that window gives no score: too few "
        "to judge a channel by.")
    weights: ChannelWeights = Field(default_factory=ChannelWeights)
    rings_full_at: int = Field(
        3, ge=1, description="Rings touched at which the rings term reaches its full weight.")
    watch_at: ChannelWatchAt = Field(default_factory=ChannelWatchAt)
    cleared_for_days: int = Field(
        30, ge=1, le=365, description="Days a supervisor's clearing holds before the batch may "
        "put the channel under watch again.")


VoiceChannel = Literal["wideband", "telephone", "mixed"]


class VoiceSearch(_Strict):
    """How alike the applicants' voices of two calls must be, for one speaker engine, to be one
    person; per channel, since telephone audio scores strangers higher (``mixed``: one call of
    each)."""

    same_voice_at: dict[VoiceChannel, float] = Field(
        description="Cosine at or above which two calls' voiceprints are one speaker, per channel "
        "(wideband, telephone, mixed): above the different-speaker scores measured on voices-dev.")
    agent_same_voice_at: float = Field(
        ge=-1, le=1, description="Cosine of a 2 s window of a call to an enrolled agent's voice at "
        "or above which the window is the agent speaking (dropped from the applicant's voice).")
    candidates: int = Field(
        10, ge=1, le=100, description="Nearest calls the index is asked for first, scored again; "
        "doubled while the farthest still reaches the lowest threshold.")

    def threshold(self, one: str, other: str) -> float:
        """The threshold for two calls of these channels."""
        key = one if one == other else "mixed"
        return self.same_voice_at.get(key, max(self.same_voice_at.values()))  # type: ignore[call-overload]


PhotoKind = Literal["id_photo", "invoice_photo", "registration_photo", "selfie_photo"]


class PhotoChecks(_Strict):
    """Photos and invoices looked at for reuse and tampering (``autopass.risk.image_reuse``,
    ``invoice_qr``): distances are bits of a 64-bit perceptual hash."""

    reuse: list[PhotoKind] = Field(
        default_factory=lambda: ["id_photo", "invoice_photo", "registration_photo"],
        description="Kinds of page whose photo is looked up among other applicants' dossiers. "
        "Not selfies by default: a page's hash is mostly its background, and a dealer's signing "
        "booth gives every selfie the same one (an outside check linked different people so).")
    same_photo_within: int = Field(
        10, ge=0, le=32, description="Hamming distance at or below which two pages of the same "
        "kind of document are one photo (re-compressed, cropped a little, turned by quarters).")
    recapture_within: int = Field(
        8, ge=0, le=32, description="Distance at or below which the selfie's face, with what "
        "surrounds it, is the ID card's printed portrait photographed again.")
    invoice_qr: bool = Field(
        True, description="Read an invoice's QR code and compare it with the printed number, "
        "date and total: a printed value the QR does not carry is a tamper finding.")
    qr_min_confidence: float = Field(
        0.9, ge=0, le=1, description="A printed value is compared with the QR only when read at "
        "least this sure (a misreading is a doubt for a person, not a forgery).")


class RiskPolicy(_Strict):
    """What Autopass looks for across dossiers (``autopass.risk``): links between applicants."""

    channel: ChannelPolicy = Field(
        default_factory=ChannelPolicy,
        description="Channel risk per dealer and salesperson (scores, thresholds, clearing).")
    window_days: int = Field(
        365, ge=1, le=3650,
        description="Only dossiers recorded within this many days before are looked up.")
    links: list[LinkKind] = Field(
        default_factory=lambda: ["phone", "bank_card", "address", "vin", "invoice_number",
                                 "id_number"],
        description="Values that link two applicants when both dossiers hold them.")
    faces: dict[str, FaceSearch] = Field(
        default_factory=dict,
        description="Per face engine: the same face under another ID number links two dossiers. "
        "An engine not named here is not searched.")
    voices: dict[str, VoiceSearch] = Field(
        default_factory=dict,
        description="Per speaker engine: the same voice answering the verification call under "
        "another ID number links two dossiers. An engine not named here is not searched.")
    max_ring: int = Field(
        50, ge=2, le=1000, description="Most dossiers a ring finding names (the nearest first).")
    photos: PhotoChecks = Field(
        default_factory=PhotoChecks,
        description="The same photo under another applicant, a selfie shot of the ID card, an "
        "invoice whose QR disagrees with its print.")


class QaPolicy(_Strict):
    """Which straight-through dossiers a senior reviews blind, to measure how often the machine is
    wrong on the centre's own traffic (``autopass.quality``). The decision is never held up."""

    sample_rate: float = Field(
        0.02, ge=0, le=1,
        description="Share of auto_pass dossiers drawn for a blind QA review; the draw is a hash "
        "of the application id (the same dossier is always drawn, or never).")
    watched_dealers: list[str] = Field(
        default_factory=list,
        description="Dealer ids under watch: every auto_pass dossier of theirs is QA-reviewed.")
    seed: str = Field(
        "qa-1", min_length=1, max_length=64,
        description="Salt of the draw: change it to draw another sample of the same traffic.")


class Standard(_Strict):
    """One loan product's checklist."""

    product: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    sla_minutes: int = Field(30, ge=1, description="Minutes from receipt to decision (the '30' of 8030).")
    documents: list[DocumentRequirement] = Field(min_length=1)
    confidence: ConfidencePolicy = Field(default_factory=ConfidencePolicy)
    double_keying: list[str] | None = Field(
        None,
        description="Fields two operators key blind: field names or '<document_type>.<field>'. "
        "Omitted: each document spec's double_key flag.",
    )
    double_answered: list[ChoiceKind] = Field(
        default_factory=list,
        description="Questions answered by picking (a yes/no, a document type) that two operators "
        "answer, each without seeing the other's answer, so that one person's slip (a Y for an N) "
        "cannot approve a dossier alone; when they disagree, a senior is asked the same question.",
    )
    dealer_deadline_days: int = Field(
        3, ge=1, le=60,
        description="Days a dossier sent back to its dealer (a document missing, a photo nobody "
        "can read) waits for what was asked; the nightly batch rejects it after that.",
    )
    post_loan: PostLoan
    risk: RiskPolicy = Field(
        default_factory=RiskPolicy,
        description="Links between applicants across dossiers: a dossier with one never goes "
        "straight through; a senior settles it.")
    qa: QaPolicy = Field(
        default_factory=QaPolicy,
        description="Blind QA review of a sample of straight-through dossiers (autopass.quality).")
    rules: list[Rule] = Field(min_length=1)

    _document_specs: dict[DocumentType, DocumentSpec] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> Standard:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self

    @property
    def document_specs(self) -> dict[DocumentType, DocumentSpec]:
        """The document specs loaded with this standard (empty for a hand-built standard)."""
        return self._document_specs

    @property
    def required_documents(self) -> list[DocumentType]:
        return [doc.type for doc in self.documents if doc.required]

    def min_confidence(self, document_type: str, field: str) -> float:
        """OCR confidence needed to trust ``field`` of ``document_type``."""
        fields = self.confidence.fields
        return fields.get(f"{document_type}.{field}", fields.get(field, self.confidence.default_field))

    def face_thresholds(self, engine: str) -> FaceThresholds:
        """The face_match rule's thresholds for ``engine``; KeyError when it has none."""
        for rule in self.rules:
            if isinstance(rule, FaceMatch):
                return rule.engines[engine]  # type: ignore[index]
        raise KeyError(f"{self.product} has no face_match rule")

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def needs_double_keying(standard: Standard, document_type: str, field: str) -> bool:
    """Whether a human confirmation of this field needs two operators keying it blind."""
    if standard.double_keying is not None:
        return field in standard.double_keying or f"{document_type}.{field}" in standard.double_keying
    spec = field_spec(standard.document_specs, document_type, field)
    return bool(spec and spec.double_key)


def field_kind(standard: Standard, reference: str) -> tuple[str, bool]:
    """(kind, personal) of the value a reference points at; unknown fields count as personal text."""
    source, field = split_reference(reference)
    if source == APPLICATION:
        return APPLICATION_FIELDS.get(field, "text"), field in PERSONAL_APPLICATION_FIELDS
    spec = field_spec(standard.document_specs, source, field)
    return (spec.kind, spec.personal) if spec else ("text", True)


def field_spec(specs: dict[DocumentType, DocumentSpec], document_type: str,
               field: str) -> FieldSpec | None:
    """What the document specs say of one field of one document type; None when nothing."""
    spec = specs.get(DocumentType(document_type))
    return spec.fields.get(field) if spec else None


# --- loading --------------------------------------------------------------------------------------
def _display(path: Path, settings: Settings) -> str:
    """The path as a person finds it: ``standards/new_car_loan.yaml``."""
    root = settings.standards_dir
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: standards are read for every dossier
(edits apply without a restart), and the pure-Python parser cost ~60 ms of each."""


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises again, with the pure-Python parser's clearer words


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    try:
        data = _parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StandardsError(f"{shown}: file not found") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or str(error)
        raise StandardsError(f"{shown}: not valid YAML{at}: {problem}") from None
    except UnicodeDecodeError:
        raise StandardsError(f"{shown}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise StandardsError(f"{shown}: expected a mapping of keys at the top level")
    return data


def _rule_label(data: dict[str, Any], location: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """For an error inside ``rules``: ("rule 'id'", the location inside that rule)."""
    index, rest = location[1], location[2:]
    rules = data.get("rules")
    in_range = isinstance(rules, list) and isinstance(index, int) and 0 <= index < len(rules)
    rule = rules[index] if in_range else None  # type: ignore[index]
    if not isinstance(rule, dict):
        return f"rule #{index + 1 if isinstance(index, int) else index}", rest
    # The discriminated union puts the rule type in the location: drop it.
    if rest and rest[0] == rule.get("type"):
        rest = rest[1:]
    rule_id = rule.get("id")
    label = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
    return label, rest


def _key_path(location: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _describe_error(error: dict[str, Any], data: dict[str, Any]) -> str:
    """One pydantic error as ``rule 'x': unknown key 'y'`` (or ``key 'z': ...`` outside rules)."""
    location = tuple(error["loc"])
    prefix = ""
    if location and location[0] == "rules" and len(location) > 1:
        label, location = _rule_label(data, location)
        prefix = f"{label}: "
    kind = error["type"]
    key = _key_path(location)
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{prefix}unknown key {key!r}"
    if kind == "missing":
        return f"{prefix}missing key {key!r}"
    if kind == "union_tag_not_found":
        return f"{prefix}missing key 'type'"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"{prefix}unknown rule type {tag!r} (expected one of: {expected})"
    if not key:
        return f"{prefix}{message}"
    return f"{prefix}key {key!r}: {message}"


def _explained(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unknown keys first; a missing key that a misspelt unknown key explains is left out."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    misspelt = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in unknown if e["loc"]}

    def explained(error: dict[str, Any]) -> bool:
        if error["type"] != "missing" or not error["loc"]:
            return False
        parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
        typed = [name for where, name in misspelt if where == parent]
        return bool(difflib.get_close_matches(key, typed, n=1))

    return unknown + [e for e in errors if e not in unknown and not explained(e)]


def _validate(model: type[BaseModel], data: dict[str, Any], shown: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = [f"{shown}: {_describe_error(e, data)}" for e in _explained(error.errors())]
        raise StandardsError("\n".join(dict.fromkeys(lines))) from None


def _check_references(standard: Standard, specs: dict[DocumentType, DocumentSpec], shown: str) -> None:
    """Every document field a rule reads exists in that document's spec."""
    problems: list[str] = []
    for rule in standard.rules:
        for reference in rule.references():
            source, field = split_reference(reference)
            if source == APPLICATION:
                continue
            spec = specs.get(DocumentType(source))
            if spec is None:
                problems.append(f"{shown}: rule {rule.id!r}: no document spec for {source!r}")
            elif field not in spec.fields:
                problems.append(
                    f"{shown}: rule {rule.id!r}: {source} has no field {field!r} "
                    f"(known: {', '.join(spec.fields)})"
                )
    for item in standard.double_keying or []:
        source, _, field = item.rpartition(".")
        known = [spec.fields for t, spec in specs.items() if not source or t == source]
        if not any(field in fields for fields in known):
            problems.append(f"{shown}: double_keying: no document has a field {item!r}")
    if problems:
        raise StandardsError("\n".join(problems))


def _load_document_spec(path: Path, settings: Settings) -> DocumentSpec:
    shown = _display(path, settings)
    spec: DocumentSpec = _validate(DocumentSpec, _read_yaml(path, shown), shown)
    if spec.type != path.stem:
        raise StandardsError(f"{shown}: type {spec.type.value!r} does not match the file name")
    return spec


def load_document_specs(settings: Settings) -> dict[DocumentType, DocumentSpec]:
    """The field specs of every document type of CONTRACT §2, from ``standards/documents/``."""
    folder = settings.standards_dir / DOCUMENTS_DIR
    specs: dict[DocumentType, DocumentSpec] = {}
    for document_type in DocumentType:
        path = folder / f"{document_type.value}.yaml"
        specs[document_type] = _load_document_spec(path, settings)
    return specs


def _product_files(settings: Settings) -> list[Path]:
    return sorted(settings.standards_dir.glob("*.yaml"))


def _load_standard_file(path: Path, settings: Settings,
                        specs: dict[DocumentType, DocumentSpec]) -> Standard:
    shown = _display(path, settings)
    standard: Standard = _validate(Standard, _read_yaml(path, shown), shown)
    if standard.product != path.stem:
        raise StandardsError(f"{shown}: product {standard.product!r} does not match the file name")
    _check_references(standard, specs, shown)
    standard._document_specs = specs
    return standard


def load_standard(product: str, settings: Settings) -> Standard:
    """The standard of ``product`` with its document specs; StandardsError names what is wrong."""
    path = settings.standards_dir / f"{product}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", product) or not path.is_file():
        known = ", ".join(p.stem for p in _product_files(settings)) or "none"
        raise StandardsError(
            f"no standard for product {product!r} in {settings.standards_dir.name}/ (known: {known})"
        )
    return _load_standard_file(path, settings, load_document_specs(settings))


def loadable_standards(settings: Settings) -> tuple[list[Standard], dict[str, str]]:
    """Every product standard that loads, and the error of each that does not (by file): for
    what runs over all products (the nightly batch, the channel-risk page) and must not stop at
    one broken file."""
    loaded, broken = [], {}
    for path in _product_files(settings):
        try:
            loaded.append(load_standard(path.stem, settings))
        except StandardsError as error:
            broken[path.name] = str(error)
    return loaded, broken


def check_all(settings: Settings) -> dict[str, str | None]:
    """Every standards file -> None when it loads, else its error text (for ``standards check``)."""
    results: dict[str, str | None] = {}
    specs: dict[DocumentType, DocumentSpec] = {}
    folder = settings.standards_dir / DOCUMENTS_DIR
    for document_type in DocumentType:
        path = folder / f"{document_type.value}.yaml"
        try:
            specs[document_type] = _load_document_spec(path, settings)
            results[_display(path, settings)] = None
        except StandardsError as error:
            results[_display(path, settings)] = str(error)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in DocumentType.__members__.values():
            results[_display(path, settings)] = (
                f"{_display(path, settings)}: not a document type of CONTRACT §2 "
                f"(known: {', '.join(t.value for t in DocumentType)})"
            )
    for path in _product_files(settings):
        try:
            _load_standard_file(path, settings, specs)
            results[_display(path, settings)] = None
        except StandardsError as error:
            results[_display(path, settings)] = str(error)
    return results


def json_schema() -> dict[str, Any]:
    """JSON Schema of standards and document specs, for editors (standards/schema.json)."""
    standard = Standard.model_json_schema()
    document = DocumentSpec.model_json_schema()
    definitions = {**standard.pop("$defs", {}), **document.pop("$defs", {})}
    definitions["Standard"] = standard
    definitions["DocumentSpec"] = document
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Autopass standards",
        "description": "A product standard (standards/<product>.yaml) or a document spec "
        "(standards/documents/<type>.yaml).",
        "anyOf": [{"$ref": "#/$defs/Standard"}, {"$ref": "#/$defs/DocumentSpec"}],
        "$defs": definitions,
    }


def schema_text() -> str:
    """schema.json exactly as written to disk (a test compares it)."""
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(settings: Settings) -> Path:
    path = settings.standards_dir / SCHEMA_FILE
    path.write_text(schema_text(), encoding="utf-8")
    return path
