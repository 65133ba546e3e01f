"""Composes sample dossiers (CONTRACT §1) with their ground truth (CONTRACT §4).

One seed and one index give one dossier, byte for byte: every random choice comes from a
``random.Random`` seeded with both, in a fixed order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
from functools import lru_cache
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import cv2
from PIL import Image

from autopass.banks import bank_for_card
from autopass.documents import DocumentType
from autopass.devtools.samples import capture, draw, people
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples import calls as voice_calls
from autopass.devtools.samples import fraud
from autopass.devtools.samples.faces import FaceSource, load_face_source
from autopass.devtools.samples.facts import UNSIGNED_MARKS, DocumentFields, Facts
from autopass.devtools.samples.fonts import find_cjk_font
from autopass.devtools.samples.templates import (
    Template,
    TemplateGroup,
    TemplateSelection,
    choose_template,
    get_template,
)
from autopass.settings import get_settings
from autopass.standards import load_standard

CARD_TYPES = {
    DocumentType.ID_CARD_FRONT,
    DocumentType.ID_CARD_BACK,
    DocumentType.DRIVING_LICENCE,
    DocumentType.BANK_CARD,
}
PAPER_TYPES = {
    DocumentType.VEHICLE_INVOICE,
    DocumentType.VEHICLE_REGISTRATION,
    DocumentType.LOAN_CONTRACT,
}

COMMON_DOCUMENTS = (
    DocumentType.ID_CARD_FRONT,
    DocumentType.ID_CARD_BACK,
    DocumentType.DRIVING_LICENCE,
    DocumentType.BANK_CARD,
    DocumentType.LOAN_CONTRACT,
    DocumentType.SELFIE,
)
PRODUCT_DOCUMENTS = {
    "new_car_loan": (*COMMON_DOCUMENTS, DocumentType.VEHICLE_INVOICE),
    "used_car_loan": (*COMMON_DOCUMENTS, DocumentType.VEHICLE_REGISTRATION),
}
PHOTOCOPY_RATE = 0.15
USED_CAR_RATE = 0.25
PDF_RATE = 0.3
STALE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".json", ".flac", ".wav"}

DEFECT_KINDS = (
    "selfie_other_person",
    "application_id_number_differs",
    "invoice_name_mismatch",
    "invoice_vin_mismatch",
    "loan_above_ltv_limit",
    "id_card_expired",
    "missing_required_document",
    "bank_card_number_mismatch",
    "bank_card_luhn_invalid",
    "contract_unsigned",
    "application_id_number_bad_checksum",
)
INVOICE_DEFECTS = {"invoice_name_mismatch", "invoice_vin_mismatch"}

_DEALERS = (
    ("D-QD-017", "青岛盛世骏通汽车销售服务有限公司"),
    ("D-JN-004", "济南万通汽车销售有限公司"),
    ("D-BJ-112", "北京博瑞祥驰汽车销售服务有限公司"),
    ("D-SH-031", "上海永达汽车浦东销售服务有限公司"),
    ("D-GZ-208", "广州广物汽车贸易有限公司"),
    ("D-HZ-056", "杭州元通汽车销售服务有限公司"),
    ("D-CD-077", "成都建国汽车贸易有限公司"),
)
_LENDERS = (
    "中国工商银行股份有限公司青岛市南第二支行",
    "招商银行股份有限公司青岛分行",
    "中国建设银行股份有限公司济南历下支行",
    "兴业银行股份有限公司杭州分行",
)


@dataclass(frozen=True)
class Defect:
    kind: str
    detail: str


@dataclass
class Plan:
    """The dossier before it is drawn: facts, documents and what the dealer keyed in."""

    facts: Facts
    documents: list[DocumentType]
    application: dict[str, Any]
    defects: list[Defect] = field(default_factory=list)
    photocopy: bool = False
    face_identity: str = ""  # whose photos show the applicant (the face set's identity)
    template_group: TemplateGroup = TemplateGroup.TUNING
    """Which group of templates (``autopass.devtools.samples.templates``) every document is drawn from."""
    pinned_templates: dict[DocumentType, str] = field(default_factory=dict)
    """Template names that draw these types whatever the choice (a test that needs one layout)."""
    fraud: fraud.Role | None = None
    """The dossier's part in a planted ring (``autopass.devtools.samples.fraud``)."""
    fraud_truth: dict[str, Any] | None = None
    call_truth: dict[str, Any] | None = None
    """Who answers the dossier's verification call, and its voice ring (``voice_calls``)."""


def _submitted_at(rng: random.Random) -> datetime:
    day = date(2026, 1, 5) + timedelta(days=rng.randint(0, 340))
    return datetime(
        day.year,
        day.month,
        day.day,
        rng.randint(9, 17),
        rng.randint(0, 59),
        tzinfo=timezone(timedelta(hours=8)),
    )


def _choose_defect(rng: random.Random, defect_rate: float) -> str | None:
    return rng.choice(DEFECT_KINDS) if rng.random() < defect_rate else None


def plan_dossier(
    rng: random.Random,
    faces: FaceSource,
    defect_rate: float,
    *,
    defect: str | None = None,
    templates: TemplateSelection = TemplateSelection.ALL,
    role: fraud.Role | None = None,
    ring_identity: str | None = None,
    avoid: frozenset[str] = frozenset(),
) -> Plan:
    """Decides every value of one dossier, then applies at most one defect (``defect`` forces one),
    then which group of templates draws it (one of ``templates``' groups).

    A ring member (``role``) has no defect: it shows the ring's face (``ring_identity``), phone and
    card, or car; the other dossiers show none of the faces in ``avoid`` (the rings')."""
    kind = _choose_defect(rng, defect_rate)
    if defect is not None:
        if defect not in DEFECT_KINDS:
            raise ValueError(f"unknown defect kind {defect!r}; known: {', '.join(DEFECT_KINDS)}")
        kind = defect
    ring = role.ring if role is not None else None
    if ring is not None:
        kind = None
    product = (
        "new_car_loan"
        if kind in INVOICE_DEFECTS or (ring is not None and ring.kind in fraud.NEW_CAR_KINDS)
        or rng.random() >= USED_CAR_RATE
        else "used_car_loan"
    )
    submitted = _submitted_at(rng)
    identity, portrait, selfie = faces.choose(rng)
    if role is not None and ring is not None and ring.kind == "face" and ring_identity:
        photos = faces.by_identity[ring_identity]
        chooser = ring.rng(f"photos:{role.position}")
        portrait = chooser.choice(photos)
        selfie = chooser.choice([p for p in photos if p != portrait] or photos)
        identity = ring_identity
    elif identity in avoid:
        others = [i for i in faces.applicant_identities() if i not in avoid]
        if others:
            identity = rng.choice(others)
            photos = faces.by_identity[identity]
            portrait = rng.choice(photos)
            selfie = rng.choice([p for p in photos if p != portrait] or photos)
    person = people.make_person(
        rng, submitted.date(), id_expired=kind == "id_card_expired", sex=faces.sex_of[identity]
    )
    vehicle = people.make_vehicle(rng, person.region, used=product == "used_car_loan")
    card_number = people.make_card_number(rng)
    if ring is not None and ring.kind in fraud.SHARED_VEHICLE_KINDS:
        shared = ring.rng("vehicle")
        vehicle = people.make_vehicle(shared, shared.choice(people.REGIONS), used=False)
    if ring is not None and ring.kind == "phone_and_card":
        shared = ring.rng("phone_and_card")
        person = replace(person, phone="1" + shared.choice("3578")
                         + "".join(shared.choice("0123456789") for _ in range(9)))
        card_number = people.make_card_number(shared)
    limit = max_loan_to_value(product)
    ratio = (
        rng.uniform(limit + 0.05, 0.98)
        if kind == "loan_above_ltv_limit"
        else rng.uniform(0.3, limit - 0.01)
    )
    loan_amount = (
        float(int(vehicle.price * ratio / 1000) * 1000)
        if kind != "loan_above_ltv_limit"
        else float(-(-int(vehicle.price * ratio) // 1000) * 1000)
    )
    dealer_id, dealer_name = rng.choice(_DEALERS)
    invoice_date = submitted.date() - timedelta(days=rng.randint(0, 6))
    facts = Facts(
        application_id=f"A{submitted:%Y%m%d}{rng.randint(0, 999999):06d}",
        product=product,
        dealer_id=dealer_id,
        dealer_name=dealer_name,
        salesperson_id=f"S-{rng.randint(1, 999):04d}",
        submitted_at=submitted,
        person=person,
        vehicle=vehicle,
        card_number=card_number,
        bank_name=bank_for_card(card_number) or "",
        card_expiry=f"{rng.randint(1, 12):02d}/{rng.randint(28, 36)}",
        loan_amount=loan_amount,
        term_months=rng.choice((12, 24, 36, 36, 48, 60)),
        lender=rng.choice(_LENDERS),
        contract_number=f"GRQC{submitted:%Y%m%d}{rng.randint(1000, 9999)}",
        signed=True,
        invoice_code=f"1{person.region.code[:4]}{submitted:%y}{rng.randint(10000, 99999)}",
        invoice_number=f"{rng.randint(0, 99999999):08d}",
        invoice_date=invoice_date,
        invoice_buyer_name=person.name,
        invoice_vin=vehicle.vin,
        registration_number=f"{person.region.code[:2]}{rng.randint(10**9, 10**10 - 1)}",
        registration_date=submitted.date() - timedelta(days=rng.randint(400, 3000)),
        portrait_photo=portrait,
        selfie_photo=selfie,
        selfie_mirrored=selfie == portrait,
    )
    if ring is not None and ring.kind == "invoice_qr_mismatch":
        raised = float(round(vehicle.price * ring.rng("raised").uniform(1.08, 1.3), -2))
        facts = replace(facts, vehicle=replace(vehicle, price=raised),
                        invoice_qr_amount=vehicle.price)
    plan = Plan(
        facts=facts, documents=list(PRODUCT_DOCUMENTS[product]), application=_application(facts),
        face_identity=identity, fraud=role,
    )
    if ring is not None and ring.kind == "invoice_qr_mismatch":
        plan.pinned_templates[DocumentType.VEHICLE_INVOICE] = "invoice_digital"  # has the QR
    plan.photocopy = rng.random() < PHOTOCOPY_RATE
    if kind:
        plan.defects.append(_apply_defect(kind, plan, rng, faces, identity))
    plan.template_group = _choice_rng(plan.facts, "group").choice(TemplateSelection(templates).groups())
    return plan


def _choice_rng(facts: Facts, what: str) -> random.Random:
    """The random source of the template choices: its own, so that the dossier's stream (and so
    every document drawn with the same template) is the same whatever the choices."""
    return random.Random(f"templates:{facts.application_id}:{what}")


def _application(facts: Facts) -> dict[str, Any]:
    """application.json as a dealer system keys it in: equal to the documents when clean."""
    return {
        "application_id": facts.application_id,
        "product": facts.product,
        "dealer_id": facts.dealer_id,
        "salesperson_id": facts.salesperson_id,
        "submitted_at": facts.submitted_at.isoformat(),
        "applicant": {
            "name": facts.person.name,
            "id_number": facts.person.id_number,
            "phone": facts.person.phone,
        },
        "vehicle": {
            "vin": facts.vehicle.vin,
            "price": facts.vehicle.price,
            "model": facts.vehicle.model,
        },
        "loan": {
            "amount": facts.loan_amount,
            "term_months": facts.term_months,
            "bank_card": facts.card_number,
        },
    }


def _apply_defect(
    kind: str, plan: Plan, rng: random.Random, faces: FaceSource, identity: str
) -> Defect:
    """Changes the plan so that exactly one thing is wrong, and says what."""
    facts, app = plan.facts, plan.application
    if kind == "selfie_other_person":
        other, photo = faces.choose_other(rng, identity)
        plan.facts = replace(facts, selfie_photo=photo, selfie_mirrored=False)
        return Defect(kind, f"the selfie shows {other}, the ID portrait {identity}")
    if kind == "application_id_number_differs":
        app["applicant"]["id_number"] = people.make_other_id_number(rng, facts.person)
        return Defect(
            kind, f"application ID number {app['applicant']['id_number']} is not the card's"
        )
    if kind == "application_id_number_bad_checksum":
        app["applicant"]["id_number"] = people.with_bad_check_digit(facts.person.id_number)
        return Defect(
            kind, f"application ID number {app['applicant']['id_number']} has a wrong check digit"
        )
    if kind == "invoice_name_mismatch":
        name = facts.person.name
        while name == facts.person.name:
            name = people.make_name(rng, facts.person.sex)
        plan.facts = replace(facts, invoice_buyer_name=name)
        return Defect(kind, f"the invoice's buyer is {name}, the applicant {facts.person.name}")
    if kind == "invoice_vin_mismatch":
        vin = people.make_other_vin(rng, facts.vehicle.vin)
        plan.facts = replace(facts, invoice_vin=vin)
        return Defect(kind, f"the invoice's VIN is {vin}, the application's {facts.vehicle.vin}")
    if kind == "loan_above_ltv_limit":
        ratio = facts.loan_amount / facts.vehicle.price
        return Defect(
            kind,
            f"loan {facts.loan_amount:.0f} is {ratio:.0%} of the price {facts.vehicle.price:.0f} (limit {max_loan_to_value(facts.product):.0%})",
        )
    if kind == "id_card_expired":
        return Defect(kind, f"the ID card expired on {facts.person.id_valid_to}")
    if kind == "missing_required_document":
        missing = rng.choice(plan.documents)
        plan.documents.remove(missing)
        return Defect(kind, f"no {missing.value} in the dossier")
    if kind == "bank_card_number_mismatch":
        app["loan"]["bank_card"] = people.make_other_card_number(rng, facts.card_number)
        return Defect(
            kind, f"application card {app['loan']['bank_card']} is not the photographed card"
        )
    if kind == "bank_card_luhn_invalid":
        app["loan"]["bank_card"] = people.with_bad_luhn(facts.card_number)
        return Defect(kind, f"application card {app['loan']['bank_card']} fails the Luhn check")
    if kind == "contract_unsigned":
        marks = random.Random(f"unsigned:{facts.application_id}").choice(UNSIGNED_MARKS)
        plan.facts = replace(facts, signed=False, unsigned_marks=marks)
        shown = {"none": "", "fingerprint": " (a fingerprint in the box)",
                 "stray_mark": " (a pen mark elsewhere on the page)"}[marks]
        return Defect(kind, f"the borrower's signature line is empty{shown}")
    raise ValueError(f"unknown defect kind {kind!r}; known: {', '.join(DEFECT_KINDS)}")


# --- files ---------------------------------------------------------------------------------------
def _file_stem(rng: random.Random, submitted: datetime, taken: set[str]) -> str:
    """A name like the ones dealers' phones and chat apps give; unique in the dossier."""
    while True:
        pattern = rng.randrange(5)
        stamp = submitted + timedelta(seconds=rng.randint(-3600, 600))
        if pattern == 0:
            stem = f"IMG_{rng.randint(1000, 9999)}"
        elif pattern == 1:
            stem = f"mmexport{int(stamp.timestamp() * 1000) + rng.randint(0, 999)}"
        elif pattern == 2:
            stem = f"微信图片_{stamp:%Y%m%d%H%M%S}"
        elif pattern == 3:
            stem = f"IMG_{stamp:%Y%m%d_%H%M%S}"
        else:
            stem = f"scan_{rng.randint(1, 99):02d}"
        if stem not in taken:
            taken.add(stem)
            return stem


def _capture(
    kind: str, image: Image.Image, rng: random.Random, difficulty: Difficulty
) -> tuple[Image.Image, str, float]:
    """Photographs or scans one document; returns the image, the file suffix and the scale
    (captured pixels per drawn pixel)."""
    if kind == "selfie":
        photo, scale = capture.snapshot_scaled(image, rng, difficulty)
        return photo, ".jpg", scale
    if kind in {t.value for t in PAPER_TYPES} and rng.random() < 0.45:
        suffix = ".pdf" if rng.random() < PDF_RATE / 0.45 else rng.choice((".png", ".jpg"))
        scanned, scale = capture.scan_scaled(image, rng, difficulty)
        return scanned, suffix, scale
    photo, scale = capture.photograph_scaled(image, rng, difficulty)
    return photo, rng.choice((".jpg",) * 6 + (".jpeg", ".png")), scale


KEY_TEXT_FIELDS = ("name", "id_number", "borrower_name", "buyer_name", "buyer_id_number",
                   "owner_name", "vin", "card_number", "price_total")
"""The key fields whose printed height decides whether a capture is legible (issue 26 item 8):
names, ID numbers, VIN, card number, invoice total."""


def _render(drawn: Template, facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields, int | None]:
    """The template's drawing, its truth fields, and the size in pixels (as drawn) of the
    smallest text that prints a key field's value; None when it prints none (a selfie)."""
    with draw.recording() as printed:
        image, doc_fields = drawn.render(facts, rng)
    keys = [f"{value:.2f}" if isinstance(value, float) else str(value)
            for name, value in doc_fields.items() if name in KEY_TEXT_FIELDS and value not in ("", None)]
    sizes = [size for shown, size in printed if any(key in shown.replace(" ", "") for key in keys)]
    return image, doc_fields, min(sizes) if sizes else None


def _on_capture(size: int | None, scale: float) -> int | None:
    return None if size is None else round(size * scale)


def write_dossier(
    folder: Path, plan: Plan, rng: random.Random, difficulty: Difficulty
) -> dict[str, Any]:
    """Draws, captures and writes every document of ``plan`` into ``folder``; returns the truth."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # an earlier run's files would contradict this truth.json
        if stale.is_file() and stale.suffix.lower() in STALE_SUFFIXES:
            stale.unlink()
    facts = plan.facts
    documents: dict[str, Any] = {}
    fields: dict[str, DocumentFields] = {}
    regions: dict[str, list[int]] = {}
    drawn_with: dict[str, str] = {}
    copied_with: dict[str, str] = {}
    text_px: dict[str, int | None] = {}
    taken: set[str] = set()
    pending = list(plan.documents)
    ring = plan.fraud.ring if plan.fraud is not None else None
    front_card: Image.Image | None = None  # what a selfie shot of the ID card shows
    id_sides = (DocumentType.ID_CARD_FRONT, DocumentType.ID_CARD_BACK)
    if plan.photocopy and all(side in pending for side in id_sides):
        front_template = choose_template(DocumentType.ID_CARD_FRONT, plan.template_group,
                                         _choice_rng(facts, "front"))
        back_template = choose_template(DocumentType.ID_CARD_BACK, plan.template_group,
                                        _choice_rng(facts, "back"))
        front, front_fields, front_px = _render(front_template, facts, rng)
        back, back_fields, back_px = _render(back_template, facts, rng)
        drawn_px = {DocumentType.ID_CARD_FRONT.value: front_px, DocumentType.ID_CARD_BACK.value: back_px}
        front_card = front
        layout = rng.choice(capture.copy_layouts(plan.template_group.value))
        for copied in capture.photocopy_a4(front, back, rng, layout):
            page, page_regions = copied.image, copied.regions
            scale = 1.0
            if difficulty == Difficulty.HARD:
                scale = 600 / max(page.size)
                page = page.resize(
                    (round(page.width * scale), round(page.height * scale)), Image.LANCZOS
                )
                page_regions = {k: [round(v * scale) for v in r] for k, r in page_regions.items()}
            name = _file_stem(rng, facts.submitted_at, taken) + rng.choice((".png", ".jpg", ".pdf"))
            (folder / name).write_bytes(capture.encode(page, Path(name).suffix, rng, difficulty))
            copied_with[name] = layout.name
            sides = [side for side in id_sides if side.value in page_regions]
            if len(sides) == 1:  # one side per sheet: an ordinary one-document file
                index = id_sides.index(sides[0])
                documents[name] = sides[0].value
                fields[name] = (front_fields, back_fields)[index]
                drawn_with[name] = (front_template, back_template)[index].name
                text_px[name] = _on_capture(drawn_px[sides[0].value],
                                            copied.scales[sides[0].value] * scale)
                continue
            documents[name] = [side.value for side in sides]
            for side, side_fields, side_template in zip(
                id_sides, (front_fields, back_fields), (front_template, back_template)
            ):
                fields[f"{name}#{side.value}"] = side_fields
                drawn_with[f"{name}#{side.value}"] = side_template.name
                regions[f"{name}#{side.value}"] = page_regions[side.value]
                text_px[f"{name}#{side.value}"] = _on_capture(drawn_px[side.value],
                                                              copied.scales[side.value] * scale)
        pending = [t for t in pending if t not in id_sides]
    for doc_type in pending:
        drawn: Template = (
            get_template(plan.pinned_templates[doc_type]) if doc_type in plan.pinned_templates
            else choose_template(doc_type, plan.template_group, _choice_rng(facts, doc_type.value))
        )
        image, doc_fields, drawn_px = _render(drawn, facts, rng)
        if doc_type is DocumentType.ID_CARD_FRONT:
            front_card = image
        if (doc_type is DocumentType.SELFIE and ring is not None
                and ring.kind == "selfie_recapture" and front_card is not None):
            image = fraud.card_portrait_shot(front_card, image.size, ring)
        captured, suffix, scale = _capture(doc_type.value, image, rng, difficulty)
        if (doc_type is DocumentType.VEHICLE_INVOICE and ring is not None
                and ring.kind == "invoice_photo"):  # a photo, which another dossier sends again
            (captured, scale), suffix = capture.photograph_scaled(image, rng, difficulty), ".jpg"
        name = _file_stem(rng, facts.submitted_at, taken) + suffix
        (folder / name).write_bytes(capture.encode(captured, suffix, rng, difficulty))
        documents[name] = doc_type.value
        fields[name] = doc_fields
        drawn_with[name] = drawn.name
        text_px[name] = _on_capture(drawn_px, scale)
    truth: dict[str, Any] = {
        "documents": dict(sorted(documents.items())),
        "fields": dict(sorted(fields.items())),
        "defects": [d.kind for d in plan.defects],  # CONTRACT §4: defect kinds
        "defect_details": {d.kind: d.detail for d in plan.defects},  # what was changed, for people
        "expected_decision": "review_or_reject"
        if plan.defects or (plan.fraud is not None and plan.fraud.planted)
        or planted_voice(plan.call_truth) else "auto_pass",
        "product": facts.product,
        "difficulty": difficulty.value,
        # A face set smaller than the samples shows one person under several applicants, which
        # the cross-dossier face search rightly links (evaluate counts those holds apart).
        "face_identity": plan.face_identity,
        "template_group": plan.template_group.value,  # additive: tuned or held-out templates
        "templates": dict(sorted(drawn_with.items())),  # which template drew each document
        "copy_layouts": dict(sorted(copied_with.items())),  # A4 copies: the layout of each sheet
        # Additive (issue 26 item 8): per capture (file, or file#type on a sheet of several), the
        # height in pixels of its smallest key-field text as captured; null when it prints none.
        "key_text_px": dict(sorted(text_px.items())),
    }
    if regions:
        truth["regions"] = regions
    if plan.fraud_truth is not None:
        truth["fraud"] = plan.fraud_truth  # additive: the ring this dossier belongs to
    if plan.call_truth is not None:
        truth["call"] = plan.call_truth  # additive: who answers the call, the voice ring if any
    _write_json(folder / "application.json", plan.application)
    _write_json(folder / "truth.json", truth)
    return truth


def planted_voice(call: dict[str, Any] | None) -> bool:
    """A call answered by a ring's voice after its first application (must not pass)."""
    return bool(call and call.get("ring") and call["ring"]["planted"])


def call_stem(facts: Facts) -> str:
    """The call recorder's name for the dossier's verification call (names carry no meaning)."""
    return f"录音_{facts.submitted_at + timedelta(hours=2):%Y%m%d_%H%M%S}"


@dataclass(frozen=True)
class CallOptions:
    """Verification calls attached to the dossiers (``autopass samples --voices``)."""

    voices: Path
    rings: int = 0
    agent: bool = False
    channel: voice_calls.CallChannel = voice_calls.CallChannel.WIDEBAND

    def cast(self, seed: int, count: int, fraud_rate: float) -> voice_calls.CallCast:
        excluded = frozenset(fraud.plan_rings(seed, count, fraud_rate)) if fraud_rate else frozenset()
        return voice_calls.cast_calls(self.voices, seed, count, self.rings, agent=self.agent,
                                      channel=self.channel, excluded=excluded)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=None)
def max_loan_to_value(product: str) -> float:
    """The product standard's loan-to-value limit: samples are clean or defective by its rule."""
    return load_standard(product, get_settings()).rule("loan_within_ltv_limit").max_ltv  # type: ignore[union-attr]


def dossier_rng(seed: int, index: int) -> random.Random:
    """The random source of dossier ``index`` of run ``seed``: independent of the other dossiers."""
    return random.Random(f"autopass-samples:{seed}:{index}")


def generate_dossier(
    out: Path,
    index: int,
    seed: int,
    defect_rate: float,
    difficulty: Difficulty,
    faces_dir: Path | None,
    templates: TemplateSelection = TemplateSelection.ALL,
    fraud_rate: float = 0.0,
    count: int = 0,
    calls: CallOptions | None = None,
) -> Path:
    """Dossier ``index`` of run ``seed``, written into ``out``: the unit a worker process runs
    (``count`` dossiers in all, ``fraud_rate`` of them planted in rings; with ``calls``, its
    verification call)."""
    faces = load_face_source(faces_dir)
    roles = fraud.plan_rings(seed, count, fraud_rate) if fraud_rate else {}
    plan, rng = _planned(index, seed, defect_rate, faces, templates, roles)
    if plan.fraud is not None:
        members = [_planned(member, seed, defect_rate, faces, templates, roles)[0]
                   for member in plan.fraud.ring.indices]
        plan.fraud_truth = fraud.fraud_truth(
            plan.fraud, [member.facts.application_id for member in members])
    cast = calls.cast(seed, count, fraud_rate) if calls is not None else None
    part = cast.calls.get(index) if cast is not None else None
    if cast is not None and part is not None:
        members = part.ring.indices if part.ring is not None else (index,)
        ids = {member: _planned(member, seed, defect_rate, faces, templates, roles)[0]
               .facts.application_id for member in members}
        plan.call_truth = voice_calls.call_truth(
            call_stem(plan.facts) + voice_calls.CALL_SUFFIX, cast, index, ids)
    folder = Path(out) / f"dossier_{index:04d}"
    write_dossier(folder, plan, rng, difficulty)
    if cast is not None:
        voice_calls.write_call(folder, call_stem(plan.facts), cast, index, seed)
    return folder


def _planned(index: int, seed: int, defect_rate: float, faces: FaceSource,
             templates: TemplateSelection, roles: dict[int, fraud.Role]) -> tuple[Plan, random.Random]:
    """Dossier ``index``'s plan and the random source that draws it on: the same in every worker."""
    rng = dossier_rng(seed, index)
    identities = fraud.ring_identities(roles, faces.applicant_identities(), faces.by_identity)
    role = roles.get(index)
    plan = plan_dossier(rng, faces, defect_rate, templates=templates, role=role,
                        ring_identity=identities.get(role.ring.id) if role else None,
                        avoid=frozenset(identities.values()))
    return plan, rng


def plant_reused_invoices(out: Path, seed: int, count: int, fraud_rate: float) -> None:
    """Each ``invoice_photo`` ring's later members send the first member's invoice photo again
    (cropped, turned, re-compressed) instead of their own: done once every dossier is written."""
    for ring in {role.ring for role in fraud.plan_rings(seed, count, fraud_rate).values()
                 if role.ring.kind == "invoice_photo"}:
        reuse_invoice_photo(Path(out), ring)


def reuse_invoice_photo(out: Path, ring: fraud.Ring) -> None:
    """The ring's first dossier's invoice photo replaces the later members' invoices, with its
    truth (fields, template)."""
    first = out / f"dossier_{ring.indices[0]:04d}"
    first_truth = json.loads((first / "truth.json").read_text(encoding="utf-8"))
    source = _file_of(first_truth, DocumentType.VEHICLE_INVOICE)
    photo = Image.open(first / source)
    for position, index in enumerate(ring.indices[1:], start=1):
        folder = out / f"dossier_{index:04d}"
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        own = _file_of(truth, DocumentType.VEHICLE_INVOICE)
        (folder / own).unlink()
        name = f"{Path(own).stem}.jpg"
        (folder / name).write_bytes(fraud.reused_photo(photo, ring.rng(f"reuse:{position}")))
        for part in ("documents", "fields", "templates"):
            truth[part].pop(own, None)
            truth[part][name] = first_truth[part][source]
            truth[part] = dict(sorted(truth[part].items()))
        _write_json(folder / "truth.json", truth)


def _file_of(truth: dict[str, Any], document_type: DocumentType) -> str:
    return next(name for name, kind in truth["documents"].items() if kind == document_type.value)


def _quiet_worker() -> None:
    """Each worker uses one core: two busy processes beat two processes fighting over threads."""
    cv2.setNumThreads(1)


def generate_samples(
    out: Path,
    count: int,
    seed: int,
    *,
    defect_rate: float = 0.0,
    difficulty: Difficulty = Difficulty.NORMAL,
    faces_dir: Path | None = None,
    templates: TemplateSelection = TemplateSelection.ALL,
    on_dossier: Callable[[Path], None] | None = None,
    workers: int | None = None,
    fraud_rate: float = 0.0,
    calls: CallOptions | None = None,
) -> list[Path]:
    """Writes ``count`` dossiers under ``out`` (``dossier_0001``...) and returns their folders;
    with ``calls``, a verification call in each (as far as the speakers go) and the agent's
    enrolment recording under ``out/agents``.

    Dossiers are independent (each has its own random source), so they are drawn by ``workers``
    processes (default: one per core) with the same bytes as a serial run.
    """
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError(f"defect rate must be between 0 and 1, got {defect_rate}")
    find_cjk_font()
    load_face_source(faces_dir)  # fail here, once, if the folder is wrong
    fraud.plan_rings(seed, count, fraud_rate)  # fail here, once, if the rate is wrong
    if calls is not None:  # fail here, once, if the folder cannot hold the rings
        voice_calls.write_agents(Path(out), calls.cast(seed, count, fraud_rate))
    difficulty = Difficulty(difficulty)
    jobs = [
        (Path(out), index, seed, defect_rate, difficulty, faces_dir, TemplateSelection(templates),
         fraud_rate, count, calls)
        for index in range(1, count + 1)
    ]
    workers = min(workers or os.cpu_count() or 1, count)
    if workers <= 1:
        folders = []
        for job in jobs:
            folders.append(generate_dossier(*job))
            if on_dossier:
                on_dossier(folders[-1])
        plant_reused_invoices(Path(out), seed, count, fraud_rate)
        return folders
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker) as pool:
        futures = [pool.submit(generate_dossier, *job) for job in jobs]
        for future in as_completed(futures):
            folder = future.result()
            if on_dossier:
                on_dossier(folder)
    plant_reused_invoices(Path(out), seed, count, fraud_rate)
    return [future.result() for future in futures]
