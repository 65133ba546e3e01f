"""Confirming an expected value on a text line: CTC spotting, and the real recogniser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.engines.base import LineProbabilities, TextLine
from autopass.reading.confirm import confirm_value, find_stated_value, printed_forms, spotting_scores, support
from autopass.settings import Settings
from autopass.standards import load_document_specs
from autopass.validators import id_check_digit, is_valid_id_number
from tests.engines.drawing import printed_line

ALPHABET = ["", "0", "1", "8", "号", "码"]


def line(*steps: dict[str, float]) -> LineProbabilities:
    """A recogniser's output: each step gives some characters a probability, the blank the rest."""
    probabilities = np.zeros((len(steps), len(ALPHABET)))
    for row, step in zip(probabilities, steps, strict=True):
        for character, probability in step.items():
            row[ALPHABET.index(character)] = probability
        row[0] = 1.0 - sum(step.values())
    return LineProbabilities(probabilities, ALPHABET)


def indexes(text: str) -> list[int]:
    return [ALPHABET.index(character) for character in text]


def test_a_text_is_spotted_after_a_label_and_scores_as_the_line_reads() -> None:
    read = line({"号": 0.9}, {"码": 0.9}, {}, {"1": 0.9}, {}, {"0": 0.9})

    scores = spotting_scores(np.log(np.maximum(read.probabilities, 1e-12)), [indexes("10")])

    assert scores[0] == pytest.approx(0.0)


def test_a_repeated_character_needs_a_blank_between_its_two() -> None:
    """CTC merges a run: two steps of 1 with no blank between spell one 1."""
    run = line({"1": 0.9}, {"1": 0.9})
    log = np.log(np.maximum(run.probabilities, 1e-12))

    one, two = spotting_scores(log, [indexes("1")])[0], spotting_scores(log, [indexes("11")])[0]

    assert one == pytest.approx(0.0)
    assert two < one - 1


def test_support_weighs_the_text_against_its_neighbours() -> None:
    """A blurred 0 the recogniser gives 0.6 against 8's 0.3: 10 is preferred by log(0.6/0.3);
    18, its neighbour, is not."""
    blurred = line({"1": 0.9}, {}, {"0": 0.6, "8": 0.3})

    zero, eight = support(blurred, "10"), support(blurred, "18")

    assert zero is not None and eight is not None
    assert zero.margin == pytest.approx(math.log(0.6 / 0.3), abs=1e-6)
    assert eight.margin == pytest.approx(-math.log(0.6 / 0.3), abs=1e-6)


def test_a_neighbour_failing_the_check_digit_cannot_be_what_is_printed() -> None:
    """The recogniser prefers 18 a little; if only 10 can be printed (its check digit), 18
    competes no more, and any other valid text lies two characters away at least."""
    blurred = line({"1": 0.9}, {}, {"0": 0.4, "8": 0.5})

    def only_ten(text: str) -> bool:
        return text == "10"

    assert support(blurred, "10").margin < 0  # type: ignore[union-attr]
    assert support(blurred, "10", only_ten).margin > 2  # type: ignore[union-attr]


def test_a_text_the_alphabet_cannot_write_is_not_supported() -> None:
    assert support(line({"1": 0.9}), "1A") is None


ID_NUMBER = "440106199207247446"


def test_a_printed_number_is_confirmed_and_its_neighbours_are_not(ocr) -> None:  # type: ignore[no-untyped-def]
    image, printed = printed_line(f"身份证号码：{ID_NUMBER}", 16)
    box = list(printed.bounds)

    confirmed = confirm_value(ocr, image, [printed], box, ID_NUMBER)
    one_digit_off = confirm_value(ocr, image, [printed], box, ID_NUMBER[:9] + "8" + ID_NUMBER[10:])
    swapped = confirm_value(ocr, image, [printed], box, ID_NUMBER[:5] + "60" + ID_NUMBER[7:])
    another = confirm_value(ocr, image, [printed], box, "320106198910175606")
    two_digits_off = ID_NUMBER[:6] + "20" + ID_NUMBER[8:17]  # born 2092: still a valid number
    two_digits_off += id_check_digit(two_digits_off)
    valid_and_close = confirm_value(ocr, image, [printed], box, two_digits_off, is_valid_id_number)

    assert confirmed is not None
    assert confirmed.value == ID_NUMBER and confirmed.source == "confirmed"
    assert confirmed.confidence >= 0.95
    assert one_digit_off is None and swapped is None and another is None
    assert is_valid_id_number(two_digits_off) and valid_and_close is None


def test_a_name_differing_in_one_character_is_not_confirmed(ocr) -> None:  # type: ignore[no-untyped-def]
    image, printed = printed_line("借款人姓名：张晶", 18)
    box = list(printed.bounds)

    assert confirm_value(ocr, image, [printed], box, "张晶") is not None
    assert confirm_value(ocr, image, [printed], box, "张品") is None


def test_nothing_is_confirmed_away_from_the_value_or_without_probabilities(ocr) -> None:  # type: ignore[no-untyped-def]
    image, printed = printed_line(f"身份证号码：{ID_NUMBER}", 16)
    elsewhere = [0, image.shape[0] + 50, 100, 20]

    class ReadOnly:
        name = "read-only"

        def read(self, image: np.ndarray, *, straightened: bool = False) -> list[TextLine]:
            return ocr.read(image, straightened=straightened)

    assert confirm_value(ocr, image, [printed], elsewhere, ID_NUMBER) is None
    assert confirm_value(ReadOnly(), image, [printed], list(printed.bounds), ID_NUMBER) is None


# --- the value the application states, looked for as a checker does ----------------------------
STATED_NAME = "周晓明"


@pytest.fixture(scope="module")
def unknown_label_page(ocr):  # type: ignore[no-untyped-def]
    """A contract whose borrower stands under 立约人, a label no standard knows, read by RapidOCR."""
    from autopass.reading.analyse import analyse_page
    from tests.reading.test_labels import _signature_page

    [document] = analyse_page(_signature_page("立约人", STATED_NAME), ocr=ocr)
    return document


def _stated(ocr, document, field: str, stated: object, is_valid=None):  # type: ignore[no-untyped-def]
    spec = load_document_specs(Settings())[DocumentType.LOAN_CONTRACT]
    return find_stated_value(ocr, document.image, document.lines, spec, field,
                             document.fields[field], stated, is_valid)


def test_a_stated_name_is_found_whatever_the_label_and_a_look_alike_is_not(  # type: ignore[no-untyped-def]
        ocr, unknown_label_page) -> None:
    """No label of the standard names the borrower: the free reading finds none, the stated name
    is found on the page (confirmed, sure); a name one character off, or another, is not."""
    assert unknown_label_page.type == DocumentType.LOAN_CONTRACT
    assert unknown_label_page.fields["borrower_name"].value is None

    found = _stated(ocr, unknown_label_page, "borrower_name", STATED_NAME)

    assert found is not None and found.value == STATED_NAME and found.source == "confirmed"
    assert found.confidence >= 0.95
    assert _stated(ocr, unknown_label_page, "borrower_name", "周晓朋") is None
    assert _stated(ocr, unknown_label_page, "borrower_name", "李国强") is None


def test_a_stated_amount_is_found_by_its_label_and_another_valid_number_is_a_mismatch(  # type: ignore[no-untyped-def]
        ocr, unknown_label_page) -> None:
    """借款金额 … ¥150000.00: the stated 150000 is found in its printed form, 160000 is not; the
    ID number read there passes its check digit, so another valid number stated is not looked for
    elsewhere on the page: a mismatch stays one."""
    from tests.reading.test_labels import ID_NUMBER

    amount = _stated(ocr, unknown_label_page, "loan_amount", 150000.0)
    assert amount is not None and amount.value == 150000.0 and amount.source == "confirmed"
    assert _stated(ocr, unknown_label_page, "loan_amount", 160000.0) is None
    assert unknown_label_page.fields["id_number"].value == ID_NUMBER
    other = "11010519850101003"
    other += id_check_digit(other)
    assert _stated(ocr, unknown_label_page, "id_number", other, is_valid_id_number) is None
    assert _stated(ocr, unknown_label_page, "id_number", ID_NUMBER, is_valid_id_number) is not None


def test_printed_forms_of_stated_values() -> None:
    assert printed_forms("amount", 158000.0) == ["158000.00", "158,000.00"]
    assert printed_forms("card_number", "6222020200112233446") == [
        "6222020200112233446", "6222 0202 0011 2233 446"]
    assert printed_forms("name", "张伟") == ["张伟"]
