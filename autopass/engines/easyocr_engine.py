"""EasyOCR (CRAFT detection + CRNN recognition on torch), an optional OCR engine.

Install with ``pip install 'autopass[easyocr]'`` (pulls torch) and put EasyOCR's weight files in
``<model_dir>/easyocr/``: ``craft_mlt_25k.pth`` (detector) and ``zh_sim_g2.pth`` (simplified
Chinese + English recognizer), the files EasyOCR itself keeps in ``~/.EasyOCR/model``. It never
downloads: weights are checked before EasyOCR is even imported.

Thread-safety: safe to share; calls into EasyOCR are serialised by a lock (its Reader keeps
per-call state, and torch already uses every core for one call).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from autopass.engines.base import Point, TextLine
from autopass.errors import EngineUnavailableError

LANGUAGES = ["ch_sim", "en"]
WEIGHT_FILES = ("craft_mlt_25k.pth", "zh_sim_g2.pth")
LINE_TOLERANCE = 0.5
"""Boxes whose tops differ by less than half a line height are on one line (reading order)."""


class EasyOcrEngine:
    """EasyOCR reading simplified Chinese and English, from local weights only."""

    name = "easyocr"

    def __init__(self, model_dir: Path | None) -> None:
        folder = weights_folder(model_dir)
        try:
            import easyocr
        except ImportError as exc:
            raise EngineUnavailableError(
                "OCR engine easyocr needs the easyocr package: pip install 'autopass[easyocr]' "
                f"({exc})"
            ) from exc
        except Exception as exc:  # torch/torchvision of mismatched versions fail at import
            raise EngineUnavailableError(
                "OCR engine easyocr is installed but cannot be imported; reinstall matching "
                f"torch and torchvision versions ({type(exc).__name__}: {exc})"
            ) from exc
        try:
            self._reader = easyocr.Reader(
                LANGUAGES,
                gpu=False,
                model_storage_directory=str(folder),
                user_network_directory=str(folder),
                download_enabled=False,
                verbose=False,
            )
        except Exception as exc:  # EasyOCR/torch raise many types for unreadable weights
            raise EngineUnavailableError(
                f"OCR engine easyocr cannot load the weights in {folder}: {exc}"
            ) from exc
        self._lock = threading.Lock()

    def read(self, image: np.ndarray, *, straightened: bool = False) -> list[TextLine]:
        """Every text line in reading order (``straightened`` is accepted for the interface)."""
        with self._lock:
            results = self._reader.readtext(image)
        lines = [
            TextLine(text=text, confidence=float(confidence), box=_quad(points))
            for points, text, confidence in results
            if text.strip()
        ]
        return reading_order(lines)


def weights_folder(model_dir: Path | None) -> Path:
    """``<model_dir>/easyocr`` after checking every weight file is there; the error says how."""
    if model_dir is None:
        raise EngineUnavailableError(
            "OCR engine easyocr needs local weights: set AUTOPASS_MODEL_DIR to a folder whose "
            f"easyocr/ subfolder holds {', '.join(WEIGHT_FILES)}"
        )
    folder = model_dir / "easyocr"
    missing = [name for name in WEIGHT_FILES if not (folder / name).is_file()]
    if missing:
        raise EngineUnavailableError(
            f"OCR engine easyocr: missing {', '.join(missing)} in {folder}; copy them from an "
            "EasyOCR installation's ~/.EasyOCR/model (Autopass never downloads weights)"
        )
    return folder


def reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Top to bottom, then left to right within a line."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.bounds[1]):
        _, y, _, height = line.bounds
        if rows and abs(rows[-1][0].bounds[1] - y) < LINE_TOLERANCE * max(height, 1):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.bounds[0])]


def _quad(points) -> tuple[Point, Point, Point, Point]:  # type: ignore[no-untyped-def]
    return tuple((float(x), float(y)) for x, y in points)  # type: ignore[return-value]
