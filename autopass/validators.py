"""Check digits and formats of Chinese identity, bank and vehicle numbers.

Pure functions, shared by the sample generator (to make valid numbers), extraction (to prove an
OCR repair) and the checklist (to judge what the dealer keyed in).
"""

from __future__ import annotations

import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
ID_NUMBER_SHAPE = re.compile(r"\d{17}[\dX]")
"""Eighteen characters of a resident ID number, check digit unchecked (the last may be X)."""


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def is_valid_id_number(value: str) -> bool:
    """True when ``value`` has 18 characters, a real birth date and a correct check character."""
    if not ID_NUMBER_SHAPE.fullmatch(value or ""):
        return False
    return id_check_digit(value[:17]) == value[17] and id_birth_date(value) is not None


def id_birth_date(value: str) -> date | None:
    """The birth date encoded in positions 7-14 of an ID number, or None if it is no date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def id_sex(value: str) -> str:
    """``男`` when the 17th digit is odd, ``女`` when even."""
    return "男" if int(value[16]) % 2 else "女"


def luhn_check_digit(partial: str) -> str:
    """The Luhn digit that completes ``partial`` (all digits but the last)."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_luhn(number: str) -> bool:
    """True for a 12-19 digit card number whose last digit is its Luhn check digit."""
    return bool(re.fullmatch(r"\d{12,19}", number or "")) and (
        luhn_check_digit(number[:-1]) == number[-1]
    )


def is_bank_card_number(number: str) -> bool:
    """A number a bank card can carry: 16-19 digits, Luhn-valid, and an issuer prefix that payment
    cards have. ISO/IEC 7812's major industries 3-6, 8 and 9 (UnionPay's 62 and 81, China's older
    9558), Mir's 2200-2204 and Mastercard's 16-digit 2221-2720; no card network numbers its cards
    from 0, 1 or 7. A number read with its first digits lost passes Luhn 1 time in 10, but seldom
    begins like a card."""
    if not (16 <= len(number or "") <= 19 and is_valid_luhn(number)):
        return False
    prefix = int(number[:6])
    return (number[0] in "345689" or 220000 <= prefix <= 220499
            or (len(number) == 16 and 222100 <= prefix <= 272099))


_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def vin_check_digit(vin: str) -> str:
    """ISO 3779 / GB 16735 check character (position 9) of a 17-character VIN."""
    if len(vin) != 17 or any(ch not in _VIN_VALUES for ch in vin):
        raise ValueError(f"a VIN has 17 characters from 0-9 and A-Z without I, O, Q: {vin!r}")
    remainder = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid_vin(vin: str) -> bool:
    """True for a well-formed VIN whose 9th character is its check digit."""
    return bool(VIN_PATTERN.fullmatch(vin or "")) and vin_check_digit(vin) == vin[8]
