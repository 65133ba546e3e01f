"""``process-dossier`` end to end under the Prefect harness, with the real engines and store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from autopass.dossier_folder import DOCUMENT_SUFFIXES
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier, write_dossier
from autopass.settings import Settings, use_settings
from autopass.store.queue import waiting_for_dealer
from autopass.store import (
    AuditEvent,
    Document,
    Dossier,
    DossierFile,
    DossierStatus,
    MicroTask,
    session_scope,
)
from autopass.flows.nightly_batch import NightlyBatchRequest, nightly_batch
from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier
from tests.conftest import with_webhook
from tests.pipeline.conftest import photocopied_file, read_truth

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(folder: Path, settings: Settings) -> dict:
    with use_settings(settings):
        return process_dossier(ProcessDossierRequest(folder=str(folder)))


def test_clean_dossier_is_read_checked_and_stored(sample_dossiers, settings):
    folder = sample_dossiers["clean"]
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))

    result = run(folder, settings)

    read_types = {}
    for document in result["documents"]:
        read_types.setdefault(document["file"], []).append(document["type"])
    expected = {
        file: sorted(kinds) if isinstance(kinds, list) else [kinds]
        for file, kinds in truth["documents"].items()
    }
    assert {file: sorted(kinds) for file, kinds in read_types.items()} == expected
    assert result["decision"] in {"auto_pass", "review"}
    assert {check["status"] for check in result["checks"]} <= {"pass", "review"}
    assert (result["decision"] == "auto_pass") == (not result["microtasks"])
    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert dossier.application_id == result["application_id"]
        assert len(session.exec(select(DossierFile)).all()) == len(truth["documents"])
        assert len(session.exec(select(Document)).all()) == len(result["documents"])
        assert len(session.exec(select(MicroTask)).all()) == len(result["microtasks"])


def test_selfie_of_another_person_never_auto_passes(tmp_path, faces_dev_dir, settings):
    folder = tmp_path / "other-person"
    plan = plan_dossier(dossier_rng(3, 99), load_face_source(faces_dev_dir), 0.0,
                        defect="selfie_other_person")
    write_dossier(folder, plan, dossier_rng(3, 99), Difficulty.NORMAL)

    result = run(folder, settings)

    assert result["decision"] != "auto_pass"
    face_check = next(c for c in result["checks"] if c["id"] == "selfie_matches_id_portrait")
    assert face_check["status"] in {"review", "fail"}


def test_unsigned_contract_never_auto_passes(sample_dossiers, settings):
    result = run(sample_dossiers["contract_unsigned"], settings)

    assert result["decision"] != "auto_pass"
    signed = next(c for c in result["checks"] if c["id"] == "contract_signed")
    assert signed["status"] in {"review", "fail"}


def test_bad_id_check_digit_is_rejected_the_photocopy_split_and_the_dealer_told(
    sample_dossiers, settings, dealer_system
):
    folder = sample_dossiers["application_id_number_bad_checksum"]
    result = run(folder, with_webhook(settings, dealer_system.url))

    assert result["decision"] == "reject"
    checksum = next(c for c in result["checks"] if c["id"] == "id_number_checksum")
    assert checksum["status"] == "fail"
    assert result["microtasks"] == []
    copied = [d for d in result["documents"] if d["file"] == photocopied_file(read_truth(folder))]
    assert sorted(d["type"] for d in copied) == ["id_card_back", "id_card_front"]
    assert all(len(d["region"]) == 4 for d in copied)
    [(_, body)] = dealer_system.received  # the flow told the dealer's system at once
    told = json.loads(body)
    assert (told["event"], told["application_id"], told["decision"]) == (
        "dossier_decided", result["application_id"], "reject")
    assert any(reason.startswith("id_number_checksum: ") for reason in told["reasons"])


def test_unreadable_files_become_a_review_not_a_crash(tmp_path, dossier_copy, settings):
    folder = dossier_copy("clean")
    for image in [p for p in folder.iterdir() if p.suffix.lower() in DOCUMENT_SUFFIXES]:
        image.unlink()
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.jpg").write_text("this is not a picture", encoding="utf-8")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)

    result = run(folder, settings)

    assert result["decision"] == "review"
    problems = {d["file"]: d.get("problem") for d in result["documents"]}
    assert set(problems) == {"empty.jpg", "notes.jpg", "broken.png"}
    assert all(problems.values())
    assert result["microtasks"], "an unreadable document must ask a person"


def without(folder: Path, document_type: str) -> Path:
    """``folder`` with the file holding ``document_type`` taken out (the dealer forgot it)."""
    [file] = [f for f, kind in read_truth(folder)["documents"].items() if kind == document_type]
    (folder / file).unlink()
    return folder


def test_a_dossier_without_its_bank_card_waits_for_its_dealer_until_the_deadline(
    dossier_copy, settings, dealer_system
):
    """The dealer forgot the bank card: they are asked for it (no task for anyone, no reject);
    the nightly batch rejects the dossier only once the standard's 3 days have passed without
    it, and tells the dealer why."""
    settings = with_webhook(settings, dealer_system.url)
    result = run(without(dossier_copy("clean"), "bank_card"), settings)

    assert (result["decision"], result["microtasks"]) == ("review", [])
    missing = next(c for c in result["checks"] if c["id"] == "required_documents_present")
    assert (missing["status"], missing["detail"]) == (
        "fail", "required document(s) missing: bank_card")
    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.status, dossier.decided_at) == (DossierStatus.WAITING_FOR_DEALER, None)
        assert session.exec(select(MicroTask)).all() == []
        [request] = waiting_for_dealer(session)
    assert (request.missing_documents, request.photos, request.requested_by) == (
        ["bank_card"], [], "machine")
    [(headers, body)] = dealer_system.received  # the flow told the dealer's system at once
    told = json.loads(body)
    assert told == {
        "event": "new_photo_requested",
        "notice_id": f"autopass-dealer-request-{request.request_id}",
        "application_id": result["application_id"],
        "dealer_id": told["dealer_id"],
        "salesperson_id": told["salesperson_id"],
        "photos": [],
        "missing_documents": ["bank_card"],
        "reason": "required document(s) missing: bank_card",
        "requested_at": told["requested_at"],
    }
    assert headers["Idempotency-Key"] == told["notice_id"]

    deadline = request.requested_at + timedelta(days=3)
    with use_settings(settings):
        early = nightly_batch(NightlyBatchRequest(as_of=deadline - timedelta(minutes=1)))
        assert early.rejected_unanswered == []
        assert len(dealer_system.received) == 1
        late = nightly_batch(NightlyBatchRequest(as_of=deadline))
    assert late.rejected_unanswered == [result["application_id"]]
    reason = "required document(s) missing: bank_card; not sent by the dealer within 3 days"
    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.status, dossier.decision, dossier.decided_at) == (
            DossierStatus.DECIDED, "reject", deadline)
        missing = next(c for c in dossier.result["checks"]
                       if c["id"] == "required_documents_present")
        assert (missing["status"], missing["detail"], missing["hard"]) == ("fail", reason, True)
        decided = session.exec(
            select(AuditEvent).where(AuditEvent.action == "dossier_decided")).one()
        assert decided.detail == {"decision": "reject", "reason": (
            f"request {request.request_id} not answered by the dealer within 3 days")}
    told = json.loads(dealer_system.received[-1][1])
    assert (told["event"], told["decision"]) == ("dossier_decided", "reject")
    assert f"required_documents_present: {reason}" in told["reasons"]
