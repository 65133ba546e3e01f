"""Is the borrower's signature box inked? Image analysis of the area right of its label.

Handwriting reads badly with OCR, and a scribble is still a signature; what matters is ink where
the signature goes, once the printed underline is taken away, measured on the page's own paper
(not on a desk beyond its edge, nor against a glare spot's brightness spread over the dim paper
beside it, and with the paper's tint taken out before blue ink is judged).
The answer is only sure when the box was found whole and its ink is plainly dark or plainly
absent: faint ink, glare over the box or a box cut by the page edge make it a question for a
person.
"""

from __future__ import annotations

import cv2
import numpy as np

INK_SHARE_SIGNED = 0.012
"""Share of the signature area covered by strokes above which the box counts as signed."""
INK_SHARE_EMPTY = 0.003
"""Below this the box is empty beyond doubt; between the two a human looks at the crop."""
DARK_INK = 60
"""Grey levels below the paper that plain ink reaches; fainter strokes make the answer unsure."""
FAINT_INK = 18
"""Grey levels below the paper that still count as (faint) ink rather than paper noise."""
BLUE_INK = 15
"""Blue channel above red by this much, once the paper is neutral grey (``_paper_balanced``):
ballpoint or gel pen ink, not grey print or paper."""
PRINTED_RUN = 3
"""Components in a row within the label's line that make printed words, not handwriting."""
PRINTED_GAP = 1.0
"""Largest gap, in label heights, between two pieces of printed words in one run."""
RED_SHARE = 0.5
"""A stroke whose redness (red above green and blue) is at least this share of its darkness is
red ink: the lender's seal or a fingerprint, never the borrower's signature."""
PAPER = 6
"""Pixels at most this many grey levels below the paper around them are paper: the colour that
the photo's light gave the paper is measured on them."""
OFF_PAGE = 60
"""Background this many grey levels darker than the box's brightest paper is the desk beyond the
page's edge: nothing on it is ink (a dark cloth desk's weave read as a sure signature)."""
PEN_TINT = 10
"""Faint strokes bluer than their paper by this many levels (median) are pale pen ink: a photo
washes a blue signature out to 10-25 levels, while grey print stays within ~6."""
PLAIN_FAINT_SHARE = 3 * INK_SHARE_SIGNED
"""Faint strokes covering this much of the box, with the pen's tint, are a signature for sure."""
GLARE = 12
"""Paper in the box this much brighter than the page's paper: glare may have washed ink out."""
MIN_BOX_HEIGHTS = 5
"""A box narrower than this many label heights was cut by the page edge (or is not the box)."""
SURE_EMPTY = 0.95
SURE_SIGNED = 0.95
UNSURE = 0.5
BOX_NOT_FOUND = 0.3


def signature_present(
    image: np.ndarray, label_box: list[int], right_limit: float | None = None
) -> tuple[bool, float, list[int]]:
    """(signed?, confidence, [x, y, w, h] of the area examined) right of the signature label, up
    to ``right_limit`` (where the next label on its row begins: the lender's side of a two-column
    signature block, with its print and seal, is no part of the borrower's box)."""
    x, y, w, h = label_box
    h = max(h, 1)
    height, width = image.shape[:2]
    left = min(width - 1, x + w + max(2, h // 4))
    right = min(width, left + max(int(0.4 * width), 8 * h))
    if right_limit is not None:
        right = max(left, min(right, int(right_limit - h // 2)))
    top = max(0, int(y - 1.8 * h))  # signatures rise above their line
    bottom = min(height, int(y + 1.3 * h))
    area = [int(left), int(top), int(right - left), int(bottom - top)]
    if right - left < MIN_BOX_HEIGHTS * h or bottom - top < 2 * h:
        return False, BOX_NOT_FOUND, area
    crop = image[top:bottom, left:right]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    paper = _paper(gray, h)
    on_page = _on_page(paper, h)
    if np.count_nonzero(on_page.mean(axis=0) > 0.5) < MIN_BOX_HEIGHTS * h:
        return False, BOX_NOT_FOUND, area  # the page's edge cuts the box just after the label
    under_strokes = _paper_under_strokes(paper, gray, h)
    darkness = np.where(on_page, cv2.subtract(under_strokes, gray), 0).astype(np.uint8)
    balanced = _paper_balanced(crop, (darkness < PAPER) & on_page)
    darkness = np.where(_red_ink(balanced, darkness), 0, darkness).astype(np.uint8)
    printed = _printed_text(darkness >= FAINT_INK, (y - top, y - top + h), h)
    darkness = np.where(printed, 0, darkness).astype(np.uint8)
    dark_share, faint_share, coloured_share = _ink_shares(balanced, darkness, on_page, h)
    if dark_share >= INK_SHARE_SIGNED or coloured_share >= INK_SHARE_SIGNED:
        return True, SURE_SIGNED, area
    if faint_share >= PLAIN_FAINT_SHARE and _pen_tint(balanced, darkness, on_page) >= PEN_TINT:
        return True, SURE_SIGNED, area
    if faint_share >= INK_SHARE_SIGNED:
        return True, UNSURE, area  # pale strokes: probably a signature, a person confirms
    if printed.any():
        # Printed words in the box (the lender's label, its OCR lost under the seal): what was
        # taken for print might be small handwriting on the line; a person looks.
        return False, UNSURE, area
    if faint_share <= INK_SHARE_EMPTY and on_page.all() and not _glare_over(image, gray):
        # Only a box wholly on the page is surely empty: what looked like desk may be dim paper
        # beside a glare spot, where ink was not looked for.
        return False, SURE_EMPTY, area
    return faint_share > (INK_SHARE_SIGNED + INK_SHARE_EMPTY) / 2, UNSURE, area


def _ink_shares(balanced: np.ndarray, darkness: np.ndarray, on_page: np.ndarray,
                line_height: int) -> tuple[float, float, float]:
    """(dark, faint, blue) shares of the box's paper covered by handwriting: darker than the local
    paper, not a flat printed rule (underline, dashes), not red (the lender's seal, a fingerprint
    in red ink pad), not speckle. Blue strokes are pen ink however pale a photo made them: print
    is black and seals are red. ``balanced``: the box with its paper made neutral grey
    (``_paper_balanced``)."""
    blue, green, red = (balanced[:, :, i] for i in range(3))
    faint = darkness >= FAINT_INK
    pen_blue = (blue - red) >= BLUE_INK
    paper_area = max(1, int(np.count_nonzero(on_page)))
    dark, faint_strokes, blue_strokes = (_stroke_pixels(mask, line_height)
                                         for mask in (darkness >= DARK_INK, faint, faint & pen_blue))
    return dark / paper_area, faint_strokes / paper_area, blue_strokes / paper_area


def _printed_text(ink: np.ndarray, label_band: tuple[int, int], line_height: int) -> np.ndarray:
    """Pieces of printed characters in the box: a run of at least ``PRINTED_RUN`` components as
    tall as the label's characters at most, standing within the label's line (the next label of
    a two-column block that OCR lost, a printed date). Handwriting rises above and falls below it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    band_top, band_bottom = label_band
    slack = 0.3 * line_height
    inside = [index for index in range(1, count)
              if stats[index][1] >= band_top - slack and stats[index][1] + stats[index][3] <= band_bottom + slack
              and stats[index][3] >= 0.3 * line_height and stats[index][4] >= 6]
    inside.sort(key=lambda index: stats[index][0])
    printed = np.zeros(count, dtype=bool)
    run: list[int] = []
    for index in inside:
        if run and stats[index][0] - (stats[run[-1]][0] + stats[run[-1]][2]) > PRINTED_GAP * line_height:
            run = []
        run.append(index)
        if len(run) >= PRINTED_RUN:
            printed[run] = True
    return printed[labels]


def _red_ink(balanced: np.ndarray, darkness: np.ndarray) -> np.ndarray:
    """Seal and fingerprint ink: pixels whose darkness is mostly redness (red ink thinned by paper
    at a stroke's edge stays red in that proportion; grey print and blue pen do not), widened by a
    pixel for the fringes a JPEG blurs around them."""
    blue, green, red = (balanced[:, :, i] for i in range(3))
    redness = red - np.maximum(blue, green)
    red_ink = ((redness >= RED_SHARE * darkness) & (redness >= FAINT_INK / 2)).astype(np.uint8)
    return cv2.dilate(red_ink, np.ones((3, 3), np.uint8)) > 0


def _paper_balanced(crop: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """``crop`` (as float) with each channel scaled so that its ``paper`` pixels are neutral grey.
    A photo's light tints paper and ink alike: under a warm lamp blue ink's blue-minus-red falls
    by as much as the paper's, and under a cool one grey print turns blue."""
    image = crop.astype(np.float32)
    if not paper.any():
        return image
    reference = np.maximum(np.median(image[paper], axis=0), 1.0)
    return image * (reference.mean() / reference)


def _paper(gray: np.ndarray, line_height: int) -> np.ndarray:
    """The paper around each pixel: the image with strokes thinner than two lines closed over."""
    size = _paper_window(line_height)
    return cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))


def _paper_under_strokes(paper: np.ndarray, gray: np.ndarray, line_height: int) -> np.ndarray:
    """What ink is measured against: ``paper`` (the closing), but no brighter than the median
    around each pixel. A closing spreads a hard-rimmed glare spot over the dim paper beside it,
    which then read as a sure signature in an empty box; sparse strokes do not move a median."""
    return np.minimum(paper, cv2.medianBlur(gray, _paper_window(line_height)))


def _paper_window(line_height: int) -> int:
    """Side of the square that the paper is estimated over: wider than any pen stroke."""
    return max(15, 2 * line_height) | 1


def _on_page(paper: np.ndarray, line_height: int) -> np.ndarray:
    """Where the box lies on the page rather than on the desk beyond its edge (a page photographed
    near the frame's side): background within ``OFF_PAGE`` levels of the box's brightest paper,
    less a margin along the edge, whose blurred fall to the desk is no stroke either."""
    brightest = float(np.percentile(paper, 90))
    desk = (paper < brightest - OFF_PAGE).astype(np.uint8)
    margin = max(3, line_height // 4) | 1
    return cv2.dilate(desk, np.ones((margin, margin), np.uint8)) == 0


def _pen_tint(balanced: np.ndarray, darkness: np.ndarray, on_page: np.ndarray) -> float:
    """How much bluer than the paper the faint strokes are (median of blue minus red), in the box
    with its paper made neutral grey: grey strokes under a tinted light have no tint."""
    strokes = darkness >= FAINT_INK
    paper = on_page & ~strokes
    if not strokes.any() or not paper.any():
        return 0.0
    tint = balanced[:, :, 0] - balanced[:, :, 2]
    return float(np.median(tint[strokes]) - np.median(tint[paper]))


def _stroke_pixels(mask: np.ndarray, line_height: int) -> int:
    """Pixels in components that are strokes: not printed rules (straight underline,
    dashes, the steps of a slightly tilted line), not a border or page edge, not specks."""
    binary = mask.astype(np.uint8)
    rule = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, max(15, 3 * line_height)), np.uint8))
    binary = cv2.subtract(binary, cv2.dilate(rule, np.ones((3, 3), np.uint8)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    flat = max(3, line_height // 6)
    keep = np.zeros(count, dtype=bool)
    for index in range(1, count):
        left, top, width, height, area = stats[index]
        border = height >= 0.9 * binary.shape[0] and width * 4 < height
        keep[index] = height > flat and not border and area >= 6 and not _straight_rule(
            labels[top:top + height, left:left + width] == index, line_height)
    return int(np.count_nonzero(keep[labels]))


def _straight_rule(component: np.ndarray, line_height: int) -> bool:
    """A long, thin, straight component (its bounding box's mask) at any slant: the underline of a
    page photographed a few degrees askew, whose steps the horizontal opening above leaves (3
    degrees read as signed)."""
    points = np.column_stack(np.nonzero(component)).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    return max(side_a, side_b) >= 3 * line_height and min(side_a, side_b) <= max(3, line_height / 4)


def _glare_over(image: np.ndarray, box_gray: np.ndarray) -> bool:
    """The box's paper is clearly brighter than the page's: faint ink there may be invisible."""
    page_paper = float(np.percentile(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 75))
    box_paper = float(np.percentile(box_gray, 75))
    return box_paper - page_paper > GLARE
