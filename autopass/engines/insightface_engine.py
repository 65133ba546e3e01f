"""InsightFace models (SCRFD detection + ArcFace recognition) run with onnxruntime from a folder.

Put the two ONNX files of an InsightFace model pack (for example ``buffalo_l``: ``det_10g.onnx``
and ``w600k_r50.onnx``) in ``<model_dir>/insightface/``. Nothing is downloaded. The files are
told apart by their input: the recognizer takes 112x112 aligned faces, the detector anything else.
The ``insightface`` Python package is not needed: its pre- and post-processing is reproduced here.

Similarity: cosine of the two embeddings, clipped to [0, 1] (negative cosine means "unrelated" as
surely as 0 does). Thread-safety: safe to share (onnxruntime sessions run concurrently).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from autopass.engines.base import Face
from autopass.errors import EngineUnavailableError

DETECT_SIZE = 640
"""SCRFD input side: the image is scaled to fit, padded bottom-right."""
SCORE_THRESHOLD = 0.5
NMS_THRESHOLD = 0.4
STRIDES = (8, 16, 32)
ANCHORS_PER_CELL = 2
RECOGNIZER_SIDE = 112
# Where ArcFace expects the eyes, nose tip and mouth corners in its 112x112 input.
ARCFACE_LANDMARKS = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


class InsightFaceEngine:
    """SCRFD faces embedded by ArcFace; largest face first."""

    name = "insightface"

    def __init__(self, model_dir: Path | None) -> None:
        if model_dir is None:
            raise EngineUnavailableError(
                "face engine insightface needs local weights: set AUTOPASS_MODEL_DIR to a folder "
                "whose insightface/ subfolder holds the pack's detector and recognizer ONNX files"
            )
        folder = model_dir / "insightface"
        try:
            import onnxruntime
        except ImportError as exc:
            raise EngineUnavailableError(
                f"face engine insightface needs onnxruntime: {exc}"
            ) from exc
        detector_path, recognizer_path = _find_models(folder, onnxruntime)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        self._detector = onnxruntime.InferenceSession(
            str(detector_path), options, providers=providers
        )
        self._recognizer = onnxruntime.InferenceSession(
            str(recognizer_path), options, providers=providers
        )
        self._detector_input = self._detector.get_inputs()[0].name
        self._recognizer_input = self._recognizer.get_inputs()[0].name

    def embed(self, image: np.ndarray, *, find_small_faces: bool = False) -> list[Face]:
        """Every face with its ArcFace embedding, largest first; [] when there is none.

        ``find_small_faces`` is accepted for the interface: SCRFD at 640 already finds faces of
        ~10 px there, so there is no slower second pass to ask for.
        """
        faces = [
            Face(
                box=box, embedding=self._embed_aligned(image, landmarks), detection_confidence=score
            )
            for box, score, landmarks in self._detect(image)
        ]
        return sorted(faces, key=lambda face: face.box[2] * face.box[3], reverse=True)

    def similarity(self, a: Face, b: Face) -> float:
        """Cosine similarity of the embeddings, clipped to [0, 1]."""
        denominator = float(np.linalg.norm(a.embedding) * np.linalg.norm(b.embedding)) or 1.0
        cosine = float(np.dot(a.embedding, b.embedding)) / denominator
        return min(1.0, max(0.0, cosine))

    def _detect(
        self, image: np.ndarray
    ) -> list[tuple[tuple[int, int, int, int], float, np.ndarray]]:
        """SCRFD: boxes ``(x, y, w, h)``, scores and 5 landmarks, in pixels of ``image``."""
        height, width = image.shape[:2]
        scale = DETECT_SIZE / max(height, width)
        resized = cv2.resize(image, (round(width * scale), round(height * scale)))
        padded = np.zeros((DETECT_SIZE, DETECT_SIZE, 3), np.uint8)
        padded[: resized.shape[0], : resized.shape[1]] = resized
        blob = cv2.dnn.blobFromImage(
            padded, 1 / 128, (DETECT_SIZE, DETECT_SIZE), (127.5, 127.5, 127.5), swapRB=True
        )
        outputs = self._detector.run(None, {self._detector_input: blob})
        boxes, scores, landmarks = _decode_scrfd(outputs)
        keep = _non_maximum_suppression(boxes, scores)
        return [
            (_xywh(boxes[i] / scale, width, height), float(scores[i]), landmarks[i] / scale)
            for i in keep
        ]

    def _embed_aligned(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """ArcFace embedding of the face warped so its landmarks sit where ArcFace expects."""
        matrix, _ = cv2.estimateAffinePartial2D(landmarks, ARCFACE_LANDMARKS, method=cv2.LMEDS)
        aligned = cv2.warpAffine(image, matrix, (RECOGNIZER_SIDE, RECOGNIZER_SIDE))
        blob = cv2.dnn.blobFromImage(
            aligned,
            1 / 127.5,
            (RECOGNIZER_SIDE, RECOGNIZER_SIDE),
            (127.5, 127.5, 127.5),
            swapRB=True,
        )
        embedding = self._recognizer.run(None, {self._recognizer_input: blob})[0]
        return np.asarray(embedding, dtype=np.float32).reshape(-1)


def _find_models(folder: Path, onnxruntime) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """(detector, recognizer) ONNX files in ``folder``, told apart by their input size."""
    hint = (
        f"put an InsightFace model pack's detector and recognizer ONNX files "
        f"(e.g. buffalo_l: det_10g.onnx, w600k_r50.onnx) in {folder}"
    )
    files = sorted(folder.glob("*.onnx")) if folder.is_dir() else []
    if not files:
        raise EngineUnavailableError(f"face engine insightface: no ONNX files in {folder}; {hint}")
    recognizers, detectors = [], []
    for path in files:
        try:
            shape = (
                onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
                .get_inputs()[0]
                .shape
            )
        except Exception as exc:  # onnxruntime raises its own exception types per failure
            raise EngineUnavailableError(
                f"face engine insightface: cannot load {path}: {exc}"
            ) from exc
        (recognizers if list(shape[2:]) == [RECOGNIZER_SIDE] * 2 else detectors).append(path)
    if len(recognizers) != 1 or len(detectors) != 1:
        raise EngineUnavailableError(
            f"face engine insightface: found {len(detectors)} detector(s) and "
            f"{len(recognizers)} recognizer(s) in {folder}, need exactly one of each; {hint}"
        )
    return detectors[0], recognizers[0]


def _decode_scrfd(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SCRFD's 9 outputs (scores, box distances, landmark offsets per stride) -> candidates."""
    count = len(STRIDES)
    if len(outputs) != 3 * count:
        raise EngineUnavailableError(
            f"face engine insightface: detector has {len(outputs)} outputs; an SCRFD model with "
            f"landmarks has {3 * count} (scores, boxes, landmarks for strides {STRIDES})"
        )
    boxes, scores, landmarks = [], [], []
    for index, stride in enumerate(STRIDES):
        cell_scores = outputs[index].reshape(-1)
        distances = outputs[index + count].reshape(-1, 4) * stride
        offsets = outputs[index + 2 * count].reshape(-1, 10) * stride
        centers = _anchor_centers(DETECT_SIZE // stride, stride)
        chosen = np.where(cell_scores >= SCORE_THRESHOLD)[0]
        centre = centers[chosen]
        boxes.append(np.hstack([centre - distances[chosen, :2], centre + distances[chosen, 2:]]))
        landmarks.append(np.tile(centre, 5).reshape(-1, 5, 2) + offsets[chosen].reshape(-1, 5, 2))
        scores.append(cell_scores[chosen])
    return np.vstack(boxes), np.concatenate(scores), np.vstack(landmarks).astype(np.float32)


def _anchor_centers(cells: int, stride: int) -> np.ndarray:
    """(x, y) of every anchor, row by row, ANCHORS_PER_CELL times per cell."""
    ys, xs = np.mgrid[:cells, :cells]
    centers = (np.stack([xs, ys], axis=-1).reshape(-1, 2) * stride).astype(np.float32)
    return np.repeat(centers, ANCHORS_PER_CELL, axis=0)


def _non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray) -> list[int]:
    if len(scores) == 0:
        return []
    rectangles = [
        [float(x1), float(y1), float(x2 - x1), float(y2 - y1)] for x1, y1, x2, y2 in boxes
    ]
    kept = cv2.dnn.NMSBoxes(rectangles, scores.tolist(), SCORE_THRESHOLD, NMS_THRESHOLD)
    return [int(i) for i in np.asarray(kept).reshape(-1)]


def _xywh(box: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """``(x1, y1, x2, y2)`` -> ``(x, y, w, h)`` clipped to the image."""
    x1, x2 = (min(max(float(v), 0.0), width) for v in (box[0], box[2]))
    y1, y2 = (min(max(float(v), 0.0), height) for v in (box[1], box[3]))
    return round(x1), round(y1), round(x2 - x1), round(y2 - y1)
