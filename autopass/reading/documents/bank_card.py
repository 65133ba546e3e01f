"""The bank card (银行卡): its number (the longest Luhn-valid run, on one line or stacked over
several) and the bank printed on it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from autopass.banks import bank_for_card
from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.engines.base import TextLine
from autopass.reading.classify import BANK_NAMES
from autopass.reading.extract import Fields, Page, value_of
from autopass.reading.layout import Found, Row, row_of
from autopass.reading.text import INVALID_CONFIDENCE, Reading, clean, read_card_number

DOCUMENT_TYPE = DocumentType.BANK_CARD

LUHN_TRUSTED_OCR = 0.95
"""OCR confidence a card number needs for Luhn to vouch for it: Luhn catches every single wrong
digit but not every pair, and a line read with doubt may hold two. (Seed 7: correct numbers read
0.94-0.999, one with two wrong digits 0.97 on hard photos; a higher bar sends a third of clean
cards to a person, and the application's number catches that misread anyway.)"""


CARD_DOUBT_CAP = 0.9
"""Ceiling of a Luhn-valid card number read below ``LUHN_TRUSTED_OCR``: under the standard's 0.95."""

STACK_GAP = 1.0
"""Widest gap between two lines of one number printed over several (a portrait card's
``6222 0202 0011`` over ``2233 446``), in line heights: a card's next printed row stands further."""

STACK_ALIGN = 1.0
"""How far, in line heights, the left edges (or the centres) of a number's stacked lines may
differ: banks print them flush left or centred."""

STACK_HEIGHT_RATIO = 1.4
"""Largest ratio between the heights of a number's stacked lines (one typeface, one size)."""

_DIGIT_GROUP = re.compile(r"[0-9A-Za-z|!]+")
"""A line that holds nothing but one or more digit groups (letters OCR confuses with digits
allowed): no date (12/28), no label, no name."""


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
    # The number may be printed over several lines (a vertical card, a long number wrapped):
    # joined only if the digits then make a card's number.
    stacked, doubt = _stacked_number([line for row in context.rows for line in row.lines]), False
    if stacked is not None and (number.trust <= INVALID_CONFIDENCE or _longer_over(stacked, number, number_found)):
        # A line that holds a number on its own and, with the line under it, a longer one (16
        # digits then 3, Luhn right both ways 1 time in 10): which one is meant is for a person.
        doubt = number.trust > INVALID_CONFIDENCE
        number, joined = stacked
        number_found = Found(joined.text, len(candidates), 0, len(joined.text), joined)
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
    if number_found is not None and (doubt or number_found.confidence < LUHN_TRUSTED_OCR):
        card = card.model_copy(update={"confidence": min(card.confidence, CARD_DOUBT_CAP)})
    return {"card_number": card, "bank_name": bank}


def _stacked_number(lines: Sequence[TextLine]) -> tuple[Reading, Row] | None:
    """The longest card number (``read_card_number`` vouching for it: Luhn, a card's length and
    issuer prefix) made of digit-group lines stacked one under the next, aligned and close; a
    joined number that no card can carry is never returned."""
    digit_lines = sorted((line for line in lines if _is_digit_group(line.text)),
                         key=lambda line: line.bounds[1])
    best: tuple[Reading, Row] | None = None
    for start, first in enumerate(digit_lines):
        stack = [first]
        for line in digit_lines[start + 1:]:
            if _continues(stack[-1], line):
                stack.append(line)
        for end in range(2, len(stack) + 1):
            row = row_of(stack[:end])
            reading = read_card_number(row.text)
            if reading.trust > INVALID_CONFIDENCE and (
                    best is None or len(reading.value or "") > len(best[0].value or "")):
                best = (reading, row)
    return best


def _longer_over(stacked: tuple[Reading, Row], number: Reading, found: Found | None) -> bool:
    """The stacked number runs on from a line of the row ``number`` was read in, and is longer."""
    reading, joined = stacked
    return found is not None and len(reading.value or "") > len(number.value or "") and \
        any(line in found.row.lines for line in joined.lines)


def _is_digit_group(text: str) -> bool:
    """Digit groups only, mostly digits: a line a card number may be printed on."""
    compact = clean(text)
    return bool(_DIGIT_GROUP.fullmatch(compact)) and 2 * sum(ch.isdigit() for ch in compact) > len(compact)


def _continues(above: TextLine, below: TextLine) -> bool:
    """``below`` is the next line of the number printed on ``above``: just under it, of its
    size, flush with it or centred under it."""
    ax, ay, aw, ah = above.bounds
    bx, by, bw, bh = below.bounds
    height = max(ah, bh)
    if height > STACK_HEIGHT_RATIO * max(1, min(ah, bh)):
        return False
    gap = by - (ay + ah)
    if not -0.5 * height < gap <= STACK_GAP * height:
        return False
    flush = abs(ax - bx) <= STACK_ALIGN * height
    centred = abs((ax + aw / 2) - (bx + bw / 2)) <= STACK_ALIGN * height
    return flush or centred
