"""Check one photo while the customer is still in the store: would the pipeline read it?

The check runs the pipeline's own reader on the photo and trusts a field exactly as the product's
standard would (``Standard.min_confidence``): a photo passes when its type and every field its
document carries were read with that confidence and agree with the values the dealer states. What
the eye would blame (small text, blur, glare, a cut-off edge) is measured too and named beside a
failure, so the salesperson knows what to change; it never fails a photo the reader managed.
Nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from autopass.documents import DocumentType
from autopass.engines.base import FaceEngine, OcrEngine
from autopass.reading import ReadDocument, analyse_page
from autopass.references import APPLICATION, split_reference
from autopass.rules import EqualsApplication, FieldsAgree
from autopass.standards import DocumentSpec, Standard

LEGIBLE_TEXT_PX = 24
"""Key text shorter than this (pixels, on the straightened document) is hard to read for the
recogniser and for people alike."""
SHARPNESS_FLOOR = 60.0
"""Variance of the Laplacian at a 1000 px wide document below which it counts as blurred."""
GLARE_SHARE = 0.02
"""Share of the document's pixels washed out to white above which glare is named."""
EDGE_MARGIN_PX = 3


@dataclass(frozen=True)
class Legibility:
    """What a person would see wrong with the photo of one document."""

    text_height_px: int | None  # the smallest read field's text height; None: no field read
    sharpness: float
    glare_share: float
    cut_off: bool  # the document touches the photo's edge

    def hints(self) -> list[str]:
        found = []
        if self.text_height_px is not None and self.text_height_px < LEGIBLE_TEXT_PX:
            found.append(f"text too small ({self.text_height_px} px < {LEGIBLE_TEXT_PX} px): "
                         "come closer")
        if self.sharpness < SHARPNESS_FLOOR:
            found.append("blurred: hold still and let the camera focus")
        if self.glare_share > GLARE_SHARE:
            found.append("glare: tilt the document away from the light")
        if self.cut_off:
            found.append("cut off: the whole document must be in the photo")
        return found


@dataclass(frozen=True)
class CheckedField:
    value: object
    confidence: float
    trusted: bool  # read with the confidence the standard asks for
    agrees: bool | None  # with the stated value; None when none was stated


@dataclass(frozen=True)
class CheckedDocument:
    type: DocumentType
    confidence: float
    region: list[int] | None
    fields: dict[str, CheckedField]
    legibility: Legibility
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CaptureVerdict:
    ok: bool
    documents: list[CheckedDocument]
    problems: list[str]  # why to take the photo again; empty when ``ok``
    hints: list[str]  # what to change when taking it again


def check_capture(
    image: np.ndarray,
    *,
    standard: Standard,
    specs: dict[DocumentType, DocumentSpec],
    ocr: OcrEngine,
    face: FaceEngine | None = None,
    stated: dict[str, str] | None = None,
    expected_type: DocumentType | None = None,
) -> CaptureVerdict:
    """Read ``image`` (BGR) as the pipeline does and say whether it would go through unaided."""
    stated = stated or {}
    if expected_type not in (None, DocumentType.SELFIE):
        face = None  # a card's check needs no face found (~0.3 s): only a selfie is told by one

    def settled(document: ReadDocument) -> bool:  # the expected card, read for sure as stated
        return document.type is expected_type \
            and not _read_fields(document, standard, specs, stated)[2]

    read = analyse_page(image, ocr=ocr, face=face, specs=specs, expected=expected_type,
                        settled=settled if expected_type is not None else None)
    documents = [_check(document, image.shape, standard, specs, stated) for document in read]
    problems = [problem for document in documents for problem in document.problems]
    if not documents or all(d.type is DocumentType.OTHER for d in documents):
        problems.append("no document recognised")
    if expected_type is not None and all(d.type is not expected_type for d in documents):
        problems.append(f"expected a {expected_type.value}, found "
                        f"{', '.join(d.type.value for d in documents) or 'nothing'}")
    hints = list(dict.fromkeys(hint for d in documents for hint in d.legibility.hints()))
    return CaptureVerdict(ok=not problems, documents=documents, problems=problems,
                          hints=hints if problems else [])


def stated_paths(standard: Standard) -> dict[DocumentType, dict[str, str]]:
    """Per document type, which application value (``applicant.name``) each of its fields must
    equal, as the product's rules say (``fields_agree`` and ``equals_application``): what a
    salesperson's app states when it checks a photo."""
    paths: dict[DocumentType, dict[str, str]] = {}
    for rule in standard.rules:
        if not isinstance(rule, FieldsAgree | EqualsApplication):
            continue
        references = [split_reference(reference) for reference in rule.references()]
        keyed = [field for source, field in references if source == APPLICATION]
        if not keyed:
            continue
        for source, field in references:
            if source != APPLICATION:
                paths.setdefault(DocumentType(source), {}).setdefault(field, keyed[0])
    return paths


def stated_values(standard: Standard, application: dict[str, object],
                  document_type: DocumentType) -> dict[str, str]:
    """The values a photo of ``document_type`` must show, from an application.json's content."""
    stated = {}
    for field, path in stated_paths(standard).get(document_type, {}).items():
        value: object = application
        for step in path.split("."):
            value = value.get(step) if isinstance(value, dict) else None
        if value not in (None, ""):
            stated[field] = str(value)
    return stated


def _check(document: ReadDocument, page_shape: tuple[int, ...], standard: Standard,
           specs: dict[DocumentType, DocumentSpec], stated: dict[str, str]) -> CheckedDocument:
    wanted, checked, problems = _read_fields(document, standard, specs, stated)
    return CheckedDocument(
        type=document.type,
        confidence=round(document.confidence, 4),
        region=document.region,
        fields=checked,
        legibility=_legibility(document, page_shape, wanted),
        problems=problems,
    )


def _read_fields(
    document: ReadDocument, standard: Standard, specs: dict[DocumentType, DocumentSpec],
    stated: dict[str, str],
) -> tuple[list[str], dict[str, CheckedField], list[str]]:
    """The fields of ``document`` the standard judges, each as read and trusted or not, and the
    problems found (its type unsure, a field unread, unsure or not as stated)."""
    kind = document.type.value
    problems: list[str] = []
    if document.type is not DocumentType.OTHER and document.confidence < standard.confidence.document_type:
        problems.append(f"{kind}: type uncertain ({document.confidence:.2f})")
    spec = specs.get(document.type)
    wanted = [name for name in _fields_judged(standard, kind)
              if spec is not None and name in spec.fields and spec.fields[name].kind != "face"]
    checked: dict[str, CheckedField] = {}
    for name in wanted:
        value = document.fields.get(name)
        if value is None or value.value in (None, ""):
            problems.append(f"{kind}.{name}: not read")
            continue
        needed = standard.min_confidence(kind, name)
        expected = stated.get(name)
        agrees = None if expected is None else _same(value.value, expected)
        checked[name] = CheckedField(value.value, round(value.confidence, 4),
                                     value.confidence >= needed, agrees)
        if value.confidence < needed:
            problems.append(f"{kind}.{name}: unsure ({value.confidence:.2f} < {needed:.2f})")
        if agrees is False:
            problems.append(f"{kind}.{name}: differs from the stated value")
    return wanted, checked, problems


def _fields_judged(standard: Standard, document_type: str) -> list[str]:
    """The fields of this document type the product's rules read: the ones a doubt about would
    become a micro-task (a field no rule reads holds nothing up)."""
    return list(dict.fromkeys(
        field for rule in standard.rules for reference in rule.references()
        for source, field in [split_reference(reference)] if source == document_type))


def _same(read: object, stated: str) -> bool:
    """Equal once spaces and letter case are set aside (the reader already normalised its value)."""
    def plain(value: object) -> str:
        return "".join(str(value).split()).upper()

    if isinstance(read, int | float) and not isinstance(read, bool):
        try:
            return abs(float(read) - float(stated)) < 0.005
        except ValueError:
            return False
    return plain(read) == plain(stated)


def _legibility(document: ReadDocument, page_shape: tuple[int, ...],
                wanted: list[str]) -> Legibility:
    heights = [value.box[3] for name in wanted
               if (value := document.fields.get(name)) is not None and value.box]
    grey = cv2.cvtColor(document.image, cv2.COLOR_BGR2GRAY)
    scale = 1000 / max(grey.shape[1], 1)
    resized = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(resized, cv2.CV_64F).var())
    glare = float(np.mean(grey >= 250))
    cut_off = False
    if document.region is not None:
        x, y, width, height = document.region
        page_height, page_width = page_shape[:2]
        cut_off = (x <= EDGE_MARGIN_PX or y <= EDGE_MARGIN_PX
                   or x + width >= page_width - EDGE_MARGIN_PX
                   or y + height >= page_height - EDGE_MARGIN_PX)
    return Legibility(text_height_px=min(heights) if heights else None,
                      sharpness=round(sharpness, 1), glare_share=round(glare, 4), cut_off=cut_off)
