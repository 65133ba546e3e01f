"""Which faces of a selfie are compared with the ID card's portrait: the customer's, not a face in a
painting behind them; two people side by side stay a question for a person."""

from __future__ import annotations

import numpy as np

from autopass.dossier import Status
from autopass.engines.base import Face
from autopass.engines.sface_engine import SFaceEngine
from autopass.face_match import match_portrait_to_selfie
from autopass.rules import FaceThresholds

BANDS = FaceThresholds(pass_at=0.55, review_at=0.30)


def _face(height: int, embedding: np.ndarray) -> Face:
    return Face(box=(10, 10, height, height), embedding=embedding, detection_confidence=0.9)


def _match(selfie_faces: list[Face], portrait: Face):  # type: ignore[no-untyped-def]
    # similarity() is the cosine of two embeddings: no model is loaded.
    engine = SFaceEngine.__new__(SFaceEngine)
    return match_portrait_to_selfie([portrait], selfie_faces, engine=engine, thresholds=BANDS)


def test_a_small_face_in_the_background_is_not_a_second_person() -> None:
    rng = np.random.default_rng(3)
    customer, stranger = rng.normal(size=128), rng.normal(size=128)
    portrait = _face(80, customer)
    match = _match([_face(300, customer), _face(90, stranger), _face(60, stranger)], portrait)
    assert match.result.status == Status.PASS
    assert match.result.score == 1.0


def test_two_people_side_by_side_make_a_review() -> None:
    rng = np.random.default_rng(4)
    customer, stranger = rng.normal(size=128), rng.normal(size=128)
    match = _match([_face(300, customer), _face(200, stranger)], _face(80, customer))
    assert match.result.status == Status.REVIEW
    assert match.result.detail == "2 faces on the selfie"
