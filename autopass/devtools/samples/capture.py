"""Simulated capture: what a dealer's phone or office scanner does to a clean document.

``photograph`` lays a document on a desk and takes a phone picture of it (perspective, rotation
including 90/180 degrees, blur, glare, low light, a finger, JPEG); ``scan`` is a flat office
scan; ``photocopy_a4`` copies both ID card sides onto A4 in one of ``COPY_LAYOUTS`` (stacked,
side by side, turned, one per sheet; colour, grey or washed out; with or without an overprint).
Damage scales with the difficulty.
"""

from __future__ import annotations

import io
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from autopass.devtools.samples import draw
from autopass.devtools.samples.templates.base import TemplateGroup


class Difficulty(StrEnum):
    EASY = "easy"
    NORMAL = "normal"
    HARD = "hard"


@dataclass(frozen=True)
class Damage:
    """How hard the capture is; one instance per difficulty."""

    long_side: tuple[int, int]
    tilt_degrees: float
    quarter_turn_rate: float
    perspective: float
    blur: float
    motion_blur: int
    glare: float
    darkness: tuple[float, float]
    noise: float
    finger_rate: float
    jpeg_quality: tuple[int, int]


DAMAGE: dict[Difficulty, Damage] = {
    Difficulty.EASY: Damage((1280, 1600), 4, 0.1, 0.02, 0.3, 0, 0.0, (1.0, 1.0), 2, 0.0, (88, 95)),
    Difficulty.NORMAL: Damage(
        (1000, 1600), 12, 0.35, 0.06, 1.0, 0, 0.45, (0.8, 1.0), 4, 0.05, (55, 90)
    ),
    Difficulty.HARD: Damage((600, 600), 20, 0.5, 0.1, 1.2, 9, 0.8, (0.45, 0.65), 9, 0.5, (25, 25)),
}


FRAME_FOLLOWS_DOCUMENT = 0.85
"""Share of photos whose frame (portrait or landscape) is held the way the document lies."""


def _numpy_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2**32))


DESK_VARIANTS = 8
_DESK_SIDE = 1200


@lru_cache(maxsize=DESK_VARIANTS)
def _desk_texture(variant: int) -> np.ndarray:
    """One of a few desk tops (wood grain, laminate, cloth), drawn once per process."""
    rng = random.Random(f"desk:{variant}")
    gen = _numpy_rng(rng)
    side = _DESK_SIDE
    kind = ("wood", "laminate", "wood", "cloth")[variant % 4]
    y, x = np.mgrid[0:side, 0:side].astype(np.float32)
    if kind == "wood":
        base = np.array(rng.choice(((150, 105, 70), (185, 140, 95), (110, 75, 50))), np.float32)
        grain = np.sin(y / rng.uniform(4, 8) + 3 * np.sin(x / rng.uniform(100, 200)))
        texture = base[None, None] * (1 + 0.08 * grain[..., None])
    else:
        colours = (
            ((205, 205, 200), (170, 172, 175), (225, 220, 210))
            if kind == "laminate"
            else ((40, 45, 60), (30, 70, 60), (70, 40, 40))
        )
        texture = np.broadcast_to(np.array(rng.choice(colours), np.float32), (side, side, 3)).copy()
    speckle = gen.standard_normal((side // 6, side // 6, 1), dtype=np.float32) * 5
    texture += cv2.resize(speckle, (side, side), interpolation=cv2.INTER_NEAREST)[..., None]
    return np.clip(texture, 0, 255).astype(np.uint8)


def desk(size: tuple[int, int], rng: random.Random) -> np.ndarray:
    """A desk top behind the document: a random window of one of the desk textures, lit unevenly."""
    texture = _desk_texture(rng.randrange(DESK_VARIANTS))
    width, height = size
    window = rng.randint(_DESK_SIDE // 2, _DESK_SIDE)
    left, top = rng.randint(0, _DESK_SIDE - window), rng.randint(0, _DESK_SIDE - window)
    crop = texture[top : top + window, left : left + int(window * min(1, width / height))]
    return cv2.resize(crop, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)


def _low_res_field(
    size: tuple[int, int], fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """``fn`` of normalised (x, y) evaluated on a coarse grid and smoothly scaled to ``size``."""
    width, height = size
    y, x = np.mgrid[0:64, 0:64].astype(np.float32) / 63
    return cv2.resize(fn(x, y).astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def _rotated_corners(width: int, height: int, angle: float) -> np.ndarray:
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    corners -= (width / 2, height / 2)
    return corners @ np.array([[c, s], [-s, c]], np.float32)


def photograph(document: Image.Image, rng: random.Random, difficulty: Difficulty) -> Image.Image:
    """A phone photo of ``document`` lying on a desk (RGBA cards keep their rounded corners)."""
    return photograph_scaled(document, rng, difficulty)[0]


def photograph_scaled(
    document: Image.Image, rng: random.Random, difficulty: Difficulty
) -> tuple[Image.Image, float]:
    """``photograph`` and the scale it took the document at (photo pixels per document pixel),
    from the same random draws: how tall the document's text came out in the photo."""
    damage = DAMAGE[difficulty]
    long_side = rng.randint(*damage.long_side)
    angle = rng.uniform(-damage.tilt_degrees, damage.tilt_degrees)
    if rng.random() < damage.quarter_turn_rate:
        angle += rng.choice((90, 180, 270))
    doc = document.convert("RGBA")
    corners = _rotated_corners(doc.width, doc.height, angle)
    span = corners.max(0) - corners.min(0)
    # People turn the phone to the document (a page standing up fills a portrait frame); a lost
    # EXIF orientation tag is the quarter turn above, not a page lost in a landscape frame.
    lies_wide = bool(span[0] >= span[1])
    landscape = lies_wide if rng.random() < FRAME_FOLLOWS_DOCUMENT else not lies_wide
    frame = (long_side, int(long_side * 0.75)) if landscape else (int(long_side * 0.75), long_side)
    fill = rng.uniform(0.65, 0.88) if difficulty != Difficulty.HARD else rng.uniform(0.75, 0.9)
    scale = fill * min(frame[0] / span[0], frame[1] / span[1])
    jitter = damage.perspective * min(frame) * scale / max(scale, 1e-6)
    centre = np.array(frame, np.float32) / 2 + [
        rng.uniform(-0.05, 0.05) * frame[0],
        rng.uniform(-0.05, 0.05) * frame[1],
    ]
    target = corners * scale + centre
    target += np.array(
        [[rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)] for _ in range(4)], np.float32
    )
    source = np.array(
        [[0, 0], [doc.width, 0], [doc.width, doc.height], [0, doc.height]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    rgba = np.asarray(doc)
    warped = cv2.warpPerspective(
        rgba, matrix, frame, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    alpha = warped[..., 3:4].astype(np.float32) / 255
    small = cv2.resize(alpha, (frame[0] // 4, frame[1] // 4), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 1.5 + 1.5 * rng.random())
    small = np.roll(small, (rng.randint(1, 3), rng.randint(1, 3)), (0, 1))
    shadow = cv2.resize(small, frame, interpolation=cv2.INTER_LINEAR)[..., None]
    background = desk(frame, rng)
    background *= 1 - 0.35 * shadow
    photo = warped[..., :3].astype(np.float32)
    photo -= background
    photo *= alpha
    photo += background
    photo = _light(photo, rng, damage, target)
    if rng.random() < damage.finger_rate:
        photo = _finger(photo, target, rng)
    return _lens(photo, rng, damage), scale


def _light(
    photo: np.ndarray, rng: random.Random, damage: Damage, corners: np.ndarray
) -> np.ndarray:
    """Uneven ambient light, a warm or cool cast, and a glare spot (across the document on hard)."""
    height, width = photo.shape[:2]
    cx, cy = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9)
    level = rng.uniform(*damage.darkness)
    light = _low_res_field(
        (width, height), lambda x, y: level * (1 - 0.3 * ((x - cx) ** 2 + (y - cy) ** 2))
    )
    cast = np.array([rng.uniform(0.95, 1.05), 1, rng.uniform(0.9, 1.05)], np.float32)
    photo = photo * light[..., None] * cast
    if damage.glare and rng.random() < damage.glare:
        gx, gy = corners.mean(0) + (corners[rng.randrange(4)] - corners.mean(0)) * rng.uniform(
            0.1, 0.6
        )
        gx, gy = gx / width, gy / height
        radius, squash, power = rng.uniform(0.1, 0.25), rng.uniform(0.4, 1.0), rng.uniform(80, 170)
        aspect = width / height
        spot = _low_res_field(
            (width, height),
            lambda x, y: (
                power
                * np.exp(-(((x - gx) * aspect / radius) ** 2 + ((y - gy) / (radius * squash)) ** 2))
            ),
        )
        photo = photo + spot[..., None]
    return photo


def _finger(photo: np.ndarray, corners: np.ndarray, rng: random.Random) -> np.ndarray:
    """A thumb holding the document down over one of its corners."""
    height, width = photo.shape[:2]
    layer = Image.new("L", (width, height), 0)
    corner = corners[rng.randrange(4)]
    centre = corners.mean(0)
    direction = (corner - centre) / (np.linalg.norm(corner - centre) + 1e-6)
    tip = corner - direction * 0.06 * max(width, height)
    base = corner + direction * 0.3 * max(width, height)
    thickness = 0.07 * max(width, height)
    ImageDraw.Draw(layer).line([tuple(tip), tuple(base)], fill=255, width=int(thickness * 2))
    ImageDraw.Draw(layer).ellipse(
        (tip[0] - thickness, tip[1] - thickness, tip[0] + thickness, tip[1] + thickness), fill=255
    )
    mask = (
        np.asarray(layer.filter(ImageFilter.GaussianBlur(thickness * 0.15)), np.float32)[..., None]
        / 255
    )
    skin = np.array(rng.choice(((224, 172, 140), (200, 150, 118), (235, 190, 160))), np.float32)
    shade = 0.8 + 0.2 * mask
    return photo * (1 - mask) + skin * shade * mask


def _lens(photo: np.ndarray, rng: random.Random, damage: Damage) -> Image.Image:
    """Focus blur, hand shake, sensor noise."""
    gen = _numpy_rng(rng)
    sigma = rng.uniform(0, damage.blur)
    if sigma > 0.15:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    if damage.motion_blur:
        length = rng.randint(damage.motion_blur // 2, damage.motion_blur)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rotation = cv2.getRotationMatrix2D(
            (length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1
        )
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        photo = cv2.filter2D(photo, -1, kernel / max(kernel.sum(), 1e-6))
    photo += gen.standard_normal(photo.shape[:2], dtype=np.float32)[..., None] * damage.noise
    return Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")


def snapshot(photo: Image.Image, rng: random.Random, difficulty: Difficulty) -> Image.Image:
    """A photo of a person (the selfie) through the same phone: size, light, blur and noise."""
    return snapshot_scaled(photo, rng, difficulty)[0]


def snapshot_scaled(
    photo: Image.Image, rng: random.Random, difficulty: Difficulty
) -> tuple[Image.Image, float]:
    """``snapshot`` and its scale (photo pixels per drawn pixel)."""
    damage = DAMAGE[difficulty]
    long_side = min(rng.randint(*damage.long_side), max(photo.size))
    scale = long_side / max(photo.size)
    resized = photo.convert("RGB").resize(
        (round(photo.width * scale), round(photo.height * scale)), Image.LANCZOS
    )
    arr = np.asarray(resized, np.float32) * rng.uniform(*damage.darkness)
    return _lens(arr, rng, replace(damage, motion_blur=damage.motion_blur // 2)), scale


def scan(document: Image.Image, rng: random.Random, difficulty: Difficulty) -> Image.Image:
    """A flat office scan: a slight skew, grey paper, toner noise; hard scans are small."""
    return scan_scaled(document, rng, difficulty)[0]


def scan_scaled(
    document: Image.Image, rng: random.Random, difficulty: Difficulty
) -> tuple[Image.Image, float]:
    """``scan`` and its scale (scan pixels per document pixel)."""
    scale = 1.0
    page = Image.new("RGB", document.size, (255, 255, 255))
    page.paste(document.convert("RGB"))
    skew = rng.uniform(-1.5, 1.5) if difficulty != Difficulty.EASY else 0.0
    page = page.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=(245, 245, 245))
    if difficulty == Difficulty.HARD:
        scale = 600 / max(page.size)
        page = page.resize(
            (page.width * 600 // max(page.size), page.height * 600 // max(page.size)), Image.LANCZOS
        )
    gen = _numpy_rng(rng)
    arr = np.asarray(page, np.float32) * rng.uniform(0.93, 1.0)
    arr += gen.standard_normal(arr.shape[:2], dtype=np.float32)[..., None] * (
        3 if difficulty != Difficulty.HARD else 8
    )
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), scale


OVERPRINT = "仅供贷款使用"
A4_MM = (210.0, 297.0)
ID_CARD_MM = 85.6
"""An ID card's natural width (ISO/IEC 7810 ID-1, 85.6 x 54 mm)."""
TUNING, HOLDOUT = TemplateGroup.TUNING, TemplateGroup.HOLDOUT  # the templates' groups


class Arrangement(StrEnum):
    """Where the cards lie on the copier's glass."""

    STACKED = "stacked"  # front above back
    SIDE_BY_SIDE = "side_by_side"  # front left of back
    TURNED = "turned"  # both standing on end (turned 90 degrees), side by side
    ONE_PER_PAGE = "one_per_page"  # each side on its own sheet


class Tone(StrEnum):
    """What the copier does to the colours."""

    COLOUR = "colour"
    GREY = "grey"
    WASHED = "washed"  # a light grey copy: the card's pale background vanishes into the paper


@dataclass(frozen=True)
class CopyLayout:
    """One way an office copies both ID card sides onto A4: a named generator template."""

    name: str
    group: TemplateGroup  # TUNING (the reader is tuned on it) or HOLDOUT (only measured)
    arrangement: Arrangement
    tone: Tone
    overprint: bool
    dpi: tuple[int, int]  # the page's resolution (a 300 dpi scan down to a phone photo's)
    card_scale: tuple[float, float]  # card width against its natural 85.6 mm (copies enlarge)
    paper: tuple[int, int]  # the sheet's grey level
    border: bool = False  # a thin dark line around each card (the copier's shadow of its edge)


COPY_LAYOUTS: tuple[CopyLayout, ...] = (
    CopyLayout("stacked_grey_enlarged_overprint", TUNING, Arrangement.STACKED, Tone.GREY, True,
               (150, 150), (1.35, 1.5), (200, 212)),
    CopyLayout("stacked_white_natural_300dpi", TUNING, Arrangement.STACKED, Tone.GREY, False,
               (300, 300), (1.0, 1.0), (244, 254), border=True),
    CopyLayout("side_by_side_colour", TUNING, Arrangement.SIDE_BY_SIDE, Tone.COLOUR, False,
               (200, 240), (0.95, 1.05), (240, 254)),
    CopyLayout("turned_grey_overprint", TUNING, Arrangement.TURNED, Tone.GREY, True,
               (150, 200), (1.0, 1.3), (222, 245)),
    CopyLayout("one_per_page_colour_overprint", TUNING, Arrangement.ONE_PER_PAGE, Tone.COLOUR, True,
               (150, 200), (1.0, 1.4), (238, 252)),
    CopyLayout("stacked_washed", TUNING, Arrangement.STACKED, Tone.WASHED, False,
               (200, 250), (1.0, 1.2), (246, 255)),
    CopyLayout("stacked_white_natural_phone", HOLDOUT, Arrangement.STACKED, Tone.GREY, False,
               (130, 180), (1.0, 1.0), (236, 252), border=True),
    CopyLayout("stacked_colour_natural_overprint", HOLDOUT, Arrangement.STACKED, Tone.COLOUR, True,
               (180, 220), (1.0, 1.1), (240, 254)),
    CopyLayout("side_by_side_grey_overprint", HOLDOUT, Arrangement.SIDE_BY_SIDE, Tone.GREY, True,
               (150, 200), (0.9, 1.05), (212, 238)),
    CopyLayout("turned_colour", HOLDOUT, Arrangement.TURNED, Tone.COLOUR, False,
               (200, 300), (1.0, 1.4), (240, 254)),
    CopyLayout("one_per_page_grey", HOLDOUT, Arrangement.ONE_PER_PAGE, Tone.GREY, False,
               (250, 300), (1.0, 1.0), (230, 250), border=True),
    CopyLayout("side_by_side_washed_overprint", HOLDOUT, Arrangement.SIDE_BY_SIDE, Tone.WASHED,
               True, (280, 300), (1.0, 1.0), (246, 255)),
)


def copy_layouts(group: str = "all") -> list[CopyLayout]:
    """The A4 copy layouts of ``group`` (TUNING, HOLDOUT or "all")."""
    return [layout for layout in COPY_LAYOUTS if group in ("all", layout.group)]


def copy_layout(name: str) -> CopyLayout:
    """The layout called ``name``."""
    for layout in COPY_LAYOUTS:
        if layout.name == name:
            return layout
    raise ValueError(f"no A4 copy layout {name!r}; known: {', '.join(l.name for l in COPY_LAYOUTS)}")


@dataclass(frozen=True)
class CopiedPage:
    """One photocopied sheet and where each card lies on it ([x, y, w, h] by document type)."""

    image: Image.Image
    regions: dict[str, list[int]]
    scales: dict[str, float] = field(default_factory=dict)
    """Sheet pixels per pixel of each card as drawn (how tall its text came out)."""


def photocopy_a4(
    front: Image.Image, back: Image.Image, rng: random.Random, layout: CopyLayout | None = None
) -> list[CopiedPage]:
    """Both ID sides photocopied onto A4 as ``layout`` lays them (default: the first layout);
    one sheet, or two when each side has its own."""
    layout = layout or COPY_LAYOUTS[0]
    dpi = rng.randint(*layout.dpi)
    size = (round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi))
    card_width = round(ID_CARD_MM / 25.4 * dpi * rng.uniform(*layout.card_scale))
    cards = {"id_card_front": _laid(front, card_width, layout, rng),
             "id_card_back": _laid(back, card_width, layout, rng)}
    scales = {"id_card_front": card_width / front.width, "id_card_back": card_width / back.width}
    sheets = [[key] for key in cards] if layout.arrangement == Arrangement.ONE_PER_PAGE \
        else [list(cards)]
    pages = []
    for keys in sheets:
        paper = rng.randint(*layout.paper)
        page = draw.paper(size, (paper, paper, paper - rng.randint(0, 3)), rng, fibres=2)
        page = page.convert("RGBA")
        places = _places([cards[key].size for key in keys], size, layout.arrangement, rng)
        regions = {}
        for key, (left, top) in zip(keys, places):
            page.alpha_composite(cards[key], (left, top))
            box = cards[key].getchannel("A").getbbox() or (0, 0, *cards[key].size)
            regions[key] = [left + box[0], top + box[1], box[2] - box[0], box[3] - box[1]]
        if layout.overprint:
            _overprint(page, dpi, rng)
        pages.append(CopiedPage(_copier(page, layout.tone, rng), regions,
                                {key: scales[key] for key in keys}))
    return pages


def _laid(card: Image.Image, width: int, layout: CopyLayout, rng: random.Random) -> Image.Image:
    """One card as it lies on the glass: scaled, in the copier's tone, standing on end when the
    layout turns it, slightly askew (laid by hand), with its edge's shadow when the layout has one."""
    height = round(card.height * width / card.width)
    laid = card.convert("RGBA").resize((width, height), Image.LANCZOS)
    if layout.border:
        outline = Image.new("RGBA", laid.size, (0, 0, 0, 0))
        ImageDraw.Draw(outline).rounded_rectangle(
            (0, 0, width - 1, height - 1), radius=round(width * 0.035),
            outline=(90, 90, 90, 255), width=max(1, width // 400))
        laid.alpha_composite(outline)
    laid = _toned(laid, layout.tone, rng)
    angle = rng.uniform(-1.5, 1.5)
    if layout.arrangement == Arrangement.TURNED:
        angle += rng.choice((90, -90))
    return laid.rotate(angle, resample=Image.BICUBIC, expand=True)


def _toned(card: Image.Image, tone: Tone, rng: random.Random) -> Image.Image:
    """The card's pixels as the copier renders them (alpha kept)."""
    alpha = card.getchannel("A")
    if tone == Tone.COLOUR:
        faded = np.asarray(card.convert("RGB"), np.float32)
        grey = faded.mean(axis=2, keepdims=True)
        faded = grey + (faded - grey) * rng.uniform(0.6, 0.9)
        toned = Image.fromarray(np.clip(faded * 0.96 + 6, 0, 255).astype(np.uint8), "RGB")
    else:
        floor, slope = (rng.uniform(40, 70), rng.uniform(0.7, 0.78)) if tone == Tone.GREY \
            else (rng.uniform(30, 50), rng.uniform(1.0, 1.1))
        toned = card.convert("L").point(lambda v: int(min(255, floor + v * slope))).convert("RGB")
    toned = toned.convert("RGBA")
    toned.putalpha(alpha)
    return toned


def _places(
    sizes: list[tuple[int, int]], page: tuple[int, int], arrangement: Arrangement,
    rng: random.Random,
) -> list[tuple[int, int]]:
    """Top-left corners for cards of ``sizes`` on a ``page``: stacked, side by side (turned cards
    stand side by side too) or alone, with the margins and gaps a hand leaves."""
    width, height = page
    if len(sizes) == 1:
        (w, h), = sizes
        return [(rng.randint(width // 20, max(width // 20, width - w - width // 20)),
                 rng.randint(height // 20, max(height // 20, height // 2 - h // 2)))]
    (w1, h1), (w2, h2) = sizes
    if arrangement == Arrangement.STACKED:
        gap = rng.randint(height // 30, max(height // 30, height - h1 - h2 - height // 8))
        top = rng.randint(height // 20, max(height // 20, height - h1 - h2 - gap - height // 20))
        centre = width // 2 + rng.randint(-width // 25, width // 25)
        return [(centre - w1 // 2, top), (centre - w2 // 2 + rng.randint(-8, 8), top + h1 + gap)]
    gap = rng.randint(width // 40, max(width // 40, width - w1 - w2 - width // 10))
    left = max(0, (width - w1 - w2 - gap) // 2 + rng.randint(-width // 40, width // 40))
    top = rng.randint(height // 20, max(height // 20, height // 2 - max(h1, h2)))
    return [(left, top), (left + w1 + gap, top + rng.randint(-8, 8))]


def _overprint(page: Image.Image, dpi: int, rng: random.Random) -> None:
    """仅供贷款使用 printed diagonally across the whole sheet, as lenders require on copies."""
    factor = dpi / 150
    size, step_x, step_y = round(64 * factor), round(560 * factor), round(220 * factor)
    big = Image.new("RGBA", (page.width * 2, page.height * 2), (0, 0, 0, 0))
    colour = rng.choice(((190, 40, 40, 90), (60, 60, 60, 80)))
    for row in range(big.height // step_y + 1):
        for col in range(big.width // step_x + 1):
            draw.text(big, (col * step_x + (row % 2) * step_x // 2, row * step_y), OVERPRINT,
                      size, colour, spacing=10 * factor)
    big = big.rotate(rng.choice((30, 35, 45, -30)), resample=Image.BICUBIC)
    left, top = page.width // 2, page.height // 2
    page.alpha_composite(big.crop((left, top, left + page.width, top + page.height)))


def _copier(page: Image.Image, tone: Tone, rng: random.Random) -> Image.Image:
    """Toner noise, specks and the copier's contrast; a grey copy comes out grey."""
    gen = _numpy_rng(rng)
    arr = np.asarray(page.convert("RGB" if tone == Tone.COLOUR else "L"), np.float32)
    noise = gen.standard_normal(arr.shape[:2], dtype=np.float32) * rng.uniform(3, 7)
    arr = arr + (noise[..., None] if arr.ndim == 3 else noise)
    arr[gen.random(arr.shape[:2]) < 0.0015] = 40
    arr = (arr - 128) * rng.uniform(1.0, 1.12) + 128
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    return out.convert("RGB")


def encode(image: Image.Image, suffix: str, rng: random.Random, difficulty: Difficulty) -> bytes:
    """The file's bytes: JPEG at the difficulty's quality, PNG, or a one-page PDF."""
    buffer = io.BytesIO()
    if suffix in (".jpg", ".jpeg"):
        image.save(
            buffer, "JPEG", quality=rng.randint(*DAMAGE[difficulty].jpeg_quality), optimize=False
        )
    elif suffix == ".png":
        image.save(buffer, "PNG", compress_level=1)
    elif suffix == ".pdf":
        fixed = time.strptime(
            "2026-01-01", "%Y-%m-%d"
        )  # Pillow would stamp "now": not reproducible
        image.save(
            buffer,
            "PDF",
            resolution=150.0,
            quality=85,
            title="scan",
            creationDate=fixed,
            modDate=fixed,
        )
    else:
        raise ValueError(f"cannot write {suffix!r} files")
    return buffer.getvalue()
