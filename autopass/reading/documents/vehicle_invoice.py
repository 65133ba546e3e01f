"""The vehicle sales invoice (机动车销售统一发票, paper or 数电): buyer, buyer's ID number, VIN,
total, invoice number and date."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.extract import (
    Fields,
    Page,
    amount_field,
    digits_field,
    fits,
    id_number_field,
    name_field,
    read_date_after,
    value_of,
    vin_field,
)
from autopass.reading.layout import Found
from autopass.reading.text import UNPROVEN_PENALTY, Reading, clean, find_dates

DOCUMENT_TYPE = DocumentType.VEHICLE_INVOICE


def read(context: Page) -> Fields:
    return {
        "buyer_name": name_field(context, "buyer_name"),
        "buyer_id_number": id_number_field(context, "buyer_id_number"),
        "vin": vin_field(context),
        "price_total": amount_field(context, "price_total"),
        "invoice_number": _invoice_number(context),
        "invoice_date": _invoice_date(context),
    }


def _invoice_number(context: Page) -> FieldValue:
    """After 发票号码; with the label lost (pale print, glare) or read with a stray digit (码 read
    as 65 runs a 5 into the number), a line of nothing but digits of the shape the spec's
    ``pattern`` gives an invoice number (printed alone under 发票代码), unproven."""
    labelled = digits_field(context, "invoice_number")
    if labelled.value is not None and fits(context, "invoice_number", labelled.value):
        return labelled
    for index, row in enumerate(context.rows):
        for line in row.lines:
            number = clean(line.text)
            if number.isdigit() and fits(context, "invoice_number", number) and number in row.text:
                start = row.text.index(number)
                spot = Found(number, index, start, start + len(number), row)
                return value_of(Reading(number, UNPROVEN_PENALTY * UNPROVEN_PENALTY), spot)
    return labelled


def _invoice_date(context: Page) -> FieldValue:
    """After 开票日期; with the label lost (glare, misread as 开期), the one date an invoice prints:
    the first written with its marks (2026-07-13, not a run of digits), unproven."""
    reading, found = read_date_after(context, "invoice_date")
    if reading.value is not None:
        return value_of(reading, found)
    for index, row in enumerate(context.rows):
        dates = find_dates(row.text, bare=False)
        if dates:
            spot = Found(row.text, index, 0, len(row.text), row)
            return value_of(Reading(dates[0][0], UNPROVEN_PENALTY * UNPROVEN_PENALTY), spot)
    return value_of(reading, found)
