"""EasyOCR is an optional extra (it needs torch); what runs everywhere: the weights check, which
comes before EasyOCR is imported, the refusal of unusable weights, and the reading order."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopass.engines.base import TextLine
from autopass.engines.easyocr_engine import EasyOcrEngine, reading_order, weights_folder
from autopass.engines.registry import get_ocr_engine
from autopass.errors import EngineUnavailableError
from autopass.settings import Settings


def test_missing_weights_are_named_with_where_to_put_them(tmp_path: Path) -> None:
    (tmp_path / "easyocr").mkdir()
    (tmp_path / "easyocr" / "craft_mlt_25k.pth").write_bytes(b"x")
    with pytest.raises(EngineUnavailableError) as caught:
        get_ocr_engine(Settings(ocr_engine="easyocr", model_dir=tmp_path))
    assert str(caught.value) == (
        f"OCR engine easyocr: missing zh_sim_g2.pth in {tmp_path / 'easyocr'}; copy them from an "
        "EasyOCR installation's ~/.EasyOCR/model (Autopass never downloads weights)"
    )


def test_no_model_dir_says_which_setting_to_set() -> None:
    with pytest.raises(
        EngineUnavailableError,
        match="set AUTOPASS_MODEL_DIR to a folder whose "
        "easyocr/ subfolder holds craft_mlt_25k.pth, zh_sim_g2.pth",
    ):
        weights_folder(None)


def test_unusable_weights_or_absent_package_are_refused_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "easyocr"
    folder.mkdir()
    for name in ("craft_mlt_25k.pth", "zh_sim_g2.pth"):
        (folder / name).write_bytes(b"not torch weights")
    # Whichever stage refuses here (no package, a broken torch, or the MD5 check EasyOCR runs on
    # weights before loading them), the error is an EngineUnavailableError naming easyocr.
    refusals = (
        r"OCR engine easyocr (needs the easyocr package: pip install 'autopass\[easyocr\]'"
        r"|is installed but cannot be imported|cannot load the weights in)"
    )
    with pytest.raises(EngineUnavailableError, match=refusals):
        EasyOcrEngine(tmp_path)


def test_reading_order_is_by_line_then_left_to_right() -> None:
    def line(text: str, x: float, y: float) -> TextLine:
        return TextLine(text, 0.9, ((x, y), (x + 50, y), (x + 50, y + 20), (x, y + 20)))

    lines = [line("c", 10, 60), line("b", 200, 12), line("a", 10, 10)]
    assert [item.text for item in reading_order(lines)] == ["a", "b", "c"]
