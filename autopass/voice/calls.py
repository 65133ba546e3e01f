"""A call's voiceprint: the applicant's speech only, embedded once.

In a mono recording the centre's agent speaks too, and the agent's voice is in every call: left in,
it makes different applicants look alike. Each stretch of speech is cut into windows of about two
seconds; a window that sounds like an enrolled agent is dropped; the rest (up to
``max_speech_seconds``) is embedded as one utterance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autopass.engines.base import VoiceEngine
from autopass.voice.audio import RATE, channel_of
from autopass.voice.vad import Segment, speech_segments

WINDOW = 2 * RATE
MIN_WINDOW = RATE // 2


@dataclass(frozen=True)
class AgentVoice:
    """An agent of the centre, enrolled from recordings of their voice alone."""

    name: str
    vector: np.ndarray


@dataclass(frozen=True)
class CallVoice:
    """What a call says about who spoke: the applicant's voiceprint, or why there is none."""

    channel: str  # telephone | wideband
    seconds: float
    speech_seconds: float  # of the applicant, used for the voiceprint
    agent_seconds: float  # dropped: an enrolled agent's voice
    vector: np.ndarray | None = None
    segments: list[Segment] = field(default_factory=list)  # the applicant's speech, in samples
    problem: str | None = None  # set when there is no voiceprint


def windows(segments: list[Segment]) -> list[Segment]:
    """Each stretch of speech cut into ~2 s windows (a short tail joins the window before)."""
    out: list[Segment] = []
    for start, end in segments:
        cuts = list(range(start, end, WINDOW)) + [end]
        if len(cuts) > 2 and cuts[-1] - cuts[-2] < WINDOW // 2:
            del cuts[-2]
        out += [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b - a >= MIN_WINDOW]
    return out


def _without_agents(engine: VoiceEngine, samples: np.ndarray, speech: list[Segment],
                    agents: list[AgentVoice], at: float, budget: int,
                    stride: int) -> tuple[list[Segment], int, list[np.ndarray]]:
    """The windows that are not an agent speaking (until ``budget`` samples are kept), the
    agents' samples dropped, and the voiceprints of the kept windows that were embedded. With
    ``stride`` > 1 only every stride-th window is embedded: the windows between two embedded
    ones that agree (both the agent, or both not) take their answer; where they disagree (a turn
    changes hands) each is embedded."""
    cut = windows(speech)
    found: dict[int, tuple[bool, np.ndarray]] = {}

    def is_agent(index: int) -> bool:
        if index not in found:
            start, end = cut[index]
            vector = engine.embed(samples[start:end])
            found[index] = (max(engine.similarity(vector, agent.vector) for agent in agents) >= at,
                            vector)
        return found[index][0]

    kept: list[Segment] = []
    agent_samples, index = 0, 0
    while index < len(cut) and sum(b - a for a, b in kept) < budget:
        ahead = min(index + stride, len(cut) - 1)
        same = stride > 1 and ahead > index + 1 and is_agent(index) == is_agent(ahead)
        for number in range(index, ahead if ahead > index else index + 1):
            start, end = cut[number]
            if (is_agent(index) if same else is_agent(number)):
                agent_samples += end - start
            else:
                kept.append((start, end))
        index = max(ahead, index + 1)
    pooled = [found[number][1] for number in sorted(found) if not found[number][0]
              and cut[number] in kept]
    return kept, agent_samples, pooled


def voice_of_call(engine: VoiceEngine, samples: np.ndarray, *, agents: list[AgentVoice],
                  agent_same_voice_at: float, max_speech_seconds: float,
                  min_speech_seconds: float = 2.0, pool_windows: bool = False,
                  stride: int = 1) -> CallVoice:
    """The applicant's voiceprint of one decoded call (16 kHz mono). With agents and
    ``pool_windows``, the voiceprint is the mean of the kept windows' that were embedded (no
    second pass); ``stride`` > 1 embeds fewer windows to tell the agent (``_without_agents``)."""
    seconds = len(samples) / RATE
    channel = channel_of(samples)
    speech = speech_segments(samples)
    if not speech:
        return CallVoice(channel, seconds, 0.0, 0.0, problem="no speech in the recording")
    kept, agent_samples, pooled = speech, 0, []
    if agents:
        kept, agent_samples, pooled = _without_agents(
            engine, samples, speech, agents, agent_same_voice_at,
            int(max_speech_seconds * RATE), stride)
    used: list[Segment] = []
    budget = int(max_speech_seconds * RATE)
    for start, end in kept:
        if budget <= 0:
            break
        used.append((start, min(end, start + budget)))
        budget -= used[-1][1] - start
    speech_seconds = sum(b - a for a, b in used) / RATE
    agent_seconds = agent_samples / RATE
    if speech_seconds < min_speech_seconds:
        why = (f"only {speech_seconds:.1f} s of the applicant's speech "
               f"({agent_seconds:.1f} s of an agent's)" if agents else
               f"only {speech_seconds:.1f} s of speech")
        return CallVoice(channel, seconds, speech_seconds, agent_seconds, segments=used,
                         problem=f"{why}: too little for a voiceprint")
    if pool_windows and pooled:
        mean = np.mean(pooled, axis=0)
        vector = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
    else:
        vector = engine.embed(np.concatenate([samples[a:b] for a, b in used]))
    return CallVoice(channel, seconds, speech_seconds, agent_seconds, vector, used)


def enrol_agent(engine: VoiceEngine, name: str, recordings: list[np.ndarray]) -> AgentVoice:
    """An agent's voiceprint from recordings of them alone (their speech only, all together)."""
    speech = [samples[a:b] for samples in recordings for a, b in speech_segments(samples)]
    if not speech:
        raise ValueError(f"agent {name}: no speech in the recordings given")
    return AgentVoice(name, engine.embed(np.concatenate(speech)))
