"""Documents and portraits drawn with Pillow and OpenCV, so no test downloads an image."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from autopass.engines.base import TextLine
from autopass.devtools.samples.fonts import find_cjk_font

CARD_LINES = ("姓名 张伟", "公民身份号码 370202198803121230", "VIN LSVAM4188C2184842")


def draw_card(width: int = 1000, height: int = 650) -> np.ndarray:
    """A plain light card with three lines of Chinese and Latin print, BGR."""
    card = Image.new("RGB", (width, height), (236, 238, 240))
    draw = ImageDraw.Draw(card)
    font = ImageFont.truetype(str(find_cjk_font()), round(height / 16))
    for index, line in enumerate(CARD_LINES):
        position = (width // 16, height // 8 + index * height // 4)
        draw.text(position, line, font=font, fill=(20, 20, 20))
    return cv2.cvtColor(np.asarray(card), cv2.COLOR_RGB2BGR)


def overprinted(image: np.ndarray, text: str, position: tuple[int, int], *, angle: float = 30,
                height: int = 64) -> np.ndarray:
    """``image`` (BGR) stamped with ``text`` in grey, turned by ``angle`` degrees, its box's
    top-left corner at ``position``: the 仅供贷款使用 overprint that lenders put on ID copies."""
    font = ImageFont.truetype(str(find_cjk_font()), height)
    stencil = Image.new("L", (int(font.getlength(text)) + height, 2 * height), 0)
    ImageDraw.Draw(stencil).text((height // 2, height // 2), text, font=font, fill=255)
    stencil = stencil.rotate(angle, expand=True, resample=Image.BICUBIC)
    page = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    page.paste(Image.new("RGB", stencil.size, (150, 150, 150)), position, stencil)
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)


def as_id_card_portrait(photo: np.ndarray) -> np.ndarray:
    """The photo shrunk to an ID-card portrait (300 px wide on a 1000 px card), JPEG-degraded."""
    height, width = photo.shape[:2]
    portrait = cv2.resize(photo, (300, round(300 * height / width)), interpolation=cv2.INTER_AREA)
    portrait = cv2.imdecode(
        np.frombuffer(cv2.imencode(".jpg", portrait, [cv2.IMWRITE_JPEG_QUALITY, 60])[1], np.uint8),
        cv2.IMREAD_COLOR,
    )
    card = draw_card()
    top, left = 100, 680
    visible = portrait[: card.shape[0] - top, : card.shape[1] - left]
    card[top : top + visible.shape[0], left : left + visible.shape[1]] = visible
    return card


def printed_line(text: str, height: int) -> tuple[np.ndarray, TextLine]:
    """``text`` printed small on paper, slightly blurred (a contract photographed from afar),
    and the line as the detector would give it."""
    font = ImageFont.truetype(str(find_cjk_font()), height)
    width = int(font.getlength(text)) + 2 * height
    page = Image.new("RGB", (width, 3 * height), (246, 246, 242))
    ImageDraw.Draw(page).text((height, height), text, font=font, fill=(40, 40, 40))
    image = cv2.GaussianBlur(cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR), (3, 3), 0)
    quad = ((height / 2, height / 2), (width - height / 2, height / 2),
            (width - height / 2, 2.5 * height), (height / 2, 2.5 * height))
    return image, TextLine(text=text, confidence=0.9, box=quad)
