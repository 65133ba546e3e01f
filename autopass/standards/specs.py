"""What a standard says, as pydantic models of its YAML: document specs (the fields a document
type carries and how they are printed) and product standards (documents, rules, confidence, risk and
QA policies). Rule types are ``autopass.rules``; reading the files is ``loader``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from autopass.documents import DocumentType
from autopass.microtasks import ChoiceKind
from autopass.references import (
    APPLICATION,
    APPLICATION_FIELDS,
    PERSONAL_APPLICATION_FIELDS,
    StrictModel,
    split_reference,
)
from autopass.rules import FaceMatch, FaceThresholds, Rule

FieldKind = Literal[
    "text", "name", "date", "id_number", "amount", "bool", "card_number", "vin", "licence_class",
    "face", "sex", "ethnicity", "number",
]


ValuePlace = Literal["right", "below"]
"""Where a value is printed relative to its label: right of it (on its row, or in the next cell)
or below it (on the next row, under the label)."""


# --- document specs -------------------------------------------------------------------------------
class SigningWords(StrictModel):
    """The words a signature box's label is made of, so that every lender's wording is one of
    them: a signer (借款人, 客户, 甲方) and signing words (签字, 签名, 手印), in any order, joined by
    brackets or ``joiners`` (借款人（签字/手印）, 客户签名, 签名（盖章）, 借款人签名捺印)."""

    signers: list[str] = Field(
        min_length=1,
        description="Words for the one who signs the box (the borrower: 借款人, 客户, 甲方). A "
        "party word that the page pairs with a word of ``others`` (甲方（贷款人）) is that party's "
        "on that page.",
    )
    hand_words: list[str] = Field(
        min_length=1,
        description="Signing words done by hand (签字, 签名, 手印): a label holds at least one.",
    )
    seal_words: list[str] = Field(
        default_factory=list,
        description="Signing words that may join a hand word (签名（盖章）) but alone mark a "
        "company's box, not the borrower's (盖章).",
    )
    joiners: list[str] = Field(
        default_factory=list,
        description="What may stand between the words besides brackets (/, 及, 并).",
    )
    others: list[str] = Field(
        default_factory=list,
        description="Whose box it is not (贷款人, 担保人, 法定代表人): a label after one of them, "
        "or inside a longer one of them (共同借款人), is theirs.",
    )


class FieldSpec(StrictModel):
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
    terms_years: list[int] = Field(
        default_factory=list,
        description="For the end of a validity period: the terms in years the document is issued "
        "for besides 长期 (a licence 6 or 10). A period read is trusted only where it spans one, "
        "day for day; a term printed in years (有效期限 6年) gives the end date from the start.",
    )
    signing: SigningWords | None = Field(
        None,
        description="For a signature field: the words its box's label is made of, besides its "
        "``labels`` (read as they are).",
    )
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


class Orientation(StrictModel):
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


class DocumentSpec(StrictModel):
    """The fields of one document type (CONTRACT §2)."""

    type: DocumentType
    title: str = Field(description="What the document is called in the operations centre.")
    keywords: list[str] = Field(
        default_factory=list,
        description="Printed text that identifies this document type. The first is its printed "
        "title (unless titled is false): found alone, standing as a title, it settles the type.",
    )
    titled: bool = Field(
        True,
        description="Whether the first keyword is a title printed on every document of this type. "
        "False for a type printed without one (an ID card's portrait side), whose first keyword is "
        "a label other documents print too (a contract prints 公民身份号码).",
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
        """The title printed on the document: its first keyword (None for a type without one)."""
        return self.keywords[0] if self.keywords and self.titled else None

    @property
    def labels(self) -> list[str]:
        """Every label printed before one of its fields' values."""
        return [label for field in self.fields.values() for label in field.labels]

    @property
    def vocabulary(self) -> list[str]:
        """Every word printed on this type besides its keywords: its labels, the others, and the
        signing words of its signature boxes (what tells a page of it whose title is unfamiliar)."""
        signing = [word for field in self.fields.values() if field.signing
                   for word in (*field.signing.signers, *field.signing.hand_words)]
        return [*self.printed_labels, *signing]

    @property
    def hand_words(self) -> list[str]:
        """The signing words done by hand of its signature boxes (签字, 签名, 手印): a line holding
        one may be a signature label or a clause, which only the whole line tells."""
        return [word for field in self.fields.values() if field.signing for word in field.signing.hand_words]

    @property
    def printed_labels(self) -> list[str]:
        """Every label printed on the document, its fields' and the others: where a value ends,
        and what is never a value (a label read where its value was expected)."""
        return [*self.labels, *self.other_labels]



# --- the standard -------------------------------------------------------------------------------
class DocumentRequirement(StrictModel):
    type: DocumentType
    required: bool = True


class ConfidencePolicy(StrictModel):
    """How sure a machine reading must be before a rule trusts it without a human."""

    document_type: float = Field(
        0.9, ge=0, le=1, description="Classification confidence needed to trust a document's type."
    )
    default_field: float = Field(0.85, ge=0, le=1, description="OCR confidence needed by default.")
    fields: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description="Per field name, or per '<document_type>.<field>'."
    )


class PostLoan(StrictModel):
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


class FaceSearch(StrictModel):
    """How alike two faces of different dossiers must be, for one face engine, to be one person."""

    same_person_at: float = Field(
        ge=0, le=1, description="The engine's similarity at or above which two stored faces are "
        "one person (stricter than face_match's pass_at: a 1:N search meets many strangers).")
    candidates: int = Field(
        10, ge=1, le=100, description="Nearest faces the index is asked for first, scored again by "
        "the engine; doubled while the farthest still reaches same_person_at, so every stored face "
        "at or above it is found.")


class ChannelWeights(StrictModel):
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


class ChannelWatchAt(StrictModel):
    """Score at or above which a channel is put under watch, per kind of channel."""

    dealer: float = Field(0.3, gt=0, le=1, description="A dealer (``dealer_id``).")
    salesperson: float = Field(0.3, gt=0, le=1, description="A salesperson (``salesperson_id``).")


class ChannelPolicy(StrictModel):
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


class VoiceSearch(StrictModel):
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


class PhotoChecks(StrictModel):
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


class RiskPolicy(StrictModel):
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


class QaPolicy(StrictModel):
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


class Standard(StrictModel):
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

    def field_kind(self, reference: str) -> tuple[str, bool]:
        """(kind, personal) of the value a reference points at; unknown fields count as personal
        text."""
        source, field = split_reference(reference)
        if source == APPLICATION:
            return APPLICATION_FIELDS.get(field, "text"), field in PERSONAL_APPLICATION_FIELDS
        spec = field_spec(self.document_specs, source, field)
        return (spec.kind, spec.personal) if spec else ("text", True)

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


def field_spec(specs: dict[DocumentType, DocumentSpec], document_type: str,
               field: str) -> FieldSpec | None:
    """What the document specs say of one field of one document type; None when nothing."""
    spec = specs.get(DocumentType(document_type))
    return spec.fields.get(field) if spec else None

