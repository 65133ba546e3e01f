"""analyse_page on documents drawn by the sample generator, with the real RapidOCR engine."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.engines.base import Face, TextLine
from autopass.reading import analyse_page, read_as
from autopass.engines.registry import get_face_engine
from autopass.reading.analyse import (
    LEVEL_DEGREES,
    ReadDocument,
    _upright_face,
    better_reading,
    first_reading,
    look_beside_labels,
    one_per_type,
)
from autopass.reading.confirm import confirm_value
from autopass.reading.documents import extract_fields
from autopass.reading.lines import LineReader, line_image, lines_of, rotate_slots, text_slant
from autopass.reading.locate import locate_documents
from autopass.reading.orient import landscape_if_card
from autopass.reading.text import clean
from autopass.devtools.samples import cards, papers
from autopass.devtools.samples.templates import contracts, invoices
from autopass.devtools.samples.capture import Difficulty, photocopy_a4
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, generate_dossier, plan_dossier, write_dossier
from autopass.settings import Settings
from autopass.standards import load_document_specs
from tests.factories import SINGLE_LAYOUTS
from tests.reading.conftest import on_desk, to_bgr


@pytest.mark.parametrize("quarter_turns", [0, 1, 2])
def test_id_card_front_is_read_at_any_rotation(ocr, plan, quarter_turns) -> None:  # type: ignore[no-untyped-def]
    image, truth = cards.render_id_front(plan.facts, random.Random(1))
    [document] = analyse_page(on_desk(to_bgr(image), quarter_turns), ocr=ocr)
    assert document.type == DocumentType.ID_CARD_FRONT
    assert {name: document.fields[name].value for name in truth} == truth
    height, width = document.image.shape[:2]
    assert width > height  # upright card: landscape


@pytest.mark.parametrize("quarter_turns", [0, 1])
def test_every_line_of_a_page_turned_twice_on_its_way_upright_is_cut_out_readable(  # type: ignore[no-untyped-def]
        ocr, plan, quarter_turns) -> None:
    """A photographed page whose outline has a card's proportions is turned landscape as a card
    would be, then back when its lines stand on end. Each line's box must still start at the top
    left of its text: the confirmation of a doubtful value cuts the line out again from its box
    (24 of n7's 199 contracts, 0006 and 0072 among them: their lines came out upside down and
    confirmed nothing)."""
    image, _ = contracts.render_bank_lines(plan.facts, random.Random(5))
    page = to_bgr(image)
    height = page.shape[0] // 2
    page = cv2.resize(page, (int(height / 1.58), height), interpolation=cv2.INTER_AREA)

    [document] = analyse_page(on_desk(page, quarter_turns), ocr=ocr)

    read = document.fields["id_number"]
    confirmed = confirm_value(ocr, document.image, document.lines, read.box, read.value)
    assert read.value == plan.facts.person.id_number
    assert confirmed is not None and confirmed.confidence >= 0.95
    for line in document.lines:
        assert ocr.recognize([line_image(document.image, line.box)])[0].text == line.text


def test_id_card_back_keeps_long_term_or_dates(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, truth = cards.render_id_back(plan.facts, random.Random(2))
    [document] = analyse_page(on_desk(to_bgr(image), 2), ocr=ocr)
    assert document.type == DocumentType.ID_CARD_BACK
    assert {name: document.fields[name].value for name in truth} == truth


def test_bank_card_number_is_digits_only_and_bank_agrees_with_bin(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, truth = cards.render_bank_card(plan.facts, random.Random(3))
    [document] = analyse_page(on_desk(to_bgr(image), 0), ocr=ocr)
    assert document.type == DocumentType.BANK_CARD
    assert {name: document.fields[name].value for name in truth} == truth


def test_invoice_separates_labels_from_values(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, truth = invoices.render_paper_a(plan.facts, random.Random(4))
    [document] = analyse_page(on_desk(to_bgr(image), 0), ocr=ocr)
    assert document.type == DocumentType.VEHICLE_INVOICE
    assert {name: document.fields[name].value for name in truth} == truth
    assert document.fields["price_total"].box is not None


def test_contract_signature_is_judged_from_ink(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    for signed in (True, False):
        facts = replace(plan.facts, signed=signed)
        image, truth = contracts.render_bank_lines(facts, random.Random(5))
        [document] = analyse_page(to_bgr(image), ocr=ocr)
        assert document.type == DocumentType.LOAN_CONTRACT
        assert document.fields["signature_present"].value is signed
        assert document.fields["borrower_name"].value == truth["borrower_name"]


def test_a4_copy_of_both_id_sides_gives_two_documents_with_regions(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    front, front_truth = cards.render_id_front(plan.facts, random.Random(6))
    back, back_truth = cards.render_id_back(plan.facts, random.Random(6))
    page = photocopy_a4(front, back, random.Random(6))[0].image
    documents = analyse_page(to_bgr(page), ocr=ocr)
    assert [d.type for d in documents] == [DocumentType.ID_CARD_FRONT, DocumentType.ID_CARD_BACK]
    assert all(d.region is not None for d in documents)
    assert documents[0].fields["id_number"].value == front_truth["id_number"]
    assert documents[1].fields["valid_from"].value == back_truth["valid_from"]


def test_a_page_is_read_as_the_type_a_person_gave_it(ocr, face, plan, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """What finalize-dossier does with a page people classified: the document at the region asked
    for, read as that type (no classifying), and a selfie's face found whichever way it lies."""
    front, _ = cards.render_id_front(plan.facts, random.Random(6))
    back, back_truth = cards.render_id_back(plan.facts, random.Random(6))
    page = to_bgr(photocopy_a4(front, back, random.Random(6))[0].image)
    back_region = analyse_page(page, ocr=ocr)[1].region

    document = read_as(page, DocumentType.ID_CARD_BACK, region=back_region, ocr=ocr)

    assert (document.type, document.confidence, document.region) == \
        (DocumentType.ID_CARD_BACK, 1.0, back_region)
    assert document.fields["valid_from"].value == back_truth["valid_from"]
    assert document.fields["issuing_authority"].value == back_truth["issuing_authority"]

    dossier = generate_dossier(tmp_path, 51, 7, 0.3, Difficulty.NORMAL, None)
    truth = json.loads((dossier / "truth.json").read_text(encoding="utf-8"))
    [selfie] = [file for file, kind in truth["documents"].items() if kind == "selfie"]
    lying = np.rot90(cv2.imread(str(dossier / selfie)), 2).copy()
    read = read_as(lying, DocumentType.SELFIE, region=None, ocr=ocr, face=face)
    assert (read.type, len(read.faces or [])) == (DocumentType.SELFIE, 1)


def test_a_value_the_page_detector_lost_is_found_beside_its_label(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    """On photocopies an overprint crossing the ID number merges it into a shape the page-wide
    detector drops; the label is still there, and a look along its row finds the number."""
    image, truth = cards.render_id_front(plan.facts, random.Random(1))
    card = to_bgr(image)
    spec = load_document_specs(Settings())[DocumentType.ID_CARD_FRONT]
    reader = LineReader(ocr)
    slots = reader.first_pass(card, reader.detect(card, is_card=True), straightened=True)
    lost = [slot for slot in slots if not (slot.line and truth["id_number"] in clean(slot.line.text))]
    assert len(lost) == len(slots) - 1
    fields = extract_fields(DocumentType.ID_CARD_FRONT, lines_of(lost), card, spec)
    assert fields["id_number"].value is None

    found = look_beside_labels(card, lost, fields, spec, reader)

    assert [clean(slot.line.text) for slot in found if slot.line] == [truth["id_number"]]


class _CountingReader(LineReader):
    """A line reader that records the areas it is asked to look at."""

    def __init__(self, ocr) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ocr)
        self.areas: list[tuple[int, int, int, int]] = []

    def read_area(self, image, area):  # type: ignore[no-untyped-def]
        self.areas.append(area)
        return super().read_area(image, area)


def test_no_look_beside_another_label_printed_right(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    """With 发票号码 and its number lost, 发票代码 (one character from it, printed right) is no
    place to look for the invoice number."""
    image, truth = invoices.render_paper_a(plan.facts, random.Random(1))
    invoice = to_bgr(image)
    spec = load_document_specs(Settings())[DocumentType.VEHICLE_INVOICE]
    reader = _CountingReader(ocr)
    slots = reader.first_pass(invoice, reader.detect(invoice), straightened=True)
    slots = reader.complete(invoice, slots, range(len(slots)))
    lost = [slot for slot in slots if not (slot.line and "号码" in clean(slot.line.text)
                                          and truth["invoice_number"] in clean(slot.line.text))]
    assert len(lost) == len(slots) - 1
    fields = extract_fields(DocumentType.VEHICLE_INVOICE, lines_of(lost), invoice, spec)
    assert fields["invoice_number"].value is None
    assert any("发票代码" in clean(slot.line.text) for slot in lost if slot.line)  # precondition
    unread = [name for name, value in fields.items() if value.value is None]

    look_beside_labels(invoice, lost, fields, spec, reader)

    assert unread == ["invoice_number"] and reader.areas == []


@pytest.mark.parametrize("degrees", [12, -9])
def test_text_still_tilted_after_locating_is_levelled_before_reading(ocr, plan, degrees) -> None:  # type: ignore[no-untyped-def]
    """A dark card on a dark desk has no outline to straighten it by: its text is levelled, or
    the boxes of a tilted row overlap and split the card number."""
    image, truth = cards.render_bank_card(plan.facts, random.Random(3))
    card = to_bgr(image)
    height, width = card.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    tilted = cv2.warpAffine(card, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
    reader = LineReader(ocr)
    assert abs(text_slant(reader.detect(tilted, is_card=True))) > LEVEL_DEGREES

    levelled, slots = first_reading(tilted, reader, is_card=True)

    assert abs(text_slant([slot.quad for slot in slots])) < 2
    assert abs(text_slant(reader.detect(levelled, is_card=True))) < 2


def sample_photo(folder: Path, index: int, kind: str) -> tuple[np.ndarray, dict[str, object]]:
    """The photo of ``kind`` in sample dossier ``index`` of seed 7 (as `autopass samples` writes
    it, without face photos, the card and paper types drawn as they were while they had one
    template) and the fields it shows."""
    rng = dossier_rng(7, index)
    plan = plan_dossier(rng, load_face_source(None), 0.3)
    plan.pinned_templates = dict(SINGLE_LAYOUTS)
    dossier = folder / f"dossier_{index:04d}"
    write_dossier(dossier, plan, rng, Difficulty.NORMAL)
    truth = json.loads((dossier / "truth.json").read_text(encoding="utf-8"))
    [name] = [file for file, types in truth["documents"].items()
              if kind in ([types] if isinstance(types, str) else types)]
    fields = truth["fields"].get(name) or truth["fields"][f"{name}#{kind}"]  # an A4 copy of two sides
    return cv2.imread(str(dossier / name)), fields


def test_a_card_whose_printed_arc_misled_the_outline_is_read_whole(ocr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sample dossier 33 of seed 7: the arc printed across a green bank card, and a finger over
    its corner, made the card's upper part the best outline, its number outside it (the whole
    photo was read instead). Its tint against the desk now outlines the whole card."""
    photo, truth = sample_photo(tmp_path, 33, "bank_card")
    [located] = locate_documents(photo)
    assert 1.48 <= located.image.shape[1] / located.image.shape[0] <= 1.8

    [document] = analyse_page(photo, ocr=ocr)

    assert document.fields["card_number"].value == truth["card_number"]


def test_a_card_cut_by_a_wrong_outline_is_not_taken_for_a_selfie(ocr, face, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sample dossier 51 of seed 7: a pale ID card on a pale desk; the outline found cuts off its
    labels, and the crop (a face, little text) looks like a selfie. The whole photo settles it."""
    photo, truth = sample_photo(tmp_path, 51, "id_card_front")
    [located] = locate_documents(photo)
    [cut] = analyse_page(located.image, ocr=ocr, face=face)
    assert cut.type != DocumentType.ID_CARD_FRONT or cut.confidence < 0.9  # precondition

    [document] = analyse_page(photo, ocr=ocr, face=face)

    assert document.type == DocumentType.ID_CARD_FRONT
    assert document.fields["id_number"].value == truth["id_number"]


def test_a_page_whose_line_starts_name_no_document_is_read_whole_before_it_is_other(ocr) -> None:  # type: ignore[no-untyped-def]
    """个人汽车消费贷款合同 begins with words of no title; where the labels below it were misread
    (as here: prose without them), only the title's end (贷款合同) tells the page is a contract."""
    from autopass.devtools.samples import draw
    from autopass.devtools.samples.templates.contracts import A4, INK

    page = draw.paper(A4, (252, 252, 250), random.Random(7))
    draw.text(page, (A4[0] / 2, 110), "个人汽车消费贷款合同", 54, INK, spacing=8, bold=True, anchor="mt")
    clause = "本合同经各方签署后生效，一式三份，各方各执一份，具有同等法律效力，未尽事宜另行协商。"
    for line in range(12):
        draw.text(page, (90, 350 + 60 * line), clause, 30, INK)
    [document] = analyse_page(to_bgr(page), ocr=ocr)
    assert document.type == DocumentType.LOAN_CONTRACT


def test_a_short_line_illegible_upside_down_is_read_again_once_the_card_is_turned(ocr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sample dossier 19 of seed 7: an ID card photographed upside down; the angle classifier does
    not turn the short second address row (8号), which reads as nothing until the card is upright."""
    photo, truth = sample_photo(tmp_path, 19, "id_card_front")
    [located] = locate_documents(photo)
    reader = LineReader(ocr)
    image, slots = first_reading(landscape_if_card(located.image, located.is_card), reader, is_card=True)
    illegible = [index for index, slot in enumerate(slots) if slot.line is None]
    assert illegible  # precondition

    upright = reader.read_illegible(cv2.rotate(image, cv2.ROTATE_180),
                                    rotate_slots(slots, image.shape, cv2.ROTATE_180))

    again = [clean(upright[index].line.text) for index in illegible if upright[index].line]
    assert any(text and str(truth["address"]).endswith(text) for text in again)


def test_the_row_under_an_address_cut_short_is_looked_at_again(ocr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sample dossier 162 of seed 7: the page-wide detector misses the short second address row
    (3号) on the card's patterned background; a look under the first row finds it."""
    photo, truth = sample_photo(tmp_path, 162, "id_card_front")

    [document] = analyse_page(photo, ocr=ocr)

    assert document.fields["address"].value == truth["address"]


def test_an_id_card_back_validity_line_crossed_by_an_overprint_is_found_under_the_authority(ocr, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sample dossier 73 of seed 7: both ID card sides photocopied on one page, 仅供贷款使用
    stamped across the back's validity line; the page-wide detector loses the line and its label,
    a look under 签发机关 finds it."""
    photo, truth = sample_photo(tmp_path, 73, "id_card_back")

    [back] = [document for document in analyse_page(photo, ocr=ocr) if document.type == DocumentType.ID_CARD_BACK]

    assert (back.fields["valid_from"].value, back.fields["valid_to"].value) == (truth["valid_from"], truth["valid_to"])


def _reading(document_type: DocumentType, confidence: float, unread_lines: int) -> ReadDocument:
    return ReadDocument(type=document_type, confidence=confidence, region=None, fields={},
                        image=np.zeros((4, 4, 3), np.uint8), unread_lines=unread_lines)


def test_the_whole_photo_cannot_make_a_face_over_unreadable_print_a_sure_selfie() -> None:
    """Hard samples 0128, 0196: a blurred ID card front, located, showed a face over 5-6 lines of
    print nobody could read (selfie, 0.7); the whole photo found one line there (selfie, 0.95)."""
    whole = _reading(DocumentType.SELFIE, 0.95, 0)
    located = _reading(DocumentType.SELFIE, 0.7, 5)
    assert better_reading(located, whole) is located
    # Unsure for another reason, or no face over the print: the better reading wins, as before.
    assert better_reading(_reading(DocumentType.SELFIE, 0.7, 0), whole) is whole
    assert better_reading(_reading(DocumentType.OTHER, 0.5, 5), whole) is whole


def test_the_whole_photo_cannot_make_a_face_beside_a_long_number_a_sure_selfie() -> None:
    """Hard sample 0128: a blurred ID card front photographed on its side, located, showed a
    face beside its ID number and nothing else legible (`other`: a person picks the type); the
    whole photo read no text at all around the face (selfie, 0.95)."""
    face = Face(box=(10, 10, 40, 40), embedding=np.zeros(128, np.float32), detection_confidence=0.9)
    number = TextLine(text="42328318115199202111862", confidence=0.8,
                      box=((0.0, 60.0), (200.0, 60.0), (200.0, 80.0), (0.0, 80.0)))
    located = replace(_reading(DocumentType.OTHER, 0.5, 0), faces=[face], lines=[number])
    whole = _reading(DocumentType.SELFIE, 0.95, 0)
    assert better_reading(located, whole) is located
    # A face beside short print (a signing photo's time stamp), or a number with no face by it.
    stamped = TextLine(text="2026-02-23 17:11:38", confidence=0.9, box=number.box)
    assert better_reading(replace(located, lines=[stamped]), whole) is whole
    assert better_reading(replace(located, faces=[]), whole) is whole


def test_a_selfie_is_read_from_the_whole_photo_not_an_outline_found_in_it(ocr, face) -> None:  # type: ignore[no-untyped-def]
    """The locator finds an outline in most selfies (a shirt, a face: 60 of 80 faces-eval
    selfies), and cutting along it cut faces: the face is compared on the whole photo."""
    rng = random.Random(0)
    facts = plan_dossier(rng, load_face_source(None), 0.0).facts
    photo = to_bgr(papers.render_selfie(facts, rng)[0])
    [outline] = locate_documents(photo)
    assert not outline.whole_page and outline.image.shape != photo.shape

    [document] = analyse_page(photo, ocr=ocr, face=face)

    assert document.type == DocumentType.SELFIE
    assert document.image.shape == photo.shape and len(document.faces or []) == 1


@pytest.mark.parametrize("engine", ["sface", "dlib"])
@pytest.mark.parametrize("lying", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE,
                                   cv2.ROTATE_180])
def test_a_photo_is_turned_the_way_its_face_stands(engine: str, lying: int) -> None:
    """YuNet also finds a face lying on its side or upside down (0.85 against 0.93 upright for
    scikit-image's astronaut): the first face found is not the upright one, the surest is."""
    import skimage.data

    upright = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)

    turned, faces, _ = _upright_face(cv2.rotate(upright, lying),
                                     get_face_engine(Settings(face_engine=engine)))

    assert np.array_equal(turned, upright) and 150 < faces[0].box[0] < 220  # her face, upright


def test_two_readings_of_a_selfie_keep_the_whole_photo_and_the_surer_type() -> None:
    whole = _reading(DocumentType.SELFIE, 0.9, 0)
    assert better_reading(_reading(DocumentType.SELFIE, 0.7, 0), whole) is whole
    chosen = better_reading(_reading(DocumentType.SELFIE, 0.95, 0), whole)
    assert (chosen.image is whole.image, chosen.confidence) == (True, 0.95)


def test_a_page_yields_one_document_of_each_type_the_surest() -> None:
    """Two of one type on a page would share their key in the dossier (file, page, type): the
    finalize flow lost one of them and failed (seen on a card read in two halves)."""
    blank = np.zeros((4, 4, 3), np.uint8)

    def read(type_: DocumentType, confidence: float, x: int) -> ReadDocument:
        return ReadDocument(type=type_, confidence=confidence, region=[x, 0, 10, 10], fields={},
                            image=blank)

    card_half = read(DocumentType.BANK_CARD, 0.7, 0)
    other = read(DocumentType.OTHER, 0.5, 10)
    card = read(DocumentType.BANK_CARD, 0.9, 20)

    kept = one_per_type([card_half, other, card])

    assert len(kept) == 2 and kept[0] is other and kept[1] is card
