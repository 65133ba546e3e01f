"""How well the reader finds and reads both sides of an ID card copied onto A4, per copy layout
(``autopass.devtools.samples.capture.COPY_LAYOUTS``: tuning and held-out layouts side by side)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from autopass.engines.base import OcrEngine
from autopass.reading import ReadDocument, analyse_page
from autopass.devtools.samples import cards
from autopass.devtools.samples.capture import CopyLayout, photocopy_a4
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import plan_dossier

KEY_FIELDS = {"id_card_front": ("name", "id_number"), "id_card_back": ("valid_to",)}
OVERLAP = 0.5  # intersection over union a found region needs with the card it stands for


@dataclass(frozen=True)
class LayoutFigures:
    layout: CopyLayout
    pages: int
    found: int  # both sides found, as their types, each region on its card
    read: int  # ... and their key fields read exactly


def measure_layout(layout: CopyLayout, count: int, ocr: OcrEngine) -> LayoutFigures:
    """``count`` copies of freshly drawn cards (seeded by the layout's name) read as the pipeline
    reads a page."""
    faces = load_face_source(None)
    found = read = 0
    for number in range(count):
        rng = random.Random(f"a4:{layout.name}:{number}")
        plan = plan_dossier(rng, faces, 0.0)
        front, front_fields = cards.render_id_front(plan.facts, rng)
        back, back_fields = cards.render_id_back(plan.facts, rng)
        printed = {"id_card_front": front_fields, "id_card_back": back_fields}
        all_found = all_read = True
        for page in photocopy_a4(front, back, rng, layout):
            image = cv2.cvtColor(np.array(page.image), cv2.COLOR_RGB2BGR)
            documents = analyse_page(image, ocr=ocr)
            several = len(page.regions) > 1
            for kind, region in page.regions.items():
                document = _found(documents, kind, region if several else None)
                if document is None:
                    all_found = all_read = False
                    continue
                all_read &= all(
                    (value := document.fields.get(name)) is not None
                    and value.value == printed[kind][name] for name in KEY_FIELDS[kind])
            all_found &= len(documents) == len(page.regions)
        found += all_found
        read += all_found and all_read
    return LayoutFigures(layout, count, found, read)


def _found(documents: list[ReadDocument], kind: str,
           region: list[int] | None) -> ReadDocument | None:
    for document in documents:
        if document.type.value == kind and (region is None or _overlaps(document.region, region)):
            return document
    return None


def _overlaps(found: list[int] | None, card: list[int]) -> bool:
    if found is None:
        return False
    ax, ay, aw, ah = found
    bx, by, bw, bh = card
    width = min(ax + aw, bx + bw) - max(ax, bx)
    height = min(ay + ah, by + bh) - max(ay, by)
    shared = max(0, width) * max(0, height)
    return shared / (aw * ah + bw * bh - shared) > OVERLAP
