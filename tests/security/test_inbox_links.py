"""The intake inbox trusts whoever drops folders in it with nothing beyond those folders.

The holes: a symbolic link in the inbox was claimed and followed (another folder processed and
moved as a dealer's dossier); a dossier's symbolic links were followed; a dangling link in a
folder stopped every intake; ``error.txt``, the attempts counter and the lock were written
through links planted under their names (overwriting or creating any file the intake may write).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopass.errors import FileRefused
from autopass.inbox import (
    ATTEMPTS_FILE,
    ERROR_FILE,
    LOCK_FILE,
    InboxLayout,
    claim_folders,
    count_attempt,
    intake_lock,
    reject_folder,
)
from autopass.settings import Settings, use_settings
from tests.factories import APPLICATION
from tests.security.dossiers import SYMBOLIC_LINK, jpeg, kept_originals, stored_application_ids


def drop(inbox: Path, name: str, files: dict[str, bytes] | None = None) -> Path:
    folder = inbox / name
    folder.mkdir(parents=True)
    (folder / "application.json").write_text(json.dumps(APPLICATION), encoding="utf-8")
    for file_name, content in (files or {"a.jpg": jpeg()}).items():
        (folder / file_name).write_bytes(content)
    return folder


@pytest.fixture
def layout(tmp_path: Path) -> InboxLayout:
    return InboxLayout.of(tmp_path / "inbox", tmp_path / "archive")


@pytest.fixture
def victim(tmp_path: Path) -> Iterator[Path]:
    """A file the intake can write but must never touch (the store, another dossier...)."""
    path = tmp_path / "elsewhere" / "precious"
    path.parent.mkdir()
    path.write_text("2", encoding="utf-8")
    yield path
    assert path.read_text(encoding="utf-8") == "2", "written through a planted link"


def test_a_link_in_the_inbox_is_neither_claimed_nor_followed(
    tmp_path: Path, layout: InboxLayout
) -> None:
    other = drop(tmp_path / "someone-else", "their-dossier")
    drop(layout.inbox, "dossier-0")
    (layout.inbox / "sneaky").symlink_to(other, target_is_directory=True)

    claimed = claim_folders(layout, min_age_seconds=0, limit=10)

    assert [p.name for p in claimed] == ["dossier-0"]
    assert (layout.inbox / "sneaky").is_symlink()
    assert sorted(p.name for p in other.iterdir()) == ["a.jpg", "application.json"]
    assert stat.S_IMODE(layout.processing.stat().st_mode) == 0o700, "claimed folders are ours"


def test_an_existing_processing_folder_becomes_the_intakes_own(layout: InboxLayout) -> None:
    layout.processing.mkdir(parents=True)
    layout.processing.chmod(0o777)
    claim_folders(layout, min_age_seconds=0, limit=10)
    assert stat.S_IMODE(layout.processing.stat().st_mode) == 0o700


def test_a_dangling_link_in_a_folder_does_not_stop_the_intake(layout: InboxLayout) -> None:
    folder = drop(layout.inbox, "dossier-0")
    (folder / "x.jpg").symlink_to(folder / "nowhere.jpg")

    claimed = claim_folders(layout, min_age_seconds=0, limit=10)

    assert [p.name for p in claimed] == ["dossier-0"]


@pytest.mark.usefixtures("prefect_harness")
def test_a_dossier_with_links_is_rejected_naming_the_file(
    tmp_path: Path, settings: Settings, layout: InboxLayout
) -> None:
    from autopass.flows.intake import IntakeRequest, intake

    other = drop(tmp_path / "archive-of-others", "other", {"id_front.jpg": jpeg("red")})
    folder = drop(layout.inbox, "d1")
    (folder / "x.jpg").symlink_to(other / "id_front.jpg")

    with use_settings(settings):
        summary = intake(IntakeRequest(inbox=str(layout.inbox), archive=str(layout.archive),
                                       min_age_seconds=0))

    assert summary.rejected == ["d1"]
    assert (layout.rejected / "d1" / ERROR_FILE).read_text(encoding="utf-8") == (
        f"d1: x.jpg: {SYMBOLIC_LINK}\n")
    assert kept_originals(settings) == []
    assert stored_application_ids(settings) == []
    assert (other / "id_front.jpg").read_bytes() == jpeg("red")


def test_error_txt_planted_as_a_link_is_replaced_not_written_through(
    layout: InboxLayout, victim: Path
) -> None:
    folder = drop(layout.processing, "d1")
    (folder / ERROR_FILE).symlink_to(victim)

    rejected = reject_folder(layout, folder, "d1: application.json: missing")

    error = rejected / ERROR_FILE
    assert not error.is_symlink()
    assert error.read_text(encoding="utf-8") == "d1: application.json: missing\n"


def test_the_attempts_counter_planted_as_a_link_is_replaced_not_written_through(
    layout: InboxLayout, victim: Path
) -> None:
    folder = drop(layout.processing, "d1")
    (folder / ATTEMPTS_FILE).symlink_to(victim)

    assert count_attempt(folder) == 1
    assert count_attempt(folder) == 2
    assert not (folder / ATTEMPTS_FILE).is_symlink()


def test_a_lock_planted_as_a_link_creates_nothing_where_it_points(
    tmp_path: Path, layout: InboxLayout
) -> None:
    layout.inbox.mkdir(parents=True)
    target = tmp_path / "created-by-the-intake"
    (layout.inbox / LOCK_FILE).symlink_to(target)

    with pytest.raises(FileRefused) as refused, intake_lock(layout):
        pass

    assert str(refused.value) == (f"{layout.inbox / LOCK_FILE}: is a symbolic link: the intake's "
                                  "lock must be a file of its own (remove the link)")
    assert not os.path.lexists(target)
