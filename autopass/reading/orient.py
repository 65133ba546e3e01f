"""Which way is up: decided with at most one OCR pass in the common case.

1. Before OCR, cheaply: a document is turned when its ink runs in columns rather than rows. A
   card standing on its short side is turned only then: most cards are landscape when upright,
   but a vertical card's text reads upright in portrait.
2. After detection: if most text boxes stand on end, the guess was wrong; the image and the boxes
   are turned (``lines.quads_stand_on_end``), nothing is detected twice.
3. 0 or 180: the first reading runs the engine's line classifier, which reads upside-down lines
   correctly, so the text is right either way; the layout tells the rest (the title or first
   label must lie above the last label). The lines are then turned with the image, and what is
   read afterwards skips the classifier (``straightened``).
"""

from __future__ import annotations

import cv2
import numpy as np

from autopass.engines.base import TextLine
from autopass.reading.text import clean
from autopass.standards import DocumentSpec

LOW_TITLE = 0.75
"""A title (or top label) centred below this share of the document's height, with no bottom label
read: the document is upside down."""


def landscape_if_card(image: np.ndarray, is_card: bool) -> np.ndarray:
    """A page or a card whose text runs in columns is turned 90 degrees; a card only when it stands
    on its short side (a landscape card's text runs in rows, or it lies upside down): a vertical
    card, upright in portrait, is read as it stands. Should the ink mislead, the text boxes
    standing on end still turn the page after detection (``first_reading``)."""
    height, width = image.shape[:2]
    if (not is_card or height > width) and ink_runs_vertically(image):
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    return image


def ink_runs_vertically(image: np.ndarray) -> bool:
    """True when dark strokes line up in columns (text turned 90 degrees), from projection profiles."""
    scale = min(1.0, 500 / max(image.shape[:2]))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    rows = _smear(ink, horizontal=True)
    columns = _smear(ink, horizontal=False)
    return columns > 1.2 * rows


def _smear(ink: np.ndarray, *, horizontal: bool) -> float:
    """How well ink joins into long bars along one axis (text lines join along their direction)."""
    kernel = np.ones((1, 9) if horizontal else (9, 1), np.uint8)
    joined = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel)
    _, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    lengths = stats[1:, cv2.CC_STAT_WIDTH if horizontal else cv2.CC_STAT_HEIGHT]
    thickness = stats[1:, cv2.CC_STAT_HEIGHT if horizontal else cv2.CC_STAT_WIDTH]
    bars = (lengths > 4 * np.maximum(thickness, 1)) & (lengths > 20)
    return float(lengths[bars].sum())


def lines_stand_on_end(lines: list[TextLine]) -> bool:
    """Most multi-character lines are taller than wide: the page was read sideways."""
    long_lines = [line for line in lines if len(line.text) >= 3]
    if not long_lines:
        return False
    tall = sum(1 for line in long_lines if line.bounds[3] > 1.3 * line.bounds[2])
    return tall > len(long_lines) / 2


def is_upside_down(spec: DocumentSpec, lines: list[TextLine], height: int) -> bool:
    """True when the document's top words (``spec.orientation``) lie below its bottom words; with
    no bottom word read, when its printed title (``DocumentSpec.printed_title``, for a document
    whose title stands at its top), or else a top word, lies in the lowest part of its ``height``
    (a licence's title read, its 准驾车型 and 有效期限 labels lost; a registration certificate's
    登记编号 read, its pale labels and its upside-down title not)."""
    anchors = spec.orientation
    if anchors is None:
        return False
    top = _centre_of(anchors.top, lines)
    bottom = _centre_of(anchors.bottom, lines)
    if top is not None and bottom is not None:
        return top > bottom
    if bottom is not None or not anchors.title_at_top:
        return False
    title = spec.printed_title
    centre = _centre_of([title], lines) if title else None
    centre = top if centre is None else centre
    return centre is not None and centre > LOW_TITLE * height


def _centre_of(keywords: list[str], lines: list[TextLine]) -> float | None:
    """Median height of every line holding one of ``keywords``: one stray match (a seal's text,
    a clause quoting a label) does not turn the page."""
    centres = [line.bounds[1] + line.bounds[3] / 2 for line in lines
               if any(keyword in clean(line.text) for keyword in keywords)]
    return float(np.median(centres)) if centres else None
