"""Field readers shared by the document types: a value by its labels, read as its kind.

Each document type's reader (``autopass/reading/documents/<type>.py``) composes these. Labels,
where a value stands relative to its label, what a value of each kind looks like, and what else is
printed between fields (国籍, 贷款人...: *stops* that end a value and are never one) come from
``standards/documents/<type>.yaml``. A field that cannot be read is returned with ``value=None``
and confidence 0, so a human is asked rather than a guess made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from autopass.dossier import FieldValue
from autopass.engines.base import TextLine
from autopass.reading.layout import (
    Found,
    Row,
    union_box,
    value_after,
)
from autopass.reading.signature import read_signature
from autopass.reading.text import (
    INVALID_CONFIDENCE,
    LONG_TERM,
    LONGEST_NAME,
    MERGED_NAME_PENALTY,
    REPAIRED_PENALTY,
    SHORTEST_NAME,
    UNPROVEN_PENALTY,
    Reading,
    chinese_amount,
    clean,
    find_amount,
    find_dates,
    holds_validity_period,
    is_name,
    label_fragments,
    likelier_name,
    proven_by_runners_up,
    read_date,
    read_id_number,
    read_name,
    read_term_years,
    read_validity,
    read_vin,
)
from autopass.standards import DocumentSpec
from autopass.validators import ID_NUMBER_SHAPE, is_valid_id_number

_CAPITAL_NUMERALS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿")

Fields = dict[str, FieldValue]

UNPROVEN_AMOUNT = 0.8
"""An amount read once (figures or capitals, not both): believable, not proven."""
AMOUNTS_DISAGREE = 0.4
"""Figures and capitals that differ: one was misread, a human decides."""
DOUBTFUL_TEXT = 0.75
"""Factor for an address or authority that does not look whole (cut short, fragments dropped)."""
OVERPRINT = "仅供贷款使用"
"""What lenders write across a photocopied ID card (仅供…使用: for … only)."""
_OVERPRINT_IN_NAME = re.compile(f"[{OVERPRINT}].*$")


def labels_to_read(spec: DocumentSpec) -> list[str]:
    """Every label whose row holds a value of ``spec``'s fields (what must be read in full)."""
    return [clean(label) for label in spec.labels]


class Page:
    """One upright document's printed rows, its spec and its image: what a reader reads from."""

    def __init__(self, rows: list[Row], spec: DocumentSpec, stops: list[str], image: np.ndarray):
        self.rows = rows
        self.spec = spec
        self.stops = stops
        self.image = image

    def labels(self, field: str) -> list[str]:
        return self.spec.fields[field].labels

    def after(self, field: str) -> Found | None:
        """Where ``field``'s value stands by one of its labels (right of it or below, as its spec
        says): the first place that holds a value of its kind."""
        spec = self.spec.fields[field]

        def accept(found: Found) -> bool:
            """A value of the field's kind: a name (a label word is none), an amount (金额（元）
            right of its label is none: the figure stands under it)."""
            if spec.kind == "name":
                return is_name(_read_name_at(self, field, found)[0].value, self.stops)
            if spec.kind == "amount":
                return find_amount(found.text) is not None or chinese_amount(found.text) is not None
            return True

        def sentence(found: Found) -> bool:
            """Text glued to a name's label that no name fits (a clause's words, too many for a
            name and ending at no label): the label is a word of a sentence."""
            reading = _read_name_at(self, field, found)[0]
            return reading.value is not None and len(reading.value) > LONGEST_NAME \
                and "·" not in reading.value and reading.trust <= INVALID_CONFIDENCE

        return value_after(self.rows, spec.labels, self.stops, below="below" in spec.value_at,
                           accept=accept, sentence=sentence if spec.kind == "name" else None)


def value_of(reading: Reading, found: Found | None, ocr_confidence: float | None = None) -> FieldValue:
    if reading.value is None:
        return FieldValue(value=None, confidence=0.0, box=found.box if found else None)
    base = ocr_confidence if ocr_confidence is not None else (found.confidence if found else 0.5)
    return FieldValue(value=reading.value, confidence=round(max(0.0, min(1.0, base * reading.trust)), 3),
                      box=found.box if found else None)


def name_field(context: Page, field: str, found: Found | None = None) -> FieldValue:
    """A person's name by its label; digits and misread labels glued to it are cut off."""
    found = found if found is not None else context.after(field)
    if found is None:
        return FieldValue(value=None, confidence=0.0)
    return value_of(*_read_name_at(context, field, found))


def _read_name_at(context: Page, field: str, found: Found) -> tuple[Reading, Found]:
    """The name read in ``found``'s first cell, and that cell."""
    found = found.first_cell()
    own = set(context.labels(field))
    fragments = label_fragments([clean(stop) for stop in context.stops if stop not in own])
    reading = read_name(found.text, fragments)
    overprint = _OVERPRINT_IN_NAME.search(reading.value or "", SHORTEST_NAME)
    if reading.value and overprint:
        # 韩红仅, 廖倩雪供负: the photocopy's 仅供贷款使用 overprint crosses the name, and what
        # follows its first character is overprint too (misread or not); the rest is probably it.
        reading = Reading(reading.value[: overprint.start()], reading.trust * MERGED_NAME_PENALTY)
    return plausible_name(reading, found), found


def plausible_name(reading: Reading, found: Found) -> Reading:
    """The reading with implausible characters swapped for the recogniser's runners-up (see
    ``likelier_name``); a changed name is repaired, hence doubtful."""
    at = found.text.find(reading.value) if reading.value else -1
    if at < 0 or not found.alternatives:
        return reading
    likelier = likelier_name(reading.value, found.alternatives[at : at + len(reading.value)])
    return reading if likelier == reading.value else Reading(likelier, reading.trust * REPAIRED_PENALTY)


def id_number_field(context: Page, field: str) -> FieldValue:
    """The labelled ID number, else any 18-character run that passes GB 11643 on the page."""
    found = context.after(field)
    if found is not None:
        reading = read_id_number(found.text)
        if reading.value is not None and reading.trust > INVALID_CONFIDENCE:
            return value_of(reading, found)
        at = found.text.upper().find(reading.value) if reading.value else -1
        if at >= 0 and found.alternatives:
            runners_up = found.alternatives[at : at + len(reading.value or "")]
            proven = proven_by_runners_up(reading.value or "", runners_up, is_valid_id_number)
            if proven:
                return value_of(Reading(proven, REPAIRED_PENALTY * REPAIRED_PENALTY), found)
    misread: tuple[Reading, Found] | None = None
    for index, row in enumerate(context.rows):
        reading = read_id_number(row.text)
        spot = Found(row.text, index, 0, len(row.text), row)
        if reading.value and reading.trust > INVALID_CONFIDENCE:
            return value_of(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
        if misread is None and found is None and ID_NUMBER_SHAPE.fullmatch(reading.value or ""):
            misread = reading, spot
    if misread is not None:
        # Its label lost, an ID number failing its check digit: kept as read (untrusted) and
        # where, so that a second look, knowing the applicant's number, may confirm it.
        return value_of(*misread)
    return value_of(read_id_number(found.text) if found else Reading(None, 0.0), found)


def vin_field(context: Page) -> FieldValue:
    found = context.after("vin")
    if found is not None:
        reading = read_vin(found.text)
        if reading.trust > INVALID_CONFIDENCE:
            return value_of(reading, found)
    for index, row in enumerate(context.rows):
        if ID_NUMBER_SHAPE.search(row.text.upper()):
            continue  # 17 characters of an ID number pass a VIN's check digit one time in eleven
        reading = read_vin(row.text)
        if reading.value and reading.trust >= REPAIRED_PENALTY:
            spot = Found(row.text, index, 0, len(row.text), row)
            return value_of(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
    return value_of(read_vin(found.text) if found else Reading(None, 0.0), found)


def amount_field(context: Page, field: str) -> FieldValue:
    """The figure after the label; proven by the amount in Chinese capitals on the same row."""
    found = context.after(field)
    if found is None:
        return _amounts_agreeing(context) or FieldValue(value=None, confidence=0.0)
    row_text = found.row.text
    figure_part = row_text[row_text.find("¥") :] if "¥" in row_text else found.text
    for label in context.labels(field):  # 价税合计 … (小写) 158000.00: the figure follows a label
        figure_part = figure_part.split(clean(label))[-1]
    figure = find_amount(figure_part)
    capitals = chinese_amount(row_text[found.start : row_text.find("¥") if "¥" in row_text else None])
    if figure is not None and capitals is not None and abs(capitals - figure) < 0.005:
        value, trust = figure, 1.0
    elif (pair := _amounts_agreeing(context)) is not None:
        return pair
    elif figure is None and capitals is None:
        return FieldValue(value=None, confidence=0.0, box=found.box)
    elif figure is not None and capitals is not None:
        value, trust = figure, AMOUNTS_DISAGREE
    else:  # one of the two hidden or unreadable: the other, unproven
        value, trust = (figure if figure is not None else capitals), UNPROVEN_AMOUNT
    confidence = found.row.confidence(found.start, len(row_text))
    return FieldValue(value=value, confidence=round(confidence * trust, 3), box=found.row.box(found.start, len(row_text)))


def _amounts_agreeing(context: Page) -> FieldValue | None:
    """An amount in capitals and a ¥ figure anywhere on the page that say the same: proven, even
    when a tilted photo put them on different rows or the 小写 label was lost."""
    lines = [line for row in context.rows for line in row.lines]
    capitals = [(amount, line) for line in lines
                if sum(ch in _CAPITAL_NUMERALS for ch in line.text) >= 3
                and (amount := chinese_amount(line.text)) is not None]
    figures = [(amount, line) for line in lines
               if ("¥" in line.text or "￥" in line.text) and (amount := find_amount(line.text)) is not None]
    for capital, capital_line in capitals:
        for figure, figure_line in figures:
            if abs(capital - figure) < 0.005:
                confidence = min(capital_line.confidence, figure_line.confidence)
                return FieldValue(value=figure, confidence=round(confidence, 3), box=union_box([figure_line]))
    return None


def digits_field(context: Page, field: str) -> FieldValue:
    """The longest run of digits after the field's label; one its spec's ``pattern`` refuses (an
    8-digit paper or a 20-digit 数电 invoice number, a 12-digit registration number) is untrusted."""
    found = context.after(field)
    if found is None:
        return FieldValue(value=None, confidence=0.0)
    runs = re.findall(r"[0-9OoIlSB]{6,}", found.text)
    if not runs:
        return FieldValue(value=None, confidence=0.0, box=found.box)
    run = max(runs, key=len)
    digits = run.translate(str.maketrans("OoIlSB", "001158"))
    trust = 0.9 if digits == run else 0.75
    if not fits(context, field, digits):
        trust = INVALID_CONFIDENCE
    return FieldValue(value=digits, confidence=round(found.confidence * trust, 3), box=found.box)


def fits(context: Page, field: str, value: str) -> bool:
    """Whether ``value`` matches the field's ``pattern`` in its spec (any value, without one)."""
    pattern = context.spec.fields[field].pattern
    return pattern is None or re.fullmatch(pattern, value) is not None




def read_after(context: Page, field: str, reader: Callable[[str], Reading]) -> tuple[Reading, Found | None]:
    found = context.after(field)
    return (reader(found.text) if found else Reading(None, 0.0)), found


def read_date_after(context: Page, field: str) -> tuple[Reading, Found | None]:
    found = context.after(field)
    return (read_date(found.text, found.alternatives) if found else Reading(None, 0.0)), found


def lines_of_found(found: Found) -> list[TextLine]:
    used = {found.row.owners[i] for i in range(found.start, found.end)}
    return [found.row.lines[i] for i in sorted(used)]


def _validity(context: Page) -> Found | None:
    """有效期限 2018-05-20 至 2028-05-20: the end date's labels (至) separate the dates, they do
    not end the value."""
    ends = context.labels("valid_to")
    stops = [stop for stop in context.stops if stop not in ends]
    found = value_after(context.rows, context.labels("valid_from"), stops)
    if found is not None and found.text:
        return found
    # The label hidden (a finger over it): the row that holds a period of two dates or 长期, or
    # the end of one after 至 (the finger over its start too).
    for index, row in enumerate(context.rows):
        if holds_validity_period(row.text):
            return Found(row.text, index, 0, len(row.text), row)
    return found


def period_fields(context: Page) -> tuple[FieldValue, FieldValue]:
    """valid_from and valid_to of the validity row, both doubtful unless they span a term the
    document is issued for (``terms_years`` of its valid_to spec). Where no end date is printed,
    the term is (有效期限 6年, or 长期 under its own label): the end is the start plus the term."""
    found = _validity(context)
    valid_from, valid_to = read_validity(found.text) if found else (Reading(None, 0.0),) * 2
    end_found, end_from_term = found, False
    if valid_to.value is None and valid_from.value is not None:
        valid_to, end_found = _end_of_term(context, valid_from.value, found)
        end_from_term = valid_to.value not in (None, LONG_TERM)
    terms_years = context.spec.fields["valid_to"].terms_years
    if not _is_term(valid_from.value, valid_to.value, terms_years):
        valid_from = Reading(valid_from.value, valid_from.trust * DOUBTFUL_TEXT)
        valid_to = Reading(valid_to.value, valid_to.trust * DOUBTFUL_TEXT)
        end_from_term = False
    # An end computed from the start and one of the document's own terms is as sure as the start:
    # the short term (6年) read less surely than a date is proven by being a term it is issued for.
    end_confidence = found.confidence if end_from_term and found is not None else None
    return value_of(valid_from, found), value_of(valid_to, end_found, end_confidence)


def _end_of_term(context: Page, valid_from: str, found: Found | None) -> tuple[Reading, Found | None]:
    """The end date of a period printed as a start and a term (有效起始日期 2019-03-02 / 有效期限
    6年, or 2019-03-02 起 6年 on one row), or 长期; the term read after the start or by valid_to's
    labels."""
    places = [found] if found is not None else []
    ends = value_after(context.rows, context.labels("valid_to"), context.stops)
    places += [ends] if ends is not None else []
    for place in places:
        text = place.text[find_dates(place.text)[-1][2]:] if find_dates(place.text) else place.text
        if LONG_TERM in text:
            return Reading(LONG_TERM, UNPROVEN_PENALTY), place
        years = read_term_years(text)
        if years is not None:
            start = date.fromisoformat(valid_from)
            try:
                end = start.replace(year=start.year + years)
            except ValueError:  # 29 February, into a year without one
                end = date(start.year + years, 2, 28)
            return Reading(end.isoformat(), UNPROVEN_PENALTY), place
    return Reading(None, 0.0), found


def _is_term(valid_from: str | None, valid_to: str | None, terms_years: Sequence[int]) -> bool:
    """A period the document can have: a misread year (2017 -> 2027, 2041 -> 2841) breaks it, and
    an end date read without its start proves nothing."""
    if valid_to is None or valid_to == LONG_TERM:
        return True
    if valid_from is None:
        return False
    start, end = date.fromisoformat(valid_from), date.fromisoformat(valid_to)
    return (start.month, start.day) == (end.month, end.day) and end.year - start.year in terms_years


def signature_field(context: Page) -> FieldValue:
    """Ink in the borrower's signature box (``signature.read_signature``): image analysis, not
    OCR (handwriting reads badly); the box found by the standard's signing words, else by the
    layout."""
    reading = read_signature(context.image, context.rows, context.spec.fields["signature_present"],
                             context.stops, context.labels("borrower_name"))
    if reading.signed is None:
        return FieldValue(value=None, confidence=0.0)
    return FieldValue(value=reading.signed, confidence=reading.confidence, box=reading.box)


