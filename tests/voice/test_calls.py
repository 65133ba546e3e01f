"""Calls decoded from every accepted format, speech found, agents' turns dropped, and a call with
no voice said so (synthetic voices made in the test; voices-dev where present)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from autopass.engines.registry import get_voice_engine
from autopass.settings import Settings
from autopass.voice.audio import RATE, AudioError, channel_of, decode
from autopass.voice.calls import enrol_agent, voice_of_call, windows
from autopass.voice.vad import speech_segments
from tests.risk.helpers import SYNTHETIC_VOICES
from tests.voice_audio import silence, synthetic_voice

VOICES_DEV = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "voices-dev"
APPLICANT = {"pitch": 110.0, "tract": 1.0}
AGENT = {"pitch": 230.0, "tract": 1.2}


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return get_voice_engine(Settings())


def _write_ffmpeg(path: Path, samples: np.ndarray, codec: str) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16)[None], format="s16",
                                           layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".mp3", ".m4a"])
def test_every_accepted_format_decodes_to_16_khz_mono(tmp_path: Path, suffix: str) -> None:
    samples = synthetic_voice(3.0)
    path = tmp_path / f"call{suffix}"
    if suffix in (".wav", ".flac"):
        soundfile.write(path, samples, RATE)
    else:
        _write_ffmpeg(path, samples, {".mp3": "mp3", ".m4a": "aac"}[suffix])
    call = decode(path)
    assert call.samples.dtype == np.float32 and abs(call.seconds - 3.0) < 0.1
    assert 0.2 < np.abs(call.samples).max() <= 0.35


def test_a_stereo_44_khz_call_gives_the_applicants_channel_at_16_khz(tmp_path: Path) -> None:
    left, right = synthetic_voice(2.0), np.zeros(32000, dtype=np.float32)
    stereo = np.stack([np.interp(np.arange(88200) / 44100, np.arange(32000) / RATE, channel)
                       for channel in (left, right)], axis=1)
    soundfile.write(tmp_path / "call.wav", stereo, 44100)
    assert decode(tmp_path / "call.wav", channel=1).samples.max() == 0.0
    mixed = decode(tmp_path / "call.wav")
    assert abs(mixed.seconds - 2.0) < 0.01 and mixed.channels == 2 and mixed.source_rate == 44100


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEjunk", b"\xff\xfb" + bytes(300)])
def test_a_corrupt_file_is_an_audio_error_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="^broken.mp3: "):
        decode(path)


def test_speech_is_found_between_pauses_and_silence_has_none() -> None:
    call = np.concatenate([silence(1.0), synthetic_voice(3.0, pause_every=10.0), silence(1.0)])
    [(start, end)] = speech_segments(call)
    assert abs(start / RATE - 1.0) < 0.1 and abs(end / RATE - 4.0) < 0.1
    assert speech_segments(silence(5.0)) == []


def test_windows_cut_speech_into_about_two_seconds() -> None:
    assert windows([(0, 9 * RATE // 2)]) == [(0, 2 * RATE), (2 * RATE, 9 * RATE // 2)]
    assert windows([(0, RATE // 4)]) == []


def test_a_call_with_no_speech_has_no_voiceprint_and_says_why(engine) -> None:  # type: ignore[no-untyped-def]
    voice = voice_of_call(engine, silence(10.0), agents=[], agent_same_voice_at=0.7,
                          max_speech_seconds=30)
    assert voice.vector is None and voice.problem == "no speech in the recording"


def test_the_telephone_band_is_told_from_wideband() -> None:
    from autopass.devtools.voices import telephone

    assert channel_of(synthetic_voice(3.0)) == "wideband"
    assert channel_of(telephone(synthetic_voice(3.0))) == "telephone"


def test_the_enrolled_agents_turns_are_dropped(engine) -> None:  # type: ignore[no-untyped-def]
    agent = enrol_agent(engine, "agent-7", [synthetic_voice(8.0, seed=40, **AGENT)])
    turns = [synthetic_voice(4.0, seed=41, pause_every=9, **AGENT), silence(0.6),
             synthetic_voice(4.0, seed=42, pause_every=9, **APPLICANT), silence(0.6),
             synthetic_voice(4.0, seed=43, pause_every=9, **AGENT), silence(0.6),
             synthetic_voice(4.0, seed=44, pause_every=9, **APPLICANT)]
    call = np.concatenate(turns)
    alone = engine.embed(synthetic_voice(8.0, seed=45, **APPLICANT))
    mixed = voice_of_call(engine, call, agents=[], agent_same_voice_at=1.0, max_speech_seconds=30)
    cleaned = voice_of_call(engine, call, agents=[agent],
                            agent_same_voice_at=SYNTHETIC_VOICES.agent_same_voice_at,
                            max_speech_seconds=30)
    assert 7.0 <= cleaned.agent_seconds <= 8.5 and 7.0 <= cleaned.speech_seconds <= 8.5
    assert engine.similarity(cleaned.vector, alone) > engine.similarity(mixed.vector, alone) + 0.1
    assert engine.similarity(cleaned.vector, alone) > SYNTHETIC_VOICES.same_voice_at["wideband"]


class CountingEngine:
    """The real engine, counting the stretches of speech it is asked to embed."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.embedded = engine, 0

    def embed(self, audio: np.ndarray) -> np.ndarray:
        self.embedded += 1
        return self.engine.embed(audio)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        return self.engine.similarity(a, b)


def test_embedding_every_other_window_drops_the_same_turns_with_fewer_embeddings(engine) -> None:  # type: ignore[no-untyped-def]
    agent = enrol_agent(engine, "agent-7", [synthetic_voice(8.0, seed=40, **AGENT)])
    turns = []
    for turn in range(4):
        voice = AGENT if turn % 2 == 0 else APPLICANT
        turns += [synthetic_voice(10.0, seed=50 + turn, pause_every=11, **voice), silence(0.6)]
    call = np.concatenate(turns)
    checked = {}
    for stride in (1, 2):
        counting = CountingEngine(engine)
        voice = voice_of_call(counting, call, agents=[agent],  # type: ignore[arg-type]
                              agent_same_voice_at=SYNTHETIC_VOICES.agent_same_voice_at,
                              max_speech_seconds=30, pool_windows=True, stride=stride)
        checked[stride] = (voice, counting.embedded)
    (every, embedded_every), (sparse, embedded_sparse) = checked[1], checked[2]
    assert len(windows(speech_segments(call))) == embedded_every == 16  # no second pass
    assert embedded_sparse == 12  # where a turn changes hands both windows are embedded
    assert (sparse.segments, sparse.agent_seconds) == (every.segments, every.agent_seconds)
    assert 16.0 <= sparse.speech_seconds <= 17.0 and every.agent_seconds > 16.0
    alone = engine.embed(synthetic_voice(8.0, seed=45, **APPLICANT))
    assert engine.similarity(sparse.vector, alone) > SYNTHETIC_VOICES.same_voice_at["wideband"]


@pytest.mark.skipif(not VOICES_DEV.is_dir(), reason="measurement on ../shared voices-dev")
def test_agent_removal_on_real_speech(engine) -> None:  # type: ignore[no-untyped-def]
    """Two LibriSpeech speakers alternate; the first is the enrolled agent."""
    speakers = sorted(p for p in (VOICES_DEV / "librispeech_test-other").iterdir() if p.is_dir())
    agent_files = sorted(speakers[0].glob("*.flac"))
    applicant_files = sorted(speakers[1].glob("*.flac"))
    agent = enrol_agent(engine, "agent", [decode(p).samples for p in agent_files[:3]])
    turns = []
    for agent_file, applicant_file in zip(agent_files[3:6], applicant_files[:3], strict=True):
        turns += [decode(agent_file).samples, silence(0.6), decode(applicant_file).samples,
                  silence(0.6)]
    call = np.concatenate(turns)
    alone = engine.embed(np.concatenate([decode(p).samples for p in applicant_files[3:6]]))
    cleaned = voice_of_call(engine, call, agents=[agent], agent_same_voice_at=0.5,
                            max_speech_seconds=60)
    mixed = voice_of_call(engine, call, agents=[], agent_same_voice_at=1.0, max_speech_seconds=60)
    assert cleaned.agent_seconds > 10
    assert engine.similarity(cleaned.vector, alone) > engine.similarity(mixed.vector, alone)
