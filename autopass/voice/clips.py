"""The calls a senior may hear when investigating a voice link: this dossier's calls and the
earlier calls of the same voice, each cut to the applicant's speech (the segments the voiceprint
was made from), never the whole recording."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import soundfile
import sqlalchemy as sa
from sqlmodel import Session

from autopass.settings import Settings
from autopass.store.models import Dossier, VoiceEmbedding
from autopass.store.originals import original_path
from autopass.voice.audio import RATE, decode

MAX_CLIPS = 6


@dataclass(frozen=True)
class Clip:
    dossier_id: int
    application_id: str
    file: str
    sha256: str
    segments: list[list[int]]


def call_clips(session: Session, dossier_id: int) -> list[Clip]:
    """The dossier's calls first, then the other dossiers' calls of the same voices."""
    own = session.scalars(sa.select(VoiceEmbedding).where(
        VoiceEmbedding.dossier_id == dossier_id).order_by(VoiceEmbedding.id)).all()  # type: ignore[arg-type]
    clusters = [row.cluster for row in own]
    others = session.scalars(sa.select(VoiceEmbedding).where(
        VoiceEmbedding.cluster.in_(clusters),  # type: ignore[attr-defined]
        VoiceEmbedding.dossier_id != dossier_id).order_by(VoiceEmbedding.id.desc())  # type: ignore[union-attr]
    ).all() if clusters else []
    rows = [*own, *others][:MAX_CLIPS]
    ids = {row.dossier_id for row in rows}
    names = dict(session.execute(sa.select(Dossier.id, Dossier.application_id).where(
        Dossier.id.in_(ids))).all()) if ids else {}  # type: ignore[union-attr]
    return [Clip(row.dossier_id, names.get(row.dossier_id, str(row.dossier_id)), row.file,
                 row.sha256, row.segments) for row in rows]


def clip_wav(settings: Settings, clip: Clip) -> bytes:
    """The applicant's speech of the call, from its stored original, as a 16 kHz WAV."""
    samples = decode(original_path(settings, clip.sha256),
                     suffix=PurePath(clip.file).suffix).samples
    pieces = [samples[a:b] for a, b in clip.segments] or [samples[:0]]
    out = io.BytesIO()
    soundfile.write(out, np.concatenate(pieces), RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()
