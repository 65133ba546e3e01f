"""The bank card (银行卡): its number (the longest Luhn-valid run) and the bank printed on it."""

from __future__ import annotations

from autopass.banks import bank_for_card
from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.classify import BANK_NAMES
from autopass.reading.extract import Fields, Page, value_of
from autopass.reading.layout import Found, row_of
from autopass.reading.text import INVALID_CONFIDENCE, Reading, read_card_number

DOCUMENT_TYPE = DocumentType.BANK_CARD

LUHN_TRUSTED_OCR = 0.95
"""OCR confidence a card number needs for Luhn to vouch for it: Luhn catches every single wrong
digit but not every pair, and a line read with doubt may hold two. (Seed 7: correct numbers read
0.94-0.999, one with two wrong digits 0.97 on hard photos; a higher bar sends a third of clean
cards to a person, and the application's number catches that misread anyway.)"""


CARD_DOUBT_CAP = 0.9
"""Ceiling of a Luhn-valid card number read below ``LUHN_TRUSTED_OCR``: under the standard's 0.95."""


def read(context: Page) -> Fields:
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
    card = value_of(number, number_found)
    if number_found is not None and number_found.confidence < LUHN_TRUSTED_OCR:
        card = card.model_copy(update={"confidence": min(card.confidence, CARD_DOUBT_CAP)})
    return {"card_number": card, "bank_name": bank}
