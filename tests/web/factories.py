"""Dossiers with one micro-task of each kind, and the small crop images they show (drawn)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FieldValue,
    MicroTaskKind,
)
from autopass.devtools.samples.fonts import find_cjk_font
from autopass.settings import Settings
from autopass.store import NewMicroTask, Role, add_user, record_dossier, session_scope
from tests.factories import make_application

PASSWORD = "correct-horse-9"
USERS = {"olga": Role.OPERATOR, "otto": Role.OPERATOR, "sam": Role.SENIOR, "sue": Role.SUPERVISOR}


def add_users(settings: Settings) -> None:
    with session_scope(settings) as session:
        for username, role in USERS.items():
            add_user(session, username=username, password=PASSWORD, role=role)


def draw_crop(
    settings: Settings, relative: str, text: str, size: tuple[int, int] = (360, 90)
) -> str:
    """A small JPEG with ``text`` on it, written under the crops dir; its relative path."""
    target = settings.crops_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (246, 242, 232))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(find_cjk_font()), 28)
    draw.rectangle([2, 2, size[0] - 3, size[1] - 3], outline=(120, 120, 120), width=2)
    draw.text((16, size[1] // 2 - 16), text, fill=(20, 20, 30), font=font)
    image.save(target, "JPEG", quality=85)
    return relative


def result(application_id: str) -> DossierResult:
    return DossierResult(
        application_id=application_id,
        decision=Decision.REVIEW,
        documents=[
            DocumentResult(
                file="id.jpg",
                type="id_card_front",
                confidence=0.9,
                fields={"id_number": FieldValue(value="370202198803121230", confidence=0.6)},
            )
        ],
        face=None,
        checks=[CheckResult(id="id_number_readable", status="review", detail="low confidence")],
        microtasks=[],
        elapsed_ms=1000,
    )


def task_of_kind(
    settings: Settings, kind: MicroTaskKind, prefix: str, **extra: Any
) -> NewMicroTask:
    """A micro-task of ``kind`` shaped like ``autopass.crops.build_payload`` makes them."""
    crop = draw_crop(settings, f"{prefix}/{kind}.jpg", f"{kind}")
    payloads: dict[MicroTaskKind, tuple[str, dict[str, Any]]] = {
        MicroTaskKind.CLASSIFY_DOCUMENT: (
            "这是什么证件? Which document is this?",
            {
                "crops": {"document": crop},
                "options": ["id_card_front", "id_card_back", "bank_card", "other"],
                "machine_guess": "id_card_back",
            },
        ),
        MicroTaskKind.CONFIRM_FIELD: (
            "请核对 id_number: confirm or correct",
            {
                "subjects": [{"document": "id.jpg#1", "field": "id_number"}],
                "candidates": [
                    {
                        "source": "id.jpg#1",
                        "document_type": "id_card_front",
                        "field": "id_number",
                        "value": "370202198803121230",
                        "confidence": 0.6,
                        "crop": crop,
                    }
                ],
            },
        ),
        MicroTaskKind.COMPARE_FACES: (
            "同一人吗? Same person?",
            {
                "crops": {
                    "portrait": crop,
                    "selfie": draw_crop(settings, f"{prefix}/selfie.jpg", "selfie"),
                }
            },
        ),
        MicroTaskKind.CHECK_SIGNATURE: (
            "借款人已签字? Signed?",
            {
                "candidates": [
                    {
                        "source": "contract.jpg#1",
                        "document_type": "loan_contract",
                        "field": "signature_present",
                        "value": False,
                        "crop": crop,
                    }
                ]
            },
        ),
        MicroTaskKind.INVESTIGATE_LINK: (
            "关联调查 Investigate the link: phone 1390***0001: A1, A2",
            {"options": ["not_same_person", "same_person_fine", "fraud_confirmed"]},
        ),
        MicroTaskKind.REVIEW_CHANNEL: (
            "渠道风险 Channel risk: 渠道受控 经销商 dealer D-QD-017 under watch since 2026-11-28",
            {"options": ["pass", "reject"]},
        ),
        MicroTaskKind.RESOLVE_MISMATCH: (
            "哪个值正确? Which is right?",
            {
                "candidates": [
                    {"source": "application", "field": "vehicle.vin", "value": "LSVAM4188C2184842"},
                    {
                        "source": "invoice.jpg#1",
                        "document_type": "vehicle_invoice",
                        "field": "vin",
                        "value": "LSVAM4188C2184843",
                        "confidence": 0.8,
                        "crop": crop,
                    },
                ]
            },
        ),
    }
    question, payload = payloads[kind]
    return NewMicroTask(kind=kind, question=question, payload=payload, **extra)


def add_dossier(
    settings: Settings,
    application_id: str,
    tasks: list[NewMicroTask],
    *,
    received_at: datetime | None = None,
    dealer_id: str = "D-QD-017",
) -> int:
    """Record a dossier waiting for ``tasks``; its id."""
    with session_scope(settings) as session:
        dossier = record_dossier(
            session,
            application=make_application(application_id, dealer_id=dealer_id),
            result=result(application_id),
            originals={"id.jpg": "a" * 64},
            microtasks=tasks,
            received_at=received_at or datetime.now(UTC) - timedelta(minutes=5),
        )
        assert dossier.id is not None
        return dossier.id
