"""Normalisation and repairs: only where a checksum or format proves them."""

from __future__ import annotations

from autopass.reading.text import (
    ETHNIC_GROUPS,
    INVALID_CONFIDENCE,
    REPAIRED_PENALTY,
    Reading,
    chinese_amount,
    clean,
    find_amount,
    likelier_name,
    proven_by_runners_up,
    read_card_number,
    read_date,
    read_ethnicity,
    read_id_number,
    read_name,
    read_validity,
    read_vin,
)
from autopass.validators import id_check_digit, luhn_check_digit, vin_check_digit

ID_17 = "37020219880312123"
ID_NUMBER = ID_17 + id_check_digit(ID_17)
CARD = "622848001234567890"
CARD_NUMBER = CARD + luhn_check_digit(CARD)
VIN_WITHOUT_CHECK = "LSVAM4180C2184842"
VIN = VIN_WITHOUT_CHECK[:8] + vin_check_digit(VIN_WITHOUT_CHECK) + VIN_WITHOUT_CHECK[9:]


def test_clean_turns_full_width_and_traditional_into_half_width_simplified() -> None:
    assert clean("姓名：張偉　ＡＢ１２") == "姓名:张伟AB12"


def test_a_valid_id_number_is_read_as_is_with_full_trust() -> None:
    reading = read_id_number(f"公民身份号码{ID_NUMBER}")
    assert (reading.value, reading.trust) == (ID_NUMBER, 1.0)


def test_a_lower_case_x_becomes_upper_case() -> None:
    ending_in_x = next(p for p in (f"11010519900101{n:03d}" for n in range(1000))
                       if id_check_digit(p) == "X")
    reading = read_id_number(ending_in_x + "x")
    assert reading.value == ending_in_x + "X"


def test_letters_read_for_digits_are_repaired_when_the_checksum_proves_it() -> None:
    misread = ID_NUMBER.replace("0", "O", 1)
    reading = read_id_number(misread)
    assert (reading.value, reading.trust) == (ID_NUMBER, REPAIRED_PENALTY)


def test_an_id_number_that_fails_its_checksum_is_not_repaired() -> None:
    wrong = ID_NUMBER[:5] + str((int(ID_NUMBER[5]) + 1) % 10) + ID_NUMBER[6:]
    reading = read_id_number(wrong)
    assert (reading.value, reading.trust) == (wrong, INVALID_CONFIDENCE)


def test_card_number_digits_only_and_luhn_proves_a_repair() -> None:
    spaced = " ".join(CARD_NUMBER[i : i + 4] for i in range(0, len(CARD_NUMBER), 4))
    assert read_card_number(spaced).value == CARD_NUMBER
    misread = CARD_NUMBER[:7] + "B" + CARD_NUMBER[8:] if CARD_NUMBER[7] == "8" else CARD_NUMBER.replace("1", "I", 1)
    reading = read_card_number(misread)
    assert (reading.value, reading.trust) == (CARD_NUMBER, REPAIRED_PENALTY)


def test_a_card_number_that_lost_its_first_digits_is_not_trusted() -> None:
    """6222 6263 6033 8219 351 read as 22 6263 6033 8219 351: 17 digits that pass Luhn by chance
    (1 in 10), but no bank card begins with 22."""
    printed = "6222626360338219351"
    assert read_card_number("6222 6263 6033 8219 351") == Reading(printed, 1.0)
    assert read_card_number("22 6263 6033 8219 351") == Reading(printed[2:], INVALID_CONFIDENCE)
    for other_card in ("222100001234567", "810000123456789012"):  # Mastercard, UnionPay's 81
        assert read_card_number(other_card + luhn_check_digit(other_card)).trust == 1.0


def test_vin_letters_that_iso_3779_forbids_are_repaired() -> None:
    misread = VIN.replace("1", "I", 1)
    assert misread != VIN
    reading = read_vin(misread.lower())
    assert reading.value == VIN and reading.trust < 1.0
    assert read_vin(VIN).trust == 1.0


def test_a_vin_with_a_wrong_check_digit_is_not_repaired_by_guessing() -> None:
    wrong = VIN[:8] + ("1" if VIN[8] != "1" else "2") + VIN[9:]
    reading = read_vin(wrong)
    assert reading.trust == INVALID_CONFIDENCE


def test_dates_become_iso_and_long_term_is_kept() -> None:
    assert read_date("1988 年 3 月 12 日").value == "1988-03-12"
    start, end = read_validity("2016.03.12-长期")
    assert (start.value, end.value) == ("2016-03-12", "长期")
    start, end = read_validity("2018-05-20 至 2028-05-20")
    assert (start.value, end.value) == ("2018-05-20", "2028-05-20")
    start, end = read_validity("至 2028-05-20")  # the start under a finger
    assert (start.value, end.value) == (None, "2028-05-20")
    start, end = read_validity("2018-05-20")
    assert (start.value, end.value) == ("2018-05-20", None)


def test_a_birth_date_whose_year_mark_was_lost_is_still_a_date() -> None:
    assert read_date("19872月26日").value == "1987-02-26"
    assert read_date("出生198712月3日").value == "1987-12-03"


def test_a_speck_read_as_a_dot_beside_a_date_mark_is_ignored() -> None:
    assert read_date("1973.年6月 29").value == "1973-06-29"
    assert read_date("1973年6.月29日").value == "1973-06-29"


def _as_read(text: str, runners_up: dict[int, str] | None = None) -> tuple[tuple[tuple[str, float], ...], ...]:
    """The recogniser's alternatives for ``text``: each character sure, but at the positions given
    a runner-up with a fair probability."""
    runners_up = runners_up or {}
    return tuple(((ch, 0.7), (runners_up[i], 0.25)) if i in runners_up else ((ch, 0.99),)
                 for i, ch in enumerate(text))


def test_an_impossible_date_is_repaired_only_where_a_runner_up_proves_it() -> None:
    # 0 read as 8 in small print: no month 89, no year 2826; the 0 the recogniser also saw fits.
    proven = read_date("2026-89-14", _as_read("2026-89-14", {5: "0"}))
    assert proven.value == "2026-09-14"
    assert read_date("2826-05-11", _as_read("2826-05-11", {1: "0"})).value == "2026-05-11"
    # Month 13: its 1 as 0 and its 3 as 2 each make a date, so neither is proven.
    assert read_date("2026-13-14", _as_read("2026-13-14", {5: "0"})).value == "2026-03-14"
    assert read_date("2026-13-14", _as_read("2026-13-14", {5: "0", 6: "2"})).value is None
    # A date read right is not second-guessed.
    assert read_date("2026-08-14", _as_read("2026-08-14", {5: "0"})).value == "2026-08-14"
    # With no runner-up, 0 and 8 still stand in for each other where exactly one date results,
    # less surely than a runner-up; 2026-98-14 stays unread (9 is no look-alike of 0).
    blind = read_date("2026-89-14")
    assert blind.value == "2026-09-14" and blind.trust < proven.trust
    assert read_date("2026-02-88").value == "2026-02-08"
    assert read_date("2026-98-14").value is None


def test_capitals_cut_short_after_a_digit_have_no_value() -> None:
    assert chinese_amount("人民币（大写）叁万叁仟") == 33000.0  # 元 lost: the units still tell
    assert chinese_amount("人民币（大写）叁") is None  # the rest under glare (n7 0182): 叁 of what?


def test_amounts_in_figures_and_in_chinese_capitals_agree() -> None:
    assert find_amount("小写 ¥158,000.00") == 158000.0
    assert find_amount("¥158000.00") == 158000.0
    assert chinese_amount("壹拾伍万捌仟元整") == 158000.0
    assert chinese_amount("人民币（大写）壹拾万元整") == 100000.0
    assert chinese_amount("叁拾贰万零伍佰元整") == 320500.0


def test_a_speck_read_as_a_dot_inside_a_figure_is_no_decimal_point() -> None:
    """n7 dossier 64: ¥114000.00 read as ¥1.14000.00 was taken for 1.14 yuan."""
    assert find_amount("¥1.14000.00") == 114000.0
    assert find_amount("¥16681.42") == 16681.42 and find_amount("单价 ¥1.5") == 1.5


def test_ethnicity_drops_zu() -> None:
    assert read_ethnicity("维吾尔族").value == "维吾尔"


def test_ethnicity_is_one_of_the_56_groups() -> None:
    assert len(set(ETHNIC_GROUPS)) == 56
    assert read_ethnicity("汉").trust > read_ethnicity("·汉").trust
    assert read_ethnicity("·汉").value == "汉"
    assert read_ethnicity("汊").trust == INVALID_CONFIDENCE  # not a group: a misread


def test_a_single_character_is_not_trusted_as_a_name() -> None:
    assert read_name("码").trust == INVALID_CONFIDENCE
    assert read_name("史莉娜").trust > INVALID_CONFIDENCE


def test_a_character_names_rarely_hold_gives_way_to_a_likely_runner_up() -> None:
    def alternatives(*positions: tuple[tuple[str, float], ...]) -> list[tuple[tuple[str, float], ...]]:
        return list(positions)

    misread = alternatives((("肖", 0.99),), (("品", 0.6), ("晶", 0.3)), (("怡", 0.95),))
    assert likelier_name("肖品怡", misread) == "肖晶怡"
    barely = alternatives((("肖", 0.99),), (("品", 0.95), ("晶", 0.04)), (("怡", 0.95),))
    assert likelier_name("肖品怡", barely) == "肖品怡"  # the image says 品: kept (and checked)
    plausible = alternatives((("张", 0.7), ("弓", 0.2)), (("伟", 0.5), ("佳", 0.4)))
    assert likelier_name("张伟", plausible) == "张伟"
    surname = alternatives((("随", 0.5), ("陆", 0.4)), (("慧", 0.9),), (("悦", 0.9),))
    assert likelier_name("随慧悦", surname) == "陆慧悦"
    assert likelier_name("阿卜杜拉·买买提", []) == "阿卜杜拉·买买提"


def test_a_check_digit_proves_an_exchange_for_the_recognisers_runners_up() -> None:
    from autopass.validators import is_valid_id_number

    true = "110105198404081505"
    misread = "110185198484081505"  # two 0s read as 8
    runners_up = [((c, 0.9),) for c in misread]
    runners_up[4] = (("8", 0.55), ("0", 0.4))
    runners_up[10] = (("8", 0.6), ("0", 0.3))
    assert proven_by_runners_up(misread, runners_up, is_valid_id_number) == true
    faint = [*runners_up]
    faint[10] = (("8", 0.97), ("0", 0.01))  # the image says 8: nothing proven
    assert proven_by_runners_up(misread, faint, is_valid_id_number) is None
    assert proven_by_runners_up(misread, runners_up[:-1], is_valid_id_number) is None
