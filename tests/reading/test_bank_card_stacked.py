"""Bank card numbers printed over several lines (vertical cards, wrapped numbers): drawn here with
Pillow in layouts of this file's own, read by the real RapidOCR engine; and the line geometry
that keeps unrelated digits apart, on lines placed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading import analyse_page
from autopass.reading.documents import extract_fields
from autopass.reading.documents.bank_card import CARD_DOUBT_CAP
from autopass.reading.orient import landscape_if_card
from autopass.reading.text import INVALID_CONFIDENCE
from autopass.settings import Settings
from autopass.standards import load_document_specs
from autopass.validators import is_bank_card_number, luhn_check_digit
from tests.reading.conftest import on_desk, to_bgr

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def card_number(bin_: str, length: int, *, valid: bool = True) -> str:
    """A number of ``length`` digits after ``bin_`` (fixed digits: deterministic); its Luhn digit
    right, or one off."""
    body = bin_ + "".join(str((7 * i + 3) % 10) for i in range(length - len(bin_) - 1))
    check = int(luhn_check_digit(body))
    return body + str(check if valid else (check + 1) % 10)


def groups(number: str) -> list[str]:
    return [number[i : i + 4] for i in range(0, len(number), 4)]


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def vertical_card(number_lines: list[str], *, centred: bool = False) -> Image.Image:
    """A portrait card (54 x 85.6 mm): bank and 借记卡 at the top, the number in the middle over
    ``number_lines``, 银联 at the bottom."""
    width, height = 540, 856
    card = Image.new("RGB", (width, height), (28, 96, 72))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, width, 170), fill=(18, 70, 52))
    draw.text((36, 36), "中国农业银行", font=font(46), fill=(250, 240, 210))
    draw.text((36, 104), "借记卡", font=font(32), fill=(250, 240, 210))
    y = 380
    for text in number_lines:
        left = (width - draw.textlength(text, font=font(42))) / 2 if centred else 48
        draw.text((left, y), text, font=font(42), fill="white")
        y += 58
    draw.text((300, height - 96), "银联", font=font(40), fill="white")
    return card


def wrapped_card(number: str) -> Image.Image:
    """A landscape card whose long number wraps after three groups, its expiry beside the second
    line, a service number under it in smaller type."""
    card = Image.new("RGB", (856, 540), (150, 30, 40))
    draw = ImageDraw.Draw(card)
    draw.text((40, 34), "中国农业银行", font=font(48), fill="white")
    draw.text((640, 44), "DEBIT", font=font(34), fill="white")
    first, second = " ".join(groups(number)[:3]), " ".join(groups(number)[3:])
    draw.text((60, 250), first, font=font(50), fill="white")
    draw.text((60, 316), second, font=font(50), fill="white")
    draw.text((520, 330), "VALID THRU 12/28", font=font(28), fill="white")
    draw.text((60, 440), "客服电话 95599", font=font(26), fill="white")
    draw.text((680, 460), "银联", font=font(40), fill="white")
    return card


@pytest.mark.parametrize("quarter_turns", [0, 1])
def test_a_vertical_card_number_printed_on_two_lines_is_read_whole(ocr, quarter_turns) -> None:  # type: ignore[no-untyped-def]
    number = card_number("622848", 19)
    first, second = " ".join(groups(number)[:3]), " ".join(groups(number)[3:])
    [document] = analyse_page(on_desk(to_bgr(vertical_card([first, second])), quarter_turns), ocr=ocr)
    assert document.type == DocumentType.BANK_CARD
    assert document.fields["card_number"].value == number
    assert document.fields["card_number"].confidence >= 0.95
    assert document.fields["bank_name"].value == "中国农业银行"
    height, width = document.image.shape[:2]
    assert height > width  # read upright, as it stands


def test_a_vertical_card_number_in_groups_over_five_centred_lines_is_read_whole(ocr) -> None:  # type: ignore[no-untyped-def]
    number = card_number("622848", 17)
    [document] = analyse_page(to_bgr(vertical_card(groups(number), centred=True)), ocr=ocr)
    assert document.fields["card_number"].value == number


def test_a_wrapped_number_on_a_landscape_card_is_joined_without_its_expiry(ocr) -> None:  # type: ignore[no-untyped-def]
    number = card_number("622848", 19)
    [document] = analyse_page(to_bgr(wrapped_card(number)), ocr=ocr)
    assert document.fields["card_number"].value == number


def test_digits_on_two_lines_that_make_no_card_number_stay_unsure(ocr) -> None:  # type: ignore[no-untyped-def]
    wrong = card_number("622848", 19, valid=False)
    first, second = " ".join(groups(wrong)[:3]), " ".join(groups(wrong)[3:])
    [document] = analyse_page(to_bgr(vertical_card([first, second])), ocr=ocr)
    read = document.fields["card_number"]
    assert read.value != wrong
    assert read.confidence <= INVALID_CONFIDENCE


def test_a_vertical_card_upright_in_portrait_is_not_turned_before_reading() -> None:
    number = card_number("622848", 19)
    upright = to_bgr(vertical_card([" ".join(groups(number)[:3]), " ".join(groups(number)[3:])]))
    assert landscape_if_card(upright, is_card=True) is upright


def test_a_landscape_card_standing_on_its_short_side_is_still_turned_before_reading() -> None:
    sideways = np.rot90(to_bgr(wrapped_card(card_number("622848", 19)))).copy()
    assert landscape_if_card(sideways, is_card=True).shape[:2] == sideways.shape[1::-1]


# --- which lines are one number: the geometry, on lines placed by hand --------------------------
@pytest.fixture(scope="module")
def specs():  # type: ignore[no-untyped-def]
    return load_document_specs(Settings())


def placed(text: str, x: float, y: float, size: float = 40) -> TextLine:
    right = x + 0.6 * size * len(text)
    return TextLine(text=text, confidence=0.99, box=((x, y), (right, y), (right, y + size), (x, y + size)))


def card_number_read(specs, lines: list[TextLine]):  # type: ignore[no-untyped-def]
    return extract_fields(DocumentType.BANK_CARD, lines, np.zeros((856, 540, 3), np.uint8),
                          specs[DocumentType.BANK_CARD])["card_number"]


NUMBER = card_number("622848", 19)
FIRST, SECOND = " ".join(groups(NUMBER)[:3]), " ".join(groups(NUMBER)[3:])


def test_stacked_lines_are_joined_and_a_digit_line_under_them_left_out(specs) -> None:  # type: ignore[no-untyped-def]
    lines = [placed("中国农业银行", 40, 40), placed(FIRST, 48, 380), placed(SECOND, 48, 436),
             placed("95599", 48, 492), placed("12/28", 48, 548)]
    read = card_number_read(specs, lines)
    assert read.value == NUMBER and read.confidence >= 0.95


@pytest.mark.parametrize(("x", "y"), [(48, 560), (330, 436)], ids=["far_below", "not_aligned"])
def test_digits_that_would_complete_a_number_are_not_joined_from_a_line_apart(specs, x, y) -> None:  # type: ignore[no-untyped-def]
    read = card_number_read(specs, [placed(FIRST, 48, 380), placed(SECOND, x, y)])
    assert read.value != NUMBER
    assert read.confidence <= INVALID_CONFIDENCE


def test_a_line_that_is_a_number_alone_and_longer_with_the_line_under_it_is_left_to_a_person(specs) -> None:  # type: ignore[no-untyped-def]
    """A 19-digit number wrapped after its fourth group: its first 16 digits pass Luhn too (the
    nine in ten that do not are read whole, joined, by the tests above)."""
    number = next(n for n in (card_number(f"6228480{k}", 19) for k in range(10))
                  if is_bank_card_number(n[:16]))
    read = card_number_read(specs, [placed(" ".join(groups(number)[:4]), 48, 380),
                                    placed(number[16:], 48, 436)])
    assert read.value == number
    assert read.confidence <= CARD_DOUBT_CAP
