"""Every CONTRACT §2 field of a classified, upright document, with a confidence and a box.

Labels, where a value stands relative to its label, and what else is printed between fields
(国籍, 贷款人...: *stops* that end a value and are never one) come from
``standards/documents/<type>.yaml``. A field that cannot be read is returned with ``value=None``
and confidence 0, so a human is asked rather than a guess made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from autopass.banks import bank_for_card
from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.engines.base import TextLine
from autopass.reading.classify import BANK_NAMES
from autopass.reading.layout import (
    LABEL_NOISE,
    Found,
    Row,
    build_rows,
    label_places,
    row_of,
    union_box,
    value_after,
)
from autopass.reading.signature import read_signature
from autopass.reading.text import (
    COMMON_SURNAMES,
    ETHNIC_GROUPS,
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
    read_card_number,
    read_date,
    read_ethnicity,
    read_id_number,
    read_licence_class,
    read_name,
    read_plain,
    read_sex,
    read_validity,
    read_vin,
)
from autopass.standards import DocumentSpec
from autopass.validators import ID_NUMBER_SHAPE, id_birth_date, id_sex, is_valid_id_number

_CAPITAL_NUMERALS = set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿")

Fields = dict[str, FieldValue]

UNPROVEN_AMOUNT = 0.8
"""An amount read once (figures or capitals, not both): believable, not proven."""
AMOUNTS_DISAGREE = 0.4
"""Figures and capitals that differ: one was misread, a human decides."""
LUHN_TRUSTED_OCR = 0.95
"""OCR confidence a card number needs for Luhn to vouch for it: Luhn catches every single wrong
digit but not every pair, and a line read with doubt may hold two. (Seed 7: correct numbers read
0.94-0.999, one with two wrong digits 0.97 on hard photos; a higher bar sends a third of clean
cards to a person, and the application's number catches that misread anyway.)"""
CARD_DOUBT_CAP = 0.9
"""Ceiling of a Luhn-valid card number read below ``LUHN_TRUSTED_OCR``: under the standard's 0.95."""
DOUBTFUL_TEXT = 0.75
"""Factor for an address or authority that does not look whole (cut short, fragments dropped)."""
ADDRESS_TRUSTED_OCR = 0.98
"""Least OCR confidence of an address's lines for it to pass unseen: 20-odd characters give a
misread (岳麓 -> 岳渡) many chances, and nothing checks them. (Seed 7: well-read addresses 0.984+,
misread ones on hard photos 0.94-0.97.)"""
_ADDRESS_END = re.compile(r"(号|户|室|组|村|栋|幢|楼|座|弄|巷|屯|队|庄|舍|院)$")
_NEXT_ROW_PIECE = re.compile(r"(出生|民族|性别|公民|身份|号码|\d{1,4}[年月日]|\d{1,2}月|\d{1,2}日"
                             r"|维吾尔|回族|蒙古|藏族|壮族|满族|苗族)")
_OVERPRINT = "仅供贷款使用"
"""What lenders write across a photocopied ID card (仅供…使用: for … only)."""
_OVERPRINT_TAIL = re.compile(f"[{_OVERPRINT}]+$")
_OVERPRINT_IN_NAME = re.compile(f"[{_OVERPRINT}].*$")
_STRAY_AFTER_NUMBER = re.compile(r"(?<=\d[号户室])[\u4e00-\u9fff]$")
"""One character after the house or room number that ends no address (7号凶): a speck or an
overprint stroke read as a character."""
STRAY_AFTER_OFFICE = 2
"""Characters after an issuing authority's last 局 that are cut as strays (…天山分局供贷: an
overprint read into the row); more is a misread 局 with the office's name after it (…公安局西湖分员)."""
_ADDRESS_START = re.compile(r"^.{0,8}?(省|市|自治区)")
_DATE_LIKE = re.compile(r"\d{4}[.\-/年]\d{1,2}|长期|\d{6,}")


def labels_to_read(spec: DocumentSpec) -> list[str]:
    """Every label whose row holds a value of ``spec``'s fields (what must be read in full)."""
    return [clean(label) for label in spec.labels]


def extract_fields(
    document_type: DocumentType,
    lines: Sequence[TextLine],
    image: np.ndarray,
    spec: DocumentSpec,
) -> Fields:
    """The fields of ``spec`` read from ``lines`` (coordinates of the upright ``image``)."""
    parser = _PARSERS.get(document_type)
    if parser is None:
        return {}
    rows = build_rows(lines)
    context = _Context(rows=rows, spec=spec, stops=spec.printed_labels, image=image)
    fields = parser(context)
    for name, field_spec in spec.fields.items():
        if field_spec.kind != "face" and name not in fields:
            fields[name] = FieldValue(value=None, confidence=0.0)
        elif field_spec.kind == "name" and not is_name(fields[name].value, spec.printed_labels):
            # However it was found (after a label, under it, by a layout's fallback): a value
            # that is no name (贷款人, a bank, a clause) is unread, for a person to key.
            fields[name] = fields[name].model_copy(update={"value": None, "confidence": 0.0})
    return fields


class _Context:
    def __init__(self, rows: list[Row], spec: DocumentSpec, stops: list[str], image: np.ndarray):
        self.rows = rows
        self.spec = spec
        self.stops = stops
        self.image = image

    def labels(self, field: str) -> list[str]:
        return self.spec.fields[field].labels

    def after(self, field: str) -> Found | None:
        """Where ``field``'s value stands by one of its labels (right of it or below, as its spec
        says), and, for a name, the first place that holds one."""
        spec = self.spec.fields[field]
        accept = None
        if spec.kind == "name":
            def accept(found: Found) -> bool:
                return is_name(_read_name_at(self, field, found)[0].value, self.stops)
        return value_after(self.rows, spec.labels, self.stops,
                           below="below" in spec.value_at, accept=accept)


def _value(reading: Reading, found: Found | None, ocr_confidence: float | None = None) -> FieldValue:
    if reading.value is None:
        return FieldValue(value=None, confidence=0.0, box=found.box if found else None)
    base = ocr_confidence if ocr_confidence is not None else (found.confidence if found else 0.5)
    return FieldValue(value=reading.value, confidence=round(max(0.0, min(1.0, base * reading.trust)), 3),
                      box=found.box if found else None)


def _name(context: _Context, field: str, found: Found | None = None) -> FieldValue:
    """A person's name by its label; digits and misread labels glued to it are cut off."""
    found = found if found is not None else context.after(field)
    if found is None:
        return FieldValue(value=None, confidence=0.0)
    return _value(*_read_name_at(context, field, found))


def _read_name_at(context: _Context, field: str, found: Found) -> tuple[Reading, Found]:
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
    return _plausible_name(reading, found), found


def _plausible_name(reading: Reading, found: Found) -> Reading:
    """The reading with implausible characters swapped for the recogniser's runners-up (see
    ``likelier_name``); a changed name is repaired, hence doubtful."""
    at = found.text.find(reading.value) if reading.value else -1
    if at < 0 or not found.alternatives:
        return reading
    likelier = likelier_name(reading.value, found.alternatives[at : at + len(reading.value)])
    return reading if likelier == reading.value else Reading(likelier, reading.trust * REPAIRED_PENALTY)


def _id_number(context: _Context, field: str) -> FieldValue:
    """The labelled ID number, else any 18-character run that passes GB 11643 on the page."""
    found = context.after(field)
    if found is not None:
        reading = read_id_number(found.text)
        if reading.value is not None and reading.trust > INVALID_CONFIDENCE:
            return _value(reading, found)
        at = found.text.upper().find(reading.value) if reading.value else -1
        if at >= 0 and found.alternatives:
            runners_up = found.alternatives[at : at + len(reading.value or "")]
            proven = proven_by_runners_up(reading.value or "", runners_up, is_valid_id_number)
            if proven:
                return _value(Reading(proven, REPAIRED_PENALTY * REPAIRED_PENALTY), found)
    misread: tuple[Reading, Found] | None = None
    for index, row in enumerate(context.rows):
        reading = read_id_number(row.text)
        spot = Found(row.text, index, 0, len(row.text), row)
        if reading.value and reading.trust > INVALID_CONFIDENCE:
            return _value(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
        if misread is None and found is None and ID_NUMBER_SHAPE.fullmatch(reading.value or ""):
            misread = reading, spot
    if misread is not None:
        # Its label lost, an ID number failing its check digit: kept as read (untrusted) and
        # where, so that a second look, knowing the applicant's number, may confirm it.
        return _value(*misread)
    return _value(read_id_number(found.text) if found else Reading(None, 0.0), found)


def _vin(context: _Context) -> FieldValue:
    found = context.after("vin")
    if found is not None:
        reading = read_vin(found.text)
        if reading.trust > INVALID_CONFIDENCE:
            return _value(reading, found)
    for index, row in enumerate(context.rows):
        if ID_NUMBER_SHAPE.search(row.text.upper()):
            continue  # 17 characters of an ID number pass a VIN's check digit one time in eleven
        reading = read_vin(row.text)
        if reading.value and reading.trust >= REPAIRED_PENALTY:
            spot = Found(row.text, index, 0, len(row.text), row)
            return _value(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
    return _value(read_vin(found.text) if found else Reading(None, 0.0), found)


def _amount(context: _Context, field: str) -> FieldValue:
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


def _amounts_agreeing(context: _Context) -> FieldValue | None:
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


def _digits(context: _Context, field: str) -> FieldValue:
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
    if not _fits(context, field, digits):
        trust = INVALID_CONFIDENCE
    return FieldValue(value=digits, confidence=round(found.confidence * trust, 3), box=found.box)


def _fits(context: _Context, field: str, value: str) -> bool:
    """Whether ``value`` matches the field's ``pattern`` in its spec (any value, without one)."""
    pattern = context.spec.fields[field].pattern
    return pattern is None or re.fullmatch(pattern, value) is not None


# --- one parser per document type ------------------------------------------------------------
def _id_card_front(context: _Context) -> Fields:
    fields = {
        "name": _id_card_name(context),
        "sex": _sex(context),
        "ethnicity": _ethnicity(context),
        "birth_date": _birth_date(context),
        "address": _address(context),
        "id_number": _id_number(context, "id_number"),
    }
    _corroborate_with_id_number(fields)
    return fields


def _id_card_name(context: _Context) -> FieldValue:
    """After 姓名; with the label lost (glare, an overprint), the name-like line printed above the
    性别/民族 row, where the card prints its name: unproven, so a confirmation or a person decides."""
    value = _name(context, "name")
    if value.value is not None:
        return value
    next_labels = [clean(label) for label in [*context.labels("sex"), *context.labels("ethnicity")]]
    for index, row in enumerate(context.rows):
        if any(label in row.text for label in next_labels):
            break
        start = 1 if row.text.startswith("名") else 0  # 姓名 with its 姓 lost (glare at the edge)
        reading = read_name(row.text[start:])
        if reading.value and len(reading.value) <= LONGEST_NAME and reading.value[0] in COMMON_SURNAMES:
            spot = Found(row.text[start:], index, start, len(row.text), row)
            return _value(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
    return value


def _sex(context: _Context) -> FieldValue:
    """After 性别; with the label lost (an overprint across it), the 男/女 just before 民族."""
    reading, found = _read(context, "sex", read_sex)
    if reading.value is not None:
        return _value(reading, found)
    for index, place, _ in label_places(context.rows, context.labels("ethnicity")):  # 民·族: a speck
        row = context.rows[index]
        if place >= 1 and row.text[place - 1] in "男女":
            spot = Found(row.text[place - 1], index, place - 1, place, row)
            return _value(Reading(row.text[place - 1], UNPROVEN_PENALTY), spot)
    return _value(reading, found)


def _ethnicity(context: _Context) -> FieldValue:
    """After 民族; with the label lost, the group named right after 男/女 in the sex row."""
    reading, found = _read(context, "ethnicity", read_ethnicity)
    if reading.value is not None:
        return _value(reading, found)
    for index, row in enumerate(context.rows):
        sex = re.search(r"性别[男女]|^[男女]", row.text)
        rest = row.text[sex.end():] if sex else ""
        group = max((g for g in ETHNIC_GROUPS if rest.startswith(g)), key=len, default=None)
        if sex and group:
            spot = Found(group, index, sex.end(), sex.end() + len(group), row)
            return _value(Reading(group, UNPROVEN_PENALTY * REPAIRED_PENALTY), spot)
    return _value(reading, found)


def _birth_date(context: _Context) -> FieldValue:
    """After 出生; if OCR lost the label, the row that holds a date written 1988年3月12(日)."""
    reading, found = _read_date(context, "birth_date")
    if reading.value is not None:
        return _value(reading, found)
    for index, row in enumerate(context.rows):
        # 日 (or 年) is often misread, and a speck read after the year (1999年.8月19日).
        if re.search(rf"\d{{4}}年?[{re.escape(LABEL_NOISE)}]?\d{{1,2}}月\d{{1,2}}", row.text):
            spot = Found(row.text, index, 0, len(row.text), row)
            return _value(read_date(row.text, row.alternatives), spot)
    return _value(reading, found)


def _read(context: _Context, field: str, reader: Callable[[str], Reading]) -> tuple[Reading, Found | None]:
    found = context.after(field)
    return (reader(found.text) if found else Reading(None, 0.0)), found


def _read_date(context: _Context, field: str) -> tuple[Reading, Found | None]:
    found = context.after(field)
    return (read_date(found.text, found.alternatives) if found else Reading(None, 0.0)), found


def _corroborate_with_id_number(fields: Fields) -> None:
    """Birth date and sex that agree with a valid ID number are as sure as the number itself."""
    number = fields["id_number"]
    if not (isinstance(number.value, str) and is_valid_id_number(number.value)):
        return
    birth = id_birth_date(number.value)
    if birth and fields["birth_date"].value == birth.isoformat():
        fields["birth_date"] = fields["birth_date"].model_copy(update={"confidence": max(fields["birth_date"].confidence, number.confidence)})
    if fields["sex"].value == id_sex(number.value):
        fields["sex"] = fields["sex"].model_copy(update={"confidence": max(fields["sex"].confidence, number.confidence)})


def _address(context: _Context) -> FieldValue:
    """住址 wraps over several rows: follow the rows below, aligned with the value, until a label."""
    found = context.after("address")
    if found is None:
        return FieldValue(value=None, confidence=0.0)
    parts, lines = [found.text], list(_lines_of(found))
    left = found.row.x_of(found.start) if found.text else found.row.left
    height = found.row.bottom - found.row.top
    previous_bottom = found.row.bottom
    stops = [clean(stop) for stop in context.stops]
    for row in context.rows[found.row_index + 1 :]:
        if any(stop in row.text for stop in stops) or row.top - previous_bottom > 1.2 * height:
            break
        continuation = [line for line in row.lines if abs(line.bounds[0] - left) < 1.5 * height]
        if not continuation:
            break
        parts.extend(clean(line.text) for line in continuation)
        lines.extend(continuation)
        previous_bottom = row.bottom
    # The overprint crosses the card's right side, where the address rows end: a character of it
    # at the end of a row the address goes on from (乌鲁木齐使 | 市天山区…) is not the address.
    leading_rows = [_OVERPRINT_TAIL.sub("", part) for part in parts[:-1]]
    value, whole = _address_text("".join([*leading_rows, parts[-1]]))
    whole = whole and leading_rows == parts[:-1]
    confidence = min((line.confidence for line in lines), default=0.0)
    sure = whole and confidence >= ADDRESS_TRUSTED_OCR
    trust = UNPROVEN_PENALTY * (1.0 if sure else DOUBTFUL_TEXT)
    return FieldValue(value=value, confidence=round(confidence * trust, 3) if value else 0.0,
                      box=union_box(lines))


def _address_text(text: str) -> tuple[str | None, bool]:
    """(address, looks whole?): pieces of the next rows (出生 1990年…, 民族 汉) and of the
    仅供贷款使用 overprint are cut off, and a lone character after the last number (7号凶); an
    address that does not end like one (…号, …户) was cut short or is still dirty."""
    value = read_plain(text).value or ""
    whole = True
    piece = _NEXT_ROW_PIECE.search(value, 6)
    if piece is not None:
        value, whole = value[: piece.start()], False
    if not _ADDRESS_END.search(value):
        value, whole = _STRAY_AFTER_NUMBER.sub("", _OVERPRINT_TAIL.sub("", value)), False
    if not _ADDRESS_START.search(value):
        whole = False  # its first row was lost (5号3单元2103户)
    return (value or None), whole


def value_to_look_below(document_type: DocumentType, fields: Fields) -> FieldValue | None:
    """A value read under which lies a row the page-wide detector may have lost: the rest of an ID
    card address read without its end (…长江路, not …8号), or, when neither date of an ID card
    back was read, its validity period (printed under 签发机关)."""
    if document_type == DocumentType.ID_CARD_FRONT:
        address = fields.get("address")
        cut_short = address is not None and address.value and not _ADDRESS_END.search(address.value)
        return address if cut_short and address.box is not None else None
    if document_type == DocumentType.ID_CARD_BACK:
        authority = fields.get("issuing_authority")
        lost = all(fields[name].value is None for name in ("valid_from", "valid_to") if name in fields)
        return authority if lost and authority is not None and authority.box is not None else None
    return None


def _lines_of(found: Found) -> list[TextLine]:
    used = {found.row.owners[i] for i in range(found.start, found.end)}
    return [found.row.lines[i] for i in sorted(used)]


def _validity(context: _Context) -> Found | None:
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


def _id_card_back(context: _Context) -> Fields:
    valid_from, valid_to = _period(context, ID_CARD_TERMS_YEARS)
    return {"issuing_authority": _authority(context), "valid_from": valid_from, "valid_to": valid_to}


ID_CARD_TERMS_YEARS = (5, 10, 20)
"""Terms an ID card is issued for (besides 长期); the card ends on the day and month it began."""
LICENCE_TERMS_YEARS = (6, 10)
"""Terms a driving licence is issued for (besides 长期), also ending on the day it began."""


def _period(context: _Context, terms_years: Sequence[int]) -> tuple[FieldValue, FieldValue]:
    """valid_from and valid_to of the validity row, both doubtful unless they span a term."""
    found = _validity(context)
    valid_from, valid_to = read_validity(found.text) if found else (Reading(None, 0.0),) * 2
    if not _is_term(valid_from.value, valid_to.value, terms_years):
        valid_from = Reading(valid_from.value, valid_from.trust * DOUBTFUL_TEXT)
        valid_to = Reading(valid_to.value, valid_to.trust * DOUBTFUL_TEXT)
    return _value(valid_from, found), _value(valid_to, found)


def _is_term(valid_from: str | None, valid_to: str | None, terms_years: Sequence[int]) -> bool:
    """A period the document can have: a misread year (2017 -> 2027, 2041 -> 2841) breaks it, and
    an end date read without its start proves nothing."""
    if valid_to is None or valid_to == LONG_TERM:
        return True
    if valid_from is None:
        return False
    start, end = date.fromisoformat(valid_from), date.fromisoformat(valid_to)
    return (start.month, start.day) == (end.month, end.day) and end.year - start.year in terms_years


def _authority(context: _Context) -> FieldValue:
    """签发机关: an office (…公安局…分局), never a date or a validity period read off the next row."""
    found = context.after("issuing_authority")
    reading = read_plain(found.text) if found else Reading(None, 0.0)
    if reading.value is not None and _DATE_LIKE.search(reading.value):
        found, reading = None, Reading(None, 0.0)
    if reading.value is None:  # label lost or its value misplaced: the row naming a police office
        for index, row in enumerate(context.rows):
            if "公安" in row.text and not _DATE_LIKE.search(row.text):
                start = row.text.find("机关") + 2 if "机关" in row.text else 0
                start += _label_remains(row.text[start:], label_fragments(context.spec.labels))
                found = Found(row.text[start:], index, start, len(row.text), row)
                reading = Reading(read_plain(found.text).value, UNPROVEN_PENALTY * DOUBTFUL_TEXT)
                break
    if reading.value is not None and not reading.value.endswith("局"):
        office, ends, stray = reading.value.rpartition("局")
        value = office + ends if ends and len(stray) <= STRAY_AFTER_OFFICE else reading.value
        reading = Reading(value, reading.trust * DOUBTFUL_TEXT)
    return _value(reading, found)


def _label_remains(text: str, fragments: Sequence[tuple[str, int]]) -> int:
    """How many leading characters of ``text`` are pieces of a misread label (签发|西安市…)."""
    pieces = {piece for piece, _ in fragments}
    skipped = 0
    while text[skipped : skipped + 2] in pieces:
        skipped += 2
    return skipped


def _driving_licence(context: _Context) -> Fields:
    valid_from, valid_to = _period(context, LICENCE_TERMS_YEARS)
    return {
        "name": _name(context, "name"),
        "id_number": _id_number(context, "id_number"),
        "licence_class": _licence_class(context),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _licence_class(context: _Context) -> FieldValue:
    """After 准驾车型; with the label hidden, a row that is nothing but a class (C1) will do."""
    reading, found = _read(context, "licence_class", read_licence_class)
    if reading.value is not None:
        return _value(reading, found)
    for index, row in enumerate(context.rows):
        if re.fullmatch(r"(A[123]|B[12]|C[1-6]|D|E|F|M|N|P)+", row.text):
            spot = Found(row.text, index, 0, len(row.text), row)
            return _value(Reading(row.text, REPAIRED_PENALTY * 0.9), spot)
    return _value(reading, found)


def _bank_card(context: _Context) -> Fields:
    """The longest Luhn-valid digit run is the number; the printed name must agree with its BIN."""
    number, number_found = Reading(None, 0.0), None
    # Each row, and each line on its own: on a tilted card a row can gather the expiry date too.
    candidates = [*context.rows, *(row_of([line]) for row in context.rows for line in row.lines
                                   if len(row.lines) > 1)]
    for index, row in enumerate(candidates):
        reading = read_card_number(row.text)
        if reading.value and (reading.trust > number.trust or
                              (reading.trust == number.trust and len(reading.value) > len(number.value or ""))):
            number, number_found = reading, Found(row.text, index, 0, len(row.text), row)
    printed = None
    for index, row in enumerate(context.rows):
        name = next((name for name in BANK_NAMES if name in row.text), None)
        if name:
            start = row.text.find(name)
            printed = (name, Found(name, index, start, start + len(name), row))
            break
    bin_bank = bank_for_card(number.value) if number.value and number.trust > INVALID_CONFIDENCE else None
    if printed and bin_bank == printed[0]:
        bank = FieldValue(value=printed[0], confidence=round(max(0.9, printed[1].confidence), 3), box=printed[1].box)
    elif printed:
        bank = FieldValue(value=printed[0], confidence=round(0.6 * printed[1].confidence, 3), box=printed[1].box)
    elif bin_bank:
        bank = FieldValue(value=bin_bank, confidence=0.7, source="derived")
    else:
        bank = FieldValue(value=None, confidence=0.0)
    card = _value(number, number_found)
    if number_found is not None and number_found.confidence < LUHN_TRUSTED_OCR:
        card = card.model_copy(update={"confidence": min(card.confidence, CARD_DOUBT_CAP)})
    return {"card_number": card, "bank_name": bank}


def _vehicle_invoice(context: _Context) -> Fields:
    return {
        "buyer_name": _name(context, "buyer_name"),
        "buyer_id_number": _id_number(context, "buyer_id_number"),
        "vin": _vin(context),
        "price_total": _amount(context, "price_total"),
        "invoice_number": _invoice_number(context),
        "invoice_date": _invoice_date(context),
    }


def _invoice_number(context: _Context) -> FieldValue:
    """After 发票号码; with the label lost (pale print, glare) or read with a stray digit (码 read
    as 65 runs a 5 into the number), a line of nothing but digits of the shape the spec's
    ``pattern`` gives an invoice number (printed alone under 发票代码), unproven."""
    labelled = _digits(context, "invoice_number")
    if labelled.value is not None and _fits(context, "invoice_number", labelled.value):
        return labelled
    for index, row in enumerate(context.rows):
        for line in row.lines:
            number = clean(line.text)
            if number.isdigit() and _fits(context, "invoice_number", number) and number in row.text:
                start = row.text.index(number)
                spot = Found(number, index, start, start + len(number), row)
                return _value(Reading(number, UNPROVEN_PENALTY * UNPROVEN_PENALTY), spot)
    return labelled


def _invoice_date(context: _Context) -> FieldValue:
    """After 开票日期; with the label lost (glare, misread as 开期), the one date an invoice prints:
    the first written with its marks (2026-07-13, not a run of digits), unproven."""
    reading, found = _read_date(context, "invoice_date")
    if reading.value is not None:
        return _value(reading, found)
    for index, row in enumerate(context.rows):
        dates = find_dates(row.text, bare=False)
        if dates:
            spot = Found(row.text, index, 0, len(row.text), row)
            return _value(Reading(dates[0][0], UNPROVEN_PENALTY * UNPROVEN_PENALTY), spot)
    return _value(reading, found)


def _vehicle_registration(context: _Context) -> Fields:
    return {
        "owner_name": _owner_name(context),
        "vin": _vin(context),
        "registration_number": _digits(context, "registration_number"),
    }


_OWNER = re.compile(r"([\u4e00-\u9fff·]{2,}?)(?:/[\u4e00-\u9fff]{0,2}|/?居民)?身份证")
"""张伟/居民身份证: the name is what stands before the slash, however 居民 was misread (江蕾/瑶民身份证
read 瑶民 as the owner); the slash may be lost (张伟居民身份证)."""


def _owner_name(context: _Context) -> FieldValue:
    """张伟/居民身份证/3702...: the name before the identity document, wherever the long label
    (机动车所有人/身份证明名称/号码) wrapped; its tail (码) may land in front of the name."""
    owner = context.after("owner_name")
    start_row = owner.row_index if owner is not None else 0
    for index in range(start_row, len(context.rows)):
        row = context.rows[index]
        for match in _OWNER.finditer(row.text):
            name = match.group(1)
            if name.endswith("身份证明名称") or "所有人" in name:
                continue
            trimmed = re.sub(r"^(?:号码|码|号)(?=[\u4e00-\u9fff]{2,})", "", name)
            begin = match.start(1) + len(name) - len(trimmed)
            found = Found(trimmed, index, begin, begin + len(trimmed), row)
            return _value(_plausible_name(read_name(trimmed), found), found)
    return _name(context, "owner_name", owner) if owner is not None else FieldValue(value=None, confidence=0.0)


def _loan_contract(context: _Context) -> Fields:
    return {
        "borrower_name": _name(context, "borrower_name"),
        "id_number": _id_number(context, "id_number"),
        "loan_amount": _amount(context, "loan_amount"),
        "signature_present": _signature(context),
    }


def _signature(context: _Context) -> FieldValue:
    """Ink in the borrower's signature box (``signature.read_signature``): image analysis, not
    OCR (handwriting reads badly); the box found by the standard's signing words, else by the
    layout."""
    reading = read_signature(context.image, context.rows, context.spec.fields["signature_present"],
                             context.stops, context.labels("borrower_name"))
    if reading.signed is None:
        return FieldValue(value=None, confidence=0.0)
    return FieldValue(value=reading.signed, confidence=reading.confidence, box=reading.box)


_PARSERS: dict[DocumentType, Callable[[_Context], Fields]] = {
    DocumentType.ID_CARD_FRONT: _id_card_front,
    DocumentType.ID_CARD_BACK: _id_card_back,
    DocumentType.DRIVING_LICENCE: _driving_licence,
    DocumentType.BANK_CARD: _bank_card,
    DocumentType.VEHICLE_INVOICE: _vehicle_invoice,
    DocumentType.VEHICLE_REGISTRATION: _vehicle_registration,
    DocumentType.LOAN_CONTRACT: _loan_contract,
}
