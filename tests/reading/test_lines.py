"""Detect once, read only what matters: quads, prefixes, and engines without ``detect``."""

from __future__ import annotations

import random
from dataclasses import replace

import cv2
import numpy as np

from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading import analyse_page
from autopass.reading.lines import (
    LineReader,
    Slot,
    _normalised,
    lines_of,
    quads_stand_on_end,
    rotate_quads,
    rotate_slots,
)
from autopass.devtools.samples import cards
from autopass.devtools.samples.templates import contracts, invoices
from tests.engines.drawing import printed_line
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


def test_a_line_standing_on_end_starts_at_its_top_left_once_turned_level() -> None:
    """The detector's box of a line standing on end may start at any corner (nothing tells
    which is the text's start); turned level, every box must start at its top-left, or the line
    is cut out upside down and reads as nothing (n7 0006: a contract photographed on its side,
    whose ID number could then not be confirmed)."""
    standing = ((10.0, 20.0), (30.0, 20.0), (30.0, 220.0), (10.0, 220.0))
    for rotation in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE):
        turned = {rotate_quads([standing[shift:] + standing[:shift]], (300, 100), rotation)[0]
                  for shift in range(4)}
        assert len(turned) == 1
        [quad] = turned
        assert min(range(4), key=lambda i: quad[i][0] + quad[i][1]) == 0  # top-left first
        assert quad[1][0] - quad[0][0] == 200  # then along the text


def test_a_page_of_clauses_is_read_by_prefixes_and_only_label_rows_in_full(ocr, plan) -> None:  # type: ignore[no-untyped-def]
    image, _ = contracts.render_bank_lines(plan.facts, random.Random(5))
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


def _slot_over(text: str, read_as: str, *, turned: bool, upside_down: bool = False):  # type: ignore[no-untyped-def]
    """A printed line and a slot over it that was read as ``read_as``."""
    image, line = printed_line(text, 30)
    if upside_down:
        image = cv2.rotate(image, cv2.ROTATE_180)
    slot = Slot(quad=line.box, line=TextLine(text=read_as, confidence=0.69, box=line.box),
                complete=True, turned=turned)
    return image, slot


def test_a_line_read_turned_on_an_upright_page_is_read_again_as_it_stands(ocr) -> None:  # type: ignore[no-untyped-def]
    """n7 dossier 95: a card photographed upside down; the angle classifier turned every line but
    8号, read upside down as 8, and the address lost its 号 when the card was turned."""
    image, slot = _slot_over("8号", "8", turned=True)
    [again] = LineReader(ocr).read_turned(image, [slot])
    assert again.line is not None and again.line.text == "8号" and not again.turned
    image, slot = _slot_over("8号", "8", turned=False)
    assert LineReader(ocr).read_turned(image, [slot]) == [slot]  # read as it stood: left alone


def test_a_reading_more_confident_than_the_second_look_is_kept(ocr) -> None:  # type: ignore[no-untyped-def]
    image, slot = _slot_over("公民身份号码", "公民身份号码", turned=True, upside_down=True)
    slot = replace(slot, line=replace(slot.line, confidence=1.0))
    assert LineReader(ocr).read_turned(image, [slot]) == [slot]


def test_turning_a_page_upside_down_turns_what_was_read_as_it_stood() -> None:
    box = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))
    read = Slot(quad=box, line=TextLine(text="8", confidence=0.7, box=box), complete=True)
    unread = Slot(quad=box, line=None, complete=True)
    shape = (200, 300, 3)
    turned = rotate_slots([read, unread], shape, cv2.ROTATE_180)
    assert [slot.turned for slot in turned] == [True, False]
    assert [slot.turned for slot in rotate_slots(turned, shape, cv2.ROTATE_180)] == [False, False]
    assert not rotate_slots([read], shape, cv2.ROTATE_90_CLOCKWISE)[0].turned
