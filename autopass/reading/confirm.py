"""Reading a value again knowing what it should say: does the image support it?

When the application and the ID card agree on a number and the contract's small print was misread,
a person does not read the contract from scratch: they look whether it says that number. This is
the machine's version. A CTC recogniser gives, for each horizontal step of a text line, the
probability of every character (and of "nothing", the blank); the likelihood of any given text on
that line follows by dynamic programming (the text is *spotted*: anything may stand before and
after it, such as a label).

A value is confirmed only when the image supports it clearly better than every text one character
away (each character exchanged for any character the recogniser saw on the line, two neighbours
swapped): a defect printed one digit off, or a look-alike name, loses against its own
neighbour and stays a question for a person. Where the kind has a check digit, only texts that
pass it compete (a printed ID number is valid): the nearest lie two characters away.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from autopass.dossier import FieldValue
from autopass.engines.base import LineProbabilities, OcrEngine, TextLine
from autopass.reading.layout import ROWS_APART, build_rows, label_places
from autopass.reading.lines import line_image
from autopass.standards import DocumentSpec

CONFIRMABLE_KINDS = ("id_number", "vin", "text", "name", "card_number", "amount")
"""Field kinds whose value has a printed form to look for (``printed_forms``); dates are written
too many ways."""
MIN_SCORE = -8.0
"""A confirmed text is at most this much (natural log) less likely than the line's own best
reading: a line the recogniser reads as something else entirely confirms nothing."""
MOST_CONFIDENT = 0.999
"""A confirmation's confidence at most: a standard asking for 1.0 accepts no confirmation."""
BLANK = 0
"""Index of CTC's blank (no character) in the recogniser's alphabet."""
PAIRED = 8
"""Likeliest invalid neighbours combined by two (when the kind has a check digit)."""
CANDIDATES_PER_STEP = 5
"""Characters taken from each step of the line as stand-ins for a neighbouring text."""
_IMPOSSIBLE = -1e9


@dataclass(frozen=True)
class Support:
    """How well a line supports an expected text, as natural logs of likelihood ratios."""

    score: float  # the text spotted vs the likeliest reading of the line (<= 0)
    margin: float  # the text vs its likeliest possible neighbour (> 0: the text is preferred)


def confirm_value(ocr: OcrEngine, image: np.ndarray, lines: Sequence[TextLine],
                  box: Sequence[int] | None, expected: str,
                  is_valid: Callable[[str], bool] | None = None) -> FieldValue | None:
    """``expected`` found again on the text line(s) that ``box`` (x, y, width, height, where the
    value was read) lies on, of the upright document ``image``, with a confidence from its margin
    over its neighbours (``support``); None when the engine cannot tell or the image does not
    clearly say so."""
    if box is None:
        return None
    found = confirm_on_lines(ocr, image, [line for line in lines if _overlap(line.bounds, box)],
                             expected, is_valid)
    return found.model_copy(update={"box": list(box)}) if found is not None else None


def confirm_on_lines(ocr: OcrEngine, image: np.ndarray, lines: Sequence[TextLine], expected: str,
                     is_valid: Callable[[str], bool] | None = None,
                     seen: dict[int, LineProbabilities] | None = None) -> FieldValue | None:
    """``expected`` spotted on the best of ``lines`` of the upright ``image``, with a confidence
    from its margin over its neighbours (``support``), the box of that line; None when the engine
    cannot tell or no line clearly says so. ``seen``: the recogniser's output per line already
    computed (by ``id`` of the line), filled as lines are read."""
    probabilities_of = getattr(ocr, "line_probabilities", None)
    if probabilities_of is None or not expected:
        return None
    seen = {} if seen is None else seen
    best: tuple[Support, TextLine] | None = None
    for line in lines:
        if id(line) not in seen:
            seen[id(line)] = probabilities_of(line_image(image, line.box))
        found = support(seen[id(line)], expected, is_valid)
        if found is not None and (best is None or found.margin > best[0].margin):
            best = found, line
    if best is None or best[0].score < MIN_SCORE or best[0].margin <= 0:
        return None
    # Against its likeliest competitor, with no prior for either: the value's posterior share
    # (never certainty: MOST_CONFIDENT at most).
    confidence = min(1.0 - math.exp(-best[0].margin), MOST_CONFIDENT)
    box = [int(round(v)) for v in best[1].bounds]
    return FieldValue(value=expected, confidence=round(confidence, 3), source="confirmed", box=box)


def printed_forms(kind: str, value: object) -> list[str]:
    """How a value the application states is printed on a page: an amount with two decimals,
    with or without thousands separators (158000.00, 158,000.00); a card number whole or in
    groups of four; anything else as it is written."""
    if kind == "amount" and isinstance(value, (int, float)):
        return list(dict.fromkeys([f"{value:.2f}", f"{value:,.2f}"]))
    text = str(value)
    if kind == "card_number":
        return [text, " ".join(text[i : i + 4] for i in range(0, len(text), 4))]
    return [text]


def lines_near_label(spec: DocumentSpec, field: str, lines: Sequence[TextLine]) -> list[TextLine] | None:
    """The lines where ``field``'s value stands by one of its labels, as the standard places it:
    the label's own line and the lines right of it (label and value read as one line, or the
    value in the next cell), and with ``below``, the lines of the next rows under the label.
    None when no label of the field is printed (or read) on the page: the value may be anywhere.
    """
    field_spec = spec.fields[field]
    rows = build_rows(lines, spec.printed_labels)
    places = label_places(rows, field_spec.labels, spec.printed_labels) if field_spec.labels else []
    if not places:
        return None
    near: dict[int, TextLine] = {}
    for index, start, end in places:
        row = rows[index]
        for line in row.lines[row.owners[start]:]:
            near.setdefault(id(line), line)
        if "below" not in field_spec.value_at:
            continue
        left, height = row.x_of(start), row.lines[row.owners[start]].bounds[3]
        for below in rows[index + 1:]:
            if below.top - row.bottom > 2 * ROWS_APART * height:
                break
            for line in below.lines:
                if line.bounds[0] + line.bounds[2] > left:
                    near.setdefault(id(line), line)
    return list(near.values())


def _overlap(a: Sequence[int], b: Sequence[int]) -> bool:
    """Two (x, y, width, height) boxes share pixels, and each one's vertical centre is in the other."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay <= by + bh / 2 <= ay + ah and by <= ay + ah / 2 <= by + bh


def support(line: LineProbabilities, expected: str,
            is_valid: Callable[[str], bool] | None = None) -> Support | None:
    """How well ``line`` supports ``expected``; None when the alphabet cannot write it.

    ``is_valid``: the check digit every printed value of this kind carries. A neighbour failing it
    cannot be what is printed; the competitors are then the valid neighbours, and valid texts two
    characters away: those made of two of the likeliest invalid neighbours are scored, the rest
    bounded by adding the gains of the best and the first unpaired one.
    """
    labels = _indexes(line.alphabet, expected)
    if not labels or len(line.probabilities) < len(labels):
        return None
    log = np.log(np.maximum(line.probabilities.astype(np.float64), 1e-12))
    neighbours = _neighbours(labels, _candidates(line.probabilities))
    scores = spotting_scores(log, [labels, *neighbours])
    score = float(scores[0])
    gains = [float(gain) for gain in scores[1:] - score]
    if is_valid is None:
        return Support(score=score, margin=-max(gains, default=_IMPOSSIBLE))
    competitors: list[float] = []
    invalid: list[tuple[float, list[int]]] = []
    for gain, texts in zip(gains, neighbours, strict=True):
        if is_valid(_spelled(line.alphabet, texts)):
            competitors.append(gain)
        else:
            invalid.append((gain, texts))
    invalid.sort(key=lambda item: -item[0])
    paired = [texts for texts in _pairs(labels, [texts for _, texts in invalid[:PAIRED]])
              if is_valid(_spelled(line.alphabet, texts))]
    if paired:
        competitors.extend(float(gain) for gain in spotting_scores(log, paired) - score)
    if len(invalid) > PAIRED:
        competitors.append(invalid[0][0] + invalid[PAIRED][0])
    return Support(score=score, margin=-max(competitors, default=_IMPOSSIBLE))


def spotting_scores(log: np.ndarray, texts: Sequence[Sequence[int]]) -> np.ndarray:
    """For each text (alphabet indexes, all of one length), the log-likelihood of the best CTC
    path that spells it somewhere on the line, minus that of the line's likeliest path.

    States per text: before (any step), CTC's blank/label chain, after (any step). Viterbi (max),
    not the sum over paths: the same measure as the reading it is compared with.
    """
    labels = np.asarray(texts, dtype=np.int64)  # texts x length
    count, length = labels.shape
    chain = np.zeros((count, 2 * length + 1), dtype=np.int64)  # blank, l1, blank, l2, ..., blank
    chain[:, 1::2] = labels
    # A label may follow the label two states back unless it repeats it (CTC needs a blank then).
    skip = np.zeros(chain.shape, dtype=bool)
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    best_step = log.max(axis=1)
    states = np.full(chain.shape, _IMPOSSIBLE)
    before = 0.0
    after = np.full(count, _IMPOSSIBLE)
    for step, row in enumerate(log):
        emit = row[chain]
        stay = states
        advance = np.concatenate([np.full((count, 1), _IMPOSSIBLE), states[:, :-1]], axis=1)
        jump = np.concatenate([np.full((count, 2), _IMPOSSIBLE), states[:, :-2]], axis=1)
        jump = np.where(skip, jump, _IMPOSSIBLE)
        incoming = np.maximum(np.maximum(stay, advance), jump)
        incoming[:, :2] = np.maximum(incoming[:, :2], before if step else 0.0)
        after = np.maximum(after, np.maximum(states[:, -1], states[:, -2])) + best_step[step] \
            if step else after
        states = incoming + emit
        before += best_step[step]
    ends = np.maximum(np.maximum(states[:, -1], states[:, -2]), after)
    return ends - best_step.sum()


def _indexes(alphabet: Sequence[str], text: str) -> list[int] | None:
    """The alphabet indexes of ``text``; None if a character is not in the alphabet."""
    positions = {character: i for i, character in enumerate(alphabet) if i != BLANK}
    indexes = [positions.get(character) for character in text]
    return None if any(i is None for i in indexes) else indexes  # type: ignore[return-value]


def _spelled(alphabet: Sequence[str], texts: Sequence[int]) -> str:
    return "".join(alphabet[i] for i in texts)


def _candidates(probabilities: np.ndarray) -> list[int]:
    """Characters the recogniser considered anywhere on the line (its likeliest few per step)."""
    top = np.argpartition(-probabilities, CANDIDATES_PER_STEP, axis=1)[:, :CANDIDATES_PER_STEP]
    return sorted({int(i) for i in top.ravel()} - {BLANK})


def _neighbours(labels: Sequence[int], candidates: Sequence[int]) -> list[list[int]]:
    """Texts one character away: each character exchanged for a candidate, or swapped with the next."""
    neighbours = []
    for position, label in enumerate(labels):
        for candidate in candidates:
            if candidate != label:
                neighbours.append([*labels[:position], candidate, *labels[position + 1:]])
    for position in range(len(labels) - 1):
        if labels[position] != labels[position + 1]:
            swapped = list(labels)
            swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
            neighbours.append(swapped)
    return neighbours


def _pairs(labels: Sequence[int], neighbours: Sequence[Sequence[int]]) -> list[list[int]]:
    """Texts combining the changes of two neighbours that change different places."""
    changed = [{i for i, (a, b) in enumerate(zip(labels, texts, strict=True)) if a != b}
               for texts in neighbours]
    combined = []
    for first, second in itertools.combinations(range(len(neighbours)), 2):
        if changed[first] & changed[second]:
            continue
        texts = list(neighbours[first])
        for i in changed[second]:
            texts[i] = neighbours[second][i]
        combined.append(texts)
    return combined


def find_stated_value(ocr: OcrEngine, image: np.ndarray, lines: Sequence[TextLine], spec: DocumentSpec,
                      field: str, read: FieldValue, stated: object,
                      is_valid: Callable[[str], bool] | None = None) -> FieldValue | None:
    """The value an application states (``stated``) found on the page of ``spec``'s document, as
    a checker looks for it: where the field was read (``read.box``), else near the field's
    labels, else, when none of them was read, anywhere on the page; in each of its printed forms,
    scored by the recogniser's own probabilities (``support``). Where a value that passes its
    check digit was read, the stated one is looked for there only: another valid number where
    the stated one should be is a mismatch, not a reason to look elsewhere. None when the image
    does not clearly say so; the value returned is ``stated`` itself, ``source`` ``confirmed``."""
    kind = spec.fields[field].kind
    seen: dict[int, LineProbabilities] = {}
    box = read.box
    where = [[line for line in lines if _overlap(line.bounds, box)]] if box is not None else []
    valid_elsewhere = box is not None and is_valid is not None and read.value is not None \
        and is_valid(str(read.value))
    if not valid_elsewhere:
        near = lines_near_label(spec, field, lines)
        where.append(near if near is not None else list(lines))
    for candidates in where:
        found = [confirmed for form in printed_forms(kind, stated)
                 if (confirmed := confirm_on_lines(ocr, image, candidates, form, is_valid, seen))]
        if found:
            best = max(found, key=lambda value: value.confidence)
            return best.model_copy(update={"value": stated})
    return None
