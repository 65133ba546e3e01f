"""Builders of the dossiers, results and micro-tasks the store tests record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldValue,
    MicroTaskKind,
)
from autopass.store.queue import claim_next
from autopass.settings import Settings
from autopass.store import NewMicroTask, Role, record_dossier, session_scope
from tests.factories import make_application

T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def make_result(
    application_id: str = "A20261128000123", decision: Decision = Decision.REVIEW
) -> DossierResult:
    return DossierResult(
        application_id=application_id,
        decision=decision,
        documents=[
            DocumentResult(
                file="IMG_0412.jpg",
                type="id_card_front",
                confidence=0.99,
                fields={
                    "name": FieldValue(value="张伟", confidence=0.98, box=[10, 20, 100, 30]),
                    "id_number": FieldValue(value="370202198803121230", confidence=0.7),
                },
            ),
            DocumentResult(
                file="scan.png", type="bank_card", confidence=0.95, region=[0, 0, 50, 30]
            ),
        ],
        face=FaceResult(score=0.93, status="pass", detail="score 0.93 >= 0.80"),
        checks=[
            CheckResult(id="id_number_checksum", status="pass"),
            CheckResult(
                id="id_number_matches_application", status="review", detail="low confidence"
            ),
        ],
        microtasks=[],
        elapsed_ms=2310,
    )


ORIGINALS = {"IMG_0412.jpg": "a" * 64, "scan.png": "b" * 64, "notes.pdf": "c" * 64}


def confirm_task(question: str = "ID number?", **overrides: object) -> NewMicroTask:
    return NewMicroTask.model_validate(
        {
            "kind": MicroTaskKind.CONFIRM_FIELD,
            "question": question,
            "payload": {"crop": "crops/x.png", "ocr_value": "37020219880312123X"},
            "check_id": "id_number_matches_application",
            **overrides,
        }
    )


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


LEASE = 180


def record_with_tasks(
    settings: Settings,
    application_id: str,
    tasks: Sequence[NewMicroTask],
    received_minute: float = 0,
) -> list[int]:
    """Record a dossier with these tasks; their ids in order."""
    with session_scope(settings) as session:
        dossier = record_dossier(
            session,
            application=make_application(application_id),
            result=make_result(application_id),
            originals=ORIGINALS,
            microtasks=tasks,
            received_at=at(received_minute),
            now=at(received_minute),
        )
        return [m["id"] for m in dossier.result["microtasks"]]  # type: ignore[index]


def claim_as(
    settings: Settings, operator: str, minute: float = 1, roles=(Role.OPERATOR,)
) -> int | None:
    with session_scope(settings) as session:
        task = claim_next(
            session, operator=operator, now=at(minute), lease_seconds=LEASE, roles=roles
        )
        return None if task is None else task.id


def about_the_id_card(question: str = "ID number?") -> NewMicroTask:
    return confirm_task(
        question, payload={"subjects": [{"document": "IMG_0412.jpg#1", "field": "id_number"},
                                        {"document": "application", "field": "id_number"}]}
    )
