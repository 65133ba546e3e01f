"""Claiming and answering from many threads at once, on real PostgreSQL and a SQLite file."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from autopass.store.queue import AnswerOutcome, answer, claim_next
from autopass.settings import Settings
from autopass.store import record_dossier, session_scope

from .factories import ORIGINALS, at, confirm_task, make_application, make_result

THREADS = 20
TASKS = 500
DOSSIERS = 10


def _fill_queue(settings: Settings) -> None:
    with session_scope(settings) as session:
        for number in range(DOSSIERS):
            application_id = f"A{number:03d}"
            record_dossier(
                session,
                application=make_application(application_id),
                result=make_result(application_id),
                originals=ORIGINALS,
                microtasks=[confirm_task(f"q{i}") for i in range(TASKS // DOSSIERS)],
                received_at=at(number),
                now=at(number),
            )


def test_every_task_is_claimed_exactly_once_by_20_threads(store: Settings) -> None:
    _fill_queue(store)
    claimed: list[int] = []
    start = threading.Barrier(THREADS)

    def claimer(number: int) -> None:
        start.wait()
        while True:
            with session_scope(store) as session:
                task = claim_next(session, operator=f"op{number}", now=at(60), lease_seconds=60)
                if task is None:
                    return
                claimed.append(task.id)  # type: ignore[arg-type]

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(claimer, range(THREADS)))
    duplicates = [task for task, times in Counter(claimed).items() if times > 1]
    assert duplicates == []
    assert len(claimed) == TASKS


def test_the_last_answers_of_a_dossier_settle_it_exactly_once(store: Settings) -> None:
    """Two operators answer a dossier's last two tasks at the same moment: one finalize only."""
    for round_number in range(5):
        outcomes = _answer_the_last_two_tasks_at_once(store, f"R{round_number}")
        assert sorted(o.dossier_settled for o in outcomes) == [False, True]


def _answer_the_last_two_tasks_at_once(store: Settings, application_id: str) -> list[AnswerOutcome]:
    with session_scope(store) as session:
        record_dossier(
            session,
            application=make_application(application_id),
            result=make_result(application_id),
            originals=ORIGINALS,
            microtasks=[confirm_task("a"), confirm_task("b")],
            now=at(0),
        )
    holders: dict[str, int] = {}
    for operator in ("alice", "bob"):
        with session_scope(store) as session:
            task = claim_next(session, operator=operator, now=at(10), lease_seconds=60)
            assert task is not None and task.id is not None
            holders[operator] = task.id
    start = threading.Barrier(2)

    def answerer(operator: str) -> AnswerOutcome:
        start.wait()
        with session_scope(store) as session:
            return answer(
                session, task_id=holders[operator], operator=operator, answer="y", now=at(11)
            )

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(answerer, holders))
