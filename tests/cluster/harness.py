"""What the cluster tests share: a cluster up for a test or a module of tests, its dossiers, its
Prefect runs, the processes behind them, and the check that every dossier was stored exactly once.

The cluster is the product's (``autopass cluster up``) with its documented knobs turned for a
test's patience, none of them a shortcut: workers ask for runs every 2 s instead of 10, the
intake runs every 5 s, and a run silent for 60 s (two heartbeats missed, the smallest the product
accepts) is marked Crashed instead of 90 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import select

from autopass.cluster import ClusterOptions, ClusterState, cluster_down, cluster_up
from autopass.settings import Settings
from autopass.store import Dossier, dispose_engine, session_scope
from autopass.store.models import MicroTask
from tests.conftest import POSTGRES_ADMIN_URL
from tests.operations.test_intake import dossier_ids, drop_dossiers

ZOMBIE_AFTER_SECONDS = 60
# The machine's PostgreSQL server, where a cluster creates its databases.
ADMIN_URL = make_url(POSTGRES_ADMIN_URL).set(database="postgres").render_as_string(
    hide_password=False)
BATCH_TIMEOUT_SECONDS = 360.0  # a dead run is noticed after 60 s or more; the machine is shared


@contextmanager
def running_cluster(directory: Path, postgres_admin_url: str, workers: int = 2
                    ) -> Iterator[ClusterState]:
    """A cluster whose intake takes every folder at once and runs every 5 s; down afterwards."""
    options = ClusterOptions(workers=workers, postgres_admin_url=postgres_admin_url,
                             intake_interval_seconds=5, intake_min_age_seconds=0,
                             queue_page=False, worker_poll_seconds=2,
                             zombie_after_seconds=ZOMBIE_AFTER_SECONDS)
    state = cluster_up(directory, options)
    try:
        yield state
    finally:
        dispose_engine(state.store_url)
        cluster_down(directory)


def drop_batch(state: ClusterState, count: int) -> list[str]:
    """``count`` tiny dossiers in the cluster's inbox, written elsewhere then moved in whole,
    numbered after those of earlier batches (whose work must be over); the application ids of
    every dossier dropped in this cluster, the new ones last."""
    assert _claimed_or_waiting(state) == [], "an earlier batch is not finished"
    first = len(list(state.archive.iterdir()))
    staging = state.directory / "staging"
    ids = drop_dossiers(staging, count, first=first)
    for folder in sorted(staging.iterdir()):
        folder.rename(state.inbox / folder.name)
    return [*dossier_ids(first), *ids]


def a_dossier_in_flight(state: ClusterState, archived_first: int,
                        timeout: float = BATCH_TIMEOUT_SECONDS) -> tuple[str, int]:
    """Once ``archived_first`` folders are archived, a running process-dossier run and the
    worker whose process runs it: the fault then falls between dossiers done and dossiers to do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(state.archive.iterdir())) >= archived_first:
            for run in flow_runs(state, "process-dossier", ["RUNNING"]):
                process = process_of_flow_run(run["id"])
                worker = worker_of(state, process) if process else None
                if worker is not None:
                    return run["id"], worker
        time.sleep(0.2)
    raise AssertionError(f"no dossier was being processed after {archived_first} archived, "
                         f"within {timeout:.0f} s")


def flow_runs(state: ClusterState, flow_name: str, state_types: list[str]) -> list[dict]:
    """Runs of ``flow_name`` in one of ``state_types``, from the cluster's Prefect API."""
    answer = httpx.post(f"{state.api_url}/flow_runs/filter", timeout=30, json={
        "flows": {"name": {"any_": [flow_name]}},
        "flow_runs": {"state": {"type": {"any_": state_types}}},
    })
    answer.raise_for_status()
    return answer.json()


def flow_run(state: ClusterState, run_id: str) -> dict:
    answer = httpx.get(f"{state.api_url}/flow_runs/{run_id}", timeout=30)
    answer.raise_for_status()
    return answer.json()


def process_of_flow_run(run_id: str) -> int | None:
    """The process a worker started for the flow run (its environment names the run)."""
    wanted = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except OSError:
            continue
    return None


def worker_of(state: ClusterState, pid: int) -> int | None:
    """The cluster's worker that ``pid`` descends from."""
    while pid > 1:
        if pid in state.worker_pids:
            return pid
        pid = _parent(pid)
    return None


def kill_with_descendants(pid: int) -> None:
    """SIGKILL ``pid`` and everything it started: the machine running it is gone."""
    victims = [pid, *_descendants(pid)]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_batch(state: ClusterState, count: int, timeout: float = BATCH_TIMEOUT_SECONDS
                   ) -> None:
    """Until ``count`` folders are archived (their dossiers stored) or the timeout."""
    deadline = time.monotonic() + timeout
    while len(list(state.archive.iterdir())) < count:
        assert time.monotonic() < deadline, (
            f"{len(list(state.archive.iterdir()))}/{count} archived after {timeout:.0f} s; "
            f"left: {_claimed_or_waiting(state)}; "
            f"rejected: {sorted(p.name for p in state.rejected.iterdir())}")
        time.sleep(0.5)


def _claimed_or_waiting(state: ClusterState) -> list[str]:
    processing = state.inbox / ".processing"
    claimed = sorted(p.name for p in processing.iterdir()) if processing.exists() else []
    return [*claimed, *sorted(p.name for p in state.inbox.iterdir() if not p.name.startswith("."))]


def assert_each_stored_once(state: ClusterState, application_ids: list[str]) -> None:
    """One dossier per application with its decision; identical dossiers, identical micro-tasks
    (a dossier recorded twice, or half, would show); every folder archived, none left over."""
    settings = Settings(data_dir=state.data_dir, database_url=state.store_url)
    with session_scope(settings) as session:
        stored = session.exec(select(Dossier.application_id, Dossier.decision)).all()
        tasks = session.exec(
            select(MicroTask.dossier_id, func.count()).group_by(MicroTask.dossier_id)).all()
    assert sorted(application_id for application_id, _ in stored) == sorted(application_ids)
    assert {decision for _, decision in stored} == {"review"}
    assert len(tasks) == len(application_ids)
    assert {count for _, count in tasks} == {1}
    assert sorted(p.name for p in state.archive.iterdir()) == sorted(
        f"dossier-{number}" for number in range(len(application_ids)))
    assert _claimed_or_waiting(state) == []
    assert list(state.rejected.iterdir()) == []


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            children.setdefault(_parent(int(entry.name)), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class PrivatePostgres:
    """A PostgreSQL server of this test's own (initdb in a temporary folder, its own port), so
    that restarting it harms no one else using the machine's server."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def initialise(self) -> None:
        self.directory.mkdir(mode=0o700)
        shutil.chown(self.directory, "postgres", "postgres")
        _as_postgres(["initdb", "-D", str(self.directory / "data"), "-A", "trust",
                      "-U", "postgres", "--no-sync"])

    def start(self) -> None:
        _as_postgres(["pg_ctl", "-D", str(self.directory / "data"), "-l",
                      str(self.directory / "server.log"), "-w", "-t", "120", "-o",
                      f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                      "-c fsync=off -c max_connections=200", "start"])

    def restart(self) -> None:
        _as_postgres(["pg_ctl", "-D", str(self.directory / "data"), "-l",
                      str(self.directory / "server.log"), "-w", "-t", "120", "-m", "fast",
                      "restart"])

    def stop(self) -> None:
        _as_postgres(["pg_ctl", "-D", str(self.directory / "data"), "-w", "-m", "immediate",
                      "stop"], check=False)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running private PostgreSQL server; stopped and removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="autopass-pg-"))
    os.chmod(parent, 0o755)  # the postgres user must reach its folder inside
    server = PrivatePostgres(parent / "cluster", _free_port())
    try:
        server.initialise()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(parent, ignore_errors=True)


def _as_postgres(command: list[str], check: bool = True) -> None:
    """Run a PostgreSQL program as the postgres user; its output to a file, not a pipe: the
    server that ``pg_ctl`` starts would hold a pipe open for as long as it runs."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    with tempfile.TemporaryFile() as output:
        finished = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(binaries / command[0]), *command[1:]],
            stdout=output, stderr=subprocess.STDOUT, timeout=180, cwd="/")
        output.seek(0)
        if check and finished.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {output.read().decode(errors='replace')}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
