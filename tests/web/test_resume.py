"""The answer that settles a dossier starts ``finalize-dossier`` for real, which decides it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from autopass.documents import DocumentType
from autopass.dossier import CheckResult, Decision, DossierResult, FieldRef, MicroTaskKind, Status
from autopass.settings import Settings
from autopass.store import Dossier, DossierStatus, NewMicroTask, record_dossier, session_scope
from autopass.web import create_app
from tests.rules.conftest import GOOD_FACE, make_application, make_documents, set_field
from tests.web.conftest import csrf_of, log_in

pytestmark = pytest.mark.usefixtures("prefect_harness")


def record_doubtful_signature(settings: Settings) -> int:
    """A dossier that passed every rule but the contract's signature, read with low confidence."""
    documents = set_field(make_documents(), DocumentType.LOAN_CONTRACT, "signature_present", False, 0.3)
    contract = next(d for d in documents if d.type == DocumentType.LOAN_CONTRACT)
    result = DossierResult(
        application_id="A20261128000123",
        decision=Decision.REVIEW,
        documents=documents,
        face=GOOD_FACE,
        checks=[CheckResult(id="contract_signed", status=Status.REVIEW,
                            subjects=[FieldRef(document=contract.key, field="signature_present")])],
        microtasks=[],
        elapsed_ms=1,
    )
    task = NewMicroTask(
        kind=MicroTaskKind.CHECK_SIGNATURE,
        question="借款人已签字? Signed?",
        check_id="contract_signed",
        payload={"subjects": [{"document": contract.key, "field": "signature_present"}]},
    )
    with session_scope(settings) as session:
        dossier = record_dossier(session, application=make_application(), result=result,
                                 originals={d.file: "b" * 64 for d in documents}, microtasks=[task])
        return dossier.id


def test_the_last_answer_on_the_page_gets_the_dossier_approved(web_settings: Settings) -> None:
    dossier_id = record_doubtful_signature(web_settings)
    with TestClient(create_app(web_settings), base_url="http://testserver") as client:
        headers = {"X-CSRF-Token": csrf_of(log_in(client, "olga").text)}
        task = client.get("/api/tasks/next").json()
        answered = client.post(f"/api/tasks/{task['id']}/answer", json={"signed": True}, headers=headers)
        assert answered.json()["dossier_settled"] is True

    deadline = time.monotonic() + 120
    while True:
        with session_scope(web_settings) as session:
            dossier = session.get(Dossier, dossier_id)
            if dossier.status == DossierStatus.DECIDED:
                break
        assert time.monotonic() < deadline, "finalize-dossier did not decide the dossier"
        time.sleep(0.5)
    assert dossier.decision == "approve"
    signed = next(c for c in dossier.result["checks"] if c["id"] == "contract_signed")
    assert signed["status"] == "pass"
