"""A re-submission: only the dealer that sent a dossier may send it again, and the version it
replaces stays on the audit trail.

The hole: a folder with another dealer's ``dealer_id`` and one empty file, under the application id
of a decided ``auto_pass`` dossier, exited 0 and became that dealer's dossier (decided_at cleared,
7 documents became 1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select
from typer.testing import CliRunner

from autopass.casefile import case_file
from autopass.cli import app
from autopass.dossier import CheckResult, Decision, DocumentResult, DossierResult, FaceResult
from autopass.settings import Settings, use_settings
from autopass.standards import load_document_specs
from autopass.store import (
    DOSSIER_RESUBMITTED,
    AuditEvent,
    Check,
    Document,
    DocumentField,
    Dossier,
    DossierFile,
    FaceComparison,
    MicroTask,
    ResubmissionRefused,
    dispose_engine,
    original_path,
    record_dossier,
    session_scope,
)
from autopass.store.db import temporary_postgres_database
from tests.conftest import POSTGRES_ADMIN_URL
from tests.factories import APPLICATION, make_application

APPLICATION_ID = "A20261128000777"
DEALER, OTHER_DEALER = "D-CD-077", "D-EVIL-001"
DOCUMENT_TYPES = ("id_card_front", "id_card_back", "driving_licence", "bank_card",
                  "vehicle_invoice", "loan_contract", "selfie")
ORIGINALS = {f"IMG_{n}.jpg": f"{n}" * 64 for n in range(1, len(DOCUMENT_TYPES) + 1)}
STORE_TABLES = (Dossier, DossierFile, Document, DocumentField, Check, FaceComparison, MicroTask,
                AuditEvent)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings of an empty store of either dialect (a fresh PostgreSQL database per test)."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    with temporary_postgres_database(POSTGRES_ADMIN_URL, "autopass_resubmit") as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url)
        yield settings
        dispose_engine(settings.store_url)


def decided_dossier(settings: Settings) -> dict[str, Any]:
    """Dealer D-CD-077's dossier, decided ``auto_pass`` on seven documents; its result JSON."""
    result = DossierResult(
        application_id=APPLICATION_ID, decision=Decision.AUTO_PASS,
        documents=[DocumentResult(file=file, type=kind, confidence=0.99)
                   for file, kind in zip(ORIGINALS, DOCUMENT_TYPES, strict=True)],
        face=FaceResult(score=0.93, status="pass", detail="score 0.93 >= 0.80"),
        checks=[CheckResult(id="id_number_checksum", status="pass")],
        microtasks=[], elapsed_ms=2310,
    )
    with session_scope(settings) as session:
        dossier = record_dossier(
            session, application=make_application(APPLICATION_ID, dealer_id=DEALER),
            result=result, originals=ORIGINALS,
        )  # fmt: skip
        assert (dossier.status, dossier.decision) == ("decided", "auto_pass")
        return dict(dossier.result or {})


def folder_from(root: Path, dealer_id: str) -> Path:
    """A folder for the decided dossier's application id from ``dealer_id``: one empty file."""
    folder = root / f"from-{dealer_id}"
    folder.mkdir(parents=True)
    application = {**APPLICATION, "application_id": APPLICATION_ID, "dealer_id": dealer_id}
    (folder / "application.json").write_text(json.dumps(application, ensure_ascii=False),
                                             encoding="utf-8")
    (folder / "a.jpg").write_bytes(b"")
    return folder


def snapshot(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a dossier lives in."""
    tables = [model.__table__ for model in STORE_TABLES]  # type: ignore[attr-defined]
    with session_scope(settings) as session:
        return {table.name: [dict(row) for row in session.execute(
                    sa.select(table).order_by(table.c.id)).mappings()]
                for table in tables}


def process(settings: Settings, folder: Path) -> Any:
    with use_settings(settings):
        return CliRunner().invoke(app, ["process", str(folder), "--json"])


@pytest.mark.usefixtures("prefect_harness")
def test_another_dealers_folder_is_refused_at_the_door_and_changes_nothing(
    store: Settings, tmp_path: Path
) -> None:
    decided_dossier(store)
    before = snapshot(store)
    evil = folder_from(tmp_path, OTHER_DEALER)

    outcome = process(store, evil)

    assert outcome.exit_code == 2, outcome.output
    assert outcome.stdout == ""
    assert [line for line in outcome.stderr.splitlines() if line.startswith("autopass:")] == [
        f"autopass: {evil}: application.json: application {APPLICATION_ID} is a dossier of "
        f"dealer {DEALER}; dealer {OTHER_DEALER} cannot send it (only the dealer that sent a "
        "dossier may send it again)"
    ]
    assert snapshot(store) == before
    assert not original_path(store, hashlib.sha256(b"").hexdigest()).exists(), \
        "nothing of the refused folder is kept"


@pytest.mark.usefixtures("prefect_harness")
def test_the_intake_moves_another_dealers_folder_aside_with_the_reason(
    store: Settings, tmp_path: Path
) -> None:
    from autopass.flows.intake import IntakeRequest, intake

    decided_dossier(store)
    before = snapshot(store)
    evil = folder_from(tmp_path / "inbox", OTHER_DEALER)

    with use_settings(store):
        summary = intake(IntakeRequest(inbox=str(tmp_path / "inbox"),
                                       archive=str(tmp_path / "archive"), min_age_seconds=0))

    assert summary.rejected == [evil.name] and summary.stored == []
    assert (tmp_path / "rejected" / evil.name / "error.txt").read_text(encoding="utf-8") == (
        f"{evil.name}: application.json: application {APPLICATION_ID} is a dossier of dealer "
        f"{DEALER}; dealer {OTHER_DEALER} cannot send it (only the dealer that sent a dossier "
        "may send it again)\n"
    )
    assert snapshot(store) == before


def test_the_store_refuses_another_dealers_result_even_past_the_door(store: Settings) -> None:
    """A flow run that got past the door (another worker recorded the dossier meanwhile)."""
    previous = decided_dossier(store)
    before = snapshot(store)
    result = DossierResult.model_validate({**previous, "documents": previous["documents"][:1]})
    with session_scope(store) as session, pytest.raises(ResubmissionRefused):
        record_dossier(session, result=result, originals=ORIGINALS,
                       application=make_application(APPLICATION_ID, dealer_id=OTHER_DEALER))
    assert snapshot(store) == before


@pytest.mark.usefixtures("prefect_harness")
def test_the_same_dealer_sending_again_is_judged_again_and_the_decision_stays_on_the_trail(
    store: Settings, tmp_path: Path
) -> None:
    previous = decided_dossier(store)
    with session_scope(store) as session:
        decided_at = session.exec(select(Dossier)).one().decided_at
    assert decided_at is not None

    outcome = process(store, folder_from(tmp_path, DEALER))

    assert outcome.exit_code == 0, outcome.output
    [line] = [json.loads(text) for text in outcome.stdout.splitlines()]
    assert (line["application_id"], line["decision"]) == (APPLICATION_ID, "review")
    with session_scope(store) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.dealer_id, dossier.status, dossier.decision, dossier.decided_at) == (
            DEALER, "waiting_for_people", "review", None)  # the new judgement
        files = session.exec(select(DossierFile.file)).all()
        assert files == ["a.jpg"]
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == DOSSIER_RESUBMITTED)).one()
        case = case_file(session, APPLICATION_ID, load_document_specs(store))
    assert event.detail["previous_status"] == "decided"
    assert event.detail["previous_decision"] == "auto_pass"
    assert event.detail["previous_decided_at"] == decided_at.isoformat()
    assert event.detail["previous_files"] == ORIGINALS
    assert event.detail["previous_result"] == previous, "the whole earlier judgement is kept"
    assert event.detail["previous_application"]["dealer_id"] == DEALER
    assert case is not None
    [shown] = [e for e in case.events if e.action == DOSSIER_RESUBMITTED]
    assert shown.detail == (f"previous_status: decided, previous_decision: auto_pass, "
                            f"previous_decided_at: {decided_at.isoformat()}")
