"""``kill -9`` of ``autopass process``: its ephemeral Prefect server goes with it, and the next
start marks the flow run it left RUNNING as crashed.

The hole: the server lived on with parent PID 1 and the flow run stayed RUNNING for ever. Every
step here is a real process on a real Prefect database, each with its own time limit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autopass.orchestration import OWNED_TAG, process_identity
from tests.factories import APPLICATION
from tests.processes import autopass, ephemeral_environment, generated_dossier

STARTUP_SECONDS = 240  # starting Prefect's server on a busy 2-core machine, then the flow run
SERVER_GONE_SECONDS = 10
READ_STATE = """
import json, sys
from autopass.settings import get_settings, prepare_prefect_environment
prepare_prefect_environment(get_settings())
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:
    state = client.read_flow_run(sys.argv[1]).state
print(json.dumps({"type": state.type.value, "message": state.message}))
"""


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return ephemeral_environment(tmp_path / "data")


@pytest.fixture
def sample_dossier(tmp_path: Path, environment: dict[str, str],
                   faces_dev_dir: Path | None) -> Path:
    """A generated dossier: reading its photos keeps a flow run RUNNING for a while."""
    return generated_dossier(tmp_path / "samples", environment, faces_dev_dir, seed=25)


def quick_dossier(root: Path) -> Path:
    """A dossier processed in no time (one empty file: a micro-task, nothing to read)."""
    folder = root / "quick"
    folder.mkdir()
    (folder / "application.json").write_text(
        json.dumps({**APPLICATION, "application_id": "A-QUICK-1"}, ensure_ascii=False),
        encoding="utf-8")
    (folder / "a.jpg").write_bytes(b"")
    return folder


@pytest.fixture
def started(tmp_path: Path, environment: dict[str, str],
            sample_dossier: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``autopass process`` on the sample, in a session of its own: whatever a failed test leaves
    of it (the process, its server) is killed at the end."""
    with open(tmp_path / "process.log", "wb") as log:
        process = subprocess.Popen(autopass("process", str(sample_dossier)), env=environment,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc: psutil is not a dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def server_of(process: subprocess.Popen[bytes], log: Path, deadline: float) -> tuple[int, int]:
    """The pid and port of the ephemeral Prefect server ``process`` started."""
    while time.monotonic() < deadline:
        assert process.poll() is None, f"autopass process ended:\n{log.read_text()}"
        for child in children_of(process.pid):
            command = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
            server = b"uvicorn" in command or b"autopass.orchestration" in command
            if server and b"--port" in command:
                return child, int(command[command.index(b"--port") + 1])
        time.sleep(0.2)
    raise AssertionError(f"no Prefect server started:\n{log.read_text()}")


def running_flow_run(port: int, process: subprocess.Popen[bytes], log: Path,
                     deadline: float) -> dict:
    """The flow run ``process`` is in, once it is RUNNING."""
    while time.monotonic() < deadline:
        assert process.poll() is None, f"autopass process ended:\n{log.read_text()}"
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/api/flow_runs/filter", timeout=5, json={
                "flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}})
        except httpx.TransportError:  # still starting
            response = None
        if response is not None and response.status_code == 200 and response.json():
            [run] = response.json()
            return run
        time.sleep(0.2)
    raise AssertionError(f"no flow run RUNNING:\n{log.read_text()}")


def test_a_killed_process_takes_its_server_along_and_its_run_is_marked_crashed_next_time(
    tmp_path: Path, environment: dict[str, str], started: subprocess.Popen[bytes]
) -> None:
    log, deadline = tmp_path / "process.log", time.monotonic() + STARTUP_SECONDS
    server, port = server_of(started, log, deadline)
    run = running_flow_run(port, started, log, deadline)
    assert OWNED_TAG in run["tags"]

    os.kill(started.pid, signal.SIGKILL)  # the process only, as the OOM killer would
    started.wait(timeout=10)
    gone_by = time.monotonic() + SERVER_GONE_SECONDS
    while process_identity(server) is not None:
        assert time.monotonic() < gone_by, "the Prefect server outlived its process"
        time.sleep(0.1)

    again = subprocess.run(autopass("process", str(quick_dossier(tmp_path)), "--json"),
                           env=environment, capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["application_id"] == "A-QUICK-1"

    state = subprocess.run([sys.executable, "-c", READ_STATE, run["id"]], env=environment,
                           capture_output=True, text=True, timeout=240, check=True)
    assert json.loads(state.stdout) == {
        "type": "CRASHED",
        "message": f"the process running it (pid {started.pid}) ended without finishing it",
    }
