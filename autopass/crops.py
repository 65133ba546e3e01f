"""Save the image crops a micro-task shows, and build its payload; preview a whole document.

A task shows only what it needs: a field's crop, the two faces, the signature box. No operator
sees a whole dossier, and ID or card numbers appear only in tasks about them. Seniors and
supervisors looking a dossier up see each document whole (``document_preview``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autopass.dossier import DocumentResult
from autopass.engines.base import Face, TextLine
from autopass.imaging import crop, downscale_to, encode_jpeg, enlarge, load_pages
from autopass.microtasks import kind_of
from autopass.microtasks.base import MicroTaskSpec
from autopass.private_data import write_private_file
from autopass.references import APPLICATION
from autopass.settings import Settings

FIELD_MARGIN = 0.6  # of the box height, added above and below a field so the operator sees context
ROW_EXTENSION = 0.6  # of the box width, added left and right: OCR may have boxed part of a value
THUMBNAIL_SIDE = 1200
LEGIBLE_LINE_HEIGHT = 40
"""A field's crop whose text line is shorter than this many pixels (a contract's small print is
about 20) is enlarged until it is, so an operator reads it without zooming in."""
MAX_ENLARGEMENT = 4.0


@dataclass(frozen=True)
class DocumentImages:
    """The upright images of a dossier's documents and faces, keyed by ``DocumentResult.key``."""

    images: dict[str, np.ndarray]
    faces: dict[str, list[Face]] = field(default_factory=dict)  # where the face engine looked
    lines: dict[str, list[TextLine]] = field(default_factory=dict)  # OCR lines, image pixels
    portrait_key: str | None = None
    portrait_box: tuple[int, int, int, int] | None = None
    selfie_key: str | None = None
    selfie_box: tuple[int, int, int, int] | None = None
    # Crops earlier rounds showed, by (document key, field; "type": the whole document): what a
    # later round's task about a page not read again shows (its pages are not at hand then).
    shown_before: dict[tuple[str, str], str] = field(default_factory=dict)

    def image(self, key: str | None) -> np.ndarray | None:
        """The upright image of document ``key``, if the dossier has it."""
        return self.images.get(key) if key else None

    def shown_of(self, key: str, field_name: str) -> str | None:
        """The crop an earlier round showed of that field, else of the whole document."""
        return self.shown_before.get((key, field_name)) or self.shown_before.get((key, "type"))

    def faces_of(self, key: str | None) -> list[Face] | None:
        """The faces found on document ``key``; None if the dossier has no such document."""
        return self.faces.get(key, []) if key else None


@dataclass(frozen=True)
class PayloadView:
    """What a kind of micro-task may show (``MicroTaskType.show``): the dossier's documents, what
    the dealer keyed in, the images, and where its crops are written."""

    documents: dict[str, DocumentResult]
    application_values: dict[str, Any]
    images: DocumentImages
    saver: CropSaver

    def candidates(self, spec: MicroTaskSpec) -> list[dict[str, Any]]:
        """Each subject's value with the crop of where it was read (the application's: the value
        the dealer keyed in, no crop)."""
        candidates = []
        for ref in spec.subjects:
            if ref.document == APPLICATION:
                candidates.append({"source": APPLICATION, "field": ref.field,
                                   "value": self.application_values.get(ref.field)})
                continue
            document = self.documents.get(ref.document)
            value = document.fields.get(ref.field) if document else None
            box = tuple(value.box) if value is not None and value.box else None
            candidates.append(
                {
                    "source": ref.document,
                    "document_type": document.type.value if document else None,
                    "field": ref.field,
                    "value": value.value if value is not None else None,
                    "confidence": value.confidence if value is not None else 0.0,
                    "crop": self.saver.save(self.images, ref.document, box)
                    or self.images.shown_of(ref.document, ref.field),
                }
            )
        return candidates


def build_payload(
    spec: MicroTaskSpec,
    *,
    documents: dict[str, DocumentResult],
    application_values: dict[str, Any],
    images: DocumentImages,
    crops_dir: Path,
    prefix: str,
) -> dict[str, Any]:
    """The JSON payload of one micro-task; crops are written under ``crops_dir`` first. What it
    shows is its kind's to say (``MicroTaskType.show``)."""
    view = PayloadView(documents, application_values, images, CropSaver(crops_dir, prefix))
    payload: dict[str, Any] = {
        "checks": list(spec.check_ids),
        "subjects": [ref.model_dump() for ref in spec.subjects],
    }
    if spec.options:
        payload["options"] = list(spec.options)
    payload.update(kind_of(spec.kind).show(spec, view))
    return payload


def document_preview(path: Path, page: int, region: Sequence[int] | None,
                     settings: Settings) -> bytes:
    """One document of an original file as a JPEG, its longest side at most THUMBNAIL_SIDE: its
    page, or its region of the page when the page holds several (both ID sides on one sheet).
    ImageError when the file cannot be read, as the pipeline refuses it, or lacks the page."""
    [only] = load_pages(path, settings, only=page)  # a PDF renders no other page
    image = only.image
    if region is not None:
        image = crop(image, (region[0], region[1], region[2], region[3]))
    return encode_jpeg(downscale_to(image, THUMBNAIL_SIDE), quality=85)


def crops_shown(payloads: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """The crops micro-task ``payloads`` showed, by (document key, field): a classify task's
    whole document under field ``type``, each candidate's crop under its field."""
    shown: dict[tuple[str, str], str] = {}
    for payload in payloads:
        document = (payload.get("crops") or {}).get("document")
        subjects = payload.get("subjects") or []
        if document and subjects:
            shown[(subjects[0]["document"], "type")] = document
        for candidate in payload.get("candidates") or []:
            if candidate.get("crop") and candidate.get("source") and candidate.get("field"):
                shown[(candidate["source"], candidate["field"])] = candidate["crop"]
    return shown


class CropSaver:
    def __init__(self, crops_dir: Path, prefix: str) -> None:
        self.crops_dir, self.prefix, self.count = crops_dir, prefix, 0

    def save(
        self,
        images: DocumentImages,
        key: str | None,
        box: tuple[int, int, int, int] | None,
        *,
        margin: float = FIELD_MARGIN,
        whole_row: bool = True,
    ) -> str | None:
        """Write the crop as JPEG and return its path relative to the crops dir.

        A field's crop reaches well beyond its box along the row: OCR may have boxed only part of
        a value (a card number read as two lines), and the operator must see all of it.
        """
        image = images.image(key)
        if image is None:
            return None
        if box is not None:
            image = crop(image, _padded(box, image.shape[1], margin=margin, whole_row=whole_row))
            image = enlarge(image, min(LEGIBLE_LINE_HEIGHT / max(box[3], 1), MAX_ENLARGEMENT))
        image = downscale_to(image, THUMBNAIL_SIDE)
        self.count += 1
        relative = Path(self.prefix) / f"{self.count:02d}.jpg"
        target = self.crops_dir / relative
        write_private_file(target, encode_jpeg(image, quality=85))
        return relative.as_posix()


def _padded(
    box: tuple[int, int, int, int], width: int, *, margin: float, whole_row: bool
) -> tuple[int, int, int, int]:
    """``box`` grown by ``margin`` of its height (and along its row, within ``width``)."""
    x, y, w, h = box
    pad = int(h * margin)
    if whole_row:
        side = max(int(w * ROW_EXTENSION), 3 * h)
        left, right = max(0, x - side), min(width, x + w + side)
        return left, y - pad, right - left, h + 2 * pad
    return x - pad, y - pad, w + 2 * pad, h + 2 * pad
