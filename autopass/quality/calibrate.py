"""Per-field ``min_confidence`` thresholds from what people answered (``autopass calibrate``).

For each field, the machine's confidence is set against how often its value was right
(``measure.observations``): a reliability picture, and the lowest threshold on a 0.01 grid at which
the field's error among the values it would trust stays under the target, the Wilson interval's
upper end included (so thin data cannot pass for a low error), and no lower than the lowest
confidence people answered (nothing vouches for values read less sure than any answer). Where no
threshold qualifies, it says how many more right answers the current threshold needs. The
proposal is a unified diff of the standard's YAML, for a person to review and apply: nothing
changes by itself.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

import yaml

from autopass import charts
from autopass.quality.measure import Observation
from autopass.quality.qa import key_fields
from autopass.quality.stats import DEFAULT_LEVEL, Proportion, answers_missing, wilson
from autopass.standards import Standard

GRID = tuple(round(0.50 + 0.01 * step, 2) for step in range(50))  # 0.50 .. 0.99
BINS = tuple(round(0.50 + 0.05 * step, 2) for step in range(11))  # reliability bins 0.50 .. 1.00


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    n: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None


@dataclass(frozen=True)
class FieldCalibration:
    field: str  # "<document type>.<field>"
    current: float
    proposed: float | None  # None: the data is too thin for any threshold
    observations: int
    now: Proportion  # errors among values trusted at the current threshold
    then: Proportion | None  # ... at the proposed one
    trusted_share_now: float
    trusted_share_then: float | None
    missing: int | None  # more right answers the current threshold needs (no proposal)
    bins: list[Bin]

    @property
    def changed(self) -> bool:
        return self.proposed is not None and abs(self.proposed - self.current) >= 0.005


def calibrate(standard: Standard, observations: Iterable[Observation], *, target: float,
              level: float = DEFAULT_LEVEL) -> list[FieldCalibration]:
    """One calibration per document field a rule of ``standard`` reads that people answered
    about, from the answers of every product: the same reader read the same field of the same
    document type, so another product's answers say as much about a confidence as its own (a
    used-car contract's amount read wrong at 0.72 forbids trusting a new-car one at 0.72)."""
    wanted = {f"{document_type}.{field}" for document_type, field in key_fields(standard)}
    by_field: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for seen in observations:
        if seen.field in wanted and seen.confidence is not None:
            by_field[seen.field].append((seen.confidence, seen.correct))
    found = []
    for name, pairs in sorted(by_field.items()):
        document_type, _, field = name.partition(".")
        found.append(calibrate_field(name, pairs, standard.min_confidence(document_type, field),
                                     target=target, level=level))
    return found


def calibrate_field(name: str, pairs: Sequence[tuple[float, bool]], current: float, *,
                    target: float, level: float = DEFAULT_LEVEL) -> FieldCalibration:
    """The lowest grid threshold whose trusted values' error (upper end of its interval) is at
    most ``target``, and never below the lowest confidence answered (``answered_down_to``):
    trusting as much as the answers allow, and no more."""

    def at(threshold: float) -> tuple[Proportion, float]:
        trusted = [correct for confidence, correct in pairs if confidence >= threshold - 1e-9]
        share = len(trusted) / len(pairs) if pairs else 0.0
        return wilson(trusted.count(False), len(trusted), level), share

    now, share_now = at(current)
    proposed = next((threshold for threshold in sorted({*GRID, current})
                     if (found := at(threshold)[0]).n and (found.high or 1.0) <= target), None)
    if proposed is not None and proposed < current:
        proposed = min(current, answered_down_to(pairs, proposed))
    then, share_then = at(proposed) if proposed is not None else (None, None)
    missing = None if proposed is not None else answers_missing(now.errors, now.n, target, level)
    return FieldCalibration(field=name, current=current, proposed=proposed,
                            observations=len(pairs), now=now, then=then,
                            trusted_share_now=share_now, trusted_share_then=share_then,
                            missing=missing, bins=reliability(pairs))


def answered_down_to(pairs: Sequence[tuple[float, bool]], threshold: float) -> float:
    """The grid step of the lowest confidence answered at or above ``threshold``: a threshold
    lowered past it would trust values no answer has shown right. (Below the answers, every
    grid step leaves the same answers trusted, so the lowest one met the target with nothing
    seen there: 0.95 went to 0.50 on answers all read at 0.95 or more.)"""
    lowest = min(confidence for confidence, _ in pairs if confidence >= threshold - 1e-9)
    return round(math.floor(lowest * 100 + 1e-6) / 100, 2)


def reliability(pairs: Sequence[tuple[float, bool]]) -> list[Bin]:
    """Observed accuracy per confidence bin (0.05 wide from 0.50; lower confidences in the first)."""
    bins = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        last = high >= 1.0
        inside = [correct for confidence, correct in pairs
                  if (confidence >= low or low == BINS[0])
                  and (confidence < high or (last and confidence <= 1.0))]
        bins.append(Bin(low=low, high=high, n=len(inside), correct=sum(inside)))
    return bins


# --- the reviewed change to the standard ------------------------------------------------------------
_TOP_LEVEL = re.compile(r"^[^\s#]")
_ENTRY = re.compile(r"^(\s+)([\w.]+):\s*([0-9.]+)\s*(#.*)?$")


def proposed_yaml(text: str, changes: dict[str, float], notes: dict[str, str] | None = None) -> str:
    """The standard's YAML ``text`` with ``confidence.fields`` entries set to ``changes`` (key ->
    threshold), the rest of the file (comments, order) as it was."""
    notes = notes or {}
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^confidence:\s*(#.*)?$", line)),
                 None)
    if start is None:  # no confidence section yet: one with the changes only
        block = ["confidence:\n", "  fields:\n"] + [
            f"    {key}: {value:.2f}{_note(notes.get(key))}\n" for key, value in changes.items()]
        return "".join(lines + (["\n"] if lines and not lines[-1].endswith("\n") else []) + block)
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL.match(lines[i])), len(lines))
    fields_at = next((i for i in range(start + 1, end) if re.match(r"^\s+fields:\s*$", lines[i])),
                     None)
    left = dict(changes)
    if fields_at is None:
        insert = ["  fields:\n"] + [f"    {key}: {value:.2f}{_note(notes.get(key))}\n"
                                    for key, value in left.items()]
        last = max((i for i in range(start, end) if lines[i].strip()), default=start)
        return "".join(lines[:last + 1] + insert + lines[last + 1:])
    indent, last = "    ", fields_at
    for i in range(fields_at + 1, end):
        match = _ENTRY.match(lines[i])
        if not match:
            if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                break
            continue
        indent, last = match.group(1), i
        key = match.group(2)
        if key in left:
            lines[i] = f"{indent}{key}: {left.pop(key):.2f}{_note(notes.get(key))}\n"
    added = [f"{indent}{key}: {value:.2f}{_note(notes.get(key))}\n" for key, value in left.items()]
    return "".join(lines[:last + 1] + added + lines[last + 1:])


def check_proposal(text: str, changes: dict[str, float]) -> None:
    """The proposed YAML still parses as a standard with each changed threshold in force."""
    standard = Standard.model_validate(yaml.safe_load(text))
    for key, value in changes.items():
        document_type, _, field = key.rpartition(".")
        in_force = (standard.min_confidence(document_type, field) if document_type
                    else standard.confidence.fields.get(key))
        if in_force is None or abs(in_force - value) > 1e-9:
            raise ValueError(f"the proposed standard does not set {key} to {value:.2f}")


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True),
                                        after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def _note(note: str | None) -> str:
    return f"  # {note}" if note else ""


# --- the reliability picture -----------------------------------------------------------------------
def reliability_svg(calibration: FieldCalibration, *, width: int = 560, height: int = 300) -> str:
    """Observed accuracy per confidence bin (bars, with counts), the ideal diagonal, and the
    current (grey) and proposed (green) thresholds: a server-side SVG like ``autopass.charts``."""
    left, right, top, bottom = 48, 16, 34, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(confidence: float) -> float:
        return left + plot_w * (confidence - BINS[0]) / (BINS[-1] - BINS[0])

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    title = f"{calibration.field}: accuracy against confidence"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'font-family="{charts.FONT}"><title>{escape(title)}</title>',
             f'<text x="{left}" y="20" fill="{charts.INK}" font-size="13" font-weight="600">'
             f'{escape(title)}</text>']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" '
                     f'y2="{y(tick):.1f}" stroke="{charts.GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="{charts.MUTED}">{tick:.0%}</text>')
    for edge in BINS[::2]:
        parts.append(f'<text x="{x(edge):.1f}" y="{height - 18}" text-anchor="middle" '
                     f'font-size="11" fill="{charts.MUTED}">{edge:.2f}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle" '
                 f'font-size="11" fill="{charts.MUTED}">confidence</text>')
    for bin_ in calibration.bins:
        if bin_.accuracy is None:
            continue
        bar_x, bar_w = x(bin_.low) + 2, x(bin_.high) - x(bin_.low) - 4
        parts.append(f'<rect x="{bar_x:.1f}" y="{y(bin_.accuracy):.1f}" width="{bar_w:.1f}" '
                     f'height="{y(0) - y(bin_.accuracy):.1f}" fill="{charts.PALETTE[0]}" '
                     f'fill-opacity="0.8"><title>{bin_.low:.2f}-{bin_.high:.2f}: '
                     f'{bin_.correct}/{bin_.n} right</title></rect>')
        parts.append(f'<text x="{bar_x + bar_w / 2:.1f}" y="{y(bin_.accuracy) - 4:.1f}" '
                     f'text-anchor="middle" font-size="10" fill="{charts.INK}">n={bin_.n}</text>')
    parts.append(f'<line x1="{x(BINS[0]):.1f}" y1="{y(BINS[0]):.1f}" x2="{x(1.0):.1f}" '
                 f'y2="{y(1.0):.1f}" stroke="{charts.MUTED}" stroke-dasharray="4 4"/>')
    for value, color, label in ((calibration.current, charts.MUTED, "now"),
                                (calibration.proposed, charts.PALETTE[1], "proposed")):
        if value is None:
            continue
        parts.append(f'<line x1="{x(value):.1f}" y1="{top}" x2="{x(value):.1f}" y2="{y(0):.1f}" '
                     f'stroke="{color}" stroke-width="2"><title>{label} {value:.2f}</title></line>')
        parts.append(f'<text x="{x(value) + 4:.1f}" y="{top + 12 if label == "now" else top + 26}"'
                     f' font-size="11" fill="{color}">{label} {value:.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)
