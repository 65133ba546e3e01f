"""Where portraits and selfies come from: a folder of real photos, or photos a dependency ships.

A folder given with ``--faces`` may hold ``identities.csv`` (columns ``file``, ``identity`` and
optionally ``sex``),
one sub-folder per person, or loose photos (each its own person). Without a folder, the photos
that scikit-image ships inside its wheel are used: they work offline on a fresh machine, but hold
only one usable identity (see :data:`BUILTIN_NOTE`).
"""

from __future__ import annotations

import csv
import importlib.util
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
BUILTIN_NOTE = (
    "built-in faces: scikit-image's astronaut photo (one real person) for every applicant; "
    "its cameraman photo (another real person, face in profile) for the selfie_other_person defect"
)


@dataclass(frozen=True)
class FacePhoto:
    path: Path
    identity: str
    sex: str | None = None  # 男 / 女 when known, so the printed sex matches the face


@dataclass(frozen=True)
class FaceBox:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


class FaceSource:
    """Photos grouped by identity, with face-centred crops for portraits and selfies."""

    def __init__(self, photos: list[FacePhoto], description: str) -> None:
        if not photos:
            raise ValueError(f"{description}: no face photos ({', '.join(PHOTO_SUFFIXES)})")
        self.description = description
        self.by_identity: dict[str, list[Path]] = {}
        self.sex_of: dict[str, str | None] = {}
        for photo in sorted(photos, key=lambda p: (p.identity, str(p.path))):
            self.by_identity.setdefault(photo.identity, []).append(photo.path)
            self.sex_of[photo.identity] = self.sex_of.get(photo.identity) or photo.sex

    @property
    def identities(self) -> list[str]:
        return sorted(self.by_identity)

    def applicant_identities(self) -> list[str]:
        """Identities that can be an applicant: all but the built-in 'other person' stand-in."""
        return [i for i in self.identities if i != _BUILTIN_OTHER] or self.identities

    def choose(self, rng: random.Random) -> tuple[str, Path, Path]:
        """An applicant identity, its ID portrait photo and a selfie photo (another one if any)."""
        identity = rng.choice(self.applicant_identities())
        photos = self.by_identity[identity]
        portrait = rng.choice(photos)
        others = [p for p in photos if p != portrait]
        return identity, portrait, rng.choice(others) if others else portrait

    def choose_other(self, rng: random.Random, identity: str) -> tuple[str, Path]:
        """A photo of somebody else, for a selfie that does not show the applicant."""
        pool = [i for i in self.identities if i != identity]
        if not pool:
            raise ValueError(f"{self.description}: only one identity, no other person for a selfie")
        other = rng.choice(pool)
        return other, rng.choice(self.by_identity[other])


def load_face_source(folder: Path | None) -> FaceSource:
    """The photos in ``folder``, or the built-in ones when ``folder`` is None."""
    if folder is None:
        return _builtin_source()
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: face photo folder not found")
    listing = folder / "identities.csv"
    if listing.is_file():
        with listing.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        photos = [
            FacePhoto(folder / r["file"], r["identity"], _sex(r.get("sex")))
            for r in rows
            if (folder / r["file"]).is_file()
        ]
    else:
        files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
        photos = [FacePhoto(p, p.parent.name if p.parent != folder else p.stem) for p in files]
    return FaceSource(photos, str(folder))


_BUILTIN_OTHER = "cameraman (scikit-image)"
_SEXES = {"男": "男", "女": "女", "m": "男", "male": "男", "f": "女", "female": "女"}


def _sex(value: str | None) -> str | None:
    """An optional ``sex`` column of identities.csv: 男/女 or m/f/male/female."""
    return _SEXES.get((value or "").strip().lower())


def _builtin_source() -> FaceSource:
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "no face photos: pass --faces DIR, or install scikit-image (it ships a face photo)"
        )
    data = Path(spec.origin).parent / "data"
    return FaceSource(
        [
            FacePhoto(data / "astronaut.png", "astronaut (scikit-image)", "女"),
            FacePhoto(data / "camera.png", _BUILTIN_OTHER, "男"),
        ],
        BUILTIN_NOTE,
    )


@lru_cache(maxsize=256)
def load_photo(path: Path) -> Image.Image:
    """The photo upright (EXIF orientation applied) in RGB."""
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


@lru_cache(maxsize=256)
def detect_face(path: Path) -> FaceBox | None:
    """The largest frontal face dlib's HOG detector finds, in the photo's own pixels."""

    return detect_face_in(load_photo(path))


def detect_face_in(photo: Image.Image) -> FaceBox | None:
    """The largest frontal face in ``photo`` (RGB), in its own pixels."""
    scale = min(1.0, 700 / max(photo.size))
    small = photo.resize((max(1, int(photo.width * scale)), max(1, int(photo.height * scale))))
    pixels = np.asarray(small)
    found = _detector()(pixels, 0) or _detector()(pixels, 1)  # upsampling only for small faces
    if not found:
        return None
    best = max(found, key=lambda r: r.width() * r.height() - r.top() * 4)
    return FaceBox(
        *(int(v / scale) for v in (best.left(), best.top(), best.right(), best.bottom()))
    )


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    import dlib

    return dlib.get_frontal_face_detector()


def face_crop(path: Path, *, widths: float, aspect: float) -> Image.Image:
    """A crop ``widths`` face-widths wide, height = width * ``aspect``, face a little above centre.

    A photo where no face is found gives a centred crop of its upper part (the honest best guess).
    """
    photo = load_photo(path)
    box = detect_face(path)
    if box is None:
        side = min(photo.width, photo.height / aspect)
        cx, cy, width = photo.width / 2, photo.height * 0.45, side * 0.9
    else:
        (cx, cy), width = box.centre, box.width * widths
    width = min(width, photo.width, photo.height / aspect)  # never pad past the photo's edges
    height = width * aspect
    left = min(max(cx - width / 2, 0), photo.width - width)
    top = min(max(cy - height * 0.42, 0), photo.height - height)
    return photo.crop((int(left), int(top), int(left + width), int(top + height)))
