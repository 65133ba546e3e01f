"""The one CJK font every document is drawn with (fonts-wqy-zenhei, from the OS packages).

A single font keeps renderings byte-identical across machines that installed the same package.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from autopass.errors import MissingFontError

FONT_PACKAGE = "fonts-wqy-zenhei"
CJK_FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc"),
    Path("/usr/local/share/fonts/wqy-zenhei.ttc"),
)


def find_cjk_font(candidates: Sequence[Path] = CJK_FONT_CANDIDATES) -> Path:
    """The first installed WenQuanYi Zen Hei file, or an error that says what to install."""
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise MissingFontError(
        f"no CJK font found (looked for {looked}); Chinese documents cannot be drawn. "
        f"Install the Debian package {FONT_PACKAGE}: sudo apt-get install {FONT_PACKAGE}"
    )


@lru_cache(maxsize=128)
def font(size: int, mono: bool = False) -> ImageFont.FreeTypeFont:
    """Zen Hei at ``size`` pixels; ``mono`` picks the fixed-width face for numbers."""
    return ImageFont.truetype(str(find_cjk_font()), size=size, index=1 if mono else 0)
