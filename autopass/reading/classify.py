"""Which CONTRACT §2 document a page shows, from its printed text and a few image cues.

Keywords come from ``standards/documents/<type>.yaml`` (one place). A keyword printed on several
types (姓名 on the ID card and the licence) weighs less than one printed on a single type
(公民身份号码), so titles decide and shared labels only confirm. The rest of a type's vocabulary
(its labels, other labels and signing words) counts too, at ``LABEL_WEIGHT``: another lender's
contract with a heading of its own (汽车融资服务协议书) still prints 甲方, 借款金额, 客户签名.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from autopass.banks import BANKS_BY_BIN
from autopass.documents import DocumentType
from autopass.engines.base import TextLine
from autopass.reading.lines import quad_width
from autopass.reading.text import DIGIT_LOOKALIKES, PLAUSIBLE_YEARS, clean
from autopass.standards import DocumentSpec
from autopass.validators import ID_NUMBER_SHAPE, id_birth_date, is_bank_card_number

SELFIE_MAX_CHARACTERS = 12
"""A face photo carries almost no text; a card with a portrait carries dozens of characters."""
SUBJECT_FACE_SHARE = 0.10
"""The smallest face (share of the photo's height) that is a photo's subject. Measured on generated
dossiers: signing photos' faces 0.12 and up (a person across a desk, seen in a crop of the photo);
smaller ones were a fingertip found as a face on a bank card (0.054) and an ID card's portrait on
a blurred photo of the card (0.087)."""
SELFIE_FACE_SHARE = 0.15
"""One face this large on a photo that is no card and bears no document keyword is the photo's
subject: a selfie, whatever watermark is stamped on it (with more text, a larger face is asked:
an ID card photographed whole shows its portrait at 0.10-0.15)."""
UNREAD_LINES_OF_A_DOCUMENT = 3
"""Text lines found but unreadable, from which a face with almost no text read is no sure selfie:
a document's print, blurred (an ID card front photographed badly showed 5-6). Measured on
generated signing photos: at most 1 (normal), 2 (hard difficulty)."""
SELFIE_WATERMARK_CHARACTERS = 160
"""Most text a signing photo's watermark carries (time, GPS place, dealer, salesperson)."""
TITLE_CONFIDENCE = 0.99
"""A document whose printed title (its first keyword) was read, and no other title: settled."""
TITLE_PRINT = 0.75
"""A title heading its document is printed at least this share of the page's largest print (the
ID card back's 居民身份证 is its largest; on a contract the heading is, and body text is ~0.6 of it)."""
VALUE_MARKS = (":", "/")
"""What stands between a label and its value, or between the parts of one value: a title has
neither beside it."""
BANK_NAMES = sorted(set(BANKS_BY_BIN.values()), key=len, reverse=True)
LABEL_WEIGHT = 0.5
"""What a label of a type's vocabulary weighs against a keyword of the same length."""
LABELS_ALONE = 1.5
"""Weight of labels that makes a page of their type without any keyword (three labels of its own)."""


@dataclass(frozen=True)
class ImageCues:
    """What the picture itself says, beside its text."""

    faces: int | None = None  # faces found (None: not looked for)
    face_share: float | None = None  # height of the largest face / height of the image
    aspect: float | None = None  # long side / short side of the straightened document
    is_card: bool = False
    unread_lines: int = 0  # text lines found that the recogniser could not read (blur, darkness)


def classify(
    lines: Sequence[TextLine], cues: ImageCues, specs: dict[DocumentType, DocumentSpec]
) -> tuple[DocumentType, float]:
    """The document type and how sure we are, in [0, 1] (low = ask a human)."""
    text = page_text(lines)
    keyword_scores = _keyword_scores(text, specs)
    keyword_scores[DocumentType.BANK_CARD] = keyword_scores.get(DocumentType.BANK_CARD, 0.0) + _bank_card_cues(text)
    label_scores = _label_scores(text, specs)
    scores = {t: keyword_scores.get(t, 0.0) + label_scores.get(t, 0.0) for t in {*keyword_scores, *label_scores}}
    # A type is in the running on a keyword's worth of its keywords, or on labels alone enough.
    eligible = [t for t in scores
                if keyword_scores.get(t, 0.0) >= 1.0 or label_scores.get(t, 0.0) >= LABELS_ALONE]
    if not eligible:
        return _without_keywords(text, cues)
    best_type = max(eligible, key=lambda t: scores[t])
    best = scores[best_type]
    runner_up = max((score for t, score in scores.items() if t != best_type), default=0.0)
    headings = page_text(_title_sized(lines))
    titles_found = [t for t, spec in specs.items()
                    if spec.printed_title and _title_in(clean(spec.printed_title), _title_text(spec, text, headings))]
    if len(titles_found) == 1:
        return titles_found[0], TITLE_CONFIDENCE  # its own printed title, and no other's
    margin = (best - runner_up) / best
    strength = min(1.0, best / 2.5)
    return best_type, round(min(0.995, 0.5 + 0.5 * margin * strength + 0.1 * strength), 3)


def _title_sized(lines: Sequence[TextLine]) -> list[TextLine]:
    """The lines printed about as large as the page's largest: where a title heading its
    document stands."""
    sizes = [print_size(line) for line in lines]
    largest = max(sizes, default=0.0)
    return [line for line, size in zip(lines, sizes, strict=True) if size >= TITLE_PRINT * largest]


def print_size(line: TextLine) -> float:
    """How large a line is printed: its length along the text per character (a Han character is
    as wide as it is tall, a digit or a letter about half). Not its box's height, which the
    detector pads more on small print than on large."""
    text = clean(line.text)
    widths = sum(1.0 if "\u4e00" <= ch <= "\u9fff" else 0.55 for ch in text)
    return quad_width(line.box) / widths if widths else 0.0


def _title_text(spec: DocumentSpec, text: str, headings: str) -> str:
    """Where ``spec``'s title may be found: for a document whose title heads it (``title_at_top``),
    the page's largest print only (a contract's table cell 证件类型 | 居民身份证 is body text, not an
    ID card back's title); for others (借记卡 anywhere on a bank card), the whole page."""
    return headings if spec.orientation is not None and spec.orientation.title_at_top else text


def _title_in(title: str, text: str) -> bool:
    """The printed title is in the text, allowing one misread or dropped character in a long
    title (机动车销售统二发票, 机动车销售统发票), and standing as a title: never beside a colon or
    a slash, never right before an ID number (证件类型：居民身份证, 张伟/居民身份证/3702…, a cell's
    居民身份证 330106… are values; 公民身份号码： is a label)."""
    return any(text[start - 1:start] not in VALUE_MARKS and text[end:end + 1] not in VALUE_MARKS
               and not ID_NUMBER_SHAPE.match(text, end)
               for start, end in _title_spans(title, text))


def _title_spans(title: str, text: str) -> Iterator[tuple[int, int]]:
    """Where the title, or a long title with one character misread or dropped, is printed."""
    for found in re.finditer(re.escape(title), text):
        yield found.start(), found.end()
    if len(title) < 6:
        return
    for gap in range(1, len(title) - 1):
        for found in re.finditer(re.escape(title[:gap] + title[gap + 1:]), text):
            yield found.start(), found.end()  # one character dropped inside (机动车销售统发票)
    for start in range(len(text) - len(title) + 1):
        if sum(a != b for a, b in zip(title, text[start:start + len(title)])) <= 1:
            yield start, start + len(title)


def page_text(lines: Sequence[TextLine]) -> str:
    """The lines' text run together and cleaned: what a page is classified by."""
    return clean("".join(line.text for line in lines))


def _keyword_scores(text: str, specs: dict[DocumentType, DocumentSpec]) -> dict[DocumentType, float]:
    keywords = {document_type: {clean(k) for k in spec.keywords}
                for document_type, spec in specs.items()}
    owners: dict[str, int] = {}
    for own in keywords.values():
        for keyword in own:
            owners[keyword] = owners.get(keyword, 0) + 1
    scores: dict[DocumentType, float] = {}
    for document_type, own in keywords.items():
        total = 0.0
        for keyword in own:
            # Long keywords are titles: more distinctive than a two-character label.
            weight = min(2.0, len(keyword) / 3)
            longer = [k for theirs in keywords.values() if theirs is not own
                      for k in theirs if keyword in k and k != keyword]
            if keyword in text and not _read_as_part_of(keyword, text, longer):
                total += weight / owners[keyword]
            elif (half := _half_found(keyword, text)) is not None:
                # Half a title says as little as the types whose keywords hold it: 机动车 begins
                # the licence's, the invoice's and the registration's, 机动车销 only the invoice's.
                holders = sum(any(half in k for k in theirs) for theirs in keywords.values())
                total += 0.5 * weight / holders
        if total:
            scores[document_type] = total
    return scores


def _label_scores(text: str, specs: dict[DocumentType, DocumentSpec]) -> dict[DocumentType, float]:
    """Each type's vocabulary beside its keywords (``DocumentSpec.vocabulary``) found on the page:
    ``LABEL_WEIGHT`` for a label as long as a keyword, shared among the types whose words hold it
    (日期 is in 开票日期 and 登记日期 too), none where it is read as part of another type's longer
    word (名称 in 购买方名称)."""
    keywords = {clean(k) for spec in specs.values() for k in spec.keywords}
    vocabulary = {document_type: {clean(w) for w in spec.vocabulary if clean(w)} - keywords
                  for document_type, spec in specs.items()}
    every = {document_type: own | {clean(k) for k in specs[document_type].keywords}
             for document_type, own in vocabulary.items()}
    scores: dict[DocumentType, float] = {}
    for document_type, own in vocabulary.items():
        found = [word for word in own if word in text and len(word) >= 2]
        # A word inside a longer one found of the same type is that one (借款人 in 借款人姓名).
        found = [word for word in found if not any(word in other and word != other for other in found)]
        total = 0.0
        for word in found:
            longer = [k for t, theirs in every.items() if t != document_type for k in theirs
                      if word in k and k != word]
            if _read_as_part_of(word, text, longer):
                continue
            holders = sum(any(word in k for k in theirs) for theirs in every.values())
            total += LABEL_WEIGHT * min(2.0, len(word) / 3) / max(1, holders)
        if total:
            scores[document_type] = total
    return scores


CONTINUED = 2
"""Characters of a longer keyword read on beside a shorter one that make it that keyword's (one
of them may be misread: 中华人民共和国机装车…, 中华人民共和国科动…)."""


def _read_as_part_of(keyword: str, text: str, longer: Sequence[str]) -> bool:
    """Wherever ``keyword`` is in the text, it goes on as one of ``longer`` (another type's
    keywords that hold it) does: 中华人民共和国 followed by 机动车 begins a licence's title (its
    驾驶证 misread), not the heading of an ID card's back."""

    def goes_on(start: int) -> bool:
        for other in longer:
            at = other.find(keyword)
            before, after = other[:at][-CONTINUED:], other[at + len(keyword):][:CONTINUED]
            end = start + len(keyword)
            if _nearly(after, text[end : end + len(after)]) or \
                    _nearly(before, text[max(0, start - len(before)) : start]):
                return True
        return False

    starts = [match.start() for match in re.finditer(re.escape(keyword), text)]
    return bool(starts) and all(goes_on(start) for start in starts)


def _nearly(expected: str, read: str) -> bool:
    """``read`` is ``expected`` (not empty) with at most one character misread."""
    return bool(expected) and len(read) == len(expected) and \
        sum(a != b for a, b in zip(expected, read, strict=True)) <= 1


def _half_found(keyword: str, text: str) -> str | None:
    """A half of a long keyword that is in the text (OCR dropped or misread a character of the
    other half), if any."""
    if len(keyword) < 4:
        return None
    halves = keyword[: len(keyword) // 2], keyword[len(keyword) // 2 :]
    return next((half for half in halves if len(half) >= 3 and half in text), None)


def _bank_card_cues(text: str) -> float:
    """A bank's name and a card number (``is_bank_card_number``): a bank card, even without 银联.
    A number shaped like an ID number is none: ID numbers pass Luhn 1 time in 10."""
    score = 0.0
    if any(name in text for name in BANK_NAMES) or "银行" in text:
        score += 1.0
    digits = re.sub(r"[\s]", "", text)
    # A whole run: the start of the lines' digits run together (ID number, then a date) is none.
    if any(is_bank_card_number(m) and not _shaped_like_an_id_number(m)
           for m in re.findall(r"(?<!\d)\d{16,19}(?!\d)", digits)):
        score += 1.5
    if len(text) > 120:
        score *= 0.3  # a contract or invoice names banks and long numbers too
    return score


def _shaped_like_an_id_number(number: str) -> bool:
    """17-18 digits with a birth date at digits 7-14: an ID number, even with a digit misread or
    lost (its check digit failing), and with a 0 of its month or day read as 8 or back (1985-88-04,
    the recogniser's commonest confusion in small print); a card number of that length holds such a
    date about 1 time in 500."""
    if len(number) not in (17, 18):
        return False
    month_and_day = ((digit, DIGIT_LOOKALIKES.get(digit, digit)) for digit in number[10:14])
    return any(_born_in_plausible_year(number[:10] + "".join(read)) for read in
               itertools.product(*month_and_day))


def _born_in_plausible_year(number: str) -> bool:
    born = id_birth_date(number)
    return born is not None and born.year in PLAUSIBLE_YEARS


def _one_face_of_at_least(cues: ImageCues, share: float) -> bool:
    """One face, at least ``share`` of the photo's height: a selfie's subject. (A card-shaped
    crop is no counter-sign on its own: a region of a signing photo can be card-shaped.)"""
    return cues.faces == 1 and (cues.face_share or 0.0) >= share


_LONG_NUMBER = re.compile(r"[0-9A-Za-z]{15,}")
"""An ID, licence or card number (15-19 digits, a few perhaps misread as letters:
310115198N07117305); a selfie's watermark holds dates and times only."""
LONG_NUMBER_DIGITS = 13
"""Digits a run of 15 or more letters and digits holds when it is such a number."""


def holds_a_long_number(text: str) -> bool:
    """An ID, licence or card number is among a page's text (``page_text``, no spaces left): what
    no selfie's watermark holds."""
    runs = _LONG_NUMBER.findall(text)
    return any(sum(ch.isdigit() for ch in run) >= LONG_NUMBER_DIGITS for run in runs)


def _without_keywords(text: str, cues: ImageCues) -> tuple[DocumentType, float]:
    """No printed keyword: a face with little text is a selfie; anything else is `other`."""
    if cues.faces and holds_a_long_number(text):
        # A face beside an ID or card number: an ID card or licence whose labels are unreadable
        # (dark, blurred), never a selfie for sure: a person looks.
        return DocumentType.OTHER, 0.5
    if cues.faces and len(text) <= 4 * SELFIE_MAX_CHARACTERS:
        sure = _one_face_of_at_least(cues, SUBJECT_FACE_SHARE) \
            and cues.unread_lines < UNREAD_LINES_OF_A_DOCUMENT
        return DocumentType.SELFIE, 0.95 if sure else 0.7
    if not cues.is_card and _one_face_of_at_least(cues, SELFIE_FACE_SHARE) \
            and len(text) <= SELFIE_WATERMARK_CHARACTERS:
        return DocumentType.SELFIE, 0.95  # a signing photo stamped with time, place and dealer
    if cues.faces:
        return DocumentType.SELFIE, 0.6
    if len(text) <= SELFIE_MAX_CHARACTERS and cues.faces is None:
        return DocumentType.OTHER, 0.4
    return DocumentType.OTHER, 0.6 if len(text) > 40 else 0.5
