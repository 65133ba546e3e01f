"""RapidOCR for real: the models ship in the wheel and run offline in well under a second."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from autopass.engines.rapidocr_engine import RapidOcrEngine

from .drawing import CARD_LINES, draw_card, overprinted


def _texts(lines) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.text.replace(" ", "") for line in lines]


def test_reads_every_line_of_a_card_in_reading_order(ocr: RapidOcrEngine) -> None:
    assert _texts(ocr.read(draw_card())) == [line.replace(" ", "") for line in CARD_LINES]


def test_boxes_are_in_pixels_of_the_full_image_when_detection_ran_smaller(
    ocr: RapidOcrEngine,
) -> None:
    big = cv2.resize(draw_card(), (2500, 1625), interpolation=cv2.INTER_CUBIC)
    lines = ocr.read(big, straightened=True)
    assert _texts(lines) == [line.replace(" ", "") for line in CARD_LINES]
    x, y, width, height = lines[0].bounds
    assert 120 < x < 220 and 170 < y < 250 and height > 70 and x + width < 2500


def test_a_card_upside_down_is_read_with_the_line_classifier(ocr: RapidOcrEngine) -> None:
    upside_down = cv2.rotate(draw_card(), cv2.ROTATE_180)
    assert "公民身份号码370202198803121230" in _texts(ocr.read(upside_down))


@pytest.mark.parametrize("stamped_at", [(280, 275), (300, 260), (340, 230)])
def test_a_line_that_an_overprint_runs_into_is_still_read(
    ocr: RapidOcrEngine, stamped_at: tuple[int, int]
) -> None:
    # The stamp's last characters touch the VIN's end: in the detector's map the two make one
    # shape, whose box RapidOCR's own box-making drops (VIN line and stamp both lost).
    card = overprinted(draw_card(), "仅供贷款使用", stamped_at)
    texts = _texts(ocr.read(card, straightened=True))
    assert texts[:3] == [line.replace(" ", "") for line in CARD_LINES]


def test_detect_then_read_regions_reuses_one_detection(ocr: RapidOcrEngine) -> None:
    card = draw_card()
    quads = ocr.detect(card)
    assert len(quads) == 3
    assert _texts(ocr.read_regions(card, quads[1:2])) == ["公民身份号码370202198803121230"]


def test_recognize_batches_crops_and_accepts_greyscale(ocr: RapidOcrEngine) -> None:
    card = draw_card()
    crops = [cv2.cvtColor(card[60:130, 40:500], cv2.COLOR_BGR2GRAY), card[60:130, 40:500]]
    read = ocr.recognize(crops)
    assert [line.text.replace(" ", "") for line in read] == ["姓名张伟"] * 2
    assert ocr.recognize([]) == []


def test_each_character_read_comes_with_its_likeliest_alternatives(ocr: RapidOcrEngine) -> None:
    [line] = ocr.recognize([draw_card()[60:130, 40:500]])
    assert len(line.alternatives) == len(line.text)
    for character, options in zip(line.text, line.alternatives, strict=True):
        assert options[0][0] == character  # the character read is the likeliest
        assert [p for _, p in options] == sorted((p for _, p in options), reverse=True)
        assert 0 <= options[-1][1] <= options[0][1] <= 1


def test_blank_image_has_no_text(ocr: RapidOcrEngine) -> None:
    assert ocr.read(np.full((400, 600, 3), 255, np.uint8)) == []


def test_threads_share_one_engine(ocr: RapidOcrEngine) -> None:
    name_line = draw_card()[40:140, :]
    results: list[list[str]] = []
    workers = [
        threading.Thread(
            target=lambda: results.append(_texts(ocr.read(name_line, straightened=True)))
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [["姓名张伟"]] * 2
