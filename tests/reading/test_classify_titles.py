"""A printed title settles a document's type, even with one misread character."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading.classify import TITLE_CONFIDENCE, ImageCues, classify
from autopass.settings import Settings
from autopass.standards import load_document_specs

SPECS = load_document_specs(Settings())
BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))


def lines(*texts: str) -> list[TextLine]:
    return [TextLine(text=text, confidence=0.99, box=BOX) for text in texts]


def test_a_misread_title_character_still_settles_the_invoice():
    found = classify(lines("机动车销售统二发票", "发票联", "购买方名称"), ImageCues(), SPECS)
    assert found == (DocumentType.VEHICLE_INVOICE, TITLE_CONFIDENCE)


def test_a_licence_is_settled_by_its_title_despite_id_card_labels():
    text = lines("中华人民共和国机动车驾驶证", "证号", "姓名", "性别", "住址", "有效期限")
    assert classify(text, ImageCues(is_card=True), SPECS) == (DocumentType.DRIVING_LICENCE, TITLE_CONFIDENCE)


def test_two_titles_on_one_page_are_not_settled():
    _, confidence = classify(lines("机动车驾驶证", "公民身份号码", "姓名"), ImageCues(), SPECS)
    assert confidence < TITLE_CONFIDENCE
