"""The ID card's portrait side (身份证人像面): name, sex, ethnicity, birth date, an address over
several rows, the ID number; where a label is lost, the places the card prints each value."""

from __future__ import annotations

import re

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.extract import (
    DOUBTFUL_TEXT,
    OVERPRINT,
    Fields,
    Page,
    id_number_field,
    lines_of_found,
    name_field,
    read_after,
    read_date_after,
    value_of,
)
from autopass.reading.layout import LABEL_NOISE, Found, label_places, union_box
from autopass.reading.text import (
    COMMON_SURNAMES,
    ETHNIC_GROUPS,
    LONGEST_NAME,
    REPAIRED_PENALTY,
    UNPROVEN_PENALTY,
    Reading,
    clean,
    read_date,
    read_ethnicity,
    read_name,
    read_plain,
    read_sex,
)
from autopass.validators import id_birth_date, id_sex, is_valid_id_number

DOCUMENT_TYPE = DocumentType.ID_CARD_FRONT

ADDRESS_TRUSTED_OCR = 0.98
"""Least OCR confidence of an address's lines for it to pass unseen: 20-odd characters give a
misread (岳麓 -> 岳渡) many chances, and nothing checks them. (Seed 7: well-read addresses 0.984+,
misread ones on hard photos 0.94-0.97.)"""


_ADDRESS_END = re.compile(r"(号|户|室|组|村|栋|幢|楼|座|弄|巷|屯|队|庄|舍|院)$")


_NEXT_ROW_PIECE = re.compile(r"(出生|民族|性别|公民|身份|号码|\d{1,4}[年月日]|\d{1,2}月|\d{1,2}日"
                             r"|维吾尔|回族|蒙古|藏族|壮族|满族|苗族)")


_OVERPRINT_TAIL = re.compile(f"[{OVERPRINT}]+$")


_STRAY_AFTER_NUMBER = re.compile(r"(?<=\d[号户室])[\u4e00-\u9fff]$")
"""One character after the house or room number that ends no address (7号凶): a speck or an
overprint stroke read as a character."""


_ADDRESS_START = re.compile(r"^.{0,8}?(省|市|自治区)")


def read(context: Page) -> Fields:
    fields = {
        "name": _id_card_name(context),
        "sex": _sex(context),
        "ethnicity": _ethnicity(context),
        "birth_date": _birth_date(context),
        "address": _address(context),
        "id_number": id_number_field(context, "id_number"),
    }
    _corroborate_with_id_number(fields)
    return fields


def _id_card_name(context: Page) -> FieldValue:
    """After 姓名; with the label lost (glare, an overprint), the name-like line printed above the
    性别/民族 row, where the card prints its name: unproven, so a confirmation or a person decides."""
    value = name_field(context, "name")
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
            return value_of(Reading(reading.value, reading.trust * REPAIRED_PENALTY), spot)
    return value


def _sex(context: Page) -> FieldValue:
    """After 性别; with the label lost (an overprint across it), the 男/女 just before 民族."""
    reading, found = read_after(context, "sex", read_sex)
    if reading.value is not None:
        return value_of(reading, found)
    for index, place, _ in label_places(context.rows, context.labels("ethnicity")):  # 民·族: a speck
        row = context.rows[index]
        if place >= 1 and row.text[place - 1] in "男女":
            spot = Found(row.text[place - 1], index, place - 1, place, row)
            return value_of(Reading(row.text[place - 1], UNPROVEN_PENALTY), spot)
    return value_of(reading, found)


def _ethnicity(context: Page) -> FieldValue:
    """After 民族; with the label lost, the group named right after 男/女 in the sex row."""
    reading, found = read_after(context, "ethnicity", read_ethnicity)
    if reading.value is not None:
        return value_of(reading, found)
    for index, row in enumerate(context.rows):
        sex = re.search(r"性别[男女]|^[男女]", row.text)
        rest = row.text[sex.end():] if sex else ""
        group = max((g for g in ETHNIC_GROUPS if rest.startswith(g)), key=len, default=None)
        if sex and group:
            spot = Found(group, index, sex.end(), sex.end() + len(group), row)
            return value_of(Reading(group, UNPROVEN_PENALTY * REPAIRED_PENALTY), spot)
    return value_of(reading, found)


def _birth_date(context: Page) -> FieldValue:
    """After 出生; if OCR lost the label, the row that holds a date written 1988年3月12(日)."""
    reading, found = read_date_after(context, "birth_date")
    if reading.value is not None:
        return value_of(reading, found)
    for index, row in enumerate(context.rows):
        # 日 (or 年) is often misread, and a speck read after the year (1999年.8月19日).
        if re.search(rf"\d{{4}}年?[{re.escape(LABEL_NOISE)}]?\d{{1,2}}月\d{{1,2}}", row.text):
            spot = Found(row.text, index, 0, len(row.text), row)
            return value_of(read_date(row.text, row.alternatives), spot)
    return value_of(reading, found)


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


def _address(context: Page) -> FieldValue:
    """住址 wraps over several rows: follow the rows below, aligned with the value, until a label."""
    found = context.after("address")
    if found is None:
        return FieldValue(value=None, confidence=0.0)
    parts, lines = [found.text], list(lines_of_found(found))
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


def look_below(fields: Fields) -> FieldValue | None:
    """An address read without its end (…长江路, not …8号): the page-wide detector may have lost
    the row under it."""
    address = fields.get("address")
    cut_short = address is not None and address.value and not _ADDRESS_END.search(address.value)
    return address if cut_short and address.box is not None else None
