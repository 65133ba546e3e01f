"""The InsightFace loader, pre-processing, SCRFD decoding and similarity, run for real on tiny
ONNX models this test builds with the shapes of an InsightFace pack (no weights are shipped)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from autopass.engines.insightface_engine import InsightFaceEngine
from autopass.errors import EngineUnavailableError

SIDE = 640
STRIDES = (8, 16, 32)
# Landmarks (in strides) around the anchor: eyes, nose tip, mouth corners.
LANDMARK_OFFSETS = [-0.4, -0.3, 0.4, -0.3, 0.0, 0.0, -0.3, 0.4, 0.3, 0.4]
HALF_BOX_STRIDES = 1.5  # each face box reaches 1.5 strides (48 px at stride 32) around its anchor


def _constant(name: str, array: np.ndarray) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))


def _save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def build_detector(path: Path) -> None:
    """SCRFD-shaped: 9 outputs. Only stride 32 ever fires: a cell scores high when it is bright."""
    nodes, outputs = [], []
    for stride in STRIDES:
        anchors = (SIDE // stride) ** 2 * 2
        names = [f"score_{stride}", f"bbox_{stride}", f"kps_{stride}"]
        nodes.append(_constant(names[1], np.full((anchors, 4), HALF_BOX_STRIDES, np.float32)))
        nodes.append(_constant(names[2], np.tile(np.float32(LANDMARK_OFFSETS), (anchors, 1))))
        if stride != 32:
            nodes.append(_constant(names[0], np.zeros((anchors, 1), np.float32)))
        outputs.append((names, anchors))
    cells = (SIDE // 32) ** 2
    nodes += [
        helper.make_node("ReduceMean", ["input.1"], ["grey"], axes=[1], keepdims=1),
        helper.make_node(
            "AveragePool", ["grey"], ["cell"], kernel_shape=[32, 32], strides=[32, 32]
        ),
        _constant("shape_cells", np.array([cells, 1], np.int64)),
        helper.make_node("Reshape", ["cell", "shape_cells"], ["cell_column"]),
        helper.make_node("Concat", ["cell_column", "cell_column"], ["per_anchor"], axis=1),
        _constant("shape_anchors", np.array([cells * 2, 1], np.int64)),
        helper.make_node("Reshape", ["per_anchor", "shape_anchors"], ["logit_in"]),
        _constant("twenty", np.array(20.0, np.float32)),
        _constant("half", np.array(0.5, np.float32)),
        helper.make_node("Sub", ["logit_in", "half"], ["centred"]),
        helper.make_node("Mul", ["centred", "twenty"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["score_32"]),
    ]
    ordered = (
        [names[0] for names, _ in outputs]
        + [names[1] for names, _ in outputs]
        + [names[2] for names, _ in outputs]
    )
    widths = {"score": 1, "bbox": 4, "kps": 10}
    graph = helper.make_graph(
        nodes,
        "tiny_scrfd",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [
            helper.make_tensor_value_info(
                name,
                TensorProto.FLOAT,
                [(SIDE // int(name.split("_")[1])) ** 2 * 2, widths[name.split("_")[0]]],
            )
            for name in ordered
        ],
    )
    _save(graph, path)


def build_recognizer(path: Path) -> None:
    """ArcFace-shaped: 1x3x112x112 in, 1x512 out (7x7 colour averages times a fixed matrix)."""
    weights = np.random.default_rng(7).standard_normal((147, 512)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node(
                "AveragePool", ["input.1"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]
            ),
            helper.make_node("Flatten", ["pooled"], ["flat"]),
            _constant("weights", weights),
            helper.make_node("MatMul", ["flat", "weights"], ["683"]),
        ],
        "tiny_arcface",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, [1, 512])],
    )
    _save(graph, path)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    (root / "insightface").mkdir()
    build_detector(root / "insightface" / "det_10g.onnx")
    build_recognizer(root / "insightface" / "w600k_r50.onnx")
    return root


@pytest.fixture(scope="module")
def engine(model_dir: Path) -> InsightFaceEngine:
    return InsightFaceEngine(model_dir)


def _bright_cell(side: int, column: int, row: int, pattern_seed: int = 0) -> np.ndarray:
    """A dark image with one bright, textured 32x32 cell (at 640 scale) the tiny detector finds."""
    image = np.zeros((SIDE, SIDE, 3), np.uint8)
    texture = np.random.default_rng(pattern_seed).integers(200, 256, (32, 32, 3), np.uint8)
    image[row * 32 : row * 32 + 32, column * 32 : column * 32 + 32] = texture
    return (
        np.kron(image, np.ones((side // SIDE, side // SIDE, 1), np.uint8))
        if side != SIDE
        else image
    )


def test_detects_and_embeds_in_pixels_of_the_image_given(engine: InsightFaceEngine) -> None:
    [face] = engine.embed(_bright_cell(SIDE, column=10, row=8))
    assert face.box == (320 - 48, 256 - 48, 96, 96)
    assert face.embedding.shape == (512,) and face.detection_confidence > 0.99
    [double] = engine.embed(_bright_cell(2 * SIDE, column=10, row=8))
    assert double.box == (2 * (320 - 48), 2 * (256 - 48), 192, 192)


def test_similarity_is_clipped_cosine(engine: InsightFaceEngine) -> None:
    [first] = engine.embed(_bright_cell(SIDE, 10, 8, pattern_seed=1))
    [again] = engine.embed(_bright_cell(SIDE, 10, 8, pattern_seed=1))
    [other] = engine.embed(_bright_cell(SIDE, 10, 8, pattern_seed=2))
    assert engine.similarity(first, again) == pytest.approx(1.0)
    assert 0.0 <= engine.similarity(first, other) < 1.0


def test_no_face_in_a_dark_image(engine: InsightFaceEngine) -> None:
    assert engine.embed(np.zeros((480, 640, 3), np.uint8)) == []


def test_largest_face_first_and_boxes_clipped(engine: InsightFaceEngine) -> None:
    image = _bright_cell(SIDE, 0, 0) | _bright_cell(SIDE, 10, 8)
    faces = engine.embed(image)
    assert [face.box for face in faces] == [(272, 208, 96, 96), (0, 0, 48, 48)]


def test_missing_weights_say_what_to_put_where(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError) as caught:
        InsightFaceEngine(tmp_path)
    folder = tmp_path / "insightface"
    assert str(caught.value) == (
        f"face engine insightface: no ONNX files in {folder}; put an InsightFace model pack's "
        f"detector and recognizer ONNX files (e.g. buffalo_l: det_10g.onnx, w600k_r50.onnx) "
        f"in {folder}"
    )


def test_two_recognizers_and_no_detector_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "insightface"
    folder.mkdir()
    build_recognizer(folder / "a.onnx")
    build_recognizer(folder / "b.onnx")
    with pytest.raises(EngineUnavailableError, match=r"found 0 detector\(s\) and 2 recognizer"):
        InsightFaceEngine(tmp_path)


def test_a_file_that_is_not_onnx_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "insightface"
    folder.mkdir()
    (folder / "det_10g.onnx").write_text("not a model")
    with pytest.raises(EngineUnavailableError, match="cannot load .*det_10g.onnx"):
        InsightFaceEngine(tmp_path)
