"""OCR lines grouped into printed rows, and values found by their labels (after them on their
row, or under them on the next).

OCR merges a label with its value (姓名张伟) or splits one printed row into several boxes; both
become one row of text with each character traceable to its box, so a value can be cut between
its label and the next label and still be shown as a crop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from autopass.engines.base import Alternatives, TextLine
from autopass.reading.lines import text_slant
from autopass.reading.text import ARTICLE_NUMBER, clean, label_fragments


LABEL_NOISE = ":;,.、_|·'`"
"""Marks OCR reads inside a printed label (姓:名) from dust or an overprint stroke between its
characters: the label is still found."""

CELL_GAP = 1.5
"""Gap between two boxes of a row, in line heights, that separates two cells (a space between
words of one value is under one character)."""

CLAUSE_MARKS = ",。;、"
"""Punctuation of running text (after ``clean``: ，→, ；→;): a box that holds one is a clause, and
a label word inside it (本合同自借款人签字、贷款人盖章) is a word of the clause, not a label."""


@dataclass(frozen=True)
class Row:
    """One printed row: its text (cleaned, no spaces) and which line each character came from."""

    text: str
    owners: tuple[int, ...]  # owners[i] = index into `lines` of the character text[i]
    lines: tuple[TextLine, ...]
    alternatives: Alternatives = ()  # per character of text, when every line of it has them
    breaks: frozenset[int] = frozenset()  # where a box or a space-separated word starts or ends

    def stands_as_label(self, start: int, end: int) -> bool:
        """Whether text[start:end] stands where a label stands: before a colon, at the end of a
        box or word (its value in the next box), or anywhere in a box that is no clause (性别男民族汉
        read as one box, 借款人张伟); never inside running text, nor at its start (借款人确认，…),
        nor in a box a clause's number heads (第二条借款人已…, read only in part: no comma yet)."""
        box = self.box_text(start)
        if ARTICLE_NUMBER.match(box):
            return False
        if end in self.breaks or self.text[end : end + 1] == ":":
            return True
        return not any(mark in box for mark in CLAUSE_MARKS)

    def box_text(self, index: int) -> str:
        """The text of the box (one OCR line) that holds text[index]."""
        box = self.owners[index]
        first, count = self.owners.index(box), self.owners.count(box)
        return self.text[first : first + count]

    def box(self, start: int, end: int) -> list[int] | None:
        """[x, y, w, h] around the lines that hold text[start:end]."""
        used = {self.owners[i] for i in range(start, min(end, len(self.owners)))}
        return union_box(self.lines[i] for i in used) if used else None

    def confidence(self, start: int, end: int) -> float:
        used = {self.owners[i] for i in range(start, min(end, len(self.owners)))}
        return min((self.lines[i].confidence for i in used), default=0.0)

    def x_of(self, index: int) -> float:
        """Where character ``index`` starts, spreading each line's width over its characters."""
        owner = self.owners[min(index, len(self.owners) - 1)]
        first = self.owners.index(owner)
        count = self.owners.count(owner)
        x, _, width, _ = self.lines[owner].bounds
        return x + width * (index - first) / max(1, count)

    @property
    def top(self) -> float:
        return min(line.bounds[1] for line in self.lines)

    @property
    def bottom(self) -> float:
        return max(line.bounds[1] + line.bounds[3] for line in self.lines)

    @property
    def left(self) -> float:
        return min(line.bounds[0] for line in self.lines)


@dataclass(frozen=True)
class Found:
    """A value cut out of a row: its text and where it came from."""

    text: str
    row_index: int
    start: int
    end: int
    row: Row

    @property
    def box(self) -> list[int] | None:
        return self.row.box(self.start, self.end)

    @property
    def confidence(self) -> float:
        return self.row.confidence(self.start, self.end) if self.end > self.start else 0.0

    @property
    def alternatives(self) -> Alternatives:
        """Per character of ``text``, the recogniser's likeliest readings (empty if unknown)."""
        return self.row.alternatives[self.start : self.end] if self.row.alternatives else ()

    def first_cell(self) -> Found:
        """The value up to the first wide gap between its boxes: what follows is the next table
        cell, whose label OCR missed (姓名 林梅丽 … 女: the 性别 between them was not found)."""
        row = self.row
        for index in range(self.start + 1, self.end):
            before, after = row.owners[index - 1], row.owners[index]
            if before == after:
                continue
            left, right = row.lines[before].bounds, row.lines[after].bounds
            if right[0] - (left[0] + left[2]) > CELL_GAP * min(left[3], right[3]):
                return replace(self, text=row.text[self.start : index], end=index)
        return self


def union_box(lines: Iterable[TextLine]) -> list[int] | None:
    bounds = [line.bounds for line in lines]
    if not bounds:
        return None
    left = min(b[0] for b in bounds)
    top = min(b[1] for b in bounds)
    right = max(b[0] + b[2] for b in bounds)
    bottom = max(b[1] + b[3] for b in bounds)
    return [int(left), int(top), int(right - left), int(bottom - top)]


MAX_ROW_SLOPE = 0.1
"""Steepest residual tilt (about 6 degrees) that rows are followed along; steeper lines are noise."""


def build_rows(lines: Sequence[TextLine], vocabulary: Sequence[str] = ()) -> list[Row]:
    """Lines whose centres are close across the page's text direction form one row, read left to
    right. A page photographed slightly askew keeps a small tilt after straightening; across a
    wide table row (购买方名称 … 身份证号码) that tilt is more than the gap between two rows.

    ``vocabulary``: the document's printed labels; a label broken over lines of its cell is joined
    first (``join_broken_labels``)."""
    if vocabulary:
        lines = join_broken_labels(lines, vocabulary)
    slope = _row_slope(lines)

    def level(line: TextLine) -> float:
        x, y, w, h = line.bounds
        return y + h / 2 - slope * (x + w / 2)

    groups: list[list[TextLine]] = []
    for line in sorted(lines, key=level):
        if groups:
            last = groups[-1]
            last_level = sum(level(l) for l in last) / len(last)
            last_height = sum(l.bounds[3] for l in last) / len(last)
            if abs(level(line) - last_level) < 0.5 * min(line.bounds[3], last_height):
                last.append(line)
                continue
        groups.append([line])
    return [row_of(_left_to_right(group)) for group in groups]


STACK_GAP = 1.2
"""Largest gap, in line heights, between two lines of one label broken over its table cell (购买方
over 名称, or one character a line: 购 over 买 over 方...)."""
STACK_LINES = 8
"""Most lines one broken label is joined from (a label of eight characters, one a line)."""


def join_broken_labels(lines: Sequence[TextLine], vocabulary: Sequence[str]) -> list[TextLine]:
    """``lines`` with each label broken over lines of its cell (购买方 over 名称, 购 over 买 over 方 over
    名 over 称) joined into one line, and a label printed downwards in one tall box (购买方名称 read
    from top to bottom) laid on its row: a line that together holds a label of ``vocabulary``
    (``is_label_text``) where no one of them alone holds it whole. The joined line stands on the
    row of the line right of it whose middle lies within the label's height (the value beside it
    in the next cell); with none there, it spans the lines it was joined from (a value under it)."""
    words = {clean(word) for word in vocabulary if clean(word)}
    pieces = {fragment.piece for fragment in label_fragments(sorted(words))}
    ordered = sorted(lines, key=lambda line: (line.bounds[1], line.bounds[0]))
    used: set[int] = set()
    stacks: list[list[int]] = []
    for first in range(len(ordered)):
        if first in used:
            continue
        chain, best = [first], None
        while len(chain) < STACK_LINES:
            below = _next_in_stack(ordered, chain[-1], used | set(chain))
            if below is None:
                break
            chain.append(below)
            if is_label_text("".join(clean(ordered[i].text) for i in chain), words, pieces):
                best = list(chain)
        alone = ordered[first]
        standing = alone.bounds[3] >= 1.5 * alone.bounds[2] and len(clean(alone.text)) >= 2
        if best is None and standing and is_label_text(clean(alone.text), words, pieces):
            best = [first]
        if best is not None:
            stacks.append(best)
            used.update(best)
    if not stacks:
        return list(lines)
    joined = [_joined_label([ordered[i] for i in stack], [ordered[i] for i in range(len(ordered)) if i not in used])
              for stack in stacks]
    return [*(line for i, line in enumerate(ordered) if i not in used), *joined]


def is_label_text(text: str, words: set[str], pieces: set[str]) -> bool:
    """Whether ``text`` is a label of ``words`` as printed: one of them, with a bracketed qualifier
    after it ((人), (元)), or with label words around it (借款本金金额: 借款本金 and 金额, two
    characters of 贷款金额) - never with characters no label of the document holds, nor with a
    second label (姓名 over 性别 are two rows' labels, not one)."""
    text = re.sub(r"\([^)]{1,4}\)$", "", text)
    if text in words:
        return True
    for word in sorted(words, key=len, reverse=True):
        at = text.find(word)
        if at >= 0 and len(word) >= 2:
            return all(_label_words_only(part, words, pieces) for part in (text[:at], text[at + len(word):]))
    return False


def _label_words_only(text: str, words: set[str], pieces: set[str]) -> bool:
    """Whether ``text`` is made of two-character pieces of labels (金额), none a label itself."""
    chunks = [text[i : i + 2] for i in range(0, len(text), 2)]
    return len(text) % 2 == 0 and all(chunk in pieces for chunk in chunks) \
        and not any(word in text for word in words)


def _next_in_stack(lines: Sequence[TextLine], index: int, taken: set[int]) -> int | None:
    """The line right under ``lines[index]`` in its column (overlapping it across, its top within
    ``STACK_GAP`` line heights of its bottom), if one."""
    x, y, width, height = lines[index].bounds
    best = None
    for other, line in enumerate(lines):
        if other in taken:
            continue
        ox, oy, ow, oh = line.bounds
        overlap = min(x + width, ox + ow) - max(x, ox)
        gap = oy - (y + height)
        size = min(width, height, ow, oh)  # a character's size, whichever way the text runs
        if overlap > 0.5 * min(width, ow) and -0.5 * size <= gap <= STACK_GAP * max(size, 1) \
                and oy > y and (best is None or oy < lines[best].bounds[1]):
            best = other
    return best


def _joined_label(stack: Sequence[TextLine], others: Sequence[TextLine]) -> TextLine:
    """One line of the label held by ``stack`` (top to bottom), on the row of the line right of it."""
    left, top, width, height = union_box(stack) or [0, 0, 0, 0]
    right, bottom = left + width, top + height
    beside = [line for line in others
              if line.bounds[0] >= left + 0.5 * width
              and top <= line.bounds[1] + line.bounds[3] / 2 <= bottom]
    if beside:
        nearest = min(beside, key=lambda line: line.bounds[0])
        top, bottom = nearest.bounds[1], nearest.bounds[1] + nearest.bounds[3]
    alternatives = tuple(option for line in stack for option in line.alternatives) \
        if all(len(line.alternatives) == len(line.text) for line in stack) else ()
    return TextLine(text="".join(line.text for line in stack),
                    confidence=min(line.confidence for line in stack),
                    box=((left, top), (right, top), (right, bottom), (left, bottom)),
                    alternatives=alternatives)


def _row_slope(lines: Sequence[TextLine]) -> float:
    """The lines' common tilt as dy/dx; 0 when they show none or one too steep to be a tilt."""
    slope = math.tan(math.radians(text_slant([line.box for line in lines])))
    return slope if abs(slope) <= MAX_ROW_SLOPE else 0.0


def _left_to_right(lines: list[TextLine]) -> list[TextLine]:
    """Left to right; a line wrapped under another in the same cell (码 under 身份证号) follows it."""
    ordered = sorted(lines, key=lambda line: line.bounds[0])
    changed = True
    while changed:
        changed = False
        for i in range(len(ordered) - 1):
            a, b = ordered[i].bounds, ordered[i + 1].bounds
            overlap = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
            if overlap > 0.5 * min(a[2], b[2]) and a[1] > b[1]:
                ordered[i], ordered[i + 1] = ordered[i + 1], ordered[i]
                changed = True
    return ordered


def row_of(lines: list[TextLine]) -> Row:
    text, owners, alternatives, breaks = [], [], [], set()
    for index, line in enumerate(lines):
        piece = clean(line.text)
        breaks.update(len(owners) + at for at in _word_breaks(line.text, piece))
        text.append(piece)
        owners.extend([index] * len(piece))
        alternatives.extend(_cleaned_alternatives(line, piece))
    whole = len(alternatives) == len(owners)
    return Row(text="".join(text), owners=tuple(owners), lines=tuple(lines),
               alternatives=tuple(alternatives) if whole else (), breaks=frozenset(breaks))


def _word_breaks(raw: str, piece: str) -> set[int]:
    """Offsets in ``piece`` (``raw`` cleaned) where a box or a word separated by spaces starts or
    ends (借款人 张伟: 0, 3, 5)."""
    breaks, at = {0, len(piece)}, 0
    for word in raw.split():
        at += len(clean(word))
        breaks.add(at)
    return breaks if at == len(piece) else {0, len(piece)}


@lru_cache(maxsize=8192)
def _clean_character(character: str) -> str:
    return clean(character)


def _cleaned_alternatives(line: TextLine, piece: str) -> Alternatives:
    """The line's alternatives cleaned as its text was (``piece``), or none if they do not align."""
    kept = tuple(
        tuple((_clean_character(c) or c, p) for c, p in options)
        for character, options in zip(line.text, line.alternatives, strict=False)
        if _clean_character(character)
    )
    aligned = len(kept) == len(piece) and all(o[0][0] == ch for o, ch in zip(kept, piece, strict=True))
    return kept if aligned else ()


def label_places(
    rows: Sequence[Row], labels: Sequence[str], others: Sequence[str] = ()
) -> list[tuple[int, int, int]]:
    """(row index, label start, label end) of each label found, in order of preference.

    Labels are tried longest first (借款人姓名 before 借款人); a long label whose last characters
    wrapped onto the next line of its table cell (身份证号码/组织机构代|码) is still found. A
    label counts only where it stands as one (``Row.stands_as_label``: not a word of a clause) and
    is no piece of a longer label of the document's vocabulary (``labels`` and ``others``:
    借款人 inside 借款人名称 or 借款人(签字) is not the label 借款人). A misread label is never one
    of ``others``, the document's other labels, printed right (发票代码 is one character from 发票号码).
    """
    places: list[tuple[int, int, int]] = []
    ordered = sorted(dict.fromkeys(clean(label) for label in labels), key=len, reverse=True)
    vocabulary = {word for word in (*ordered, *(clean(other) for other in others)) if word}
    pieces = {fragment.piece for fragment in label_fragments(sorted(vocabulary))}
    for label in ordered:
        longer = [word for word in vocabulary if len(word) > len(label) and label in word]
        for cut in range(3 if len(label) >= 6 else 1):
            pattern = _label_pattern(label[: len(label) - cut])
            hits = [(i, match) for i, row in enumerate(rows)
                    for match in pattern.finditer(row.text)
                    if row.stands_as_label(match.start(), match.end())
                    and not _inside_longer(row.text, match.start(), match.end(), longer)]
            if hits:
                places.extend((i, match.start(), _through_label_words(rows[i], match.end(), vocabulary, pieces))
                              for i, match in hits)
                break
    if not places:
        # OCR misread one character of the label (购买方名称 -> 私买方名称, 开票日期 -> 开票月期).
        printed = {clean(other) for other in others} - set(ordered)
        for label in ordered:
            places.extend(_near_misses(rows, label, printed))
    return places


def _through_label_words(row: Row, end: int, words: set[str], pieces: set[str]) -> int:
    """Where a label found ending at ``end`` ends with the label words printed after it in its box
    (借款本金金额: 借款本金, then 金额, two characters of 贷款金额), up to the box's end, a colon or a
    bracket; else ``end``. A label word is never a value."""
    box = row.owners[end - 1]
    stop = end
    while row.text[stop : stop + 2] in pieces and row.text[stop : stop + 2] not in words \
            and row.owners[stop : stop + 2] == (box, box):
        stop += 2
    ends_there = stop in row.breaks or stop == len(row.text) or row.text[stop] in ":("
    return stop if stop > end and ends_there else end


def _inside_longer(text: str, start: int, end: int, longer: Sequence[str]) -> bool:
    """Whether text[start:end] is part of one of the ``longer`` labels printed around it."""
    for word in longer:
        at = text.find(word, max(0, end - len(word)))
        while 0 <= at <= start:
            if at + len(word) >= end:
                return True
            at = text.find(word, at + 1)
    return False


def _label_pattern(label: str) -> re.Pattern[str]:
    """``label`` with at most one stray mark between any two of its characters."""
    noise = f"[{re.escape(LABEL_NOISE)}]?"
    return re.compile(noise.join(re.escape(ch) for ch in label))


def _near_misses(rows: Sequence[Row], label: str, printed: set[str]) -> list[tuple[int, int, int]]:
    """Places where ``label`` (4 characters or more) is printed with one character misread, or
    with up to half its characters misread as ones whose runners-up are the label's (购天方名种:
    天 with 买 second, 种 with 称 third); not where the characters that differ are those of
    another label printed right (贷款人名称 is the lender's, not 借款人名称 misread)."""
    if len(label) < 4:
        return []
    found = []
    for index, row in enumerate(rows):
        others = [(at, at + len(word)) for word in printed if word
                  for at in range(len(row.text)) if row.text.startswith(word, at)]
        for start in range(len(row.text) - len(label) + 1):
            window = row.text[start : start + len(label)]
            if window in printed:
                continue
            differing = [i for i, (a, b) in enumerate(zip(window, label, strict=True)) if a != b]
            misread = [i for i in differing if not _runner_up(row, start + i, label[i])]
            if any(begin <= start + i < end for i in differing for begin, end in others):
                continue
            if len(misread) <= 1 and 0 < len(differing) <= max(1, len(label) // 2):
                found.append((index, start, start + len(label)))
                break
    return found


def _runner_up(row: Row, position: int, character: str) -> bool:
    """Whether the recogniser's runners-up for the row's character at ``position`` hold ``character``."""
    if position >= len(row.alternatives):
        return False
    return any(candidate == character for candidate, _ in row.alternatives[position][1:])


def value_after(
    rows: Sequence[Row],
    labels: Sequence[str],
    stops: Sequence[str],
    *,
    below: bool = False,
    accept: Callable[[Found], bool] | None = None,
    sentence: Callable[[Found], bool] | None = None,
) -> Found | None:
    """The text after a label on its row, up to the next of ``stops`` (other labels); with
    ``below``, where nothing stands there, the text under the label on the next row.

    The first value found that is not empty (and that ``accept`` takes: a label word is not a
    name) wins; else the first found, empty or refused, so that its place is known. A label
    whose own box goes on as ``sentence`` says (第二条 借款人已仔细阅读…) is a word of that
    sentence: neither what follows it nor what lies under it is its value.
    """
    fallback: Found | None = None
    stop_texts = [s for s in dict.fromkeys(clean(stop) for stop in stops) if s]
    for index, start, end in label_places(rows, labels, stop_texts):
        right = _right_of(rows, index, end, stop_texts)
        row = rows[index]
        if sentence is not None and right.text and right.start < len(row.owners) \
                and row.owners[right.start] == row.owners[end - 1] and sentence(right):
            continue
        candidates = [right]
        if below:
            candidates.append(_under(rows, index, start, end, stop_texts))
        for found in candidates:
            if found is None:
                continue
            if found.text and (accept is None or accept(found)):
                return found
            fallback = fallback or found
    return fallback


def _right_of(rows: Sequence[Row], index: int, label_end: int, stops: Sequence[str]) -> Found:
    """What follows the label on its row (the same cell or the next), up to the next stop."""
    return _cut(rows[index], index, label_end, len(rows[index].text), stops, after_label=True)


def _cut(row: Row, index: int, start: int, end: int, stops: Sequence[str], *,
         after_label: bool = False) -> Found:
    """row.text[start:end] without the marks that follow a label, nor (``after_label``) the
    label's bracketed qualifier (借款人(甲方), 价税合计(大写): one misread, 借款人(印方), is still
    no value), and up to the first stop."""
    while start < end and row.text[start] in ":;,.、_|":
        start += 1
    if after_label and (qualified := after_qualifier(row.text[:end], start)) > start:
        start = qualified
        while start < end and row.text[start] in ":;,.、_|":
            start += 1
    for stop in stops:
        position = row.text.find(stop, start, end)
        if position >= start:
            end = min(end, position)  # at ``start``: the cell is empty, the next label follows
    return Found(text=row.text[start:end], row_index=index, start=start, end=end, row=row)


QUALIFIER_LENGTH = 4
"""Most characters in brackets after a label that qualify it ((甲方), (大写), (签字)) rather than
begin its value."""

def after_qualifier(text: str, end: int) -> int:
    """Where a label ending at ``end`` ends with its bracketed qualifier ((甲方), (按手印)), if
    one follows it; else ``end``."""
    close = text.find(")", end, end + QUALIFIER_LENGTH + 2)
    return close + 1 if text[end : end + 1] == "(" and close > end else end


ROWS_APART = 1.5
"""Largest gap, in label heights, between a label and the row printed under it that holds its
value (a table's next row, the next line of a form)."""


def _under(rows: Sequence[Row], index: int, start: int, end: int, stops: Sequence[str]) -> Found | None:
    """The value printed under a label (客户姓名 over 张伟, a table's heading over its cell): the
    first lines of the next row down that stand in the label's column, up to a cell gap or a stop."""
    label_row = rows[index]
    left, right = label_row.x_of(start), _x_end(label_row, end)
    height = label_row.lines[label_row.owners[start]].bounds[3]
    for below_index in range(index + 1, len(rows)):
        row = rows[below_index]
        if row.top - label_row.bottom > ROWS_APART * height:
            return None
        column = [i for i, line in enumerate(row.lines)
                  if line.bounds[0] < right and line.bounds[0] + line.bounds[2] > left]
        if not column:
            continue
        first = last = column[0]
        while last + 1 < len(row.lines) and _gap(row.lines[last], row.lines[last + 1]) <= CELL_GAP * height:
            last += 1
        begin = row.owners.index(first) if first in row.owners else len(row.text)
        finish = len(row.owners) - row.owners[::-1].index(last) if last in row.owners else begin
        return _cut(row, below_index, begin, finish, stops)
    return None


def _x_end(row: Row, end: int) -> float:
    """Where the character before ``end`` ends."""
    line = row.lines[row.owners[end - 1]]
    if end < len(row.owners) and row.owners[end] == row.owners[end - 1]:
        return row.x_of(end)
    return line.bounds[0] + line.bounds[2]


def _gap(left: TextLine, right: TextLine) -> float:
    return right.bounds[0] - (left.bounds[0] + left.bounds[2])
