"""Dossiers recorded the way ``process-dossier`` records them, screened across the store first:
the values and faces given, everything else the example application's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from autopass.dossier import Application, Decision, DocumentResult, DossierResult, FieldValue
from autopass.risk import FaceVector, Screening, Tamper, VoiceVector, record_screening, screen_dossier
from autopass.risk.image_reuse import PageFingerprint
from autopass.routing import plan_microtasks
from autopass.rules import decide
from autopass.settings import Settings
from autopass.standards import FaceSearch, RiskPolicy, Standard, VoiceSearch, load_standard
from autopass.store import NewMicroTask, Role, record_dossier, session_scope
from tests.factories import APPLICATION

ENGINE = "unit"  # a face engine of the tests: cosine similarity of its vectors
VOICE_ENGINE = "campplus"
SYNTHETIC_VOICES = VoiceSearch(same_voice_at={"wideband": 0.8, "telephone": 0.8, "mixed": 0.8},
                               agent_same_voice_at=0.75)
"""Thresholds for tests.voice_audio's synthetic voices (one voice 0.85-0.94, two 0.4-0.71)."""
POLICY = RiskPolicy(faces={ENGINE: FaceSearch(same_person_at=0.9)},
                    voices={VOICE_ENGINE: SYNTHETIC_VOICES})
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def person(seed: int, dimension: int = 128) -> np.ndarray:
    """One face: the same seed, the same person."""
    vector = np.random.default_rng(seed).normal(size=dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)


def photo_of(face: np.ndarray, seed: int) -> np.ndarray:
    """Another photo of the same face: a little noise."""
    noise = np.random.default_rng(10_000 + seed).normal(scale=0.02, size=face.size)
    return (face + noise).astype(np.float32)


def application(number: int, **changes: Any) -> Application:
    """Applicant ``number``: a name, ID number, phone, card and VIN of their own; ``changes``
    (``phone=``, ``bank_card=``, ``vin=``, ``id_number=``, ``name=``) put in shared ones."""
    data = {key: dict(value) if isinstance(value, dict) else value
            for key, value in APPLICATION.items()}
    data["application_id"] = f"A2026112800{number:04d}"
    data["applicant"] = {"name": changes.get("name", f"申请人{number}"),
                         "id_number": changes.get("id_number", f"37020219880312{number:04d}"),
                         "phone": changes.get("phone", f"1390000{number:04d}")}
    data["vehicle"]["vin"] = changes.get("vin", f"LSVAM4188C218{number:04d}")
    data["loan"]["bank_card"] = changes.get("bank_card", f"622202020011{number:07d}")
    return Application.model_validate(data)


def documents(number: int, *, invoice_number: str | None = None,
              address: str | None = None) -> list[DocumentResult]:
    """An ID card front with an address and an invoice with a number, as read."""
    return [
        DocumentResult(file="id.jpg", type="id_card_front", confidence=0.99, fields={
            "address": FieldValue(value=address or f"山东省青岛市市南区香港中路{number}号",
                                  confidence=0.97)}),
        DocumentResult(file="invoice.jpg", type="vehicle_invoice", confidence=0.99, fields={
            "invoice_number": FieldValue(value=invoice_number or f"{number:08d}",
                                         confidence=0.97)}),
    ]


def record(settings: Settings, app: Application, docs: list[DocumentResult] | None = None,
           faces: list[np.ndarray] = (), *, policy: RiskPolicy = POLICY,
           now: datetime = NOW, voices: list[VoiceVector] = (),
           fingerprints: list[PageFingerprint] = (),
           tampering: list[Tamper] = ()) -> tuple[int, DossierResult, Screening]:
    """Screen and record one dossier as the pipeline does: the risk check joins the checks
    (here the only one), the dossier is routed and recorded with its screening."""
    standard = _standard(policy)
    docs = docs if docs is not None else documents(int(app.application_id[-4:]))
    vectors = [FaceVector(role, vector) for role, vector in zip(("portrait", "selfie"), faces)]
    with session_scope(settings) as session:
        screening = screen_dossier(session, policy=policy, application=app, documents=docs,
                                   faces=vectors, engine=ENGINE, similarity=cosine,
                                   database=settings.store_url, now=now, voices=list(voices),
                                   voice_engine=VOICE_ENGINE, voice_similarity=cosine,
                                   fingerprints=list(fingerprints), tampering=list(tampering))
    checks = [screening.check]
    decision = decide(checks)
    plans = plan_microtasks(standard, decision=decision, checks=checks, documents=docs)
    tasks = [NewMicroTask(kind=plan.kind, question=plan.question, check_id=plan.check_ids[0],
                          role=Role(plan.role), payload={"options": list(plan.options)})
             for plan in plans]
    result = DossierResult(application_id=app.application_id, decision=decision,
                           documents=docs, face=None, checks=checks, microtasks=[],
                           elapsed_ms=1)
    with session_scope(settings) as session:
        dossier = record_dossier(session, application=app, result=result,
                                 originals={"id.jpg": "a" * 64, "invoice.jpg": "b" * 64},
                                 microtasks=tasks, received_at=now - timedelta(minutes=1),
                                 now=now)
        record_screening(session, dossier=dossier, screening=screening, now=now)
        assert dossier.id is not None
        return dossier.id, DossierResult.model_validate(dossier.result), screening


def _standard(policy: RiskPolicy) -> Standard:
    return load_standard("new_car_loan", Settings()).model_copy(update={"risk": policy})


def auto_passed(result: DossierResult) -> bool:
    return result.decision is Decision.AUTO_PASS
