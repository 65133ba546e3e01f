"""Recorded verification calls: decode each, keep the applicant's speech, make its voiceprint
(``autopass.voice``); what the calls say goes into the result and the screening."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from autopass.dossier import CallResult, CheckResult, Status, VoiceCheck
from autopass.engines.registry import get_voice_engine
from autopass.risk import Screening, VoiceVector
from autopass.risk.attributes import VOICE
from autopass.settings import get_settings
from autopass.standards import Standard
from autopass.store import session_scope
from autopass.voice.agents import enrolled_agents, forget_old_voiceprints
from autopass.voice.audio import AudioError, decode
from autopass.voice.calls import CallVoice, voice_of_call

CALL_CHECK_ID = "call_recording_has_applicant_voice"


@dataclass(frozen=True)
class CallCheck:
    file: str
    sha256: str
    voice: CallVoice | None
    problem: str | None  # no voiceprint: why (cannot be decoded, no speech, too little)


@task(name="check-calls", cache_policy=NO_CACHE)
def check_calls(calls: tuple[Path, ...], originals: dict[str, str],
                standard: Standard) -> list[CallCheck]:
    """Each call's applicant voiceprint, or why there is none (a result, never a crash)."""
    if not calls:
        return []
    settings = get_settings()
    engine = get_voice_engine(settings)
    search = standard.risk.voices.get(engine.name)
    with session_scope(settings) as session:
        agents = enrolled_agents(session, engine.name)
    checked = []
    for path in calls:
        sha256 = originals.get(path.name, "")
        try:
            call = decode(path, channel=settings.call_applicant_channel)
        except AudioError as exc:
            get_run_logger().warning("call recording cannot be decoded: %s", exc)
            checked.append(CallCheck(path.name, sha256, None, str(exc)))
            continue
        voice = voice_of_call(
            engine, call.samples, agents=agents,
            agent_same_voice_at=search.agent_same_voice_at if search else 1.0,
            max_speech_seconds=settings.call_max_speech_seconds)
        problem = f"{path.name}: {voice.problem}" if voice.problem else None
        checked.append(CallCheck(path.name, sha256, voice, problem))
    return checked


def voices_of(checked: list[CallCheck]) -> list[VoiceVector]:
    """The voiceprints to search and keep."""
    return [VoiceVector(c.file, c.sha256, c.voice.channel, c.voice.speech_seconds,
                        c.voice.segments, c.voice.vector)
            for c in checked if c.voice is not None and c.voice.vector is not None]


def call_results(checked: list[CallCheck], screening: Screening) -> tuple[list[CallResult],
                                                                         list[CheckResult]]:
    """The calls as the result shows them, and the check that asks a senior about a call with no
    voiceprint (none when the dossier has no call)."""
    linked = sorted({link.application_id for link in screening.links
                     if link.attribute.kind == VOICE})
    results = []
    for c in checked:
        voice = c.voice
        if c.problem is not None:
            check = VoiceCheck(status=Status.REVIEW, detail=c.problem)
        elif linked:
            check = VoiceCheck(status=Status.REVIEW,
                               detail=f"同一声音 same voice as application(s) {', '.join(linked)}")
        else:
            check = VoiceCheck(status=Status.PASS,
                               detail="no other applicant's voice among earlier calls")
        results.append(CallResult(
            file=c.file, seconds=round(voice.seconds, 2) if voice else 0.0,
            channel=voice.channel if voice else "",
            speech_seconds=round(voice.speech_seconds, 2) if voice else 0.0,
            agent_seconds=round(voice.agent_seconds, 2) if voice else 0.0, voice=check))
    if not checked:
        return results, []
    problems = [c.problem for c in checked if c.problem]
    check = (CheckResult(id=CALL_CHECK_ID, status=Status.REVIEW,
                         detail="录音无法核验 call cannot be checked: " + "; ".join(problems))
             if problems else CheckResult(id=CALL_CHECK_ID, status=Status.PASS,
                                          detail=f"{len(checked)} call(s) with a voiceprint"))
    return results, [check]


@task(name="forget-voiceprints", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def forget_voiceprints(now: datetime) -> int:
    """Delete the voiceprints past their retention (the recordings stay with the originals)."""
    settings = get_settings()
    with session_scope(settings) as session:
        return forget_old_voiceprints(session, now=now, days=settings.voiceprint_retention_days)
