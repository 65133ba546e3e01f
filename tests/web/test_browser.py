"""The page in a real browser (Debian's chromium through Playwright): log in and clear three
micro-tasks with the keyboard alone, then see the queue empty; send an unreadable photo back to
the dealer with two keys."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlmodel import select

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import Dossier, DossierStatus, MicroTask, TaskState, session_scope
from autopass.web import create_app
from tests.web.factories import PASSWORD, add_dossier, task_of_kind

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(web_settings: Settings, settled_dossiers: list[int]) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 and a free port, in a thread; its base URL."""
    app = create_app(web_settings, on_dossier_settled=lambda _, d: settled_dossiers.append(d))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@contextmanager
def logged_in_page(served: str, username: str) -> Iterator[Page]:
    """A chromium page on the task page, ``username`` logged in with the keyboard alone."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(f"{served}/tasks")
            expect(page).to_have_url(f"{served}/login")
            page.keyboard.type(username)  # the username field has the focus
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            yield page
        finally:
            browser.close()


def test_operator_clears_three_tasks_with_the_keyboard(
    served: str, web_settings: Settings, settled_dossiers: list[int]
) -> None:
    from playwright.sync_api import expect

    dossier_id = add_dossier(
        web_settings,
        "A20261128000123",
        [
            task_of_kind(web_settings, MicroTaskKind.CLASSIFY_DOCUMENT, "A1", priority=3),
            task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1", priority=2),
            task_of_kind(web_settings, MicroTaskKind.COMPARE_FACES, "A1", priority=1),
        ],
    )
    with logged_in_page(served, "olga") as page:
        expect(page.locator("#task")).to_have_attribute("data-kind", "classify_document")
        expect(page.locator("img").first).to_have_js_property("complete", True)
        page.keyboard.press("1")  # 身份证人像面

        expect(page.locator("#task")).to_have_attribute("data-kind", "confirm_field")
        expect(page.locator("#value")).to_be_focused()
        page.keyboard.press("Enter")  # accept the reading

        expect(page.locator("#task")).to_have_attribute("data-kind", "compare_faces")
        expect(page.locator("#cleared-count")).to_have_text("2")
        page.keyboard.press("y")

        expect(page.locator("#queue-empty")).to_be_visible()
        expect(page.locator("#cleared-count")).to_have_text("3")
    with session_scope(web_settings) as session:
        tasks = list(session.exec(select(MicroTask).order_by(MicroTask.id)))  # type: ignore[arg-type]
        assert [task.state for task in tasks] == [TaskState.ANSWERED] * 3
        assert [task.resolution for task in tasks] == [
            {"type": "id_card_front"},
            {"value": "370202198803121230"},
            {"same_person": True},
        ]
    assert settled_dossiers == [dossier_id]


def test_operator_sends_an_unreadable_photo_back_to_the_dealer_with_two_keys(
    served: str, web_settings: Settings, settled_dossiers: list[int]
) -> None:
    from playwright.sync_api import expect

    dossier_id = add_dossier(
        web_settings,
        "A20261128000123",
        [
            task_of_kind(web_settings, MicroTaskKind.CONFIRM_FIELD, "A1", priority=2),
            task_of_kind(web_settings, MicroTaskKind.CHECK_SIGNATURE, "A1", priority=1),
        ],
    )
    with logged_in_page(served, "olga") as page:
        expect(page.locator("#task")).to_have_attribute("data-kind", "confirm_field")
        page.keyboard.press("Escape")  # the skip dialog, even while the value has the focus
        expect(page.locator("#skip-dialog")).to_be_visible()
        page.keyboard.press("1")  # unreadable: ask the dealer for a new photo

        expect(page.locator("#queue-empty")).to_be_visible()  # its other task closed too
        expect(page.get_by_text("已请经销商补拍 id.jpg")).to_be_visible()
    with session_scope(web_settings) as session:
        assert session.get_one(Dossier, dossier_id).status == DossierStatus.WAITING_FOR_DEALER
        tasks = session.exec(select(MicroTask)).all()
        assert [task.state for task in tasks] == [TaskState.CLOSED] * 2
    assert settled_dossiers == []  # nothing to finalize: the dossier waits for the dealer


def test_a_senior_types_the_right_value_after_pressing_t(
    served: str, web_settings: Settings, settled_dossiers: list[int]
) -> None:
    """The letter a kind's page names (``data-focus-key``) takes the focus: T, to type a value
    none of the candidates has."""
    from playwright.sync_api import expect

    add_dossier(web_settings, "A20261128000123",
                [task_of_kind(web_settings, MicroTaskKind.RESOLVE_MISMATCH, "A1")])
    with logged_in_page(served, "sam") as page:
        expect(page.locator("#task")).to_have_attribute("data-kind", "resolve_mismatch")
        page.keyboard.press("t")
        expect(page.locator("#typed-value")).to_be_focused()
        page.keyboard.type("LSVAM4188C2184841")
        page.keyboard.press("Enter")
        expect(page.locator("#queue-empty")).to_be_visible()
    with session_scope(web_settings) as session:
        task = session.exec(select(MicroTask)).one()
        assert task.resolution == {"value": "LSVAM4188C2184841", "source": "typed"}
