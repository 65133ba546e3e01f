"""load_pages on good files and on every bad input, with the exact message each one gets."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autopass.errors import ImageError
from autopass.imaging import crop, downscale_to, encode_jpeg, load_pages
from autopass.settings import Settings
from tests.factories import pdf, png_header_only


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _jpeg(image: Image.Image, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **save)
    return buffer.getvalue()


def _refusal(path: Path, settings: Settings) -> str:
    with pytest.raises(ImageError) as caught:
        load_pages(path, settings)
    assert caught.value.path == path
    return str(caught.value)


def test_jpeg_is_one_bgr_page(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "red.jpg", _jpeg(Image.new("RGB", (40, 30), (255, 0, 0))))
    [page] = load_pages(path, settings)
    assert page.number == 1 and page.image.shape == (30, 40, 3) and page.image.dtype == np.uint8
    blue, green, red = page.image[15, 20]
    assert red > 240 and green < 20 and blue < 20


def test_exif_orientation_is_applied(tmp_path: Path, settings: Settings) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": a phone held upright
    path = _write(tmp_path, "phone.jpg", _jpeg(Image.new("RGB", (40, 30)), exif=exif))
    assert load_pages(path, settings)[0].image.shape == (40, 30, 3)


def test_transparent_png_lies_on_white_paper(tmp_path: Path, settings: Settings) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, "PNG")
    path = _write(tmp_path, "scan.png", buffer.getvalue())
    assert load_pages(path, settings)[0].image.tolist() == np.full((10, 10, 3), 255).tolist()


def test_pdf_pages_are_rendered_at_200_dpi(tmp_path: Path, settings: Settings) -> None:
    pages = load_pages(_write(tmp_path, "scan.pdf", pdf(2)), settings)
    assert [page.number for page in pages] == [1, 2]
    assert pages[0].image.shape == (1167, 828, 3)  # 298x420 points at 200/72


def test_huge_pdf_page_is_rendered_smaller_not_refused(tmp_path: Path, settings: Settings) -> None:
    content = pdf(1).replace(b"[0 0 298 420]", b"[0 0 14400 14400]")
    [page] = load_pages(_write(tmp_path, "poster.pdf", content), settings)
    assert page.image.shape == (4000, 4000, 3)


def test_empty_file(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "IMG_1.jpg", b"")
    assert _refusal(path, settings) == f"{path}: file is empty (0 bytes)"


def test_missing_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "gone.jpg"
    assert _refusal(path, settings) == f"{path}: file does not exist"


def test_file_above_the_size_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.jpg", _jpeg(Image.new("RGB", (64, 64))))
    settings = Settings(data_dir=tmp_path, max_file_bytes=100)
    size = path.stat().st_size
    assert _refusal(path, settings) == (
        f"{path}: file is {size} bytes, above the limit of 100 bytes (AUTOPASS_MAX_FILE_BYTES)"
    )


def test_decompression_bomb_is_refused_from_its_header(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "bomb.png", png_header_only(20000, 20000))  # 400 megapixels
    assert _refusal(path, settings) == (
        f"{path}: image is 20000x20000 pixels, above the limit of 60000000 pixels "
        "(AUTOPASS_MAX_IMAGE_PIXELS)"
    )


def test_text_file_named_jpg(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "notes.jpg", "姓名 张伟\n".encode())
    assert _refusal(path, settings) == (
        f"{path}: not a JPEG, PNG or PDF file (its content is something else)"
    )


def test_truncated_jpeg(tmp_path: Path, settings: Settings) -> None:
    whole = _jpeg(Image.effect_noise((200, 200), 50).convert("RGB"))
    path = _write(tmp_path, "cut.jpg", whole[: len(whole) // 2])
    assert _refusal(path, settings) == (
        f"{path}: cannot decode the JPEG image: it is corrupt or truncated"
    )


def test_corrupt_png(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "bad.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20)
    assert _refusal(path, settings) == (
        f"{path}: cannot decode the PNG image: it is corrupt or truncated"
    )


def test_pdf_with_no_pages(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "empty.pdf", pdf(0))
    assert _refusal(path, settings) == f"{path}: PDF has no pages"


def test_corruptpdf(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "bad.pdf", b"%PDF-1.7\n" + b"garbage " * 50)
    assert _refusal(path, settings) == f"{path}: cannot open the PDF: it is corrupt or truncated"


def test_pdf_with_too_many_pages(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "book.pdf", pdf(21))
    assert _refusal(path, settings) == (
        f"{path}: PDF has 21 pages, more than the 20 accepted (AUTOPASS_MAX_PDF_PAGES)")


def test_crop_clips_to_the_image() -> None:
    image = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)
    assert crop(image, (-2, 1, 4, 10)).tolist() == image[1:5, 0:2].tolist()
    with pytest.raises(ValueError, match=r"box \(10, 10, 3, 3\) lies outside the 4x5 image"):
        crop(image, (10, 10, 3, 3))


def test_downscale_to_never_upscales() -> None:
    image = np.zeros((300, 600, 3), np.uint8)
    assert downscale_to(image, 1000) is image
    assert downscale_to(image, 200).shape == (100, 200, 3)


def test_encode_jpeg_round_trips() -> None:
    image = np.full((20, 30, 3), 128, np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_jpeg(image))))
    assert decoded.shape == (20, 30, 3)
