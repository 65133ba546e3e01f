"""The voiceprint measurements: equal-error rate and the telephone channel on made-up data, and
the figures on voices-dev where it is present (README "Recorded calls and voiceprints")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autopass.devtools.voices import (
    equal_error_rate,
    labelled_speech,
    ring_evaluation,
    telephone,
)
from autopass.engines.registry import get_voice_engine
from autopass.settings import Settings
from autopass.standards import load_standard
from tests.voice_audio import RATE, synthetic_voice

VOICES_DEV = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "voices-dev"


def test_the_equal_error_rate_is_where_misses_and_false_matches_meet() -> None:
    assert equal_error_rate([0.9, 0.8, 0.7], [0.1, 0.2, 0.3]) == (0.0, 0.7)
    rate, threshold = equal_error_rate([0.9, 0.8, 0.4, 0.7], [0.1, 0.5, 0.3, 0.2])
    assert (rate, threshold) == (0.25, 0.4)  # one false match (0.5), no miss


def test_the_telephone_channel_cuts_above_3400_hz_and_keeps_the_length() -> None:
    wide = synthetic_voice(2.0)
    narrow = telephone(wide)
    spectrum = np.abs(np.fft.rfft(narrow)) ** 2
    freqs = np.fft.rfftfreq(len(narrow), 1 / RATE)
    assert len(narrow) == len(wide)
    assert spectrum[freqs > 4000].sum() < 1e-4 * spectrum.sum()


def test_speakers_are_labelled_by_the_person_the_file_names(tmp_path: Path) -> None:
    for name in ("librispeech_test-other/367/a.flac", "sr_data_zh/enroll_fangjun-sr-1.wav",
                 "sr_data_zh/test_fangjun-test-sr-2.wav", "sr_data_zh/test_3d-speaker_speaker1_b_en_16k.wav",
                 "mandarin_misc/a_1.wav", "espeak_cmn/m1_0.flac"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    labels = sorted(speaker for speaker, _ in labelled_speech(tmp_path))
    assert labels == ["fangjun", "fangjun", "libri-367", "mandarin_misc-a", "speaker1_en"]


@pytest.mark.slow
@pytest.mark.skipif(not VOICES_DEV.is_dir(), reason="measurement on ../shared voices-dev")
def test_planted_rings_on_voices_dev_are_found() -> None:
    search = load_standard("new_car_loan", Settings()).risk.voices["campplus"]
    figures = ring_evaluation(get_voice_engine(Settings()), VOICES_DEV, search, seed=1)
    assert figures["rings_found"] == figures["rings"]
