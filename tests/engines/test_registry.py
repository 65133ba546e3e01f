"""Engines load once per process and are shared, even when threads ask at the same time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import EngineUnavailableError
from autopass.settings import Settings


def test_same_ocr_engine_every_time(engine_settings: Settings, tmp_path: Path) -> None:
    first = get_ocr_engine(engine_settings)
    assert get_ocr_engine(Settings(data_dir=tmp_path)) is first
    assert first.name == "rapidocr"


def test_same_face_engine_for_concurrent_callers(engine_settings: Settings) -> None:
    seen: list[object] = []
    workers = [
        threading.Thread(target=lambda: seen.append(get_face_engine(engine_settings)))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(seen) == 4 and all(engine is seen[0] for engine in seen)
    assert seen[0].name == "sface"  # type: ignore[attr-defined]


def test_insightface_without_weights_names_the_folder(tmp_path: Path) -> None:
    settings = Settings(face_engine="insightface", model_dir=tmp_path)
    with pytest.raises(EngineUnavailableError) as caught:
        get_face_engine(settings)
    assert str(tmp_path / "insightface") in str(caught.value)


def test_dlib_stays_selectable() -> None:
    assert get_face_engine(Settings(face_engine="dlib")).name == "dlib"
