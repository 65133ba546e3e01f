"""The pipeline bench: the same dossiers through the ``process-dossier`` flow and through its
task bodies called directly (no Prefect), interleaved so that the machine's load falls on both
alike; and the cold start of ``autopass process``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autopass.devtools.stopwatch import Stopwatch, timed_engines
from autopass.settings import Settings, get_settings, use_settings, without_flow_heartbeats

READ_FILES_WALL = "read files (wall, in parallel)"


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
        with self.steps.timing(READ_FILES_WALL), ThreadPoolExecutor(get_settings().parallelism) as pool:
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
    busy = sum(seconds for name, seconds in step_seconds.items() if name != READ_FILES_WALL)
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
