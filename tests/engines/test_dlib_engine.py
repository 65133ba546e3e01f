"""dlib for real on photos (faces-dev, or a portrait shipped by scikit-image) and drawn cards."""

from __future__ import annotations

import cv2
import numpy as np

from autopass.engines.base import Face
from autopass.engines.dlib_engine import DlibFaceEngine
from autopass.settings import Settings
from autopass.standards import load_standard

from .drawing import as_id_card_portrait, draw_card

AUTO_PASS = load_standard("new_car_loan", Settings()).face_thresholds("dlib").pass_at


def test_one_face_with_a_128_d_embedding(dlib_engine: DlibFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    photo = face_pairs[0][0]
    face = dlib_engine.embed(photo)[0]
    assert face.embedding.shape == (128,) and 0.8 < face.detection_confidence <= 1.0
    x, y, width, height = face.box
    assert 0 <= x < photo.shape[1] and 0 <= y < photo.shape[0] and width > 60 and height > 60


def test_small_id_card_portrait_is_found_and_matches_its_photo(
    dlib_engine: DlibFaceEngine,
    face_pairs,  # type: ignore[no-untyped-def]
) -> None:
    photo = face_pairs[0][0]
    [card_face] = dlib_engine.embed(as_id_card_portrait(photo), find_small_faces=True)
    photo_face = dlib_engine.embed(photo)[0]
    assert card_face.box[2] < 100  # the portrait's face is small: found thanks to upsampling
    assert dlib_engine.similarity(card_face, photo_face) >= AUTO_PASS


def test_small_faces_are_looked_for_only_when_asked(dlib_engine: DlibFaceEngine) -> None:
    desk = np.full((1040, 1600, 3), 90, np.uint8)  # the card photographed from afar
    desk[200:850, 300:1300] = as_id_card_portrait(_astronaut())
    assert dlib_engine.embed(desk) == []  # the face is ~35 px in the 1024 px detection copy
    [face] = dlib_engine.embed(desk, find_small_faces=True)
    assert 1000 < face.box[0] < 1300 and 300 < face.box[1] < 600


def test_pairs_fall_on_the_right_side_of_the_auto_pass_band(
    dlib_engine: DlibFaceEngine,
    face_pairs,  # type: ignore[no-untyped-def]
) -> None:
    for first, second, label in face_pairs:
        score = dlib_engine.similarity(
            dlib_engine.embed(first, find_small_faces=True)[0],
            dlib_engine.embed(second, find_small_faces=True)[0],
        )
        assert (score >= 0.45) if label == "same" else (score < 0.40), (label, score)


def test_no_face_on_a_drawn_card(dlib_engine: DlibFaceEngine) -> None:
    assert dlib_engine.embed(draw_card()) == []


def test_largest_face_comes_first(dlib_engine: DlibFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    photo = face_pairs[0][0]
    height, width = photo.shape[:2]
    canvas = np.full((height, width * 2, 3), 255, np.uint8)
    small = photo[::2, ::2]
    canvas[: small.shape[0], : small.shape[1]] = small
    canvas[:, width:] = photo
    faces = dlib_engine.embed(canvas)
    assert len(faces) == 2 and faces[0].box[0] >= width and faces[0].box[2] > faces[1].box[2]


def test_similarity_is_one_minus_distance_clipped() -> None:
    engine = DlibFaceEngine.__new__(DlibFaceEngine)

    def face(vector: list[float]) -> Face:
        return Face(
            box=(0, 0, 1, 1), embedding=np.asarray(vector, np.float32), detection_confidence=1.0
        )

    assert engine.similarity(face([0.0, 0.0]), face([0.3, 0.4])) == 0.5
    assert engine.similarity(face([0.0, 0.0]), face([3.0, 4.0])) == 0.0
    assert engine.similarity(face([1.0, 2.0]), face([1.0, 2.0])) == 1.0


def _astronaut() -> np.ndarray:
    import skimage.data

    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
