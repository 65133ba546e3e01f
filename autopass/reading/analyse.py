"""One page in, the documents on it out: locate, straighten, read once, classify, extract."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.engines.base import Face, FaceEngine, OcrEngine, TextLine
from autopass.reading.classify import (
    TITLE_CONFIDENCE,
    UNREAD_LINES_OF_A_DOCUMENT,
    ImageCues,
    classify,
    holds_a_long_number,
    page_text,
)
from autopass.reading.documents import extract_fields, value_to_look_below
from autopass.reading.extract import labels_to_read
from autopass.reading.layout import build_rows, label_places
from autopass.reading.lines import (
    LineReader,
    Slot,
    lines_of,
    quads_stand_on_end,
    rotate_quads,
    rotate_slots,
    text_slant,
)
from autopass.reading.locate import Located, cut_region, locate_documents, whole_page
from autopass.reading.orient import is_upside_down, landscape_if_card, lines_stand_on_end
from autopass.reading.sheet import text_blocks
from autopass.reading.text import clean
from autopass.settings import get_settings
from autopass.standards import DocumentSpec, load_document_specs

SURE_TYPE = 0.9
"""A type read with less confidence than this is worth a second reading of the whole photo."""
UNREAD_BELOW = 0.5
"""A field read with less confidence than this is as good as unread (a fragment, a misread)."""
BESIDE_LABEL_CHARACTERS = 24
"""How far right of its label, in label heights, a missing value is looked for (up to the edge)."""
LEVEL_DEGREES = 4.0
"""Text still slanting more than this after locating is levelled before it is read."""
TITLE_START = 3
"""Characters of a title that make a line worth reading in full (机动车, 个人汽...)."""
FACES_COMPARED = (DocumentType.ID_CARD_FRONT, DocumentType.SELFIE)
"""Documents whose face the dossier's face match compares (the ID portrait and the selfie)."""
CARD_TYPES = frozenset({DocumentType.ID_CARD_FRONT, DocumentType.ID_CARD_BACK,
                        DocumentType.BANK_CARD, DocumentType.DRIVING_LICENCE})
"""Card-sized documents: what an office copies onto a sheet, alone or several together."""
MAY_LIE_ON_A_SHEET = CARD_TYPES | {DocumentType.OTHER}
"""A whole page read as one of these may be a sheet with cards copied on it."""
LONE_CARD_SHARE = 0.35
"""One block of text covering more of the page than this is the page's own document."""
FACE_DECIDES_UP = (DocumentType.OTHER, DocumentType.SELFIE)
"""Documents turned the way their face stands, not their text: a selfie's text is a watermark."""
_FACE_SEARCH_ROTATIONS = (None, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180)


@dataclass(frozen=True)
class ReadDocument:
    """What the machine read of one document on a page: its type, fields, and upright image."""

    type: DocumentType
    confidence: float
    region: list[int] | None
    fields: dict[str, FieldValue]
    image: np.ndarray = field(repr=False)  # upright, straightened document (BGR)
    lines: list[TextLine] = field(default_factory=list, repr=False)  # OCR lines, `image` pixels
    faces: list[Face] | None = field(default=None, repr=False)  # when the face engine looked
    unread_lines: int = 0  # text lines found that the recogniser could not read
    seconds: float = 0.0


def analyse_page(
    image: np.ndarray,
    *,
    ocr: OcrEngine,
    face: FaceEngine | None = None,
    specs: dict[DocumentType, DocumentSpec] | None = None,
    expected: DocumentType | None = None,
    settled: Callable[[ReadDocument], bool] | None = None,
) -> list[ReadDocument]:
    """Every document on ``image`` (BGR page), classified and read. ``expected``: the one
    document the photo was taken of (a capture checked on the spot); once the page reads as it,
    no sheet of other cards is looked for on it (that search detects the whole page again).
    ``settled``: whether a reading already answers the caller's question (a capture check: the
    expected card with every field it judges read surely and as stated); the whole photo is then
    not read again in the hope of a field the caller does not need (a licence's 有效期限 end,
    unread on its outline and on the whole photo alike, made that second reading the slowest
    check: 2.3 s of CPU against 0.8 s on a loaded machine, for the same verdict)."""
    started = time.perf_counter()
    specs = specs if specs is not None else _default_specs()
    reader = LineReader(ocr)
    located = locate_documents(image)
    locate_share = (time.perf_counter() - started) / len(located)
    documents = []
    for item in located:
        begun = time.perf_counter()
        document = _read_document(item, reader=reader, face=face, specs=specs)
        if len(located) == 1 and item.region is None and not item.whole_page \
                and (document.type == DocumentType.SELFIE or _could_be_better(document)
                     and not (settled is not None and settled(document))):
            # The outline found may not be the document's (a card on a desk of the same colour,
            # a selfie's background, the arc printed across a bank card): the whole photo is read
            # before calling it `other`, settling for a doubtful type or giving up on a field. A
            # selfie is the whole photo: the outline in it was a shirt or a face, and cut faces.
            whole = _read_document(whole_page(image), reader=reader, face=face, specs=specs)
            document = better_reading(document, whole)
        documents.append(replace(document, seconds=round(time.perf_counter() - begun + locate_share, 3)))
    if len(located) == 1 and _may_be_a_sheet(located[0], documents[0], image) \
            and (expected is None or documents[0].type != expected):
        begun = time.perf_counter()
        known = documents[0] if located[0].is_card else None
        cards = _cards_by_text(image, known, located[0], reader=reader, face=face, specs=specs)
        if len(cards) == 1 and cards[0].type == documents[0].type:
            cards = []  # the one card its text shows is the one the page was read as: no news
        if cards:
            share = (time.perf_counter() - begun + documents[0].seconds) / len(cards)
            documents = [replace(card, seconds=round(card.seconds + share, 3)) for card in cards]
    return [_with_faces(document, face) for document in one_per_type(documents)]


def one_per_type(documents: list[ReadDocument]) -> list[ReadDocument]:
    """The surest document of each type on a page, in page order. Two of one type are one card
    found twice (overlapping outlines, a card read in halves); kept both, they would share their
    key in the dossier (file, page and type) and one would silently replace the other there."""
    surest: dict[DocumentType, ReadDocument] = {}
    for document in documents:
        if document.type not in surest or document.confidence > surest[document.type].confidence:
            surest[document.type] = document
    return [document for document in documents if surest[document.type] is document]


def _may_be_a_sheet(item: Located, document: ReadDocument, image: np.ndarray) -> bool:
    """The page may be a sheet with cards copied on it: it was read whole as a card or as
    nothing, or the one card found on it covers a small part of it (more may lie beside it)."""
    if not item.is_card:
        return document.type in MAY_LIE_ON_A_SHEET
    return cv2.contourArea(item.quad) < LONE_CARD_SHARE * image.shape[0] * image.shape[1]


def _cards_by_text(
    image: np.ndarray, known: ReadDocument | None, item: Located, *, reader: LineReader,
    face: FaceEngine | None, specs: dict[DocumentType, DocumentSpec],
) -> list[ReadDocument]:
    """The cards of a sheet whose outlines did not show (a washed-out copy), found as blocks of
    text standing apart and each read on its own, beside the ``known`` card outlined on it;
    [] when the page is no such sheet (its text is one document, or its blocks read as no card)."""
    if not reader.selective:
        return []
    blocks = text_blocks(reader.detect(image), image.shape)
    height, width = image.shape[:2]
    found: list[ReadDocument] = []
    if known is not None:
        x, y, w, h = cv2.boundingRect(item.quad.astype(np.int32))
        found.append(replace(known, region=[max(0, x), max(0, y), w, h]))
        blocks = [block for block in blocks if _overlap_share(block, found[0].region) < 0.3]
    if not blocks or (len(blocks) == 1 and known is None
                      and blocks[0][2] * blocks[0][3] > LONE_CARD_SHARE * height * width):
        return []
    for region in blocks:
        begun = time.perf_counter()
        document = _read_document(cut_region(image, region), reader=reader, face=face, specs=specs)
        if document.type != DocumentType.OTHER:
            found.append(replace(document, seconds=round(time.perf_counter() - begun, 3)))
    if len(found) >= 2 or (len(found) == 1 and known is None and found[0].type in CARD_TYPES):
        return sorted(found, key=lambda document: (document.region[1], document.region[0]))  # type: ignore[index]
    return []


def _overlap_share(block: tuple[int, int, int, int], region: Sequence[int]) -> float:
    """How much of ``block`` lies inside ``region`` (both x, y, w, h)."""
    width = min(block[0] + block[2], region[0] + region[2]) - max(block[0], region[0])
    height = min(block[1] + block[3], region[1] + region[3]) - max(block[1], region[1])
    return max(0, width) * max(0, height) / max(1, block[2] * block[3])


def read_as(
    image: np.ndarray,
    document_type: DocumentType,
    *,
    region: Sequence[int] | None,
    ocr: OcrEngine,
    face: FaceEngine | None = None,
    specs: dict[DocumentType, DocumentSpec] | None = None,
) -> ReadDocument:
    """The document at ``region`` of ``image`` (BGR page; None: the page's one document) read as
    ``document_type``, the type a person gave a page the machine could not classify: its fields
    are read as that document's, whatever the machine would have called it."""
    specs = specs if specs is not None else _default_specs()
    wanted = tuple(region) if region is not None else None
    # The outline found now is the one found then (the same code on the same page); should it
    # not be, the whole page is read.
    item = next((found for found in locate_documents(image) if found.region == wanted), None) \
        or (cut_region(image, wanted) if wanted is not None else whole_page(image))
    document = _read_document(item, reader=LineReader(ocr), face=face, specs=specs,
                              known=document_type)
    return replace(_with_faces(document, face), region=list(region) if region is not None else None)


def _with_faces(document: ReadDocument, face: FaceEngine | None) -> ReadDocument:
    """The faces of an ID card front or a selfie, found here, in the documents' parallel step,
    rather than later in match-faces."""
    if face is None or document.type not in FACES_COMPARED or document.faces:
        return document
    return replace(document, faces=face.embed(document.image, find_small_faces=True))


@lru_cache(maxsize=1)
def _default_specs() -> dict[DocumentType, DocumentSpec]:
    return load_document_specs(get_settings())


def _read_document(
    item: Located, *, reader: LineReader, face: FaceEngine | None,
    specs: dict[DocumentType, DocumentSpec], known: DocumentType | None = None,
) -> ReadDocument:
    """One located document read; ``known``: its type, given by a person (not classified)."""
    image = landscape_if_card(item.image, item.is_card)
    image, slots = first_reading(image, reader, is_card=item.is_card)
    lines = lines_of(slots)
    document_type, confidence = (known, 1.0) if known is not None \
        else classify(lines, ImageCues(is_card=item.is_card), specs)
    if document_type == DocumentType.OTHER and not all(slot.complete for slot in slots):
        # The starts of a page's lines named no document (its title begins with other words,
        # 个人汽车消费贷款合同, and a label was misread): read it whole before calling it `other`.
        slots = reader.complete(image, slots, range(len(slots)))
        lines = lines_of(slots)
        document_type, confidence = classify(lines, ImageCues(is_card=item.is_card), specs)
    faces = None
    if face is not None and document_type in FACE_DECIDES_UP:
        # No printed keyword (a selfie, perhaps), or a selfie known by its watermark: the face
        # says which way is up. The text does not: a face close up reads as columns of ink, and
        # turned 7 of 80 sample selfies sideways or upside down, where their faces scored as
        # strangers' (dlib embeds a face as it lies).
        image, faces, turn = _upright_face(image, face)
        if turn is not None:
            slots = rotate_slots(slots, _shape_before(image, turn), turn)
        if document_type == DocumentType.OTHER:
            cues = _face_cues(faces, image, slots, is_card=item.is_card)
            document_type, confidence = classify(lines, cues, specs)
    if is_upside_down(specs[document_type], lines, image.shape[0]):
        slots = rotate_slots(slots, image.shape, cv2.ROTATE_180)
        image = cv2.rotate(image, cv2.ROTATE_180)
        if not all(slot.complete for slot in slots):
            # Prefixes of an upside-down page were the ends of its lines: read the real starts.
            slots = reader.first_pass(image, [slot.quad for slot in slots], straightened=True)
        elif reader.selective:
            slots = reader.read_illegible(image, slots)
    if reader.selective:
        slots = reader.read_turned(image, slots)
    spec = specs[document_type]
    labels = labels_to_read(spec)
    slots = reader.complete(image, slots, [*wanted_slots(slots, labels, spec.hand_words), *_tallest(slots),
                                           *_title_starts(slots, specs)])
    lines = lines_of(slots)
    # The first pass read only the starts of a long page's lines; with the title (its tallest
    # line) read in full, the type may now be settled by its printed title.
    cues = _face_cues(faces, image, slots, is_card=item.is_card) if faces \
        else ImageCues(is_card=item.is_card)
    confirmed_type, confirmed = classify(lines, cues, specs)
    if confirmed_type == document_type:
        confidence = max(confidence, confirmed)
    elif known is None and confirmed >= TITLE_CONFIDENCE:
        # Its own printed title, read in full only now, names another type: the first pass took
        # a label for the title (a contract's 公民身份号码 before its cut title 个人汽车消费贷…).
        document_type, confidence, spec = confirmed_type, confirmed, specs[confirmed_type]
    fields = extract_fields(document_type, lines, image, spec)
    if _something_missing(fields) and not all(slot.complete for slot in slots):
        # A label hidden or misread: read everything before giving up on a field.
        slots = reader.complete(image, slots, range(len(slots)))
        lines = lines_of(slots)
        fields = extract_fields(document_type, lines, image, spec)
    if reader.selective:
        found = look_beside_labels(image, slots, fields, spec, reader) if _unread(fields) else []
        above = value_to_look_below(document_type, fields)
        if above is not None:
            found += look_below_value(image, [*slots, *found], above, reader)
        if found:
            slots = [*slots, *found]
            lines = lines_of(slots)
            fields = extract_fields(document_type, lines, image, spec)
    region = list(item.region) if item.region is not None else None
    return ReadDocument(type=document_type, confidence=confidence, region=region, fields=fields,
                        image=image, lines=lines, faces=faces,
                        unread_lines=_unreadable(slots))


def _unreadable(slots: Sequence[Slot]) -> int:
    """Text lines found that the recogniser could not read (blur, darkness)."""
    return sum(slot.line is None for slot in slots)


def _face_cues(faces: list[Face], image: np.ndarray, slots: Sequence[Slot], *,
               is_card: bool) -> ImageCues:
    largest = max((face.box[3] for face in faces), default=0)
    return ImageCues(faces=len(faces), face_share=largest / image.shape[0], is_card=is_card,
                     unread_lines=_unreadable(slots))


def first_reading(image: np.ndarray, reader: LineReader, *, is_card: bool) -> tuple[np.ndarray, list[Slot]]:
    """Detect once, turn a page lying on its side, and read every line (or its first characters)."""
    if not reader.selective:
        slots = reader.read_whole(image, straightened=False)
        if lines_stand_on_end(lines_of(slots)):
            image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
            slots = reader.read_whole(image, straightened=False)
        return image, slots
    quads = reader.detect(image, is_card=is_card)
    if quads_stand_on_end(quads):
        quads = rotate_quads(quads, image.shape, cv2.ROTATE_90_CLOCKWISE)
        image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    slant = text_slant(quads)
    if abs(slant) > LEVEL_DEGREES:
        # No outline straightened it (a dark card on a dark desk): level the text itself, or
        # the boxes of one tilted row overlap and split its number (6222 | 2623812824...).
        image = _rotated(image, slant)
        quads = reader.detect(image, is_card=is_card)
    # A narrow cell's label wrapped over lines is detected as one block that reads as nothing.
    return image, reader.split_stacked(image, reader.first_pass(image, quads, straightened=False))


def _rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned by ``degrees`` (counter-clockwise on screen), on a canvas that holds it all."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width, new_height = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    return cv2.warpAffine(image, matrix, (new_width, new_height), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)


def wanted_slots(slots: Sequence[Slot], labels: Sequence[str], words: Sequence[str] = ()) -> list[int]:
    """Lines worth reading in full: those in the row of a label, those that look like values
    (letters and digits: numbers, VINs, dates), wherever their label went, and those that hold one
    of ``words`` (a signing word: 本合同经双方签字… cut after 签字 stands as a label; read whole, it
    is a clause)."""
    keys = [label[:4] for label in labels if label]
    inside = [clean(word) for word in words if clean(word)]
    label_spans = []
    for slot in slots:
        # A label starts its line or cell (after a row number: 9.车辆识别代号); the same words
        # inside a sentence (至借款人在本合同...) are prose.
        text = re.sub(r"^[\d.、|:]+", "", clean(slot.line.text)) if slot.line else ""
        if any(text.startswith(key) for key in keys):
            top, bottom = slot.span
            margin = 0.6 * (bottom - top)
            label_spans.append((top - margin, bottom + margin))
    wanted = []
    for index, slot in enumerate(slots):
        if slot.complete:
            continue
        top, bottom = slot.span
        centre = (top + bottom) / 2
        text = clean(slot.line.text) if slot.line else ""
        in_label_row = any(low <= centre <= high for low, high in label_spans)
        looks_like_value = sum(ch.isascii() and ch.isalnum() for ch in text) >= 3
        if in_label_row or looks_like_value or any(word in text for word in inside):
            wanted.append(index)
    return wanted


def _tallest(slots: Sequence[Slot]) -> list[int]:
    """The index of the line printed largest, if any: on a page, its title."""
    if not slots:
        return []
    return [max(range(len(slots)), key=lambda index: slots[index].height)]


def _title_starts(slots: Sequence[Slot], specs: dict[DocumentType, DocumentSpec]) -> list[int]:
    """Lines that begin like a printed title (a spec's first keyword): read in full, so the title
    settles the type even where a stamp or header is printed larger than it."""
    starts = {clean(spec.printed_title)[:TITLE_START] for spec in specs.values() if spec.printed_title}
    return [index for index, slot in enumerate(slots)
            if not slot.complete and slot.line is not None
            and any(start in clean(slot.line.text) for start in starts)]


def look_beside_labels(
    image: np.ndarray, slots: Sequence[Slot], fields: dict[str, FieldValue], spec: DocumentSpec,
    reader: LineReader,
) -> list[Slot]:
    """New lines found right of the labels whose value is missing or a fragment (an overprint
    across a photocopied ID number hides it from the page-wide detector, not from a look at its
    row; a short name alone in its cell may be missed too)."""
    printed = spec.printed_labels
    rows = build_rows(lines_of(slots), printed)
    found: list[Slot] = []
    for name, value in fields.items():
        places = label_places(rows, spec.fields[name].labels, printed) if _is_unread(value) else []
        if not places:
            continue
        row_index, start, end = places[0]
        label = rows[row_index].box(start, end)
        if label is None:
            continue
        x, y, width, height = label
        area = (x + width, y - height // 2, BESIDE_LABEL_CHARACTERS * height, 2 * height)
        found += _new_lines(reader.read_area(image, area), [*slots, *found])
    return found


def look_below_value(
    image: np.ndarray, slots: Sequence[Slot], value: FieldValue, reader: LineReader
) -> list[Slot]:
    """New lines found in the row under ``value`` (see ``value_to_look_below``): the page-wide
    detector misses a short row on a patterned card (3号), or one an overprint crosses (仅供贷款使用
    on a photocopy merges it into a shape that is no line); a look at that row alone finds it."""
    assert value.box is not None
    x, y, width, height = value.box
    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    rows = [slot for slot in slots if slot.line is not None and _inside(_centre(slot.quad), corners)]
    row_height = max(rows, key=lambda slot: slot.span[1]).height if rows else height
    area = (int(x - row_height), int(y + height), int(width + 2 * row_height), int(1.6 * row_height))
    return _new_lines(reader.read_area(image, area), slots)


def _new_lines(candidates: Sequence[Slot], slots: Sequence[Slot]) -> list[Slot]:
    """The legible candidates whose centre lies in no line already read (and not twice)."""
    known = [slot.quad for slot in slots if slot.line is not None]
    new: list[Slot] = []
    for slot in candidates:
        if slot.line is not None and not any(_inside(_centre(slot.quad), quad) for quad in known):
            new.append(slot)
            known.append(slot.quad)
    return new


def _centre(quad: Sequence[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in quad) / 4, sum(p[1] for p in quad) / 4


def _inside(point: tuple[float, float], quad: Sequence[tuple[float, float]]) -> bool:
    contour = np.array(quad, dtype=np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, point, False) >= 0


def better_reading(located: ReadDocument, whole: ReadDocument) -> ReadDocument:
    """The whole photo's reading where it is better (``_reading_quality``), or where both are
    selfies (with the surer type: the face is compared on the whole photo; 60 of 80 sample
    selfies were cut along an outline, some through the face), unless the located document
    showed what the whole photo could not (``_print_beside_a_face``)."""
    if _print_beside_a_face(located, whole):
        return located
    if located.type == whole.type == DocumentType.SELFIE:
        surer = located.confidence > whole.confidence
        return replace(whole, confidence=located.confidence) if surer else whole
    return whole if _reading_quality(whole) > _reading_quality(located) else located


def _print_beside_a_face(located: ReadDocument, whole: ReadDocument) -> bool:
    """The located document showed a face beside a document's print: lines it could not read (a
    doubtful selfie), or a long number (`other`); a blurred card, maybe. The whole photo, where
    that print is too small to be found, cannot make it a sure selfie."""
    if whole.type != DocumentType.SELFIE:
        return False
    if located.type == DocumentType.SELFIE:
        return located.unread_lines >= UNREAD_LINES_OF_A_DOCUMENT
    return bool(located.faces) and holds_a_long_number(page_text(located.lines))


def _something_missing(fields: dict[str, FieldValue]) -> bool:
    return any(value.value is None for value in fields.values())


def _could_be_better(document: ReadDocument) -> bool:
    """An unknown or doubtful type, or a field unread: another reading may do better."""
    return _reading_quality(document) < (True, SURE_TYPE, 0)


def _reading_quality(document: ReadDocument) -> tuple[bool, float, int]:
    """Which of two readings of one photo to keep: a known type, then a surer one, then fewer
    fields unread."""
    return (document.type != DocumentType.OTHER, min(document.confidence, SURE_TYPE),
            -_unread(document.fields))


def _unread(fields: dict[str, FieldValue]) -> int:
    return sum(_is_unread(value) for value in fields.values())


def _is_unread(value: FieldValue) -> bool:
    return value.value is None or value.confidence < UNREAD_BELOW


def _shape_before(image: np.ndarray, turn: int) -> tuple[int, ...]:
    """The shape ``image`` had before ``turn`` was applied to it."""
    height, width = image.shape[:2]
    return (width, height) if turn != cv2.ROTATE_180 else (height, width)


def _upright_face(image: np.ndarray, face: FaceEngine) -> tuple[np.ndarray, list[Face], int | None]:
    """The photo turned the way its face stands upright, that face, and the turn (None: as it
    was). Engines also find a face lying on its side or upside down, less surely, so each of the
    four ways is tried and the surest largest face wins (on 80 sample selfies, always the upright
    one: dlib 0.5-0.7 against up to 1.0; YuNet up to 0.9 against up to 0.95)."""
    best: tuple[np.ndarray, list[Face], int | None] = (image, [], None)
    surest = 0.0
    for rotation in _FACE_SEARCH_ROTATIONS:
        turned = image if rotation is None else cv2.rotate(image, rotation)
        faces = face.embed(turned)
        if faces and faces[0].detection_confidence > surest:
            best, surest = (turned, faces, rotation), faces[0].detection_confidence
    return best

