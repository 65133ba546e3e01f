"""Which way up a document lies, from where its labels and title were read."""

from __future__ import annotations

import pytest

from autopass.documents import DocumentType
from autopass.reading.orient import is_upside_down
from autopass.settings import Settings
from autopass.standards import DocumentSpec, load_document_specs
from tests.reading.conftest import rows

HEIGHT = 400  # ten rows of 40 px
Specs = dict[DocumentType, DocumentSpec]


@pytest.fixture(scope="module")
def specs() -> Specs:
    return load_document_specs(Settings())


def test_a_licence_whose_title_lies_lowest_and_bottom_labels_were_lost_is_upside_down(specs: Specs) -> None:
    """Dossier 131 of seed 7: turned over, 准驾车型 and 有效期限 unread, its title last."""
    upside_down = rows("2021-06-20至2027-06-20", "A2", "出生日期1994-09-07", "姓名薛佳丽", "证号",
                       "", "", "", "", "中华人民共和国机动车驾驶证")
    upright = rows("中华人民共和国机动车驾驶证", "证号", "姓名薛佳丽", "A2")

    assert is_upside_down(specs[DocumentType.DRIVING_LICENCE], upside_down, HEIGHT)
    assert not is_upside_down(specs[DocumentType.DRIVING_LICENCE], upright, HEIGHT)


def test_a_top_label_printed_low_by_its_issuer_does_not_turn_a_bank_card(specs: Specs) -> None:
    card = rows("中国工商银行", "6222 0202 0011 2233 446", "", "", "", "", "", "", "", "借记卡")
    assert not is_upside_down(specs[DocumentType.BANK_CARD], card[1:], HEIGHT)


def test_a_low_title_with_a_bottom_label_read_follows_the_labels(specs: Specs) -> None:
    """Both ends read: their order decides, not the title's place (a page photographed low in
    the frame is upright when its bottom label lies below its top one)."""
    low_on_the_photo = rows("", "", "", "", "", "", "", "", "机动车销售统一发票", "价税合计")
    assert not is_upside_down(specs[DocumentType.VEHICLE_INVOICE], low_on_the_photo, HEIGHT)


def test_a_registration_certificate_whose_top_label_lies_lowest_is_upside_down(specs: Specs) -> None:
    """Dossier 69 of seed 7: turned over, its title read as noise and its pale labels lost; its
    登记编号 row, printed just below the title, was read last."""
    upside_down = rows("购买", "非营运", "陕AC26548", "2024-01-84", "", "", "", "", "护",
                       "登记编号615902830571")
    upright = rows("登记编号615902830571", "江蕾/居民身份证/610115198209245882", "2024-01-04")

    assert is_upside_down(specs[DocumentType.VEHICLE_REGISTRATION], upside_down, HEIGHT)
    assert not is_upside_down(specs[DocumentType.VEHICLE_REGISTRATION], upright, HEIGHT)
