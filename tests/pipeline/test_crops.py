"""What a micro-task shows: crops written to disk, values only where the task is about them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from autopass.crops import DocumentImages, build_payload, crops_shown, document_preview
from autopass.documents import DocumentType
from autopass.dossier import (
    DocumentResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
    application_slug,
)
from autopass.errors import ImageError
from autopass.routing import MicroTaskSpec
from autopass.settings import Settings, use_settings
from autopass.tasks.route import prepare_microtasks
from tests.factories import make_application

CARD = DocumentResult(
    file="card.jpg",
    type=DocumentType.BANK_CARD,
    confidence=0.99,
    fields={"card_number": FieldValue(value="6228480012345678901", confidence=0.5, box=[300, 400, 200, 40])},
)


def spec(kind: MicroTaskKind, required_answers: int = 1) -> MicroTaskSpec:
    return MicroTaskSpec(kind=kind, check_ids=("bank_card_luhn_valid",),
                         subjects=(FieldRef(document="card.jpg#1", field="card_number"),),
                         question="?", required_answers=required_answers)


def payload(tmp_path, kind, required_answers=1, card=CARD):
    images = DocumentImages(images={"card.jpg#1": np.full((638, 1012, 3), 200, np.uint8)})
    return build_payload(spec(kind, required_answers), documents={"card.jpg#1": card},
                         application_values={}, images=images, crops_dir=tmp_path, prefix="A1/01")


def test_a_field_crop_reaches_along_the_row_around_the_value(tmp_path):
    data = payload(tmp_path, MicroTaskKind.CONFIRM_FIELD)
    [candidate] = data["candidates"]
    assert candidate["value"] == "6228480012345678901"
    with Image.open(tmp_path / candidate["crop"]) as crop:
        assert crop.size == (440, 88)  # 200 px + 2 x 120 px along the row, 40 px + 2 x 24 px margin


def test_small_print_is_enlarged_for_the_operator(tmp_path):
    small = CARD.model_copy(update={"fields": {"card_number": FieldValue(
        value="6228480012345678901", confidence=0.5, box=[300, 400, 200, 20])}})
    data = payload(tmp_path, MicroTaskKind.CONFIRM_FIELD, card=small)
    with Image.open(tmp_path / data["candidates"][0]["crop"]) as crop:
        assert crop.size == (880, 88)  # (440, 44) cut as above, twice as large: a 40 px line


def test_blind_double_keying_hides_the_machine_reading(tmp_path):
    data = payload(tmp_path, MicroTaskKind.CONFIRM_FIELD, required_answers=2)
    assert "value" not in data["candidates"][0]
    assert data["candidates"][0]["crop"]


def test_only_the_machine_s_type_is_shown_as_its_guess_and_never_to_people_answering_blind(
        tmp_path):
    def guess(card: DocumentResult, required_answers: int = 1) -> str | None:
        classify = MicroTaskSpec(kind=MicroTaskKind.CLASSIFY_DOCUMENT, check_ids=("docs",),
                                 subjects=(FieldRef(document="card.jpg#1", field="type"),),
                                 question="?", required_answers=required_answers)
        images = DocumentImages(images={"card.jpg#1": np.full((638, 1012, 3), 200, np.uint8)})
        return build_payload(classify, documents={"card.jpg#1": card}, application_values={},
                             images=images, crops_dir=tmp_path, prefix="A1/02").get("machine_guess")

    assert guess(CARD) == "bank_card"
    assert guess(CARD, required_answers=2) is None
    assert guess(CARD.model_copy(update={"type_source": "human"})) is None, "a person's answer"


def test_a_later_round_shows_what_earlier_rounds_showed_of_a_page_not_read_again(tmp_path):
    """A later round's question about a page finalize-dossier did not read again has no image at
    hand: it shows the crop an earlier round showed of that field, or else of the whole page (the
    classify task's); a page classified again shows that page."""
    earlier = [
        {"subjects": [{"document": "card.jpg#1", "field": "type"}],
         "crops": {"document": "A1/01/01.jpg"}},
        {"subjects": [{"document": "card.jpg#1", "field": "card_number"}],
         "candidates": [{"source": "card.jpg#1", "field": "card_number", "crop": "A1/02/01.jpg"}]},
    ]
    images = DocumentImages(images={}, shown_before=crops_shown(earlier))
    about = {"card_number": spec(MicroTaskKind.CONFIRM_FIELD)}
    about["bank_name"] = MicroTaskSpec(
        kind=MicroTaskKind.CONFIRM_FIELD, check_ids=("bank_card_equals_application",),
        subjects=(FieldRef(document="card.jpg#1", field="bank_name"),), question="?")
    shown = {field: build_payload(plan, documents={"card.jpg#1": CARD}, application_values={},
                                  images=images, crops_dir=tmp_path, prefix="A1/03")
             ["candidates"][0]["crop"] for field, plan in about.items()}
    # The page's type asked again (one person's type left a document missing): the same page.
    type_again = MicroTaskSpec(
        kind=MicroTaskKind.CLASSIFY_DOCUMENT, check_ids=("required_documents_present",),
        subjects=(FieldRef(document="card.jpg#1", field="type"),), question="?",
        required_answers=2)
    again = build_payload(type_again, documents={"card.jpg#1": CARD}, application_values={},
                          images=images, crops_dir=tmp_path, prefix="A1/04")

    assert shown == {"card_number": "A1/02/01.jpg", "bank_name": "A1/01/01.jpg"}
    assert again["crops"] == {"document": "A1/01/01.jpg"}


def test_a_document_preview_is_its_region_of_the_page_and_no_larger_than_a_thumbnail(
    tmp_path, settings: Settings
) -> None:
    page = tmp_path / "scan.png"
    sheet = np.full((3000, 2000, 3), 255, np.uint8)
    sheet[100:700, 200:1160] = (40, 90, 160)  # RGB: the ID card's front, top left of the A4 copy
    Image.fromarray(sheet).save(page)

    front = Image.open(io.BytesIO(document_preview(page, 1, [200, 100, 960, 600], settings)))
    whole = Image.open(io.BytesIO(document_preview(page, 1, None, settings)))

    assert front.size == (960, 600)
    assert front.getpixel((480, 300)) == pytest.approx((40, 90, 160), abs=6)  # colours kept
    assert whole.size == (800, 1200)
    with pytest.raises(ImageError, match="has no page 2"):
        document_preview(page, 2, None, settings)


def test_crops_stay_in_their_folder_whatever_the_id_and_a_round_never_overwrites_one(
    settings: Settings
) -> None:
    """The application id is the dealer's text; each round of tasks writes a folder of its own
    (a later round may show a crop an earlier round wrote: its own numbering must not replace it)."""
    images = DocumentImages(images={"card.jpg#1": np.full((638, 1012, 3), 200, np.uint8)})
    application = make_application("../../outside")
    with use_settings(settings):
        rounds = [prepare_microtasks.fn([spec(MicroTaskKind.CONFIRM_FIELD)], application, [CARD],
                                        images) for _ in range(2)]
    first, second = (tasks[0].payload["candidates"][0]["crop"] for tasks in rounds)
    root = settings.crops_dir.resolve()
    assert first != second
    for crop in (first, second):
        assert (root / crop).resolve().is_relative_to(root) and (root / crop).is_file()
        assert crop.startswith(f"{application_slug('../../outside')}/")
    assert not (settings.crops_dir.parent.parent / "outside").exists()


def test_a_document_preview_of_a_pdf_is_its_own_page(tmp_path, settings: Settings) -> None:
    scan = tmp_path / "scan.pdf"
    first, second = (Image.new("RGB", (620, 877), colour) for colour in ((250, 250, 250),
                                                                         (30, 120, 60)))
    first.save(scan, save_all=True, append_images=[second], resolution=72)

    page_two = Image.open(io.BytesIO(document_preview(scan, 2, None, settings)))

    assert page_two.getpixel((page_two.width // 2, page_two.height // 2)) == pytest.approx(
        (30, 120, 60), abs=8)
    with pytest.raises(ImageError, match="has no page 3"):
        document_preview(scan, 3, None, settings)
