"""Prefect's ephemeral server started before Prefect is imported (``autopass process``'s cold
start): it answers, runs the process's flows as its own, and goes with the process; wherever
Prefect may be told of another API, it is not started.

The hole: the server started only once this process had imported Prefect and Prefect's server
code (4 s of CPU on one core), and its own start-up (3 s more on the other) came after that.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autopass import orchestration
from autopass.orchestration import OWNED_TAG, process_identity
from tests.processes import ephemeral_environment

SERVER_GONE_SECONDS = 10
EARLY_SERVER = """
import json, os, sys
from autopass.settings import get_settings, prepare_prefect_environment
prepare_prefect_environment(get_settings())
from autopass import orchestration
started = orchestration.start_server_before_prefect()
prefect_then = "prefect" in sys.modules
orchestration.wait_for_server_started_before_prefect()
from prefect import flow
from prefect.runtime import flow_run

@flow
def tagged() -> list[str]:
    return sorted(flow_run.tags)

with orchestration.owned_flow_runs():
    tags = tagged()
print(json.dumps({"started": started, "prefect_imported_before": prefect_then,
                  "api_url": os.environ["PREFECT_API_URL"], "tags": tags,
                  "server_pid": orchestration._own_server.process.pid,
                  "prefect_server_code_imported": "prefect.server.api.server" in sys.modules}))
"""


def test_a_server_started_before_prefect_runs_the_flows_as_the_process_own_then_goes_with_it(
    tmp_path: Path,
) -> None:
    environment = ephemeral_environment(tmp_path / "data")
    ran = subprocess.run([sys.executable, "-c", EARLY_SERVER], env=environment, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stderr

    shown = json.loads(ran.stdout.splitlines()[-1])
    assert shown["started"] is True and shown["prefect_imported_before"] is False
    assert shown["api_url"].startswith("http://127.0.0.1:")
    assert OWNED_TAG in shown["tags"]  # the process's own server counts as ephemeral mode
    assert shown["prefect_server_code_imported"] is False
    gone_by = time.monotonic() + SERVER_GONE_SECONDS
    while process_identity(shown["server_pid"]) is not None:  # stopped at the process's exit
        assert time.monotonic() < gone_by, "the Prefect server outlived its process"
        time.sleep(0.1)


@pytest.mark.parametrize(("file", "text"), [
    ("prefect-home/profiles.toml",
     'active = "local"\n[profiles.local]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n'),
    (".env", "PREFECT_API_URL=http://127.0.0.1:4200/api\n"),
    ("prefect.toml", '[api]\nurl = "http://127.0.0.1:4200/api"\n'),
    ("pyproject.toml", '[tool.prefect.api]\nurl = "http://127.0.0.1:4200/api"\n'),
    ("prefect-home/profiles.toml",
     '[profiles.default]\nPREFECT_SERVER_ALLOW_EPHEMERAL_MODE = "false"\n'),
])
def test_a_prefect_setting_in_a_file_prefect_reads_keeps_the_server_from_starting_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, text: str
) -> None:
    quiet(tmp_path, monkeypatch)
    assert not orchestration._prefect_api_maybe_configured()

    (tmp_path / file).parent.mkdir(exist_ok=True)
    (tmp_path / file).write_text(text, encoding="utf-8")

    assert orchestration._prefect_api_maybe_configured()


@pytest.mark.parametrize(("name", "value"), [("PREFECT_API_URL", "http://127.0.0.1:4200/api"),
                                             ("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "false")])
def test_a_prefect_setting_in_the_environment_keeps_the_server_from_starting_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    quiet(tmp_path, monkeypatch)
    monkeypatch.setenv(name, value)

    assert orchestration._prefect_api_maybe_configured()


def test_no_server_is_started_early_in_a_process_that_imported_prefect() -> None:
    import prefect  # noqa: F401  (its settings were read: a new API URL would not be seen)

    assert orchestration.start_server_before_prefect() is False
    assert orchestration._own_server is None


def quiet(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Prefect setting in the environment, an empty PREFECT_HOME, ``folder`` as the working
    directory."""
    for name in ("PREFECT_API_URL", "PREFECT_PROFILES_PATH", "PREFECT_PROFILE",
                 "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(folder / "prefect-home"))
    monkeypatch.chdir(folder)
