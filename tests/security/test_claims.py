"""One user holds one task: parallel "next task" calls of one user (two tabs, a double click, a
script) all get the task the first of them claimed, on either store. A real server: the
TestClient happens to run such requests one after another."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlmodel import func, select

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import MicroTask, TaskState, session_scope
from tests.security.served import served, web_app
from tests.web.conftest import csrf_of, log_in
from tests.web.factories import add_dossier, task_of_kind

PARALLEL = 8
USERNAMES = ("olga", "otto", "sam")  # one round each: operators and a senior


def test_parallel_next_task_calls_of_one_user_claim_one_task(web_store: Settings) -> None:
    tasks = [task_of_kind(web_store, MicroTaskKind.CHECK_SIGNATURE, f"t{n}")
             for n in range(PARALLEL * len(USERNAMES))]
    add_dossier(web_store, "A-PARALLEL", tasks)
    with served(web_app(web_store)) as url:
        for username in USERNAMES:
            responses = _at_once(url, username, "GET", "/api/tasks/next")
            assert [response.status_code for response in responses] == [200] * PARALLEL
            assert len({response.json()["id"] for response in responses}) == 1  # the same task
            assert _claimed_by(web_store, username) == 1
    assert _claimed_by(web_store, None) == len(USERNAMES)


def test_parallel_task_pages_of_one_user_show_one_task(web_store: Settings) -> None:
    add_dossier(web_store, "A-PAGES", [task_of_kind(web_store, MicroTaskKind.CHECK_SIGNATURE,
                                                    f"p{n}") for n in range(PARALLEL)])
    with served(web_app(web_store)) as url:
        pages = _at_once(url, "sam", "GET", "/tasks")
    assert [page.status_code for page in pages] == [200] * PARALLEL
    assert _claimed_by(web_store, "sam") == 1


def test_parallel_skips_of_one_task_leave_its_user_one_task(web_store: Settings) -> None:
    """Each skip claims the next task before it gives the skipped one back: the skips after the
    first find the task no longer theirs, and claim nothing more."""
    add_dossier(web_store, "A-SKIPS", [task_of_kind(web_store, MicroTaskKind.CHECK_SIGNATURE,
                                                    f"s{n}") for n in range(PARALLEL * 2)])
    with served(web_app(web_store)) as url, httpx.Client(base_url=url) as client:
        log_in(client, "olga")  # type: ignore[arg-type]
        page = client.get("/tasks").text
        [skipped] = re.findall(r'action="/tasks/(\d+)/skip"', page)
        form = {"csrf_token": csrf_of(page), "reason": "unsure"}
        skips = _at_once(url, dict(client.cookies), "POST", f"/tasks/{skipped}/skip", data=form)
    assert [(skip.status_code, skip.headers["location"]) for skip in skips] == [
        (303, "/tasks")] * PARALLEL
    assert _claimed_by(web_store, "olga") == 1


def _at_once(
    base_url: str, user: str | dict[str, str], method: str = "GET", path: str = "/",
    **request: Any,
) -> list[httpx.Response]:
    """``PARALLEL`` requests of one user (a username to log in, or a session's cookies), on
    several connections, sent together."""
    if isinstance(user, str):
        with httpx.Client(base_url=base_url) as login:
            log_in(login, user)  # type: ignore[arg-type]
            user = dict(login.cookies)
    cookies = user
    start = threading.Barrier(PARALLEL)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base_url, cookies=cookies) as client:
            start.wait()
            return client.request(method, path, **request)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(send, range(PARALLEL)))


def _claimed_by(settings: Settings, username: str | None) -> int:
    """How many tasks ``username`` holds (None: anybody)."""
    query = select(func.count()).select_from(MicroTask).where(MicroTask.state == TaskState.CLAIMED)
    if username is not None:
        query = query.where(MicroTask.claimed_by == username)
    with session_scope(settings) as session:
        return session.exec(query).one()
