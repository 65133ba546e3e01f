"""Detect once, read only what matters: quads, prefixes, and engines without ``detect``."""

from __future__ import annotations

import random

import cv2
import numpy as np

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading import analyse_page
from autopass.reading.lines import (
    _normalised,
    lines_of,
    quads_stand_on_end,
    rotate_quads,
)
from autopass.samples import cards, papers
from tests.reading.conftest import to_bgr


class ReadOnlyEngine:
    """Another OcrEngine: it can only read a whole image (like EasyOCR behind the interface)."""

    name = "read-only"

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner

    def read(self, image: np.ndarray, *, straightened: bool = False) -> list[TextLine]:
        return self.inner.read(image, straightened=straightened)


def test_quads_start_at_the_top_left_of_the_text_whatever_corner_the_detector_chose() -> None:
    upright = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))
    for shift in range(4):
        rolled = tuple(upright[(i + shift) % 4] for i in range(4))
        assert _normalised(rolled) == upright  # type: ignore[arg-type]
    short_word = ((0.0, 0.0), (20.0, 0.0), (20.0, 24.0), (0.0, 24.0))  # C1: taller than wide
    assert _normalised(short_word[1:] + short_word[:1]) == short_word  # type: ignore[arg-type]


def test_quads_turn_with_the_image() -> None:
    image = np.zeros((100, 200, 3), np.uint8)
    quad = ((10.0, 20.0), (60.0, 20.0), (60.0, 30.0), (10.0, 30.0))
    for rotation in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180):
        [turned] = rotate_quads([quad], image.shape, rotation)
        marked = image.copy()
        cv2.rectangle(marked, (10, 20), (60, 30), (255, 255, 255), -1)
        spun = cv2.rotate(marked, rotation)
        xs, ys = [p[0] for p in turned], [p[1] for p in turned]
        assert spun[int(np.mean(ys)), int(np.mean(xs))].any()  # the box still covers the mark
    sideways = rotate_quads([quad] * 3, image.shape, cv2.ROTATE_90_CLOCKWISE)
    assert quads_stand_on_end(sideways) and not quads_stand_on_end([quad] * 3)


def test_a_page_of_clauses_is_read_by_prefixes_and_only_label_rows_in_full(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, _ = papers.render_loan_contract(plan.facts, random.Random(5))
    [document] = analyse_page(to_bgr(image), ocr=ocr)
    clause_lines = [line for line in document.lines if "本合同" in line.text]
    assert all(len(line.text) <= 8 for line in clause_lines)  # never read in full: not needed
    assert document.fields["loan_amount"].value == plan.facts.loan_amount


def test_an_engine_without_detect_reads_the_whole_image(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, truth = cards.render_id_back(plan.facts, random.Random(2))
    [document] = analyse_page(to_bgr(image), ocr=ReadOnlyEngine(ocr))
    assert document.type == DocumentType.ID_CARD_BACK
    assert {name: document.fields[name].value for name in truth} == truth
    assert lines_of([]) == []
