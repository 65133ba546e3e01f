"""One page in, the documents on it out: locate, straighten, read once, classify, extract."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.engines.base import Face, FaceEngine, OcrEngine, TextLine
from autopass.reading.classify import ImageCues, classify
from autopass.reading.extract import extract_fields
from autopass.reading.locate import Located, locate_documents
from autopass.reading.orient import (
    is_upside_down,
    landscape_if_card,
    lines_stand_on_end,
    rotate_lines_180,
)
from autopass.settings import get_settings
from autopass.standards import DocumentSpec, load_document_specs

_FACE_SEARCH_ROTATIONS = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180)


@dataclass(frozen=True)
class ReadDocument:
    """What the machine read of one document on a page (see /work/notes/reading_api.md)."""

    type: DocumentType
    confidence: float
    region: list[int] | None
    fields: dict[str, FieldValue]
    image: np.ndarray = field(repr=False)  # upright, straightened document (BGR)
    lines: list[TextLine] = field(default_factory=list, repr=False)  # OCR lines, `image` pixels
    faces: list[Face] | None = field(default=None, repr=False)  # when the face engine looked
    seconds: float = 0.0


def analyse_page(
    image: np.ndarray,
    *,
    ocr: OcrEngine,
    face: FaceEngine | None = None,
    specs: dict[DocumentType, DocumentSpec] | None = None,
) -> list[ReadDocument]:
    """Every document on ``image`` (BGR page), classified and read."""
    started = time.perf_counter()
    specs = specs if specs is not None else _default_specs()
    located = locate_documents(image)
    locate_share = (time.perf_counter() - started) / len(located)
    documents = []
    for item in located:
        begun = time.perf_counter()
        document = _read_document(item, ocr=ocr, face=face, specs=specs)
        seconds = round(time.perf_counter() - begun + locate_share, 3)
        documents.append(_with(document, seconds=seconds))
    return documents


@lru_cache(maxsize=1)
def _default_specs() -> dict[DocumentType, DocumentSpec]:
    return load_document_specs(get_settings())


def _read_document(
    item: Located, *, ocr: OcrEngine, face: FaceEngine | None, specs: dict[DocumentType, DocumentSpec]
) -> ReadDocument:
    image = landscape_if_card(item.image, item.is_card)
    lines = ocr.read(image)
    if lines_stand_on_end(lines):
        image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
        lines = ocr.read(image)
    cues = ImageCues(is_card=item.is_card)
    document_type, confidence = classify(lines, cues, specs)
    faces = None
    if face is not None and document_type == DocumentType.OTHER:
        # No printed keyword: only now is a face worth looking for (a selfie, ~0.2 s per try).
        image, faces = _upright_face(image, face)
        cues = ImageCues(faces=len(faces), is_card=item.is_card)
        document_type, confidence = classify(lines, cues, specs)
    if is_upside_down(document_type, lines):
        image = cv2.rotate(image, cv2.ROTATE_180)
        lines = rotate_lines_180(lines, image.shape)
    fields = extract_fields(document_type, lines, image, specs[document_type])
    region = list(item.region) if item.region is not None else None
    return ReadDocument(type=document_type, confidence=confidence, region=region, fields=fields,
                        image=image, lines=lines, faces=faces)


def _upright_face(image: np.ndarray, face: FaceEngine) -> tuple[np.ndarray, list[Face]]:
    """A photo with almost no text: turn it until a face is found (dlib wants faces upright)."""
    for rotation in _FACE_SEARCH_ROTATIONS:
        turned = image if rotation is None else cv2.rotate(image, rotation)
        faces = face.embed(turned)
        if faces:
            return turned, faces
    return image, []


def _with(document: ReadDocument, **changes: object) -> ReadDocument:
    from dataclasses import replace

    return replace(document, **changes)
