"""Turn a dealer's file into page images, refusing bad files before they cost memory or time.

Every refusal is an :class:`~autopass.errors.ImageError` naming the file and the problem, so the
pipeline can turn it into a micro-task instead of crashing the batch. Sizes are checked from the
file header *before* any pixel is decoded: a 20000x20000 PNG of a few kilobytes (a decompression
bomb) is refused without allocating 1.2 GB.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

from autopass.errors import ImageError
from autopass.settings import Settings

PDF_DPI = 200
"""Scanned A4 at 200 DPI is 1654x2339 pixels: enough for 8-point print, light enough for OCR."""
MAX_RENDER_SIDE = 4000
"""Longest side of a rendered PDF page; a page declared in odd units is scaled down to this."""
MAX_PDF_PAGES = 50
"""A dossier PDF is a few scanned documents; more pages than this is a mistake or an attack."""

_PDF_MAGIC = b"%PDF-"
_NO_PAGES = "PDF has no pages"
# Pillow's plugin classes read the header without Image.open's global decompression-bomb check,
# which would refuse before our configurable one (settings.max_image_pixels) could speak.
_IMAGE_READERS: dict[bytes, tuple[str, type[ImageFile.ImageFile]]] = {
    b"\xff\xd8\xff": ("JPEG", JpegImagePlugin.JpegImageFile),
    b"\x89PNG\r\n\x1a\n": ("PNG", PngImagePlugin.PngImageFile),
}
# pdfium is not thread-safe; pypdfium2 asks callers to serialise every call into it.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Page:
    """One page of a document file: 1-based ``number`` and its pixels (BGR uint8, H x W x 3)."""

    number: int
    image: np.ndarray


def load_pages(path: Path, settings: Settings, *, only: int | None = None) -> list[Page]:
    """Every page of a JPEG, PNG or PDF file as BGR images (page ``only`` alone, when given: a PDF
    renders no other); ImageError for anything else, or for a page the file does not have."""
    path = Path(path)
    head = _read_head(path, settings)
    if head.startswith(_PDF_MAGIC):
        return _load_pdf(path, settings, only)
    for magic, (kind, reader) in _IMAGE_READERS.items():
        if head.startswith(magic):
            if only not in (None, 1):
                raise ImageError(path, f"has no page {only}")
            return [Page(number=1, image=_load_image(path, kind, reader, settings))]
    raise ImageError(path, "not a JPEG, PNG or PDF file (its content is something else)")


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ``(x, y, width, height)`` part of ``image``, clipped to the image, as its own array."""
    x, y, width, height = (round(v) for v in box)
    image_height, image_width = image.shape[:2]
    left, top = max(0, x), max(0, y)
    right, bottom = min(image_width, x + width), min(image_height, y + height)
    if right <= left or bottom <= top:
        raise ValueError(f"box {box} lies outside the {image_width}x{image_height} image")
    return np.ascontiguousarray(image[top:bottom, left:right])


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes of a BGR image (crops stored for micro-tasks)."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"OpenCV could not encode a {image.shape} image as JPEG")
    return buffer.tobytes()


def downscale_to(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` with its longest side at most ``max_side``; never upscales (returns it as is)."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def enlarge(image: np.ndarray, factor: float) -> np.ndarray:
    """``image`` scaled up ``factor`` times (cubic); as it is when ``factor`` is 1 or less."""
    if factor <= 1.0:
        return image
    height, width = image.shape[:2]
    return cv2.resize(image, (round(width * factor), round(height * factor)),
                      interpolation=cv2.INTER_CUBIC)


def _read_head(path: Path, settings: Settings) -> bytes:
    """The first bytes of the file, after refusing missing, empty and oversized files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(path, "file does not exist") from None
    if size == 0:
        raise ImageError(path, "file is empty (0 bytes)")
    if size > settings.max_file_bytes:
        raise ImageError(
            path,
            f"file is {size} bytes, above the limit of {settings.max_file_bytes} bytes "
            "(AUTOPASS_MAX_FILE_BYTES)",
        )
    with path.open("rb") as file:
        return file.read(16)


def _load_image(
    path: Path, kind: str, reader: type[ImageFile.ImageFile], settings: Settings
) -> np.ndarray:
    """Decode a JPEG/PNG after checking its header size; EXIF orientation applied."""
    try:
        with reader(str(path)) as image:
            _refuse_too_many_pixels(path, image.width, image.height, settings)
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _to_bgr(upright)
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageError(
            path, f"cannot decode the {kind} image: it is corrupt or truncated"
        ) from exc


def _refuse_too_many_pixels(path: Path, width: int, height: int, settings: Settings) -> None:
    if width * height > settings.max_image_pixels:
        raise ImageError(
            path,
            f"image is {width}x{height} pixels, above the limit of {settings.max_image_pixels} "
            "pixels (AUTOPASS_MAX_IMAGE_PIXELS)",
        )


def _to_bgr(image: Image.Image) -> np.ndarray:
    """RGB(A)/grey/palette/CMYK Pillow image -> BGR uint8; transparency becomes white paper."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    rgb = np.asarray(image.convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _load_pdf(path: Path, settings: Settings, only: int | None = None) -> list[Page]:
    """Render every page (or page ``only``) at PDF_DPI, scaled down where a page would exceed the
    pixel limits."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise ImageError(path, _pdf_open_problem(exc.err_code)) from exc
        try:
            page_count = len(document)
            if page_count == 0:
                raise ImageError(path, _NO_PAGES)
            if page_count > MAX_PDF_PAGES:
                raise ImageError(
                    path, f"PDF has {page_count} pages, more than the {MAX_PDF_PAGES} accepted"
                )
            if only is not None and not 1 <= only <= page_count:
                raise ImageError(path, f"has no page {only}")
            numbers = range(1, page_count + 1) if only is None else [only]
            return [Page(number=number, image=_render_page(document[number - 1], settings))
                    for number in numbers]
        except pdfium.PdfiumError as exc:
            raise ImageError(path, "cannot render the PDF: it is corrupt or truncated") from exc
        finally:
            document.close()


def _pdf_open_problem(err_code: int | None) -> str:
    """pdfium refuses a well-formed PDF without pages while reporting no error at all."""
    import pypdfium2.raw as pdfium_raw

    if err_code == pdfium_raw.FPDF_ERR_SUCCESS:
        return _NO_PAGES
    if err_code == pdfium_raw.FPDF_ERR_PASSWORD:
        return "PDF is password-protected; ask for an unprotected copy"
    return "cannot open the PDF: it is corrupt or truncated"


def _render_page(page, settings: Settings) -> np.ndarray:  # type: ignore[no-untyped-def]
    width_points, height_points = page.get_size()
    scale = _render_scale(width_points, height_points, settings.max_image_pixels)
    bitmap = page.render(scale=scale)  # pdfium's native layout is BGR(x): OpenCV's order
    try:
        return np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])
    finally:
        bitmap.close()
        page.close()


def _render_scale(width_points: float, height_points: float, max_pixels: int) -> float:
    """PDF_DPI, reduced so the page stays within MAX_RENDER_SIDE and ``max_pixels``."""
    scale = PDF_DPI / 72
    longest = max(width_points, height_points, 1.0)
    scale = min(scale, MAX_RENDER_SIDE / longest)
    area = max(width_points * height_points, 1.0)
    return min(scale, math.sqrt(max_pixels / area))
