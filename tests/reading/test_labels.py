"""The standard's vocabulary drives the reader, and a label word is never a value.

Other lenders print the contract's borrower as 借款人, 借款人（甲方）, 客户姓名 or a label of their
own, beside the lender's name and seal (贷款人（盖章）：XX银行), the value right of its label or
under it, in lines or in a table's cells.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading import analyse_page
from autopass.reading.documents import extract_fields
from autopass.reading.layout import build_rows, value_after
from autopass.reading.text import clean, is_name
from autopass.devtools.samples import draw
from autopass.devtools.samples.people import amount_in_words
from autopass.settings import Settings
from autopass.standards import DocumentSpec, load_document_specs
from autopass.validators import id_check_digit
from tests.reading.conftest import rows, to_bgr

Specs = dict[DocumentType, DocumentSpec]
INK = (20, 20, 26)
ID_NUMBER = "33010619900307452" + id_check_digit("33010619900307452")


@pytest.fixture(scope="module")
def specs() -> Specs:
    return load_document_specs(Settings())


def borrower(specs: Specs, lines: list[TextLine]) -> object:
    blank = np.full((900, 1240, 3), 255, np.uint8)
    return extract_fields(DocumentType.LOAN_CONTRACT, lines, blank, specs[DocumentType.LOAN_CONTRACT])[
        "borrower_name"].value


def line(text: str, x: float, y: float, height: float = 30.0) -> TextLine:
    """One OCR line at (x, y), 30 px per character."""
    right = x + 30 * len(text)
    return TextLine(text=text, confidence=0.99,
                    box=((x, y), (right, y), (right, y + height), (x, y + height)))


# --- a label word is never a value ---------------------------------------------------------------
def test_a_name_is_two_to_four_han_characters_or_han_parts_joined_by_a_dot() -> None:
    for name in ("张伟", "欧阳娜娜", "阿卜杜拉·买买提"):
        assert is_name(name)
    for not_a_name in ("张", "司马相如之子", "中国银行", "杭州分行", "Zhang", "张伟1", "·张伟", None):
        assert not is_name(not_a_name)


def test_no_label_printed_on_a_document_is_a_name_on_it(specs: Specs) -> None:
    """Every label word of every document (its fields' labels and the others: 贷款人, 盖章, 甲方),
    its pieces (款人) and a name glued to one (张伟签字) are refused."""
    for spec in specs.values():
        for word in spec.printed_labels:
            assert not is_name(clean(word), spec.printed_labels), (spec.type, word)
    contract = specs[DocumentType.LOAN_CONTRACT].printed_labels
    for read in ("贷款人", "借款人", "签字", "盖章", "甲方", "乙方", "款人", "张伟签字"):
        assert not is_name(read, contract)
    assert is_name("张伟", contract)


@pytest.mark.parametrize("document_type", [DocumentType.ID_CARD_FRONT, DocumentType.DRIVING_LICENCE,
                                           DocumentType.VEHICLE_INVOICE,
                                           DocumentType.VEHICLE_REGISTRATION,
                                           DocumentType.LOAN_CONTRACT])
def test_a_label_read_where_a_name_was_expected_never_comes_out_as_the_name(
        specs: Specs, document_type: DocumentType) -> None:
    """Each name field of each document, its label followed by another printed label (the
    value's cell empty, the next label read into it): the field is unread, never that label."""
    spec = specs[document_type]
    blank = np.full((900, 1240, 3), 255, np.uint8)
    for field, field_spec in spec.fields.items():
        if field_spec.kind != "name":
            continue
        for label in field_spec.labels:
            for word in spec.printed_labels:
                read = extract_fields(document_type, rows(f"{label}:{word}"), blank, spec)[field]
                assert read.value is None or is_name(read.value, spec.printed_labels), (label, word)
                assert read.value != clean(word)


# --- the lender beside the borrower --------------------------------------------------------------
def test_the_lender_printed_before_the_borrower_is_not_the_borrower(specs: Specs) -> None:
    assert borrower(specs, rows("个人汽车消费贷款合同", "贷款人:中国工商银行股份有限公司杭州分行",
                                "借款人:张伟")) == "张伟"
    assert borrower(specs, rows("贷款人(盖章):中国银行借款人:张伟")) == "张伟"
    assert borrower(specs, rows("借款人:张伟贷款人(盖章):中国银行")) == "张伟"
    assert borrower(specs, rows("贷款人(乙方):中国银行", "借款人(甲方):张伟")) == "张伟"


def test_a_signing_block_with_the_borrowers_cell_empty_reads_no_borrower(specs: Specs) -> None:
    """借款人（签字）： 贷款人（盖章）： on one row, the lender's name under it: nothing is the
    borrower's name (the label of the lender was, on other lenders' contracts)."""
    read = borrower(specs, rows("借款人(签字):贷款人(盖章):", "借款人:", "贷款人:中国银行"))
    assert read is None


# --- a label stands as a label, and the longest one printed wins ----------------------------------
def test_a_label_word_inside_a_clause_is_no_label(specs: Specs) -> None:
    """借款人确认 in running text: 确认 has a name's shape, but 借款人 there is a word of the
    clause (inside a box with a clause's punctuation, neither at its start nor before a colon)."""
    clause = "本页无正文,借款人确认,已阅读并理解本合同全部条款。"
    assert borrower(specs, rows(clause)) is None
    assert borrower(specs, rows(clause, "借款人:张伟")) == "张伟"
    assert borrower(specs, rows("借款人确认,已阅读并理解本合同全部条款。")) is None
    assert borrower(specs, rows("借款人张伟")) == "张伟"  # a box of its own: label and value


def test_the_longest_label_printed_wins(specs: Specs) -> None:
    """借款人名称 is not 借款人 followed by the name 名称; 借款人(签字) holds no name; a bracketed
    qualifier misread (甲方 as 印方) is still the label's, not the value."""
    assert borrower(specs, rows("借款人名称:张伟")) == "张伟"
    assert borrower(specs, rows("借款人名称", "张伟")) == "张伟"
    assert borrower(specs, rows("借款人(签字):", "姓名:张伟")) == "张伟"
    assert borrower(specs, rows("借款人(印方):张伟")) == "张伟"


def test_another_label_printed_right_is_no_misread_borrower_label(specs: Specs) -> None:
    """贷款人名称 is one character from 借款人名称: with no borrower label read, the lender's is not
    taken for a misread one (贷款人 is printed right: an other label)."""
    assert borrower(specs, rows("贷款人名称:王建国", "借款人签字:")) is None


def test_a_longer_label_known_only_to_the_yaml_is_not_the_borrowers(tmp_path: Path) -> None:
    """共同借款人 (the co-borrower) contains 借款人: written as another label in a YAML the test
    writes, its value is not the borrower's; without it, the reader cannot know."""
    page = rows("共同借款人:李四", "借款人:张伟")
    plain = _specs_with_contract(tmp_path / "plain", ["借款人"], other_labels=[])
    known = _specs_with_contract(tmp_path / "known", ["借款人"], other_labels=["共同借款人"])
    assert borrower(known, page) == "张伟"
    assert borrower(plain, page) == "李四"


# --- values below their labels, in lines or in a table's cells ----------------------------------
def test_a_name_printed_under_its_label_is_read(specs: Specs) -> None:
    assert borrower(specs, rows("个人汽车消费贷款合同", "客户姓名", "张伟", "贷款人(盖章)")) == "张伟"


def test_a_table_of_labels_over_values_is_read_by_column(specs: Specs) -> None:
    """贷款人 | 借款人 | 身份证号码 over 中国银行 | 张伟 | the number: each value under its label."""
    lines = [line("个人汽车消费贷款合同", 100, 20),
             line("贷款人", 100, 100), line("借款人", 500, 100), line("身份证号码", 800, 100),
             line("中国银行", 100, 150), line("张伟", 500, 150), line(ID_NUMBER, 800, 150, 30)]
    blank = np.full((900, 1800, 3), 255, np.uint8)
    fields = extract_fields(DocumentType.LOAN_CONTRACT, lines, blank, specs[DocumentType.LOAN_CONTRACT])
    assert fields["borrower_name"].value == "张伟"
    assert fields["id_number"].value == ID_NUMBER


def test_a_value_is_looked_for_under_its_label_only_where_the_spec_says_so(specs: Specs) -> None:
    """An ID card prints its name right of 姓名 (value_at: right); the contract's borrower may
    stand under its label (right, below)."""
    assert specs[DocumentType.ID_CARD_FRONT].fields["name"].value_at == ["right"]
    assert specs[DocumentType.LOAN_CONTRACT].fields["borrower_name"].value_at == ["right", "below"]
    printed = build_rows(rows("客户姓名", "张伟"))
    right_only = value_after(printed, ["客户姓名"], [])
    assert right_only is not None and right_only.text == ""
    below = value_after(printed, ["客户姓名"], [], below=True)
    assert below is not None and below.text == "张伟" and below.row_index == 1


# --- a label only the standard knows, drawn and read by the real OCR engine -------------------
def _signature_page(borrower_label: str, name: str) -> np.ndarray:
    """Another lender's signature page: the lender and its seal above a table whose first row
    holds the labels and whose second the values (the borrower's under ``borrower_label``)."""
    rng = random.Random(4)
    page = draw.paper((1240, 1000), (252, 252, 250), rng)
    draw.text(page, (620, 60), "个人汽车贷款合同", 48, INK, bold=True, anchor="mt")
    draw.text(page, (620, 130), "（签字页）", 30, INK, anchor="mt")
    draw.text(page, (90, 220), "贷款人（盖章）：中国建设银行股份有限公司杭州分行", 30, INK)
    draw.seal(page, (1000, 260), 100, "中国建设银行杭州分行", rng, centre_text="合同专用章")
    draw.table(page, (90, 360), [[(borrower_label, 360), ("证件号码", 560)],
                                 [(name, 360), (ID_NUMBER, 560)]],
               80, line=INK, label=INK, size=32)
    draw.text(page, (90, 600), f"借款金额：人民币（大写）{amount_in_words(150000)} ¥150000.00", 30, INK)
    draw.text(page, (90, 700), "借款人（签字）：", 30, INK)
    draw.text(page, (90, 800), "签署日期：2026年7月1日", 30, INK)
    return to_bgr(page)


def _specs_with_borrower_labels(tmp_path: Path, labels: list[str]) -> Specs:
    """The project's document specs, the contract's borrower labelled only by ``labels``."""
    return _specs_with_contract(tmp_path, labels)


def _specs_with_contract(tmp_path: Path, labels: list[str], other_labels: list[str] | None = None) -> Specs:
    """The project's document specs, the contract's borrower labelled only by ``labels`` (and
    its other labels ``other_labels``, when given)."""
    folder = tmp_path / "standards"
    shutil.copytree(Settings().standards_dir, folder)
    path = folder / "documents" / "loan_contract.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["fields"]["borrower_name"]["labels"] = labels
    if other_labels is not None:
        data["other_labels"] = other_labels
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_document_specs(Settings(standards_dir=folder))


def test_a_borrower_label_only_the_standard_knows_is_read_by_the_real_engine(  # type: ignore[no-untyped-def]
        tmp_path: Path, ocr, specs: Specs) -> None:
    """授信对象 over 周晓明 in a table, the lender's name and seal above: read through RapidOCR
    by a reader that knows the label from the YAML the test wrote, and from nowhere else."""
    page = _signature_page("授信对象", "周晓明")
    written = _specs_with_borrower_labels(tmp_path, ["授信对象"])

    [document] = analyse_page(page, ocr=ocr, specs=written)
    [default] = analyse_page(page, ocr=ocr, specs=specs)

    assert document.type == DocumentType.LOAN_CONTRACT
    assert document.fields["borrower_name"].value == "周晓明"
    assert document.fields["id_number"].value == ID_NUMBER
    assert default.fields["borrower_name"].value is None  # the project's labels do not name it
