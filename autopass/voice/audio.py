"""Decode a recorded call to 16 kHz mono float32.

WAV and FLAC through soundfile (libsndfile, bundled in its wheel); MP3 and M4A (AAC) through PyAV
(FFmpeg, bundled in its wheel): neither needs a system package.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

RATE = 16_000
SOUNDFILE_SUFFIXES = frozenset({".wav", ".flac"})
FFMPEG_SUFFIXES = frozenset({".mp3", ".m4a"})
AUDIO_SUFFIXES = SOUNDFILE_SUFFIXES | FFMPEG_SUFFIXES
TELEPHONE_BAND_HZ = 3_800
"""A call with (almost) nothing above this went through a telephone channel (8 kHz sampling)."""


class AudioError(ValueError):
    """The file is not audio this module can decode (named, with why)."""


@dataclass(frozen=True)
class Call:
    """A decoded call: mono samples at ``RATE`` and what the recording was."""

    samples: np.ndarray
    source_rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def decode(path: Path, *, channel: int | None = None, max_seconds: float = 3600.0,
           suffix: str | None = None) -> Call:
    """``path`` as 16 kHz mono; ``channel`` takes one channel of a stereo recording (the
    applicant's side), None mixes them; ``suffix`` says the format of a file named without one
    (an original, stored by its hash). Raises ``AudioError`` naming the file."""
    suffix = (suffix or path.suffix).lower()
    try:
        if suffix in SOUNDFILE_SUFFIXES:
            samples, rate = _soundfile(path, max_seconds)
        elif suffix in FFMPEG_SUFFIXES:
            samples, rate = _ffmpeg(path, max_seconds)
        else:
            raise AudioError(f"{path.name}: not a call recording (use {sorted(AUDIO_SUFFIXES)})")
    except AudioError:
        raise
    except Exception as error:  # each decoder has its own errors; all mean "not decodable"
        raise AudioError(f"{path.name}: cannot be decoded as {suffix[1:]} audio ({error})") from error
    if samples.size == 0:
        raise AudioError(f"{path.name}: holds no audio")
    channels = samples.shape[1]
    if channel is not None and channel < channels:
        mono = samples[:, channel]
    else:
        mono = samples.mean(axis=1)
    if rate != RATE:
        factor = gcd(rate, RATE)
        from scipy.signal import resample_poly  # 1 s of CPU to import: only when resampling

        mono = resample_poly(mono, RATE // factor, rate // factor)
    return Call(np.clip(mono, -1.0, 1.0).astype(np.float32), rate, channels)


def _soundfile(path: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    import soundfile

    with soundfile.SoundFile(str(path)) as file:
        if file.frames > max_seconds * file.samplerate:
            raise AudioError(f"{path.name}: {file.frames / file.samplerate:.0f} s, longer than "
                             f"the {max_seconds:.0f} s a call may last")
        return file.read(dtype="float32", always_2d=True), int(file.samplerate)


def _ffmpeg(path: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    import av

    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise AudioError(f"{path.name}: has no audio stream")
        stream = container.streams.audio[0]
        channels = stream.codec_context.channels or 1
        resampler = av.AudioResampler(format="fltp", layout=stream.layout, rate=RATE)
        total = 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().T  # samples x channels
                chunks.append(chunk)
                total += len(chunk)
            if total > max_seconds * RATE:
                raise AudioError(f"{path.name}: longer than the {max_seconds:.0f} s a call may last")
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray().T)
    if not chunks:
        return np.zeros((0, channels), dtype=np.float32), RATE
    return np.concatenate(chunks).astype(np.float32), RATE


def channel_of(samples: np.ndarray) -> str:
    """``telephone`` when the sound stops at the telephone band (it was sampled at 8 kHz on its
    way), else ``wideband``: voiceprint scores, and so thresholds, differ between the two."""
    if len(samples) < RATE // 10:
        return "wideband"
    spectrum = np.abs(np.fft.rfft(samples[: RATE * 20].astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(min(len(samples), RATE * 20), 1 / RATE)
    high = spectrum[freqs > TELEPHONE_BAND_HZ].sum()
    return "telephone" if high < 1e-4 * (spectrum.sum() or 1.0) else "wideband"
