"""Simulated capture: what a dealer's phone or office scanner does to a clean document.

``photograph`` lays a document on a desk and takes a phone picture of it (perspective, rotation
including 90/180 degrees, blur, glare, low light, a finger, JPEG); ``scan`` is a flat office
scan; ``photocopy_a4`` puts both ID card sides on one grey A4 sheet with an overprint.
Damage scales with the difficulty.
"""

from __future__ import annotations

import io
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from autopass.samples import draw


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
    return _lens(photo, rng, damage)


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
    damage = DAMAGE[difficulty]
    long_side = min(rng.randint(*damage.long_side), max(photo.size))
    scale = long_side / max(photo.size)
    resized = photo.convert("RGB").resize(
        (round(photo.width * scale), round(photo.height * scale)), Image.LANCZOS
    )
    arr = np.asarray(resized, np.float32) * rng.uniform(*damage.darkness)
    return _lens(arr, rng, replace(damage, motion_blur=damage.motion_blur // 2))


def scan(document: Image.Image, rng: random.Random, difficulty: Difficulty) -> Image.Image:
    """A flat office scan: a slight skew, grey paper, toner noise; hard scans are small."""
    page = Image.new("RGB", document.size, (255, 255, 255))
    page.paste(document.convert("RGB"))
    skew = rng.uniform(-1.5, 1.5) if difficulty != Difficulty.EASY else 0.0
    page = page.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=(245, 245, 245))
    if difficulty == Difficulty.HARD:
        page = page.resize(
            (page.width * 600 // max(page.size), page.height * 600 // max(page.size)), Image.LANCZOS
        )
    gen = _numpy_rng(rng)
    arr = np.asarray(page, np.float32) * rng.uniform(0.93, 1.0)
    arr += gen.standard_normal(arr.shape[:2], dtype=np.float32)[..., None] * (
        3 if difficulty != Difficulty.HARD else 8
    )
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


OVERPRINT = "仅供贷款使用"


def photocopy_a4(
    front: Image.Image, back: Image.Image, rng: random.Random
) -> tuple[Image.Image, dict[str, list[int]]]:
    """Both ID sides photocopied on one grey A4 sheet, overprinted; returns each side's region."""
    page = draw.paper((1240, 1754), (206, 206, 204), rng, fibres=3).convert("RGBA")
    regions: dict[str, list[int]] = {}
    width = rng.randint(680, 760)
    for key, side, top in (
        ("id_card_front", front, rng.randint(150, 260)),
        ("id_card_back", back, rng.randint(960, 1040)),
    ):
        height = round(side.height * width / side.width)
        grey = side.convert("RGBA").resize((width, height), Image.LANCZOS)
        grey_rgb = grey.convert("L").point(lambda v: int(60 + v * 0.72)).convert("RGBA")
        grey_rgb.putalpha(grey.getchannel("A"))
        left = (1240 - width) // 2 + rng.randint(-40, 40)
        page.alpha_composite(grey_rgb, (left, top))
        regions[key] = [left, top, width, height]
    big = Image.new("RGBA", (page.width * 2, page.height * 2), (0, 0, 0, 0))
    colour = rng.choice(((190, 40, 40, 90), (60, 60, 60, 80)))
    for row in range(big.height // 220 + 1):
        for col in range(big.width // 560 + 1):
            draw.text(
                big, (col * 560 + (row % 2) * 280, row * 220), OVERPRINT, 64, colour, spacing=10
            )
    big = big.rotate(30, resample=Image.BICUBIC)
    left, top = page.width // 2, page.height // 2
    page.alpha_composite(big.crop((left, top, left + page.width, top + page.height)))
    gen = _numpy_rng(rng)
    arr = np.asarray(page.convert("L"), np.float32)
    arr += gen.standard_normal(arr.shape, dtype=np.float32) * 7
    speckles = gen.random(arr.shape) < 0.0015
    arr[speckles] = 40
    arr = (arr - 128) * 1.12 + 128
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB"), regions


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
