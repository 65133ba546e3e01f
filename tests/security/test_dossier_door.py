"""The dossier's door: only regular files of its own come in, and within the limits, before
anything is copied into the originals store or rendered.

The holes these tests reproduce: a dossier folder's symbolic links were followed (another
customer's ID photo read as this applicant's; ``/proc/self/environ`` and ``/etc/passwd`` kept in
the originals store), and every limit was checked after the file was copied, or never (a 6.6 KB
PDF of 50 pages at 4000x4000 points rendered to 2.4 GB of pixels; a 200-file dossier).
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.errors import DossierError, FileRefused, ImageError
from autopass.files import open_regular_file
from autopass.imaging import load_pages, measure_pixels
from autopass.dossier_folder import open_dossier_folder
from autopass.settings import Settings, use_settings
from autopass.store import store_original
from autopass.tasks.store import store_originals
from tests.factories import APPLICATION
from tests.security.dossiers import (  # noqa: F401  (keep_umask: a fixture)
    SYMBOLIC_LINK,
    autopass_lines,
    jpeg,
    keep_umask,
    kept_originals,
    make_dossier,
    pdf,
    png_header_only,
    stored_application_ids,
)

pytestmark = pytest.mark.usefixtures("keep_umask")


@pytest.fixture
def other_customer(tmp_path: Path) -> Path:
    """Another customer's ID photo in another (archived) dossier on the same disk."""
    folder = make_dossier(tmp_path / "archive", {"id_front.jpg": jpeg("red")}, name="other",
                          application={**APPLICATION, "application_id": "A-OTHER"})
    return folder / "id_front.jpg"


# --- 1. links, pipes, devices: refused at the door ---------------------------------------------
@pytest.mark.usefixtures("prefect_harness")
def test_links_refuse_the_dossier_and_nothing_they_point_at_is_read_or_kept(
    tmp_path: Path, settings: Settings, other_customer: Path
) -> None:
    folder = make_dossier(tmp_path, {"id_back.jpg": jpeg()})
    (folder / "x.jpg").symlink_to(other_customer)
    (folder / "env.jpg").symlink_to("/proc/self/environ")
    (folder / "p.png").symlink_to("/etc/passwd")

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(folder), "--json"])

    assert outcome.exit_code == 2, outcome.output
    assert outcome.stdout == ""
    assert autopass_lines(outcome.stderr) == [f"autopass: {folder}: env.jpg: {SYMBOLIC_LINK}"]
    assert kept_originals(settings) == []
    assert stored_application_ids(settings) == []


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))


def _device(path: Path) -> None:
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is


# Making a device node needs root (these tests run as root in CI); the other kinds need nothing.
DEVICE_CASES = [pytest.param("x.jpg", lambda p, _: _device(p), "is a device, not a regular file",
                             id="device")] if os.geteuid() == 0 else []


@pytest.mark.parametrize(
    ("name", "make", "problem"),
    [
        pytest.param("x.jpg", lambda p, other: p.symlink_to(other), SYMBOLIC_LINK,
                     id="link-to-another-customer"),
        pytest.param("env.jpg", lambda p, _: p.symlink_to("/proc/self/environ"), SYMBOLIC_LINK,
                     id="link-to-environment"),
        pytest.param("p.png", lambda p, _: p.symlink_to("/etc/passwd"), SYMBOLIC_LINK,
                     id="link-to-passwd"),
        pytest.param("b.jpg", lambda p, _: p.symlink_to(p.parent / "a.jpg"), SYMBOLIC_LINK,
                     id="link-inside-the-folder"),
        pytest.param("gone.jpg", lambda p, _: p.symlink_to(p.parent / "nowhere.jpg"),
                     SYMBOLIC_LINK, id="dangling-link"),
        pytest.param("application.json",
                     lambda p, other: (p.unlink(), p.symlink_to(other.parent / p.name)),
                     SYMBOLIC_LINK, id="application-json-as-a-link"),
        pytest.param("x.jpg", lambda p, other: os.link(other, p),
                     "has 2 hard links: the same file has a name elsewhere on this machine; "
                     "only a file of its own is read (send a copy)", id="hard-link"),
        pytest.param("x.jpg", lambda p, _: _fifo(p), "is a named pipe (FIFO), not a regular file",
                     id="fifo"),
        pytest.param("x.png", lambda p, _: _socket(p), "is a socket, not a regular file",
                     id="socket"),
        pytest.param("x.pdf", lambda p, _: p.mkdir(), "is a folder, not a file", id="folder"),
        *DEVICE_CASES,
    ],
)
def test_anything_but_a_regular_file_of_its_own_refuses_the_dossier(
    tmp_path: Path, settings: Settings, other_customer: Path, name: str, make, problem: str
) -> None:
    folder = make_dossier(tmp_path, {"a.jpg": jpeg()})
    make(folder / name, other_customer)

    with pytest.raises(DossierError) as refused:
        open_dossier_folder(folder, settings)

    assert str(refused.value) == f"{folder}: {name}: {problem}"
    assert kept_originals(settings) == []


def test_the_folder_itself_may_be_a_link_its_user_named(tmp_path: Path, settings: Settings) -> None:
    folder = make_dossier(tmp_path, {"a.jpg": jpeg()})
    named = tmp_path / "today"
    named.symlink_to(folder, target_is_directory=True)

    dossier = open_dossier_folder(named, settings)

    assert dossier.files == (named / "a.jpg",)


def test_a_file_swapped_for_a_link_after_the_door_is_neither_copied_nor_read(
    tmp_path: Path, settings: Settings
) -> None:
    """The door looked at a regular file; by the time the originals are copied (or the file is
    read) the name is a link to /etc/passwd: O_NOFOLLOW where the file is opened catches it."""
    folder = make_dossier(tmp_path, {"a.jpg": jpeg()})
    dossier = open_dossier_folder(folder, settings)
    (folder / "a.jpg").unlink()
    (folder / "a.jpg").symlink_to("/etc/passwd")

    with use_settings(settings), pytest.raises(DossierError) as refused:
        store_originals.fn(dossier.files)
    assert str(refused.value) == f"{folder}: a.jpg: {SYMBOLIC_LINK}"
    with pytest.raises(FileRefused, match="is a symbolic link"):
        store_original(settings, folder / "a.jpg")
    assert kept_originals(settings) == []
    with pytest.raises(ImageError) as unread:
        load_pages(folder / "a.jpg", settings)
    assert str(unread.value) == f"{folder / 'a.jpg'}: {SYMBOLIC_LINK}"


def test_a_file_swapped_for_a_hard_link_after_the_door_is_not_copied(
    tmp_path: Path, settings: Settings, other_customer: Path
) -> None:
    folder = make_dossier(tmp_path, {"a.jpg": jpeg()})
    dossier = open_dossier_folder(folder, settings)
    (folder / "a.jpg").unlink()
    os.link(other_customer, folder / "a.jpg")

    with use_settings(settings), pytest.raises(DossierError, match="a.jpg: has 2 hard links"):
        store_originals.fn(dossier.files)
    assert kept_originals(settings) == []


def test_opening_a_pipe_swapped_in_does_not_hang(tmp_path: Path) -> None:
    """A reader of a FIFO waits for a writer forever; O_NONBLOCK and the check after the open
    turn that into a refusal."""
    pipe = tmp_path / "x.jpg"
    os.mkfifo(pipe)
    with pytest.raises(FileRefused, match="is a named pipe"):
        open_regular_file(pipe)


# --- 2. limits: checked at the door, before anything is copied or rendered ---------------------
def _files(count: int) -> dict[str, bytes]:
    return {f"page-{number:03d}.jpg": jpeg() for number in range(count)}


LIMIT_CASES = [
    pytest.param({"book.pdf": pdf(50, 4000, 4000)}, {},
                 "book.pdf: PDF has 50 pages, more than the 20 accepted (AUTOPASS_MAX_PDF_PAGES)",
                 id="50-pages-of-4000-points"),
    pytest.param({"book.pdf": pdf(20, 4000, 4000)}, {},
                 "-: the document files hold 320000000 pixels in all, above the limit of "
                 "250000000 pixels (AUTOPASS_MAX_DOSSIER_PIXELS)", id="pixels-of-pdf-pages"),
    pytest.param({f"scan-{n}.png": png_header_only(7000, 7000) for n in range(6)}, {},
                 "-: the document files hold 294000000 pixels in all, above the limit of "
                 "250000000 pixels (AUTOPASS_MAX_DOSSIER_PIXELS)", id="pixels-of-images"),
    pytest.param({"bomb.png": png_header_only(20000, 20000)}, {},
                 "bomb.png: image is 20000x20000 pixels, above the limit of 60000000 pixels "
                 "(AUTOPASS_MAX_IMAGE_PIXELS)", id="decompression-bomb"),
    pytest.param({"big.jpg": jpeg(size=(640, 480))}, {"max_file_bytes": 1000},
                 "big.jpg: file is {size} bytes, above the limit of 1000 bytes "
                 "(AUTOPASS_MAX_FILE_BYTES)", id="file-size"),
    pytest.param(_files(31), {},
                 "-: 31 document files, more than the 30 accepted "
                 "(AUTOPASS_MAX_FILES_PER_DOSSIER)", id="files-per-dossier"),
]


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize(("files", "limits", "problem"), LIMIT_CASES)
def test_a_dossier_above_a_limit_is_refused_before_anything_is_copied(
    tmp_path: Path, files: dict[str, bytes], limits: dict[str, int], problem: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data", **limits)
    folder = make_dossier(tmp_path, files)
    problem = problem.format(size=len(files.get("big.jpg", b"")))

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(folder), "--json"])

    assert outcome.exit_code == 2, outcome.output
    assert autopass_lines(outcome.stderr) == [f"autopass: {folder}: {problem}"]
    assert kept_originals(settings) == []
    assert stored_application_ids(settings) == []


def test_the_pdf_that_rendered_to_gigabytes_is_a_few_kilobytes() -> None:
    assert len(pdf(50, 4000, 4000)) < 8 * 1024


@pytest.mark.parametrize(("width", "height"), [(298, 420), (14400, 14400), (4000, 4000)])
def test_the_door_counts_the_pixels_a_pdf_page_is_rendered_to(
    tmp_path: Path, settings: Settings, width: int, height: int
) -> None:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf(1, width, height))
    with open_regular_file(path) as handle:
        measured = measure_pixels(handle, path, settings)
    [page] = load_pages(path, settings)
    assert measured == page.image.shape[0] * page.image.shape[1]


def test_rendering_still_refuses_pdf_pages_above_the_pixel_budget(
    tmp_path: Path
) -> None:
    """The second line, behind the door: a PDF swapped in after it is not rendered either."""
    settings = Settings(data_dir=tmp_path / "data", max_dossier_pixels=10_000_000)
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf(1, 4000, 4000))
    with pytest.raises(ImageError) as refused:
        load_pages(path, settings)
    assert str(refused.value) == (
        f"{path}: PDF pages hold 16000000 pixels in all, above the limit of 10000000 pixels "
        "(AUTOPASS_MAX_DOSSIER_PIXELS)")


def test_a_dossier_within_the_limits_still_comes_in(tmp_path: Path, settings: Settings) -> None:
    folder = make_dossier(tmp_path, {"scan.pdf": pdf(20), **_files(27),
                                     "empty.jpg": b"", "notes.jpg": b"not a photo"})
    dossier = open_dossier_folder(folder, settings)
    # The limits hold exactly; an unreadable file is let in: the pipeline makes it a micro-task.
    assert len(dossier.files) == 30
