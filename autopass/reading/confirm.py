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
from autopass.reading.lines import line_image

CONFIRMABLE_KINDS = ("id_number", "vin", "text", "name")
"""Field kinds printed as the very characters of their value (amounts and dates are not)."""
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
    probabilities_of = getattr(ocr, "line_probabilities", None)
    if probabilities_of is None or box is None or not expected:
        return None
    best: Support | None = None
    for line in lines:
        if _overlap(line.bounds, box):
            found = support(probabilities_of(line_image(image, line.box)), expected, is_valid)
            if found is not None and (best is None or found.margin > best.margin):
                best = found
    if best is None or best.score < MIN_SCORE or best.margin <= 0:
        return None
    # Against its likeliest competitor, with no prior for either: the value's posterior share
    # (never certainty: MOST_CONFIDENT at most).
    confidence = min(1.0 - math.exp(-best.margin), MOST_CONFIDENT)
    return FieldValue(value=expected, confidence=round(confidence, 3), source="confirmed", box=list(box))


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
