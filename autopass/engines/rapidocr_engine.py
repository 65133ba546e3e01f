"""RapidOCR (PP-OCR ONNX models shipped inside the ``rapidocr`` wheel): the default, offline OCR.

Rather than ``RapidOCR.__call__`` (which rewrites shared state on every call and resizes the whole
image before cutting text lines), the engine drives RapidOCR's three models itself:

1. *detection* on the image scaled down to ``det_max_side`` (cheap: DB detection cost grows with
   pixels, and text lines stay detectable at ~1000 px for cards and A4 pages), with a second look
   at the detector's map for lines that an overprint crossing them made unrecognisable as lines;
2. text lines cut from the *full-resolution* image, so small print keeps every pixel it has;
3. optional 0/180-degree *line classifier* (skipped when the caller straightened the document);
4. *recognition*, one line per model call (``REC_BATCH``), keeping each character's runners-up.

Thread-safety: safe to share between threads. onnxruntime sessions run concurrently and the engine
keeps no per-call state.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from autopass.engines.base import Alternatives, LineProbabilities, Point, Recognised, TextLine

if TYPE_CHECKING:
    from rapidocr.ch_ppocr_det.utils import DBPostProcess

Quad = tuple[Point, Point, Point, Point]

DEFAULT_DET_MAX_SIDE = 1280
"""Longest side the detector sees. Measured: same lines found on 1000x650 cards as at full size."""
REC_HEIGHT = 48
"""Height every text line is scaled to for recognition (the PP-OCR recogniser's input)."""
REC_MIN_WIDTH = 96
"""Narrowest input the recogniser gets. RapidOCR pads every line to at least 320 px (6.7 character
widths) and recognition costs in proportion to width (measured: ~4 ms per 48 px on one core), so a
two-character label cost as much as a 7-character line; at 96 px a document's lines cost ~30 % less
(invoice 1.70 -> 1.14 s on one core) for the same readings."""
REC_BATCH = 1
"""Lines recognised per model call. A batch is padded to its widest line, and a document's few
lines differ widely in width; one line per call wastes nothing (measured on one core: licence
0.63 -> 0.49 s, contract 0.72 -> 0.56 s of recognition against batches of 6; field accuracy
on 30 dossiers unchanged)."""
DEFAULT_MIN_CONFIDENCE = 0.5
"""Lines recognised below this are dropped (RapidOCR's own default text_score)."""
OVERPRINT_RUN = 4.0
"""Shortest horizontal run, in line heights, that the second look keeps of the detector's text
map. A diagonal overprint (仅供贷款使用 stamped at 30 degrees on an ID copy) that touches a line
merges with it into one shape whose box is mostly empty, and the detector drops both; the
overprint's band crosses a row in about two of its heights, a printed line runs on for many."""
NEW_LINE_OVERLAP = 0.2
"""A line found by the second look counts only where at most this share of it was found already."""


class RapidOcrEngine:
    """PP-OCR detection + recognition from the ``rapidocr`` wheel; reads Chinese and English."""

    name = "rapidocr"

    def __init__(
        self,
        *,
        det_max_side: int = DEFAULT_DET_MAX_SIDE,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
        threads: int | None = None,
    ) -> None:
        from rapidocr import RapidOCR
        from rapidocr.utils.log import logger as rapidocr_logger

        rapidocr_logger.setLevel(logging.WARNING)  # its INFO lines repeat on every model load
        params: dict[str, object] = {
            "Global.log_level": "warning",
            "Det.limit_type": "max",
            "Det.limit_side_len": det_max_side,
            "Rec.rec_img_shape": [3, REC_HEIGHT, REC_MIN_WIDTH],
            "Rec.rec_batch_num": REC_BATCH,
        }
        if threads is not None:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        pipeline = RapidOCR(params=params)
        # RapidOCR loads its models lazily on first use; load them now so the cost is paid once
        # at start-up, under the registry's lock, and never in a race between two threads.
        self._detector = pipeline._load_det_model()
        self._classifier = pipeline._load_cls_model()
        self._recognizer = pipeline._load_rec_model()
        self.min_confidence = min_confidence

    def read(self, image: np.ndarray, *, straightened: bool = False) -> list[TextLine]:
        """Every text line, in reading order; ``straightened`` skips the 180-degree classifier."""
        return self.read_regions(image, self.detect(image), straightened=straightened)

    def detect(self, image: np.ndarray) -> list[Quad]:
        """Text-line quadrilaterals in pixels of ``image``, in reading order."""
        detector = self._detector
        image = _three_channels(image)
        batch = detector.get_preprocess()(image)
        if batch is None:
            return []
        prediction = detector.session(batch)  # 1 x 1 x height x width: how likely each pixel is text
        postprocess = detector.postprocess_op
        found, _ = postprocess(prediction, image.shape[:2])
        boxes = [*found, *_lines_under_overprints(prediction[0, 0], list(found), postprocess,
                                                  image.shape[:2])]
        if not boxes:
            return []
        return [_to_quad(box) for box in detector.sorted_boxes(np.array(boxes))]

    def read_regions(
        self, image: np.ndarray, quads: Sequence[Quad], *, straightened: bool = False
    ) -> list[TextLine]:
        """Recognise the given text-line quadrilaterals of ``image`` (one detection, reused)."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        image = _three_channels(image)
        crops = [get_rotate_crop_image(image, np.array(quad, dtype=np.float32)) for quad in quads]
        read = self.recognize(crops, straightened=straightened)
        return [
            TextLine(text=line.text, confidence=line.confidence, box=quad,
                     alternatives=line.alternatives)
            for quad, line in zip(quads, read, strict=True)
            if line.text.strip() and line.confidence >= self.min_confidence
        ]

    def recognize(self, crops: Sequence[np.ndarray], *, straightened: bool = True) -> list[Recognised]:
        """Text, confidence and each character's alternatives for each text-line image."""
        if not crops:
            return []
        lines = [_three_channels(crop) for crop in crops]
        turned = [False] * len(lines)
        if not straightened:
            classified = self._classifier(lines)
            lines = classified.img_list
            turned = [bool("180" in label and score > self._classifier.cls_thresh)
                      for label, score in classified.cls_res]  # as the classifier decides to turn
        return [replace(self._recognize_one(line), turned=upside_down)
                for line, upside_down in zip(lines, turned, strict=True)]

    def _recognize_one(self, line: np.ndarray) -> Recognised:
        """RapidOCR's recognition of one line (same input, same decoding), keeping the model's
        probabilities: the runner-up characters of each position are what a checksum or a
        name's plausibility can choose from."""
        recognizer = self._recognizer
        probabilities, widest = self._probabilities(line)
        decoder = recognizer.postprocess_op
        ratio = line.shape[1] / line.shape[0]
        [(text, score)], _ = decoder(probabilities, False, wh_ratio_list=[ratio], max_wh_ratio=widest)
        alternatives = _alternatives(probabilities[0], decoder.character)
        return Recognised(text, float(score), alternatives if len(alternatives) == len(text) else ())

    def line_probabilities(self, crop: np.ndarray) -> LineProbabilities:
        """The recogniser's probabilities for every step of one text-line image: what a value
        expected there is checked against (``autopass.reading.confirm``)."""
        probabilities, _ = self._probabilities(_three_channels(crop))
        return LineProbabilities(probabilities[0], self._recognizer.postprocess_op.character)

    def _probabilities(self, line: np.ndarray) -> tuple[np.ndarray, float]:
        """The model's output for one line (1 x steps x alphabet) and the width ratio it was fed."""
        recognizer = self._recognizer
        _, height, width = recognizer.rec_image_shape[:3]
        widest = max(width / height, line.shape[1] / line.shape[0])
        batch = recognizer.resize_norm_img(line, widest)[np.newaxis].astype(np.float32)
        return recognizer.session(batch), widest


ALTERNATIVES = 3
"""Characters kept per position, the one read included."""


def _alternatives(probabilities: np.ndarray, characters: Sequence[str]) -> Alternatives:
    """Per emitted character (CTC: the first step of each run that is not blank), the likeliest
    characters at that step with their probabilities."""
    best = probabilities.argmax(axis=1)
    emitted = np.ones(len(best), dtype=bool)
    emitted[1:] = best[1:] != best[:-1]
    emitted &= best != 0  # 0 is CTC's blank
    result = []
    for step in np.flatnonzero(emitted):
        row = probabilities[step]
        top = np.argpartition(row, -(ALTERNATIVES + 1))[-(ALTERNATIVES + 1):]
        top = [int(i) for i in top[np.argsort(-row[top])] if i != 0][:ALTERNATIVES]
        result.append(tuple((characters[i], round(float(row[i]), 4)) for i in top))
    return tuple(result)


def _lines_under_overprints(
    text_map: np.ndarray, found: list[np.ndarray], postprocess: DBPostProcess,
    shape: tuple[int, int],
) -> list[np.ndarray]:
    """Boxes (image pixels) of level lines that the detector's map shows but its boxes missed: the
    map with every horizontal run shorter than ``OVERPRINT_RUN`` line heights taken out (what is
    left of a line merged with a slanting stroke), boxed as RapidOCR boxes its map."""
    if not found:
        return []  # no line to measure a line height by
    line_height = float(np.median([_short_side(box) for box in found])) * text_map.shape[0] / shape[0]
    run = max(3, round(OVERPRINT_RUN * line_height))
    text = (text_map > postprocess.thresh).astype(np.uint8)
    level = cv2.morphologyEx(text, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    if postprocess.dilation_kernel is not None:
        level = cv2.dilate(level, postprocess.dilation_kernel)  # as RapidOCR treats its own map
    boxes, scores = postprocess.boxes_from_bitmap(text_map, level, shape[1], shape[0])
    boxes, _ = postprocess.filter_det_res(boxes, scores, shape[0], shape[1])
    return [box for box in boxes if _share_found(box, found) <= NEW_LINE_OVERLAP]


def _short_side(box: np.ndarray) -> float:
    return float(min(np.linalg.norm(box[1] - box[0]), np.linalg.norm(box[3] - box[0])))


def _share_found(box: np.ndarray, found: list[np.ndarray]) -> float:
    """The largest share of ``box`` that one of the ``found`` boxes covers."""
    area = cv2.contourArea(box.astype(np.float32))
    if area <= 0:
        return 1.0
    return max(cv2.intersectConvexConvex(box.astype(np.float32), other.astype(np.float32))[0]
               for other in found) / area


def _three_channels(image: np.ndarray) -> np.ndarray:
    """RapidOCR's models want BGR; accept greyscale crops too."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


def _to_quad(box: np.ndarray) -> Quad:
    points = copy.deepcopy(box).astype(float).tolist()
    return tuple((float(x), float(y)) for x, y in points)  # type: ignore[return-value]
