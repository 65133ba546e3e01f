"""Rings planted by ``autopass samples --fraud-rate``: who belongs to which ring, what they share,
what truth.json says, and how ``evaluate`` counts findings against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autopass.devtools.evaluation import EvaluatedDossier, evaluate_fraud, evaluate_results
from autopass.devtools.samples import fraud
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.generator import _planned, generate_dossier, reuse_invoice_photo
from autopass.devtools.samples.templates import TemplateSelection
from autopass.documents import DocumentType


def test_rings_plant_about_the_rate_and_every_kind_in_turn() -> None:
    roles = fraud.plan_rings(7, 200, 0.05)
    planted = [index for index, role in roles.items() if role.planted]
    rings = {role.ring for role in roles.values()}

    assert len(planted) in range(10, 14)  # the last ring may plant a few more than 10
    assert {ring.kind for ring in rings} == set(fraud.RING_KINDS)
    assert all(2 <= len(ring.indices) <= 5 for ring in rings if ring.kind == "face")
    assert all(len(ring.indices) == 1 for ring in rings if ring.kind in fraud.SINGLE_KINDS)
    assert fraud.plan_rings(7, 200, 0.0) == {}
    with pytest.raises(ValueError, match="fraud rate must be between 0 and 1, got 1.5"):
        fraud.plan_rings(7, 200, 1.5)


def _members(seed: int, count: int, rate: float, faces_dir: Path | None) -> dict[str, list]:  # type: ignore[type-arg]
    faces = load_face_source(faces_dir)
    roles = fraud.plan_rings(seed, count, rate)
    by_kind: dict[str, list] = {}  # type: ignore[type-arg]
    for ring in sorted({role.ring for role in roles.values()}, key=lambda r: r.id):
        plans = [_planned(index, seed, 0.0, faces, TemplateSelection.ALL, roles)[0]
                 for index in ring.indices]
        by_kind.setdefault(ring.kind, []).append(plans)
    return by_kind


def test_ring_members_share_what_their_kind_says_and_nothing_else(faces_dir: Path | None) -> None:
    rings = _members(7, 60, 0.25, faces_dir)

    for plans in rings["face"]:
        assert len({plan.face_identity for plan in plans}) == 1
        assert len({plan.facts.person.id_number for plan in plans}) == len(plans)
        assert len({plan.facts.person.name for plan in plans}) == len(plans)
    for plans in rings["phone_and_card"]:
        assert len({plan.application["applicant"]["phone"] for plan in plans}) == 1
        assert len({plan.application["loan"]["bank_card"] for plan in plans}) == 1
        assert len({plan.facts.person.id_number for plan in plans}) == len(plans)
    for plans in rings["vin"]:
        assert len({plan.application["vehicle"]["vin"] for plan in plans}) == 1
        assert all(plan.facts.product == "new_car_loan" for plan in plans)
    [qr] = rings["invoice_qr_mismatch"][:1]
    facts = qr[0].facts
    assert facts.invoice_qr_amount is not None and facts.invoice_qr_amount < facts.vehicle.price
    assert qr[0].pinned_templates[DocumentType.VEHICLE_INVOICE] == "invoice_digital"
    assert all(not plan.defects for kind in rings.values() for plans in kind for plan in plans)


def test_clean_dossiers_show_no_ring_s_face(tmp_path: Path) -> None:
    """Labels are what the generator keeps apart: five 'people' (one built-in photo each, copied
    twice into a folder per person), as a face set larger than one person gives them."""
    [photo] = load_face_source(None).by_identity["astronaut (scikit-image)"]
    for person in range(5):
        (tmp_path / f"p{person}").mkdir()
        for shot in (1, 2):
            (tmp_path / f"p{person}" / f"{shot}.png").write_bytes(photo.read_bytes())
    faces = load_face_source(tmp_path)
    roles = fraud.plan_rings(7, 60, 0.25)
    ring_faces = set(fraud.ring_identities(roles, faces.applicant_identities(),
                                           faces.by_identity).values())
    clean = [_planned(index, 7, 0.0, faces, TemplateSelection.ALL, roles)[0]
             for index in range(1, 61) if index not in roles]

    assert ring_faces and len(ring_faces) < 5
    assert not ring_faces & {plan.face_identity for plan in clean}
    assert {plan.face_identity for plan in clean} == set(faces.identities) - ring_faces


def test_a_reused_invoice_photo_is_the_first_member_s_and_truth_says_the_ring(
        tmp_path: Path, faces_dir: Path | None) -> None:
    """Seed 0, 10 dossiers at rate 0.75: dossiers 3 and 5 send one invoice photo (only they are
    drawn here)."""
    roles = fraud.plan_rings(0, 10, 0.75)
    ring = roles[3].ring
    assert (ring.kind, ring.indices) == ("invoice_photo", (3, 5))
    folders = [generate_dossier(tmp_path, index, 0, 0.0, Difficulty.NORMAL, faces_dir,
                                TemplateSelection.ALL, 0.75, 10) for index in ring.indices]
    reuse_invoice_photo(tmp_path, ring)
    first, again = (json.loads((folder / "truth.json").read_text(encoding="utf-8"))
                    for folder in folders)
    applications = [json.loads((folder / "application.json").read_text(encoding="utf-8"))
                    for folder in folders]

    assert again["fraud"] == {
        "ring": ring.id, "kind": "invoice_photo", "position": 1, "planted": True,
        "members": [application["application_id"] for application in applications],
        "expected_findings": ["invoice_photo"]}
    assert (first["fraud"]["planted"], first["expected_decision"]) == (False, "auto_pass")
    assert again["expected_decision"] == "review_or_reject"
    assert applications[0]["vehicle"] == applications[1]["vehicle"]  # one car, twice
    [source] = [f for f, t in first["documents"].items() if t == "vehicle_invoice"]
    [reused] = [f for f, t in again["documents"].items() if t == "vehicle_invoice"]
    assert reused.endswith(".jpg") and again["fields"][reused] == first["fields"][source]
    assert (folders[1] / reused).read_bytes() != (folders[0] / source).read_bytes()
    assert len([f for f in folders[1].iterdir() if f.suffix != ".json"]) == len(again["documents"])


def _dossier(name: str, decision: str, *, fraud_part: dict | None = None,  # type: ignore[type-arg]
             defects: tuple[str, ...] = (), face: str = "a", held: bool = False) -> EvaluatedDossier:
    checks = [{"id": "no_links_to_other_applicants", "status": "review" if held else "pass",
               "detail": ""}]
    truth = {"documents": {}, "fields": {}, "defects": list(defects), "face_identity": face}
    if fraud_part is not None:
        truth["fraud"] = fraud_part
    return EvaluatedDossier(name=name, truth=truth, seconds=1.0, result={
        "application_id": name, "decision": decision, "documents": [], "checks": checks})


def test_evaluate_counts_findings_per_kind_against_the_planted_rings() -> None:
    ring = {"ring": "R1", "kind": "vin", "members": ["d1", "d2"], "expected_findings": ["vin"]}
    qr = {"ring": "R2", "kind": "invoice_qr_mismatch", "members": ["d3"], "position": 0,
          "planted": True, "expected_findings": ["invoice_qr_mismatch"]}
    dossiers = [
        _dossier("d1", "auto_pass", fraud_part={**ring, "position": 0, "planted": False}),
        _dossier("d2", "review", fraud_part={**ring, "position": 1, "planted": True}, held=True),
        _dossier("d3", "auto_pass", fraud_part=qr),  # missed
        _dossier("c1", "auto_pass", face="b"),
        _dossier("c2", "review", face="c", held=True),  # held by a face another clean one shows
        _dossier("c3", "review", face="c", held=True),
        _dossier("c4", "auto_pass", face="d"),  # a finding, yet auto_pass
        _dossier("x1", "review", defects=("id_card_expired",)),
    ]
    findings = {"d2": {"vin", "invoice_number"}, "c2": {"face"}, "c3": {"face", "phone"},
                "c4": {"phone"}}

    report = evaluate_fraud(dossiers, findings)

    assert (report.planted, report.found) == ({"invoice_qr_mismatch": 1, "vin": 1}, {"vin": 1})
    assert report.missed == {"invoice_qr_mismatch": ["d3"]}
    assert report.clean_dossiers == 4
    assert report.clean_flagged == ["c2", "c3", "c4"]
    assert report.clean_flagged_by_face_set == ["c2"]
    assert report.flagged_auto_pass == ["c4"]
    assert (report.clean_straight_through, report.clean_straight_through_without_findings) == (
        0.5, 1.0)
    # The ordinary report counts neither ring member as clean; a planted one that passed is false.
    assert evaluate_results(dossiers).false_auto_pass == ["d3"]
    assert evaluate_results(dossiers).clean_dossiers == 4
