"""The borrower's signature box on every lender's page: found from the standard's signing words,
signed only with confidence, never 'signed' on an empty box whatever lies beside it.

The pages are drawn here with the sample generator's pens (its handwriting, seal, fingerprint and
stray mark), and OCR's lines are given where the text was drawn: what is tested is where the box
is found and what its ink says, not the recogniser (``test_templates`` reads every contract
template through it).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image, ImageDraw

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading.classify import ImageCues, classify
from autopass.reading.layout import build_rows
from autopass.reading.signature import BOX_NOT_FOUND, SURE_SIGNED, read_signature, signature_labels
from autopass.devtools.samples import draw
from autopass.devtools.samples.templates.contracts import fingerprint, stray_mark
from autopass.settings import Settings
from autopass.standards import DocumentSpec, load_document_specs
from tests.reading.conftest import to_bgr

INK = (20, 20, 26)
SIZE = 32
SIGNATURE_MIN = 0.90  # standards/new_car_loan.yaml confidence.fields.signature_present
VARIANTS = ("借款人（签字/手印）：", "客户签名：", "甲方签章：", "借款人签名捺印：", "签名（盖章）：",
            "签字（借款人）：")


@pytest.fixture(scope="module")
def contract() -> DocumentSpec:
    return load_document_specs(Settings())[DocumentType.LOAN_CONTRACT]


def _line(text: str, x: float, y: float, width: float, height: float = SIZE + 4) -> TextLine:
    return TextLine(text=text, confidence=0.99,
                    box=((x, y), (x + width, y), (x + width, y + height), (x, y + height)))


def _print(page: Image.Image, lines: list[TextLine], xy: tuple[int, int], text: str,
           size: int = SIZE) -> float:
    """Draws ``text`` and records the line OCR would return for it; returns its end x."""
    end = draw.text(page, xy, text, size, INK)
    lines.append(_line(text, xy[0], xy[1], end - xy[0], size + 4))
    return end


def _signature_page(label: str, *, signed: bool, mark: str = "none", heading: bool = False,
                    seed: int = 3) -> tuple[np.ndarray, list[TextLine]]:
    """A lender's signature page with ``label`` for the borrower's box: right of it on a line
    (or, ``heading``, over a tall cell under it), the lender's label and red seal beside it, a
    printed name and dates around. ``mark``: what an unsigned page carries (none, a fingerprint
    in the box, a pen mark elsewhere)."""
    rng = random.Random(seed)
    page = draw.paper((1240, 1300), (252, 252, 250), rng)
    lines: list[TextLine] = []
    _print(page, lines, (380, 80), "个人消费信贷服务协议", 48)
    _print(page, lines, (90, 200), "客户姓名：周晓明")
    _print(page, lines, (90, 280), "证件号码：330106199003074521")
    _print(page, lines, (90, 360), "借款金额：人民币壹拾伍万元整（¥150000.00）")
    y = 700
    if heading:
        _print(page, lines, (100, y), label.rstrip("：:"))
        _print(page, lines, (660, y), "贷款人盖章")
        d = ImageDraw.Draw(page)
        d.rectangle((80, y - 20, 620, y + 60), outline=INK, width=2)
        d.rectangle((620, y - 20, 1160, y + 60), outline=INK, width=2)
        d.rectangle((80, y + 60, 620, y + 300), outline=INK, width=2)
        d.rectangle((620, y + 60, 1160, y + 300), outline=INK, width=2)
        box = (110, y + 90, 590, y + 270)
        seal_at = (890, y + 180)
    else:
        end = _print(page, lines, (90, y), label)
        _print(page, lines, (660, y), "贷款人（盖章）：")
        ImageDraw.Draw(page).line((end + 4, y + 44, 620, y + 44), fill=INK, width=2)
        box = (int(end) + 8, y - 60, 620, y + 50)
        seal_at = (960, y + 20)
    draw.seal(page, seal_at, 115, "中国工商银行股份有限公司", rng, centre_text="合同专用章")
    _print(page, lines, (90, y + 360), "签署日期：2026年8月31日", 28)
    left, top, right, bottom = box
    if signed:
        signature = draw.handwriting("周晓明", min(110, bottom - top), rng)
        page.paste(signature, (left + 20, top), signature)
    elif mark == "fingerprint":
        fingerprint(page, ((left + right) // 2, (top + bottom) // 2), rng)
    elif mark == "stray_mark":
        stray_mark(page, (90, 440, 1100, 600), rng)
    return to_bgr(page), lines


def _read(page: np.ndarray, lines: list[TextLine], spec: DocumentSpec):  # type: ignore[no-untyped-def]
    return read_signature(page, build_rows(lines), spec.fields["signature_present"], spec.printed_labels,
                          spec.fields["borrower_name"].labels)


# --- the label ----------------------------------------------------------------------------------
@pytest.mark.parametrize("label", VARIANTS)
def test_every_lenders_wording_of_the_signature_label_is_found(label: str, contract: DocumentSpec) -> None:
    rows = build_rows([_line(label, 90, 700, 400), _line("贷款人（盖章）：", 660, 700, 250)])
    [found] = signature_labels(rows, contract.fields["signature_present"])
    assert found.text.rstrip(":") == label.replace("（", "(").replace("）", ")").rstrip("：")


@pytest.mark.parametrize("printed", [
    "贷款人（盖章）：",         # the lender's box
    "贷款人签章：",            # the lender's, though 签章 is a signing word
    "共同借款人签字：",         # the co-borrower's: 借款人 inside a longer word of another party
    "法定代表人签字：",         # the lender's representative
    "盖章：",                # a seal alone is a company's
    "（签字页）",              # a heading's word
    "本合同自借款人签字、贷款人盖章之日起生效。",  # a word of a clause
])
def test_another_partys_box_a_heading_or_a_clause_is_no_signature_label(printed: str,
                                                                      contract: DocumentSpec) -> None:
    rows = build_rows([_line(printed, 90, 700, 30 * len(printed))])
    assert signature_labels(rows, contract.fields["signature_present"]) == []


def test_a_party_word_the_page_makes_the_lender_is_not_the_borrowers(contract: DocumentSpec) -> None:
    """甲方 signs for the borrower on one lender's page and seals for the lender on another's."""
    field = contract.fields["signature_present"]
    lender_first = build_rows([_line("甲方（贷款人）：中国银行", 90, 100, 500), _line("乙方（借款人）：张伟", 90, 200, 400),
                               _line("甲方签章：", 90, 700, 150), _line("乙方签字：", 660, 700, 150)])
    assert [label.text for label in signature_labels(lender_first, field)] == ["乙方签字"]
    borrower_first = build_rows([_line("甲方（借款人）：张伟", 90, 100, 400), _line("甲方签章：", 90, 700, 150)])
    assert [label.text for label in signature_labels(borrower_first, field)] == ["甲方签章"]


# --- the box's ink ------------------------------------------------------------------------------
@pytest.mark.parametrize("label", VARIANTS)
def test_a_signed_box_reads_signed_under_every_label(label: str, contract: DocumentSpec) -> None:
    reading = _read(*_signature_page(label, signed=True), contract)
    assert (reading.signed, reading.confidence, reading.rule) == (True, SURE_SIGNED, "label"), reading


@pytest.mark.parametrize("label", ["客户签名", "签名（盖章）"])
def test_a_box_under_its_heading_reads_signed_and_empty(label: str, contract: DocumentSpec) -> None:
    """A table's heading (客户签名 | 贷款人盖章) over the tall cell signed in."""
    signed = _read(*_signature_page(label, signed=True, heading=True), contract)
    assert (signed.signed, signed.confidence) == (True, SURE_SIGNED), signed
    empty = _read(*_signature_page(label, signed=False, heading=True), contract)
    assert empty.signed is False, empty


@pytest.mark.parametrize("heading", [False, True], ids=["line", "heading"])
@pytest.mark.parametrize("mark", ["none", "fingerprint", "stray_mark"])
@pytest.mark.parametrize("label", ["借款人（签字/手印）：", "甲方签章：", "签名（盖章）："])
def test_an_unsigned_box_is_never_read_signed(label: str, mark: str, heading: bool,
                                              contract: DocumentSpec) -> None:
    """The lender's seal beside the box, a fingerprint alone in it, or a pen mark elsewhere on the
    page: not signed, or a question for a person, never a sure 'signed'."""
    reading = _read(*_signature_page(label, signed=False, mark=mark, heading=heading), contract)
    assert not (reading.signed and reading.confidence >= SIGNATURE_MIN), reading


def test_a_label_only_the_written_standard_knows_finds_the_box(tmp_path: Path,
                                                               contract: DocumentSpec) -> None:
    """承贷人 and 画押 are in no shipped YAML: with them written into the standard, 承贷人画押 is the
    borrower's label and its box is read; without them, only the layout's guess is left."""
    page, lines = _signature_page("承贷人画押：", signed=True)
    folder = tmp_path / "standards"
    shipped = Path(Settings().standards_dir)
    (folder / "documents").mkdir(parents=True)
    for path in shipped.glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for path in (shipped / "documents").glob("*.yaml"):
        (folder / "documents" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / "documents" / "loan_contract.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["fields"]["signature_present"]["signing"]["signers"].append("承贷人")
    data["fields"]["signature_present"]["signing"]["hand_words"].append("画押")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    written = load_document_specs(Settings(standards_dir=folder))[DocumentType.LOAN_CONTRACT]

    reading = _read(page, lines, written)
    assert (reading.signed, reading.confidence, reading.rule, reading.label) == (True, SURE_SIGNED, "label", "承贷人画押")
    guessed = _read(page, lines, contract)
    assert guessed.rule == "layout" and guessed.confidence < SIGNATURE_MIN, guessed


def test_without_a_label_the_handwriting_nearest_the_borrower_is_a_question(contract: DocumentSpec) -> None:
    """No signing words printed: the handwriting nearest the borrower's block is shown to a person
    (layout decided, never sure); with none on the page, a question too, never a sure 'unsigned'."""
    for signed in (True, False):
        page, lines = _signature_page("立据人：", signed=signed)
        reading = _read(page, lines, contract)
        assert reading.rule == "layout" and reading.confidence < SIGNATURE_MIN, reading
        assert reading.signed is signed
    page, lines = _signature_page("立据人：", signed=True)
    box = _read(page, lines, contract).box
    assert box is not None and 600 < box[1] + box[3] and box[1] < 750  # the signature, by its line
    assert _read(*_signature_page("立据人：", signed=False), contract).confidence == BOX_NOT_FOUND


# --- the type -----------------------------------------------------------------------------------
def test_a_contract_with_an_unfamiliar_heading_is_a_sure_contract() -> None:
    """No 贷款合同 or 借款合同 in its heading: its parties, amounts and signing words say it."""
    specs = load_document_specs(Settings())
    for texts in (("汽车融资服务协议书", "(以下无正文,为签署页)", "甲方(借款人):林建", "身份证号:130681197505278115",
                   "乙方:中国工商银行股份有限公司青岛市南第二", "融资金额:人民币壹拾壹万柒仟元整(¥117000.00)",
                   "客户签名", "乙方盖章", "日期:2026年8月31日"),
                  ("个人购车分期付款服务协议", "签章页", "客户姓名:周晓明", "证件号码:330106199003074521",
                   "分期期数:36期", "客户签名:", "出借人(盖章):平安银行")):
        lines = [_line(text, 90, 60 * i, 30 * len(text)) for i, text in enumerate(texts)]
        document_type, confidence = classify(lines, ImageCues(), specs)
        assert document_type == DocumentType.LOAN_CONTRACT and confidence >= 0.9, (texts[0], confidence)


def test_handwriting_read_into_the_labels_box_leaves_the_label_a_label(contract: DocumentSpec) -> None:
    """借款人（签字）侯娜 as one OCR box: the bracket closes the label."""
    rows = build_rows([_line("借款人（签字）侯娜", 90, 700, 400)])
    [found] = signature_labels(rows, contract.fields["signature_present"])
    assert found.text == "借款人(签字)"


def test_the_lenders_label_in_the_next_column_is_not_part_of_the_borrowers(contract: DocumentSpec) -> None:
    """签字（按手印） | 盖章 on one row, a column apart: the borrower's label ends at its cell."""
    rows = build_rows([_line("签字（按手印）", 69, 957, 165), _line("盖章", 523, 954, 58)])
    assert [label.text for label in signature_labels(rows, contract.fields["signature_present"])] == ["签字(按手印)"]


@pytest.mark.parametrize(("texts", "expected"), [
    (("机动车销售统一发票", "发票联", "开票日期:2026-05-25", "购买方名称及身份证号码/组织机构代码", "张伟 330106199003074521",
      "车辆识别代号/车架号码", "LSV91BYN3T1554421", "价税合计", "销货单位名称", "纳税人识别号"), DocumentType.VEHICLE_INVOICE),
    (("中华人民共和国机动车驾驶证", "证号330106199003074521", "姓名张伟", "性别男", "国籍中国", "住址浙江省杭州市",
      "出生日期1990-03-07", "初次领证日期2012-05-20", "准驾车型C1", "有效期限2022-05-20至2032-05-20"),
     DocumentType.DRIVING_LICENCE),
    (("机动车登记证书", "登记证书编号", "机动车所有人/身份证明名称/号码", "张伟/居民身份证/330106199003074521",
      "登记机关", "登记日期2026-06-01", "车辆识别代号"), DocumentType.VEHICLE_REGISTRATION),
    (("中华人民共和国", "居民身份证", "签发机关杭州市公安局西湖分局", "有效期限2019.01.01-2039.01.01"),
     DocumentType.ID_CARD_BACK),
])
def test_the_contracts_wider_vocabulary_takes_no_other_type(texts: tuple[str, ...], expected: DocumentType) -> None:
    specs = load_document_specs(Settings())
    lines = [_line(text, 90, 60 * i, 30 * len(text)) for i, text in enumerate(texts)]
    assert classify(lines, ImageCues(), specs)[0] == expected
