"""dlib faces: HOG frontal detector, 5-point landmarks, ResNet 128-d embedding (offline weights
from the ``face_recognition_models`` package).

Similarity: ``1 - euclidean distance``, clipped to [0, 1]. dlib's documented "same person" cut is
a distance of 0.6, i.e. a similarity of 0.40, which let different East Asian people through on
faces-eval; the bands Autopass uses are chosen there and on faces-dev (README, "Face thresholds")
and live in the standards, not here. The landmarks are the 5-point model (public domain), not the
68-point one (non-commercial), though face_recognition_models ships both.

Detection runs on a copy scaled to DETECT_SIDE (faces from ~80 px there), upsampled once when that
copy is small; ``find_small_faces=True`` adds an upsampled pass (faces from ~40 px, ~4x the cost)
when the first finds nothing, for the portrait of an ID card photographed from afar. A 12-megapixel
selfie stays fast. The landmarks and the embedding use the full-resolution image.

Thread-safety: safe to share; dlib's objects are not documented as re-entrant, so calls into dlib
are serialised by one lock per engine.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np

from autopass.engines.base import Face
from autopass.errors import EngineUnavailableError

DETECT_SIDE = 1024
"""Longest side of the image the HOG detector scans."""
UPSAMPLE_BELOW_SIDE = 800
"""Images whose longest side is at most this are upsampled once (finds faces of ~40 px)."""
JITTERS = 0
"""Extra random jitters per embedding: 0 keeps ~0.1 s per face; more is slower, barely better."""


class DlibFaceEngine:
    """Faces found by dlib's HOG detector, embedded by its ResNet; largest face first."""

    name = "dlib"

    def __init__(self) -> None:
        try:
            import dlib
        except ImportError as exc:
            raise EngineUnavailableError(
                f"face engine dlib needs the package dlib-bin (pip install dlib-bin): {exc}"
            ) from exc
        models = _weights_dir()
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self._encoder = dlib.face_recognition_model_v1(
            str(models / "dlib_face_recognition_resnet_model_v1.dat")
        )
        self._rectangle = dlib.rectangle
        self._lock = threading.Lock()

    def embed(self, image: np.ndarray, *, find_small_faces: bool = False) -> list[Face]:
        """Every face with its 128-d embedding, largest first; [] when there is none.

        ``find_small_faces``: where a face is expected (portrait, selfie), look again at double
        resolution before answering "no face".
        """
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        with self._lock:
            detections = self._detect(rgb, upsample=False)
            if not detections and find_small_faces:
                detections = self._detect(rgb, upsample=True)
            faces = [self._embed_one(rgb, box, score) for box, score in detections]
        return sorted(faces, key=lambda face: face.box[2] * face.box[3], reverse=True)

    def similarity(self, a: Face, b: Face) -> float:
        """``1 - euclidean distance`` of the embeddings, clipped to [0, 1]."""
        distance = float(np.linalg.norm(a.embedding - b.embedding))
        return min(1.0, max(0.0, 1.0 - distance))

    def _detect(
        self, rgb: np.ndarray, *, upsample: bool
    ) -> list[tuple[tuple[int, int, int, int], float]]:
        """Face boxes ``(x, y, w, h)`` in pixels of ``rgb`` with the detector's score."""
        height, width = rgb.shape[:2]
        scale = min(1.0, DETECT_SIDE / max(height, width))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(
                rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
            )
        )
        times = 1 if upsample or max(small.shape[:2]) <= UPSAMPLE_BELOW_SIDE else 0
        rectangles, scores, _ = self._detector.run(small, times, 0.0)
        boxes = []
        for rect, score in zip(rectangles, scores, strict=True):
            left, top = max(0, rect.left()), max(0, rect.top())
            right, bottom = min(small.shape[1], rect.right()), min(small.shape[0], rect.bottom())
            box = (
                round(left / scale),
                round(top / scale),
                round((right - left) / scale),
                round((bottom - top) / scale),
            )
            boxes.append((box, float(score)))
        return boxes

    def _embed_one(self, rgb: np.ndarray, box: tuple[int, int, int, int], score: float) -> Face:
        x, y, w, h = box
        shape = self._landmarks(rgb, self._rectangle(x, y, x + w, y + h))
        descriptor = self._encoder.compute_face_descriptor(rgb, shape, JITTERS)
        return Face(
            box=box,
            embedding=np.asarray(descriptor, dtype=np.float32),
            detection_confidence=_hog_score_to_confidence(score),
        )


def _hog_score_to_confidence(score: float) -> float:
    """HOG SVM margin (about -0.5..3) squashed to (0, 1); 0.5 at the detector's own threshold."""
    return float(1.0 / (1.0 + np.exp(-2.0 * score)))


def _weights_dir() -> Path:
    """The ``models`` folder of the face_recognition_models package, found without importing it.

    Importing it needs ``pkg_resources``, which current setuptools no longer ships.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError(
            "face engine dlib needs the package face_recognition_models "
            "(pip install face_recognition_models)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"
