"""Is the borrower's signature box inked? Image analysis of the area right of its label.

Handwriting reads badly with OCR, and a scribble is still a signature; what matters is ink where
the signature goes, once the printed underline is taken away.
"""

from __future__ import annotations

import cv2
import numpy as np

INK_SHARE_SIGNED = 0.012
"""Share of the signature area covered by strokes above which the box counts as signed."""
INK_SHARE_EMPTY = 0.003
"""Below this the box is empty beyond doubt; between the two a human looks at the crop."""


def signature_present(image: np.ndarray, label_box: list[int]) -> tuple[bool, float, list[int]]:
    """(signed?, confidence, [x, y, w, h] of the area examined) right of the signature label."""
    x, y, w, h = label_box
    height, width = image.shape[:2]
    left = min(width - 1, x + w + max(2, h // 4))
    right = min(width, left + max(int(0.4 * width), 8 * h))
    top = max(0, int(y - 0.8 * h))
    bottom = min(height, int(y + 1.3 * h))
    area = [int(left), int(top), int(right - left), int(bottom - top)]
    if right - left < 4 or bottom - top < 4:
        return False, 0.0, area
    crop = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_BGR2GRAY)
    ink = cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    underline = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(15, h)), np.uint8))
    strokes = cv2.subtract(ink, cv2.dilate(underline, np.ones((3, 3), np.uint8)))
    strokes = cv2.morphologyEx(strokes, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    share = float(np.count_nonzero(strokes)) / strokes.size
    if share >= INK_SHARE_SIGNED:
        return True, round(min(0.99, 0.85 + 5 * (share - INK_SHARE_SIGNED)), 3), area
    if share <= INK_SHARE_EMPTY:
        return False, 0.95, area
    middle = (INK_SHARE_SIGNED + INK_SHARE_EMPTY) / 2
    return share > middle, 0.5, area
