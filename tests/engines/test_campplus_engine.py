"""CAM++ without torch: the checkpoint read by pickle + numpy, checked by checksum, run as an ONNX
graph, and equal to the PyTorch implementation's embedding (tests/data/voice, made once by
make_campplus_reference.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autopass.engines.campplus_engine import (
    WEIGHTS_SHA256,
    CamPlusPlusEngine,
    WeightsError,
    fbank,
    load_weights,
    segment_matrices,
    weights_path,
)
from autopass.engines.registry import get_voice_engine
from autopass.settings import Settings
from tests.voice_audio import synthetic_voice

DATA = Path(__file__).resolve().parents[1] / "data" / "voice"


@pytest.fixture(scope="module")
def engine() -> CamPlusPlusEngine:
    return get_voice_engine(Settings())  # type: ignore[return-value]


def test_the_weights_load_without_torch() -> None:
    code = ("import sys; from autopass.engines.campplus_engine import load_weights; "
            "w = load_weights(); print(len(w), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert out == ["937", "False"]


def test_a_checkpoint_with_another_checksum_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "campplus.pt"
    shutil.copy(weights_path(), copy)
    with copy.open("ab") as file:
        file.write(b"\0")
    with pytest.raises(WeightsError, match=f"expected {WEIGHTS_SHA256}"):
        load_weights(copy)


def test_the_features_are_torchaudios_kaldi_fbank() -> None:
    reference = np.load(DATA / "campplus_reference_fbank_head.npy")
    features = fbank(synthetic_voice(6.0))
    assert features.shape == (598, 80)
    assert np.abs(features[:50] - reference).max() < 1e-3


def test_the_embedding_matches_the_pytorch_implementation(engine: CamPlusPlusEngine) -> None:
    reference = np.load(DATA / "campplus_reference.npy")
    vector = engine.embed(synthetic_voice(6.0))
    assert vector.shape == (192,) and abs(np.linalg.norm(vector) - 1.0) < 1e-5
    assert np.abs(vector - reference / np.linalg.norm(reference)).max() < 1e-4


def test_segment_pooling_averages_the_last_short_segment_over_what_it_has() -> None:
    pool, spread = segment_matrices(250)
    x = np.arange(250, dtype=np.float32)[None]
    means = x @ pool
    assert means[0] == pytest.approx([49.5, 149.5, 224.5], abs=1e-3)
    assert (means @ spread)[0, 249] == pytest.approx(224.5, abs=1e-3)


def test_two_synthetic_voices_differ_more_than_one_voice_with_itself(
        engine: CamPlusPlusEngine) -> None:
    one = engine.embed(synthetic_voice(6.0, pitch=110, seed=1))
    again = engine.embed(synthetic_voice(6.0, pitch=110, seed=2))
    other = engine.embed(synthetic_voice(6.0, pitch=230, tract=1.2, seed=1))
    assert engine.similarity(one, again) > 0.85 > 0.7 > engine.similarity(one, other)


def test_too_little_speech_is_a_clear_error(engine: CamPlusPlusEngine) -> None:
    with pytest.raises(ValueError, match="too short for a voiceprint"):
        engine.embed(np.zeros(1600, dtype=np.float32))
