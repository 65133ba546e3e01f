"""Cards on a sheet found by their text, when no outline shows them.

A washed-out copy prints a card's pale tint as the paper's white, so only its text and portrait
remain. The text lines of one card stand close together; two cards on a sheet are apart by more
blank space than separates the rows of either. Lines are grouped by that distance, measured in
their own heights (so it holds at any resolution and any copy scale), after setting aside the
lines that slant across the sheet (an overprint such as 仅供贷款使用).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from autopass.reading.lines import Quad

ROW_GAP = 2.8
"""Rows of one document lie at most this many line heights apart (a card's title and its next
row); the gap between two copied cards spans their margins as well, several line heights more."""
ITEM_GAP = 3.5
"""Items of one row lie at most this many line heights apart (性别 女 ... 民族 汉)."""
SLANT_DEGREES = 12.0
"""A line slanting further from the sheet's axes is an overprint across it, not a card's text."""
PADDING = 0.12
"""Share of a block's size added on each side: the card's margins, its portrait or emblem."""
MIN_LINES = 3
"""A block of fewer lines is a stray mark or a stamp, not a document."""
TALLEST_MEASURE = 1.5
"""Gaps are measured in line heights of at most this many times the sheet's median line: a card's
large title reaches its own rows, not the next card across the blank space between them."""


@dataclass(frozen=True)
class _Line:
    left: float
    top: float
    right: float
    bottom: float
    height: float


def text_blocks(quads: Sequence[Quad], shape: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """Regions ``(x, y, w, h)`` of ``shape``'s page, one per group of text lines standing apart,
    padded to take in what lies around the text; in reading order."""
    lines = [line for quad in quads if (line := _line(quad)) is not None]
    if not lines:
        return []
    standing = sum(line.bottom - line.top > line.right - line.left for line in lines) > len(lines) / 2
    if standing:  # cards turned on their side: their rows are columns
        lines = [_Line(line.top, line.left, line.bottom, line.right, line.height) for line in lines]
    groups = _groups(lines)
    height, width = shape[:2]
    regions = []
    for group in groups:
        if len(group) < MIN_LINES:
            continue
        left, top = min(line.left for line in group), min(line.top for line in group)
        right, bottom = max(line.right for line in group), max(line.bottom for line in group)
        if standing:
            left, top, right, bottom = top, left, bottom, right
        pad_x, pad_y = PADDING * (right - left), PADDING * (bottom - top)
        x0, y0 = max(0, int(left - pad_x)), max(0, int(top - pad_y))
        x1, y1 = min(width, int(right + pad_x)), min(height, int(bottom + pad_y))
        regions.append((x0, y0, x1 - x0, y1 - y0))
    return sorted(regions, key=lambda r: (r[1] // max(1, r[3]), r[0]))


def _line(quad: Quad) -> _Line | None:
    """The line's upright box, or None when it slants across the sheet."""
    (x0, y0), (x1, y1), _, _ = quad
    angle = abs(math.degrees(math.atan2(y1 - y0, x1 - x0))) % 90
    if min(angle, 90 - angle) > SLANT_DEGREES:
        return None
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    return _Line(min(xs), min(ys), max(xs), max(ys), min(max(xs) - min(xs), max(ys) - min(ys)))


def _groups(lines: list[_Line]) -> list[list[_Line]]:
    """Lines joined when close enough in rows and along them (single linkage)."""
    parent = list(range(len(lines)))
    tallest = TALLEST_MEASURE * sorted(line.height for line in lines)[len(lines) // 2]

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(lines):
        for j in range(i + 1, len(lines)):
            b = lines[j]
            size = min(max(a.height, b.height), tallest)
            across = max(0.0, max(a.left, b.left) - min(a.right, b.right))
            down = max(0.0, max(a.top, b.top) - min(a.bottom, b.bottom))
            if across <= ITEM_GAP * size and down <= ROW_GAP * size:
                parent[root(i)] = root(j)
    groups: dict[int, list[_Line]] = {}
    for i, line in enumerate(lines):
        groups.setdefault(root(i), []).append(line)
    return list(groups.values())
