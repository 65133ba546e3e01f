"""The checklist: each rule of a standard judged on one dossier, and the decision that follows.

A rule passes only on values it can trust; a doubt (missing input, OCR below the standard's
min_confidence, unreadable or doubtfully classified document) is a ``review`` naming the fields a
human should look at; a failure on trusted values is a ``fail``, hard when the rule rejects. A rule
that crashes is recorded as ``review`` ("could not evaluate"), never lost. Details never show names,
addresses or birth dates, and ID and card numbers only masked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from autopass import validators
from autopass.documents import DocumentType
from autopass.dossier import (
    Application,
    CheckResult,
    Decision,
    DocumentResult,
    FaceResult,
    FieldRef,
    Status,
)
from autopass.masking import mask_numbers, mask_value
from autopass.standards import (
    APPLICATION,
    AgeRange,
    BooleanField,
    Checksum,
    DateWindow,
    DocumentsPresent,
    EqualsApplication,
    FaceMatch,
    FieldsAgree,
    IdNumberConsistency,
    LtvLimit,
    Rule,
    Standard,
    field_kind,
    split_reference,
)

PERMANENT = "长期"  # valid_to of an ID card that never expires


# --- what the rules read --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """One value a rule reads: from the application or from one document."""

    reference: str  # the standard's reference, e.g. "vehicle_invoice.buyer_name"
    where: FieldRef
    value: Any  # None when absent
    trusted: bool  # certain enough to pass or fail on
    type_doubtful: bool = False  # the document's type itself is uncertain
    label: str = APPLICATION  # for details: "application" or "vehicle_invoice (IMG_1.jpg)"

    @property
    def missing(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

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


def _pass(detail: str = "") -> Outcome:
    return Outcome(Status.PASS, detail)


def _review(detail: str, readings: Sequence[Reading] = ()) -> Outcome:
    return Outcome(Status.REVIEW, detail, _subjects(readings))


def _fail(detail: str, readings: Sequence[Reading] = ()) -> Outcome:
    return Outcome(Status.FAIL, detail, _subjects(readings))


def _subjects(readings: Sequence[Reading]) -> list[FieldRef]:
    seen: dict[tuple[str, str], FieldRef] = {}
    for reading in readings:
        for ref in reading.subjects:
            seen.setdefault((ref.document, ref.field), ref)
    return list(seen.values())


@dataclass
class Dossier:
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

    def readings(self, reference: str) -> list[Reading]:
        """The application's value (one reading) or one reading per document of that type."""
        source, name = split_reference(reference)
        if source == APPLICATION:
            value: Any = self.application
            for part in name.split("."):
                value = getattr(value, part, None)
            where = FieldRef(document=APPLICATION, field=name)
            return [Reading(reference, where, value, trusted=True)]
        return [self._document_reading(reference, d, name) for d in self.documents_of(source)]

    def _document_reading(self, reference: str, document: DocumentResult, name: str) -> Reading:
        read = document.fields.get(name)
        value = read.value if read else None
        sure = read is not None and (
            read.by_people
            or read.confidence >= self.standard.min_confidence(document.type, name)
        )
        type_sure = self.type_trusted(document)
        return Reading(
            reference,
            FieldRef(document=document.key, field=name),
            value,
            trusted=sure and type_sure and value is not None,
            type_doubtful=not type_sure,
            label=f"{document.type.value} ({document.file})",
        )

    def shown(self, reading: Reading) -> str:
        """The value as a detail may show it: masked or withheld when it is personal."""
        kind, personal = field_kind(self.standard, reading.reference)
        if kind in ("id_number", "card_number"):
            return " " + mask_value(kind, _text(reading.value))
        return "" if personal else f" {reading.value}"


# --- value handling -------------------------------------------------------------------------------
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "･": "·", "．": "·", "‧": "·"})


def _text(value: Any) -> str:
    """Text as compared: full-width folded, spaces dropped, upper case (X of ID numbers)."""
    folded = unicodedata.normalize("NFKC", str(value)).translate(_MIDDLE_DOTS)
    return re.sub(r"\s+", "", folded).upper()


def _amount(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    cleaned = re.sub(r"[¥￥,，\s元]", "", _text(value))
    try:
        return float(cleaned)
    except ValueError:
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"TRUE": True, "FALSE": False, "是": True, "否": False}.get(_text(value))


def _same(kind: str, a: Any, b: Any, tolerance: float = 0.0) -> bool:
    """Whether two readings state the same fact, compared as their kind requires."""
    if kind in ("amount", "number"):
        x, y = _amount(a), _amount(b)
        return x is not None and y is not None and abs(x - y) <= tolerance + 0.005
    if kind == "bool":
        return _boolean(a) is not None and _boolean(a) == _boolean(b)
    return _text(a) == _text(b)


_CHECK_DIGIT_OF_KIND = {"id_number": "gb11643", "card_number": "luhn", "vin": "iso3779"}
"""The check-digit algorithm (a key of ``_CHECKSUMS``) that every value of a field kind carries."""


def _misread_of(kind: str, reading: Reading, consensus: Any) -> bool:
    """A document's number that fails its own check digit and is one character away from the
    valid number every trusted source states: a proven misread (a 0 read as 8), not another
    number. Never the application's value: a customer's typo is a fact to check, not a misread."""
    is_valid = check_digit_of(kind)
    if is_valid is None or reading.where.document == APPLICATION:
        return False
    read, agreed = _text(reading.value), _text(consensus)
    if not read or len(read) != len(agreed) or is_valid(read) or not is_valid(agreed):
        return False
    return sum(a != b for a, b in zip(read, agreed, strict=True)) == 1


def check_digit_of(kind: str) -> Callable[[str], bool] | None:
    """The check-digit test every value of a field kind passes, if the kind has one."""
    algorithm = _CHECK_DIGIT_OF_KIND.get(kind)
    return _CHECKSUMS[algorithm][1] if algorithm else None


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")


def _summary(readings: list[Reading]) -> str:
    return ", ".join(dict.fromkeys(r.label.split(" (")[0] for r in readings))


# --- the rules ------------------------------------------------------------------------------------
def documents_present(rule: DocumentsPresent, dossier: Dossier) -> Outcome:
    """Every required document is in the dossier, classified with confidence."""
    missing: list[DocumentType] = []
    doubtful: list[DocumentResult] = []
    required = dossier.standard.required_documents
    for document_type in required:
        found = dossier.documents_of(document_type)
        if any(dossier.type_trusted(d) for d in found):
            continue
        if found:
            doubtful.extend(found)
        else:
            missing.append(document_type)
    if missing:
        # Pages whose type is in doubt may hold it (the machine never trusts its own `other`);
        # a page a person called something else, `other` included, does not.
        candidates = [d for d in dossier.documents if not dossier.type_trusted(d)]
        names = ", ".join(missing)
        if candidates:
            return Outcome(
                Status.REVIEW,
                f"no {names} recognised; {len(candidates)} page(s) unread or unclassified may hold it",
                [FieldRef(document=d.key, field="type") for d in candidates],
            )
        # Pages one person typed are the failure's subjects: on one person's word the document
        # may still be among them (a slip of the hand), so a second look is asked before a reject.
        typed_by_one = [d for d in dossier.documents if d.by_one_person("type")]
        return Outcome(Status.FAIL, f"required document(s) missing: {names}",
                       [FieldRef(document=d.key, field="type") for d in typed_by_one], missing)
    if doubtful:
        return Outcome(
            Status.REVIEW,
            f"document type uncertain for {len(doubtful)} page(s)",
            [FieldRef(document=d.key, field="type") for d in doubtful],
        )
    return _pass(f"all {len(required)} required documents present")


_CHECKSUMS: dict[str, tuple[str, Callable[[str], bool]]] = {
    "gb11643": ("GB 11643 check digit", validators.is_valid_id_number),
    "iso3779": ("ISO 3779 check digit", validators.is_valid_vin),
    "luhn": ("Luhn check digit", validators.is_valid_luhn),
}


def checksum(rule: Checksum, dossier: Dossier) -> Outcome:
    """Keyed-in numbers must carry a correct check digit; an OCR value failing it is a misread."""
    name, is_valid = _CHECKSUMS[rule.algorithm]
    failed: list[Reading] = []
    doubtful: list[Reading] = []
    checked = 0
    for reference in rule.fields:
        for reading in dossier.readings(reference):
            if reading.missing:
                doubtful.append(reading)
            elif is_valid(_text(reading.value)):
                checked += 1
            elif reading.where.document == APPLICATION or _is_human(dossier, reading):
                failed.append(reading)
            else:
                doubtful.append(reading)
    if failed:
        where = "; ".join(f"{r.label}{dossier.shown(r)}" for r in failed)
        return _fail(f"{name} wrong: {where}", failed)
    if doubtful:
        return _review(f"{name} cannot be confirmed on: {_summary(doubtful)}", doubtful)
    if not checked:
        return _review("nothing to check")
    return _pass(f"{name} correct on {checked} value(s)")


def _is_human(dossier: Dossier, reading: Reading) -> bool:
    for document in dossier.documents:
        if document.key == reading.where.document:
            read = document.fields.get(reading.where.field)
            return read is not None and read.by_people
    return False


def id_number_consistency(rule: IdNumberConsistency, dossier: Dossier) -> Outcome:
    """Birth date and sex printed on the card agree with those encoded in its number."""
    numbers = dossier.readings(rule.id_number)
    if not numbers:
        return _review(f"no {split_reference(rule.id_number)[0]} to check")
    births, sexes = dossier.readings(rule.birth_date), dossier.readings(rule.sex)
    failed: list[Reading] = []
    doubtful: list[Reading] = []
    for number, birth, sex in zip(numbers, births, sexes, strict=True):
        id_number = _text(number.value) if not number.missing else ""
        printed = [(birth, _printed(birth, _date)), (sex, _printed(sex, _text))]
        if not validators.is_valid_id_number(id_number):
            # A birth date or sex not read at all needs a person whatever the number says: asked
            # now, with the number, rather than in a round of its own once the number is known.
            doubtful.extend([number, *(reading for reading, value in printed if value is None)])
            continue
        encoded = (validators.id_birth_date(id_number), validators.id_sex(id_number))
        for (reading, value), expected in zip(printed, encoded, strict=True):
            if value is None:
                doubtful.append(reading)
            elif value != expected:
                (failed if reading.trusted and number.trusted else doubtful).extend(
                    [reading, number]
                )
    if failed:
        return _fail(f"printed birth date or sex differs from the ID number on {_summary(failed)}",
                     failed)
    if doubtful:
        return _review(f"cannot confirm birth date and sex on {_summary(doubtful)}", doubtful)
    return _pass("birth date and sex agree with the ID number")


def _printed(reading: Reading, parse: Callable[[Any], Any]) -> Any:
    """The reading's value as ``parse`` understands it; None when absent or not understood."""
    return None if reading.missing else parse(reading.value)


def date_window(rule: DateWindow, dossier: Dossier) -> Outcome:
    """The document is valid on the reference date with at least min_days_left to run."""
    day = dossier.submitted_on if rule.as_of == "submission" else dossier.today
    readings = dossier.readings(rule.valid_to)
    if not readings:
        return _review(f"no {split_reference(rule.valid_to)[0]} to check")
    failures: list[str] = []
    failed: list[Reading] = []
    doubtful: list[Reading] = []
    starts = {r.where.document: r for r in dossier.readings(rule.valid_from)} if rule.valid_from else {}
    for reading in readings:
        problem = _validity_problem(reading, day, rule.min_days_left)
        start = starts.get(reading.where.document)
        if problem is None and start is not None:
            problem, reading = _not_yet_valid(start, day), start
        if problem == "doubt":
            doubtful.append(reading)
        elif problem and reading.trusted:
            failed.append(reading)
            failures.append(problem)
        elif problem:
            doubtful.append(reading)
    if failed:
        return _fail("; ".join(failures), failed)
    if doubtful:
        return _review(f"validity dates unsure on {_summary(doubtful)}", doubtful)
    return _pass(f"valid on {day.isoformat()} with at least {rule.min_days_left} days left")


def _validity_problem(reading: Reading, day: date, min_days_left: int) -> str | None:
    """None when valid, "doubt" when unreadable, else what is wrong."""
    if reading.missing:
        return "doubt"
    if _text(reading.value) == PERMANENT:
        return None if reading.trusted else "doubt"
    valid_to = _date(reading.value)
    if valid_to is None or not reading.trusted:
        return "doubt"
    days_left = (valid_to - day).days
    if days_left < 0:
        return f"{reading.label} expired on {valid_to.isoformat()}, before {day.isoformat()}"
    if days_left < min_days_left:
        return f"{reading.label} expires in {days_left} days, fewer than {min_days_left}"
    return None


def _not_yet_valid(reading: Reading, day: date) -> str | None:
    valid_from = None if reading.missing else _date(reading.value)
    if valid_from is None or valid_from <= day:
        return None
    return f"{reading.label} only valid from {valid_from.isoformat()}, after {day.isoformat()}"


def age_range(rule: AgeRange, dossier: Dossier) -> Outcome:
    """The applicant is old enough, not too old, and not too old when the loan ends."""
    births: list[tuple[Reading, date | None]] = [
        (reading, _birth_date(reading, field_kind(dossier.standard, reference)[0]))
        for reference in rule.birth_date_from
        for reading in dossier.readings(reference)
    ]
    sure = {birth for reading, birth in births if reading.trusted and birth is not None}
    if len(sure) > 1:
        differing = [reading for reading, birth in births if reading.trusted and birth is not None]
        return _review("birth dates differ between sources", differing)
    if not sure:
        return _review("no trusted birth date", [r for r, _ in births])
    birth = sure.pop()
    doubtful = [reading for reading, found in births if found != birth]
    if doubtful:
        return _review(f"birth date unsure on {_summary(doubtful)}", doubtful)
    day = dossier.submitted_on
    age = _age_on(birth, day)
    age_at_end = _age_on(birth, _add_months(day, dossier.application.loan.term_months))
    sources = [reading for reading, _ in births]
    if age < rule.min_age:
        return _fail(f"applicant aged {age}, under the minimum {rule.min_age}", sources)
    if age > rule.max_age:
        return _fail(f"applicant aged {age}, over the maximum {rule.max_age}", sources)
    if rule.max_age_at_term_end is not None and age_at_end > rule.max_age_at_term_end:
        return _fail(
            f"applicant aged {age_at_end} when the loan ends, over {rule.max_age_at_term_end}",
            sources,
        )
    return _pass(f"age within {rule.min_age}-{rule.max_age}")


def _birth_date(reading: Reading, kind: str) -> date | None:
    if reading.missing:
        return None
    if kind == "id_number":
        number = _text(reading.value)
        return validators.id_birth_date(number) if validators.is_valid_id_number(number) else None
    return _date(reading.value)


def fields_agree(rule: FieldsAgree, dossier: Dossier) -> Outcome:
    """The same fact is the same wherever it appears (the first reference is the anchor)."""
    return _agreement(dossier, list(rule.fields), tolerance=0.0, need_document=False)


def equals_application(rule: EqualsApplication, dossier: Dossier) -> Outcome:
    """A document states what the dealer keyed in; without the document there is nothing to see."""
    return _agreement(dossier, [rule.application, rule.document], rule.tolerance, need_document=True)


def _agreement(dossier: Dossier, references: list[str], tolerance: float,
               need_document: bool) -> Outcome:
    kind, readings, absent, groups = _sides(dossier, references, tolerance)
    what = split_reference(references[0])[1].rsplit(".", 1)[-1].replace("_", " ")
    others = [r for r in readings if r.where.document != APPLICATION]
    if not others:
        missing = ", ".join(split_reference(ref)[0] for ref in references[1:])
        return _review(f"no {missing} to compare with" if need_document else "nothing to compare")
    present = [r for r in readings if r not in absent]
    if len(groups) > 1:
        anchor = next((g for g in groups if any(r.reference == references[0] for r in g)), groups[0])
        differing = [r for g in groups if g is not anchor for r in g]
        sides = "; ".join(f"{r.label}{dossier.shown(r)}" for r in differing)
        base = f"{anchor[0].label}{dossier.shown(anchor[0])}"
        return _fail(f"{what} differs: {sides} vs {base}", [anchor[0], *differing])
    doubtful = list(absent)
    if groups:
        consensus = groups[0][0].value
        doubtful += [
            r for r in present if not r.trusted and not _same(kind, r.value, consensus, tolerance)
            and not _misread_of(kind, r, consensus)
        ]
    else:
        doubtful += present
    if doubtful:
        return _review(f"{what} unsure on {_summary(doubtful)}", doubtful)
    return _pass(f"{what} agrees on {_summary(readings)}")


def _sides(dossier: Dossier, references: list[str], tolerance: float,
           ) -> tuple[str, list[Reading], list[Reading], list[list[Reading]]]:
    """What an agreement compares: the field kind, every reading, those absent, and the trusted
    present readings grouped by the value they state."""
    kind = field_kind(dossier.standard, references[-1])[0]
    readings = [r for reference in references for r in dossier.readings(reference)]
    absent = [r for r in readings if r.missing or (kind == "amount" and _amount(r.value) is None)]
    groups = _group([r for r in readings if r.trusted and r not in absent], kind, tolerance)
    return kind, readings, absent, groups


@dataclass(frozen=True)
class Expectation:
    """A document value in doubt, and what every trusted source says it is."""

    where: FieldRef
    kind: str
    value: Any


def expected_values(standard: Standard, application: Application,
                    documents: list[DocumentResult]) -> list[Expectation]:
    """The doubtful document values of the standard's agreements whose trusted sources all state
    one value: what a second look at each document's image may confirm (or not)."""
    dossier = Dossier(standard, application, documents, None, "", application.submitted_at.date())
    expectations: dict[tuple[str, str], Expectation] = {}
    for rule in standard.rules:
        if isinstance(rule, FieldsAgree):
            references, tolerance = list(rule.fields), 0.0
        elif isinstance(rule, EqualsApplication):
            references, tolerance = [rule.application, rule.document], rule.tolerance
        else:
            continue
        kind, readings, _, groups = _sides(dossier, references, tolerance)
        if len(groups) != 1:
            continue
        consensus = groups[0][0].value
        for reading in readings:
            if reading.where.document != APPLICATION and not reading.trusted \
                    and not reading.type_doubtful and not _same(kind, reading.value, consensus, tolerance):
                key = (reading.where.document, reading.where.field)
                expectations.setdefault(key, Expectation(reading.where, kind, consensus))
    return list(expectations.values())


def _group(readings: list[Reading], kind: str, tolerance: float) -> list[list[Reading]]:
    groups: list[list[Reading]] = []
    for reading in readings:
        for group in groups:
            if _same(kind, group[0].value, reading.value, tolerance):
                group.append(reading)
                break
        else:
            groups.append([reading])
    return groups


def ltv_limit(rule: LtvLimit, dossier: Dossier) -> Outcome:
    """The loan is at most max_ltv of the invoice price."""
    loans, prices = dossier.readings(rule.loan_amount), dossier.readings(rule.price)
    if not prices:
        return _review(f"no {split_reference(rule.price)[0]} with a price")
    witnesses = dossier.readings(rule.price_corroborated_by) if rule.price_corroborated_by else []
    prices = [_corroborated(p, witnesses) for p in prices]
    doubtful = [r for r in loans + prices if not r.trusted or not (_amount(r.value) or 0) > 0]
    if doubtful:
        return _review(f"amount unsure on {_summary(doubtful)}", doubtful)
    loan = max(_amount(r.value) or 0.0 for r in loans)
    for price_reading in prices:
        price = _amount(price_reading.value) or 0.0
        ratio = loan / price
        if ratio > rule.max_ltv + 1e-9:
            return _fail(
                f"loan {loan:.2f} is {ratio:.1%} of the price {price:.2f} on {price_reading.label}, "
                f"above the {rule.max_ltv:.0%} limit",
                [*loans, price_reading],
            )
    return _pass(f"loan is {ratio:.1%} of the price, within {rule.max_ltv:.0%}")


def _corroborated(reading: Reading, witnesses: list[Reading]) -> Reading:
    """A doubtful amount that a trusted reading elsewhere states exactly is trusted."""
    if reading.trusted or reading.type_doubtful:
        return reading
    if any(w.trusted and _same("amount", w.value, reading.value) for w in witnesses):
        return replace(reading, trusted=True)
    return reading


def boolean_field(rule: BooleanField, dossier: Dossier) -> Outcome:
    """A yes/no read from a document has the expected answer (e.g. the contract is signed)."""
    readings = dossier.readings(rule.field)
    source, name = split_reference(rule.field)
    what = name.replace("_", " ")
    if not readings:
        return _review(f"no {source} to check")
    wrong = [r for r in readings if _boolean(r.value) is not None and _boolean(r.value) != rule.expected]
    unsure = [r for r in readings if _boolean(r.value) is None or not r.trusted]
    failed = [r for r in wrong if r.trusted]
    if failed:
        return _fail(f"{what} is {not rule.expected} on {_summary(failed)}", failed)
    if unsure:
        return _review(f"{what} unsure on {_summary(unsure)}", unsure)
    return _pass(f"{what} is {rule.expected}")


def face_match(rule: FaceMatch, dossier: Dossier) -> Outcome:
    """The selfie shows the person on the ID card, by the standard's thresholds for this engine."""
    subjects = [FieldRef(document=d.key, field="portrait")
                for d in dossier.documents_of(DocumentType.ID_CARD_FRONT)]
    subjects += [FieldRef(document=d.key, field="face")
                 for d in dossier.documents_of(DocumentType.SELFIE)]
    thresholds = rule.engines.get(dossier.face_engine)  # type: ignore[call-overload]
    face = dossier.face
    if thresholds is None:
        return Outcome(Status.REVIEW, f"no thresholds for face engine {dossier.face_engine!r}",
                       subjects)
    if face is not None and face.confirmed_by is not None:
        said = "same person" if face.status == Status.PASS else "different people"
        return Outcome(face.status, f"a person compared the faces: {said}", subjects)
    if face is None or face.score is None:
        why = face.detail if face and face.detail else "faces were not compared"
        return Outcome(Status.REVIEW, f"no face score: {why}", subjects)
    status, detail = thresholds.judge(face.score)
    if status == Status.PASS:
        verdict = Outcome(status, detail)
    else:
        suffix = ": a person compares" if status == Status.REVIEW else ""
        verdict = Outcome(status, detail + suffix, subjects)
    if (face.status != Status.PASS and verdict.status == Status.PASS) or (
        face.status == Status.REVIEW and verdict.status == Status.FAIL
    ):
        note = f"; face check says {face.status.value}" + (f": {face.detail}" if face.detail else "")
        return Outcome(Status.REVIEW, verdict.detail + note, subjects)
    return verdict


CHECKS: dict[str, Callable[[Any, Dossier], Outcome]] = {
    "documents_present": documents_present,
    "checksum": checksum,
    "id_number_consistency": id_number_consistency,
    "date_window": date_window,
    "age_range": age_range,
    "fields_agree": fields_agree,
    "equals_application": equals_application,
    "ltv_limit": ltv_limit,
    "boolean_field": boolean_field,
    "face_match": face_match,
}


# --- evaluation and decision ----------------------------------------------------------------------
def evaluate(
    standard: Standard,
    *,
    application: Application,
    documents: list[DocumentResult],
    face: FaceResult | None,
    face_engine: str,
    today: date,
) -> list[CheckResult]:
    """One CheckResult per rule of the standard, in its order."""
    dossier = Dossier(standard, application, documents, face, face_engine, today)
    return [_run(rule, dossier) for rule in standard.rules]


def _run(rule: Rule, dossier: Dossier) -> CheckResult:
    try:
        outcome = CHECKS[rule.type](rule, dossier)
    except Exception as error:  # noqa: BLE001 - a crashing rule is a result, never lost
        return CheckResult(
            id=rule.id,
            status=Status.REVIEW,
            detail=f"could not evaluate: {type(error).__name__}: {scrub(str(error))}",
        )
    return CheckResult(
        id=rule.id,
        status=outcome.status,
        detail=outcome.detail,
        subjects=outcome.subjects,
        hard=outcome.status == Status.FAIL and rule.on_failure == "reject",
        ask_dealer_for=outcome.missing
        if outcome.status == Status.FAIL and rule.on_failure == "ask_dealer" else [],
    )


def scrub(text: str) -> str:
    """Text safe to show: Chinese text withheld, long numbers masked (errors may quote values)."""
    text = re.sub(r"[\u3400-\u9fff\uf900-\ufaff]+", "…", text)
    return mask_numbers(text)


def decide(checks: list[CheckResult]) -> Decision:
    """Reject on a hard failure beyond doubt; auto-pass only when every check passed. A document
    the dealer is asked for is a ``review`` (the dossier waits for them, not for people)."""
    if any(c.status == Status.FAIL and c.hard for c in checks):
        return Decision.REJECT
    if not checks or any(c.status != Status.PASS for c in checks):
        return Decision.REVIEW
    return Decision.AUTO_PASS
