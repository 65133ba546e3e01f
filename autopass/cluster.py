"""The scaled-out shape on one machine: a real Prefect server on PostgreSQL, the work pool, the
deployments of ``prefect.yaml``, N workers, the store on PostgreSQL and the queue page.

``autopass cluster up`` starts it for trying it and for tests; ``down`` stops what ``up``
started and drops its databases. Everything lives in the cluster's folder: the state file that
``down`` reads (ports, databases, process ids), the logs, Prefect's home, the data dir, the inbox
and the ``prefect.yaml`` deployed, which is the project's own with the intake pointed at this
folder and dispatching each dossier as a run of the ``process-dossier`` deployment, so that the
dossiers spread over the workers.

Every process is started in a session of its own: stopping one stops the flow runs it started.
A worker killed outright leaves its flow run RUNNING in Prefect; the automation created here
(Prefect's documented zombie detection) marks a run ``Crashed`` once its heartbeats stop, the
intake then leaves its folder claimed, and the next intake processes it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, Field
from sqlalchemy.engine import make_url

from autopass.settings import EPHEMERAL_SERVER_SETTINGS, PROJECT_ROOT
from autopass.store.db import create_postgres_database, drop_postgres_database

STATE_FILE = "cluster.json"
WORK_POOL = "autopass-pool"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HEARTBEAT_SECONDS = 30  # Prefect's smallest flow-run heartbeat period
ZOMBIE_AFTER_SECONDS = 90  # three heartbeats missed: the run's process is gone (Prefect's advice)
WORKER_POLL_SECONDS = 10.0  # Prefect's default: how often a worker asks for runs to start
STARTUP_TIMEOUT_SECONDS = 240.0  # a busy 2-core machine migrates Prefect's database slowly
STOP_TIMEOUT_SECONDS = 15.0


def zombie_automation(after_seconds: int) -> dict[str, Any]:
    """Prefect's documented zombie-run automation: a run silent ``after_seconds`` is Crashed."""
    return {
        "name": "autopass: crash zombie flow runs",
        "description": "A flow run whose heartbeats stopped lost its process (worker killed, "
        "machine gone): mark it Crashed so whoever waits on it moves on.",
        "trigger": {
            "type": "event",
            "posture": "Proactive",
            # Armed by the run's start too: a process killed before its first heartbeat is caught.
            "after": ["prefect.flow-run.Running", "prefect.flow-run.heartbeat"],
            "expect": ["prefect.flow-run.heartbeat", "prefect.flow-run.Completed",
                       "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
                       "prefect.flow-run.Crashed"],
            "match": {"prefect.resource.id": ["prefect.flow-run.*"]},
            "for_each": ["prefect.resource.id"],
            "threshold": 1,
            "within": after_seconds,
        },
        "actions": [{"type": "change-flow-run-state", "state": "CRASHED",
                     "message": "no heartbeat: the process running it is gone"}],
    }


class ClusterError(RuntimeError):
    """The cluster could not be brought up (the message says which step and where its log is)."""


class ClusterOptions(BaseModel):
    """What ``up`` is asked for."""

    workers: int = Field(2, ge=1, description="How many `prefect worker` processes.")
    worker_limit: int | None = Field(
        None, ge=1, description="Flow runs each worker runs at once; unlimited by default.")
    postgres_admin_url: str = Field(
        DEFAULT_ADMIN_URL, description="A PostgreSQL server where databases may be created.")
    intake_interval_seconds: int = Field(60, ge=5, description="How often the intake runs.")
    intake_min_age_seconds: float = Field(
        10, ge=0, description="Inbox folders changed more recently are left alone.")
    queue_page: bool = Field(True, description="Also start `autopass serve`.")
    zombie_after_seconds: int = Field(
        ZOMBIE_AFTER_SECONDS, ge=2 * HEARTBEAT_SECONDS,
        description="A flow run silent this long (no heartbeat, no end) is marked Crashed; at "
        "least two heartbeat periods, so that one late heartbeat never crashes a live run.")
    worker_poll_seconds: float = Field(
        WORKER_POLL_SECONDS, ge=1, le=60,
        description="How often each worker asks the server for runs to start.")


class ClusterState(BaseModel):
    """What ``up`` started, written as it goes so that ``down`` stops even a half-started one."""

    directory: Path
    project_dir: Path
    api_url: str = ""
    queue_page_url: str | None = None
    store_url: str = ""
    prefect_database_url: str = ""
    server_pid: int | None = None
    worker_pids: list[int] = Field(default_factory=list)
    queue_page_pid: int | None = None
    worker_poll_seconds: float = WORKER_POLL_SECONDS

    @property
    def inbox(self) -> Path:
        return self.directory / "inbox"

    @property
    def archive(self) -> Path:
        return self.directory / "archive"

    @property
    def rejected(self) -> Path:
        return self.directory / "rejected"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def save(self) -> None:
        (self.directory / STATE_FILE).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    def environment(self) -> dict[str, str]:
        """The environment of every process of the cluster but the server: its Prefect API, its
        store, its data dir, deployments for finalizing and processing, this project first."""
        return {
            **_clean_environment(),
            "PREFECT_HOME": str(self.directory / "prefect-home"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS),
            "PREFECT_WORKER_QUERY_SECONDS": str(self.worker_poll_seconds),
            "AUTOPASS_PROJECT_DIR": str(self.project_dir),
            "AUTOPASS_DATA_DIR": str(self.data_dir),
            "AUTOPASS_DATABASE_URL": self.store_url,
            "AUTOPASS_FINALIZE_MODE": "deployment",
            "AUTOPASS_PROCESS_MODE": "deployment",
            "PYTHONPATH": os.pathsep.join(
                [str(self.project_dir), *filter(None, [os.environ.get("PYTHONPATH")])]),
        }


def load_state(directory: Path) -> ClusterState:
    """The state ``up`` wrote in ``directory``."""
    path = directory / STATE_FILE
    if not path.exists():
        raise ClusterError(f"no cluster in {directory} (no {STATE_FILE})")
    return ClusterState.model_validate_json(path.read_text(encoding="utf-8"))


def cluster_up(directory: Path, options: ClusterOptions,
               project_dir: Path = PROJECT_ROOT) -> ClusterState:
    """Bring the whole shape up in ``directory``; on any failure, stop what was started."""
    directory = directory.resolve()
    if (directory / STATE_FILE).exists():
        raise ClusterError(f"a cluster is already up in {directory}: `autopass cluster down` first")
    for folder in ("logs", "prefect-home", "data", "inbox", "archive", "rejected"):
        (directory / folder).mkdir(parents=True, exist_ok=True)
    state = ClusterState(directory=directory, project_dir=project_dir.resolve(),
                         worker_poll_seconds=options.worker_poll_seconds)
    state.save()
    steps: list[_Step] = []
    try:
        _create_databases(state, options.postgres_admin_url)
        # Independent steps overlap: the store migrates while the server starts; once the work
        # pool exists, the workers start while the flows are deployed.
        steps.append(_begin(state, "db-upgrade", [sys.executable, "-m", "autopass", "db",
                                                  "upgrade"], state.environment()))
        _start_server(state)
        _finish(steps.pop())
        _create_work_pool_and_automation(state, options)
        steps.append(_begin(state, "deploy", [
            _prefect(), "--no-prompt", "deploy", "--all", "--prefect-file",
            str(_write_deployments(state, options))], state.environment()))
        for number in range(options.workers):
            _start_worker(state, number, options.worker_limit)
        while steps:
            _finish(steps.pop(0))
        if options.queue_page:
            _start_queue_page(state)
    except BaseException:
        for step in steps:
            step.process.kill()
            step.process.wait()
        cluster_down(directory)
        raise
    return state


def cluster_down(directory: Path) -> list[str]:
    """Stop every process ``up`` started (workers first, so no new run starts), drop its
    databases, forget the state; what was stopped and dropped, for the user."""
    state = load_state(directory.resolve())
    done = []
    pids = [*state.worker_pids, state.queue_page_pid, state.server_pid]
    for pid in (pid for pid in pids if pid is not None):
        if stop_process_group(pid):
            done.append(f"stopped process group {pid}")
    for url in (state.store_url, state.prefect_database_url):
        if url:
            drop_postgres_database(_with_driver(url, "psycopg"))
            done.append(f"dropped database {make_url(url).database}")
    (state.directory / STATE_FILE).unlink()
    return done


def stop_process_group(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> bool:
    """SIGTERM the process group led by ``pid``, SIGKILL it if still there after ``timeout``;
    False when it was already gone."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _group_alive(pid):
            return True
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def start_worker(state: ClusterState, worker_limit: int | None = None) -> int:
    """One more worker (after one was lost, say); its process id, recorded in the state."""
    return _start_worker(state, len(state.worker_pids), worker_limit)


def restart_server(state: ClusterState) -> None:
    """Stop the Prefect server and start it again on the same port and database."""
    if state.server_pid is not None:
        stop_process_group(state.server_pid)
    _start_server(state)


# --- internals -----------------------------------------------------------------------------------
def _create_databases(state: ClusterState, admin_url: str) -> None:
    suffix = uuid.uuid4().hex[:10]
    admin = _with_driver(admin_url, "psycopg")
    state.store_url = create_postgres_database(admin, f"autopass_cluster_{suffix}")
    state.save()
    prefect_url = create_postgres_database(admin, f"autopass_cluster_prefect_{suffix}")
    state.prefect_database_url = _with_driver(prefect_url, "asyncpg")
    state.save()


def _start_server(state: ClusterState) -> None:
    """``prefect server start`` with every service on (scheduler, triggers...): the variables
    that turn some off for the embedded server are not passed on."""
    port = make_url(state.api_url).port if state.api_url else _free_port()
    state.api_url = state.api_url or f"http://127.0.0.1:{port}/api"
    env = {
        **{key: value for key, value in state.environment().items()
           if key not in ("PREFECT_API_URL", "AUTOPASS_DATABASE_URL")},
        "PREFECT_API_DATABASE_CONNECTION_URL": state.prefect_database_url,
    }
    state.server_pid = _spawn(state, "server", [_prefect(), "server", "start", "--host",
                                                "127.0.0.1", "--port", str(port)], env)
    state.save()
    _wait_until_answers(f"{state.api_url}/health", state, "server")


def _create_work_pool_and_automation(state: ClusterState, options: ClusterOptions) -> None:
    """The work pool and the zombie-run automation, posted to the server as `prefect work-pool
    create --type process` and `prefect automation create` post them, without starting two more
    Python processes that import all of Prefect."""
    from prefect.workers.process import ProcessWorker

    pool = {"name": WORK_POOL, "type": ProcessWorker.type,
            "base_job_template": ProcessWorker.get_default_base_job_template()}
    with httpx.Client(base_url=state.api_url, timeout=60) as api:
        for path, body in (("/work_pools/", pool),
                           ("/automations/", zombie_automation(options.zombie_after_seconds))):
            answer = api.post(path, json=body)
            if answer.is_error:
                raise ClusterError(f"POST {path} failed ({answer.status_code}): {answer.text}")


def _write_deployments(state: ClusterState, options: ClusterOptions) -> Path:
    """The cluster's ``prefect.yaml``, for ``prefect deploy``."""
    deployments = state.directory / "prefect.yaml"
    deployments.write_text(yaml.safe_dump(_cluster_deployments(state, options), sort_keys=False),
                           encoding="utf-8")
    return deployments


def _cluster_deployments(state: ClusterState, options: ClusterOptions) -> dict[str, Any]:
    """The project's prefect.yaml, its intake on this cluster's inbox, dispatching deployments."""
    with (state.project_dir / "prefect.yaml").open(encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    for deployment in project["deployments"]:
        if deployment["name"] == "intake":
            deployment["parameters"]["request"].update(
                inbox=str(state.inbox), archive=str(state.archive),
                rejected=str(state.rejected), dispatch="deployment",
                min_age_seconds=options.intake_min_age_seconds,
            )
            deployment["schedules"] = [{"interval": options.intake_interval_seconds}]
    return project


def _start_worker(state: ClusterState, number: int, worker_limit: int | None) -> int:
    command = [_prefect(), "worker", "start", "--pool", WORK_POOL,
               "--name", f"autopass-worker-{number}-{state.directory.name}"]
    if worker_limit is not None:
        command += ["--limit", str(worker_limit)]
    pid = _spawn(state, f"worker-{number}", command, state.environment())
    state.worker_pids.append(pid)
    state.save()
    return pid


def _start_queue_page(state: ClusterState) -> None:
    port = _free_port()
    state.queue_page_pid = _spawn(state, "queue-page", [
        sys.executable, "-m", "autopass", "serve", "--host", "127.0.0.1", "--port", str(port),
    ], state.environment())
    state.queue_page_url = f"http://127.0.0.1:{port}/"
    state.save()
    _wait_until_answers(f"{state.queue_page_url}login", state, "queue-page")


def _spawn(state: ClusterState, name: str, command: list[str], env: Mapping[str, str]) -> int:
    """Start ``command`` in a session of its own, its output in ``logs/<name>.log``."""
    with (state.directory / "logs" / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(command, cwd=state.project_dir, env=dict(env), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    return process.pid


@dataclass(frozen=True)
class _Step:
    """A one-off command of ``up`` under way: its process and its log."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float


def _begin(state: ClusterState, name: str, command: list[str], env: Mapping[str, str]) -> _Step:
    log_path = state.directory / "logs" / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, cwd=state.project_dir, env=dict(env), stdout=log,
                                   stderr=subprocess.STDOUT)
    return _Step(name, process, log_path, time.monotonic())


def _finish(step: _Step) -> None:
    """Wait for the step; a failure or a step past the start-up timeout is a ClusterError."""
    left = STARTUP_TIMEOUT_SECONDS - (time.monotonic() - step.started)
    try:
        code = step.process.wait(timeout=max(left, 0.1))
    except subprocess.TimeoutExpired:
        step.process.kill()
        step.process.wait()
        raise ClusterError(f"{step.name} took over {STARTUP_TIMEOUT_SECONDS:.0f} s: see "
                           f"{step.log_path}") from None
    if code != 0:
        raise ClusterError(f"{step.name} failed (exit {code}): see {step.log_path}")


def _wait_until_answers(url: str, state: ClusterState, name: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ClusterError(f"{name} did not answer at {url} within {STARTUP_TIMEOUT_SECONDS:.0f} s: "
                       f"see {state.directory / 'logs' / (name + '.log')}")


def _clean_environment() -> dict[str, str]:
    """This process's environment without the Prefect settings that only suit the embedded
    server (its services' settings, an API elsewhere, another home)."""
    dropped = {"PREFECT_API_URL", "PREFECT_HOME", "PREFECT_API_DATABASE_CONNECTION_URL",
               *EPHEMERAL_SERVER_SETTINGS}
    return {key: value for key, value in os.environ.items() if key not in dropped}


def _with_driver(url: str, driver: str) -> str:
    return make_url(url).set(drivername=f"postgresql+{driver}").render_as_string(
        hide_password=False)


def _prefect() -> str:
    return str(Path(sys.executable).with_name("prefect"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _group_alive(pid: int) -> bool:
    try:  # reap the leader when it is a child of this process (``up`` and ``down`` in one)
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True
