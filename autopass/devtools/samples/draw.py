"""Drawing primitives shared by every document: text with spacing, security patterns, seals,
tables and handwriting. Each one is deterministic for the same inputs."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from autopass.devtools.samples.fonts import font

Colour = tuple[int, int, int]

_PRINTED: ContextVar[list[tuple[str, int]] | None] = ContextVar("printed", default=None)


@contextmanager
def recording() -> Iterator[list[tuple[str, int]]]:
    """Collects (text, size in pixels) of every ``text`` call made inside: what a template
    printed and how large, so the generator can say how tall its key fields came out."""
    printed: list[tuple[str, int]] = []
    token = _PRINTED.set(printed)
    try:
        yield printed
    finally:
        _PRINTED.reset(token)


def text(
    canvas: Image.Image,
    xy: tuple[float, float],
    value: str,
    size: int,
    fill: Colour | tuple[int, int, int, int] = (20, 20, 20),
    *,
    spacing: float = 0,
    mono: bool = False,
    bold: bool = False,
    anchor: str = "la",
) -> float:
    """Draws ``value`` with ``spacing`` extra pixels between characters; returns the end x."""
    printed = _PRINTED.get()
    if printed is not None:
        printed.append((value, size))
    draw = ImageDraw.Draw(canvas)
    face = font(size, mono)
    stroke = max(1, size // 28) if bold else 0
    if not spacing:
        draw.text(
            xy, value, font=face, fill=fill, anchor=anchor, stroke_width=stroke, stroke_fill=fill
        )
        return xy[0] + draw.textlength(value, font=face)
    x, y = xy
    if anchor[0] == "m":
        x -= text_width(value, size, spacing=spacing, mono=mono) / 2
    for ch in value:
        draw.text(
            (x, y),
            ch,
            font=face,
            fill=fill,
            anchor="l" + anchor[1],
            stroke_width=stroke,
            stroke_fill=fill,
        )
        x += draw.textlength(ch, font=face) + spacing
    return x


def text_width(value: str, size: int, *, spacing: float = 0, mono: bool = False) -> float:
    face = font(size, mono)
    return sum(face.getlength(ch) for ch in value) + spacing * max(len(value) - 1, 0)


def wrap(value: str, per_line: int) -> list[str]:
    """Splits ``value`` into lines of ``per_line`` characters (Chinese wraps anywhere)."""
    return [value[i : i + per_line] for i in range(0, len(value), per_line)] or [""]


def wrap_to_width(value: str, size: int, width: int) -> list[str]:
    """Greedy wrap of Chinese text to a pixel width."""
    lines, current = [], ""
    for ch in value:
        if text_width(current + ch, size) > width:
            lines.append(current)
            current = ""
        current += ch
    return lines + [current] if current else lines


def guilloche(
    size: tuple[int, int], base: Colour, line: Colour, rng: random.Random, density: float = 1.0
) -> Image.Image:
    """A security-print background: soft gradient with interfering fine wave lines."""
    return _guilloche(size, base, line, rng.randrange(4), density).copy()


@lru_cache(maxsize=64)
def _guilloche(
    size: tuple[int, int], base: Colour, line: Colour, variant: int, density: float
) -> Image.Image:
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = 1.3 + variant * 1.1
    waves = (
        np.sin(x / (9 / density) + 4 * np.sin(y / 57 + phase))
        + np.sin(y / (11 / density) + 3 * np.sin(x / 83 + phase * 2))
        + 0.7 * np.sin((x + y) / 23 + 2 * np.cos(x / 140))
    )
    strength = np.clip((waves - 1.2) / 1.8, 0, 1)[..., None] * 0.55
    gradient = (0.92 + 0.08 * x / width)[..., None]
    base_arr = np.array(base, np.float32) * gradient
    out = base_arr * (1 - strength) + np.array(line, np.float32) * strength
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")


def paper(size: tuple[int, int], tint: Colour, rng: random.Random, fibres: int = 1) -> Image.Image:
    """Plain paper: a tint with faint fibre noise."""
    gen = np.random.default_rng(rng.randrange(2**32))
    width, height = size
    noise = gen.normal(0, 2.5 * fibres, (height // 4 + 1, width // 4 + 1)).astype(np.float32)
    noise = cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    out = np.array(tint, np.float32)[None, None, :] + noise[..., None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")


def seal(
    canvas: Image.Image,
    centre: tuple[int, int],
    radius: int,
    ring_text: str,
    rng: random.Random,
    *,
    centre_text: str = "",
    oval: bool = False,
    colour: tuple[int, int, int] = (214, 40, 40),
) -> None:
    """A red official seal: ring, star or centre text, and ``ring_text`` along the upper arc."""
    size = radius * 2 + 20
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    ink = (*colour, 205)
    ry = int(radius * (0.68 if oval else 1.0))
    c = size // 2
    draw.ellipse((c - radius, c - ry, c + radius, c + ry), outline=ink, width=max(4, radius // 18))
    if oval:
        draw.ellipse(
            (c - radius + 12, c - ry + 12, c + radius - 12, c + ry - 12), outline=ink, width=2
        )
    else:
        _star(draw, (c, c), radius * 0.28, ink)
    char_size = max(14, int(radius * (0.2 if oval else 0.24)))
    span = 220 if len(ring_text) > 6 else 160
    for i, ch in enumerate(ring_text):
        angle = -span / 2 + span * (i + 0.5) / len(ring_text)
        glyph = Image.new("RGBA", (char_size * 2, char_size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (char_size, char_size), ch, font=font(char_size), fill=ink, anchor="mm"
        )
        glyph = glyph.rotate(-angle, resample=Image.BICUBIC)
        r_x, r_y = radius - char_size * 0.95, ry - char_size * 0.95
        gx = c + r_x * math.sin(math.radians(angle)) - char_size
        gy = c - r_y * math.cos(math.radians(angle)) - char_size
        layer.alpha_composite(glyph, (int(gx), int(gy)))
    if centre_text:
        ImageDraw.Draw(layer).text(
            (c, c + (0 if oval else radius * 0.45)),
            centre_text,
            font=font(int(radius * 0.22)),
            fill=ink,
            anchor="mm",
        )
    layer = _ink_wear(layer, rng).rotate(rng.uniform(-15, 15), resample=Image.BICUBIC)
    canvas.paste(layer, (centre[0] - c, centre[1] - c), layer)


def _star(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, fill: tuple[int, ...]
) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        a = math.radians(-90 + i * 36)
        points.append((centre[0] + r * math.cos(a), centre[1] + r * math.sin(a)))
    draw.polygon(points, fill=fill)


def _ink_wear(layer: Image.Image, rng: random.Random) -> Image.Image:
    """Uneven stamp ink: some of the alpha is knocked out in blotches."""
    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.array(layer)
    w, h = layer.size
    blotch = cv2.resize(
        gen.uniform(0.45, 1.0, (h // 12 + 1, w // 12 + 1)).astype(np.float32), (w, h)
    )
    arr[..., 3] = (arr[..., 3] * blotch).astype(np.uint8)
    return Image.fromarray(arr, "RGBA")


def table(
    canvas: Image.Image,
    origin: tuple[int, int],
    rows: list[list[tuple[str, int]]],
    row_height: int,
    *,
    line: Colour,
    label: Colour,
    size: int,
    values: dict[tuple[int, int], tuple[str, Colour, int]] | None = None,
    jitter: tuple[int, int] = (0, 0),
) -> None:
    """A ruled table. ``rows`` give (label text, width) cells; ``values`` print into cells by
    (row, column) with their own colour and size, shifted by ``jitter`` like a misfed printer."""
    draw = ImageDraw.Draw(canvas)
    x0, y = origin
    values = values or {}
    for r, cells in enumerate(rows):
        x = x0
        for c, (caption, width) in enumerate(cells):
            draw.rectangle((x, y, x + width, y + row_height), outline=line, width=2)
            if caption:
                lines = wrap_to_width(caption, size, width - 12)
                top = y + row_height / 2 - (len(lines) - 1) * size * 0.6
                for i, part in enumerate(lines):
                    text(canvas, (x + 8, top + i * size * 1.2), part, size, label, anchor="lm")
            if (r, c) in values:
                value, colour, vsize = values[(r, c)]
                text(
                    canvas,
                    (x + 12 + jitter[0], y + row_height / 2 + jitter[1]),
                    value,
                    vsize,
                    colour,
                    mono=True,
                    anchor="lm",
                )
            x += width
        y += row_height


def handwriting(
    name: str, height: int, rng: random.Random, ink: Colour = (25, 45, 150)
) -> Image.Image:
    """A signature-like rendering of ``name``: slanted, jittered, warped strokes plus a flourish."""
    size = int(height * 0.8)
    width = int(size * (len(name) * 0.85 + 1.5))
    layer = Image.new("L", (width, height + 20), 0)
    draw = ImageDraw.Draw(layer)
    x = size * 0.2
    for ch in name:
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), ch, font=font(size), fill=255, anchor="mm")
        glyph = glyph.rotate(rng.uniform(-14, 6), resample=Image.BICUBIC)
        glyph = glyph.resize(
            (int(size * 2 * rng.uniform(0.8, 1.05)), int(size * 2 * rng.uniform(0.85, 1.1)))
        )
        layer.paste(
            glyph, (int(x - size * 0.5), int(rng.uniform(-size * 0.55, -size * 0.35))), glyph
        )
        x += size * rng.uniform(0.72, 0.9)
    points = [(x - size * 0.3, height * 0.55)]
    for _ in range(3):
        points.append((points[-1][0] + rng.uniform(10, 30), height * rng.uniform(0.3, 0.85)))
    draw.line(points, fill=255, width=3, joint="curve")
    arr = np.array(layer, np.float32)
    h, w = arr.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    amp, freq = rng.uniform(2, 4), rng.uniform(18, 30)
    map_x = xx + 0.28 * (yy - h / 2) + amp * np.sin(yy / freq)
    map_y = yy + amp * np.sin(xx / (freq * 1.3))
    arr = cv2.remap(arr, map_x, map_y, cv2.INTER_LINEAR)
    arr = cv2.erode(arr, np.ones((2, 2), np.uint8)) if rng.random() < 0.5 else arr
    alpha = Image.fromarray(np.clip(arr * 0.9, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.6)
    )
    out = Image.new("RGBA", alpha.size, (*ink, 0))
    out.putalpha(alpha)
    return out


def rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    """An alpha mask with rounded corners, for cards."""
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, size[0] - 1, size[1] - 1), radius=radius, fill=255
    )
    return mask
