"""The centre's agents enrolled by voice (``agent_voices``, read for every call), and how long
calls' voiceprints are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from autopass.engines.base import VoiceEngine
from autopass.risk.faces import as_bytes, as_vector
from autopass.store.models import EnrolledAgent, VoiceEmbedding
from autopass.voice.audio import RATE
from autopass.voice.calls import AgentVoice, enrol_agent
from autopass.voice.vad import speech_segments


def enrolled_agents(session: Session, engine: str) -> list[AgentVoice]:
    """Every agent enrolled with ``engine``'s voiceprints."""
    rows = session.scalars(sa.select(EnrolledAgent).where(EnrolledAgent.engine == engine)
                           .order_by(EnrolledAgent.name)).all()  # type: ignore[arg-type]
    return [AgentVoice(row.name, as_vector(row.vector, row.dimension)) for row in rows]


def enrol(session: Session, engine: VoiceEngine, name: str, recordings: list[np.ndarray], *,
          now: datetime) -> tuple[AgentVoice, float]:
    """Enrol (or enrol again) ``name`` from decoded recordings of their voice alone; returns the
    agent and the seconds of speech enrolled."""
    agent = enrol_agent(engine, name, recordings)
    seconds = sum(b - a for samples in recordings for a, b in speech_segments(samples)) / RATE
    session.execute(sa.delete(EnrolledAgent).where(EnrolledAgent.name == name,  # type: ignore[arg-type]
                                                   EnrolledAgent.engine == engine.name))
    session.add(EnrolledAgent(name=name, engine=engine.name, dimension=int(agent.vector.size),
                              vector=as_bytes(agent.vector), speech_seconds=seconds,
                              enrolled_at=now))
    return agent, seconds


def forget_old_voiceprints(session: Session, *, now: datetime, days: int) -> int:
    """Delete the calls' voiceprints recorded more than ``days`` ago (biometric data kept no
    longer than the 1:N search needs; ``voiceprint_retention_days``); returns how many went."""
    cutoff = now - timedelta(days=days)
    result = session.execute(sa.delete(VoiceEmbedding).where(
        VoiceEmbedding.recorded_at < cutoff))  # type: ignore[arg-type]
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
