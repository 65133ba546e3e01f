"""Sample dossiers: deterministic, truthful, and every planted defect is really there."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from autopass.banks import bank_for_card
from autopass.dossier import Application
from autopass.errors import MissingFontError
from autopass.devtools.samples.templates import contracts, invoices
from autopass.devtools.samples import capture, generator
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.templates import get_template
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.fonts import find_cjk_font
from autopass.devtools.samples.generator import (
    DEFECT_KINDS,
    max_loan_to_value,
    PRODUCT_DOCUMENTS,
    dossier_rng,
    plan_dossier,
    write_dossier,
)
from autopass.devtools.samples.people import amount_in_words
from autopass.validators import (
    id_birth_date,
    id_sex,
    is_valid_id_number,
    is_valid_luhn,
    is_valid_vin,
)
from tests.samples.conftest import SAMPLE_SEED

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def _fields_by_type(truth: dict) -> dict[str, dict]:
    by_type = {}
    for key, fields in truth["fields"].items():
        doc_type = key.split("#")[1] if "#" in key else truth["documents"][key]
        by_type[doc_type] = fields
    return by_type


def test_same_seed_gives_byte_identical_dossiers(
    sample_run: list[Path], tmp_path: Path, faces_dir: Path | None
) -> None:
    faces = load_face_source(faces_dir)
    for index in (1,):  # the richest one: A4 photocopy, a PDF or PNG, a defect
        rng = dossier_rng(SAMPLE_SEED, index)
        plan = plan_dossier(rng, faces, 0.5)
        write_dossier(tmp_path / f"again_{index}", plan, rng, Difficulty.NORMAL)
        assert _hashes(tmp_path / f"again_{index}") == _hashes(sample_run[index - 1])


def test_truth_lists_exactly_the_files_written(sample_run: list[Path]) -> None:
    kinds = [kind for f in sample_run for kind in _truth(f)["documents"].values()]
    assert ["id_card_front", "id_card_back"] in kinds  # the run covers the A4 photocopy case
    for folder in sample_run:
        truth = _truth(folder)
        on_disk = {p.name for p in folder.iterdir()} - {"truth.json", "application.json"}
        assert set(truth["documents"]) == on_disk
        for name in on_disk:
            assert Path(name).suffix in {".jpg", ".jpeg", ".png", ".pdf"}
        Application.model_validate_json((folder / "application.json").read_text(encoding="utf-8"))


def test_truth_fields_have_contract_formats(sample_run: list[Path]) -> None:
    for folder in sample_run:
        for doc_type, fields in _fields_by_type(_truth(folder)).items():
            for key, value in fields.items():
                if (
                    key.endswith("date")
                    or key in ("valid_from",)
                    or (key == "valid_to" and value != "长期")
                ):
                    assert DATE.match(value), (folder, doc_type, key, value)
                if key in ("id_number", "buyer_id_number"):
                    assert is_valid_id_number(value)
                if key == "vin":
                    assert is_valid_vin(value)
                if key in ("price_total", "loan_amount"):
                    assert isinstance(value, float)
                if key in (
                    "name",
                    "address",
                    "issuing_authority",
                    "bank_name",
                    "buyer_name",
                    "owner_name",
                ):
                    assert value and not re.search(r"\s", value)
            if doc_type == "id_card_front":
                assert id_birth_date(fields["id_number"]) == date.fromisoformat(
                    fields["birth_date"]
                )
                assert id_sex(fields["id_number"]) == fields["sex"]
                assert not fields["ethnicity"].endswith("族")
            if doc_type == "bank_card":
                assert is_valid_luhn(fields["card_number"])
                assert bank_for_card(fields["card_number"]) == fields["bank_name"]


def test_clean_dossier_application_agrees_with_the_documents(sample_run: list[Path]) -> None:
    clean = [f for f in sample_run if not _truth(f)["defects"]]
    assert clean
    for folder in clean:
        truth = _truth(folder)
        assert truth["expected_decision"] == "auto_pass"
        app = json.loads((folder / "application.json").read_text(encoding="utf-8"))
        docs = _fields_by_type(truth)
        assert {t for t in docs} == {t.value for t in PRODUCT_DOCUMENTS[app["product"]]}
        front, back = docs["id_card_front"], docs["id_card_back"]
        assert (
            app["applicant"]["name"]
            == front["name"]
            == docs["driving_licence"]["name"]
            == docs["loan_contract"]["borrower_name"]
        )
        assert (
            app["applicant"]["id_number"]
            == front["id_number"]
            == docs["loan_contract"]["id_number"]
        )
        assert app["loan"]["bank_card"] == docs["bank_card"]["card_number"]
        assert app["loan"]["amount"] == docs["loan_contract"]["loan_amount"]
        assert docs["loan_contract"]["signature_present"] is True
        assert app["loan"]["amount"] <= max_loan_to_value(app["product"]) * app["vehicle"]["price"]
        vehicle_doc = docs.get("vehicle_invoice") or docs["vehicle_registration"]
        assert app["vehicle"]["vin"] == vehicle_doc["vin"]
        if "vehicle_invoice" in docs:
            assert app["vehicle"]["price"] == docs["vehicle_invoice"]["price_total"]
            assert docs["vehicle_invoice"]["buyer_name"] == front["name"]
        submitted = datetime.fromisoformat(app["submitted_at"]).date()
        if back["valid_to"] != "长期":
            assert (date.fromisoformat(back["valid_to"]) - submitted).days >= 90
        age = (submitted - date.fromisoformat(front["birth_date"])).days / 365.25
        assert 22 <= age <= 55


@pytest.mark.parametrize("kind", DEFECT_KINDS)
def test_every_defect_kind_is_planted(kind: str, faces_dir: Path | None) -> None:
    faces = load_face_source(faces_dir)
    clean = plan_dossier(dossier_rng(5, 1), faces, 0.0)
    plan = plan_dossier(dossier_rng(5, 1), faces, 0.0, defect=kind)
    app, person, facts = plan.application, plan.facts.person, plan.facts
    assert [d.kind for d in plan.defects] == [kind]
    checks = {
        "selfie_other_person": lambda: (
            _identity(faces, facts.selfie_photo) != _identity(faces, facts.portrait_photo)
        ),
        "application_id_number_differs": lambda: (
            app["applicant"]["id_number"] != person.id_number
            and is_valid_id_number(app["applicant"]["id_number"])
        ),
        "application_id_number_bad_checksum": lambda: (
            app["applicant"]["id_number"][:17] == person.id_number[:17]
            and not is_valid_id_number(app["applicant"]["id_number"])
        ),
        "invoice_name_mismatch": lambda: (
            invoices.render_paper_a(facts, dossier_rng(0, 0))[1]["buyer_name"] != person.name
        ),
        "invoice_vin_mismatch": lambda: (
            invoices.render_paper_a(facts, dossier_rng(0, 0))[1]["vin"]
            != app["vehicle"]["vin"]
        ),
        "loan_above_ltv_limit": lambda: (
            app["loan"]["amount"] > max_loan_to_value(app["product"]) * app["vehicle"]["price"]
        ),
        "id_card_expired": lambda: (
            person.id_valid_to is not None and person.id_valid_to < facts.submitted_at.date()
        ),
        "missing_required_document": lambda: len(plan.documents) == len(clean.documents) - 1,
        "bank_card_number_mismatch": lambda: (
            app["loan"]["bank_card"] != facts.card_number
            and is_valid_luhn(app["loan"]["bank_card"])
        ),
        "bank_card_luhn_invalid": lambda: not is_valid_luhn(app["loan"]["bank_card"]),
        "contract_unsigned": lambda: (
            contracts.render_bank_lines(facts, dossier_rng(0, 0))[1]["signature_present"] is False
        ),
    }
    assert checks[kind]()
    if kind not in ("id_card_expired", "loan_above_ltv_limit"):
        assert app["applicant"]["name"] == person.name  # only the planted defect differs


def _identity(faces, photo: Path) -> str:
    return next(i for i, photos in faces.by_identity.items() if photo in photos)


def test_a4_photocopy_holds_both_id_sides(tmp_path: Path, faces_dir: Path | None) -> None:
    rng = dossier_rng(3, 1)
    plan = plan_dossier(rng, load_face_source(faces_dir), 0.0)
    plan.photocopy = True
    truth = write_dossier(tmp_path, plan, rng, Difficulty.EASY)
    pages = [name for name, kind in truth["documents"].items() if isinstance(kind, list)]
    assert len(pages) == 1
    page = pages[0]
    assert truth["documents"][page] == ["id_card_front", "id_card_back"]
    assert truth["fields"][f"{page}#id_card_front"]["id_number"] == plan.facts.person.id_number
    assert "issuing_authority" in truth["fields"][f"{page}#id_card_back"]
    if not page.endswith(".pdf"):
        width, height = Image.open(tmp_path / page).size
        for x, y, w, h in (
            truth["regions"][f"{page}#{side}"] for side in ("id_card_front", "id_card_back")
        ):
            assert 0 <= x and 0 <= y and x + w <= width and y + h <= height
    assert len(truth["documents"]) == 6


def test_truth_records_each_captures_smallest_key_text(sample_run: list[Path]) -> None:
    """Every capture has its key text height: a number for a document that prints a name, an ID
    number, a VIN, a card number or an invoice total, null for one that prints none (the selfie,
    the ID card's back); a photo or a copy shows it smaller than drawn, never larger than the
    largest size any template prints such a value at."""
    for folder in sample_run:
        truth = _truth(folder)
        heights = truth["key_text_px"]
        captures = {f"{name}#{kind}" for name, kinds in truth["documents"].items()
                    if isinstance(kinds, list) for kind in kinds}
        captures |= {name for name, kind in truth["documents"].items() if isinstance(kind, str)}
        assert set(heights) == captures
        for capture, height in heights.items():
            kind = capture.split("#")[1] if "#" in capture else truth["documents"][capture]
            if kind in ("selfie", "id_card_back"):
                assert height is None, (capture, height)
            else:
                assert isinstance(height, int) and 5 <= height <= 60, (capture, height)


def test_key_text_height_is_the_smallest_size_a_key_value_is_printed_at(
    faces_dir: Path | None,
) -> None:
    """The vertical bank card prints its 19-digit number at 32 px and nothing else of a key field;
    drawn and captured by a flat scan (scale 1), the capture's height is that size."""
    plan = plan_dossier(random.Random(11), load_face_source(faces_dir), 0.0)
    facts = replace(plan.facts, card_number="6217000010001000101")
    image, _, drawn = generator._render(get_template("bank_card_vertical"), facts, random.Random(1))
    assert drawn == 32
    scanned, scale = capture.scan_scaled(image, random.Random(1), Difficulty.NORMAL)
    assert scale == 1.0 and scanned.size == image.size
    assert generator._on_capture(drawn, 0.5) == 16


def test_missing_font_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(MissingFontError) as error:
        find_cjk_font([tmp_path / "absent.ttc"])
    assert "fonts-wqy-zenhei" in str(error.value)
    assert str(tmp_path / "absent.ttc") in str(error.value)


def test_printed_sex_follows_the_face_when_known() -> None:
    faces = load_face_source(None)  # the shipped astronaut photo is of a woman
    for index in range(1, 6):
        plan = plan_dossier(dossier_rng(8, index), faces, 0.0)
        assert plan.facts.person.sex == "女"
        assert id_sex(plan.facts.person.id_number) == "女"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (158000.0, "壹拾伍万捌仟元整"),
        (100000.0, "壹拾万元整"),
        (100500.0, "壹拾万零伍佰元整"),
        (1050000.0, "壹佰零伍万元整"),
        (235800.0, "贰拾叁万伍仟捌佰元整"),
    ],
)
def test_amount_in_words(amount: float, words: str) -> None:
    assert amount_in_words(amount) == words
