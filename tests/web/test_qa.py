"""The QA review page and API are blind; a QA disagreement is recorded and reported; operators'
statistics are the supervisors' (issue #30 items 1, 2 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa
from fastapi.testclient import TestClient

from autopass.crops import DocumentImages
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldValue,
    Status,
)
from autopass.quality.qa import QA_DISAGREEMENT, add_review, build_items
from autopass.quality.sampling import SAMPLED
from autopass.settings import Settings
from autopass.standards import load_standard
from autopass.store import AuditEvent, record_dossier, session_scope
from tests.factories import make_application
from tests.web.conftest import csrf_of, log_in

MACHINE_ID = "370202198803121230"


def _qa_review(settings: Settings) -> int:
    result = DossierResult(
        application_id="A-QA-WEB", decision=Decision.AUTO_PASS,
        documents=[DocumentResult(file="id.jpg", type="id_card_front", confidence=0.99, fields={
            "id_number": FieldValue(value=MACHINE_ID, confidence=0.9731, box=[20, 20, 300, 30]),
            "name": FieldValue(value="张伟", confidence=0.9377, box=[20, 80, 120, 30])})],
        face=FaceResult(score=0.8123, status=Status.PASS),
        checks=[CheckResult(id="id_number_checksum", status=Status.PASS)],
        microtasks=[], elapsed_ms=10)
    image = np.full((240, 420, 3), 200, np.uint8)
    images = DocumentImages(images={"id.jpg#1": image, "selfie.jpg#1": image},
                            portrait_key="id.jpg#1", portrait_box=(300, 20, 80, 100),
                            selfie_key="selfie.jpg#1", selfie_box=(100, 50, 120, 150))
    items = build_items(load_standard("new_car_loan", settings), result, images,
                        crops_dir=settings.crops_dir, prefix="a-qa-web/qa")
    with session_scope(settings) as session:
        dossier = record_dossier(session, application=make_application("A-QA-WEB"),
                                 result=result, originals={"id.jpg": "a" * 64},
                                 received_at=datetime.now(UTC) - timedelta(minutes=5))
        return add_review(session, dossier=dossier, reason=SAMPLED, items=items,
                          now=datetime.now(UTC)).id


def test_the_qa_page_and_api_show_no_machine_value(app_client: TestClient,
                                                   web_settings: Settings) -> None:
    review_id = _qa_review(web_settings)
    log_in(app_client, "sam")
    page = app_client.get("/qa")
    assert page.status_code == 200 and f"#{review_id}" in page.text
    shown = app_client.get("/api/qa/next")
    assert shown.status_code == 200 and shown.json()["id"] == review_id
    for body in (page.text, shown.text):
        for hidden in (MACHINE_ID, "张伟", "0.9731", "0.9377", "0.8123"):
            assert hidden not in body
    crop = shown.json()["items"][0]["crops"]["field"]
    assert app_client.get(crop).headers["content-type"] == "image/jpeg"


def test_operators_cannot_take_qa_reviews(app_client: TestClient, web_settings: Settings) -> None:
    _qa_review(web_settings)
    log_in(app_client, "olga")
    assert app_client.get("/qa").status_code == 403
    assert app_client.get("/api/qa/next").status_code == 403


def test_a_qa_disagreement_is_recorded_on_the_trail_and_reported(
        app_client: TestClient, web_settings: Settings) -> None:
    review_id = _qa_review(web_settings)
    token = csrf_of(log_in(app_client, "sam").text)
    items = app_client.get("/api/qa/next").json()["items"]
    values = {item["id"]: (MACHINE_ID[:-1] + "9" if item["field"] == "id_number" else
                           "张伟" if item["field"] == "name" else True) for item in items}
    answered = app_client.post(f"/api/qa/{review_id}/answer", json={"values": values},
                               headers={"X-CSRF-Token": token})
    assert answered.status_code == 200, answered.text
    assert answered.json()["agreed"] is False and len(answered.json()["disagreements"]) == 1
    with session_scope(web_settings) as session:
        assert session.scalars(sa.select(AuditEvent.detail).where(
            AuditEvent.action == QA_DISAGREEMENT)).one()["fields"] == "id_card_front.id_number"
    log_in(app_client, "sue")
    quality = app_client.get("/quality")
    assert quality.status_code == 200
    assert "质检不一致 QA disagreed 1 / 1" in quality.text
    assert "id_card_front.id_number" in quality.text
    assert "质检不一致 QA disagreed 1 / 1" in app_client.get("/dashboard").text


def test_an_operator_cannot_see_others_statistics(app_client: TestClient) -> None:
    log_in(app_client, "olga")
    assert app_client.get("/api/quality/operators").status_code == 403
    assert app_client.get("/api/quality/operators/otto").status_code == 403
    assert app_client.get("/quality").status_code == 403
    own = app_client.get("/api/quality/operators/olga")
    assert own.status_code == 200 and own.json()["operator"] == "olga"
    log_in(app_client, "sue")
    assert app_client.get("/api/quality/operators/otto").status_code == 200
    assert app_client.get("/api/quality/operators").status_code == 200


def test_the_qa_page_form_records_an_agreeing_review(app_client: TestClient,
                                                     web_settings: Settings) -> None:
    review_id = _qa_review(web_settings)
    page = log_in(app_client, "sam") and app_client.get("/qa")
    form = {"csrf_token": csrf_of(page.text), "item-i1": MACHINE_ID, "item-i2": "张伟",
            "item-i3": "yes"}
    missing = app_client.post(f"/qa/{review_id}/answer", data={**form, "item-i3": ""})
    assert missing.status_code == 422 and "answer yes or no for face (item i3)" in missing.text
    done = app_client.post(f"/qa/{review_id}/answer", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/qa"
    with session_scope(web_settings) as session:
        assert session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action == "qa_agreed")).all() == ["qa_agreed"]
    assert "No QA review is waiting" in app_client.get("/qa").text
