"""Personal numbers masked wherever a person reads them (check details, the dossier page, the
fraud findings): the first and last four characters of an ID or card number, the rest starred.

Kept apart from the standards: it is a rule of display, and every reader of values needs it.
"""

from __future__ import annotations

import re
from typing import Any


def mask_value(kind: str, value: Any) -> str:
    """A value fit for a person to read in a check's detail: numbers of people masked."""
    text = "" if value is None else str(value)
    if kind in ("id_number", "card_number"):
        if len(text) <= 8:
            return "*" * len(text)
        return f"{text[:4]}{'*' * (len(text) - 8)}{text[-4:]}"
    return text


def mask_numbers(text: str) -> str:
    """``text`` with every long number in it masked like an ID number (where a value's kind is not
    known, a long number may be one)."""
    return re.sub(r"\d[\d\sX]{6,}[\dX]", lambda m: mask_value("id_number", m.group()), text)
