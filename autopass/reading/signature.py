"""Is the borrower's signature box inked? Where the box is, from the standard's words; whether it
holds handwriting, from the image.

The box is found by its label, made of the standard's signing words (``SigningWords`` in
``standards/documents/loan_contract.yaml``: a signer such as 借款人 or 客户 with signing words such
as 签字 or 手印, in any order, bracketed or joined: 借款人（签字/手印）, 甲方签章, 签名（盖章）), and
looked at right of its label and, where the label heads an empty cell, under it. Without such a
label, the handwriting nearest the borrower's block (its name or its label) is what a person is
shown (``rule`` says which decided). A label after or inside another party's word (贷款人（盖章）,
共同借款人签字, 甲方 where the page makes 甲方 the lender) is not the borrower's.

Handwriting reads badly with OCR, and a scribble is still a signature; what matters is ink where
the signature goes, once the printed underline and printed words are taken away, measured on the
page's own paper (not on a desk beyond its edge, nor against a glare spot's brightness spread over
the dim paper beside it, and with the paper's tint taken out before blue ink is judged); red ink
(the lender's seal, a fingerprint in ink pad) is never the signature.
The answer is only sure when the box was found whole and its ink is plainly dark or plainly
absent: faint ink, glare over the box or a box cut by the page edge make it a question for a
person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from autopass.engines.base import TextLine
from autopass.reading.layout import CELL_GAP, CLAUSE_MARKS, Row
from autopass.reading.text import clean
from autopass.standards import FieldSpec, SigningWords

INK_SHARE_SIGNED = 0.012
"""Share of the signature area covered by strokes above which the box counts as signed."""
INK_SHARE_EMPTY = 0.003
"""Below this the box is empty beyond doubt; between the two a human looks at the crop."""
DARK_INK = 60
"""Grey levels below the paper that plain ink reaches; fainter strokes make the answer unsure."""
FAINT_INK = 18
"""Grey levels below the paper that still count as (faint) ink rather than paper noise."""
BLUE_INK = 15
"""Blue channel above red by this much, once the paper is neutral grey (``_paper_balanced``):
ballpoint or gel pen ink, not grey print or paper."""
PRINTED_RUN = 3
"""Components in a row within the label's line that make printed words, not handwriting."""
PRINTED_GAP = 1.0
"""Largest gap, in label heights, between two pieces of printed words in one run."""
RED_SHARE = 0.5
"""A stroke whose redness (red above green and blue) is at least this share of its darkness is
red ink: the lender's seal or a fingerprint, never the borrower's signature."""
PAPER = 6
"""Pixels at most this many grey levels below the paper around them are paper: the colour that
the photo's light gave the paper is measured on them."""
OFF_PAGE = 60
"""Background this many grey levels darker than the box's brightest paper is the desk beyond the
page's edge: nothing on it is ink (a dark cloth desk's weave read as a sure signature)."""
PEN_TINT = 10
"""Faint strokes bluer than their paper by this many levels (median) are pale pen ink: a photo
washes a blue signature out to 10-25 levels, while grey print stays within ~6."""
PLAIN_FAINT_SHARE = 3 * INK_SHARE_SIGNED
"""Faint strokes covering this much of the box, with the pen's tint, are a signature for sure."""
GLARE = 12
"""Paper in the box this much brighter than the page's paper: glare may have washed ink out."""
MIN_BOX_HEIGHTS = 5
"""A box narrower than this many label heights was cut by the page edge (or is not the box)."""
SURE_EMPTY = 0.95
SURE_SIGNED = 0.95
UNSURE = 0.5
BOX_NOT_FOUND = 0.3


SIGNATURE_RISE = 1.8
"""How far, in label heights, a signature rises above the line it is signed on."""
VERTICAL_RULE = 1.5
"""Straight upright ink at least this many line heights long is a cell border, not a stroke."""


LAYOUT_SIGNED = 0.8
"""Handwriting found near the borrower's block with no signature label printed: probably the
signature, but a person confirms (the standard asks 0.90)."""
PRINTED_LINE_HEIGHT = 1.4
"""An OCR line at most this many label heights tall, read with ``PRINTED_OCR`` or more, that holds
a printed label, a digit or ``PRINTED_CHARACTERS`` characters is print, whatever box it is in
(a clause over a table's heading, a date under a signing line); a handwritten name is taller,
shorter, or read with doubt."""
PRINTED_OCR = 0.85
PRINTED_CHARACTERS = 5
ROOM_BELOW = 2.5
"""Empty height, in label heights, under a label that makes the space under it its box (a
heading over a tall cell), rather than the gap to the next printed row."""
BELOW_HEIGHTS = 8
"""Deepest box under a heading, in label heights."""
LAYOUT_LINE_HEIGHT = 16
"""Line height, in pixels, that a page is shrunk to before its handwriting is looked for: a
signature's strokes survive, and the page is looked at in a fraction of the time."""
_OPENING, _CLOSING = "([{【〔<《", ")]}】〕>》"


@dataclass(frozen=True)
class SignatureReading:
    """What the signature box holds. ``rule`` says what decided where the box is: ``label`` (a
    signature label's box, right of it or under it), ``layout`` (no label: the handwriting nearest
    the borrower's block), or ``none`` (neither found)."""

    signed: bool | None
    confidence: float
    box: list[int] | None
    rule: str
    label: str | None = None


@dataclass(frozen=True)
class SignatureLabel:
    """A signature label printed on a row: where, and whether it names the signer (借款人签字)
    or only signs (签名（盖章）)."""

    row_index: int
    start: int
    end: int
    text: str
    names_signer: bool


def read_signature(image: np.ndarray, rows: Sequence[Row], field: FieldSpec, stops: Sequence[str],
                   borrower_labels: Sequence[str]) -> SignatureReading:
    """The borrower's signature, from the box of the first signature label of ``field`` (its
    ``labels`` and ``signing`` words) whose box was found, else from the layout: the handwriting
    nearest the borrower's block (``borrower_labels``, the signers' words). ``stops``: every label
    printed on the document (where the borrower's box ends on its row)."""
    printed = _printed_lines(rows, stops)
    labels = signature_labels(rows, field)
    # Where anyone signs (签署日期, a date's label, is none).
    signing = [_span_box(rows[label.row_index], label.start, label.end)
               for label in signature_labels(rows, field, anyones=True)]
    readings = [_read_at(image, rows, label, stops, printed, signing) for label in labels]
    found = [reading for reading in readings if reading.confidence > BOX_NOT_FOUND]
    if found:
        return found[0]
    if readings:
        return readings[0]
    signers = field.signing.signers if field.signing else []
    return _by_layout(image, rows, [*borrower_labels, *signers], printed)


def signature_labels(rows: Sequence[Row], field: FieldSpec, *, anyones: bool = False) -> list[SignatureLabel]:
    """Every signature label printed on ``rows``: the field's ``labels`` as written, and any
    label its ``signing`` words make; those that name the signer first, each in page order.
    ``anyones``: every party's (共同借款人签字, 代表签字 too), not the borrower's only."""
    words = field.signing
    page = "".join(row.text for row in rows)
    signers = _cleaned(words.signers) if words else []
    if words:
        theirs = [signer for signer in signers if _paired_with_another(signer, page, words)]
        signers = [signer for signer in signers if signer not in theirs]
        words = words.model_copy(update={"others": [*words.others, *theirs]})
    pattern = _label_pattern(field.labels, signers, words)
    found: list[SignatureLabel] = []
    for index, row in enumerate(rows):
        at = 0
        while (match := pattern.search(row.text, at)) is not None:
            start, end = match.start(), _cell_end(row, match.start(), match.end())
            text = row.text[start:end]
            literal = match.lastgroup == "literal"
            # What follows a label refused, or the next cell, may start one: 贷款人（盖章）借款人（签字）
            # is matched from （盖章）, which takes the borrower's 借款人 with it.
            at = min(match.end(), end)
            if not literal and not _has_hand_word(text, words):
                at = end if end < match.end() else start + 1
                continue  # 盖章 alone: a company's seal
            if words and not anyones and _belongs_to_another(row.text, start, end, words):
                continue
            if not _stands_as_label(row, start, end):
                continue
            names = literal or any(signer in text for signer in signers)
            found.append(SignatureLabel(index, start, end, text, names))
    return sorted(found, key=lambda label: not label.names_signer)


def _cell_end(row: Row, start: int, end: int) -> int:
    """``end``, or where the text from ``start`` crosses into the next cell (a gap wider than
    ``CELL_GAP`` line heights between two boxes): 签字（按手印） | 盖章 of a two-column block are two
    labels, the borrower's and the lender's, not one."""
    for index in range(start + 1, end):
        before, after = row.owners[index - 1], row.owners[index]
        if before == after:
            continue
        left, right = row.lines[before].bounds, row.lines[after].bounds
        if right[0] - (left[0] + left[2]) > CELL_GAP * min(left[3], right[3]):
            return index
    return end


def _cleaned(words: Sequence[str]) -> list[str]:
    """``words`` cleaned as OCR text is (``clean``), longest first."""
    return list(_cleaned_once(tuple(words)))


@lru_cache(maxsize=256)
def _cleaned_once(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({clean(word) for word in words if clean(word)}, key=len, reverse=True))


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(word) for word in _cleaned(words))


def _label_pattern(labels: Sequence[str], signers: Sequence[str], words: SigningWords | None) -> re.Pattern[str]:
    """The field's labels as written, or (``words``) signers and signing words in any order:
    ``(signer sep)* word (sep word)* (sep signer)*`` with brackets and joiners as separators."""
    literal = _alternation(labels)
    if words is None:
        return re.compile(f"(?P<literal>{literal})")
    signer = f"(?:{_alternation(signers)})" if signers else "(?!)"
    word = f"(?:{_alternation([*words.hand_words, *words.seal_words])})"
    joiner = _alternation(words.joiners)
    separator = f"(?:[{re.escape(_OPENING + _CLOSING)}]{'|' + joiner if joiner else ''})*"
    made = (f"[{re.escape(_OPENING)}]?(?:{signer}{separator})*{word}(?:{separator}{word})*"
            f"(?:{separator}{signer})*[{re.escape(_CLOSING)}]*")
    return re.compile(f"(?P<made>{made})|(?P<literal>{literal})" if literal else f"(?P<made>{made})")


def _has_hand_word(text: str, words: SigningWords | None) -> bool:
    return words is None or any(word in text for word in _cleaned(words.hand_words))


def _belongs_to_another(text: str, start: int, end: int, words: SigningWords) -> bool:
    """The label is another party's: one of ``others`` overlaps it (共同借款人签字, 法定代表人签字)
    or stands right before it, brackets and joiners apart (贷款人（签章）, XX银行签章)."""
    gap = set(_OPENING + _CLOSING + ":") | {c for joiner in words.joiners for c in clean(joiner)}
    for other in _cleaned(words.others):
        for match in re.finditer(re.escape(other), text):
            if match.start() < end and match.end() > start:
                return True
            between = text[match.end():start]
            if match.end() <= start and all(c in gap for c in between):
                return True
    return False


def _paired_with_another(signer: str, page: str, words: SigningWords) -> bool:
    """The page makes ``signer`` another party (甲方（贷款人）, 贷款人（甲方）, 乙方：XX银行): its
    bracketed role, or the value after its colon, is one of ``others``; a role that is a signer
    (甲方（借款人）) keeps it the borrower's."""
    others = _alternation(words.others)
    if not others:
        return False
    own = _alternation([word for word in words.signers if clean(word) != signer])
    roles = [f"{re.escape(signer)}[(]({others})[)]", f"[(]?({others})[)]?[(]{re.escape(signer)}[)]",
             f"{re.escape(signer)}:({others}|[^:()]{{0,12}}?(?:{others}))"]
    if own and re.search(f"{re.escape(signer)}[(](?:{own})[)]|(?:{own})[(]{re.escape(signer)}[)]", page):
        return False
    return any(re.search(role, page) for role in roles)


def _stands_as_label(row: Row, start: int, end: int) -> bool:
    """Before a colon, at the end of its box or of the row (a heading cell, the handwriting read
    in a box of its own), or closed by its bracket (借款人（签字）侯娜: the handwriting read on in
    the label's box), and not in running text (本合同自借款人签字、贷款人盖章之日起生效), nor a
    heading's word (签字页)."""
    if row.text[end:end + 1] == ":":
        return True
    if end != len(row.text) and end not in row.breaks and row.text[end - 1] not in _CLOSING:
        return False
    return not any(mark in row.box_text(start) for mark in CLAUSE_MARKS)


def _printed_lines(rows: Sequence[Row], stops: Sequence[str]) -> list[TextLine]:
    """The OCR lines that are print for sure (``PRINTED_LINE_HEIGHT``)."""
    words = _cleaned(stops)
    printed = []
    for row in rows:
        for line in row.lines:
            text = clean(line.text)
            if line.confidence < PRINTED_OCR:
                continue
            if len(text) >= PRINTED_CHARACTERS or any(ch.isdigit() for ch in text) \
                    or any(word in text for word in words if len(word) >= 2):
                printed.append(line)
    return printed


def _read_at(image: np.ndarray, rows: Sequence[Row], label: SignatureLabel, stops: Sequence[str],
             printed: list[TextLine], signing: Sequence[Sequence[float]] = ()) -> SignatureReading:
    """The label's box right of it and, where the label heads an empty space (room under it
    before the next printed line in its column) and no colon sends the signature beside it (or no
    box was found there), under it. Signed if either holds a signature for sure, empty for sure
    only if both are surely empty. ``signing``: boxes of every
    party's signature labels (共同借款人签字 under the borrower's box), whose handwriting rises
    above them."""
    row = rows[label.row_index]
    label_box = _span_box(row, label.start, label.end)
    right_limit = _next_label_x(row, label.end, stops)
    height = label_box[3]
    # Not the label's own row: handwriting read into the label's line is no print.
    masks = _masks([line for line in printed if line not in row.lines], height)
    judged = [signature_present(image, label_box, right_limit, masks)]
    below = _below_area(image, label_box, right_limit, masks, signing)
    if below is not None and (row.text[label.end:label.end + 1] != ":" or judged[0][1] <= BOX_NOT_FOUND):
        # A label before a colon is signed beside: a mark under it (a stray stroke, the lender's
        # seal over its own line) is no signature of the borrower's (a false approval in the demo;
        # a framed box under 借款人（签字）： is read surely empty, and a person is asked).
        judged.append(_judge(image, below, height, None, masks))
    looked = [j for j in judged if j[1] > BOX_NOT_FOUND] or judged
    signed = [j for j in looked if j[0] and j[1] >= SURE_SIGNED]
    if signed:
        present, confidence, box = signed[0]
    elif all(not j[0] and j[1] >= SURE_EMPTY for j in looked):
        present, confidence, box = looked[0]
    else:
        # Doubt: the likeliest signed area, else the least surely empty one, for a person to see.
        present, confidence, box = max(looked, key=lambda j: (j[0], -j[1] if not j[0] else j[1]))
        confidence = min(confidence, UNSURE)
    return SignatureReading(present, confidence, box, "label", label.text)


def _masks(printed: Sequence[TextLine], label_height: int) -> list[list[float]]:
    """Boxes of the printed lines no taller than print beside a label ``label_height`` tall."""
    return [list(line.bounds) for line in printed if line.bounds[3] <= PRINTED_LINE_HEIGHT * label_height]


def _span_box(row: Row, start: int, end: int) -> list[int]:
    """[x, y, w, h] of text[start:end]: its lines' height, its characters' share of their width
    (the handwriting read into the label's box is no part of the label)."""
    top, bottom = (int(v) for v in (min(row.lines[row.owners[i]].bounds[1] for i in range(start, end)),
                                    max(row.lines[row.owners[i]].bounds[1] + row.lines[row.owners[i]].bounds[3]
                                        for i in range(start, end))))
    left = row.x_of(start)
    last = row.lines[row.owners[end - 1]]
    ends_line = end == len(row.owners) or row.owners[end] != row.owners[end - 1]
    right = last.bounds[0] + last.bounds[2] if ends_line else row.x_of(end)
    return [int(left), top, max(1, int(right - left)), max(1, bottom - top)]


def _next_label_x(row: Row, end: int, stops: Sequence[str]) -> float | None:
    """Where the next printed label after ``end`` begins on ``row`` (贷款人（盖章）： of a
    two-column signature block), or None: the borrower's box ends there."""
    starts = [at for stop in _cleaned(stops) if (at := row.text.find(stop, end)) >= 0]
    return row.x_of(min(starts)) if starts else None


def _below_area(image: np.ndarray, label_box: list[int], right_limit: float | None,
                printed: Sequence[Sequence[float]], signing: Sequence[Sequence[float]] = ()) -> list[int] | None:
    """The space under a label that heads it (a table's heading over the cell signed in): from
    the label's left to the next label on its row, down to the next printed line in that column
    (handwriting read as a line does not end it); None where the next line follows closely (a
    form's lines). It ends higher above a signing line under it (共同借款人签字：): the signature
    beside that line rises above it, and is not the borrower's."""
    x, y, w, h = label_box
    height, width = image.shape[:2]
    left = max(0, int(x - h))
    right = int(min(width, right_limit - h / 2 if right_limit is not None else x + max(0.4 * width, 8 * h)))
    top = int(y + h * 1.3)
    under = [line_y for line_x, line_y, line_w, _ in printed
             if line_x < right and line_x + line_w > left and line_y > y + h]
    rising = [line_y for line_x, line_y, line_w, _ in signing
              if line_x < right and line_x + line_w > left and line_y > y + h]
    bottom = min(height, int(y + h + BELOW_HEIGHTS * h), *(int(line_y - h / 4) for line_y in under),
                 *(int(line_y - SIGNATURE_RISE * h) for line_y in rising))
    if bottom - top < ROOM_BELOW * h or right - left < MIN_BOX_HEIGHTS * h:
        return None
    return [left, top, right - left, bottom - top]


def _by_layout(image: np.ndarray, rows: Sequence[Row], block_words: Sequence[str],
               printed: list[TextLine]) -> SignatureReading:
    """No signature label: the handwriting nearest the borrower's block (a row holding one of
    ``block_words``) is probably the signature, for a person to confirm; none found is a question
    too (the box may be where nothing was printed to find it by)."""
    words = _cleaned(block_words)
    blocks = [row for row in rows if any(word in row.text for word in words)]
    if not blocks:
        return SignatureReading(None, 0.0, None, "none")
    height = int(np.median([line.bounds[3] for row in blocks for line in row.lines]))
    # Print here: what reads as print (``_printed_lines``), and any line as tall as the block's,
    # however well read (立据人：, a label no standard knows; 温款人(装字), one misread): a
    # signature stands taller than the print beside it.
    print_sized = [list(line.bounds) for row in rows for line in row.lines
                   if line.bounds[3] <= PRINTED_LINE_HEIGHT * height]
    regions = handwriting_regions(image, height, [*(list(line.bounds) for line in printed), *print_sized])
    if not regions:
        return SignatureReading(False, BOX_NOT_FOUND, None, "layout")
    centres = [((row.left + max(l.bounds[0] + l.bounds[2] for l in row.lines)) / 2, (row.top + row.bottom) / 2)
               for row in blocks]

    def distance(region: list[int]) -> float:
        cx, cy = region[0] + region[2] / 2, region[1] + region[3] / 2
        return min(abs(cx - x) / 2 + abs(cy - y) for x, y in centres)  # rows apart count more

    return SignatureReading(True, LAYOUT_SIGNED, min(regions, key=distance), "layout")


def handwriting_regions(image: np.ndarray, line_height: int, printed: Sequence[Sequence[float]] = ()) -> list[list[int]]:
    """[x, y, w, h] of each cluster of handwriting on the page: dark strokes on the paper, not red
    (seals, fingerprints), not printed (``printed`` boxes, rules, specks), taller than print or
    as wide as a name."""
    scale = min(1.0, LAYOUT_LINE_HEIGHT / max(1, line_height))
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    height = max(4, round(line_height * scale))
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    paper = _paper_under_strokes(_paper(gray, height), gray, height)
    darkness = cv2.subtract(paper, gray)
    balanced = _paper_balanced(small, darkness < PAPER)
    darkness = np.where(_red_ink(balanced, darkness), 0, darkness).astype(np.uint8)
    darkness = _without(darkness, [[v * scale for v in box] for box in printed], 0, 0, height)
    strokes = _stroke_mask(darkness >= DARK_INK, height)
    joined = cv2.dilate(strokes.astype(np.uint8), np.ones((height, height), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    regions = []
    for index in range(1, count):
        x, y, w, h, _ = stats[index]
        if h >= 1.5 * height or w >= 3 * height:
            regions.append([round(v / scale) for v in (x, y, w, h)])
    return regions


def _without(darkness: np.ndarray, printed: Sequence[Sequence[float]], left: int, top: int,
             line_height: int) -> np.ndarray:
    """``darkness`` (of an area whose corner is at ``left, top``) with printed lines blanked."""
    cleared = darkness.copy()
    pad = max(2, line_height // 8)
    for x, y, w, h in printed:
        x0, y0 = int(x - left - pad), int(y - top - pad)
        x1, y1 = int(x + w - left + pad), int(y + h - top + pad)
        cleared[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = 0
    return cleared


def signature_present(
    image: np.ndarray, label_box: list[int], right_limit: float | None = None,
    printed: Sequence[Sequence[float]] = (),
) -> tuple[bool, float, list[int]]:
    """(signed?, confidence, [x, y, w, h] of the area examined) right of the signature label, up
    to ``right_limit`` (where the next label on its row begins: the lender's side of a two-column
    signature block, with its print and seal, is no part of the borrower's box). ``printed``:
    boxes of OCR lines that are print, blanked."""
    x, y, w, h = label_box
    h = max(h, 1)
    height, width = image.shape[:2]
    left = min(width - 1, x + w + max(2, h // 4))
    right = min(width, left + max(int(0.4 * width), 8 * h))
    if right_limit is not None:
        right = max(left, min(right, int(right_limit - h // 2)))
    top = max(0, int(y - SIGNATURE_RISE * h))
    bottom = min(height, int(y + 1.3 * h))
    area = [int(left), int(top), int(right - left), int(bottom - top)]
    if right - left < MIN_BOX_HEIGHTS * h or bottom - top < 2 * h:
        return False, BOX_NOT_FOUND, area
    return _judge(image, area, h, (y - top, y - top + h), printed)


def _judge(image: np.ndarray, area: list[int], h: int, label_band: tuple[int, int] | None,
           printed: Sequence[Sequence[float]]) -> tuple[bool, float, list[int]]:
    """Whether ``area`` holds handwriting, as in ``signature_present``; ``label_band``: the rows of
    the area level with the label (printed words there are print), if it is beside one."""
    left, top, area_width, area_height = area
    crop = image[top:top + area_height, left:left + area_width]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    paper = _paper(gray, h)
    on_page = _on_page(paper, h)
    if np.count_nonzero(on_page.mean(axis=0) > 0.5) < MIN_BOX_HEIGHTS * h:
        return False, BOX_NOT_FOUND, area  # the page's edge cuts the box just after the label
    under_strokes = _paper_under_strokes(paper, gray, h)
    darkness = np.where(on_page, cv2.subtract(under_strokes, gray), 0).astype(np.uint8)
    balanced = _paper_balanced(crop, (darkness < PAPER) & on_page)
    darkness = np.where(_red_ink(balanced, darkness), 0, darkness).astype(np.uint8)
    darkness = _without(darkness, printed, left, top, h)
    printed_words = (_printed_text(darkness >= FAINT_INK, label_band, h) if label_band is not None
                     else np.zeros(darkness.shape, dtype=bool))
    darkness = np.where(printed_words, 0, darkness).astype(np.uint8)
    dark_share, faint_share, coloured_share = _ink_shares(balanced, darkness, on_page, h)
    if dark_share >= INK_SHARE_SIGNED or coloured_share >= INK_SHARE_SIGNED:
        return True, SURE_SIGNED, area
    if faint_share >= PLAIN_FAINT_SHARE and _pen_tint(balanced, darkness, on_page) >= PEN_TINT:
        return True, SURE_SIGNED, area
    if faint_share >= INK_SHARE_SIGNED:
        return True, UNSURE, area  # pale strokes: probably a signature, a person confirms
    if printed_words.any():
        # Printed words in the box (the lender's label, its OCR lost under the seal): what was
        # taken for print might be small handwriting on the line; a person looks.
        return False, UNSURE, area
    if faint_share <= INK_SHARE_EMPTY and on_page.all() and not _glare_over(image, gray):
        # Only a box wholly on the page is surely empty: what looked like desk may be dim paper
        # beside a glare spot, where ink was not looked for.
        return False, SURE_EMPTY, area
    return faint_share > (INK_SHARE_SIGNED + INK_SHARE_EMPTY) / 2, UNSURE, area


def _ink_shares(balanced: np.ndarray, darkness: np.ndarray, on_page: np.ndarray,
                line_height: int) -> tuple[float, float, float]:
    """(dark, faint, blue) shares of the box's paper covered by handwriting: darker than the local
    paper, not a flat printed rule (underline, dashes), not red (the lender's seal, a fingerprint
    in red ink pad), not speckle. Blue strokes are pen ink however pale a photo made them: print
    is black and seals are red. ``balanced``: the box with its paper made neutral grey
    (``_paper_balanced``)."""
    blue, green, red = (balanced[:, :, i] for i in range(3))
    faint = darkness >= FAINT_INK
    pen_blue = (blue - red) >= BLUE_INK
    paper_area = max(1, int(np.count_nonzero(on_page)))
    dark, faint_strokes, blue_strokes = (_stroke_pixels(mask, line_height)
                                         for mask in (darkness >= DARK_INK, faint, faint & pen_blue))
    return dark / paper_area, faint_strokes / paper_area, blue_strokes / paper_area


def _printed_text(ink: np.ndarray, label_band: tuple[int, int], line_height: int) -> np.ndarray:
    """Pieces of printed characters in the box: a run of at least ``PRINTED_RUN`` components as
    tall as the label's characters at most, standing within the label's line (the next label of
    a two-column block that OCR lost, a printed date). Handwriting rises above and falls below it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    band_top, band_bottom = label_band
    slack = 0.3 * line_height
    inside = [index for index in range(1, count)
              if stats[index][1] >= band_top - slack and stats[index][1] + stats[index][3] <= band_bottom + slack
              and stats[index][3] >= 0.3 * line_height and stats[index][4] >= 6]
    inside.sort(key=lambda index: stats[index][0])
    printed = np.zeros(count, dtype=bool)
    run: list[int] = []
    for index in inside:
        if run and stats[index][0] - (stats[run[-1]][0] + stats[run[-1]][2]) > PRINTED_GAP * line_height:
            run = []
        run.append(index)
        if len(run) >= PRINTED_RUN:
            printed[run] = True
    return printed[labels]


def _red_ink(balanced: np.ndarray, darkness: np.ndarray) -> np.ndarray:
    """Seal and fingerprint ink: pixels whose darkness is mostly redness (red ink thinned by paper
    at a stroke's edge stays red in that proportion; grey print and blue pen do not), widened by a
    pixel for the fringes a JPEG blurs around them."""
    blue, green, red = (balanced[:, :, i] for i in range(3))
    redness = red - np.maximum(blue, green)
    red_ink = ((redness >= RED_SHARE * darkness) & (redness >= FAINT_INK / 2)).astype(np.uint8)
    return cv2.dilate(red_ink, np.ones((3, 3), np.uint8)) > 0


def _paper_balanced(crop: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """``crop`` (as float) with each channel scaled so that its ``paper`` pixels are neutral grey.
    A photo's light tints paper and ink alike: under a warm lamp blue ink's blue-minus-red falls
    by as much as the paper's, and under a cool one grey print turns blue."""
    image = crop.astype(np.float32)
    if not paper.any():
        return image
    sample = image[paper]
    reference = np.maximum(np.median(sample[:: max(1, len(sample) // 20000)], axis=0), 1.0)
    return image * (reference.mean() / reference)


def _paper(gray: np.ndarray, line_height: int) -> np.ndarray:
    """The paper around each pixel: the image with strokes thinner than two lines closed over."""
    size = _paper_window(line_height)
    return cv2.morphologyEx(gray, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))


def _paper_under_strokes(paper: np.ndarray, gray: np.ndarray, line_height: int) -> np.ndarray:
    """What ink is measured against: ``paper`` (the closing), but no brighter than the median
    around each pixel. A closing spreads a hard-rimmed glare spot over the dim paper beside it,
    which then read as a sure signature in an empty box; sparse strokes do not move a median."""
    return np.minimum(paper, cv2.medianBlur(gray, _paper_window(line_height)))


def _paper_window(line_height: int) -> int:
    """Side of the square that the paper is estimated over: wider than any pen stroke."""
    return max(15, 2 * line_height) | 1


def _on_page(paper: np.ndarray, line_height: int) -> np.ndarray:
    """Where the box lies on the page rather than on the desk beyond its edge (a page photographed
    near the frame's side): background within ``OFF_PAGE`` levels of the box's brightest paper,
    less a margin along the edge, whose blurred fall to the desk is no stroke either."""
    brightest = float(np.percentile(paper, 90))
    desk = (paper < brightest - OFF_PAGE).astype(np.uint8)
    margin = max(3, line_height // 4) | 1
    return cv2.dilate(desk, np.ones((margin, margin), np.uint8)) == 0


def _pen_tint(balanced: np.ndarray, darkness: np.ndarray, on_page: np.ndarray) -> float:
    """How much bluer than the paper the faint strokes are (median of blue minus red), in the box
    with its paper made neutral grey: grey strokes under a tinted light have no tint."""
    strokes = darkness >= FAINT_INK
    paper = on_page & ~strokes
    if not strokes.any() or not paper.any():
        return 0.0
    tint = balanced[:, :, 0] - balanced[:, :, 2]
    return float(np.median(tint[strokes]) - np.median(tint[paper]))


def _stroke_pixels(mask: np.ndarray, line_height: int) -> int:
    """Pixels in components that are strokes (``_stroke_mask``)."""
    return int(np.count_nonzero(_stroke_mask(mask, line_height)))


def _stroke_mask(mask: np.ndarray, line_height: int) -> np.ndarray:
    """Pixels in components that are strokes: not printed rules (straight underline,
    dashes, the steps of a slightly tilted line), not a border or page edge, not specks."""
    binary = mask.astype(np.uint8)
    rule = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, max(15, 3 * line_height)), np.uint8))
    # A table's cell border crossing the box upright: a pen's stroke is never that straight for
    # so long (a stroke shortened by it leaves less ink, never more).
    upright = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((max(15, round(VERTICAL_RULE * line_height)), 1), np.uint8))
    binary = cv2.subtract(binary, cv2.dilate(cv2.bitwise_or(rule, upright), np.ones((3, 3), np.uint8)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    flat = max(3, line_height // 6)
    keep = np.zeros(count, dtype=bool)
    for index in range(1, count):
        left, top, width, height, area = stats[index]
        border = height >= 0.9 * binary.shape[0] and width * 4 < height
        keep[index] = height > flat and not border and area >= 6 and not _straight_rule(
            labels[top:top + height, left:left + width] == index, line_height)
    return keep[labels]


def _straight_rule(component: np.ndarray, line_height: int) -> bool:
    """A long, thin, straight component (its bounding box's mask) at any slant: the underline of a
    page photographed a few degrees askew, whose steps the horizontal opening above leaves (3
    degrees read as signed)."""
    points = np.column_stack(np.nonzero(component)).astype(np.float32)
    (_, _), (side_a, side_b), _ = cv2.minAreaRect(points)
    return max(side_a, side_b) >= 3 * line_height and min(side_a, side_b) <= max(3, line_height / 4)


def _glare_over(image: np.ndarray, box_gray: np.ndarray) -> bool:
    """The box's paper is clearly brighter than the page's: faint ink there may be invisible."""
    page_paper = float(np.percentile(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), 75))
    box_paper = float(np.percentile(box_gray, 75))
    return box_paper - page_paper > GLARE
