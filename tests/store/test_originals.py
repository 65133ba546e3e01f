"""Originals are stored under their sha256, once, and never overwritten."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from autopass.settings import Settings
from autopass.store import original_path, store_original


def test_a_file_is_stored_under_its_sha256(settings: Settings, tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0412.jpg"
    photo.write_bytes(b"\xff\xd8 a photo of an ID card")
    stored = store_original(settings, photo)
    expected = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert stored.sha256 == expected
    assert stored.path == settings.originals_dir / expected[:2] / expected
    assert stored.path == original_path(settings, expected)
    assert stored.path.read_bytes() == photo.read_bytes()
    assert not stat.S_IMODE(stored.path.stat().st_mode) & 0o222, "the copy is read-only"
    assert [p.name for p in settings.originals_dir.iterdir()] == [expected[:2]], "no temp left"


def test_the_same_bytes_under_two_names_are_stored_once(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"same bytes")
    (tmp_path / "b.png").write_bytes(b"same bytes")
    first = store_original(settings, tmp_path / "a.png")
    second = store_original(settings, tmp_path / "b.png")
    assert first == second
    assert len(list(settings.originals_dir.rglob("*"))) == 2  # one folder, one file


def test_an_existing_copy_is_never_overwritten(settings: Settings, tmp_path: Path) -> None:
    photo = tmp_path / "card.jpg"
    photo.write_bytes(b"the dealer's bytes")
    stored = store_original(settings, photo)
    stored.path.chmod(0o644)
    stored.path.write_bytes(b"kept as found")  # simulate a copy that must not be replaced
    again = store_original(settings, photo)
    assert again.path == stored.path
    assert stored.path.read_bytes() == b"kept as found"


def test_a_missing_file_is_named_in_the_error(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jpg"
    with pytest.raises(FileNotFoundError, match=f"{missing}: not a file, cannot store it"):
        store_original(settings, missing)
