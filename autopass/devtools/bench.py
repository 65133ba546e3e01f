"""How fast Autopass is on this machine: the figures of ``autopass bench`` (issue 6).

Two measurements, each usable alone:

- the pipeline: the same generated dossiers through the ``process-dossier`` flow and through the
  same task bodies called directly (no Prefect), one dossier at a time, interleaved so that the
  machine's load falls on both alike; engines are wrapped by a timing proxy for the OCR / face
  split;
- the dealer API over real HTTP to ``autopass serve`` (``autopass.devtools.api_bench``): a card
  photo's capture check and a dossier's submit, each to its answer;
- the queue: claim + answer latency of concurrent operators on a store filled with open
  micro-tasks, on a throwaway SQLite file and a throwaway PostgreSQL database. Each operator is a
  process of its own (as browser sessions served by a web server are, not threads sharing one
  GIL) that claims a task, looks at it for about ``think_ms`` and answers it, as the queue page
  does; the latency is the claim's transaction plus the answer's, as the operator's process times
  them (Python work included, the pause not). See ``measure_queue``.

Figures, never assertions: timings belong in a report, not in tests.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from autopass.devtools.api_bench import ApiFigures, dealer_api_keys, measure_dealer_api
from autopass.devtools.footprint import capacity_table, per_dossier, snapshot
from autopass.dossier import MicroTaskKind
from autopass.engines import registry
from autopass.settings import Settings, get_settings, use_settings, without_flow_heartbeats
from autopass.store import Dossier, DossierStatus, MicroTask, Role, TaskState, utc_now
from autopass.store.db import (
    dispose_engine,
    get_engine,
    session_scope,
    temporary_postgres_database,
    temporary_sqlite_database,
    upgrade,
)

DOCUMENTS_PER_DOSSIER = 7
THROUGHPUT_MODE = (
    "one dossier at a time per worker process; its files read by `parallelism` threads"
)
ENGINE_SECONDS_BASIS = (
    "seconds per dossier, summed over the threads that read its files, in the direct runs; "
    "other = the steps' time minus OCR and face calls"
)
CLASSIFY_WALL = "classify (wall, files in parallel)"
TASKS_PER_BENCH_DOSSIER = 4  # a dossier in review has a handful of micro-tasks, not thousands
DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- timing helpers ------------------------------------------------------------------------------
class Stopwatch:
    """Durations by name, added from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name].append(seconds)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def totals(self) -> dict[str, float]:
        with self._lock:
            return {name: sum(values) for name, values in self.seconds.items()}

    def clear(self) -> None:
        with self._lock:
            self.seconds.clear()


class TimedEngine:
    """Forwards everything to ``engine`` and adds the time of each method call to ``kind``.

    Calls the engine makes on itself (``read`` calling ``detect``) are not counted twice: they go
    to the real object, not through this proxy.
    """

    def __init__(self, engine: object, kind: str, stopwatch: Stopwatch) -> None:
        self._engine, self._kind, self._stopwatch = engine, kind, stopwatch

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._stopwatch.timing(self._kind):
                return attribute(*args, **kwargs)

        return timed


@contextmanager
def timed_engines(settings: Settings, stopwatch: Stopwatch) -> Iterator[None]:
    """While inside, every ``get_ocr_engine`` / ``get_face_engine`` caller gets a timing proxy.

    The registry's cached engines are swapped for proxies of themselves (found by identity, so
    the registry's cache key stays its own business) and put back afterwards.
    """
    engines = {
        "ocr": registry.get_ocr_engine(settings),
        "face": registry.get_face_engine(settings),
    }
    swapped: dict[Any, object] = {}
    with registry._lock:
        for key, cached in registry._cache.items():
            for kind, engine in engines.items():
                if cached is engine:
                    swapped[key] = engine
                    registry._cache[key] = TimedEngine(engine, kind, stopwatch)
    try:
        yield
    finally:
        with registry._lock:
            registry._cache.update(swapped)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation), as a plain float."""
    return float(np.percentile(np.asarray(values, dtype=float), q))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# --- pipeline ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ColdStart:
    """One ``autopass process`` in a new process, as a person at a terminal meets it."""

    seconds: float  # from the command's start to its first dossier starting
    cpu_seconds: float  # the command and its Prefect server, from the start to the first result
    first_dossier_seconds: float  # that dossier's own elapsed_ms, included in cpu_seconds' span
    load_average: float  # the machine's 1-minute load average as the command started


@dataclass
class PipelineFigures:
    flow_seconds: list[float]  # wall time of each measured dossier through the Prefect flow
    direct_seconds: list[float]  # the same dossiers, task bodies called directly
    engine_seconds: dict[str, float]  # per dossier, summed over threads (direct runs)
    step_seconds: dict[str, float]  # per dossier, each step of the direct runs (threads summed)
    prefect_task_seconds: dict[str, float]  # per dossier, Prefect's task-run durations by task
    decisions: dict[str, int]
    decisions_agree: bool  # flow and direct decided every dossier alike
    warmup_seconds: float
    cold_start: dict[str, ColdStart] = field(default_factory=dict)  # measure_cold_start

    @property
    def dossiers_per_hour(self) -> float:
        return 3600 * len(self.flow_seconds) / sum(self.flow_seconds)

    @property
    def orchestration_overhead_ratio(self) -> float:
        return sum(self.flow_seconds) / sum(self.direct_seconds)


class DirectSteps:
    """The flow's steps as plain function calls (their tasks' ``.fn``), each timed by its task's
    name: the baseline of the orchestration overhead. Files are read by as many threads as the
    flow's task runner has (``settings.parallelism``)."""

    def __init__(self, steps: Stopwatch) -> None:
        self.steps = steps

    def __call__(self, step: Any, *args: Any) -> Any:
        with self.steps.timing(step.name):
            return step.fn(*args)

    def map(self, step: Any, items: list[Any]) -> list[Any]:
        with self.steps.timing(CLASSIFY_WALL), ThreadPoolExecutor(get_settings().parallelism) as pool:
            return list(pool.map(lambda item: self(step, item), items))


def process_directly(folder: Path, steps: Stopwatch) -> dict:
    """What ``process-dossier`` does, step for step (``run_steps``), without Prefect."""
    from autopass.flows.process_dossier import ProcessDossierRequest, run_steps

    return run_steps(ProcessDossierRequest(folder=str(folder)), DirectSteps(steps)).contract_json()


def process_with_flow(folder: Path) -> tuple[dict, Any]:
    """One dossier through the ``process-dossier`` flow; its result and flow-run id."""
    from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier

    with without_flow_heartbeats():
        state = process_dossier(ProcessDossierRequest(folder=str(folder)), return_state=True)
    return state.result(), state.state_details.flow_run_id


def measure_pipeline(
    folders: Sequence[Path],
    *,
    work_dir: Path,
    settings: Settings,
    warmup: Path | None = None,
    on_dossier: Callable[[str], None] | None = None,
) -> PipelineFigures:
    """Run every folder through the flow and directly, alternating which goes first.

    Each path records into its own store under ``work_dir`` (so neither re-records a dossier the
    other stored). ``warmup`` goes through both paths first and is not counted: it loads the
    models, migrates the stores and starts Prefect.
    """
    flow_settings = settings.model_copy(update={"data_dir": work_dir / "flow"})
    direct_settings = settings.model_copy(update={"data_dir": work_dir / "direct"})
    engines, steps = Stopwatch(), Stopwatch()
    flow_seconds: list[float] = []
    direct_seconds: list[float] = []
    flow_run_ids: list[Any] = []
    decisions: Counter[str] = Counter()
    agree = True
    warmup_seconds = 0.0
    with timed_engines(settings, engines):
        if warmup is not None:
            started = time.perf_counter()
            with use_settings(flow_settings):
                process_with_flow(warmup)
            with use_settings(direct_settings):
                process_directly(warmup, Stopwatch())
            warmup_seconds = time.perf_counter() - started
        direct_engines: Counter[str] = Counter()
        for index, folder in enumerate(folders):
            runs = [("flow", flow_settings), ("direct", direct_settings)]
            outcomes: dict[str, dict] = {}
            for path, path_settings in runs if index % 2 == 0 else list(reversed(runs)):
                engines.clear()
                with use_settings(path_settings):
                    started = time.perf_counter()
                    if path == "flow":
                        outcomes[path], run_id = process_with_flow(folder)
                        flow_seconds.append(time.perf_counter() - started)
                        flow_run_ids.append(run_id)
                    else:
                        outcomes[path] = process_directly(folder, steps)
                        direct_seconds.append(time.perf_counter() - started)
                        direct_engines.update(engines.totals())
            decisions[outcomes["flow"]["decision"]] += 1
            agree = agree and outcomes["flow"]["decision"] == outcomes["direct"]["decision"]
            if on_dossier:
                on_dossier(
                    f"{folder.name}: flow {flow_seconds[-1]:.2f} s, direct "
                    f"{direct_seconds[-1]:.2f} s, {outcomes['flow']['decision']}"
                )
    count = len(folders)
    step_seconds = {name: total / count for name, total in steps.totals().items()}
    busy = sum(seconds for name, seconds in step_seconds.items() if name != CLASSIFY_WALL)
    ocr, face = direct_engines["ocr"] / count, direct_engines["face"] / count
    return PipelineFigures(
        flow_seconds=flow_seconds,
        direct_seconds=direct_seconds,
        engine_seconds={"ocr": ocr, "face": face, "other": max(busy - ocr - face, 0.0)},
        step_seconds=step_seconds,
        prefect_task_seconds=prefect_task_seconds(flow_run_ids),
        decisions=dict(decisions),
        decisions_agree=agree,
        warmup_seconds=warmup_seconds,
    )


def prefect_task_seconds(flow_run_ids: Sequence[Any]) -> dict[str, float]:
    """Prefect's own task-run durations of these flow runs, per dossier, by task name.

    Task-run states reach the API asynchronously (events), so runs not yet written count 0:
    read it next to ``step_seconds``, which the bench times itself. Empty with Prefect's
    ephemeral server, which records no task runs (``settings.EPHEMERAL_SERVICES_OFF``).
    """
    if not flow_run_ids:
        return {}
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(flow_run_ids)))
        )
    totals: dict[str, float] = defaultdict(float)
    for run in runs:
        totals[run.task_key.rsplit("-", 1)[0] if run.task_key else run.name] += (
            run.total_run_time.total_seconds()
        )
    return {name: seconds / len(flow_run_ids) for name, seconds in sorted(totals.items())}


# --- queue ---------------------------------------------------------------------------------------
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
    """Each operator in a fresh interpreter of its own (``python -m autopass.devtools.bench PLAN``), as a
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
    """``python -m autopass.devtools.bench PLAN``: one operator of ``_run_in_processes``."""
    plan = OperatorPlan.from_json(argv[1])

    def wait_for_start() -> None:
        print(_READY, flush=True)
        if sys.stdin.readline().strip() != _GO:
            raise SystemExit(f"bench operator {plan.number}: the bench went away before starting")

    samples = operate(plan, wait_for_start)
    print(json.dumps(asdict(samples)), flush=True)


# --- the whole bench -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchConfig:
    count: int = 10
    seed: int = 0
    warmup: bool = True  # one more dossier first, not counted (models, stores, Prefect start)
    faces_dir: Path | None = None
    skip_pipeline: bool = False
    skip_queue: bool = False
    skip_dealer_api: bool = False
    api_photos: int = 20  # card photos checked over HTTP (captures_check_ms_p95)
    api_submits: int = 10  # dossiers submitted over HTTP (dossier_submit_ms_p95)
    queue_tasks: int = 100_000
    claimers: int = 20
    queue_rounds: int = 25  # claim + answer cycles per claimer
    think_ms: int = 1000  # between claim and answer, an operator reads the crop (0 = saturation)
    claimer_mode: str = "processes"  # one process per operator, as separate browser sessions are
    stores: tuple[str, ...] = ("sqlite", "postgresql")
    postgres_admin_url: str = DEFAULT_POSTGRES_ADMIN_URL


def run_bench(
    config: BenchConfig, *, settings: Settings, say: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Every figure of issue 6 as one JSON-ready object (a skipped part's figures are None)."""
    report: dict[str, Any] = {
        "count": config.count,
        "seed": config.seed,
        "warmup": config.warmup,
        "documents_per_dossier": DOCUMENTS_PER_DOSSIER,
        "parallelism": settings.parallelism,
        "cpu_count": os.cpu_count(),
        "load_average_start": [round(value, 2) for value in os.getloadavg()],
        **_pipeline_keys(None),
    }
    with tempfile.TemporaryDirectory(prefix="autopass-bench-") as work:
        work_dir = Path(work)
        if not config.skip_pipeline:
            report.update(_pipeline_keys(_bench_pipeline(config, settings, work_dir, say)))
        report["peak_rss_mb"] = peak_rss_mb()  # before the queue part adds its own threads
        report.update(dealer_api_keys(
            None if config.skip_dealer_api else _bench_dealer_api(config, settings, work_dir, say),
            percentile))
        report.update(
            _queue_keys(None if config.skip_queue else _bench_queue(config, work_dir, say), config)
        )
    report["load_average_end"] = [round(value, 2) for value in os.getloadavg()]
    return report


def _bench_pipeline(
    config: BenchConfig, settings: Settings, work_dir: Path, say: Callable[[str], None]
) -> PipelineFigures:
    from autopass.devtools.samples.generator import generate_samples

    warmups = 1 if config.warmup else 0
    say(f"generating {config.count} + {warmups} warm-up standard dossiers (seed {config.seed})")
    folders = generate_samples(
        work_dir / "samples",
        config.count + warmups,
        config.seed,
        defect_rate=0.0,
        faces_dir=config.faces_dir or settings.faces_dir,
    )
    say("cold start: `autopass process` in a new process, twice")
    cold_start = measure_cold_start(folders[0], work_dir / "cold-start")
    say("warming up (models, stores, Prefect), then measuring" if warmups else "measuring")
    figures = measure_pipeline(
        folders[warmups:],
        work_dir=work_dir,
        settings=settings.model_copy(update={"data_dir": work_dir}),
        warmup=folders[0] if warmups else None,
        on_dossier=say,
    )
    figures.cold_start = cold_start
    return figures


def measure_cold_start(folder: Path, data_dir: Path) -> dict[str, ColdStart]:
    """``autopass process FOLDER`` in a new process, with a new data dir (Prefect creates its
    database) and again with that one: the seconds from starting it to its first dossier starting
    (the time its result is printed, less the dossier's own ``elapsed_ms``; the command's exit,
    which stops Prefect's server, comes after), and the CPU time it and its children took until
    then (Linux ``/proc``; the wall time on a shared machine stretches with its load, the CPU
    time much less)."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("PREFECT_", "AUTOPASS_"))}
    environment["AUTOPASS_DATA_DIR"] = str(data_dir)
    measured = {}
    for name in ("new_data_dir", "later"):
        load_average = os.getloadavg()[0]
        with tempfile.TemporaryFile() as errors:
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "autopass", "process", str(folder), "--json"],
                env=environment, stdout=subprocess.PIPE, stderr=errors, text=True)
            assert process.stdout is not None
            first = process.stdout.readline()
            first_at = time.perf_counter() - started
            cpu_seconds = _tree_cpu_seconds(process.pid)
            process.stdout.read()
            if process.wait(timeout=600) != 0 or not first:
                errors.seek(0)
                raise RuntimeError(f"autopass process {folder} failed ({process.returncode}): "
                                   f"{errors.read().decode(errors='replace')[-2000:]}")
        dossier_seconds = json.loads(first)["elapsed_ms"] / 1000
        measured[name] = ColdStart(seconds=round(first_at - dossier_seconds, 2),
                                   cpu_seconds=round(cpu_seconds, 2),
                                   first_dossier_seconds=round(dossier_seconds, 2),
                                   load_average=round(load_average, 2))
    return measured


def _tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its live descendants so far (Linux
    ``/proc``; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        stats[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, family = 0.0, {pid}
    while family:
        member = family.pop()
        total += stats.get(member, (0, 0.0))[1]
        family |= {child for child, (parent, _) in stats.items() if parent == member}
    return total


def _bench_dealer_api(
    config: BenchConfig, settings: Settings, work_dir: Path, say: Callable[[str], None]
) -> ApiFigures:
    from autopass.devtools.samples.generator import generate_samples

    # about four card photos a dossier: enough dossiers for the photos and the submits
    count = max(config.api_submits, -(-config.api_photos // 4) + 1)
    say(f"generating {count} standard dossiers for the dealer API (seed {config.seed + 1})")
    folders = generate_samples(work_dir / "api-samples", count, config.seed + 1, defect_rate=0.0,
                               faces_dir=config.faces_dir or settings.faces_dir)
    return measure_dealer_api(folders, work_dir, photos=config.api_photos,
                              submits=config.api_submits, say=say)


def _bench_queue(
    config: BenchConfig, work_dir: Path, say: Callable[[str], None]
) -> list[QueueFigures]:
    stores = {
        "sqlite": lambda: temporary_sqlite_database("autopass-bench-sqlite"),
        "postgresql": lambda: temporary_postgres_database(config.postgres_admin_url, "autopass_bench"),
    }
    results = []
    for store in config.stores:
        say(
            f"queue on {store}: {config.queue_tasks} open tasks, {config.claimers} claimers "
            f"({config.claimer_mode})"
        )
        with stores[store]() as url:
            results.append(
                measure_queue(
                    store,
                    url,
                    tasks=config.queue_tasks,
                    claimers=config.claimers,
                    rounds=config.queue_rounds,
                    data_dir=work_dir / f"queue-{store}",
                    think_seconds=config.think_ms / 1000,
                    claimer_mode=config.claimer_mode,
                )
            )
    return results


def _pipeline_keys(figures: PipelineFigures | None) -> dict[str, Any]:
    if figures is None:
        return {
            "dossier_seconds_p50": None,
            "dossier_seconds_p95": None,
            "dossiers_per_hour": None,
            "throughput_mode": THROUGHPUT_MODE,
            "orchestration_overhead_ratio": None,
            "direct_seconds_p50": None,
            "engine_seconds": None,
            "engine_seconds_basis": ENGINE_SECONDS_BASIS,
            "step_seconds": None,
            "prefect_task_seconds": None,
            "decisions": None,
            "decisions_agree": None,
            "warmup_seconds": None,
            "cold_start_seconds": None,
            "cold_start": None,
        }
    return {
        "dossier_seconds_p50": round(percentile(figures.flow_seconds, 50), 3),
        "dossier_seconds_p95": round(percentile(figures.flow_seconds, 95), 3),
        "dossiers_per_hour": round(figures.dossiers_per_hour, 1),
        "throughput_mode": THROUGHPUT_MODE,
        "orchestration_overhead_ratio": round(figures.orchestration_overhead_ratio, 3),
        "direct_seconds_p50": round(percentile(figures.direct_seconds, 50), 3),
        "engine_seconds": _rounded(figures.engine_seconds),
        "engine_seconds_basis": ENGINE_SECONDS_BASIS,
        "step_seconds": _rounded(figures.step_seconds),
        "prefect_task_seconds": _rounded(figures.prefect_task_seconds),
        "decisions": figures.decisions,
        "decisions_agree": figures.decisions_agree,
        "warmup_seconds": round(figures.warmup_seconds, 2),
        "cold_start_seconds": {name: cold.seconds for name, cold in figures.cold_start.items()},
        "cold_start": {name: asdict(cold) for name, cold in figures.cold_start.items()},
    }


def _queue_keys(results: list[QueueFigures] | None, config: BenchConfig) -> dict[str, Any]:
    if results is None:
        return {"queue_claim_answer_ms_p95": None, "queue_claim_answer_ms_p50": None, "queue": None}
    measured = [r for r in results if r.claim_answer_ms]
    details = {
        r.store: {
            "open_tasks": r.open_tasks,
            "claimers": r.claimers,
            "claimer_mode": r.claimer_mode,
            "think_ms": config.think_ms,
            "samples": len(r.claim_answer_ms),
            "empty_claims": r.empty_claims,
            "fill_seconds": round(r.fill_seconds, 2),
            "cycles_per_second": round(len(r.claim_answer_ms) / r.wall_seconds, 1),
            "claim_answer_ms_p50": round(percentile(r.claim_answer_ms, 50), 2),
            "claim_ms_p50": round(percentile(r.claim_ms, 50), 2),
            "claim_ms_p95": round(percentile(r.claim_ms, 95), 2),
            "answer_ms_p50": round(percentile(r.answer_ms, 50), 2),
            "answer_ms_p95": round(percentile(r.answer_ms, 95), 2),
        }
        for r in measured
    }
    return {
        "queue_claim_answer_ms_p95": {
            r.store: round(percentile(r.claim_answer_ms, 95), 2) for r in measured
        },
        "queue_claim_answer_ms_p50": {
            r.store: round(percentile(r.claim_answer_ms, 50), 2) for r in measured
        },
        "queue": details,
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {name: round(seconds, 3) for name, seconds in values.items()}


if __name__ == "__main__":
    _operator_process(sys.argv)


# --- the scaled-out shape ------------------------------------------------------------------------
PROCESS_DEPLOYMENT_NAME = "process-dossier/process-dossier"
TERMINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class ClusterFigures:
    workers: int
    dossiers: int
    completed: int
    wall_seconds: float  # first run created -> last run ended
    run_seconds: list[float]  # each run from its start on a worker to its end
    latency_seconds: list[float]  # each run from its creation to its end (queueing included)
    footprint: dict[str, float]  # per dossier: store and Prefect rows/bytes, files (footprint.py)

    def as_report(self) -> dict[str, Any]:
        return {
            **self.footprint,
            "workers": self.workers,
            "dossiers": self.dossiers,
            "completed": self.completed,
            "dossiers_per_hour": round(self.completed / self.wall_seconds * 3600, 1),
            "run_seconds_p50": round(percentile(self.run_seconds, 50), 2),
            "run_seconds_p95": round(percentile(self.run_seconds, 95), 2),
            "latency_seconds_p50": round(percentile(self.latency_seconds, 50), 2),
            "latency_seconds_p95": round(percentile(self.latency_seconds, 95), 2),
        }


def run_cluster_bench(
    workers: Sequence[int], count: int, *, seed: int, faces_dir: Path | None,
    postgres_admin_url: str, say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The real shape (``autopass cluster up``) with each number of workers, one flow run per
    worker at a time: the same ``count`` standard dossiers created as runs of the process-dossier
    deployment all at once, after one warm-up dossier not counted."""
    from autopass.devtools.samples.generator import generate_samples

    admin_url = sa.make_url(postgres_admin_url).set(database="postgres").render_as_string(
        hide_password=False)
    report: dict[str, Any] = {"cpu_count": os.cpu_count(),
                              "load_average_start": [round(v, 2) for v in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="autopass-cluster-bench-") as work:
        work_dir = Path(work)
        say(f"generating {count} + 1 warm-up standard dossiers (seed {seed})")
        folders = generate_samples(work_dir / "samples", count + 1, seed, defect_rate=0.0,
                                   faces_dir=faces_dir)
        for number in workers:
            say(f"cluster with {number} worker(s): starting")
            figures = measure_cluster(folders, number, work_dir / f"cluster-{number}", admin_url,
                                      say)
            report[f"workers_{number}"] = figures.as_report()
    single = report.get("workers_1") or report[f"workers_{workers[0]}"]
    report["capacity"] = {
        f"{row.pop('dossiers_per_day')}_a_day": row
        for row in capacity_table(
            single["dossiers_per_hour"] / single["workers"],
            {key: value for key, value in single.items() if key.endswith("_per_dossier")})}
    report["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    return report


def measure_cluster(folders: Sequence[Path], workers: int, directory: Path, admin_url: str,
                    say: Callable[[str], None]) -> ClusterFigures:
    """``folders[0]`` alone (warm-up), then the others at once, on a fresh cluster."""
    import httpx

    from autopass.cluster import ClusterOptions, cluster_down, cluster_up

    options = ClusterOptions(workers=workers, worker_limit=1, postgres_admin_url=admin_url,
                             intake_interval_seconds=24 * 3600, queue_page=False)
    state = cluster_up(directory, options)
    try:
        with httpx.Client(base_url=state.api_url, timeout=60) as api:
            deployment = api.get(f"/deployments/name/{PROCESS_DEPLOYMENT_NAME}").json()["id"]
            say("warm-up dossier")
            _wait_for_runs(api, [_create_run(api, deployment, folders[0])])
            say(f"measuring {len(folders) - 1} dossiers")
            before = snapshot(state.store_url, state.prefect_database_url, state.data_dir)
            started = time.time()
            runs = _wait_for_runs(
                api, [_create_run(api, deployment, folder) for folder in folders[1:]])
            after = snapshot(state.store_url, state.prefect_database_url, state.data_dir)
    finally:
        dispose_engine(state.store_url)
        cluster_down(directory)
    done = [run for run in runs if run["state_type"] == "COMPLETED"]
    ends = [_timestamp(run["end_time"]) for run in runs if run["end_time"]]
    return ClusterFigures(
        workers=workers, dossiers=len(runs), completed=len(done),
        wall_seconds=max(ends) - started,
        run_seconds=[_timestamp(r["end_time"]) - _timestamp(r["start_time"]) for r in done],
        latency_seconds=[_timestamp(r["end_time"]) - _timestamp(r["created"]) for r in done],
        footprint=per_dossier(before, after, len(runs)),
    )


def _create_run(api: Any, deployment: str, folder: Path) -> str:
    answer = api.post(f"/deployments/{deployment}/create_flow_run",
                      json={"parameters": {"request": {"folder": str(folder)}}})
    answer.raise_for_status()
    return answer.json()["id"]


def _wait_for_runs(api: Any, run_ids: list[str], timeout: float = 3600.0) -> list[dict]:
    """The runs, once every one of them has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.post("/flow_runs/filter", json={"flow_runs": {"id": {"any_": run_ids}}})
        answer.raise_for_status()
        runs = answer.json()
        if len(runs) == len(run_ids) and all(r["state_type"] in TERMINAL_STATES for r in runs):
            return runs
        time.sleep(1)
    raise RuntimeError(f"{len(run_ids)} flow runs still not ended after {timeout:.0f} s")


def _timestamp(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
