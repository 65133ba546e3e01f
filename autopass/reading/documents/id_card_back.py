"""The ID card's emblem side (身份证国徽面): the issuing authority and the validity period."""

from __future__ import annotations

import re
from collections.abc import Sequence

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.extract import DOUBTFUL_TEXT, Fields, Page, period_fields, value_of
from autopass.reading.layout import Found
from autopass.reading.text import (
    UNPROVEN_PENALTY,
    LabelPiece,
    Reading,
    label_fragments,
    read_plain,
)

DOCUMENT_TYPE = DocumentType.ID_CARD_BACK

STRAY_AFTER_OFFICE = 2
"""Characters after an issuing authority's last 局 that are cut as strays (…天山分局供贷: an
overprint read into the row); more is a misread 局 with the office's name after it (…公安局西湖分员)."""


_DATE_LIKE = re.compile(r"\d{4}[.\-/年]\d{1,2}|长期|\d{6,}")


def read(context: Page) -> Fields:
    valid_from, valid_to = period_fields(context)
    return {"issuing_authority": _authority(context), "valid_from": valid_from, "valid_to": valid_to}


def _authority(context: Page) -> FieldValue:
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
    return value_of(reading, found)


def _label_remains(text: str, fragments: Sequence[LabelPiece]) -> int:
    """How many leading characters of ``text`` are pieces of a misread label (签发|西安市…)."""
    pieces = {fragment.piece for fragment in fragments}
    skipped = 0
    while text[skipped : skipped + 2] in pieces:
        skipped += 2
    return skipped


def look_below(fields: Fields) -> FieldValue | None:
    """When neither date of the validity period was read: the row under the issuing authority,
    where the card prints it."""
    authority = fields.get("issuing_authority")
    lost = all(fields[name].value is None for name in ("valid_from", "valid_to") if name in fields)
    return authority if lost and authority is not None and authority.box is not None else None
