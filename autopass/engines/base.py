"""The interfaces every task talks to: ``OcrEngine.read``, ``FaceEngine.embed`` and
``VoiceEngine.embed``.

Images are numpy arrays in OpenCV's BGR order, uint8, shape (height, width, 3). Audio is mono
float32 in [-1, 1] at the engine's ``sample_rate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

Point = tuple[float, float]


Alternatives = tuple[tuple[tuple[str, float], ...], ...]
"""Per character of a recognised text, the recogniser's likeliest characters with their
probabilities, best first (the character read is the first)."""


@dataclass(frozen=True)
class Recognised:
    """What a recogniser read on one text-line image."""

    text: str
    confidence: float
    alternatives: Alternatives = ()  # empty when the engine does not say
    turned: bool = False  # read turned 180 degrees: the engine judged the line upside down


@dataclass(frozen=True)
class LineProbabilities:
    """A CTC recogniser's output for one text line: for each step along the line, the probability
    of every character of its alphabet (``alphabet[0]`` is the blank, "no character")."""

    probabilities: np.ndarray  # steps x len(alphabet)
    alphabet: Sequence[str]


@dataclass(frozen=True)
class TextLine:
    """One line of text that OCR found: its text, confidence in [0, 1] and its quadrilateral."""

    text: str
    confidence: float
    box: tuple[Point, Point, Point, Point]
    alternatives: Alternatives = ()  # see ``Alternatives``; empty when the engine does not say

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """Axis-aligned ``(x, y, width, height)`` around the box."""
        xs = [p[0] for p in self.box]
        ys = [p[1] for p in self.box]
        return int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys))


@dataclass(frozen=True)
class Face:
    """One detected face: where it is and the engine's embedding of it."""

    box: tuple[int, int, int, int]  # x, y, width, height in pixels of the image given
    embedding: np.ndarray
    detection_confidence: float


class OcrEngine(Protocol):
    """Every engine reads. An engine may also offer ``detect(image) -> quads`` with
    ``recognize(crops) -> list[Recognised]`` (reading only the lines that matter), and
    ``line_probabilities(crop) -> LineProbabilities`` (checking an expected value); callers use
    them where present and do without where not."""

    name: str

    def read(self, image: np.ndarray, *, straightened: bool = False) -> list[TextLine]:
        """Every text line in ``image``, in reading order (top to bottom, left to right).

        ``straightened``: the caller already turned the document upright, so an engine may skip
        its own 0/180-degree line classification.
        """
        ...


class FaceEngine(Protocol):
    name: str

    def embed(self, image: np.ndarray, *, find_small_faces: bool = False) -> list[Face]:
        """Every face in ``image`` with its embedding, largest first.

        ``find_small_faces``: where a face is expected (ID portrait, selfie), look harder (at
        a higher resolution) before answering that there is none.
        """
        ...

    def similarity(self, a: Face, b: Face) -> float:
        """How alike two faces are, in [0, 1]; thresholds live in the standards, per engine."""
        ...


class VoiceEngine(Protocol):
    name: str
    dimension: int
    sample_rate: int

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The unit-length voiceprint of one speaker's speech (raises ``ValueError`` when it is
        too short to describe a voice)."""
        ...

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        """How alike two voiceprints are (cosine); thresholds depend on the channel."""
        ...
