"""Documents drawn by the sample generator, read by the real RapidOCR engine (loaded once)."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from autopass.engines.base import TextLine
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import Plan, plan_dossier
from autopass.settings import Settings


@pytest.fixture(scope="session")
def ocr():  # type: ignore[no-untyped-def]
    return get_ocr_engine(Settings())


@pytest.fixture(scope="session")
def face():  # type: ignore[no-untyped-def]
    return get_face_engine(Settings())


@pytest.fixture(scope="session")
def plan(faces_dev_dir) -> Plan:  # type: ignore[no-untyped-def]
    """One clean dossier's facts (seeded): what every rendered document prints."""
    return plan_dossier(random.Random(11), load_face_source(faces_dev_dir), 0.0)


def to_bgr(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.array(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def on_desk(document: np.ndarray, quarter_turns: int) -> np.ndarray:
    """The document turned by 90-degree steps, slightly tilted, on a dark textured desk."""
    turned = np.rot90(document, k=-quarter_turns).copy()
    height, width = turned.shape[:2]
    canvas = np.full((int(height * 1.5), int(width * 1.5), 3), 70, np.uint8)
    canvas = cv2.add(canvas, np.random.default_rng(0).integers(0, 25, canvas.shape, dtype=np.uint8))
    source = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    offset = np.float32([width * 0.25, height * 0.25])
    target = source + offset + np.float32([[12, 8], [-6, 14], [-10, -4], [8, -12]])
    matrix = cv2.getPerspectiveTransform(source, target)
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(turned, matrix, size)
    mask = cv2.warpPerspective(np.full((height, width), 255, np.uint8), matrix, size)
    canvas[mask > 0] = warped[mask > 0]
    return canvas


def rows(*texts: str) -> list[TextLine]:
    """One line per printed row, 40 px apart, as OCR returns them."""
    return [TextLine(text=text, confidence=0.99, box=((10.0, 40.0 * i), (10.0 + 30 * len(text), 40.0 * i),
                                                        (10.0 + 30 * len(text), 40.0 * i + 30), (10.0, 40.0 * i + 30)))
            for i, text in enumerate(texts)]
