"""Speech-like audio made in the test, so voice tests run without ../shared/datasets/voices-dev.

A "voice" is a glottal pulse train at a pitch of its own, shaped by formant peaks of its own and cut
into syllables and pauses: enough for VAD, decoding and the engine's reference test, and different
"voices" really sound different to a speaker model. Only numpy: the torch reference script imports
it too.
"""

from __future__ import annotations

import numpy as np

RATE = 16_000


VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
          (570, 840, 2410), (660, 1720, 2410), (440, 1020, 2240))
"""Formants (Hz) of seven vowels of an adult male voice; a voice's ``tract`` scales them."""


def synthetic_voice(seconds: float, *, pitch: float = 120.0, tract: float = 1.0, seed: int = 0,
                    pause_every: float = 1.2, level: float = 0.3) -> np.ndarray:
    """``seconds`` of 16 kHz float32 speech-like sound: quarter-second vowels at ``pitch`` from a
    vocal tract ``tract`` times an adult male's, with a short pause every ``pause_every`` s.
    The same ``pitch`` and ``tract`` with another ``seed`` is the same "voice" saying other things
    (CAM++ scores that 0.85-0.94; voices far apart in pitch and tract 0.4-0.65)."""
    rng = np.random.default_rng(seed)
    count = int(seconds * RATE)
    t = np.arange(count) / RATE
    f0 = pitch * (1.0 + 0.08 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)))
    phase = np.cumsum(f0 / RATE)
    source = (np.diff(np.floor(phase), prepend=0.0) > 0).astype(np.float64)
    source += 0.05 * rng.standard_normal(count)
    syllable = int(0.25 * RATE)
    window = np.hanning(syllable)
    voiced = np.zeros(count)
    for start in range(0, count, syllable):
        piece = source[start:start + syllable]
        freqs = np.fft.rfftfreq(len(piece), 1 / RATE)
        shape = np.zeros_like(freqs)
        for number, formant in enumerate(VOWELS[rng.integers(len(VOWELS))]):
            shape += 1.0 / (1.0 + ((freqs - formant * tract) / (60.0 + 30 * number)) ** 2)
        voiced[start:start + len(piece)] = (
            np.fft.irfft(np.fft.rfft(piece) * shape, n=len(piece)) * window[:len(piece)])
    signal = voiced * ((t % pause_every) < pause_every * 0.75)
    return (level * signal / (np.abs(signal).max() or 1.0)).astype(np.float32)


def silence(seconds: float, *, noise: float = 1e-4, seed: int = 1) -> np.ndarray:
    """Line noise only: what a call where nobody spoke sounds like."""
    rng = np.random.default_rng(seed)
    return (noise * rng.standard_normal(int(seconds * RATE))).astype(np.float32)


def write_labelled_speech(root, speakers: dict[str, tuple[float, float, int]],
                          seconds: float = 4.0) -> None:
    """A folder laid out as voices-dev's LibriSpeech part (``librispeech_*/<speaker>/*.flac``):
    speaker -> (pitch, tract, how many utterances), each utterance ``seconds`` long."""
    import soundfile

    for number, (speaker, (pitch, tract, files)) in enumerate(sorted(speakers.items())):
        folder = root / "librispeech_synthetic" / speaker
        folder.mkdir(parents=True, exist_ok=True)
        for k in range(files):
            soundfile.write(folder / f"{speaker}-{k}.flac", synthetic_voice(
                seconds, pitch=pitch, tract=tract, seed=100 * number + k), RATE)
