"""Screen one dossier against the earlier ones, record what was found, and say it as a check.

``screen_dossier`` runs before the dossier is routed (its check, ``no_links_to_other_applicants``,
is ``review`` when anything links it to another applicant, so it never goes straight through and a
senior is asked); ``record_screening`` stores the dossier's values, faces and finding in the
transaction that records the dossier; ``risk_check`` says the check again from the stored
findings once people answered (``fail``, hard, when a senior confirmed fraud).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from autopass.dossier import Application, CheckResult, DocumentResult, Status
from autopass.risk.attributes import FACE, VOICE, Attribute, attributes_of
from autopass.risk.faces import FaceIndex, Similarity, as_bytes, face_index
from autopass.risk.image_reuse import (
    PageFingerprint,
    forget_fingerprints,
    photo_links,
    store_fingerprints,
)
from autopass.risk.links import Applicant, Link, links_of, ring_of
from autopass.standards import RiskPolicy, VoiceSearch
from autopass.store.audit import record_event
from autopass.store.models import (
    MACHINE,
    Dossier,
    FaceEmbedding,
    FindingState,
    RiskAttribute,
    RiskFinding,
    VoiceEmbedding,
)

RISK_CHECK_ID = "no_links_to_other_applicants"
FINDING_RECORDED = "risk_finding_recorded"


@dataclass(frozen=True)
class FaceVector:
    role: str  # portrait | selfie
    vector: np.ndarray


@dataclass(frozen=True)
class VoiceVector:
    """The applicant's voiceprint of one recorded call, with what a senior needs to hear it."""

    file: str
    sha256: str
    channel: str  # telephone | wideband
    speech_seconds: float
    segments: list[tuple[int, int]]  # the applicant's speech, in samples at 16 kHz
    vector: np.ndarray


@dataclass(frozen=True)
class Tamper:
    """A dossier's own document that was changed or shot off another (no other dossier needed):
    ``kind`` is the finding's kind, ``detail`` what a senior is shown (no number unmasked)."""

    kind: str
    detail: str


@dataclass
class Screening:
    """What one dossier shares with earlier dossiers of other applicants."""

    application_id: str
    applicant: Applicant
    attributes: list[Attribute]
    faces: list[FaceVector]
    engine: str | None
    cluster: str | None  # the person its faces were found to be (a face attribute's value)
    links: list[Link] = field(default_factory=list)  # the whole ring's
    voices: list[VoiceVector] = field(default_factory=list)
    voice_engine: str | None = None
    voice_cluster: str | None = None  # the voice its calls were found to be
    fingerprints: list[PageFingerprint] = field(default_factory=list)  # its pages' photos
    tampering: list[Tamper] = field(default_factory=list)
    check: CheckResult = field(default_factory=lambda: CheckResult(id=RISK_CHECK_ID,
                                                                   status=Status.PASS))

    @property
    def members(self) -> list[str]:
        """Application ids of the ring, this dossier first."""
        return list(dict.fromkeys([self.application_id,
                                   *(link.application_id for link in self.links)]))

    @property
    def kinds(self) -> list[str]:
        return sorted({link.attribute.kind for link in self.links}
                      | {tamper.kind for tamper in self.tampering})

    @property
    def found(self) -> bool:
        return bool(self.links or self.tampering)


def screen_dossier(
    session: Session, *, policy: RiskPolicy, application: Application,
    documents: list[DocumentResult], faces: list[FaceVector], engine: str | None,
    similarity: Similarity | None, database: str, now: datetime,
    voices: list[VoiceVector] | None = None, voice_engine: str | None = None,
    voice_similarity: Similarity | None = None,
    fingerprints: list[PageFingerprint] = (),  # type: ignore[assignment]
    tampering: list[Tamper] = (),  # type: ignore[assignment]
    snapshots: Path | None = None,
) -> Screening:
    """Look the dossier's values, faces and calls' voices up among the dossiers recorded within
    the window (``snapshots``: where the face and voice indexes start from, see ``risk.faces``)."""
    since = now - timedelta(days=policy.window_days)
    applicant = Applicant(application.applicant.id_number.strip().upper(),
                          application.applicant.name.strip())
    own = set(session.scalars(sa.select(Dossier.id).where(
        Dossier.application_id == application.application_id)))  # an earlier version
    attributes = attributes_of(application, documents, policy.links)
    search = policy.faces.get(engine or "")
    faces = faces if search is not None and similarity is not None else []
    clusters: list[str] = []
    if faces and search is not None and similarity is not None:
        clusters = _face_clusters(session, faces, similarity,
                                  search.same_person_at, search.candidates,
                                  face_index(database, engine or "", int(faces[0].vector.size),
                                             snapshots=snapshots), since, own)
    cluster = clusters[0] if clusters else (uuid.uuid4().hex if faces else None)
    attributes += [Attribute(FACE, value) for value in clusters or ([cluster] if cluster else [])]
    voice_search = policy.voices.get(voice_engine or "")
    voices = voices if voice_search is not None and voice_similarity is not None else []
    voice_clusters: list[str] = []
    if voices and voice_search is not None and voice_similarity is not None:
        voice_clusters = _voice_clusters(
            session, voices, voice_similarity, voice_search,
            face_index(database, voice_engine or "", int(voices[0].vector.size),
                       table=VoiceEmbedding, snapshots=snapshots), since, own)
    voice_cluster = voice_clusters[0] if voice_clusters else (uuid.uuid4().hex if voices else None)
    attributes += [Attribute(VOICE, value)
                   for value in voice_clusters or ([voice_cluster] if voice_cluster else [])]
    first = links_of(session, attributes, applicant, since=since, excluding=own)
    looked_up = [fp for fp in fingerprints if fp.kind in policy.photos.reuse]
    first += photo_links(session, looked_up, applicant, within=policy.photos.same_photo_within,
                         since=since, excluding=own)
    links = ring_of(session, first, since=since, limit=policy.max_ring, excluding=own)
    screening = Screening(application.application_id, applicant, attributes, faces, engine,
                          cluster, links, voices or [], voice_engine, voice_cluster,
                          list(fingerprints), list(tampering))
    screening.check = _check(screening)
    return screening


def record_screening(session: Session, *, dossier: Dossier, screening: Screening,
                     now: datetime) -> RiskFinding | None:
    """Store the dossier's values and faces (its earlier version's replaced) and its finding,
    on its audit trail; in the caller's transaction."""
    assert dossier.id is not None
    _forget_earlier_version(session, dossier.id)
    applicant = screening.applicant
    for attribute in screening.attributes:
        session.add(RiskAttribute(dossier_id=dossier.id, kind=attribute.kind,
                                  value=attribute.value[:255], id_number=applicant.id_number[:32],
                                  name=applicant.name[:64], recorded_at=now))
    for face in screening.faces:
        session.add(FaceEmbedding(dossier_id=dossier.id, role=face.role,
                                  engine=screening.engine or "", dimension=int(face.vector.size),
                                  vector=as_bytes(face.vector), id_number=applicant.id_number[:32],
                                  cluster=screening.cluster or "", recorded_at=now))
    for voice in screening.voices:
        session.add(VoiceEmbedding(
            dossier_id=dossier.id, file=voice.file[:255], sha256=voice.sha256,
            channel=voice.channel, speech_seconds=voice.speech_seconds,
            segments=[list(segment) for segment in voice.segments],
            engine=screening.voice_engine or "", dimension=int(voice.vector.size),
            vector=as_bytes(voice.vector), id_number=applicant.id_number[:32],
            cluster=screening.voice_cluster or "", recorded_at=now))
    if screening.voices:
        record_event(session, actor=MACHINE, action="voices_searched", dossier_id=dossier.id,
                     detail={"engine": screening.voice_engine, "calls": len(screening.voices),
                             "why": "same voice under another ID number"}, at=now)
    store_fingerprints(session, dossier_id=dossier.id, applicant=applicant,
                       fingerprints=screening.fingerprints, now=now)
    if screening.faces:
        record_event(session, actor=MACHINE, action="faces_searched", dossier_id=dossier.id,
                     detail={"engine": screening.engine, "faces": len(screening.faces),
                             "why": "same face under another ID number"}, at=now)
    if not screening.found:
        session.flush()
        return None
    finding = RiskFinding(dossier_id=dossier.id, kinds=screening.kinds,
                          members=screening.members, links=shown_links(screening),
                          state=FindingState.OPEN, created_at=now)
    session.add(finding)
    session.flush()
    record_event(session, actor=MACHINE, action=FINDING_RECORDED, dossier_id=dossier.id,
                 detail={"finding": finding.id, "kinds": finding.kinds,
                         "members": finding.members}, at=now)
    return finding


def risk_check(session: Session, dossier_id: int) -> CheckResult:
    """The check as the stored findings say it now: ``fail`` (hard) once a senior confirmed fraud,
    ``review`` while one is open, ``pass`` when none is left open."""
    findings = session.scalars(sa.select(RiskFinding).where(
        RiskFinding.dossier_id == dossier_id,
        RiskFinding.state != FindingState.SUPERSEDED).order_by(RiskFinding.id)).all()
    fraud = [finding for finding in findings if finding.state == FindingState.FRAUD]
    if fraud:
        return CheckResult(id=RISK_CHECK_ID, status=Status.FAIL, hard=True,
                           detail=f"欺诈已确认 fraud confirmed by {fraud[-1].settled_by}: ring "
                                  f"{', '.join(fraud[-1].members)}")
    opened = [finding for finding in findings if finding.state == FindingState.OPEN]
    if opened:
        return CheckResult(id=RISK_CHECK_ID, status=Status.REVIEW,
                           detail=describe(opened[-1].links))
    cleared = ", ".join(f"cleared by {finding.settled_by}" for finding in findings)
    return CheckResult(id=RISK_CHECK_ID, status=Status.PASS, detail=cleared)


def shown_links(screening: Screening) -> list[dict[str, object]]:
    """What links whom, for a senior: per shared value (masked), the applications holding it."""
    holders: dict[Attribute, list[str]] = defaultdict(list)
    names = {link.dossier_id: link.application_id for link in screening.links}
    for link in screening.links:
        via = screening.application_id if link.via is None else names.get(link.via, str(link.via))
        holders[link.attribute] += [via, link.application_id]
    return [*({"kind": attribute.kind, "value": attribute.shown,
               "applications": sorted(set(applications))}
              for attribute, applications in holders.items()),
            *({"kind": tamper.kind, "value": tamper.detail,
               "applications": [screening.application_id]} for tamper in screening.tampering)]


def describe(links: list[dict[str, object]]) -> str:
    """One line for the check's detail and the senior's question (no number unmasked)."""
    return "; ".join(f"{link['kind']} {link['value']}: {', '.join(link['applications'])}"  # type: ignore[arg-type]
                     for link in links)


def _check(screening: Screening) -> CheckResult:
    if not screening.found:
        return CheckResult(id=RISK_CHECK_ID, status=Status.PASS, detail="no links")
    return CheckResult(id=RISK_CHECK_ID, status=Status.REVIEW,
                       detail=f"关联 linked to {len(screening.members) - 1} application(s) "
                              f"({', '.join(screening.kinds)}): {describe(shown_links(screening))}")


def _face_clusters(session: Session, faces: list[FaceVector], similarity: Similarity,
                   same_person_at: float, candidates: int,
                   index: FaceIndex, since: datetime, own: set[int]) -> list[str]:
    """The clusters (people) of earlier faces the dossier's faces match, best match first."""
    scored: dict[str, float] = {}
    for face in faces:
        for stored, score in index.within(session, face.vector, similarity=similarity,
                                          at=same_person_at, candidates=candidates):
            if stored.dossier_id not in own:
                scored[stored.cluster] = max(score, scored.get(stored.cluster, 0.0))
    recent = set(session.scalars(sa.select(FaceEmbedding.cluster).where(
        FaceEmbedding.cluster.in_(list(scored)),  # type: ignore[attr-defined]
        FaceEmbedding.recorded_at >= since))) if scored else set()  # type: ignore[operator]
    return sorted((c for c in scored if c in recent), key=lambda c: -scored[c])


def _voice_clusters(session: Session, voices: list[VoiceVector], similarity: Similarity,
                    search: VoiceSearch, index: FaceIndex, since: datetime,
                    own: set[int]) -> list[str]:
    """The clusters (speakers) of earlier calls the dossier's calls match, best match first; the
    threshold is the one for the two calls' channels."""
    scored: dict[str, float] = {}
    lowest = min(search.same_voice_at.values())
    for voice in voices:
        for stored, score in index.within(session, voice.vector, similarity=similarity,
                                          at=lowest, candidates=search.candidates):
            if (stored.dossier_id not in own
                    and score >= search.threshold(voice.channel, stored.channel)):
                scored[stored.cluster] = max(score, scored.get(stored.cluster, -1.0))
    recent = set(session.scalars(sa.select(VoiceEmbedding.cluster).where(
        VoiceEmbedding.cluster.in_(list(scored)),  # type: ignore[attr-defined]
        VoiceEmbedding.recorded_at >= since))) if scored else set()  # type: ignore[operator]
    return sorted((c for c in scored if c in recent), key=lambda c: -scored[c])


def _forget_earlier_version(session: Session, dossier_id: int) -> None:
    """A dossier sent again is screened again: its earlier values, faces and open findings go."""
    for table in (RiskAttribute, FaceEmbedding, VoiceEmbedding):
        session.execute(sa.delete(table).where(table.dossier_id == dossier_id))
    forget_fingerprints(session, dossier_id)
    session.execute(sa.update(RiskFinding).where(
        RiskFinding.dossier_id == dossier_id, RiskFinding.state == FindingState.OPEN,
    ).values(state=FindingState.SUPERSEDED).execution_options(synchronize_session="fetch"))
