"""A printed title settles a document's type, even with one misread character."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading.classify import TITLE_CONFIDENCE, ImageCues, classify
from autopass.reading.text import clean
from autopass.settings import Settings
from autopass.standards import load_document_specs
from autopass.validators import is_bank_card_number, is_valid_id_number

SPECS = load_document_specs(Settings())


def lines(*texts: str) -> list[TextLine]:
    """One line per text, one under the other, all printed the same size: 30 px a Han character,
    half that for a digit, a letter or a mark."""
    def width(text: str) -> float:
        return sum(30.0 if "\u4e00" <= ch <= "\u9fff" else 16.5 for ch in clean(text))

    return [TextLine(text=text, confidence=0.99,
                     box=((0.0, 40.0 * i), (width(text), 40.0 * i), (width(text), 40.0 * i + 30), (0.0, 40.0 * i + 30)))
            for i, text in enumerate(texts)]


def test_a_misread_title_character_still_settles_the_invoice():
    found = classify(lines("机动车销售统二发票", "发票联", "购买方名称"), ImageCues(), SPECS)
    assert found == (DocumentType.VEHICLE_INVOICE, TITLE_CONFIDENCE)


def test_a_licence_is_settled_by_its_title_despite_id_card_labels():
    text = lines("中华人民共和国机动车驾驶证", "证号", "姓名", "性别", "住址", "有效期限")
    assert classify(text, ImageCues(is_card=True), SPECS) == (DocumentType.DRIVING_LICENCE, TITLE_CONFIDENCE)


def test_two_titles_on_one_page_are_not_settled():
    _, confidence = classify(lines("机动车驾驶证", "机动车登记证书", "姓名"), ImageCues(), SPECS)
    assert confidence < TITLE_CONFIDENCE


def test_a_contract_printing_the_id_cards_labels_is_no_id_card():
    """An outside check's contracts: 公民身份号码 is the ID card's first keyword but no title (the
    portrait side prints none); 居民身份证 after a colon is a value, not the back's title."""
    for page in (lines("个人汽车消费贷款合同 签字页", "借款人：丁晨宇", "公民身份号码：320102198003219470"),
                 lines("汽车贷款合同（签署页）", "证件类型：居民身份证", "证件号码：320102198003219470"),
                 lines("个人汽车消费贷款合同 签字页", "借款人姓名", "公民身份号码 320102198003219470"),
                 lines("汽车贷款合同", "证件类型及号码", "居民身份证 330106197604152120")):
        assert classify(page, ImageCues(), SPECS) == (DocumentType.LOAN_CONTRACT, TITLE_CONFIDENCE)
    booklet = lines("机动车登记证书", "1.机动车所有人/身份证明名称/号码", "张伟/居民身份证/370202198803121230")
    assert classify(booklet, ImageCues(), SPECS) == (DocumentType.VEHICLE_REGISTRATION, TITLE_CONFIDENCE)
    # The title cut on a first pass: no title settles the ID card either.
    cut = lines("个人汽车消费贷", "借款人：丁晨宇", "公民身份号码：320102198003219470")
    assert classify(cut, ImageCues(), SPECS)[1] < TITLE_CONFIDENCE


WATERMARK = ("13:11", "2026-04-24 面签拍照", "北京博瑞祥驰汽车销售服务有限公司", "经销商D-BJ-112 销售S-0896")


def test_a_signing_photo_with_a_watermark_is_a_selfie():
    cues = ImageCues(faces=1, face_share=0.3)
    assert classify(lines(*WATERMARK), cues, SPECS) == (DocumentType.SELFIE, 0.95)


def test_a_small_face_or_a_card_with_that_much_text_stays_doubtful():
    for cues in (ImageCues(faces=1, face_share=0.05), ImageCues(faces=1, face_share=0.3, is_card=True)):
        document_type, confidence = classify(lines(*WATERMARK), cues, SPECS)
        assert confidence < 0.9, (cues, document_type)


def test_a_face_with_almost_no_text_is_a_sure_selfie_only_when_it_is_the_photos_subject():
    """Hard samples: a blurred ID card front and a bank card (a fingertip found as a face) read as
    a face and a few characters, like a selfie, but their faces were tiny."""
    for share in (0.12, 0.3):  # a person across the dealer's desk, or close up (dossier 85)
        cues = ImageCues(faces=1, face_share=share)
        assert classify(lines("13:11"), cues, SPECS) == (DocumentType.SELFIE, 0.95)
    # With a watermark's worth of text, a face that small might be an ID card's portrait.
    assert classify(lines(*WATERMARK), ImageCues(faces=1, face_share=0.12), SPECS)[1] < 0.9
    for cues in (ImageCues(faces=1, face_share=0.05), ImageCues(faces=1, face_share=0.09),
                 ImageCues(faces=2, face_share=0.3)):
        document_type, confidence = classify(lines("13:11"), cues, SPECS)
        assert confidence < 0.9, (cues, document_type)


def test_a_face_over_lines_of_print_nobody_can_read_is_no_sure_selfie():
    """Hard samples: blurred ID card fronts showed a face, a few characters read and 5-6 text
    lines found but unreadable; signing photos at most 2 (their watermarks read)."""
    for unread in (0, 2):
        cues = ImageCues(faces=1, face_share=0.2, unread_lines=unread)
        assert classify(lines("13:11"), cues, SPECS) == (DocumentType.SELFIE, 0.95)
    cues = ImageCues(faces=1, face_share=0.2, unread_lines=5)
    assert classify(lines("13:11"), cues, SPECS) == (DocumentType.SELFIE, 0.7)


def test_a_title_with_one_character_dropped_still_settles_the_invoice():
    found = classify(lines("机动车销售统发票", "发票联", "购买方名称"), ImageCues(), SPECS)
    assert found == (DocumentType.VEHICLE_INVOICE, TITLE_CONFIDENCE)


def test_a_face_beside_an_id_number_is_never_a_sure_selfie():
    """A dark, blurred ID card front: no label readable, but its number is (hard sample 18)."""
    found = classify(lines("星", "224:0547F", "528186193483129195"), ImageCues(faces=1, face_share=0.17), SPECS)
    assert found[0] != DocumentType.SELFIE and found[1] < 0.9
    misread = classify(lines("N", "310115198N07117305"), ImageCues(faces=1, face_share=0.3), SPECS)
    assert misread[0] != DocumentType.SELFIE and misread[1] < 0.9  # hard sample 114: a digit read N
    watermark = classify(lines("2026-12-10 10:21", "面签拍照"), ImageCues(faces=1, face_share=0.3), SPECS)
    assert watermark == (DocumentType.SELFIE, 0.95)


def test_half_a_title_shared_by_several_documents_does_not_outweigh_the_title_read():
    """Hard sample 19: an invoice whose title was read with one character wrong was called a
    registration certificate, because 机动车 begins two of its keywords."""
    found = classify(lines("机动车销售统~发票", "65CH12182754/487", "54079421"), ImageCues(), SPECS)
    assert found == (DocumentType.VEHICLE_INVOICE, TITLE_CONFIDENCE)


def test_an_id_number_is_no_bank_card_number():
    """Hard samples 17 and 49: ID card fronts of which only their number was read (right, or with
    a digit misread), Luhn-valid by chance."""
    id_number = "610113197403010055"  # a valid ID number that passes Luhn too
    assert is_valid_id_number(id_number) and is_bank_card_number(id_number)
    document_type, _ = classify(lines(id_number), ImageCues(is_card=True), SPECS)
    assert document_type != DocumentType.BANK_CARD
    misread = "440385199104031011"  # a digit misread: its check digit fails, Luhn passes
    assert is_bank_card_number(misread) and not is_valid_id_number(misread)
    assert classify(lines(misread), ImageCues(is_card=True), SPECS)[0] != DocumentType.BANK_CARD
    # Hard sample 49: the number and the next line's digits ran together, and their first 19
    # digits passed Luhn.
    run_on = lines("440385199104031049", "4102200621")
    assert is_bank_card_number("4403851991040310494")
    assert classify(run_on, ImageCues(is_card=True), SPECS)[0] != DocumentType.BANK_CARD
    card = classify(lines("6222026200012345674"), ImageCues(is_card=True), SPECS)
    assert card[0] == DocumentType.BANK_CARD


def test_an_id_number_whose_birth_date_reads_0_as_8_is_no_bank_card_number():
    """Hard samples 71, 167 (and 18, 68, 90, 175): blurred ID card fronts whose number was read with
    a 0 of the birth month or day as 8 (1985-88-04, 2000-82-01), no date, Luhn-valid by chance:
    bank cards at 0.86."""
    for misread in ("430104198588047940", "440305200082011384"):
        assert is_bank_card_number(misread)
        found = classify(lines("2000 年 2 月 1 日", misread), ImageCues(is_card=True), SPECS)
        assert found[0] != DocumentType.BANK_CARD, misread


def test_a_licence_title_read_in_part_is_no_id_card_back():
    """Hard samples 13, 37, 63 (and 12, 190, a character after the heading misread too):
    中华人民共和国机动车驾驶证 read in part counted as the ID card back's heading (up to 0.88, near a
    sure type); the back's own heading still counts."""
    for title in ("中华人民共和国机动车考", "中华人民共和国机装车现督证", "中华人民共和国科动家规疑证"):
        document_type, confidence = classify(lines("E 16 5701", title), ImageCues(is_card=True), SPECS)
        assert document_type != DocumentType.ID_CARD_BACK and confidence < 0.9, title
    back = classify(lines("中华人民共和国", "居民身份证", "签发机关杭州市公安局"), ImageCues(is_card=True), SPECS)
    assert back == (DocumentType.ID_CARD_BACK, TITLE_CONFIDENCE)
