"""Labels as other printers lay them out, drawn with Pillow and read by the real reader.

A label broken over two or three lines of its table cell (购买方 over 名称), printed downwards one
character under the other (购/买/方/名/称), or spaced out across its cell; a label with label words
after it (借款本金金额) or a bracketed unit (贷款本金（元）) over its value; a licence's validity
printed as a start and a term in years, or 长期; the registration booklet's owner in a cell of its
own beside the identity document's. Every word comes from ``standards/documents/*.yaml``.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading import analyse_page
from autopass.reading.documents import extract_fields
from autopass.reading.layout import build_rows, is_label_text, join_broken_labels
from autopass.reading.text import clean, label_fragments, read_term_years
from autopass.devtools.samples import draw
from autopass.devtools.samples.people import amount_in_words
from autopass.settings import Settings
from autopass.standards import DocumentSpec, load_document_specs
from autopass.validators import id_check_digit, vin_check_digit
from tests.reading.conftest import on_desk, to_bgr

Specs = dict[DocumentType, DocumentSpec]
INK = (20, 20, 26)
ID_NUMBER = "33010619900307452" + id_check_digit("33010619900307452")
VIN = "LSVAU218" + vin_check_digit("LSVAU2180N2183294") + "N2183294"
NAME = "周晓明"


@pytest.fixture(scope="module")
def specs() -> Specs:
    return load_document_specs(Settings())


def line(text: str, x: float, y: float, width: float | None = None, height: float = 30.0) -> TextLine:
    right = x + (width if width is not None else 30 * len(text))
    return TextLine(text=text, confidence=0.99, box=((x, y), (right, y), (right, y + height), (x, y + height)))


# --- joining, on lines as OCR returns them ----------------------------------------------------
def test_a_label_stacked_in_its_cell_is_joined_onto_the_row_of_its_value(specs: Specs) -> None:
    vocabulary = specs[DocumentType.VEHICLE_INVOICE].printed_labels
    lines = [line("购买方", 50, 220), line("名称", 50, 252), line(NAME, 150, 236, height=40)]
    joined = join_broken_labels(lines, vocabulary)
    assert sorted(clean(item.text) for item in joined) == sorted(["购买方名称", NAME])
    [row] = build_rows(lines, vocabulary)
    assert row.text == f"购买方名称{NAME}"


def test_one_character_a_line_is_joined_too_and_a_value_is_never_part_of_a_label(specs: Specs) -> None:
    vocabulary = specs[DocumentType.VEHICLE_INVOICE].printed_labels
    column = [line(ch, 50, 200 + 36 * i) for i, ch in enumerate("购买方名称")]
    fields = extract_fields(DocumentType.VEHICLE_INVOICE, [*column, line(NAME, 150, 270)],
                            np.zeros((600, 900, 3), np.uint8), specs[DocumentType.VEHICLE_INVOICE])
    assert fields["buyer_name"].value == NAME
    # A name under a label is no piece of it: 购买方名称 over 周晓明 stays a label over a value.
    kept = join_broken_labels([line("购买方名称", 50, 200), line(NAME, 50, 236)], vocabulary)
    assert [clean(item.text) for item in kept] == ["购买方名称", NAME]


def test_two_rows_labels_are_not_one_label(specs: Specs) -> None:
    """姓名 over 性别 (an ID card's rows, close together): two labels, never joined."""
    vocabulary = specs[DocumentType.ID_CARD_FRONT].printed_labels
    lines = [line("姓名", 50, 100), line("性别", 50, 140)]
    assert [clean(item.text) for item in join_broken_labels(lines, vocabulary)] == ["姓名", "性别"]


def test_a_label_with_label_words_or_a_unit_around_it_is_a_label(specs: Specs) -> None:
    words = {clean(word) for word in specs[DocumentType.LOAN_CONTRACT].printed_labels}
    pieces = {fragment.piece for fragment in label_fragments(sorted(words))}
    for printed in ("借款本金金额", "贷款本金(元)", "借款人姓名"):
        assert is_label_text(printed, words, pieces), printed
    for printed in ("借款本金张伟", "借款人周晓明", "张伟"):
        assert not is_label_text(printed, words, pieces), printed


@pytest.mark.parametrize("printed", ["借款本金金额:", "借款本金金额", "贷款本金(元)"])
def test_an_amount_under_a_longer_label_is_read(specs: Specs, printed: str) -> None:
    """The label's own words (金额, （元）) are never the amount: right of it, or under it."""
    spec = specs[DocumentType.LOAN_CONTRACT]
    blank = np.zeros((600, 1200, 3), np.uint8)
    beside = extract_fields(DocumentType.LOAN_CONTRACT, [line(printed, 50, 100), line("150000.00", 400, 100)],
                            blank, spec)
    under = extract_fields(DocumentType.LOAN_CONTRACT, [line(printed, 50, 100), line("150000.00", 50, 150)],
                           blank, spec)
    assert beside["loan_amount"].value == 150000.0
    assert under["loan_amount"].value == 150000.0


def test_a_term_in_years_is_no_year_of_a_date() -> None:
    assert read_term_years("6年") == 6
    assert read_term_years("有效期限10 年") == 10
    assert read_term_years("2019年03月02日") is None
    assert read_term_years("长期") is None


# --- drawn and read by the real engine ----------------------------------------------------------
def _invoice(label: str, width: int, *, spacing: float = 0) -> np.ndarray:
    """An invoice whose buyer label cell is ``width`` wide (the label wraps to fit it), or whose
    label is spaced out (``spacing`` pixels between its characters)."""
    rng = random.Random(3)
    page = draw.paper((1600, 900), (252, 252, 250), rng)
    draw.text(page, (800, 50), "机动车销售统一发票", 52, (150, 60, 40), bold=True, anchor="mt")
    draw.text(page, (60, 140), "开票日期", 24, INK)
    draw.text(page, (180, 136), "2026-07-01", 28, INK)
    draw.text(page, (1100, 140), "发票号码", 24, INK)
    draw.text(page, (1220, 136), "12345678", 28, INK)
    caption = "" if spacing else label
    rows = [[(caption, width), ("", 420), ("身份证号码/组织机构代码", 280), ("", 600)],
            [("车辆识别代号/车架号码", 280), ("", 420), ("价税合计", 160), ("", 600)]]
    values = {(0, 1): (NAME, INK, 32), (0, 3): (ID_NUMBER, INK, 30), (1, 1): (VIN, INK, 30),
              (1, 3): ("¥158000.00", INK, 30)}
    draw.table(page, (60, 220), rows, 150, line=INK, label=INK, size=28, values=values)
    if spacing:
        draw.text(page, (68, 295), label, 28, INK, spacing=spacing, anchor="lm")
    return to_bgr(page)


@pytest.mark.parametrize(("label", "width", "spacing"), [
    ("购买方名称", 110, 0),   # 购买方 over 名称
    ("购买方名称", 50, 0),    # one character a line
    ("购货单位(人)", 100, 0),  # 购货单位 over (人)
    ("购买方名称", 300, 24),  # 购 买 方 名 称 across the cell
], ids=["stacked", "downwards", "stacked-qualified", "spaced"])
def test_an_invoice_buyer_under_a_broken_label_is_read(ocr, label: str, width: int,  # type: ignore[no-untyped-def]
                                                        spacing: float) -> None:
    [document] = analyse_page(_invoice(label, width, spacing=spacing), ocr=ocr)
    assert document.type == DocumentType.VEHICLE_INVOICE
    assert document.fields["buyer_name"].value == NAME
    assert document.fields["buyer_id_number"].value == ID_NUMBER


def _contract(label: str, *, below: bool) -> np.ndarray:
    rng = random.Random(4)
    page = draw.paper((1240, 1000), (252, 252, 250), rng)
    draw.text(page, (620, 60), "个人汽车贷款合同", 48, INK, bold=True, anchor="mt")
    draw.text(page, (620, 130), "（签字页）", 30, INK, anchor="mt")
    draw.text(page, (90, 220), f"借款人姓名：{NAME}", 30, INK)
    draw.text(page, (90, 290), f"身份证号码：{ID_NUMBER}", 30, INK)
    if below:
        draw.table(page, (90, 360), [[(label, 300), ("借款期限", 300)], [("", 300), ("", 300)]], 70,
                   line=INK, label=INK, size=30, values={(1, 0): ("150000.00", INK, 30),
                                                         (1, 1): ("36个月", INK, 30)})
    else:
        draw.text(page, (90, 400), f"{label}：人民币{amount_in_words(150000)}（¥150000.00）", 30, INK)
    draw.text(page, (90, 700), "借款人（签字）：", 30, INK)
    draw.text(page, (90, 800), "签署日期：2026年7月1日", 30, INK)
    return to_bgr(page)


@pytest.mark.parametrize(("label", "below"), [("借款本金金额", False), ("贷款本金（元）", True),
                                              ("借款本金金额", True)])
def test_a_contract_amount_under_a_label_with_more_words_is_read(ocr, label: str, below: bool) -> None:  # type: ignore[no-untyped-def]
    [document] = analyse_page(_contract(label, below=below), ocr=ocr)
    assert document.type == DocumentType.LOAN_CONTRACT
    assert document.fields["loan_amount"].value == 150000.0
    assert document.fields["borrower_name"].value == NAME


def _licence(rows: list[tuple[str, str]]) -> np.ndarray:
    """A licence card with ``rows`` of label and value under the name and number, on a desk."""
    rng = random.Random(5)
    page = draw.guilloche((1040, 700), (246, 238, 228), (228, 200, 196), rng, density=0.4)
    draw.text(page, (520, 40), "中华人民共和国机动车驾驶证", 44, (150, 30, 50), bold=True, anchor="mt")
    printed = [("证号", ID_NUMBER), ("姓名", NAME), ("准驾车型", "C1"), *rows]
    for i, (caption, value) in enumerate(printed):
        draw.text(page, (60, 140 + 80 * i), caption, 28, (120, 40, 60))
        draw.text(page, (300, 136 + 80 * i), value, 32, INK)
    return on_desk(to_bgr(page), 0)


@pytest.mark.parametrize(("rows", "valid_to"), [
    ([("有效起始日期", "2020-03-02"), ("有效期限", "6年")], "2026-03-02"),
    ([("有效期限", "2020-03-02至2026-03-02")], "2026-03-02"),
    ([("有效起始日期", "2020-03-02"), ("有效期限", "长期")], "长期"),
], ids=["term-in-years", "two-dates", "long-term"])
def test_a_licence_validity_as_a_term_two_dates_or_long_term_is_read(ocr, rows, valid_to: str) -> None:  # type: ignore[no-untyped-def]
    [document] = analyse_page(_licence(rows), ocr=ocr)
    assert document.type == DocumentType.DRIVING_LICENCE
    assert document.fields["valid_from"].value == "2020-03-02"
    assert document.fields["valid_to"].value == valid_to
    assert document.fields["name"].value == NAME


def test_the_registration_booklets_owner_beside_the_identity_document_cell_is_read(ocr) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(6)
    page = draw.paper((1240, 900), (244, 236, 220), rng)
    draw.text(page, (620, 60), "机动车登记证书", 60, (120, 50, 30), bold=True, anchor="mt")
    draw.text(page, (700, 170), "登记证书编号", 28, INK)
    draw.text(page, (880, 166), "370212345678", 32, (180, 30, 30))
    rows = [[("机动车所有人", 230), ("", 310), ("身份证明名称/号码", 230), ("", 330)],
            [("登记机关", 230), ("", 870)],
            [("车辆识别代号", 230), ("", 870)]]
    values = {(0, 1): (NAME, INK, 32), (0, 3): (f"居民身份证 {ID_NUMBER}", INK, 20),
              (1, 1): ("青岛市公安局交通警察支队车辆管理所", INK, 28), (2, 1): (VIN, INK, 32)}
    draw.table(page, (70, 260), rows, 96, line=INK, label=INK, size=24, values=values)
    [document] = analyse_page(to_bgr(page), ocr=ocr)
    assert document.type == DocumentType.VEHICLE_REGISTRATION
    assert document.fields["owner_name"].value == NAME
    assert document.fields["vin"].value == VIN


@pytest.mark.parametrize(("term", "trusted"), [("6年", True), ("7年", False)])
def test_an_end_computed_from_a_legal_term_is_as_sure_as_the_start(specs: Specs, term: str,
                                                                    trusted: bool) -> None:
    """有效起始日期 2020-03-02 / 有效期限 6年: the short term reads less surely than the date, but a
    term the licence is issued for (6 or 10 years) proves itself; a 7-year one does not exist."""
    lines = [line("中华人民共和国机动车驾驶证", 300, 40), line("有效起始日期", 60, 300),
             line("2020-03-02", 300, 300), line("有效期限", 60, 380),
             TextLine(text=term, confidence=0.8, box=((300, 380), (360, 380), (360, 410), (300, 410)))]
    fields = extract_fields(DocumentType.DRIVING_LICENCE, lines, np.zeros((700, 1040, 3), np.uint8),
                            specs[DocumentType.DRIVING_LICENCE])
    start, end = fields["valid_from"], fields["valid_to"]
    assert end.value == ("2026-03-02" if trusted else "2027-03-02")
    assert (end.confidence == start.confidence) is trusted
    assert end.box is not None and end.box[1] >= 370, "the crop shows the term's row"
