"""load_pages on good files and on every bad input, with the exact message each one gets."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autopass.errors import ImageError
from autopass.imaging import crop, downscale_to, encode_jpeg, load_pages
from autopass.settings import Settings


def _pdf(page_count: int) -> bytes:
    """A minimal well-formed PDF with ``page_count`` blank A6 pages (0 gives an empty page tree)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(page_count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode(),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] >>"] * page_count
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels: all a bomb needs to be refused."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


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
    pages = load_pages(_write(tmp_path, "scan.pdf", _pdf(2)), settings)
    assert [page.number for page in pages] == [1, 2]
    assert pages[0].image.shape == (1167, 828, 3)  # 298x420 points at 200/72


def test_huge_pdf_page_is_rendered_smaller_not_refused(tmp_path: Path, settings: Settings) -> None:
    content = _pdf(1).replace(b"[0 0 298 420]", b"[0 0 14400 14400]")
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
    path = _write(tmp_path, "bomb.png", _png_header_only(20000, 20000))  # 400 megapixels
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
    path = _write(tmp_path, "empty.pdf", _pdf(0))
    assert _refusal(path, settings) == f"{path}: PDF has no pages"


def test_corrupt_pdf(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "bad.pdf", b"%PDF-1.7\n" + b"garbage " * 50)
    assert _refusal(path, settings) == f"{path}: cannot open the PDF: it is corrupt or truncated"


def test_pdf_with_too_many_pages(tmp_path: Path, settings: Settings) -> None:
    path = _write(tmp_path, "book.pdf", _pdf(21))
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
