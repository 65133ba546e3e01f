"""Flow runs in a process of ours: Prefect's ephemeral server dies with it, and the runs of such a
process that died are marked crashed.

Without ``PREFECT_API_URL``, Prefect starts its API server as a child process on first use (the
ephemeral mode) and stops it when the process exits. A process killed outright (``kill -9``, the
OOM killer) runs no exit handler: its server lived on, re-parented to PID 1, and the flow run it
was in stayed RUNNING for ever. On Linux, the server started here gets a parent-death signal from
the kernel instead, and each flow run carries its process's identity as tags, so the next start
marks the runs of a dead process ``Crashed``. Only in ephemeral mode: there every run in Prefect's
database comes from a process on this machine sharing the data dir, while a real server also
holds other machines' runs, whose processes cannot be looked up here (its workers and zombie-run
automation see to them). Elsewhere than Linux, Prefect behaves as it always did.

Imports Prefect: import it after ``prepare_prefect_environment``, as the flows are.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import prefect
from prefect import tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings
from prefect.states import Crashed

OWNED_TAG = "autopass-process"
"""Every flow run a process of ours starts in ephemeral mode."""
OWNER_TAG_PREFIX = "autopass-owner:"
"""Followed by the process's identity (``<pid>.<start time>``): the owner's other tag."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
SIGNAL_ON_PARENT_DEATH = signal.SIGTERM  # the server shuts down cleanly; its client is gone


@contextmanager
def owned_flow_runs() -> Iterator[None]:
    """Flow runs started inside belong to this process: in ephemeral mode on Linux, the first
    one starts Prefect's server so that it dies with this process (call it from the main thread:
    the kernel signals the child when the thread that started it ends), after marking crashed the
    runs of processes of ours that died; every one carries this process's identity."""
    identity = process_identity(os.getpid())
    if identity is None or not _ephemeral_mode():
        yield
        return
    _prepare_ephemeral_server()
    with tags(OWNED_TAG, OWNER_TAG_PREFIX + identity):
        yield


def start_ephemeral_server() -> None:
    """Start now the server the first ``owned_flow_runs`` would start (ephemeral mode on Linux
    only); call it from the main thread."""
    if process_identity(os.getpid()) is not None and _ephemeral_mode():
        _prepare_ephemeral_server()


def process_identity(pid: int) -> str | None:
    """``<pid>.<start time>`` of a live process (a later process given the same pid has another
    start time); None when it is gone, or where there is no /proc to ask."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, *fields = stat.rsplit(")", 1)[1].split()  # the name before ")" may hold spaces
    if state in ("Z", "X"):  # ended, only waiting to be reaped
        return None
    return f"{pid}.{fields[18]}"  # starttime, field 22 of proc(5)


def mark_dead_owners_runs_crashed() -> list[UUID]:
    """Mark ``Crashed`` every run of ours left RUNNING or PENDING by a process that is gone; their
    ids. Ephemeral mode only (see the module's note)."""
    left = FlowRunFilter(
        tags=FlowRunFilterTags(all_=[OWNED_TAG]),
        state=FlowRunFilterState(
            type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])),
    )
    crashed = []
    with get_client(sync_client=True) as client:
        for run in client.read_flow_runs(flow_run_filter=left):
            owner = next((tag.removeprefix(OWNER_TAG_PREFIX) for tag in run.tags
                          if tag.startswith(OWNER_TAG_PREFIX)), None)
            if owner is None or _alive(owner):
                continue
            client.set_flow_run_state(
                run.id, Crashed(message=f"the process running it (pid {owner.split('.')[0]}) "
                                        "ended without finishing it"), force=True)
            crashed.append(run.id)
    return crashed


# --- internals -----------------------------------------------------------------------------------
def _ephemeral_mode() -> bool:
    return get_current_settings().api.url is None


def _alive(identity: str) -> bool:
    pid = int(identity.split(".")[0])
    return process_identity(pid) == identity


@functools.cache
def _prepare_ephemeral_server() -> None:
    """Once per process: start the server that dies with this process, then clean up."""
    if threading.current_thread() is threading.main_thread():
        server = _ServerDyingWithItsParent()
        if isinstance(server, _ServerDyingWithItsParent):  # not one Prefect started already
            server.start()
    mark_dead_owners_runs_crashed()


def _die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn`` asking the kernel to signal the child when its parent ends."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    parent = os.getpid()

    def in_the_child() -> None:
        prctl(PR_SET_PDEATHSIG, SIGNAL_ON_PARENT_DEATH)
        if os.getppid() != parent:  # the parent died before the request was made
            os.kill(os.getpid(), SIGNAL_ON_PARENT_DEATH)

    return in_the_child


class _ServerDyingWithItsParent(SubprocessASGIServer):
    """Prefect's ephemeral API server, started as Prefect starts it (``SubprocessASGIServer``,
    which every Prefect client of this process then finds and uses) plus the parent-death signal.

    The command and environment are those of Prefect 3's ``_run_uvicorn_command``; the test of a
    killed ``autopass process`` fails should a Prefect release change them.
    """

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        return subprocess.Popen(
            args=[
                sys.executable, "-m", "uvicorn",
                "--app-dir", str(prefect.__module_path__.parent),
                "--factory", "prefect.server.api.server:create_app",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on",
            ],
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                **get_current_settings().to_environment_variables(exclude_unset=True),
            },
            preexec_fn=_die_with_parent(),
        )
