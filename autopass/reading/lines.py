"""OCR of one upright document at the cost it needs: detect once, recognise only what matters.

Recognition costs in proportion to the width of the text it reads (each line is scaled to a fixed
height), and a page of clause text is mostly width nobody needs. So text lines are detected once,
on a copy scaled to ``DETECTION_SIDE``; when the whole page is cheap it is read in full, otherwise
each line is read only up to ``PREFIX_CHARACTERS`` (enough to tell a label or a title), and the
caller asks for the rest of the lines it needs (``complete``).

Engines that can only ``read`` a whole image (no ``detect``/``recognize``) are read in one call;
everything then comes back complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from autopass.engines.base import OcrEngine, Point, Recognised, TextLine

Quad = tuple[Point, Point, Point, Point]

DETECTION_SIDE = 1024
"""Longest side the text detector sees on a page: printed lines of an A4 page stay ~12 px tall
there, which the detector finds as surely as at full size, for half the pixels of 1400."""
CARD_DETECTION_SIDE = 800
"""The same for a card, whose smallest print is ~3 % of its height (about 15 px at this side)."""
FULL_READ_BUDGET = 90.0
"""A document whose lines add up to at most this many character widths is read in full at once
(cards: every line is needed anyway)."""
PREFIX_CHARACTERS = 6.0
"""Above the budget each line is first read to this many character widths (a label, a title)."""
MIN_CONFIDENCE = 0.5
"""Recognitions below this are noise (RapidOCR's own default)."""


@dataclass(frozen=True)
class Slot:
    """One detected text line: its quadrilateral and what has been read of it so far."""

    quad: Quad
    line: TextLine | None  # None: nothing legible (or not read yet)
    complete: bool  # False: only the first PREFIX_CHARACTERS were read
    turned: bool = False  # read turned 180 degrees (the engine's angle classifier chose to)

    @property
    def height(self) -> float:
        return quad_height(self.quad)

    @property
    def width(self) -> float:
        return quad_width(self.quad)

    @property
    def span(self) -> tuple[float, float]:
        ys = [p[1] for p in self.quad]
        return min(ys), max(ys)


def quad_height(quad: Quad) -> float:
    """Height of a text box across its text (mean of its two short sides)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    return max(1.0, float(np.hypot(x3 - x0, y3 - y0) + np.hypot(x2 - x1, y2 - y1)) / 2)


def quad_width(quad: Quad) -> float:
    """Length of a text box along its text (mean of its two long sides)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    return float(np.hypot(x1 - x0, y1 - y0) + np.hypot(x2 - x3, y2 - y3)) / 2


class LineReader:
    """The OCR engine seen through what reading needs; works with any ``OcrEngine``."""

    def __init__(self, ocr: OcrEngine) -> None:
        self.ocr = ocr
        self._detect: Callable[[np.ndarray], list[Quad]] | None = getattr(ocr, "detect", None)
        self._recognize: Callable[..., list[Recognised]] | None = getattr(ocr, "recognize", None)

    @property
    def selective(self) -> bool:
        """True when lines can be detected once and recognised one by one."""
        return callable(self._detect) and callable(self._recognize)

    def detect(self, image: np.ndarray, *, is_card: bool = False) -> list[Quad]:
        """Text-line quadrilaterals in pixels of ``image``, found on a reduced copy."""
        assert self._detect is not None
        side = CARD_DETECTION_SIDE if is_card else DETECTION_SIDE
        scale = min(1.0, side / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        return [_normalised(_scaled(quad, 1 / scale)) for quad in self._detect(small)]

    def first_pass(self, image: np.ndarray, quads: Sequence[Quad], *, straightened: bool) -> list[Slot]:
        """Every line read in full if the page is cheap, else up to ``PREFIX_CHARACTERS`` each."""
        slots = [Slot(quad=quad, line=None, complete=False) for quad in quads]
        total = sum(slot.width / slot.height for slot in slots)
        limit = None if total <= FULL_READ_BUDGET else PREFIX_CHARACTERS
        return self._read(image, slots, range(len(slots)), limit, straightened=straightened)

    def complete(self, image: np.ndarray, slots: list[Slot], wanted: Sequence[int]) -> list[Slot]:
        """The same slots with the ``wanted`` incomplete ones read in full (image upright)."""
        todo = [i for i in wanted if not slots[i].complete]
        return self._read(image, slots, todo, None, straightened=True) if todo else slots

    def read_illegible(self, image: np.ndarray, slots: list[Slot]) -> list[Slot]:
        """The same slots with those read as nothing read again on the upright ``image``: the
        angle classifier turns a long line surely, a short one (8号) not always."""
        todo = [i for i, slot in enumerate(slots) if slot.line is None]
        return self._read(image, slots, todo, None, straightened=True) if todo else slots

    def split_stacked(self, image: np.ndarray, slots: list[Slot]) -> list[Slot]:
        """The same slots with each box read as nothing (or unsurely) that is as tall as several
        printed lines replaced by the lines inside it, read one by one: a narrow table cell's label
        wrapped over lines (购买 over 方名 over 称) is detected as one block no recogniser reads.
        What the block yields is read in full; a block that does not yield two lines or more, each
        read surely, stays as it was."""
        typical = _typical_line_height(slots)
        if typical is None:
            return slots
        result: list[Slot] = []
        for slot in slots:
            low, high = slot.span
            sure = slot.line is not None and slot.line.confidence >= SURE_LINE
            if sure or high - low < STACKED_LINES * typical:
                result.append(slot)
                continue
            parts = [Slot(quad=quad, line=None, complete=False) for quad in _stacked_lines(image, slot.quad, typical)]
            read = self._read(image, parts, range(len(parts)), None, straightened=True) if len(parts) >= 2 else []
            legible = [part for part in read if part.line is not None]
            confidences = [part.line.confidence for part in legible]  # type: ignore[union-attr]
            # Lines, each read surely (the emblem of an ID card's back, cut in strips, reads as
            # stray letters), and better than the block.
            better = len(legible) >= 2 and min(confidences) >= STACKED_SURE \
                and (slot.line is None or min(confidences) > slot.line.confidence)
            result.extend(legible if better else [slot])
        return result

    def read_turned(self, image: np.ndarray, slots: list[Slot]) -> list[Slot]:
        """The same slots with the lines that were read turned read again as they stand on the
        upright ``image``, keeping the more confident reading: no line of an upright page is upside
        down, but the angle classifier leaves a short one as it is now and then (8号 on a card
        photographed upside down, read as 8 and kept when the card was turned)."""
        again = list(slots)
        for complete in (True, False):
            todo = [i for i, slot in enumerate(slots) if slot.turned and slot.complete == complete]
            if todo:
                limit = None if complete else PREFIX_CHARACTERS
                again = self._read(image, again, todo, limit, straightened=True)
        return [_more_confident(old, new) for old, new in zip(slots, again, strict=True)]

    def read_area(self, image: np.ndarray, area: tuple[int, int, int, int]) -> list[Slot]:
        """Detect and read, in full, the lines inside ``area`` (x, y, width, height) of the
        upright ``image``: a second look where the page-wide detector lost a line (an overprint
        stroke crossing it merged it into a shape that is no line)."""
        assert self._detect is not None
        x, y, width, height = area
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(image.shape[1], x + width), min(image.shape[0], y + height)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        quads = [_normalised(_shifted(quad, x0, y0)) for quad in self._detect(image[y0:y1, x0:x1])]
        slots = [Slot(quad=quad, line=None, complete=False) for quad in quads]
        return self._read(image, slots, range(len(slots)), None, straightened=True)

    def read_whole(self, image: np.ndarray, *, straightened: bool) -> list[Slot]:
        """For engines without ``detect``: one call, every line complete."""
        lines = self.ocr.read(image, straightened=straightened)
        return [Slot(quad=line.box, line=line, complete=True) for line in lines]

    def _read(
        self, image: np.ndarray, slots: list[Slot], indexes: Sequence[int], limit: float | None,
        *, straightened: bool,
    ) -> list[Slot]:
        assert self._recognize is not None
        cuts = [_cut(slots[i], limit) for i in indexes]
        crops = [line_image(image, quad) for quad, _ in cuts]
        texts = self._recognize(crops, straightened=straightened) if crops else []
        updated = list(slots)
        for i, (quad, whole), read in zip(indexes, cuts, texts, strict=True):
            legible = read.text.strip() and read.confidence >= MIN_CONFIDENCE
            line = TextLine(text=read.text, confidence=float(read.confidence), box=quad,
                            alternatives=read.alternatives) if legible else None
            updated[i] = replace(slots[i], line=line, complete=whole, turned=read.turned)
        return updated


STACKED_LINES = 1.6
"""A box read as nothing (or unsurely) at least this many typical line heights tall may hold
lines stacked."""
STACKED_SURE = 0.8
"""Least confidence of each line a block is cut into for the cut to be kept."""
SURE_LINE = 0.9
"""A block read at least this surely is one line (a title in large print), never split."""
RULE_SHARE = 0.6
"""A pixel row or column inked over this share of a block is a table's rule, not print."""
INK_GAP_SHARE = 0.02
"""Pixel rows inked under this share of the block's width lie between two printed lines."""


def _typical_line_height(slots: Sequence[Slot]) -> float | None:
    """The median height of the page's lines read as lines (elongated, legible), if any."""
    heights = [slot.height for slot in slots if slot.line is not None and slot.width > 2 * slot.height]
    return float(np.median(heights)) if heights else None


def _stacked_lines(image: np.ndarray, quad: Quad, typical: float) -> list[Quad]:
    """The printed lines inside ``quad``'s upright bounding box, found as bands of ink between
    blank pixel rows (a table's rules crossing the block ignored); [] for a block of one line."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    x0, y0 = max(0, int(min(xs))), max(0, int(min(ys)))
    x1, y1 = min(image.shape[1], int(max(xs)) + 1), min(image.shape[0], int(max(ys)) + 1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    crop = image[y0:y1, x0:x1]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ink[:, ink.mean(axis=0) > RULE_SHARE] = 0
    ink[ink.mean(axis=1) > RULE_SHARE, :] = 0
    inked = ink.mean(axis=1) > INK_GAP_SHARE
    bands: list[list[int]] = []
    for row, has_ink in enumerate(inked):
        if has_ink and bands and row - bands[-1][1] == 1:
            bands[-1][1] = row
        elif has_ink:
            bands.append([row, row])
    # A band at the block's edge is a line the detector's box cut through (称 under 方名): it
    # is read whole, reaching beyond the box. A character's own strokes may leave a blank row
    # (三, 二): a band inside, too thin for a line, joins its nearer neighbour when that is close.
    height = len(inked)
    edge = {i for i, (top, bottom) in enumerate(bands) if top <= 1 or bottom >= height - 2}
    merged = True
    while merged and len(bands) > 1:
        merged = False
        for i, (top, bottom) in enumerate(bands):
            if bottom - top + 1 >= 0.5 * typical or i in edge:
                continue
            gaps = [(top - bands[i - 1][1], i - 1) if i > 0 else (np.inf, -1),
                    (bands[i + 1][0] - bottom, i + 1) if i + 1 < len(bands) else (np.inf, -1)]
            gap, other = min(gaps)
            if gap <= 0.3 * typical:
                first, second = sorted((i, other))
                bands[first:second + 1] = [[bands[first][0], bands[second][1]]]
                edge = {j - (j > first) * (second - first) for j in edge}
                merged = True
                break
    reach = round(0.8 * typical)
    lines = [(top, max(bottom, top + reach)) if bottom >= height - 2 and top > 1
             else (min(top, bottom - reach), bottom) if top <= 1 and bottom < height - 2
             else (top, bottom) for top, bottom in bands if bottom - top + 1 >= 0.25 * typical]
    lines = [(top, bottom) for top, bottom in lines if bottom - top + 1 >= 0.4 * typical]
    if len(lines) < 2:
        return []
    pad = max(2, round(0.1 * typical))
    quads: list[Quad] = []
    for top, bottom in lines:
        band_top, band_bottom = float(max(0, y0 + top - pad)), float(min(image.shape[0], y0 + bottom + 1 + pad))
        quads.append(((float(x0), band_top), (float(x1), band_top), (float(x1), band_bottom), (float(x0), band_bottom)))
    return quads


def _more_confident(old: Slot, new: Slot) -> Slot:
    if new.line is None or (old.line is not None and old.line.confidence > new.line.confidence):
        return old
    return new


MAX_SLANT_DEGREES = 15.0
"""Printed lines of a document run parallel; text slanting more than this from the common
direction is an overprint across the page (仅供贷款使用 stamped at 30 degrees on a photocopy)."""


def text_slant(quads: Sequence[Quad]) -> float:
    """The median slant, in degrees, of the boxes long enough to show a direction (0 if none)."""
    level = [_normalised(quad) for quad in quads]  # turned boxes may start on a short side
    slants = [_slant(quad) for quad in level if quad_width(quad) > 2 * quad_height(quad)]
    return float(np.median(slants)) if slants else 0.0


def lines_of(slots: Sequence[Slot]) -> list[TextLine]:
    """The legible, level lines, in reading order (top to bottom, left to right)."""
    legible = [slot for slot in slots if slot.line is not None]
    elongated = [slot for slot in legible if slot.width > 2 * slot.height]  # a direction to measure
    level = text_slant([slot.quad for slot in elongated])
    lines = [slot.line for slot in legible
             if slot not in elongated or abs(_slant(slot.quad) - level) <= MAX_SLANT_DEGREES
             or _runs_downwards(slot, level)]
    return sorted(lines, key=lambda line: (line.bounds[1], line.bounds[0]))


def _runs_downwards(slot: Slot, level: float) -> bool:
    """Text printed downwards, one character under the other, square to the rows (a table cell's
    label 购/买/方/名/称 in one tall box): print, not an overprint slanting across the page."""
    assert slot.line is not None
    _, _, width, height = slot.line.bounds
    return height >= 1.5 * width and abs(abs(_slant(slot.quad) - level) - 90.0) <= MAX_SLANT_DEGREES


def _cut(slot: Slot, limit: float | None) -> tuple[Quad, bool]:
    """The slot's quad, or its left part ``limit`` character widths long; and whether it is whole."""
    if limit is None or slot.width <= (limit + 1) * slot.height:
        return slot.quad, True
    share = limit * slot.height / slot.width
    tl, tr, br, bl = (np.array(p, dtype=np.float64) for p in slot.quad)
    new_tr = tl + (tr - tl) * share
    new_br = bl + (br - bl) * share
    quad = tuple((float(p[0]), float(p[1])) for p in (tl, new_tr, new_br, bl))
    return quad, False  # type: ignore[return-value]


def line_image(image: np.ndarray, quad: Quad) -> np.ndarray:
    """The text line cut out and warped flat (what the recogniser expects)."""
    points = np.array(quad, dtype=np.float32)
    width = int(max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3])))
    height = int(max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2])))
    width, height = max(width, 2), max(height, 2)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(points, target)
    crop = cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE,
                               flags=cv2.INTER_CUBIC)
    if height >= 1.5 * width:  # a line standing on end: recognisers read it turned
        crop = np.rot90(crop).copy()
    return crop


def _shifted(quad: Quad, dx: float, dy: float) -> Quad:
    return tuple((x + dx, y + dy) for x, y in quad)  # type: ignore[return-value]


def _scaled(quad: Quad, factor: float) -> Quad:
    return tuple((x * factor, y * factor) for x, y in quad)  # type: ignore[return-value]


def rotate_quads(quads: Sequence[Quad], shape: tuple[int, ...], rotation: int) -> list[Quad]:
    """Quads in the coordinates of the image turned by ``rotation`` (a cv2.ROTATE_* code), each
    starting again at the top-left of its text: a line standing on end has no corner the detector
    could tell for its start, so the corners are numbered once the line lies level."""
    height, width = shape[:2]
    turned = []
    for quad in quads:
        if rotation == cv2.ROTATE_90_CLOCKWISE:
            points = [(height - 1 - y, x) for x, y in quad]
        elif rotation == cv2.ROTATE_90_COUNTERCLOCKWISE:
            points = [(y, width - 1 - x) for x, y in quad]
        else:
            points = [(width - 1 - x, height - 1 - y) for x, y in quad]
        turned.append(_normalised(tuple(points)))  # type: ignore[arg-type]
    return turned


def quads_stand_on_end(quads: Sequence[Quad]) -> bool:
    """Most elongated text boxes are taller than wide: the document lies on its side."""
    tall = wide = 0
    for quad in quads:
        xs = [p[0] for p in quad]
        ys = [p[1] for p in quad]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        if h > 2 * w:
            tall += 1
        elif w > 2 * h:
            wide += 1
    return tall > wide and tall >= 2


def rotate_slots(slots: Sequence[Slot], shape: tuple[int, ...], rotation: int) -> list[Slot]:
    """Slots (quads and the boxes of what was read) in the coordinates of the turned image; on
    an image turned upside down, a line read as it stood was read turned, and the other way round."""
    quads = rotate_quads([slot.quad for slot in slots], shape, rotation)
    rotated = []
    for slot, quad in zip(slots, quads, strict=True):
        line = slot.line
        if line is not None:
            [box] = rotate_quads([line.box], shape, rotation)
            line = replace(line, box=box)
        flipped = rotation == cv2.ROTATE_180 and line is not None
        rotated.append(replace(slot, quad=quad, line=line, turned=slot.turned != flipped))
    return rotated


def _slant(quad: Quad) -> float:
    """Angle of the quad's top edge to the horizontal, in degrees (-90 to 90)."""
    (x0, y0), (x1, y1) = quad[0], quad[1]
    angle = float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))
    return (angle + 90.0) % 180.0 - 90.0


def _normalised(quad: Quad) -> Quad:
    """Corners clockwise from the start of the text: top-left, top-right, bottom-right, bottom-left
    of the line as written (detectors start tilted boxes at whichever corner is highest)."""
    points = np.array(quad, dtype=np.float64)
    x, y = points[:, 0], points[:, 1]
    if 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) < 0:
        points = points[::-1]  # counter-clockwise on screen: reverse
    first_length = np.hypot(*(points[1] - points[0]))
    second_length = np.hypot(*(points[2] - points[1]))
    elongated = max(first_length, second_length) > 1.5 * max(1e-6, min(first_length, second_length))

    def score(start: int) -> tuple[bool, float]:
        """Along the text: the long edge of a line, the most level edge of a short word (C1)."""
        first = points[(start + 1) % 4] - points[start]
        second = points[(start + 2) % 4] - points[(start + 1) % 4]
        along = bool(np.hypot(*first) >= np.hypot(*second)) if elongated else True
        return along, float(first[0])

    start = max(range(4), key=score)
    ordered = np.roll(points, -start, axis=0)
    return tuple((float(px), float(py)) for px, py in ordered)  # type: ignore[return-value]
