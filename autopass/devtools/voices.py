"""Voiceprint measurements on a folder of labelled speech (``../shared/datasets/voices-dev``):
equal-error rate wideband, over a simulated telephone channel and across the two, the threshold
at that rate per channel, and seconds per 60 s call. Also the telephone channel the sample
generator puts calls through."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from autopass.engines.base import VoiceEngine
from autopass.standards import VoiceSearch
from autopass.voice.audio import RATE, decode
from autopass.voice.calls import AgentVoice, CallVoice, voice_of_call, windows
from autopass.voice.vad import speech_segments

SYNTHETIC = ("espeak_cmn",)
"""voices-dev folders of synthetic voices: for pipeline tests, never for measuring."""
_TELEPHONE_BAND = butter(6, [300, 3400], btype="bandpass", fs=8000, output="sos")


def telephone(samples: np.ndarray) -> np.ndarray:
    """16 kHz speech as it comes back from a phone line: 8 kHz, 300-3400 Hz, G.711 mu-law
    (what the dataset's make_telephone.sh does with sox)."""
    narrow = sosfilt(_TELEPHONE_BAND, resample_poly(samples.astype(np.float64), 1, 2))
    mu = 255.0
    squashed = np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu)
    quantised = np.round(squashed * 127) / 127
    expanded = np.sign(quantised) * np.expm1(np.abs(quantised) * np.log1p(mu)) / mu
    return resample_poly(expanded, 2, 1).astype(np.float32)


AGENT_ENROLMENT_FILES = 3
"""An agent speaker's first files enrol them; their other files are their turns in calls."""


def agent_enrolment(agent_files: list[Path], *, telephone: bool) -> np.ndarray:
    """The recording an agent speaker is enrolled from: their first files one after another
    (their voice alone), through the channel their calls take."""
    return _channel(np.concatenate([decode(path).samples
                                    for path in agent_files[:AGENT_ENROLMENT_FILES]]), telephone)


def verification_call(applicant_files: list[Path], agent_files: list[Path] | None,
                      rng: np.random.Generator, *, gap: float = 0.5,
                      telephone: bool = True) -> np.ndarray:
    """A mono verification call (16 kHz): before each of the applicant's utterances one of the
    agent's (a file they were not enrolled from), ``gap`` seconds apart; through the telephone
    channel when asked. Without ``agent_files``, the applicant alone (a stereo call's side)."""
    pause = np.zeros(int(gap * RATE), dtype=np.float32)
    turns: list[np.ndarray] = []
    for path in applicant_files:
        if agent_files:
            turn = AGENT_ENROLMENT_FILES + int(rng.integers(len(agent_files) - AGENT_ENROLMENT_FILES))
            turns += [decode(agent_files[turn]).samples, pause]
        turns += [decode(path).samples, pause]
    return _channel(np.concatenate(turns), telephone)


def _channel(samples: np.ndarray, phone: bool) -> np.ndarray:
    return telephone(samples) if phone else samples


def labelled_speech(root: Path) -> list[tuple[str, Path]]:
    """(speaker, file) of every real voice under ``root``: LibriSpeech speakers by folder, the
    others by the person the file name names (voices-dev's MANIFEST)."""
    found: list[tuple[str, Path]] = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (".wav", ".flac") or path.parts[-2] in SYNTHETIC:
            continue
        if "librispeech" in path.parts[-3]:
            found.append((f"libri-{path.parts[-2]}", path))
        elif person := re.search(r"(fangjun|leijun|liudehua)|(speaker\d)_[ab]_(cn|en)", path.stem):
            found.append((person.group(1) or f"{person.group(2)}_{person.group(3)}", path))
        else:
            found.append((f"{path.parts[-2]}-{path.stem.rsplit('_', 1)[0]}", path))
    return found


def speech_by_speaker(root: Path) -> dict[str, list[Path]]:
    """``labelled_speech`` grouped: each speaker's files, in its order."""
    by_speaker: dict[str, list[Path]] = {}
    for speaker, path in labelled_speech(root):
        by_speaker.setdefault(speaker, []).append(path)
    return by_speaker


def equal_error_rate(same: list[float], different: list[float]) -> tuple[float, float]:
    """(rate, threshold) where as many same-speaker pairs fall under the threshold as different
    pairs reach it."""
    best = (1.0, 0.0)
    for threshold in np.unique(np.concatenate([same, different])):
        miss = float(np.mean(np.array(same) < threshold))
        false = float(np.mean(np.array(different) >= threshold))
        if max(miss, false) < best[0]:
            best = (max(miss, false), float(threshold))
    return best


@dataclass(frozen=True)
class ChannelFigures:
    channel: str
    same_pairs: int
    different_pairs: int
    equal_error_rate: float
    threshold: float


def measure(engine: VoiceEngine, root: Path) -> dict[str, object]:
    """EER and threshold per channel on every pair of files, and speed on a 60 s call."""
    speech = labelled_speech(root)
    wide, phone = [], []
    for _speaker, path in speech:
        samples = decode(path).samples
        wide.append(engine.embed(samples))
        phone.append(engine.embed(telephone(samples)))
    figures = []
    for channel, left, right in (("wideband", wide, wide), ("telephone", phone, phone),
                                 ("wideband-telephone", wide, phone)):
        same, different = [], []
        for i, j in combinations(range(len(speech)), 2):
            score = engine.similarity(left[i], right[j])
            (same if speech[i][0] == speech[j][0] else different).append(score)
        rate, threshold = equal_error_rate(same, different)
        figures.append(ChannelFigures(channel, len(same), len(different), rate, threshold))
    agent_rate, agent_threshold = agent_windows(engine, speech)
    call = telephone(np.concatenate([decode(path).samples for _, path in speech[:12]])[:60 * RATE])
    agent = AgentVoice("agent", phone[-1])
    speed = {name: _seconds(lambda agents=agents, budget=budget: voice_of_call(
                 engine, call, agents=agents, agent_same_voice_at=0.99, max_speech_seconds=budget),
                 clock=time.perf_counter)
             for name, agents, budget in (("all_speech", [], 1000.0),
                                          ("first_30s_of_speech", [], 30.0),
                                          ("agent_removal_and_30s", [agent], 30.0))}
    return {"files": len(speech), "speakers": len({s for s, _ in speech}),
            "channels": [vars(figure) for figure in figures],
            "agent_windows_2s": {"equal_error_rate": agent_rate, "threshold": agent_threshold},
            "seconds_per_60s_telephone_call": speed}


def _seconds(run: Callable[[], object], *, repeats: int = 3,
             clock: Callable[[], float] = time.process_time) -> float:
    """The fastest of ``repeats`` runs (the others paid for a busy machine)."""
    timings = []
    for _ in range(repeats):
        started = clock()
        run()
        timings.append(clock() - started)
    return round(min(timings), 3)


def call_check_speed(engine: VoiceEngine, root: Path, search: VoiceSearch, *,
                     calls: int = 3) -> dict[str, object]:
    """CPU seconds of one thread to check a 60 s mono telephone call with the agent in it, as
    the pipeline does (VAD, agent removal, 30 s budget), per way of making the voiceprint:
    ``embed_again`` (the kept speech embedded again, the default), ``pool_windows`` (the mean
    of the kept windows' voiceprints), each also with a window in two embedded to tell the
    agent where the turn does not change hands (``..._every_other_window``). Calls built as the
    ring draws build them: one LibriSpeech speaker is the agent, the next ones the applicants."""
    by_speaker = speech_by_speaker(root)
    libri = sorted(s for s in by_speaker if s.startswith("libri-"))
    agent_files = by_speaker[libri[0]]
    agent = AgentVoice("agent", engine.embed(agent_enrolment(agent_files, telephone=True)))
    rng = np.random.default_rng(0)
    ways = {"embed_again": (False, 1), "embed_again_every_other_window": (False, 2),
            "pool_windows": (True, 1), "pool_every_other_window": (True, 2)}
    figures: dict[str, list[float]] = {way: [] for way in ways}
    kept: dict[str, list[float]] = {way: [] for way in ways}
    for speaker in libri[1:1 + calls]:
        call = verification_call(by_speaker[speaker], agent_files, rng, telephone=True)
        call = call[:60 * RATE]
        for way, timings in figures.items():
            def check(way: str = way, call: np.ndarray = call) -> CallVoice:
                return voice_of_call(engine, call, agents=[agent],
                                     agent_same_voice_at=search.agent_same_voice_at,
                                     max_speech_seconds=30.0, pool_windows=ways[way][0],
                                     stride=ways[way][1])
            timings.append(_seconds(check) * 60 * RATE / len(call))
            kept[way].append(check().speech_seconds)
    return {"calls": calls, "call_seconds": 60,
            "cpu_seconds_per_60s_call": {way: round(float(np.median(t)), 3)
                                         for way, t in figures.items()},
            "applicant_seconds_kept": {way: round(float(np.median(k)), 1)
                                       for way, k in kept.items()}}


def agent_windows(engine: VoiceEngine, speech: list[tuple[str, Path]]) -> tuple[float, float]:
    """How well 2 s windows of speech are told to be an enrolled speaker (the agent test): each
    LibriSpeech speaker enrolled from 3 files, scored against 2 s windows of everyone's others,
    all over the telephone channel."""
    by_speaker: dict[str, list[Path]] = {}
    for speaker, path in speech:
        if speaker.startswith("libri-"):
            by_speaker.setdefault(speaker, []).append(path)
    enrolled = {s: engine.embed(agent_enrolment(paths, telephone=True))
                for s, paths in by_speaker.items()}
    same, different = [], []
    for speaker, paths in by_speaker.items():
        for path in paths[AGENT_ENROLMENT_FILES:AGENT_ENROLMENT_FILES + 3]:
            samples = telephone(decode(path).samples)
            for start, end in windows(speech_segments(samples))[:4]:
                vector = engine.embed(samples[start:end])
                for other, print_ in enrolled.items():
                    (same if other == speaker else different).append(
                        engine.similarity(vector, print_))
    return equal_error_rate(same, different)


def ring_evaluation(engine: VoiceEngine, root: Path, search: VoiceSearch, *, seed: int,
                    rings: int = 4, agent_gap: float = 0.5,
                    pool_windows: bool = False, stride: int = 1) -> dict[str, object]:
    """Planted rings on calls made from ``root``: one LibriSpeech speaker is the centre's agent
    (enrolled from 3 files, speaking a turn before each applicant's, mono, telephone channel);
    ``rings`` speakers each answer for 2-5 applicants (other utterances each time); every other
    speaker is one clean applicant. Each call is checked as the pipeline does (VAD, agent
    removal, 30 s budget) and compared with every earlier call: a ring is found when each of its
    later calls matches an earlier one of it; a clean applicant is flagged when their call
    matches anyone's."""
    rng = np.random.default_rng(seed)
    by_speaker = speech_by_speaker(root)
    libri = sorted(s for s in by_speaker if s.startswith("libri-"))
    order = list(rng.permutation(libri))
    agent_speaker, ring_speakers = order[0], order[1:1 + rings]
    clean_speakers = [s for s in by_speaker if s != agent_speaker and s not in ring_speakers]
    agent_files = by_speaker[agent_speaker]
    agent = AgentVoice("agent", engine.embed(agent_enrolment(agent_files, telephone=True)))

    def call_of(files: list[Path]) -> np.ndarray:
        return verification_call(files, agent_files, rng, gap=agent_gap, telephone=True)

    calls: list[tuple[str, str]] = []  # (applicant's speaker, kind)
    audio: list[np.ndarray] = []
    for speaker in ring_speakers:
        files = list(rng.permutation(by_speaker[speaker]))
        members = int(rng.integers(2, 6))
        for member in range(members):
            calls.append((speaker, "ring"))
            audio.append(call_of(files[member * 2:member * 2 + 2] or files[-1:]))
    for speaker in clean_speakers:
        calls.append((speaker, "clean"))
        audio.append(call_of(by_speaker[speaker][:2]))
    shuffled = rng.permutation(len(calls))
    calls = [calls[i] for i in shuffled]
    audio = [audio[i] for i in shuffled]
    vectors, timings = [], []
    for samples in audio:
        started = time.process_time()
        voice = voice_of_call(engine, samples, agents=[agent],
                              agent_same_voice_at=search.agent_same_voice_at,
                              max_speech_seconds=30.0, pool_windows=pool_windows,
                              stride=stride)
        timings.append((time.process_time() - started) / (len(samples) / RATE) * 60)
        vectors.append(voice.vector)
    clean = [i for i, (_, kind) in enumerate(calls) if kind == "clean"]

    def judged(threshold: float) -> dict[str, object]:
        matched = [[j for j in range(len(calls)) if j != i and vectors[i] is not None
                    and vectors[j] is not None
                    and engine.similarity(vectors[i], vectors[j]) >= threshold]
                   for i in range(len(calls))]
        found = 0
        for speaker in ring_speakers:
            members = [i for i, (s, _) in enumerate(calls) if s == speaker]
            found += all(any(j in members and j < i for j in matched[i]) for i in members[1:])
        return {"rings_found": found, "clean_flagged": sum(bool(matched[i]) for i in clean),
                "flagged_with": sorted({f"{calls[i][0]}~{calls[j][0]}:"
                                        f"{engine.similarity(vectors[i], vectors[j]):.2f}"
                                        for i in clean for j in matched[i]})}

    at = search.threshold("telephone", "telephone")
    return {"seed": seed, "calls": len(calls), "rings": len(ring_speakers), "clean": len(clean),
            **judged(at),
            "by_threshold": {f"{t:.2f}": {k: v for k, v in judged(t).items()
                                          if k != "flagged_with"}
                             for t in (0.64, 0.68, 0.72, 0.76, 0.80)},
            "cpu_seconds_per_60s_call": round(float(np.median(timings)), 3)}
