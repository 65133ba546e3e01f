"""The engines chosen in settings, loaded once per process and shared by every thread.

Loading RapidOCR or dlib takes about a second; a dossier must never pay it. The cache key is the
engine's name plus the model folder, so tests with different settings still get the right engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from autopass.engines.base import FaceEngine, OcrEngine, VoiceEngine
from autopass.settings import Settings

Engine = TypeVar("Engine")

_cache: dict[tuple[str, str, Path | None], object] = {}
_lock = threading.Lock()


def get_ocr_engine(settings: Settings) -> OcrEngine:
    """The OCR engine named by ``settings.ocr_engine``; the same object on every call."""
    return _cached(("ocr", settings.ocr_engine, settings.model_dir), lambda: _load_ocr(settings))


def get_face_engine(settings: Settings) -> FaceEngine:
    """The face engine named by ``settings.face_engine``; the same object on every call."""
    return _cached(("face", settings.face_engine, settings.model_dir), lambda: _load_face(settings))


def get_voice_engine(settings: Settings) -> VoiceEngine:
    """The speaker engine named by ``settings.voice_engine``; the same object on every call."""
    return _cached(("voice", settings.voice_engine, None), lambda: _load_voice(settings))


def _cached(key: tuple[str, str, Path | None], load: Callable[[], Engine]) -> Engine:
    """One load per key, even when many threads ask at once (a failed load is retried later)."""
    with _lock:
        if key not in _cache:
            _cache[key] = load()
        return _cache[key]  # type: ignore[return-value]


def engine_threads(settings: Settings) -> int:
    """Threads per engine call: the cores shared among the documents read at once (on 2 cores with
    2 documents in parallel, 2 threads each made every call twice as slow: 4 busy threads)."""
    if settings.engine_threads is not None:
        return settings.engine_threads
    return max(1, (os.cpu_count() or 1) // settings.parallelism)


def _load_ocr(settings: Settings) -> OcrEngine:
    if settings.ocr_engine == "easyocr":
        from autopass.engines.easyocr_engine import EasyOcrEngine

        return EasyOcrEngine(settings.model_dir)
    from autopass.engines.rapidocr_engine import RapidOcrEngine

    return RapidOcrEngine(threads=engine_threads(settings))


def _load_face(settings: Settings) -> FaceEngine:
    if settings.face_engine == "insightface":
        from autopass.engines.insightface_engine import InsightFaceEngine

        return InsightFaceEngine(settings.model_dir)
    if settings.face_engine == "sface":
        from autopass.engines.sface_engine import SFaceEngine

        return SFaceEngine()
    from autopass.engines.dlib_engine import DlibFaceEngine

    return DlibFaceEngine()


def _load_voice(settings: Settings) -> VoiceEngine:
    from autopass.engines.campplus_engine import CamPlusPlusEngine

    return CamPlusPlusEngine(threads=engine_threads(settings))
