"""Pictures of every generated document type for the README: ``python -m autopass.devtools.samples.gallery DIR``.

Uses the built-in faces only, so no photo from a test data set ever lands in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from autopass.documents import DocumentType
from autopass.devtools.samples import capture
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier
from autopass.devtools.samples.templates import all_templates, templates_of

GALLERY_SEED = 2026


def _shrink(image: Image.Image, long_side: int) -> Image.Image:
    image = image.copy()
    image.thumbnail((long_side, long_side), Image.LANCZOS)
    return image


def write_gallery(out: Path) -> list[Path]:
    """``<type>.png`` (clean) and ``<type>_captured.jpg`` (phone photo) for each document type,
    plus ``id_card_photocopy.png``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    faces = load_face_source(None)
    rng = dossier_rng(GALLERY_SEED, 0)
    facts = plan_dossier(rng, faces, 0.0).facts
    written = []
    firsts = {t.document_type: t for t in reversed(all_templates())}
    for drawn in all_templates():  # each type's first template under the type's name
        doc_type = drawn.document_type
        clean, _ = drawn.render(facts, rng)
        stem = doc_type.value if firsts[doc_type] is drawn else drawn.name
        written.append(out / f"{stem}.png")
        _shrink(clean, 900).save(written[-1], optimize=True)
        if doc_type == DocumentType.SELFIE:
            continue
        photo = capture.photograph(clean, rng, Difficulty.NORMAL)
        written.append(out / f"{stem}_captured.jpg")
        _shrink(photo, 1000).save(written[-1], quality=80)
    front, _ = templates_of(DocumentType.ID_CARD_FRONT)[0].render(facts, rng)
    back, _ = templates_of(DocumentType.ID_CARD_BACK)[0].render(facts, rng)
    page = capture.photocopy_a4(front, back, rng)[0].image
    written.append(out / "id_card_photocopy.png")
    _shrink(page, 900).save(written[-1], optimize=True)
    hard = capture.photograph(
        templates_of(DocumentType.ID_CARD_FRONT)[0].render(facts, rng)[0], rng, Difficulty.HARD
    )
    written.append(out / "id_card_front_hard.jpg")
    hard.save(written[-1], quality=25)
    return written


if __name__ == "__main__":
    for path in write_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/documents")):
        print(path)
