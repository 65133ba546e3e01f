"""Server-rendered SVG charts for the supervisor pages: no JavaScript, nothing from a CDN.

Only SVG presentation attributes (``fill``, ``stroke``...) are used, never ``style``: the page's
Content-Security-Policy forbids inline styles. Every mark carries a ``<title>`` (the browser shows
it on hover) so the exact figure is one glance away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

INK = "#1d2733"
MUTED = "#627083"
GRID = "#dde3ea"
FONT = "Segoe UI, PingFang SC, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Zen Hei, sans-serif"
PALETTE = ("#1f5fbf", "#1b7f4c", "#9a6700", "#b3261e")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # shares 0..1; None = no dossier that day (a gap)
    color: str


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 1140,
    height: int = 300,
    target: float | None = None,
) -> Markup:
    """Shares (0..1) over days, one line per series, an optional dashed target line."""
    left, right, top, bottom = 44, 16, 34, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(value: float) -> float:
        return top + plot_h * (1 - value)

    parts = [_open(width, height, title)]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(_line(left, y(tick), width - right, y(tick), GRID))
        parts.append(_text(left - 6, y(tick) + 4, f"{tick:.0%}", anchor="end", size=11))
    every = max(1, round(len(labels) / 8))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(_text(x(i), height - 10, label, anchor="middle", size=11))
    if target is not None:
        parts.append(_line(left, y(target), width - right, y(target), MUTED, dash="5 4"))
        parts.append(_text(left + 6, y(target) - 5, f"目标 target {target:.0%}", size=11))
    for s in series:
        for run in _runs(s.values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{s.color}" stroke-width="2.5" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        for i, value in enumerate(s.values):
            if value is not None:
                parts.append(
                    f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" '
                    f'fill="#fff" stroke="{s.color}" stroke-width="2">'
                    f"<title>{escape(s.name)} {escape(labels[i])}: {value:.1%}</title></circle>"
                )
    parts.append(_legend(series, left, 14))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "%",
    width: int = 560,
    color: str = PALETTE[0],
    bar_height: int = 22,
) -> Markup:
    """Horizontal bars, one per labelled value; ``unit`` "%" shows shares (0..1) as percent."""
    left, right, top = 130, 70, 12
    height = top + max(len(rows), 1) * (bar_height + 10) + 8
    largest = 1.0 if unit == "%" else max([value for _, value in rows] + [1e-9])
    plot_w = width - left - right
    parts = [_open(width, height, title)]
    if not rows:
        parts.append(_text(width / 2, height / 2 + 4, "暂无数据 No data", anchor="middle"))
    for i, (label, value) in enumerate(rows):
        top_y = top + i * (bar_height + 10)
        length = max(plot_w * value / largest, 1.5)
        shown = f"{value:.1%}" if unit == "%" else f"{value:.1f} {unit}"
        parts.append(_text(left - 8, top_y + bar_height * 0.7, label, anchor="end"))
        parts.append(
            f'<rect x="{left}" y="{top_y}" width="{plot_w}" height="{bar_height}" rx="4" '
            f'fill="{GRID}" fill-opacity="0.45"/>'
            f'<rect class="bar" x="{left}" y="{top_y}" width="{length:.1f}" height="{bar_height}" '
            f'rx="4" fill="{color}"><title>{escape(label)}: {escape(shown)}</title></rect>'
        )
        parts.append(_text(left + length + 6, top_y + bar_height * 0.7, shown, size=12, bold=True))
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(
    values: Sequence[float | None],
    *,
    title: str,
    labels: Sequence[str] = (),
    threshold: float | None = None,
    width: int = 140,
    height: int = 34,
    color: str = PALETTE[0],
) -> Markup:
    """A small trend of scores (0..1) for a table cell: a line, its last point marked, an optional
    dashed threshold; each point titled with its label and value."""
    pad = 4
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def x(i: int) -> float:
        return pad + i * step

    def y(value: float) -> float:
        return pad + (height - 2 * pad) * (1 - min(max(value, 0.0), 1.0))

    parts = [_open(width, height, title).replace('width="100%"', f'width="{width}"')]
    if threshold is not None:
        parts.append(_line(pad, y(threshold), width - pad, y(threshold), "#b3261e", dash="3 3"))
    for run in _runs(values):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                     'stroke-width="1.8" stroke-linejoin="round"/>')
    for i, value in enumerate(values):
        if value is None:
            continue
        last = i == len(values) - 1
        label = labels[i] if i < len(labels) else str(i)
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="{2.6 if last else 1.6}" '
                     f'fill="{color}"><title>{escape(label)}: {value:.2f}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="{FONT}" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, color: str, dash: str | None = None) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
        f'stroke-width="1"{dashed}/>'
    )


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: int = 13, bold: bool = False
) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{INK if bold else MUTED}"{weight}>{escape(text)}</text>'
    )


def _legend(series: Sequence[Series], x: float, y: float) -> str:
    parts = []
    for s in series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="14" height="4" rx="2" fill="{s.color}"/>'
        )
        parts.append(_text(x + 20, y - 3, s.name, size=12, bold=True))
        x += 34 + sum(12 if ord(char) > 255 else 7 for char in s.name)
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive days with a value: a day without dossiers breaks the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if len(run) > 1]
