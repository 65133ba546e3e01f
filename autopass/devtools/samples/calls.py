"""Verification calls attached to sample dossiers (``autopass samples --voices DIR``), with rings of
one speaker answering for several applicants, and their truth.

Calls are built from a folder of labelled speech (``../shared/datasets/voices-dev``) as
``autopass voices rings`` builds them (``autopass.devtools.voices.verification_call``): with
``--call-agent`` one speaker is the centre's agent, speaking a turn before each of the applicant's
(mono) and enrolled from recordings of them alone written to ``<out>/agents/<name>/``; with
``--call-channel telephone`` every call goes through the telephone channel.

Who speaks on which dossier's call is decided once from the run's seed, count and folder, so every
worker process knows its dossier's part without asking the others: each ring speaker answers for
2-5 applicants (other utterances each time), every other dossier has a speaker of its own; when the
folder holds fewer speakers than dossiers, the last dossiers have no call (never a speaker twice
outside a ring: that would be a ring the truth does not know). Dossiers in a planted ring of
another kind (``fraud``) get no voice ring (one ring per dossier in truth.json).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from autopass.voice.audio import RATE

# ``autopass.devtools.voices`` (scipy's filters) and soundfile are imported where calls are made:
# the generator imports this module whether or not a run has calls.
UTTERANCES_PER_CALL = 2
MAX_RING_MEMBERS = 5
AGENTS_FOLDER = "agents"
"""Under the samples folder: one sub-folder per agent, holding recordings of them alone."""
AGENT_NAME = "agent-1"
CALL_SUFFIX = ".flac"


class CallChannel(str, enum.Enum):
    WIDEBAND = "wideband"
    TELEPHONE = "telephone"


@dataclass(frozen=True)
class VoiceRing:
    id: str
    speaker: str
    indices: tuple[int, ...]  # dossier indices, in the order they are processed


@dataclass(frozen=True)
class CallPart:
    """One dossier's call: who answers it, with which utterances, and its ring if any."""

    speaker: str
    files: tuple[Path, ...]
    ring: VoiceRing | None = None
    position: int = 0  # in the ring: 0 is its first application

    @property
    def planted(self) -> bool:
        return self.ring is not None and self.position > 0


@dataclass(frozen=True)
class CallCast:
    """Every dossier's call in a run (dossiers without one are absent) and the agent's files."""

    calls: dict[int, CallPart]
    agent_files: tuple[Path, ...]
    channel: CallChannel
    speakers: int  # speakers in the folder

    @property
    def rings(self) -> list[VoiceRing]:
        return sorted({part.ring for part in self.calls.values() if part.ring is not None},
                      key=lambda ring: ring.id)


@lru_cache(maxsize=8)
def cast_calls(voices: Path, seed: int, count: int, rings: int, *, agent: bool,
               channel: CallChannel, excluded: frozenset[int] = frozenset()) -> CallCast:
    """Who answers each dossier's call. Raises ``ValueError`` naming the folder when it cannot
    hold the rings asked for."""
    from autopass.devtools.voices import AGENT_ENROLMENT_FILES, speech_by_speaker

    by_speaker = speech_by_speaker(Path(voices))
    if not by_speaker:
        raise ValueError(f"{voices}: no labelled speech (.wav or .flac) found")
    rng = np.random.default_rng([seed, count, rings, 31])
    order = [str(s) for s in rng.permutation(sorted(by_speaker))]
    agent_files: tuple[Path, ...] = ()
    if agent:
        able = [s for s in order if len(by_speaker[s]) > AGENT_ENROLMENT_FILES]
        if not able:
            raise ValueError(f"{voices}: no speaker with more than {AGENT_ENROLMENT_FILES} files "
                             "to be the agent")
        agent_files = tuple(by_speaker[able[0]])
        order.remove(able[0])
    ring_speakers = [s for s in order if len(by_speaker[s]) >= 2 * UTTERANCES_PER_CALL][:rings]
    if len(ring_speakers) < rings:
        raise ValueError(f"{voices}: {len(ring_speakers)} speakers have the "
                         f"{2 * UTTERANCES_PER_CALL} files a ring of two needs, {rings} rings asked")
    free = [index for index in range(1, count + 1) if index not in excluded]
    free = [int(i) for i in rng.permutation(free)]
    calls: dict[int, CallPart] = {}
    for number, speaker in enumerate(ring_speakers, start=1):
        files = [by_speaker[speaker][int(i)] for i in rng.permutation(len(by_speaker[speaker]))]
        most = min(MAX_RING_MEMBERS, len(files) // UTTERANCES_PER_CALL)
        size = int(rng.integers(2, most + 1))
        if len(free) < size:
            raise ValueError(f"{count} dossiers cannot hold {rings} voice rings")
        ring = VoiceRing(f"V{number:02d}", speaker, tuple(sorted(free.pop() for _ in range(size))))
        for position, index in enumerate(ring.indices):
            calls[index] = CallPart(speaker, tuple(files[position * UTTERANCES_PER_CALL:
                                                         (position + 1) * UTTERANCES_PER_CALL]),
                                    ring, position)
    clean_speakers = [s for s in order if s not in ring_speakers]
    for index, speaker in zip(sorted(free), clean_speakers, strict=False):
        calls[index] = CallPart(speaker, tuple(by_speaker[speaker][:UTTERANCES_PER_CALL]))
    return CallCast(calls, agent_files, CallChannel(channel), len(by_speaker))


def write_call(folder: Path, name: str, cast: CallCast, index: int, seed: int) -> Path | None:
    """Dossier ``index``'s call written into ``folder`` as ``name`` + ``CALL_SUFFIX``; None when
    the dossier has no call."""
    import soundfile

    from autopass.devtools.voices import verification_call

    part = cast.calls.get(index)
    if part is None:
        return None
    rng = np.random.default_rng([seed, index, 32])  # which of the agent's turns: the call's own
    samples = verification_call(list(part.files), list(cast.agent_files) or None, rng,
                                telephone=cast.channel is CallChannel.TELEPHONE)
    path = folder / f"{name}{CALL_SUFFIX}"
    soundfile.write(path, samples, RATE, subtype="PCM_16")
    return path


def write_agents(out: Path, cast: CallCast) -> Path | None:
    """The agent's enrolment recording under ``out/agents/<name>/`` (what ``autopass agents
    enrol`` takes, and ``autopass evaluate`` enrols); None without an agent."""
    import soundfile

    from autopass.devtools.voices import agent_enrolment

    if not cast.agent_files:
        return None
    folder = Path(out) / AGENTS_FOLDER / AGENT_NAME
    folder.mkdir(parents=True, exist_ok=True)
    samples = agent_enrolment(list(cast.agent_files),
                              telephone=cast.channel is CallChannel.TELEPHONE)
    soundfile.write(folder / f"enrolment{CALL_SUFFIX}", samples, RATE, subtype="PCM_16")
    return folder


def call_truth(file: str, cast: CallCast, index: int, application_ids: dict[int, str]) -> dict[str, Any]:
    """The ``call`` section of a dossier's truth.json (additive to CONTRACT §4)."""
    part = cast.calls[index]
    ring = None
    if part.ring is not None:
        ring = {"id": part.ring.id, "members": [application_ids[i] for i in part.ring.indices],
                "position": part.position, "planted": part.planted}
    return {"file": file, "speaker": part.speaker, "channel": cast.channel.value,
            "agent": AGENT_NAME if cast.agent_files else None, "ring": ring}
