"""Values that must not come out confident when they may be wrong (a wrong confident value would
let a defective dossier auto-pass, or turn a good one away without asking a person)."""

from __future__ import annotations

import random
from dataclasses import replace

import cv2
import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.reading import analyse_page
from autopass.reading.documents import extract_fields
from autopass.reading.documents.bank_card import CARD_DOUBT_CAP
from autopass.reading.signature import signature_present
from autopass.devtools.samples.generator import Plan
from autopass.devtools.samples.templates.contracts import render_bank_lines as render_loan_contract
from autopass.settings import Settings
from autopass.standards import load_document_specs
from tests.reading.conftest import rows, to_bgr

SIGNATURE_MIN = 0.90  # standards/new_car_loan.yaml confidence.fields.signature_present
FIELD_MIN = 0.85  # default_field
CARD_MIN = 0.95


@pytest.fixture(scope="module")
def specs():  # type: ignore[no-untyped-def]
    return load_document_specs(Settings())


def _contract(plan: Plan, signed: bool) -> np.ndarray:
    image, _ = render_loan_contract(replace(plan.facts, signed=signed), random.Random(3))
    page = to_bgr(image)
    return cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def test_an_upside_down_signed_contract_reads_signed(plan: Plan, ocr) -> None:  # type: ignore[no-untyped-def]
    page = cv2.rotate(_contract(plan, signed=True), cv2.ROTATE_180)
    [document] = analyse_page(page, ocr=ocr)
    signature = document.fields["signature_present"]
    assert document.type == DocumentType.LOAN_CONTRACT
    assert signature.value is True and signature.confidence >= SIGNATURE_MIN


def test_an_unsigned_contract_is_never_read_signed_with_confidence(plan: Plan, ocr) -> None:  # type: ignore[no-untyped-def]
    [document] = analyse_page(_contract(plan, signed=False), ocr=ocr)
    signature = document.fields["signature_present"]
    assert signature.value is False or signature.confidence < SIGNATURE_MIN


_SCRIBBLE = np.array([[200, 115], [230, 80], [260, 118], [300, 85], [340, 117], [380, 90]], np.int32)
"""A signature's strokes inside the box of ``_signature_box``."""


def _signature_box(ink: int, *, width: int = 900, tilt: float = 0.0,
                   rule: int = 1) -> tuple[np.ndarray, list[int]]:
    """A page with the label's place at (40, 100, 120x20), an underline ``rule`` px thick rising
    ``tilt`` degrees, a scribble of grey ``ink``."""
    page = np.full((300, width, 3), 235, np.uint8)
    rise = round(430 * np.tan(np.radians(tilt)))
    cv2.line(page, (170, 122 + rise // 2), (600, 122 - rise // 2), (40, 40, 40), rule)
    if ink < 235:
        cv2.polylines(page, [_SCRIBBLE], False, (ink, ink, ink), 2)
    return page, [40, 100, 120, 20]


def test_dark_ink_is_a_sure_signature_and_an_empty_box_a_sure_absence() -> None:
    assert signature_present(*_signature_box(30))[:2] == (True, 0.95)
    assert signature_present(*_signature_box(235))[:2] == (False, 0.95)


@pytest.mark.parametrize("tilt", [2.0, 4.0, 8.0])
def test_an_underline_photographed_askew_is_no_signature(tilt: float) -> None:
    # The steps of a tilted rule escape a horizontal opening; at 3 degrees they read as signed.
    for rule in (1, 2, 3):
        assert signature_present(*_signature_box(235, tilt=tilt, rule=rule))[:2] == (False, 0.95)
    assert signature_present(*_signature_box(30, tilt=tilt, rule=2))[:2] == (True, 0.95)


def test_faint_ink_or_a_box_cut_by_the_page_edge_is_a_question_for_a_person() -> None:
    _, faint_confidence, _ = signature_present(*_signature_box(205))
    _, cut_confidence, _ = signature_present(*_signature_box(30, width=220))
    assert faint_confidence < SIGNATURE_MIN
    assert cut_confidence < SIGNATURE_MIN


def _field(specs, document_type: DocumentType, name: str, *texts: str):  # type: ignore[no-untyped-def]
    """A field read off rows; a row starting with a space continues the value above (indented)."""
    lines = [replace(line, text=line.text.strip(), box=tuple((x + 60, y) for x, y in line.box))
             if line.text.startswith(" ") else line for line in rows(*texts)]
    return extract_fields(document_type, lines, np.zeros((800, 1200, 3), np.uint8), specs[document_type])[name]


def test_a_validity_period_is_never_the_issuing_authority(specs) -> None:  # type: ignore[no-untyped-def]
    misplaced = _field(specs, DocumentType.ID_CARD_BACK, "issuing_authority",
                       "中华人民共和国", "居民身份证", "签发机关2024.11.12-长期", "杭州市公安局西湖分局")
    assert misplaced.value in (None, "杭州市公安局西湖分局")
    assert misplaced.value is None or misplaced.confidence < FIELD_MIN
    proper = _field(specs, DocumentType.ID_CARD_BACK, "issuing_authority",
                    "签发机关杭州市公安局西湖分局", "有效期限2024.11.12-长期")
    assert proper.value == "杭州市公安局西湖分局" and proper.confidence >= FIELD_MIN


def test_strays_after_the_office_are_cut_from_the_authority_and_leave_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    """n7 dossier 108: the photocopy's overprint read into the authority's row."""
    authority = _field(specs, DocumentType.ID_CARD_BACK, "issuing_authority",
                       "签发机关乌鲁木齐市公安局天山分局供贷", "有效期限2024.11.12-2044.11.12")
    assert authority.value == "乌鲁木齐市公安局天山分局" and authority.confidence < FIELD_MIN
    misread = _field(specs, DocumentType.ID_CARD_BACK, "issuing_authority",
                     "签发机关杭州市公安局西湖分员", "有效期限2024.11.12-2044.11.12")
    assert misread.value == "杭州市公安局西湖分员" and misread.confidence < FIELD_MIN


@pytest.mark.parametrize(("second_row", "expected"), [
    ("黄河路13号12月15日维吾尔", "北京市朝阳区黄河路13号"),
    ("黄河路13号4单元601户供贷", "北京市朝阳区黄河路13号4单元601户"),
    ("黄河路", "北京市朝阳区黄河路"),
    ("黄河路13号凶", "北京市朝阳区黄河路13号"),
    ("黄河路13号示使", "北京市朝阳区黄河路13号"),
])
def test_a_doubtful_address_is_cleaned_and_goes_to_a_person(specs, second_row: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    address = _field(specs, DocumentType.ID_CARD_FRONT, "address",
                     "姓名张伟", "性别男民族汉", "住址北京市朝阳区", " " + second_row, "公民身份号码110105198812157714")
    assert address.value == expected
    assert address.confidence < FIELD_MIN


def test_an_overprint_character_ending_a_row_is_cut_from_the_address(specs) -> None:  # type: ignore[no-untyped-def]
    address = _field(specs, DocumentType.ID_CARD_FRONT, "address",
                     "姓名张伟", "住址新疆维吾尔自治区乌鲁木齐使", " 市天山区黄河路13号", "公民身份号码110105198812157714")
    assert address.value == "新疆维吾尔自治区乌鲁木齐市天山区黄河路13号"
    assert address.confidence < FIELD_MIN


def test_a_whole_address_read_well_passes(specs) -> None:  # type: ignore[no-untyped-def]
    address = _field(specs, DocumentType.ID_CARD_FRONT, "address",
                     "姓名张伟", "住址北京市朝阳区", " 黄河路13号4单元601户", "公民身份号码110105198812157714")
    assert address.value == "北京市朝阳区黄河路13号4单元601户" and address.confidence >= FIELD_MIN


def test_an_address_read_with_some_doubt_goes_to_a_person(specs) -> None:  # type: ignore[no-untyped-def]
    lines = [replace(line, confidence=0.95) for line in rows("姓名张伟", "住址湖南省长沙市岳渡区文化路27号")]
    address = extract_fields(DocumentType.ID_CARD_FRONT, lines, np.zeros((800, 1200, 3), np.uint8),
                             specs[DocumentType.ID_CARD_FRONT])["address"]
    assert address.confidence < FIELD_MIN


def test_luhn_does_not_vouch_for_a_card_number_read_with_doubt(specs) -> None:  # type: ignore[no-untyped-def]
    lines = rows("中国工商银行", "6222029439467556891")
    doubtful = [replace(lines[0]), replace(lines[1], confidence=0.93)]
    card = extract_fields(DocumentType.BANK_CARD, doubtful, np.zeros((400, 800, 3), np.uint8),
                          specs[DocumentType.BANK_CARD])["card_number"]
    assert card.confidence <= CARD_DOUBT_CAP < CARD_MIN
    clear = extract_fields(DocumentType.BANK_CARD, lines, np.zeros((400, 800, 3), np.uint8),
                           specs[DocumentType.BANK_CARD])["card_number"]
    assert clear.confidence >= CARD_MIN


def test_a_tilted_underline_or_the_page_edge_is_not_a_signature() -> None:
    page, label = _signature_box(235)
    cv2.line(page, (170, 112), (600, 130), (40, 40, 40), 3)  # the rule, 2 degrees off
    cv2.line(page, (800, 0), (800, 299), (60, 60, 60), 4)  # a desk edge inside the box
    signed, confidence, _ = signature_present(page, label)
    assert not (signed and confidence >= SIGNATURE_MIN)


@pytest.mark.parametrize(("period", "sure"), [
    ("2017.08.27-2037.08.27", True),
    ("2020.01.15-长期", True),
    ("2027.08.27-2027.08.27", False),  # 2017 misread as 2027: no card runs 0 years
    ("2021.06.26-2841.06.26", False),
])
def test_an_id_card_period_that_no_card_has_goes_to_a_person(specs, period: str, sure: bool) -> None:  # type: ignore[no-untyped-def]
    valid_to = _field(specs, DocumentType.ID_CARD_BACK, "valid_to",
                      "签发机关杭州市公安局西湖分局", f"有效期限{period}")
    assert (valid_to.confidence >= FIELD_MIN) is sure


@pytest.mark.parametrize(("period", "sure"), [
    ("2026-10-04至2032-10-04", True),
    ("2022-03-15至2032-03-15", True),
    ("2020-10-04至2032-10-04", False),  # n7 0199: 2026 misread as 2020, no licence runs 12 years
])
def test_a_licence_period_that_no_licence_has_is_not_trusted(specs, period: str, sure: bool) -> None:  # type: ignore[no-untyped-def]
    valid_from = _field(specs, DocumentType.DRIVING_LICENCE, "valid_from",
                        "证号43010419820706304X", "姓名张敏怡", f"有效期限{period}")
    assert (valid_from.confidence >= FIELD_MIN) is sure


def test_an_id_card_end_date_whose_start_a_finger_hid_is_the_end_date_for_a_person(specs) -> None:  # type: ignore[no-untyped-def]
    """With the start hidden there is no term to check a misread year against (2027 for 2017)."""
    for name, value in (("valid_from", None), ("valid_to", "2037-08-27")):
        read = _field(specs, DocumentType.ID_CARD_BACK, name, "签发机关杭州市公安局西湖分局", "有效期限-2037.08.27")
        assert read.value == value
        assert read.confidence < FIELD_MIN


def test_pale_blue_pen_strokes_are_a_sure_signature() -> None:
    """A photo's light washed a blue signature pale: grey would be a question, blue is ink."""
    page, label = _signature_box(235)
    cv2.polylines(page, [_SCRIBBLE], False, (225, 190, 170), 2)  # BGR: pale blue
    assert signature_present(page, label)[:2] == (True, 0.95)


def test_pale_blue_pen_strokes_are_a_sure_signature_and_pale_grey_ones_are_not() -> None:
    """A photo washes a blue signature out to a pale tint; grey strokes that pale stay a question."""
    page, label = _signature_box(235)
    cv2.polylines(page, [_SCRIBBLE], False, (222, 200, 200), 4)  # BGR: pale blue, 15 levels bluer
    assert signature_present(page, label)[:2] == (True, 0.95)
    grey = _signature_box(205)[0]
    cv2.polylines(grey, [_SCRIBBLE], False, (205, 205, 205), 4)
    assert signature_present(grey, label)[1] < SIGNATURE_MIN


def _lit(page: np.ndarray, paper: int) -> np.ndarray:
    """``page`` (paper of grey 235) under less light: its paper of grey ``paper``."""
    return (page.astype(np.float32) * paper / 235).astype(np.uint8)


def _under_light(page: np.ndarray, cast: tuple[float, float, float]) -> np.ndarray:
    """``page`` photographed under a tinted light: each BGR channel scaled by ``cast``."""
    return np.clip(page.astype(np.float32) * np.array(cast, np.float32), 0, 255).astype(np.uint8)


WARM_LAMP = (0.8, 1.0, 1.1)
COOL_DAYLIGHT = (1.1, 1.0, 0.88)


def test_blue_ink_under_a_warm_lamp_is_a_sure_signature() -> None:
    """The lamp takes as much blue from the ink as from the paper: blue is judged against the
    paper's own colour, not as an absolute difference of channels (which read it unsure)."""
    page, label = _signature_box(235)
    cv2.polylines(page, [_SCRIBBLE], False, (215, 185, 165), 2)  # BGR: pale blue pen
    assert signature_present(_under_light(page, WARM_LAMP), label)[:2] == (True, 0.95)


def test_grey_strokes_under_cool_daylight_are_no_sure_signature() -> None:
    """Daylight tints grey strokes blue along with the paper: that is no pen ink."""
    page, label = _signature_box(235)
    cv2.polylines(page, [_SCRIBBLE], False, (195, 195, 195), 2)  # faint grey, not ink
    assert signature_present(_under_light(page, COOL_DAYLIGHT), label)[1] < SIGNATURE_MIN


def _beyond_the_page_edge(page: np.ndarray, edge: int) -> np.ndarray:
    """``page`` with a dark cloth desk (blotchy weave, slightly blurred) right of column ``edge``."""
    rng = np.random.default_rng(5)
    height, width = page.shape[:2]
    weave = rng.normal(0, 9, (height // 6 + 1, width // 6 + 1)).astype(np.float32)
    weave = cv2.resize(weave, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)[:height, :width]
    desk = np.array([60, 70, 30], np.float32) + weave[..., None]  # BGR: dark green cloth
    shot = page.astype(np.float32)
    shot[:, edge:] = desk[:, edge:]
    return np.clip(cv2.GaussianBlur(shot, (0, 0), 1.0), 0, 255).astype(np.uint8)


def test_a_desk_beyond_the_page_edge_is_no_ink() -> None:
    """A page photographed near the frame's side: the box runs off the page onto the desk, whose
    weave is no signature; a signature on the page part is still one. Nor is such a box surely
    empty: what looks like desk may be dim paper beside a glare spot."""
    empty, label = _signature_box(235)
    signed, confidence, _ = signature_present(_beyond_the_page_edge(empty, 420), label)
    assert confidence < SIGNATURE_MIN
    assert type(signed) is bool  # stored as JSON, where numpy's bool_ fails
    inked, _ = _signature_box(30)
    assert signature_present(_beyond_the_page_edge(inked, 420), label)[:2] == (True, 0.95)


def test_pale_grey_strokes_under_a_warm_lamp_are_no_sure_signature() -> None:
    """A warm light gives grey strokes a tint against their paper (less red taken from less
    light): only against paper made neutral do they show none."""
    page, label = _signature_box(235)
    page = _lit(page, 220)  # the lamp keeps red below 255
    cv2.polylines(page, [_SCRIBBLE], False, (170, 170, 170), 4)
    assert signature_present(_under_light(page, WARM_LAMP), label)[1] < SIGNATURE_MIN


def _glossy_glare(page: np.ndarray, light: int) -> np.ndarray:
    """``page`` lit to paper of grey ``light``, with a lamp's reflection on glossy paper: a bright
    oval with a hard rim in the signature box, right of the scribble's middle."""
    lit = _lit(page, light)
    cv2.ellipse(lit, (420, 95), (80, 30), 0, 0, 360, (245, 245, 245), -1)
    return lit


def test_dim_paper_beside_a_glare_spot_is_no_ink() -> None:
    """The paper is what surrounds each pixel, not the brightest thing near it: the dim paper
    around a hard-rimmed glare spot read as a sure signature in an empty box. Ink beside the spot
    is still a signature, or, where the dim paper may be a desk, a question for a person."""
    empty, label = _signature_box(235)
    inked, _ = _signature_box(30)
    assert signature_present(_glossy_glare(empty, 170), label)[1] < SIGNATURE_MIN
    signed, confidence, _ = signature_present(_glossy_glare(inked, 170), label)
    assert signed or confidence < SIGNATURE_MIN
    assert signature_present(_glossy_glare(inked, 200), label)[:2] == (True, 0.95)
