"""Find the documents in a photo and straighten them, cheaply (OpenCV at reduced scale).

A card photographed on a desk is a bright quadrilateral with strong edges; an A4 photocopy of
both ID card sides holds two card-shaped quadrilaterals. Each becomes its own straightened image;
when nothing convincing is found the whole image is used, so a document is never lost here.
Which way is up is decided later (``orient.py``), after one OCR pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 640
"""Contours are searched on a copy whose longest side is this many pixels: fast and sufficient."""
MIN_AREA_SHARE = 0.12
"""A document smaller than this share of the photo is not believed (probably a texture patch)."""
MIN_CARD_SHARE = 0.03
"""A card copied on A4 at its natural size covers 7% of the sheet (85.6 x 54 mm of 210 x 297):
card-shaped outlines down to this share are believed when they lie on a sheet as copies do."""
CARD_ASPECT = (1.48, 1.80)
"""ID card, licence, bank card (1.585) and invoice (1.6); A4 (1.414) stays out, it is portrait."""
SHEET_BORDER = 0.03
"""The outer band of a page (this share of its short side) shows the sheet's own colour."""
OFF_PAPER = 9.0
"""Lab distance from the sheet's colour that marks something lying on it (a copied card's tint),
on a sheet whose own colour varies (grain, toner dust)."""
CLEAN_OFF_PAPER = 5.0
"""The same on a clean sheet, whose colour hardly varies: a pale grey card copied on white paper
differs from it by less than ``OFF_PAPER``."""
PAPER_GRAIN = 3.0
"""How far a sheet's own colour strays (90th percentile of its border's distance from its median,
in Lab units) to count as grainy: each unit raises the mark from ``CLEAN_OFF_PAPER``."""
LETTER_SHARE = 0.03
"""Off-paper marks thinner than this share of the page's long side are strokes, not cards."""
MAX_OUTPUT_SIDE = 1400
"""Straightened documents are capped here: OCR gains nothing from more pixels, only time."""


@dataclass(frozen=True)
class Located:
    """One document found on a page: its straightened pixels and where it lies on the page."""

    image: np.ndarray
    region: tuple[int, int, int, int] | None  # x, y, w, h on the page; None = the whole image
    quad: np.ndarray  # 4 x 2 float32 corners on the page (tl, tr, br, bl)
    is_card: bool  # card-shaped (aspect ~1.585): known to be landscape when upright
    whole_page: bool = False  # the photo itself (perhaps shrunk), no outline found in it


def locate_documents(page: np.ndarray) -> list[Located]:
    """Every document on ``page``: one for a photo, two for an A4 copy of both ID card sides."""
    scale = min(1.0, WORK_SIDE / max(page.shape[:2]))
    small = cv2.resize(page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else page
    outlines = _candidate_quads(small)
    page_area = small.shape[0] * small.shape[1]
    cards = _separate_cards(outlines, page_area)
    if len(cards) >= 2:
        return [_straighten(page, quad / scale, with_region=True) for quad in _reading_order(cards)]
    quads = [quad for quad in outlines if cv2.contourArea(quad) >= MIN_AREA_SHARE * page_area]
    standing_out = [quad for quad in quads if _stands_out(small, quad)]
    if standing_out:
        return [_straighten(page, standing_out[0] / scale, with_region=False)]
    if len(cards) == 1 and _stands_out(small, cards[0]):  # one card copied alone on a sheet
        return [_straighten(page, cards[0] / scale, with_region=False)]
    return [whole_page(page)]


def _reading_order(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Row by row from the top, left to right in a row (cards side by side share a row)."""
    rows: list[list[np.ndarray]] = []
    for quad in sorted(quads, key=lambda q: float(q[:, 1].mean())):
        if rows and quad[:, 1].mean() < rows[-1][0][:, 1].max():
            rows[-1].append(quad)
        else:
            rows.append([quad])
    return [quad for row in rows for quad in sorted(row, key=lambda q: float(q[:, 0].mean()))]


def _candidate_quads(small: np.ndarray) -> list[np.ndarray]:
    """Convex quadrilaterals big enough to be documents, largest first, each ordered tl,tr,br,bl."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (5, 5), 0)
    median = float(np.median(gray))
    edges = cv2.Canny(gray, max(10.0, 0.5 * median), min(255.0, 1.2 * median + 30))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    # Brighter-than-surroundings blobs too: a photocopied card on grey, noisy paper has weak edges.
    blurred = cv2.GaussianBlur(gray, (15, 15), 0)
    first, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours = [*contours, *_bright_blobs(bright), *_off_paper_blobs(small)]
    upper = blurred[blurred > first]
    if upper.size > 100:  # the page itself is the bright part: split it again (cards on paper)
        second, _ = cv2.threshold(upper.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        contours = [*contours, *_bright_blobs(((blurred > second) * 255).astype(np.uint8))]
    area = small.shape[0] * small.shape[1]
    quads: list[np.ndarray] = []
    for contour in contours:
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        if hull_area < MIN_CARD_SHARE * area or hull_area > 0.97 * area:
            continue
        approx = cv2.approxPolyDP(hull, 0.03 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            quad = approx.reshape(4, 2).astype(np.float32)
        else:
            rect = cv2.minAreaRect(hull)
            if hull_area < 0.85 * rect[1][0] * rect[1][1]:
                continue  # not rectangular enough: a blob, not a document
            quad = cv2.boxPoints(rect).astype(np.float32)
        if _fill_ratio(contour, quad) < 0.5:
            continue
        quads.append(_order(quad))
    quads.sort(key=lambda q: -cv2.contourArea(q))
    return _dedupe(quads)


def _stands_out(small: np.ndarray, quad: np.ndarray) -> bool:
    """A document on a desk differs from what surrounds it; a table inside a scanned page does not
    (the same paper continues beyond its frame), so the page, not the table, is the document."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    centre = quad.mean(axis=0)
    inner = np.zeros(small.shape[:2], np.uint8)
    outer = np.zeros(small.shape[:2], np.uint8)
    cv2.fillConvexPoly(inner, ((quad - centre) * 0.92 + centre).astype(np.int32), 1)
    cv2.fillConvexPoly(outer, ((quad - centre) * 1.10 + centre).astype(np.int32), 1)
    ring_inside = cv2.fillConvexPoly(np.zeros_like(inner), quad.astype(np.int32), 1) - inner
    ring_outside = outer - cv2.fillConvexPoly(np.zeros_like(inner), quad.astype(np.int32), 1)
    if ring_outside.sum() < 50 or ring_inside.sum() < 50:
        return True  # the quad touches the photo's border: nothing to compare with
    inside = np.median(lab[ring_inside.astype(bool)], axis=0)
    outside = np.median(lab[ring_outside.astype(bool)], axis=0)
    return float(np.linalg.norm(inside - outside)) > 18.0


def _bright_blobs(mask: np.ndarray) -> list[np.ndarray]:
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    blobs, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return list(blobs)


def _off_paper_blobs(small: np.ndarray) -> list[np.ndarray]:
    """Areas whose colour is not the sheet's: cards copied onto paper, lighter or darker than it,
    their edges too faint for Canny. The sheet's colour is its border's; a median filter first
    wipes thin strokes (text, an overprint across the sheet) and keeps filled areas."""
    smooth = cv2.medianBlur(small, 7)
    lab = cv2.cvtColor(smooth, cv2.COLOR_BGR2LAB).astype(np.float32)
    band = max(2, round(min(small.shape[:2]) * SHEET_BORDER))
    border = np.concatenate([lab[:band].reshape(-1, 3), lab[-band:].reshape(-1, 3),
                             lab[:, :band].reshape(-1, 3), lab[:, -band:].reshape(-1, 3)])
    paper = np.median(border, axis=0)
    grain = float(np.percentile(np.linalg.norm(border - paper, axis=1), 90))
    off_paper = min(OFF_PAPER, CLEAN_OFF_PAPER + (OFF_PAPER - CLEAN_OFF_PAPER) * grain / PAPER_GRAIN)
    distance = np.linalg.norm(lab - paper, axis=2)
    mask = cv2.morphologyEx(((distance > off_paper) * 255).astype(np.uint8), cv2.MORPH_CLOSE,
                            np.ones((5, 5), np.uint8))
    # An overprint's letters survive the median filter as blobs strung along their slant; an
    # opening wider than a letter's stroke clears them, while a card's filled tint stays.
    side = max(3, round(max(small.shape[:2]) * LETTER_SHARE))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    return _bright_blobs(mask)


def _fill_ratio(contour: np.ndarray, quad: np.ndarray) -> float:
    """How much of the quad's outline the contour follows (edges of a real document, not noise)."""
    perimeter = cv2.arcLength(quad.reshape(-1, 1, 2), True)
    return min(1.0, cv2.arcLength(contour, True) / 2 / max(perimeter, 1.0))


def _dedupe(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Drop quads that are the same document as a bigger one found before (inner/outer edge)."""
    kept: list[np.ndarray] = []
    for quad in quads:
        area = cv2.contourArea(quad)
        if any(_overlap(quad, other) > 0.85 * area and cv2.contourArea(other) < 1.25 * area
               for other in kept):
            continue
        kept.append(quad)
    return kept


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    inter, _ = cv2.intersectConvexConvex(a, b)
    return float(inter)


def _separate_cards(quads: list[np.ndarray], page_area: float) -> list[np.ndarray]:
    """Card-shaped, non-overlapping quads of about one size: two or more on an A4 copy, one when
    a card was copied alone on its sheet."""
    cards: list[np.ndarray] = []
    for quad in quads:
        if not CARD_ASPECT[0] <= _aspect(quad) <= CARD_ASPECT[1]:
            continue
        if cv2.contourArea(quad) > 0.45 * page_area:
            continue
        if any(_overlap(quad, other) > 0.1 * cv2.contourArea(quad) for other in cards):
            continue
        cards.append(quad)
    if not cards:
        return []
    biggest = max(cv2.contourArea(q) for q in cards)
    return [q for q in cards if cv2.contourArea(q) > 0.6 * biggest]


def _aspect(quad: np.ndarray) -> float:
    width, height = _side_lengths(quad)
    return max(width, height) / max(1.0, min(width, height))


def _side_lengths(quad: np.ndarray) -> tuple[float, float]:
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left (by position on the page)."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    ordered = quad[np.argsort(angles)]  # clockwise from the left in image coordinates
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0).astype(np.float32)


def _straighten(page: np.ndarray, quad: np.ndarray, *, with_region: bool) -> Located:
    """Warp ``quad`` to a rectangle of its own size (capped), keeping its orientation on the page."""
    width, height = _side_lengths(quad)
    factor = min(1.0, MAX_OUTPUT_SIDE / max(width, height))
    out_w, out_h = max(8, int(width * factor)), max(8, int(height * factor))
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    image = cv2.warpPerspective(page, matrix, (out_w, out_h), flags=cv2.INTER_AREA
                                if factor < 1 else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    region = None
    if with_region:
        x, y, w, h = cv2.boundingRect(quad.astype(np.int32))
        region = (max(0, x), max(0, y), w, h)
    is_card = CARD_ASPECT[0] <= _aspect(quad) <= CARD_ASPECT[1]
    return Located(image=image, region=region, quad=quad, is_card=is_card)


def whole_page(page: np.ndarray) -> Located:
    """The photo itself as the document (nothing convincing found, or what was found misled)."""
    height, width = page.shape[:2]
    factor = min(1.0, MAX_OUTPUT_SIDE / max(width, height))
    image = cv2.resize(page, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else page
    quad = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    return Located(image=image, region=None, quad=quad, is_card=False, whole_page=True)


def cut_region(page: np.ndarray, region: tuple[int, ...] | Sequence[int]) -> Located:
    """The upright rectangle ``region`` (x, y, w, h) of ``page`` as a document of its own."""
    x, y, width, height = (int(v) for v in region)
    quad = np.array([[x, y], [x + width, y], [x + width, y + height], [x, y + height]], np.float32)
    located = _straighten(page, quad, with_region=True)
    return Located(image=located.image, region=(x, y, width, height), quad=quad, is_card=located.is_card)
