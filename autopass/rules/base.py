"""What every rule type stands on: its model's common keys, the dossier as rules read it, the
outcome a check gives, and how values are compared (one place for all rule types).
"""

from __future__ import annotations

import re
import unicodedata
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from autopass import validators
from autopass.documents import DocumentType
from autopass.dossier import Application, DocumentResult, FaceResult, FieldRef, Status
from autopass.masking import mask_value
from autopass.references import APPLICATION, StrictModel, split_reference

if TYPE_CHECKING:
    from autopass.standards import Standard

PERMANENT = "长期"  # valid_to of an ID card that never expires


class RuleModel(StrictModel):
    """One rule of a standard: its parameters (read from YAML) and its check, together."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Reads as a sentence.")
    on_failure: Literal["reject", "review"] = Field(
        description="What a failure beyond doubt does: reject the dossier or send it to a human."
    )
    description: str | None = None

    def references(self) -> list[str]:
        """Every field reference the rule reads (checked against the document specs)."""
        return []

    @abstractmethod
    def check(self, dossier: DossierFacts) -> Outcome:
        """Judge this rule on one dossier: pass only on values it can trust."""

    def compared(self) -> tuple[list[str], float] | None:
        """For a rule that compares one fact across sources: the references (the first is the
        anchor) and the tolerance; None for other rules."""
        return None


# --- what the rules read --------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldReading:
    """One value a rule reads: from the application or from one document."""

    reference: str  # the standard's reference, e.g. "vehicle_invoice.buyer_name"
    where: FieldRef
    value: Any  # None when absent
    trusted: bool  # certain enough to pass or fail on
    type_doubtful: bool = False  # the document's type itself is uncertain
    label: str = APPLICATION  # for details: "application" or "vehicle_invoice (IMG_1.jpg)"

    @property
    def missing(self) -> bool:
        return blank(self.value)

    @property
    def subjects(self) -> list[FieldRef]:
        """What a human looks at to settle this value."""
        if self.type_doubtful:
            return [FieldRef(document=self.where.document, field="type"), self.where]
        return [self.where]


@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str = ""
    subjects: list[FieldRef] = field(default_factory=list)
    missing: list[DocumentType] = field(default_factory=list)  # documents the dossier lacks


def passes(detail: str = "") -> Outcome:
    return Outcome(Status.PASS, detail)


def needs_review(detail: str, readings: Sequence[FieldReading] = ()) -> Outcome:
    return Outcome(Status.REVIEW, detail, subjects_of(readings))


def fails(detail: str, readings: Sequence[FieldReading] = ()) -> Outcome:
    return Outcome(Status.FAIL, detail, subjects_of(readings))


def subjects_of(readings: Sequence[FieldReading]) -> list[FieldRef]:
    seen: dict[tuple[str, str], FieldRef] = {}
    for reading in readings:
        for ref in reading.subjects:
            seen.setdefault((ref.document, ref.field), ref)
    return list(seen.values())


@dataclass
class DossierFacts:
    """Everything a rule may read, with the standard's idea of what can be trusted."""

    standard: Standard
    application: Application
    documents: list[DocumentResult]
    face: FaceResult | None
    face_engine: str
    today: date

    @property
    def submitted_on(self) -> date:
        return self.application.submitted_at.date()

    def type_trusted(self, document: DocumentResult) -> bool:
        return document.confidence >= self.standard.confidence.document_type

    def documents_of(self, document_type: str) -> list[DocumentResult]:
        return [d for d in self.documents if d.type == document_type]

    def readings(self, reference: str) -> list[FieldReading]:
        """The application's value (one reading) or one reading per document of that type."""
        source, name = split_reference(reference)
        if source == APPLICATION:
            value: Any = self.application
            for part in name.split("."):
                value = getattr(value, part, None)
            where = FieldRef(document=APPLICATION, field=name)
            return [FieldReading(reference, where, value, trusted=True)]
        return [self._document_reading(reference, d, name) for d in self._carrying(source)]

    def _carrying(self, document_type: str) -> list[DocumentResult]:
        """The documents of a type that carry something read: a page of that type with nothing
        read beside one that has (the terms page of a two-page contract) is a continuation page,
        not a second document whose empty fields would make the first one's values unsure."""
        documents = self.documents_of(document_type)
        carrying = [d for d in documents if any(not blank(v.value) for v in d.fields.values())]
        return carrying or documents

    def _document_reading(self, reference: str, document: DocumentResult, name: str) -> FieldReading:
        read = document.fields.get(name)
        value = read.value if read else None
        sure = read is not None and (
            read.by_people
            or read.confidence >= self.standard.min_confidence(document.type, name)
        )
        type_sure = self.type_trusted(document)
        return FieldReading(
            reference,
            FieldRef(document=document.key, field=name),
            value,
            trusted=sure and type_sure and value is not None,
            type_doubtful=not type_sure,
            label=f"{document.type.value} ({document.file})",
        )

    def shown(self, reading: FieldReading) -> str:
        """The value as a detail may show it: masked or withheld when it is personal."""
        kind, personal = self.standard.field_kind(reading.reference)
        if kind in ("id_number", "card_number"):
            return " " + mask_value(kind, text_of(reading.value))
        return "" if personal else f" {reading.value}"




def blank(value: Any) -> bool:
    """Nothing was read: no value, or only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


# --- value handling -------------------------------------------------------------------------------
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "･": "·", "．": "·", "‧": "·"})


def text_of(value: Any) -> str:
    """Text as compared: full-width folded, spaces dropped, upper case (X of ID numbers)."""
    folded = unicodedata.normalize("NFKC", str(value)).translate(_MIDDLE_DOTS)
    return re.sub(r"\s+", "", folded).upper()


def amount_of(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    cleaned = re.sub(r"[¥￥,，\s元]", "", text_of(value))
    try:
        return float(cleaned)
    except ValueError:
        return None


def date_of(value: Any) -> date | None:
    try:
        return date.fromisoformat(text_of(value))
    except ValueError:
        return None


def boolean_of(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"TRUE": True, "FALSE": False, "是": True, "否": False}.get(text_of(value))


def same(kind: str, a: Any, b: Any, tolerance: float = 0.0) -> bool:
    """Whether two readings state the same fact, compared as their kind requires."""
    if kind in ("amount", "number"):
        x, y = amount_of(a), amount_of(b)
        return x is not None and y is not None and abs(x - y) <= tolerance + 0.005
    if kind == "bool":
        return boolean_of(a) is not None and boolean_of(a) == boolean_of(b)
    return text_of(a) == text_of(b)


CHECKSUMS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "gb11643": ("GB 11643 check digit", validators.is_valid_id_number),
    "iso3779": ("ISO 3779 check digit", validators.is_valid_vin),
    "luhn": ("Luhn check digit", validators.is_valid_luhn),
}
"""Check-digit algorithms by the name a standard gives them: (what a detail calls it, the test)."""

_CHECK_DIGIT_OF_KIND = {"id_number": "gb11643", "card_number": "luhn", "vin": "iso3779"}
"""The check-digit algorithm (a key of ``CHECKSUMS``) that every value of a field kind carries."""


def misread_of(kind: str, reading: FieldReading, consensus: Any) -> bool:
    """A document's number that fails its own check digit and is one character away from the
    valid number every trusted source states: a proven misread (a 0 read as 8), not another
    number. Never the application's value: a customer's typo is a fact to check, not a misread."""
    is_valid = check_digit_of(kind)
    if is_valid is None or reading.where.document == APPLICATION:
        return False
    read, agreed = text_of(reading.value), text_of(consensus)
    if not read or len(read) != len(agreed) or is_valid(read) or not is_valid(agreed):
        return False
    return sum(a != b for a, b in zip(read, agreed, strict=True)) == 1


def check_digit_of(kind: str) -> Callable[[str], bool] | None:
    """The check-digit test every value of a field kind passes, if the kind has one."""
    algorithm = _CHECK_DIGIT_OF_KIND.get(kind)
    return CHECKSUMS[algorithm][1] if algorithm else None


def summary(readings: list[FieldReading]) -> str:
    return ", ".join(dict.fromkeys(r.label.split(" (")[0] for r in readings))


# --- the rules ------------------------------------------------------------------------------------
