"""One voice answering the verification call for several applicants is a ring finding for a
senior, found across dossiers by the real CAM++ engine on synthetic voices (SQLite and
PostgreSQL); other voices, and the same applicant calling again, are not."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from autopass.dossier import Decision, MicroTaskKind
from autopass.engines.registry import get_voice_engine
from autopass.risk import VoiceVector
from autopass.settings import Settings
from autopass.store import MicroTask, RiskFinding, session_scope
from autopass.store.models import VoiceEmbedding
from autopass.voice.calls import voice_of_call
from tests.risk.helpers import SYNTHETIC_VOICES, application, record
from tests.voice_audio import synthetic_voice

RING_VOICE = {"pitch": 110.0, "tract": 1.0}
OTHER_VOICES = [{"pitch": 230.0, "tract": 1.2}, {"pitch": 95.0, "tract": 0.85}]


def call(seed: int, **voice: float) -> VoiceVector:
    engine = get_voice_engine(Settings())
    found = voice_of_call(engine, synthetic_voice(8.0, seed=seed, **voice), agents=[],
                          agent_same_voice_at=1.0, max_speech_seconds=30)
    assert found.vector is not None
    return VoiceVector(f"call{seed}.wav", f"{seed:064d}", found.channel, found.speech_seconds,
                       found.segments, found.vector)


def findings(settings: Settings) -> list[RiskFinding]:
    with session_scope(settings) as session:
        rows = session.scalars(sa.select(RiskFinding).order_by(RiskFinding.id)).all()
        session.expunge_all()
        return list(rows)


def test_one_voice_under_three_id_numbers_is_a_ring_for_a_senior(web_store: Settings) -> None:
    record(web_store, application(1), voices=[call(1, **RING_VOICE)])
    record(web_store, application(2), voices=[call(2, **OTHER_VOICES[0])])
    record(web_store, application(3), voices=[call(3, **RING_VOICE)])
    record(web_store, application(4), voices=[call(4, **OTHER_VOICES[1])])
    _, result, _ = record(web_store, application(5), voices=[call(5, **RING_VOICE)])

    last = findings(web_store)[-1]
    assert last.kinds == ["voice"]
    assert last.members[0] == application(5).application_id
    assert set(last.members) == {application(n).application_id for n in (1, 3, 5)}
    assert len(findings(web_store)) == 2  # 3 and 5 each carry theirs; 2 and 4 are clean
    assert result.decision is Decision.REVIEW
    with session_scope(web_store) as session:
        task = session.scalars(sa.select(MicroTask).order_by(MicroTask.id.desc())).first()
        assert task is not None and task.kind == MicroTaskKind.INVESTIGATE_LINK
        assert task.role == "senior" and "同一声音 same voice" in task.question
        stored = session.scalars(sa.select(VoiceEmbedding)).all()
        assert len(stored) == 5 and len({row.cluster for row in stored}) == 3


def test_the_same_applicant_calling_again_is_no_finding(web_store: Settings) -> None:
    record(web_store, application(1), voices=[call(1, **RING_VOICE)])
    record(web_store, application(2, id_number=application(1).applicant.id_number,
                                  name=application(1).applicant.name),
           voices=[call(2, **RING_VOICE)])
    assert findings(web_store) == []


def test_the_thresholds_of_the_test_sit_between_same_and_other_voices() -> None:
    engine = get_voice_engine(Settings())
    ring = [call(seed, **RING_VOICE).vector for seed in (11, 12)]
    others = [call(13, **voice).vector for voice in OTHER_VOICES]
    at = SYNTHETIC_VOICES.same_voice_at["wideband"]
    assert engine.similarity(ring[0], ring[1]) >= at
    assert all(engine.similarity(ring[0], other) < at for other in others)
    assert np.isclose(np.linalg.norm(ring[0]), 1.0)


def test_voiceprints_past_their_retention_are_deleted(web_store: Settings) -> None:
    from datetime import timedelta

    from autopass.voice.agents import forget_old_voiceprints
    from tests.risk.helpers import NOW

    record(web_store, application(1), voices=[call(1, **RING_VOICE)],
           now=NOW - timedelta(days=40))
    record(web_store, application(2), voices=[call(2, **RING_VOICE)], now=NOW)
    with session_scope(web_store) as session:
        assert forget_old_voiceprints(session, now=NOW, days=30) == 1
    with session_scope(web_store) as session:
        [kept] = session.scalars(sa.select(VoiceEmbedding)).all()
        assert kept.file == "call2.wav"
