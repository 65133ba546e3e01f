"""The scaled-out bench: dossiers as deployment runs of ``process-dossier`` on several workers
of one Prefect server and one PostgreSQL store (``autopass bench --workers``)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from autopass.devtools.footprint import capacity_table, per_dossier, snapshot
from autopass.devtools.stopwatch import percentile
from autopass.store.db import (
    dispose_engine,
)

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
