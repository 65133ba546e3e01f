"""The driving licence (机动车驾驶证): name, licence number (the ID number), class and validity,
printed as two dates, a start and a term in years (有效期限 6年), or 长期 (the terms in the YAML)."""

from __future__ import annotations

import re

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.extract import Fields, Page, id_number_field, name_field, period_fields, read_after, value_of
from autopass.reading.layout import Found
from autopass.reading.text import REPAIRED_PENALTY, Reading, read_licence_class

DOCUMENT_TYPE = DocumentType.DRIVING_LICENCE


def read(context: Page) -> Fields:
    valid_from, valid_to = period_fields(context)
    return {
        "name": name_field(context, "name"),
        "id_number": id_number_field(context, "id_number"),
        "licence_class": _licence_class(context),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _licence_class(context: Page) -> FieldValue:
    """After 准驾车型; with the label hidden, a row that is nothing but a class (C1) will do."""
    reading, found = read_after(context, "licence_class", read_licence_class)
    if reading.value is not None:
        return value_of(reading, found)
    for index, row in enumerate(context.rows):
        if re.fullmatch(r"(A[123]|B[12]|C[1-6]|D|E|F|M|N|P)+", row.text):
            spot = Found(row.text, index, 0, len(row.text), row)
            return value_of(Reading(row.text, REPAIRED_PENALTY * 0.9), spot)
    return value_of(reading, found)
