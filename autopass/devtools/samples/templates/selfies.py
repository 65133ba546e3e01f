"""The photo taken at signing (面签照 / 活体照), as dealers' apps take it.

They differ as real ones do: the watermark-camera photo (time, date, dealer stamped in a box), the
photo across the desk (wider framing, dim warm light falling off to one side, no stamp) and the
liveness-check screen (the face tight in an oval window, the screen white around it, an
instruction above).
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from autopass.documents import DocumentType
from autopass.devtools.samples import draw, papers
from autopass.devtools.samples.faces import face_crop
from autopass.devtools.samples.facts import DocumentFields, Facts
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register, template

SIZE = papers.SELFIE_SIZE

register(Template("selfie_watermark_camera", DocumentType.SELFIE, TemplateGroup.TUNING,
                  papers.render_selfie))


@template("selfie_across_desk", DocumentType.SELFIE, TemplateGroup.TUNING)
def render_across_desk(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """Framed wider by a salesperson across the desk, in dim warm light that falls off to one
    side; nothing stamped on it."""
    photo = face_crop(facts.selfie_photo, widths=rng.uniform(3.6, 4.4), aspect=SIZE[1] / SIZE[0])
    photo = photo.convert("RGB").resize(SIZE, Image.LANCZOS)
    arr = np.asarray(photo, np.float32)
    side = np.linspace(1.0, rng.uniform(0.55, 0.75), SIZE[0], dtype=np.float32)
    if rng.random() < 0.5:
        side = side[::-1]
    warm = np.array([1.06, 0.98, 0.82], np.float32) * rng.uniform(0.72, 0.88)
    arr = arr * side[None, :, None] * warm
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), {}


@template("selfie_liveness_oval", DocumentType.SELFIE, TemplateGroup.HOLDOUT)
def render_liveness_oval(facts: Facts, rng: random.Random) -> tuple[Image.Image, DocumentFields]:
    """A liveness-check screenshot: the face tight in an oval, the screen white around it, a
    short instruction above and a progress ring round the oval."""
    photo = face_crop(facts.selfie_photo, widths=rng.uniform(1.9, 2.4), aspect=1.25)
    oval = (140, 300, SIZE[0] - 140, 300 + round((SIZE[0] - 280) * 1.25))
    photo = photo.convert("RGB").resize((oval[2] - oval[0], oval[3] - oval[1]), Image.LANCZOS)
    photo = ImageEnhance.Brightness(photo).enhance(rng.uniform(1.0, 1.15))
    screen = Image.new("RGB", SIZE, (250, 250, 252))
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, photo.width - 1, photo.height - 1), fill=255)
    screen.paste(photo, oval[:2], mask.filter(ImageFilter.GaussianBlur(2)))
    d = ImageDraw.Draw(screen)
    d.ellipse((oval[0] - 14, oval[1] - 14, oval[2] + 14, oval[3] + 14), outline=(225, 228, 235), width=10)
    d.arc((oval[0] - 14, oval[1] - 14, oval[2] + 14, oval[3] + 14), -90, rng.randint(60, 250),
          fill=(40, 120, 240), width=10)
    draw.text(screen, (SIZE[0] / 2, 150), rng.choice(("请眨眨眼", "请缓慢摇头", "请张张嘴")), 52,
              (30, 30, 30), bold=True, anchor="mt")
    return screen, {}
