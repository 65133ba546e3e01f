"""Fixtures that draw documents and faces instead of downloading them."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.imaging import load_pages
from autopass.settings import Settings

from .drawing import as_id_card_portrait


@pytest.fixture(scope="session")
def engine_settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def ocr(engine_settings: Settings):  # type: ignore[no-untyped-def]
    return get_ocr_engine(engine_settings)


@pytest.fixture(scope="session")
def face_engine(engine_settings: Settings):  # type: ignore[no-untyped-def]
    """The default face engine (sface)."""
    return get_face_engine(engine_settings)


@pytest.fixture(scope="session")
def dlib_engine():  # type: ignore[no-untyped-def]
    """The alternative embedded face engine."""
    return get_face_engine(Settings(face_engine="dlib"))


@pytest.fixture(scope="session")
def face_pairs(
    faces_dev_dir: Path | None, engine_settings: Settings
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(photo, photo, "same"/"different") from faces-dev; without it, scikit-image's astronaut
    (a public-domain NASA portrait shipped in its wheel) against her own ID-card-sized copy."""
    if faces_dev_dir is None:
        import skimage.data

        astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
        return [(astronaut, as_id_card_portrait(astronaut), "same")]

    def photo(name: str) -> np.ndarray:
        return load_pages(faces_dev_dir / name, engine_settings)[0].image

    obama, obama2 = photo("face_recognition/obama.jpg"), photo("face_recognition/obama2.jpg")
    biden, adams = photo("face_recognition/biden.jpg"), photo("openface/adams.jpg")
    return [
        (obama, obama2, "same"),
        (obama, as_id_card_portrait(obama), "same"),
        (obama, biden, "different"),
        (obama2, adams, "different"),
    ]
