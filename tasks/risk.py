"""Look a dossier up among the earlier dossiers of other applicants (``autopass.risk``)."""

from __future__ import annotations

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.answers import read_answer
from autopass.crops import DocumentImages
from autopass.documents import DocumentType
from autopass.dossier import Application, CheckResult, DocumentResult, MicroTaskKind
from autopass.engines.base import Face
from autopass.engines.registry import get_face_engine, get_voice_engine
from autopass.face_match import MIN_FACE_SIDE
from autopass.review import SettledTask
from autopass.risk import (
    FaceVector,
    Screening,
    Tamper,
    VoiceVector,
    risk_check,
    screen_dossier,
    settle_findings,
)
from autopass.risk.image_reuse import RECAPTURE, PageFingerprint, recapture_distance
from autopass.risk.invoice_qr import TAMPER, qr_mismatches, read_invoice_qr
from autopass.settings import get_settings
from autopass.standards import Standard
from autopass.store import session_scope, utc_now


@task(name="screen-across-dossiers", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def screen_across_dossiers(
    standard: Standard,
    application: Application,
    documents: list[DocumentResult],
    portrait_faces: list[Face] | None,
    selfie_faces: list[Face] | None,
    voices: list[VoiceVector] | None = None,
    fingerprints: list[PageFingerprint] | None = None,
    tampering: list[Tamper] | None = None,
) -> Screening:
    """The dossier's shared values, faces and calls' voices, the earlier dossiers they link it
    to, and the check that says so (``no_links_to_other_applicants``)."""
    settings = get_settings()
    faces = [FaceVector(role, found[0].embedding)
             for role, found in (("portrait", portrait_faces), ("selfie", selfie_faces))
             if found and min(found[0].box[2:]) >= MIN_FACE_SIDE]
    engine = get_face_engine(settings) if faces else None

    def similarity(a: np.ndarray, b: np.ndarray) -> float:
        assert engine is not None
        return engine.similarity(Face((0, 0, 0, 0), a, 1.0), Face((0, 0, 0, 0), b, 1.0))

    with session_scope(settings) as session:
        return screen_dossier(
            session, policy=standard.risk, application=application, documents=documents,
            faces=faces, engine=settings.face_engine, similarity=similarity,
            database=settings.store_url, now=utc_now(), voices=voices or [],
            voice_engine=settings.voice_engine,
            voice_similarity=get_voice_engine(settings).similarity if voices else None,
            fingerprints=fingerprints or [], tampering=tampering or [],
            snapshots=settings.indexes_dir,
        )


@task(name="inspect-documents", cache_policy=NO_CACHE)
def inspect_documents(standard: Standard, documents: list[DocumentResult],
                      images: DocumentImages) -> list[Tamper]:
    """What the dossier's own documents betray: an invoice whose QR code disagrees with its print,
    a selfie that is the ID card's portrait photographed again."""
    photos = standard.risk.photos
    found: list[Tamper] = []
    if photos.invoice_qr:
        for document in documents:
            image = images.image(document.key)
            if document.type is not DocumentType.VEHICLE_INVOICE or image is None:
                continue
            qr = read_invoice_qr(image)
            problems = qr_mismatches(qr, document, min_confidence=photos.qr_min_confidence) if qr else []
            if problems:
                found.append(Tamper(TAMPER, f"{document.file}: QR code disagrees with the printed "
                                            f"{', '.join(problems)}"))
    portrait, selfie = images.faces_of(images.portrait_key), images.faces_of(images.selfie_key)
    portrait_image, selfie_image = images.image(images.portrait_key), images.image(images.selfie_key)
    if portrait and selfie and portrait_image is not None and selfie_image is not None:
        bits = recapture_distance(portrait_image, portrait[0].box, selfie_image, selfie[0].box)
        if bits <= photos.recapture_within:
            found.append(Tamper(RECAPTURE, f"the selfie is the ID card's portrait photographed "
                                           f"again ({bits} bits of 64 apart)"))
    return found


@task(name="settle-findings", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def settle_and_check(dossier_id: int, settled: list[SettledTask]) -> CheckResult:
    """Settle the dossier's findings with the seniors' verdicts (a confirmed fraud rejects the
    ring's other open dossiers), then say the check as the findings stand."""
    with session_scope(get_settings()) as session:
        for answered in settled:
            if answered.kind is MicroTaskKind.INVESTIGATE_LINK:
                verdict = read_answer(answered.kind, answered.resolution).verdict  # type: ignore[union-attr]
                settle_findings(session, dossier_id=dossier_id, verdict=verdict,
                                actor=answered.answered_by, now=utc_now())
        return risk_check(session, dossier_id)
