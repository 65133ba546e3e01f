"""The queue bench: claim + answer latency of concurrent operators on a store filled with open
micro-tasks. Each operator is a process of its own (as browser sessions served by a web server
are, not threads sharing one GIL) that claims a task, looks at it for about ``think_ms`` and
answers it, as the queue page does; the latency is the claim's transaction plus the answer's, as
the operator's process times them (Python work included, the pause not)."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from autopass.dossier import MicroTaskKind
from autopass.settings import Settings
from autopass.store import Dossier, DossierStatus, MicroTask, Role, TaskState, utc_now
from autopass.store.db import (
    get_engine,
    session_scope,
    upgrade,
)

TASKS_PER_BENCH_DOSSIER = 4  # a dossier in review has a handful of micro-tasks, not thousands


CLAIMER_MODES = ("processes", "threads")


@dataclass
class OperatorSamples:
    """What one bench operator measured (milliseconds), sent back from its process or thread."""

    claim_answer_ms: list[float] = field(default_factory=list)
    claim_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    empty_claims: int = 0


@dataclass
class QueueFigures:
    store: str
    open_tasks: int
    claimers: int
    claimer_mode: str
    fill_seconds: float
    wall_seconds: float = 0.0  # from the moment every operator is ready until the last is done
    claim_answer_ms: list[float] = field(default_factory=list)
    claim_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    empty_claims: int = 0

    def add(self, samples: OperatorSamples) -> None:
        self.claim_answer_ms += samples.claim_answer_ms
        self.claim_ms += samples.claim_ms
        self.answer_ms += samples.answer_ms
        self.empty_claims += samples.empty_claims


def fill_queue(url: str, tasks: int, *, now: datetime) -> None:
    """``tasks`` open micro-tasks, ``TASKS_PER_BENCH_DOSSIER`` per dossier, with spread-out SLA
    deadlines, inserted in bulk; then fresh planner statistics, as a live store would have."""
    dossiers = math.ceil(tasks / TASKS_PER_BENCH_DOSSIER)
    engine = get_engine(url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            _fill_postgres(connection, dossiers=dossiers, tasks=tasks, now=now)
        else:
            _fill_generic(connection, dossiers=dossiers, tasks=tasks, now=now)
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def _fill_postgres(connection: sa.Connection, *, dossiers: int, tasks: int, now: datetime) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO dossiers (application_id, product, dealer_id, salesperson_id, application,"
            " received_at, sla_deadline, status, updated_at)"
            " SELECT 'BENCH-' || g, 'new_car_loan', 'D-BENCH', 'S-BENCH', '{}'::jsonb, :now,"
            " :now + make_interval(mins => 30, secs => g), :status, :now"
            " FROM generate_series(0, :last) AS g"
        ),
        {"now": now, "last": dossiers - 1, "status": DossierStatus.WAITING_FOR_PEOPLE.value},
    )
    connection.execute(
        sa.text(
            "INSERT INTO micro_tasks (dossier_id, kind, check_id, role, payload, priority, state,"
            " required_answers, sla_deadline, created_at)"
            " SELECT d.id, :kind, 'bench', :role, '{\"question\": \"bench\"}'::jsonb, g % 3,"
            " 'open', 1, d.sla_deadline, :now"
            " FROM generate_series(0, :last) AS g"
            " JOIN dossiers AS d ON d.application_id = 'BENCH-' || (g / :per)"
        ),
        {
            "now": now,
            "last": tasks - 1,
            "per": TASKS_PER_BENCH_DOSSIER,
            "kind": MicroTaskKind.CONFIRM_FIELD.value,
            "role": Role.OPERATOR.value,
        },
    )


def _fill_generic(connection: sa.Connection, *, dossiers: int, tasks: int, now: datetime) -> None:
    deadlines = [now + timedelta(minutes=30, seconds=number) for number in range(dossiers)]
    connection.execute(
        sa.insert(Dossier.__table__),  # type: ignore[attr-defined]
        [
            {
                "application_id": f"BENCH-{number}",
                "product": "new_car_loan",
                "dealer_id": "D-BENCH",
                "salesperson_id": "S-BENCH",
                "application": {},
                "received_at": now,
                "sla_deadline": deadline,
                "status": DossierStatus.WAITING_FOR_PEOPLE,
                "updated_at": now,
            }
            for number, deadline in enumerate(deadlines)
        ],
    )
    first_id = connection.scalar(sa.select(sa.func.min(Dossier.id)))
    connection.execute(
        sa.insert(MicroTask.__table__),  # type: ignore[attr-defined]
        [
            {
                "dossier_id": first_id + number // TASKS_PER_BENCH_DOSSIER,
                "kind": MicroTaskKind.CONFIRM_FIELD,
                "check_id": "bench",
                "role": Role.OPERATOR,
                "payload": {"question": "bench"},
                "priority": number % 3,
                "state": TaskState.OPEN,
                "required_answers": 1,
                "sla_deadline": deadlines[number // TASKS_PER_BENCH_DOSSIER],
                "created_at": now,
            }
            for number in range(tasks)
        ],
    )


def measure_queue(
    store: str,
    url: str,
    *,
    tasks: int,
    claimers: int,
    rounds: int,
    data_dir: Path,
    think_seconds: float = 1.0,
    claimer_mode: str = "processes",
) -> QueueFigures:
    """``claimers`` operators, each claiming and answering ``rounds`` tasks as the queue page does
    (expire leases, claim; then answer, in a second transaction), timed by the operator.

    Operators are separate browser sessions served by a web server, not threads of one Python
    process: each runs in a process of its own (``claimer_mode="processes"``) with its own engine
    and connection pool, so the figure is the store's latency plus one request's Python work.
    ``"threads"`` (every operator in this process) mostly measures the wait for its one GIL. A
    real server has a few worker processes, not one per operator: at a human pace that makes no
    difference; at full speed its requests queue for a worker as these queue for a CPU.

    ``think_seconds`` is the pause between claim and answer (spread 0.5-1.5x, not timed): a person
    reading a crop. With 0 it is a closed loop at full speed, the store's saturation: then the
    latency is mostly the wait for a CPU (Little's law: claimers / cycles per second), shared by
    the operators, the database server and whatever else runs on the machine; ``wall_seconds``
    gives the cycles per second achieved.
    """
    if claimer_mode not in CLAIMER_MODES:
        raise ValueError(f"claimer mode {claimer_mode!r}: use one of {', '.join(CLAIMER_MODES)}")
    upgrade(Settings(data_dir=data_dir, database_url=url))
    started = time.perf_counter()
    fill_queue(url, tasks, now=utc_now())
    figures = QueueFigures(
        store=store,
        open_tasks=tasks,
        claimers=claimers,
        claimer_mode=claimer_mode,
        fill_seconds=time.perf_counter() - started,
    )
    plans = [
        OperatorPlan(number, url, data_dir, rounds=rounds, think_seconds=think_seconds)
        for number in range(claimers)
    ]
    run = _run_in_processes if claimer_mode == "processes" else _run_in_threads
    figures.wall_seconds, samples = run(plans)
    for operator_samples in samples:
        figures.add(operator_samples)
    return figures


@dataclass(frozen=True)
class OperatorPlan:
    """One bench operator: who, on which store, for how many claim + answer cycles."""

    number: int
    url: str
    data_dir: Path
    rounds: int
    think_seconds: float

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "data_dir": str(self.data_dir)})

    @classmethod
    def from_json(cls, text: str) -> OperatorPlan:
        fields = json.loads(text)
        return cls(**{**fields, "data_dir": Path(fields["data_dir"])})


def operate(plan: OperatorPlan, wait_for_start: Callable[[], None]) -> OperatorSamples:
    """One operator's loop. Before ``wait_for_start`` (every operator starts at once) a few cycles
    run uncounted, so that as on a server that has been up a while the pooled connection, the
    compiled statements and the database's prepared plans are warm (psycopg prepares a statement
    at its 5th execution, PostgreSQL settles on a generic plan after 5 custom ones)."""
    from autopass.store.queue import answer, claim_next, expire_leases

    settings = Settings(data_dir=plan.data_dir, database_url=plan.url)
    operator = f"bench-operator-{plan.number:02d}"
    pace = random.Random(plan.number)

    def claim() -> MicroTask | None:
        with session_scope(settings) as session:
            expire_leases(session, now=utc_now())
            return claim_next(
                session, operator=operator, now=utc_now(), lease_seconds=settings.lease_seconds
            )

    def answer_it(task: MicroTask) -> None:
        with session_scope(settings) as session:
            answer(session, task_id=task.id, operator=operator, answer="ok", now=utc_now())

    for _ in range(WARMUP_CYCLES):
        warm = claim()
        if warm is not None:
            answer_it(warm)
    wait_for_start()
    time.sleep(plan.think_seconds * pace.random())  # arrive spread out, as people do
    samples = OperatorSamples()
    for _ in range(plan.rounds):
        began = time.perf_counter()
        task = claim()
        claimed = time.perf_counter()
        if task is None:
            samples.empty_claims += 1
            continue
        # Not counted: the latency is the store's. Spread out, so operators never march in step.
        time.sleep(plan.think_seconds * pace.uniform(0.5, 1.5))
        answering = time.perf_counter()
        answer_it(task)
        done = time.perf_counter()
        samples.claim_ms.append((claimed - began) * 1000)
        samples.answer_ms.append((done - answering) * 1000)
        samples.claim_answer_ms.append((claimed - began + done - answering) * 1000)
    return samples


WARMUP_CYCLES = 8
STARTUP_TIMEOUT_SECONDS = 300  # every operator started, imported, connected and warmed up
_READY, _GO = "ready", "go"


def _run_in_threads(plans: list[OperatorPlan]) -> tuple[float, list[OperatorSamples]]:
    start_together = threading.Barrier(len(plans) + 1)

    def wait_for_start() -> None:
        start_together.wait(timeout=STARTUP_TIMEOUT_SECONDS)

    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        futures = [pool.submit(operate, plan, wait_for_start) for plan in plans]
        try:
            wait_for_start()
        except threading.BrokenBarrierError:
            for future in futures:
                future.result()  # raises the error of the operator that broke the barrier
            raise
        started = time.perf_counter()
        samples = [future.result() for future in futures]
    return time.perf_counter() - started, samples


def _run_in_processes(plans: list[OperatorPlan]) -> tuple[float, list[OperatorSamples]]:
    """Each operator in a fresh interpreter of its own (``python -m autopass.devtools.queue_bench PLAN``), as a
    server process would be: nothing of this process (threads, pooled connections, loaded
    models) is shared or inherited. Each says ``ready`` when warm, starts on ``go``, and answers
    with its samples as one JSON line; its errors go to this process's stderr."""
    children = [
        subprocess.Popen(
            [sys.executable, "-m", __name__, plan.to_json()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for plan in plans
    ]
    try:
        for plan, child in zip(plans, children, strict=True):
            _expect_line(plan, child, lambda line: line == _READY)
        started = time.perf_counter()
        for child in children:
            assert child.stdin is not None
            child.stdin.write(_GO + "\n")
            child.stdin.flush()
        results = [
            _expect_line(plan, child, lambda line: line.startswith("{"))
            for plan, child in zip(plans, children, strict=True)
        ]
        wall_seconds = time.perf_counter() - started
    except BaseException:
        for child in children:
            child.kill()
        raise
    finally:
        for child in children:
            child.wait()
    return wall_seconds, [OperatorSamples(**json.loads(result)) for result in results]


def _expect_line(plan: OperatorPlan, child: subprocess.Popen, fits: Callable[[str], bool]) -> str:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if not fits(line):
        raise RuntimeError(
            f"bench operator {plan.number} stopped (exit code {child.wait()}): "
            "its error is printed above"
        )
    return line


def _operator_process(argv: list[str]) -> None:
    """``python -m autopass.devtools.queue_bench PLAN``: one operator of ``_run_in_processes``."""
    plan = OperatorPlan.from_json(argv[1])

    def wait_for_start() -> None:
        print(_READY, flush=True)
        if sys.stdin.readline().strip() != _GO:
            raise SystemExit(f"bench operator {plan.number}: the bench went away before starting")

    samples = operate(plan, wait_for_start)
    print(json.dumps(asdict(samples)), flush=True)




if __name__ == "__main__":
    _operator_process(sys.argv)
