"""Turn a dealer's file into page images, refusing bad files before they cost memory or time.

Every refusal is an :class:`~autopass.errors.ImageError` naming the file and the problem, so the
pipeline can turn it into a micro-task instead of crashing the batch. Sizes are checked from the
file header *before* any pixel is decoded: a 20000x20000 PNG of a few kilobytes (a decompression
bomb) is refused without allocating 1.2 GB. ``measure_pixels`` tells, from the headers alone, how
many pixels a file would become: the dossier's door (``autopass.dossier_folder``) refuses a dossier above
the limits before anything is copied or rendered; the checks here stay as a second line.
Only a regular file of its own is opened (``autopass.files``: no symbolic or hard links).
"""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

from autopass.errors import FileRefused, ImageError
from autopass.files import open_regular_file
from autopass.settings import Settings

PDF_DPI = 200
"""Scanned A4 at 200 DPI is 1654x2339 pixels: enough for 8-point print, light enough for OCR."""
MAX_RENDER_SIDE = 4000
"""Longest side of a rendered PDF page; a page declared in odd units is scaled down to this."""

_PDF = "PDF"
_MAGIC = {b"%PDF-": _PDF, b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}
_NO_PAGES = "PDF has no pages"
# Pillow's plugin classes read the header without Image.open's global decompression-bomb check,
# which would refuse before our configurable one (settings.max_image_pixels) could speak.
_IMAGE_READERS: dict[str, type[ImageFile.ImageFile]] = {
    "JPEG": JpegImagePlugin.JpegImageFile,
    "PNG": PngImagePlugin.PngImageFile,
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
    try:
        with _open(path, settings) as handle:
            kind = _kind_of(handle, path)
            if kind == _PDF:
                return _load_pdf(handle, path, settings, only)
            if only not in (None, 1):
                raise ImageError(path, f"has no page {only}")
            return [Page(number=1, image=_load_image(handle, path, kind, settings))]
    except FileRefused as exc:  # a link, or above a limit: a micro-task like any unreadable file
        raise ImageError(path, exc.problem) from None


def decode_photo(data: bytes, name: str, settings: Settings) -> np.ndarray:
    """A JPEG or PNG photo held in memory (a capture checked on the spot) as a BGR image, with
    the same refusals as a file; ``name`` only names it in the error."""
    path = Path(name)
    if not data:
        raise ImageError(path, "file is empty (0 bytes)")
    kind = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    if kind is None or kind == _PDF:
        raise ImageError(path, "not a JPEG or PNG photo (its content is something else)")
    try:
        return _load_image(io.BytesIO(data), path, kind, settings)
    except FileRefused as exc:
        raise ImageError(path, exc.problem) from None


def measure_pixels(handle: BinaryIO, path: Path, settings: Settings) -> int:
    """How many pixels ``load_pages`` would make of the open file ``handle`` (every page), read
    from its headers: nothing is decoded or rendered.

    ``FileRefused`` when the file is above a limit (an image's pixels, a PDF's pages);
    ``ImageError`` when it is no readable image at all (the pipeline makes that a micro-task).
    """
    kind = _kind_of(handle, path)
    if kind == _PDF:
        return _pdf_pixels(handle, path, settings)
    with _read_header(handle, path, kind) as image:
        _refuse_too_many_pixels(path, image.width, image.height, settings)
        return image.width * image.height


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


def _open(path: Path, settings: Settings) -> BinaryIO:
    """The file open for reading, after refusing missing files, links and oversized files."""
    try:
        return open_regular_file(path, max_bytes=settings.max_file_bytes)
    except FileNotFoundError:
        raise ImageError(path, "file does not exist") from None


def _kind_of(handle: BinaryIO, path: Path) -> str:
    """PDF, JPEG or PNG, by the file's first bytes (its name may say anything)."""
    if os.fstat(handle.fileno()).st_size == 0:
        raise ImageError(path, "file is empty (0 bytes)")
    head = handle.read(16)
    handle.seek(0)
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    raise ImageError(path, "not a JPEG, PNG or PDF file (its content is something else)")


@contextmanager
def _read_header(handle: BinaryIO, path: Path, kind: str) -> Iterator[ImageFile.ImageFile]:
    """The JPEG/PNG with its header read and no pixel decoded yet; ImageError if it is corrupt."""
    try:
        with _IMAGE_READERS[kind](handle) as image:
            yield image
    except (ImageError, FileRefused):
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageError(
            path, f"cannot decode the {kind} image: it is corrupt or truncated"
        ) from exc


def _load_image(handle: BinaryIO, path: Path, kind: str, settings: Settings) -> np.ndarray:
    """Decode a JPEG/PNG after checking its header size; EXIF orientation applied."""
    with _read_header(handle, path, kind) as image:
        _refuse_too_many_pixels(path, image.width, image.height, settings)
        image.load()
        upright = ImageOps.exif_transpose(image)
        return _to_bgr(upright)


def _refuse_too_many_pixels(path: Path, width: int, height: int, settings: Settings) -> None:
    if width * height > settings.max_image_pixels:
        raise FileRefused(
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


def _load_pdf(handle: BinaryIO, path: Path, settings: Settings, only: int | None = None
              ) -> list[Page]:
    """Render every page (or page ``only``) at PDF_DPI, scaled down where a page would exceed the
    pixel limits; refused when the pages together would exceed AUTOPASS_MAX_DOSSIER_PIXELS."""
    with _pdf_document(handle, path, settings) as (document, page_count):
        if only is not None and not 1 <= only <= page_count:
            raise ImageError(path, f"has no page {only}")
        numbers = range(1, page_count + 1) if only is None else [only]
        pixels = sum(_rendered_pixels(document.get_page_size(n - 1), settings) for n in numbers)
        if pixels > settings.max_dossier_pixels:
            raise FileRefused(
                path, f"PDF pages hold {pixels} pixels in all, above the limit of "
                f"{settings.max_dossier_pixels} pixels (AUTOPASS_MAX_DOSSIER_PIXELS)")
        return [Page(number=number, image=_render_page(document[number - 1], settings))
                for number in numbers]


def _pdf_pixels(handle: BinaryIO, path: Path, settings: Settings) -> int:
    """The pixels of every page as ``_render_page`` would render it, from the page sizes alone."""
    with _pdf_document(handle, path, settings) as (document, page_count):
        return sum(_rendered_pixels(document.get_page_size(index), settings)
                   for index in range(page_count))


@contextmanager
def _pdf_document(handle: BinaryIO, path: Path, settings: Settings) -> Iterator[tuple[Any, int]]:
    """The open PDF and its page count, holding pdfium's lock; refused without pages or with more
    than AUTOPASS_MAX_PDF_PAGES; ImageError for what pdfium cannot read."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(handle)
        except pdfium.PdfiumError as exc:
            raise ImageError(path, _pdf_open_problem(exc.err_code)) from exc
        try:
            page_count = len(document)
            if page_count == 0:
                raise ImageError(path, _NO_PAGES)
            if page_count > settings.max_pdf_pages:
                raise FileRefused(
                    path, f"PDF has {page_count} pages, more than the {settings.max_pdf_pages} "
                    "accepted (AUTOPASS_MAX_PDF_PAGES)"
                )
            yield document, page_count
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


def _rendered_pixels(size_points: tuple[float, float], settings: Settings) -> int:
    """Pixels of a page of this size (in points) as ``_render_page`` renders it."""
    width_points, height_points = size_points
    scale = _render_scale(width_points, height_points, settings.max_image_pixels)
    return math.ceil(width_points * scale) * math.ceil(height_points * scale)


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
