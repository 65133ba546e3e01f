"""Field parsing on OCR lines as the engine returns them (pure: no engine needed)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading.documents import extract_fields
from autopass.reading.extract import Fields
from autopass.reading.text import label_fragments, read_name
from autopass.settings import Settings
from autopass.standards import load_document_specs
from tests.reading.conftest import rows


@pytest.fixture(scope="module")
def specs():  # type: ignore[no-untyped-def]
    return load_document_specs(Settings())


def extract(document_type: DocumentType, specs, lines: list[TextLine]) -> Fields:  # type: ignore[no-untyped-def]
    """The fields of ``lines`` as OCR found them on a blank page."""
    return extract_fields(document_type, lines, np.zeros((800, 1200, 3), np.uint8), specs[document_type])


def read(document_type: DocumentType, specs, *texts: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The values read off one row per text."""
    return {name: value.value for name, value in extract(document_type, specs, rows(*texts)).items()}


def test_a_label_the_standard_lists_among_other_labels_ends_the_value_before_it(specs) -> None:  # type: ignore[no-untyped-def]
    # 产地 is printed on the invoice (standards/documents/vehicle_invoice.yaml: other_labels) but
    # not read; without it in the standard the buyer's name runs on into it.
    lines = rows("机动车销售统一发票", "购买方名称张伟产地中国")
    invoice = specs[DocumentType.VEHICLE_INVOICE]
    assert "产地" in invoice.other_labels
    assert extract(DocumentType.VEHICLE_INVOICE, specs, lines)["buyer_name"].value == "张伟"
    unlisted = {**specs,
                DocumentType.VEHICLE_INVOICE: invoice.model_copy(update={"other_labels": []})}
    assert extract(DocumentType.VEHICLE_INVOICE, unlisted, lines)["buyer_name"].value != "张伟"


def test_a_name_loses_the_number_and_the_misread_label_glued_to_it() -> None:
    fragments = label_fragments(["身份证号码/组织机构代码"])
    assert read_name("马丽璐650102198807044123").value == "马丽璐"
    assert read_name("林梅梅绿询证号码模织机构代130681198811137366", fragments).value == "林梅梅"
    assert read_name("阿卜杜拉·买买提").value == "阿卜杜拉·买买提"
    assert read_name("张伟性刷男").trust < 0.5  # too long for a name and no label to cut at


def test_a_sentence_holding_a_label_word_is_no_name_glued_to_a_label() -> None:
    """合同 begins the label 合同编号, but a clause goes on past where that label would end."""
    fragments = label_fragments(["合同编号", "身份证号码"])
    for clause in ("对本合同条款无异议", "已仔细阅读本合同全部条款并同意"):
        assert read_name(clause, fragments).trust < 0.5, clause
    assert read_name("李娜合同编号", fragments).value == "李娜"


def test_registration_owner_after_a_label_that_wrapped(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.VEHICLE_REGISTRATION, specs, "机动车登记证书", "登记编号377900449699",
                  "1.机动车所有人/身份证明名称/号", "码方静悦/居民身份证/370102200202219560")
    assert fields["owner_name"] == "方静悦"
    assert fields["registration_number"] == "377900449699"


def test_invoice_labels_read_with_one_wrong_character_are_still_found(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票", "开票月期2026-10-08",
                  "私买方名称莫艳蕾身份证号码/组织机构代码420106198301148702")
    assert fields["invoice_date"] == "2026-10-08"
    assert fields["buyer_name"] == "莫艳蕾"


def test_a_label_with_two_characters_misread_is_found_by_their_runners_up(specs) -> None:  # type: ignore[no-untyped-def]
    """购买方名称 read 购天方名种: 买 was 天's runner-up, 称 种's third; without them, no label."""
    text = "购天方名种张晶"
    guesses = {"天": (("天", 0.96), ("买", 0.02)), "种": (("种", 0.28), ("秘", 0.11), ("称", 0.07))}
    alternatives = tuple(guesses.get(ch, ((ch, 0.99),)) for ch in text)
    title, bare = rows("机动车销售统一发票", text)
    with_runners_up = [title, replace(bare, alternatives=alternatives)]
    without = [title, bare]

    assert extract(DocumentType.VEHICLE_INVOICE, specs, with_runners_up)["buyer_name"].value == "张晶"
    assert extract(DocumentType.VEHICLE_INVOICE, specs, without)["buyer_name"].value is None


def test_contract_amount_in_capitals_alone_is_kept_with_less_confidence(specs) -> None:  # type: ignore[no-untyped-def]
    lines = rows("个人汽车消费贷款合同", "贷款金额:人民币(大写)壹拾伍万贰仟元")
    amount = extract(DocumentType.LOAN_CONTRACT, specs, lines)["loan_amount"]
    assert amount.value == 152000.0 and amount.confidence < 0.9
    both = rows("贷款金额:人民币(大写)壹拾伍万贰仟元整¥152000.00")
    proven = extract(DocumentType.LOAN_CONTRACT, specs, both)["loan_amount"]
    assert proven.value == 152000.0 and proven.confidence > amount.confidence


def test_id_card_sex_without_its_label_is_the_character_before_ethnicity(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.ID_CARD_FRONT, specs, "姓名许瑶", "女民族汉", "出生2000年7月28日",
                  "公民身份号码370202200007289980")
    assert fields["sex"] == "女" and fields["name"] == "许瑶" and fields["ethnicity"] == "汉"


def test_id_card_fields_whose_labels_a_photocopy_lost_are_found_past_its_specks(specs) -> None:  # type: ignore[no-untyped-def]
    """n7 dossiers 149 and 154: 性别 and 出生 under the overprint, a speck read inside 民族 and
    after the year."""
    fields = read(DocumentType.ID_CARD_FRONT, specs, "姓名田兰娟", "女民·族汉", "1999年.8月19日",
                  "住址湖北省武汉市武昌区新华街7号", "公民身份号码420106199908194347")
    assert fields["sex"] == "女" and fields["birth_date"] == "1999-08-19"


def test_an_id_card_name_whose_label_lost_its_first_character_is_found_with_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    """n7 dossier 185: glare over 姓 left 名 before the name."""
    lines = rows("名崔晶丹", "性别女民族汉", "出生1978年8月10日", "公民身份号码110105197808104043")
    name = extract(DocumentType.ID_CARD_FRONT, specs, lines)["name"]
    assert name.value == "崔晶丹" and name.confidence < 0.85


def placed(text: str, x: float, y: float) -> TextLine:
    """One OCR box of 30 px characters at (x, y)."""
    right = x + 30 * len(text)
    return TextLine(text=text, confidence=0.99, box=((x, y), (right, y), (right, y + 30), (x, y + 30)))


def test_a_name_ends_where_the_next_cell_begins_even_when_its_label_was_lost(specs) -> None:  # type: ignore[no-untyped-def]
    lines = [placed("中华人民共和国机动车驾驶证", 10, 0), placed("姓名", 10, 50), placed("林梅丽", 150, 50),
             placed("女国籍中国", 380, 50)]
    fields = extract(DocumentType.DRIVING_LICENCE, specs, lines)
    assert fields["name"].value == "林梅丽"


def test_invoice_total_proven_by_capitals_and_figure_on_different_rows(specs) -> None:  # type: ignore[no-untyped-def]
    """A tilted photo: the ¥ figure lands a row above 价税合计, and 小写 was not read."""
    lines = [placed("机动车销售统一发票", 10, 0), placed("¥251800.00", 600, 280), placed("发动机号码", 10, 320),
             placed("贰拾伍万壹仟捌佰元整", 200, 360), placed("价税合计", 10, 380), placed("¥28968.14", 600, 420)]
    total = extract(DocumentType.VEHICLE_INVOICE, specs, lines)["price_total"]
    assert total.value == 251800.0 and total.confidence >= 0.95


def test_card_number_read_from_its_own_line_when_a_tilted_row_gathers_the_expiry(specs) -> None:  # type: ignore[no-untyped-def]
    lines = [placed("兴业银行", 200, 150), placed("07/355", 40, 420), placed("6229 0874 5687 5979", 230, 400)]
    fields = extract(DocumentType.BANK_CARD, specs, lines)
    assert fields["card_number"].value == "6229087456875979"


def test_authority_without_its_label_loses_what_remains_of_a_label(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.ID_CARD_BACK, specs, "中华人民共和国", "居民身份证", "签发西安市公安局雁塔分局",
                  "有效期限2019.01.15-2039.01.15")
    assert fields["issuing_authority"] == "西安市公安局雁塔分局"


def test_the_overprint_across_a_photocopied_name_is_cut_off_and_leaves_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    lines = rows("姓名韩红仅", "性别女民族汉", "出生1990年1月2日", "住址山东省济南市历下区黄河路5号",
                 "公民身份号码370102199001020026")
    name = extract(DocumentType.ID_CARD_FRONT, specs, lines)["name"]
    assert name.value == "韩红" and name.confidence < 0.85


def test_an_address_that_lost_its_first_row_is_not_sure(specs) -> None:  # type: ignore[no-untyped-def]
    lines = rows("姓名韩红", "性别女民族汉", "出生1990年1月2日", "住址5号3单元2103户",
                 "公民身份号码370102199001020026")
    address = extract(DocumentType.ID_CARD_FRONT, specs, lines)["address"]
    assert address.confidence < 0.85


def tilted(text: str, bounds: tuple[int, int, int, int], slope: float) -> TextLine:
    """One OCR box with these axis-aligned ``bounds`` whose edges rise by ``slope`` (dy/dx < 0)."""
    x, y, width, height = bounds
    rise = slope * width
    return TextLine(text=text, confidence=0.99, box=((x, y - rise), (x + width, y),
                                                     (x + width, y + height + rise), (x, y + height)))


def test_a_slightly_tilted_invoice_keeps_the_buyer_on_its_table_row(specs) -> None:  # type: ignore[no-untyped-def]
    """Boxes as OCR found them on a photo 2 degrees askew: across the wide buyer row the tilt
    exceeds half a line, and the name joined the row above (the 码 wrapped under the ID label
    became the name)."""
    slope = -0.035
    lines = [tilted(text, bounds, slope) for text, bounds in [
        ("机动车销售统一发票", (430, 36, 520, 73)), ("开票日期2026-11-03", (39, 166, 246, 47)),
        ("机器编号", (43, 235, 103, 46)), ("49940767806", (210, 225, 150, 41)),
        ("史莉娜", (211, 293, 103, 50)), ("身份证号码/组织机构代", (572, 277, 235, 45)),
        ("210202198112284888", (829, 278, 259, 38)), ("购买方名称", (46, 307, 124, 42)),
        ("码", (568, 306, 45, 43)), ("车辆类型", (47, 374, 103, 46)), ("轿车", (207, 363, 80, 53)),
    ]]
    fields = extract(DocumentType.VEHICLE_INVOICE, specs, lines)
    assert fields["buyer_name"].value == "史莉娜"
    assert fields["buyer_id_number"].value == "210202198112284888"


def test_a_label_with_a_stray_mark_between_its_characters_is_still_found(specs) -> None:  # type: ignore[no-untyped-def]
    """A photocopy overprint stroke read as a colon inside 姓名."""
    fields = read(DocumentType.ID_CARD_FRONT, specs, "姓:名许瑶", "性别女民族汉", "出生2000年7月28日",
                  "公民身份号码370202200007289980")
    assert fields["name"] == "许瑶"


def test_ethnicity_without_its_label_is_the_group_after_the_sex(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.ID_CARD_FRONT, specs, "姓名贺艳兰", "性别女朝鲜", "出生19872月26日",
                  "住址四川省成都市武侯区黄河路5号", "公民身份号码510107198702269167")
    assert fields["ethnicity"] == "朝鲜"
    assert fields["birth_date"] == "1987-02-26"


def test_an_implausible_character_of_a_name_is_swapped_for_the_runner_up_with_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    """晶 read as 品 on a small invoice: the recogniser's runner-up is the name's character."""
    confident = tuple((ch, 0.97) for ch in "购买方名称肖")
    buyer = TextLine(text="购买方名称肖品怡", confidence=0.81, box=((10, 40), (250, 40), (250, 70), (10, 70)),
                     alternatives=(*((c,) for c in confident), (("品", 0.58), ("晶", 0.31)), (("怡", 0.95),)))
    lines = [*rows("机动车销售统一发票"), buyer]
    name = extract(DocumentType.VEHICLE_INVOICE, specs, lines)["buyer_name"]
    assert name.value == "肖晶怡" and name.confidence < 0.85


def test_an_empty_cell_is_empty_not_the_next_label(specs) -> None:  # type: ignore[no-untyped-def]
    """The buyer's short name was not detected: what follows its label is the next label."""
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票",
                  "购买方名称身份证号码/组织机构代码110105197703080284")
    assert fields["buyer_name"] is None
    assert fields["buyer_id_number"] == "110105197703080284"


def test_an_overprint_misread_after_a_photocopied_name_is_cut_off_too(specs) -> None:  # type: ignore[no-untyped-def]
    """供贷 of the overprint read as 供负: everything from its first character on goes."""
    lines = rows("姓名廖倩雪供负", "性别女民族汉", "出生1984年8月14日", "公民身份号码370202198408148548")
    name = extract(DocumentType.ID_CARD_FRONT, specs, lines)["name"]
    assert name.value == "廖倩雪" and name.confidence < 0.85


def test_an_id_number_misread_beside_a_lost_label_is_kept_untrusted_with_its_place(specs) -> None:  # type: ignore[no-untyped-def]
    """The pale label 身份证号码/组织机构代码 was not found, the number beside it misread (0 as 7):
    kept below trust, where it was read, for a second look to confirm (a social credit code of
    the same length is no ID number)."""
    lines = rows("机动车销售统一发票", "纳税人识别号91650102MA6GB8255X", "购买方名称 肖萍佳 650702197812206145")

    found = extract(DocumentType.VEHICLE_INVOICE, specs, lines)["buyer_id_number"]

    assert found.value == "650702197812206145" and found.confidence < 0.5
    assert found.box is not None and found.box[1] == 80


def test_a_vin_whose_label_was_lost_is_not_taken_from_an_id_number(specs) -> None:  # type: ignore[no-untyped-def]
    """The first 17 digits of 430104198104288764 pass a VIN's check digit: that is no VIN."""
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票",
                  "购买方名称王瑶艳身份证号码/组织机构代码430104198104288764")
    assert fields["buyer_id_number"] == "430104198104288764"
    assert fields["vin"] is None


def test_an_id_card_name_whose_label_was_lost_is_the_line_above_the_sex_row_with_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    lines = rows("廖燕梅", "女民族汉", "住址上海市浦东新区人民路25号", "公民身份号码310115199507185344")
    name = extract(DocumentType.ID_CARD_FRONT, specs, lines)["name"]
    assert name.value == "廖燕梅"
    assert name.confidence < 0.85  # below the standard's minimum for a name: confirmed or asked


def test_an_id_card_line_above_the_sex_row_that_is_no_name_is_not_taken_for_one(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.ID_CARD_FRONT, specs, "仅供贷款使用", "女民族汉", "公民身份号码310115199507185344")
    assert fields["name"] is None


def test_an_invoice_date_whose_label_was_misread_is_the_date_the_invoice_prints(specs) -> None:  # type: ignore[no-untyped-def]
    fields = extract(DocumentType.VEHICLE_INVOICE, specs,
                     rows("机动车销售统一发票", "发票号码 27981151", "开期 2026-07-13", "购买方名称 张晶"))
    assert fields["invoice_date"].value == "2026-07-13"
    assert fields["invoice_date"].confidence < 0.85  # unproven: below the standard's minimum


def test_an_invoice_number_that_parses_as_a_date_is_not_taken_for_the_date(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票", "发票号码 20260513", "购买方名称 张晶")
    assert fields["invoice_date"] is None


def test_an_invoice_number_whose_label_was_lost_is_not_the_invoice_code(specs) -> None:  # type: ignore[no-untyped-def]
    """发票代码 is one character from 发票号码: with the number's label lost, the code's printed
    label is no misread of it; the eight digits printed alone are the number, unproven."""
    fields = extract(DocumentType.VEHICLE_INVOICE, specs,
                     rows("机动车销售统一发票", "发票代码 151012629917", "51520415", "开票日期 2026-07-20"))
    assert fields["invoice_number"].value == "51520415"
    assert fields["invoice_number"].confidence < 0.85


@pytest.mark.parametrize("row", ["江蕾/瑶民身份证/610115198809245882", "江蕾/居民身份证/610115198809245882",
                                 "江蕾居民身份证/610115198809245882", "码江蕾/居民身份证/610115198809245882"])
def test_registration_owner_is_the_name_before_the_identity_document(specs, row: str) -> None:  # type: ignore[no-untyped-def]
    """居民 misread (瑶民) is no name: the owner is what stands before the slash."""
    fields = read(DocumentType.VEHICLE_REGISTRATION, specs, "机动车登记证书",
                  "1.机动车所有人/身份证明名称/号码", row)
    assert fields["owner_name"] == "江蕾"


def test_an_invoice_number_run_on_from_a_misread_label_is_the_eight_digits_printed_alone(specs) -> None:  # type: ignore[no-untyped-def]
    """码 of 发票号码 read as 65 (n7 0018): the label is found, its stray 5 runs into the number
    beside it and makes nine digits; the eight digits printed alone are the number, unproven."""
    label = TextLine(text="发要号65", confidence=0.71,
                     box=((623.0, 62.0), (685.0, 62.0), (685.0, 83.0), (623.0, 83.0)),
                     alternatives=((("发", 1.0),), (("要", 0.43), ("理", 0.23), ("票", 0.21)),
                                   (("号", 0.91), ("码", 0.03)), (("6", 0.78), ("1", 0.004)),
                                   (("5", 0.44), ("6", 0.12), ("3", 0.11))))
    number = TextLine(text="22339699", confidence=0.99,
                      box=((686.0, 59.0), (768.0, 59.0), (768.0, 84.0), (686.0, 84.0)),
                      alternatives=tuple(((digit, 1.0),) for digit in "22339699"))
    fields = extract(DocumentType.VEHICLE_INVOICE, specs,
                     [*rows("机动车销售统一发票"), number, label, *rows("", "", "开票日期 2026-12-05")[2:]])
    assert fields["invoice_number"].value == "22339699"
    assert fields["invoice_number"].confidence < 0.85


def test_a_licence_period_whose_label_and_start_a_finger_hid_still_gives_its_end(specs) -> None:  # type: ignore[no-untyped-def]
    """n7 0192: 有效期限 and most of the start date under a finger; the end after 至 is legible."""
    fields = read(DocumentType.DRIVING_LICENCE, specs, "中华人民共和国机动车驾驶证",
                  "证号43010419820706304X", "姓名张敏怡", "初次领证日2014-04-04",
                  "26-04-04 至 2032-04-04")
    assert (fields["valid_from"], fields["valid_to"]) == (None, "2032-04-04")


@pytest.mark.parametrize("label", ["借款人", "姓名"])
def test_a_borrower_label_in_the_clauses_above_the_details_is_a_word_of_them(specs, label) -> None:  # type: ignore[no-untyped-def]
    """The terms above the borrower's details name 借款人 in running text without a comma in
    the line OCR returns: neither the words after it nor the clause number under it is a name."""
    fields = read(DocumentType.LOAN_CONTRACT, specs,
                  "第二条借款人已仔细阅读本合同全部条款",
                  "第三条借款人对本合同条款无异议",
                  f"{label}：王建国", "身份证号码：110101199003078515")
    assert fields["borrower_name"] == "王建国"


def test_the_seller_s_name_and_seal_are_never_the_buyer_s(specs) -> None:  # type: ignore[no-untyped-def]
    """销售方名称 is one character from the buyer's label 购方名称, 销货单位盖章 two from 购货单位:
    with the buyer's label unread, neither the seller's name nor the seal's label is the buyer."""
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票",
                  "销售方名称：深圳市鹏程汽车销售有限公司", "销货单位盖章")
    assert fields["buyer_name"] is None


def test_the_buyer_s_name_beside_its_number_in_one_cell(specs) -> None:  # type: ignore[no-untyped-def]
    fields = read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票",
                  "购买方名称及身份证号码/组织机构代码", "郭子轩 110101199003078515",
                  "买方：王建国")
    assert fields["buyer_name"] == "郭子轩"
    assert read(DocumentType.VEHICLE_INVOICE, specs, "机动车销售统一发票",
                "买方：王建国")["buyer_name"] == "王建国"


def test_a_label_in_a_numbered_clause_read_only_in_part_is_a_word_of_it(specs) -> None:  # type: ignore[no-untyped-def]
    """A clause's line read only as far as its first words (no comma yet): 第三条 heads it."""
    fields = read(DocumentType.LOAN_CONTRACT, specs, "第二条借款人已", "第三条借款人对本",
                  "借款人：董振宇")
    assert fields["borrower_name"] == "董振宇"
