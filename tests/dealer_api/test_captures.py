"""``POST /api/v1/captures/check``: a photo checked on the spot, read by the real engines."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from PIL import Image

from autopass.devtools.samples import cards
from autopass.devtools.samples.capture import Difficulty, photograph
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import plan_dossier
from autopass.settings import Settings
from tests.dealer_api.conftest import DealerApi, png, start_dealer_api

CHECK = "/api/v1/captures/check"


@pytest.fixture(scope="module")
def id_front_photo(faces_dev_dir) -> tuple[bytes, dict[str, str]]:  # type: ignore[no-untyped-def]
    """A phone photo of an ID card's portrait side (normal difficulty) and what it prints."""
    rng = random.Random(5)
    plan = plan_dossier(rng, load_face_source(faces_dev_dir), 0.0)
    card, fields = cards.render_id_front(plan.facts, rng)
    photo = photograph(card, rng, Difficulty.EASY).convert("RGB")
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92)
    return out.getvalue(), {name: str(value) for name, value in fields.items()}


@pytest.fixture
def api(settings: Settings) -> Iterator[DealerApi]:
    """The dealer API on a SQLite store (the check stores nothing: one dialect is enough)."""
    from autopass.store import upgrade

    upgrade(settings)
    yield from start_dealer_api(settings.model_copy(update={"secret_key": "k" * 40}))


def _body(photo: bytes, **fields: object) -> dict[str, object]:
    return {"photo": base64.b64encode(photo).decode(), **fields}


def test_a_clear_photo_passes_with_its_fields_read_and_agreeing(api, id_front_photo) -> None:
    photo, printed = id_front_photo
    with api.client() as client:
        answer = client.post(CHECK, json=_body(photo, expected_type="id_card_front", stated={
            "name": printed["name"], "id_number": printed["id_number"]}))
    assert answer.status_code == 200, answer.text
    verdict = answer.json()
    assert verdict["ok"] is True, verdict["problems"]
    [document] = verdict["documents"]
    assert document["type"] == "id_card_front"
    assert document["fields"]["id_number"] == {
        "value": printed["id_number"], "confidence": pytest.approx(
            document["fields"]["id_number"]["confidence"]), "trusted": True, "agrees": True}
    assert document["fields"]["name"]["agrees"] is True
    assert document["legibility"]["text_height_px"] >= 24


def test_another_stated_value_or_type_is_a_problem(api, id_front_photo) -> None:
    photo, printed = id_front_photo
    other = printed["id_number"][:-2] + ("00" if printed["id_number"][-2:] != "00" else "11")
    with api.client() as client:
        verdict = client.post(CHECK, json=_body(photo, expected_type="bank_card",
                                                stated={"id_number": other})).json()
    assert verdict["ok"] is False
    assert "id_card_front.id_number: differs from the stated value" in verdict["problems"]
    assert "expected a bank_card, found id_card_front" in verdict["problems"]


def test_a_photo_too_small_and_blurred_to_read_is_sent_back_with_hints(api, id_front_photo) -> None:
    photo, _ = id_front_photo
    image = cv2.imdecode(np.frombuffer(photo, np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(image, None, fx=0.22, fy=0.22, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (5, 5), 2.0)
    with api.client() as client:
        verdict = client.post(CHECK, json=_body(cv2.imencode(".jpg", blurred)[1].tobytes(),
                                                expected_type="id_card_front")).json()
    assert verdict["ok"] is False
    assert verdict["problems"]
    assert verdict["hints"], verdict  # says what to change, not only that it failed


@pytest.mark.parametrize(("body", "status", "detail"), [
    ({"photo": "not base64!"}, 422, "photo: not base64"),
    ({"photo": ""}, 422, "photo: file is empty (0 bytes)"),
    ({"photo": base64.b64encode(b"%PDF-1.4 a pdf").decode()}, 422, "photo: not a JPEG or PNG"),
    ({"photo": base64.b64encode(png()).decode(), "product": "no_such_loan"}, 422, "product: "),
    ({"photo": base64.b64encode(png()).decode(), "expected_type": "passport"}, 422, None),
])
def test_bad_input_is_a_clear_4xx(api, body, status, detail) -> None:
    with api.client() as client:
        answer = client.post(CHECK, json=body)
    assert answer.status_code == status, answer.text
    if detail is not None:
        assert answer.json()["detail"].startswith(detail)


def test_a_photo_above_the_file_limit_is_refused(settings: Settings) -> None:
    from autopass.store import upgrade

    upgrade(settings)
    small = settings.model_copy(update={"secret_key": "k" * 40, "max_file_bytes": 2000})
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (120, 120, 3), np.uint8))
    out = io.BytesIO()
    noise.save(out, "PNG")
    for api in start_dealer_api(small):
        with api.client() as client:
            answer = client.post(CHECK, json=_body(out.getvalue()))
        assert answer.status_code == 413


def test_without_a_key_nothing_is_read(api) -> None:
    import httpx

    answer = httpx.post(api.url + CHECK, json=_body(png()))
    assert answer.status_code == 401


def test_the_values_a_photo_must_show_come_from_the_standards_rules(settings: Settings) -> None:
    """fields_agree and equals_application say which application value a document's field
    must equal; a rule that only relates them (the loan-to-value limit) says nothing."""
    from autopass.capture_check import stated_paths, stated_values
    from autopass.documents import DocumentType
    from autopass.standards import load_standard
    from tests.factories import APPLICATION

    standard = load_standard("new_car_loan", settings)
    paths = stated_paths(standard)
    assert paths[DocumentType.BANK_CARD] == {"card_number": "loan.bank_card"}
    assert paths[DocumentType.VEHICLE_INVOICE] == {
        "buyer_name": "applicant.name", "buyer_id_number": "applicant.id_number",
        "vin": "vehicle.vin"}  # price_total is only held against the loan (ltv_limit)
    assert DocumentType.ID_CARD_BACK not in paths
    assert stated_values(standard, APPLICATION, DocumentType.LOAN_CONTRACT) == {
        "borrower_name": APPLICATION["applicant"]["name"],
        "id_number": APPLICATION["applicant"]["id_number"],
        "loan_amount": str(APPLICATION["loan"]["amount"])}


class CountingDetections:
    """The OCR engine, counting its text detections (each one a pass over an image)."""

    def __init__(self, ocr: object) -> None:
        self.ocr, self.detections = ocr, 0

    def detect(self, image: np.ndarray) -> list:
        self.detections += 1
        return self.ocr.detect(image)  # type: ignore[attr-defined]

    def recognize(self, crops: list[np.ndarray], *, straightened: bool = True) -> list:
        return self.ocr.recognize(crops, straightened=straightened)  # type: ignore[attr-defined]

    def read(self, image: np.ndarray, *, straightened: bool = False) -> list:
        return self.ocr.read(image, straightened=straightened)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def old_licence_photo() -> tuple[np.ndarray, dict[str, str]]:
    """A phone photo of the 2008 driving licence with its validity term painted over: its end
    date is read neither on the card's outline nor on the whole photo."""
    from PIL import ImageDraw

    from autopass.devtools.samples.templates import get_template

    rng = random.Random(0)
    plan = plan_dossier(rng, load_face_source(None), 0.0)
    card, fields = get_template("driving_licence_2008").render(plan.facts, rng)
    ImageDraw.Draw(card).rectangle((232, 572, 1000, 636), fill=(248, 232, 236))  # 有效期限's value
    photo = photograph(card, rng, Difficulty.EASY).convert("RGB")
    return cv2.cvtColor(np.asarray(photo), cv2.COLOR_RGB2BGR), {
        name: str(fields[name]) for name in ("name", "id_number")}


@pytest.mark.parametrize("as_stated", [True, False])
def test_a_card_read_surely_as_stated_on_its_outline_is_not_read_again_whole(
    settings: Settings, old_licence_photo: tuple[np.ndarray, dict[str, str]], as_stated: bool
) -> None:
    """The pipeline reads the whole photo again for the unread end date; the check, which does
    not judge it, stops at the outline's reading when that one already passes, with the same
    fields. A reading that does not pass is read again as the pipeline reads it."""
    from autopass.capture_check import check_capture
    from autopass.documents import DocumentType
    from autopass.engines.registry import get_ocr_engine
    from autopass.reading import analyse_page
    from autopass.standards import load_document_specs, load_standard

    image, printed = old_licence_photo
    stated = printed if as_stated else {**printed, "name": "王小明"}
    specs, ocr = load_document_specs(settings), get_ocr_engine(settings)
    checking, reading = CountingDetections(ocr), CountingDetections(ocr)

    # The product also judges the licence's validity, whose end this photo does not show in
    # print a reader finds; the shortcut is about the fields compared with stated values.
    standard = load_standard("new_car_loan", settings)
    standard = standard.model_copy(update={"rules": [
        rule for rule in standard.rules if rule.id != "driving_licence_valid_at_submission"]})
    verdict = check_capture(image, standard=standard, specs=specs, ocr=checking, stated=stated,
                            expected_type=DocumentType.DRIVING_LICENCE)
    [read] = analyse_page(image, ocr=reading, specs=specs,
                          expected=DocumentType.DRIVING_LICENCE)

    [checked] = verdict.documents
    assert read.fields["valid_to"].value is None
    assert {name: (field.value, field.confidence) for name, field in checked.fields.items()} == {
        name: (read.fields[name].value, round(read.fields[name].confidence, 4))
        for name in ("name", "id_number")}
    if as_stated:
        assert verdict.ok and checking.detections < reading.detections
    else:
        assert verdict.problems == ["driving_licence.name: differs from the stated value"]
        assert checking.detections == reading.detections
