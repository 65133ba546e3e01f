"""The same photo under another applicant, a selfie shot of the ID card, an invoice whose QR code
disagrees with its print: each a finding on planted data and none on clean data (SQLite and
PostgreSQL); the photos are drawn here, the faces found by the real face engine."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from autopass.devtools.samples import fraud
from autopass.devtools.samples.cards import render_id_front
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier
from autopass.devtools.samples.papers import render_selfie
from autopass.devtools.samples.templates.invoices import render_digital
from autopass.dossier import Decision, DocumentResult, FieldValue
from autopass.engines.registry import get_face_engine
from autopass.risk import Tamper
from autopass.risk.image_reuse import PageFingerprint, fingerprint, recapture_distance
from autopass.risk.invoice_qr import TAMPER, qr_mismatches, read_invoice_qr
from autopass.settings import Settings
from autopass.standards import PhotoChecks
from autopass.store import PhotoFingerprint, RiskFinding, session_scope
from tests.risk.helpers import application, record


def desk_photo(seed: int) -> np.ndarray:
    """A photo of its own: a lit desk with a few papers on it, where each seed puts them."""
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.linspace(0, 1, 900), np.linspace(0, 1, 1200))
    light = 90 + 120 * (rng.uniform() * x + rng.uniform() * y) / 2
    image = np.dstack([light * rng.uniform(0.7, 1.0) for _ in range(3)]).astype(np.uint8)
    for _ in range(6):
        left, top = int(rng.integers(0, 700)), int(rng.integers(0, 1000))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(image, (left, top), (left + int(rng.integers(60, 300)),
                                           top + int(rng.integers(60, 300))), colour, -1)
    return image


def sent_again(image: np.ndarray, turn: int) -> np.ndarray:
    """The photo sent for another applicant: cropped a little, turned, JPEG'd again."""
    photo = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    photo = photo.crop((20, 30, photo.width - 25, photo.height - 20)).rotate(90 * turn, expand=True)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=65)
    data = buffer.getvalue()
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def page(image: np.ndarray, kind: str = "invoice_photo", content: str = "") -> PageFingerprint:
    return PageFingerprint("invoice.jpg", 1, kind, fingerprint(image), content)


@pytest.mark.parametrize("turn", [0, 1, 2, 3])
def test_the_same_photo_under_another_applicant_is_a_finding(web_store: Settings, turn: int) -> None:
    photo = desk_photo(1)
    record(web_store, application(1), fingerprints=[page(photo)])
    record(web_store, application(2), fingerprints=[page(desk_photo(2))])  # another photo
    _, result, _ = record(web_store, application(3), fingerprints=[page(sent_again(photo, turn))])

    with session_scope(web_store) as session:
        [finding] = session.scalars(sa.select(RiskFinding)).all()
        stored = session.scalar(sa.select(sa.func.count()).select_from(PhotoFingerprint))
        assert finding.kinds == ["invoice_photo"]
        assert finding.members == [application(3).application_id, application(1).application_id]
        assert finding.links[0]["value"] == "同一张照片 same photo"
    assert stored == 3 and result.decision is Decision.REVIEW


def test_different_photos_and_the_same_applicant_again_are_no_finding(web_store: Settings) -> None:
    photo = desk_photo(5)
    results = [record(web_store, application(n), fingerprints=[page(desk_photo(10 + n))])[1]
               for n in range(1, 5)]
    record(web_store, application(5), fingerprints=[page(photo)])
    again = application(6, id_number="370202198803120005", name="申请人5")
    results.append(record(web_store, again, fingerprints=[page(sent_again(photo, 1))])[1])
    # The same photo of another kind of document is not compared (an invoice is no selfie).
    results.append(record(web_store, application(7),
                          fingerprints=[page(sent_again(photo, 0), "selfie_photo")])[1])

    with session_scope(web_store) as session:
        assert session.scalars(sa.select(RiskFinding)).all() == []
    assert {result.decision for result in results} == {Decision.AUTO_PASS}


def test_a_document_page_is_the_same_photo_only_with_the_same_number(web_store: Settings) -> None:
    """Two flat scans of one form are as close as one photo sent twice: the number read on them
    tells them apart (an unread number leaves the photo to decide)."""
    scan = desk_photo(9)
    record(web_store, application(1), fingerprints=[page(scan, content="00001111")])
    other = record(web_store, application(2), fingerprints=[page(scan, content="00002222")])[1]
    again = record(web_store, application(3), fingerprints=[page(sent_again(scan, 2), content="00001111")])[1]
    unread = record(web_store, application(4), fingerprints=[page(sent_again(scan, 0))])[1]

    with session_scope(web_store) as session:
        members = [finding.members for finding in session.scalars(
            sa.select(RiskFinding).order_by(RiskFinding.id))]
    assert other.decision is Decision.AUTO_PASS
    assert (again.decision, unread.decision) == (Decision.REVIEW, Decision.REVIEW)
    assert members[0] == [application(3).application_id, application(1).application_id]
    assert members[1][0] == application(4).application_id


def test_a_tamper_finding_holds_the_dossier_for_a_senior(web_store: Settings) -> None:
    tamper = Tamper(TAMPER, "invoice.jpg: QR code disagrees with the printed price_total")
    _, result, screening = record(web_store, application(1), tampering=[tamper])

    with session_scope(web_store) as session:
        [finding] = session.scalars(sa.select(RiskFinding)).all()
        assert finding.kinds == [TAMPER] and finding.members == [application(1).application_id]
    assert result.decision is Decision.REVIEW and TAMPER in screening.check.detail
    assert [task.kind.value for task in result.microtasks] == ["investigate_link"]


# --- what the pipeline sees on drawn documents ---------------------------------------------------

@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return plan_dossier(dossier_rng(28, 1), load_face_source(None), 0.0)


def _bgr(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def test_a_selfie_shot_of_the_id_card_is_told_from_a_selfie(plan) -> None:  # type: ignore[no-untyped-def]
    """Drawn with the built-in face set, whose one photo is both the portrait and the selfie (the
    selfie mirrored, as a front camera takes it): only the card's portrait shot again is close."""
    engine = get_face_engine(Settings())
    card, _ = render_id_front(plan.facts, random.Random(1))
    card_image = _bgr(Image.alpha_composite(Image.new("RGBA", card.size, (200, 200, 196, 255)),
                                            card.convert("RGBA")))
    ring = fraud.Ring("R0001", "selfie_recapture", (1,), 28)
    selfie, _ = render_selfie(plan.facts, random.Random(2))
    shot = fraud.card_portrait_shot(card, selfie.size, ring)

    def face_box(image: np.ndarray) -> tuple[int, int, int, int]:
        return engine.embed(image)[0].box

    portrait_box = face_box(card_image)
    recaptured = recapture_distance(card_image, portrait_box, _bgr(shot), face_box(_bgr(shot)))
    genuine = recapture_distance(card_image, portrait_box, _bgr(selfie), face_box(_bgr(selfie)))
    within = PhotoChecks().recapture_within
    assert plan.facts.selfie_mirrored
    assert recaptured <= within < genuine, (recaptured, genuine)


def test_an_invoice_s_qr_code_is_read_and_compared_with_its_print(plan) -> None:  # type: ignore[no-untyped-def]
    facts = replace(plan.facts, product="new_car_loan")
    honest, fields = render_digital(facts, random.Random(3))
    raised = replace(facts, vehicle=replace(facts.vehicle, price=facts.vehicle.price + 20000),
                     invoice_qr_amount=facts.vehicle.price)
    forged, forged_fields = render_digital(raised, random.Random(3))

    def read(values: dict[str, object]) -> DocumentResult:
        return DocumentResult(file="invoice.jpg", type="vehicle_invoice", confidence=0.99,
                              fields={name: FieldValue(value=value, confidence=0.99)
                                      for name, value in values.items()})

    qr = read_invoice_qr(_bgr(honest))
    assert qr is not None and qr.invoice_number == fields["invoice_number"]
    assert qr_mismatches(qr, read(fields), min_confidence=0.9) == []
    forged_qr = read_invoice_qr(_bgr(forged))
    assert forged_qr is not None
    assert qr_mismatches(forged_qr, read(forged_fields), min_confidence=0.9) == ["price_total"]
    # A printed total read unsure is a doubt for a person, not a forgery.
    unsure = read(forged_fields)
    unsure.fields["price_total"] = FieldValue(value=forged_fields["price_total"], confidence=0.5)
    assert qr_mismatches(forged_qr, unsure, min_confidence=0.9) == []
    assert read_invoice_qr(_bgr(Image.new("RGB", (400, 300), "white"))) is None
