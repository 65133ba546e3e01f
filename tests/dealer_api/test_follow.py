"""GET /api/v1/dossiers/{id}: status, decision and reasons (the webhook's words), new photos to
take; and a dossier submitted over HTTP, processed for real, its decision read back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from autopass.dealer_notices import DecisionNotice, pending_notices
from autopass.dossier import CheckResult, Decision, DossierResult, MicroTaskKind, Status
from autopass.dossier_folder import DOCUMENT_SUFFIXES
from autopass.store.queue import claim_next, request_new_photo
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier, write_dossier
from autopass.documents import DocumentType
from autopass.settings import Settings
from autopass.store import DealerSubmission, SubmissionState, record_dossier, session_scope
from autopass.store.dealers import issue_key
from autopass.store.types import utc_now
from autopass.submissions import UPLOADS_DIR
from tests.dealer_api.conftest import DEALER, DOSSIERS, DealerApi, start_dealer_api
from tests.factories import SINGLE_LAYOUTS, make_application
from tests.web.factories import add_dossier, task_of_kind


def _reject(settings: Settings, application_id: str) -> None:
    result = DossierResult(
        application_id=application_id, decision=Decision.REJECT, documents=[], face=None,
        checks=[CheckResult(id="invoice_vin_equals_application_vin", status=Status.FAIL,
                            detail="invoice vin differs from the application's"),
                CheckResult(id="id_number_checksum", status=Status.PASS)],
        microtasks=[], elapsed_ms=5)
    with session_scope(settings) as session:
        record_dossier(session, application=make_application(application_id), result=result,
                       originals={})


def test_a_decision_reads_with_the_webhooks_reasons_and_new_photos_are_listed(
        dealer_api: DealerApi) -> None:
    settings = dealer_api.settings
    _reject(settings, "A-REJECTED")
    add_dossier(settings, "A-SENT-BACK",
                [task_of_kind(settings, MicroTaskKind.CONFIRM_FIELD, "back")])
    with session_scope(settings) as session:
        task = claim_next(session, operator="olga", now=utc_now(), lease_seconds=60)
        assert task is not None and task.id is not None
        request_new_photo(session, task_id=task.id, operator="olga", now=utc_now(),
                          reason="glare over the number")
    with dealer_api.client() as client:
        rejected = client.get(f"{DOSSIERS}/A-REJECTED").json()
        sent_back = client.get(f"{DOSSIERS}/A-SENT-BACK").json()
    with session_scope(settings) as session:
        [notice] = [p.notice for p in pending_notices(session, now=utc_now() + timedelta(hours=1))
                    if isinstance(p.notice, DecisionNotice)]
    assert (rejected["status"], rejected["decision"]) == ("decided", "reject")
    assert rejected["reasons"] == notice.reasons == [
        "invoice_vin_equals_application_vin: invoice vin differs from the application's"]
    assert rejected["decided_at"] is not None and rejected["new_photos_requested"] is None
    assert sent_back["status"] == "waiting_for_dealer" and sent_back["reasons"] == []
    assert sent_back["new_photos_requested"]["reason"] == "glare over the number"
    assert sent_back["new_photos_requested"]["photos"] == [
        {"file": "id.jpg", "type": "id_card_front"}]


@pytest.fixture(scope="session")
def clean_dossier(tmp_path_factory: pytest.TempPathFactory, faces_dev_dir: Path | None) -> Path:
    """One generated clean dossier (CONTRACT §1 folder with truth.json)."""
    folder = tmp_path_factory.mktemp("dealer-api-sample") / "dossier"
    rng = dossier_rng(29, 1)
    plan = plan_dossier(rng, load_face_source(faces_dev_dir), 0.0)
    # The layouts the reader reads best: this test is about the API, the templates have their own.
    plan.pinned_templates = {DocumentType.LOAN_CONTRACT: "contract_bank_lines",
                             DocumentType.VEHICLE_INVOICE: "invoice_paper_a", **SINGLE_LAYOUTS}
    write_dossier(folder, plan, rng, Difficulty.NORMAL)
    return folder


@pytest.fixture
def processing_api(web_store: Settings, prefect_harness: None) -> Iterator[DealerApi]:
    """The API with its real processing (process-dossier in a thread of the server)."""
    yield from start_dealer_api(web_store, on_dossier_submitted=None)


def _submission_state(settings: Settings) -> str:
    with session_scope(settings) as session:
        [submission] = session.query(DealerSubmission).all()
        return submission.state


def test_a_submitted_dossier_is_processed_and_its_decision_read_back(
        processing_api: DealerApi, clean_dossier: Path) -> None:
    application = json.loads((clean_dossier / "application.json").read_bytes())
    with session_scope(processing_api.settings) as session:
        key = issue_key(session, dealer_id=application["dealer_id"]).key
    files = [("application", ("application.json", (clean_dossier / "application.json")
                              .read_bytes(), "application/json"))]
    files += [("files", (path.name, path.read_bytes(), "application/octet-stream"))
              for path in sorted(clean_dossier.iterdir()) if path.suffix in DOCUMENT_SUFFIXES]
    with processing_api.client(DEALER) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        accepted = client.post(DOSSIERS, files=files)
        assert accepted.status_code == 202, accepted.text
        deadline = time.monotonic() + 300
        while (followed := client.get(accepted.json()["url"]).json())["status"] in (
                "received", "processing"):
            assert time.monotonic() < deadline, "the dossier was not processed in 5 minutes"
            time.sleep(1)
    truth = json.loads((clean_dossier / "truth.json").read_bytes())
    assert truth["expected_decision"] == "auto_pass"
    assert (followed["status"], followed["decision"], followed["reasons"]) == (
        "decided", "auto_pass", []), followed
    deadline = time.monotonic() + 30  # the flow stores the dossier, then its thread the state
    while _submission_state(processing_api.settings) != SubmissionState.STORED:
        assert time.monotonic() < deadline, _submission_state(processing_api.settings)
        time.sleep(0.1)
    assert list((processing_api.settings.data_dir / UPLOADS_DIR).iterdir()) == []
