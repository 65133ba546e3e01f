"""Check digits of ID numbers (GB 11643), bank cards (Luhn) and VINs (ISO 3779), by example and by
property: every generated valid number passes, every single-character change is caught."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autopass.validators import (
    VIN_PATTERN,
    id_birth_date,
    id_check_digit,
    id_sex,
    is_valid_id_number,
    is_valid_luhn,
    is_valid_vin,
    luhn_check_digit,
    vin_check_digit,
)

# The session's Prefect test server, in a background thread, draws its service loops' jitter from
# the global `random`; Hypothesis sees that state move during a draw and blames the strategy
# (none here uses `random`).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)

FAST = settings(max_examples=100, deadline=None)
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, date, str]:
    """(a valid ID number, its birth date, its sex) with region, birth date and sequence drawn."""
    region = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    sequence = draw(st.integers(0, 99))
    sex_digit = draw(st.integers(0, 9))
    first17 = f"{region}{birth:%Y%m%d}{sequence:02d}{sex_digit}"
    return first17 + id_check_digit(first17), birth, "男" if sex_digit % 2 else "女"


@st.composite
def vins(draw: st.DrawFn) -> str:
    body = draw(st.text(VIN_CHARS, min_size=16, max_size=16))
    vin = body[:8] + "0" + body[8:]
    return vin[:8] + vin_check_digit(vin) + vin[9:]


card_bodies = st.text("0123456789", min_size=11, max_size=18)


# --- examples -------------------------------------------------------------------------------------
def test_known_id_number():
    assert is_valid_id_number("370202198803121230")
    assert id_birth_date("370202198803121230") == date(1988, 3, 12)
    assert id_sex("370202198803121230") == "男"
    assert is_valid_id_number("11010519491231002X")
    assert id_sex("11010519491231002X") == "女"


@pytest.mark.parametrize("value", [
    "370202198803121231",  # wrong check digit
    "11010519491231002x",  # lower-case x is not how the contract writes it
    "370202198802301234",  # 30 February (the check digit of this body is 4, still no date)
    "37020219880312123",  # 17 characters
    "3702021988031212300",  # 19 characters
    "", "37020219880312123A",
])
def test_invalid_id_numbers(value):
    assert not is_valid_id_number(value)


def test_check_digit_needs_17_digits():
    with pytest.raises(ValueError, match="expected 17 digits"):
        id_check_digit("12345")


def test_known_card_and_vin():
    assert is_valid_luhn("6222020200112233446")
    assert not is_valid_luhn("6222020200112233445")
    assert not is_valid_luhn("12345678901")  # too short for a card
    assert is_valid_vin("LSVAM4188C2184842")
    assert not is_valid_vin("LSVAM4187C2184842")
    assert not is_valid_vin("LSVAM4188C218484I")  # I never appears in a VIN


def test_vin_check_digit_can_be_x():
    assert is_valid_vin("1M8GDM9AXKP042788")


# --- properties -----------------------------------------------------------------------------------
@FAST
@given(id_numbers())
def test_generated_id_numbers_are_valid_and_encode_birth_and_sex(case):
    number, birth, sex = case
    assert is_valid_id_number(number)
    assert id_birth_date(number) == birth
    assert id_sex(number) == sex


@FAST
@given(id_numbers(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_of_an_id_number_is_caught(case, position, replacement):
    number = case[0]
    changed = number[:position] + replacement + number[position + 1:]
    if changed != number:
        assert not is_valid_id_number(changed)


@FAST
@given(id_numbers(), st.integers(0, 16))
def test_swapping_adjacent_id_digits_is_caught(case, position):
    number = case[0]
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
    if swapped != number:
        assert not is_valid_id_number(swapped)


@FAST
@given(card_bodies)
def test_luhn_completion_is_valid(body):
    assert is_valid_luhn(body + luhn_check_digit(body))


@FAST
@given(card_bodies, st.data())
def test_any_single_digit_change_of_a_card_is_caught(body, data):
    card = body + luhn_check_digit(body)
    position = data.draw(st.integers(0, len(card) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != card[position]))
    assert not is_valid_luhn(card[:position] + digit + card[position + 1:])


@FAST
@given(vins())
def test_generated_vins_are_valid(vin):
    assert VIN_PATTERN.fullmatch(vin)
    assert is_valid_vin(vin)


@FAST
@given(vins(), st.sampled_from([i for i in range(17) if i != 8]), st.sampled_from(VIN_CHARS))
def test_changing_a_weighted_vin_character_to_another_value_is_caught(vin, position, char):
    """Characters with equal transliteration values (A and J are both 1) cannot be told apart."""
    from autopass.validators import _VIN_VALUES

    changed = vin[:position] + char + vin[position + 1:]
    if _VIN_VALUES[char] != _VIN_VALUES[vin[position]]:
        assert not is_valid_vin(changed)
