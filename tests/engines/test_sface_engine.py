"""YuNet + SFace for real on photos (faces-dev, or a portrait shipped by scikit-image) and drawn
cards; the bands come from the shipped standard, as the pipeline takes them."""

from __future__ import annotations

import socket

import cv2
import numpy as np
import pytest

from autopass.engines.base import Face
from autopass.engines.registry import get_face_engine
from autopass.engines.sface_engine import SFaceEngine
from autopass.settings import Settings
from autopass.standards import load_standard

from .drawing import as_id_card_portrait, draw_card

BANDS = load_standard("new_car_loan", Settings()).face_thresholds("sface")


def test_sface_is_the_default_face_engine() -> None:
    assert Settings().face_engine == "sface"
    assert isinstance(get_face_engine(Settings(face_engine="sface")), SFaceEngine)


def test_one_face_with_a_128_d_embedding(face_engine: SFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    photo = face_pairs[0][0]
    [face] = face_engine.embed(photo)
    assert face.embedding.shape == (128,) and 0.8 < face.detection_confidence <= 1.0
    x, y, width, height = face.box
    assert 0 <= x < photo.shape[1] and 0 <= y < photo.shape[0] and width > 60 and height > 60


def test_small_id_card_portrait_matches_its_photo(face_engine: SFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    photo = face_pairs[0][0]
    [card_face] = face_engine.embed(as_id_card_portrait(photo), find_small_faces=True)
    photo_face = face_engine.embed(photo)[0]
    assert card_face.box[2] < 100
    assert face_engine.similarity(card_face, photo_face) >= BANDS.pass_at


def test_small_faces_are_looked_for_only_when_asked(face_engine: SFaceEngine) -> None:
    desk = np.full((3000, 4000, 3), 90, np.uint8)  # a 12-megapixel photo of the card from afar
    desk[1000:1650, 2000:3000] = as_id_card_portrait(_astronaut())
    assert face_engine.embed(desk) == []  # the face is ~8 px in the 640 px detection copy
    [face] = face_engine.embed(desk, find_small_faces=True)
    assert 2700 < face.box[0] < 2900 and 1100 < face.box[1] < 1200 and face.box[2] >= 40


def test_a_face_filling_the_photo_is_found(face_engine: SFaceEngine) -> None:
    """A selfie taken close: YuNet misses faces over ~600 px in what it scans."""
    photo = _astronaut()
    x, y, width, height = face_engine.embed(photo)[0].box
    close = cv2.resize(photo[y : y + height, x : x + width], (1000, 1260))
    [face] = face_engine.embed(close)
    assert face.box[2] > 800


def test_pairs_fall_on_the_right_side_of_the_bands(face_engine: SFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    for first, second, label in face_pairs:
        score = face_engine.similarity(
            face_engine.embed(first, find_small_faces=True)[0],
            face_engine.embed(second, find_small_faces=True)[0],
        )
        assert (score >= BANDS.pass_at) if label == "same" else (score < BANDS.review_at), (
            label, score)


def test_no_face_on_a_drawn_card(face_engine: SFaceEngine) -> None:
    assert face_engine.embed(draw_card(), find_small_faces=True) == []


def test_largest_face_comes_first(face_engine: SFaceEngine, face_pairs) -> None:  # type: ignore[no-untyped-def]
    photo = face_pairs[0][0]
    height, width = photo.shape[:2]
    canvas = np.full((height, width * 2, 3), 255, np.uint8)
    small = photo[::2, ::2]
    canvas[: small.shape[0], : small.shape[1]] = small
    canvas[:, width:] = photo
    faces = face_engine.embed(canvas)
    assert len(faces) == 2 and faces[0].box[0] >= width and faces[0].box[2] > faces[1].box[2]


def test_a_face_and_its_mirror_image_get_one_embedding(face_engine: SFaceEngine) -> None:
    """The embedding averages the aligned face's and its mirror image's, where SFace alone gives
    the two apart; a mirrored photo (a selfie from a front camera) scores as the photo does."""
    photo = _astronaut()
    [row] = face_engine._detect(photo, 1.0)
    aligned = face_engine._recognizer.alignCrop(photo, row)
    mirrored = cv2.flip(aligned, 1)
    assert float(face_engine._feature(aligned) @ face_engine._feature(mirrored)) < 0.99
    np.testing.assert_allclose(
        face_engine._embed_aligned(aligned), face_engine._embed_aligned(mirrored), atol=1e-5)
    [face] = face_engine.embed(photo)
    assert np.linalg.norm(face.embedding) == pytest.approx(1.0)
    np.testing.assert_allclose(face.embedding, face_engine._embed_aligned(aligned), atol=1e-6)
    assert face_engine.similarity(face, face_engine.embed(cv2.flip(photo, 1))[0]) > 0.96


def test_loads_and_embeds_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """The models come from the installed wheel: nothing is fetched, even on a first load."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the face engine opened a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    engine = SFaceEngine()
    assert len(engine.embed(_astronaut())) == 1


def test_similarity_is_the_cosine_clipped() -> None:
    engine = SFaceEngine.__new__(SFaceEngine)

    def face(vector: list[float]) -> Face:
        return Face(
            box=(0, 0, 1, 1), embedding=np.asarray(vector, np.float32), detection_confidence=1.0
        )

    assert engine.similarity(face([1.0, 0.0]), face([3.0, 4.0])) == pytest.approx(0.6)
    assert engine.similarity(face([1.0, 0.0]), face([-1.0, 0.0])) == 0.0
    assert engine.similarity(face([1.0, 2.0]), face([2.0, 4.0])) == pytest.approx(1.0)


def _astronaut() -> np.ndarray:
    import skimage.data

    return cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
