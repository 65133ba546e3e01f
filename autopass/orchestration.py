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

A command that knows it will run flows starts that server before it imports Prefect
(``start_server_before_prefect``): the server's own start-up (a second Python importing Prefect's
API, about 3 s of CPU) then runs on the other core while this process imports the flows and loads
the models, and this process never imports Prefect's server code at all (1.4 s of CPU more).

Imports Prefect only inside its functions: import it at any time; Prefect itself is imported
after ``prepare_prefect_environment``, as the flows are.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uuid import UUID

OWNED_TAG = "autopass-process"
"""Every flow run a process of ours starts in ephemeral mode."""
OWNER_TAG_PREFIX = "autopass-owner:"
"""Followed by the process's identity (``<pid>.<start time>``): the owner's other tag."""
PR_SET_PDEATHSIG = 1  # linux/prctl.h
SIGNAL_ON_PARENT_DEATH = signal.SIGTERM  # the server shuts down cleanly; its client is gone
SERVER_STOP_SECONDS = 5  # as Prefect's own: then the server is killed
SERVER_ENVIRONMENT = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
                      "PREFECT__SERVER_FINAL": "1"}
"""What Prefect 3 adds to the environment of its ephemeral server (``_run_uvicorn_command``)."""
PREFECT_SERVER_APP = "prefect.server.api.server:create_app"
PREFECT_STARTUP_TIMEOUT_SECONDS = 20  # Prefect's default, where the environment sets none


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
    from prefect import tags

    with tags(OWNED_TAG, OWNER_TAG_PREFIX + identity):
        yield


def start_server_before_prefect() -> bool:
    """Start Prefect's ephemeral server now, before this process imports Prefect, and point this
    process's Prefect at it (``PREFECT_API_URL``); True when it did. Call it from the main thread,
    after ``prepare_prefect_environment``: the server dies with this thread, on a socket this
    process opened (connections wait in its backlog until the server answers, and no other
    process can take the port meanwhile). Nothing happens where the first ``owned_flow_runs``
    would not start a server itself: Prefect already imported (its settings are read once), a
    Prefect API configured (in the environment, or possibly in a profile or a settings file of
    Prefect's), not Linux, not the main thread."""
    global _own_server
    if _own_server is not None:
        return True
    if ("prefect" in sys.modules or process_identity(os.getpid()) is None
            or threading.current_thread() is not threading.main_thread()
            or _prefect_api_maybe_configured()):
        return False
    listening = socket.create_server(("127.0.0.1", 0), backlog=128)
    with listening:
        port = listening.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "autopass.orchestration",
             "--fd", str(listening.fileno()), "--port", str(port)],
            env={**os.environ, **SERVER_ENVIRONMENT},
            pass_fds=(listening.fileno(),),
            preexec_fn=_die_with_parent(),
        )
    _own_server = _OwnServer(process, f"http://127.0.0.1:{port}/api")
    atexit.register(_own_server.stop)  # before Prefect registers its own: they run after
    os.environ["PREFECT_API_URL"] = _own_server.api_url
    return True


def wait_for_server_started_before_prefect() -> None:
    """Return once the server ``start_server_before_prefect`` started answers (at once if it
    started none); imports nothing of Prefect, which another thread may be importing."""
    if _own_server is not None:
        _own_server.wait_until_ready(float(os.environ.get(
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", PREFECT_STARTUP_TIMEOUT_SECONDS)))


def import_prefect() -> None:
    """Import Prefect, and its server's code where this process will start the server itself:
    call it from the thread that starts the server, before another thread imports the flows
    (Prefect's modules import one another in cycles, and two threads importing them at once can
    meet one half-initialised)."""
    import prefect  # noqa: F401

    if _own_server is None and _ephemeral_mode():
        import prefect.server.api.server  # noqa: F401


def start_ephemeral_server() -> None:
    """Start now the server the first ``owned_flow_runs`` would start (ephemeral mode on Linux
    only), or wait until the one ``start_server_before_prefect`` started answers; call it from the
    main thread."""
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
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

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
@dataclass
class _OwnServer:
    """The server ``start_server_before_prefect`` started."""

    process: subprocess.Popen[bytes]
    api_url: str

    def wait_until_ready(self, timeout: float) -> None:
        """Return once the server answers its health check; raise if it ended or took longer than
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Prefect's ephemeral server ended with exit code "
                                   f"{self.process.returncode} before it answered")
            try:  # the request waits in the socket's backlog until the server serves
                with direct.open(f"{self.api_url}/health", timeout=timeout) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass  # not serving yet, or an error answer: asked again
            if time.monotonic() > deadline:
                raise RuntimeError(f"Prefect's ephemeral server did not answer within {timeout} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """As Prefect stops its own: a clean shutdown (it writes what it batched), else killed."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=SERVER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_own_server: _OwnServer | None = None


def _prefect_api_maybe_configured() -> bool:
    """Whether Prefect may find an API URL, or be told not to start a server, somewhere other than
    Prefect's defaults: the environment, the profiles file, or a settings file in the working
    directory. Read as text, without Prefect: a mention that may not count only costs the early
    start."""
    if "PREFECT_API_URL" in os.environ or os.environ.get(
            "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "").lower() in ("0", "false"):
        return True
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    mentions = {profiles: r"PREFECT_API_URL|EPHEMERAL", Path(".env"): r"PREFECT_API_URL",
                Path("prefect.toml"): r"api|ephemeral", Path("pyproject.toml"): r"tool\.prefect"}
    for path, pattern in mentions.items():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if re.search(pattern, text, re.IGNORECASE):
            return True
    return False


def _ephemeral_mode() -> bool:
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return url is None or (_own_server is not None and url == _own_server.api_url)


def _alive(identity: str) -> bool:
    pid = int(identity.split(".")[0])
    return process_identity(pid) == identity


@functools.cache
def _prepare_ephemeral_server() -> None:
    """Once per process: start the server that dies with this process (or wait for the one
    started before Prefect), then clean up."""
    if _own_server is not None:
        wait_for_server_started_before_prefect()
    elif threading.current_thread() is threading.main_thread():
        server = _server_dying_with_its_parent()
        if server is not None:
            server.start()
    mark_dead_owners_runs_crashed()


def _prefect_app_dir() -> Path:
    """The folder Prefect's package is in (``--app-dir`` of Prefect's own command)."""
    from importlib.util import find_spec

    spec = find_spec("prefect")
    if spec is None or spec.origin is None:
        raise RuntimeError("Prefect is not installed")
    return Path(spec.origin).parent.parent


def _die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn`` asking the kernel to signal the child when its parent ends."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork, not in the child
    parent = os.getpid()

    def in_the_child() -> None:
        prctl(PR_SET_PDEATHSIG, SIGNAL_ON_PARENT_DEATH)
        if os.getppid() != parent:  # the parent died before the request was made
            os.kill(os.getpid(), SIGNAL_ON_PARENT_DEATH)

    return in_the_child


def _server_dying_with_its_parent() -> Any:
    """Prefect's ephemeral API server, started as Prefect starts it (``SubprocessASGIServer``,
    which every Prefect client of this process then finds and uses) plus the parent-death signal;
    None when Prefect started one already.

    The command and environment are those of Prefect 3's ``_run_uvicorn_command``; the test of a
    killed ``autopass process`` fails should a Prefect release change them.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class ServerDyingWithItsParent(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            return subprocess.Popen(
                args=[sys.executable, "-m", "uvicorn", "--app-dir", str(_prefect_app_dir()),
                      "--factory", PREFECT_SERVER_APP, "--host", "127.0.0.1",
                      "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, **SERVER_ENVIRONMENT,
                     **get_current_settings().to_environment_variables(exclude_unset=True)},
                preexec_fn=_die_with_parent(),
            )

    server = ServerDyingWithItsParent()
    return server if isinstance(server, ServerDyingWithItsParent) else None


def _serve_on_inherited_socket(arguments: list[str]) -> None:
    """``python -m autopass.orchestration --fd N --port P``: Prefect's server, as Prefect's own
    command runs it (uvicorn, the same app factory and options), on the listening socket of file
    descriptor N (port P) that the parent opened. The socket is handed to uvicorn as a socket
    object, not as ``uvicorn --fd``, which takes every descriptor for a Unix socket: connections
    accepted on it would then go without TCP_NODELAY, and each API answer could wait for a
    delayed acknowledgement."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m autopass.orchestration")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)  # already bound: where it listens
    options = parser.parse_args(arguments)
    sys.path.insert(0, str(_prefect_app_dir()))  # as ``--app-dir``
    config = uvicorn.Config(PREFECT_SERVER_APP, factory=True, host="127.0.0.1",
                            port=options.port, log_level="error", lifespan="on")
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=options.fd)])


if __name__ == "__main__":
    _serve_on_inherited_socket(sys.argv[1:])
