"""The dealer API's speed as a dealer's system sees it (``autopass bench`` keys
``captures_check_ms_p95`` and ``dossier_submit_ms_p95``): real HTTP to ``autopass serve`` started
as a process of its own on a throwaway data dir, timed from the client.

- a capture check is one card photo of a generated clean dossier (the types whose key fields
  ``autopass bench-captures`` judges), base64 in JSON with its expected type and the application's
  values, to ``POST /api/v1/captures/check``'s answer; the first, which loads the models, is a
  warm-up and not counted;
- a submit is one generated dossier, multipart, to ``POST /api/v1/dossiers``' ``202``. The server
  processes it after answering; the next is sent once it was recorded (followed over the API), so
  each ``202`` is timed on a server not busy with the dossier before.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from autopass.capture_check import stated_values
from autopass.devtools.capture_bench import KEY_FIELDS, PHOTO_SUFFIXES
from autopass.documents import DocumentType
from autopass.settings import Settings
from autopass.standards import load_standard
from autopass.store import session_scope, upgrade
from autopass.store.dealers import issue_key

SERVER_START_SECONDS = 120
PROCESSED_WAIT_SECONDS = 300


@dataclass
class ApiFigures:
    check_ms: list[float] = field(default_factory=list)
    check_server_cpu_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    check_statuses: dict[int, int] = field(default_factory=dict)
    submit_statuses: dict[int, int] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)  # where each submit stood at the end
    refusals: list[str] = field(default_factory=list)  # each refused submit's answer
    warmup_ms: float = 0.0


def measure_dealer_api(folders: list[Path], work_dir: Path, *, photos: int, submits: int,
                       say: Callable[[str], None] = lambda _: None) -> ApiFigures:
    """Check up to ``photos`` card photos, then submit up to ``submits`` dossiers of ``folders``
    to a fresh ``autopass serve``."""
    data_dir = work_dir / "dealer-api"
    settings = Settings(data_dir=data_dir, database_url=None)  # SQLite in the data dir
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings)
    applications = {folder: json.loads((folder / "application.json").read_text(encoding="utf-8"))
                    for folder in folders}
    with session_scope(settings) as session:
        keys = {dealer: issue_key(session, dealer_id=dealer, name="bench").key
                for dealer in sorted({app["dealer_id"] for app in applications.values()})}
    figures = ApiFigures()
    with _served(settings) as (url, pid), httpx.Client(base_url=url, timeout=600) as client:
        checks = list(_card_photos(folders, applications, settings))[: photos + 1]
        say(f"dealer API: {len(checks) - 1} capture checks (+1 warm-up), then {submits} submits")
        for index, (body, dealer) in enumerate(checks):
            cpu_before = _cpu_seconds(pid)
            ms, response = _timed(client.post, "/api/v1/captures/check", json=body,
                                  headers=_auth(keys[dealer]))
            status = response.status_code
            cpu_after = _cpu_seconds(pid)
            if index == 0:
                figures.warmup_ms = ms
                continue
            figures.check_ms.append(ms)
            if cpu_before is not None and cpu_after is not None:
                figures.check_server_cpu_ms.append((cpu_after - cpu_before) * 1000)
            figures.check_statuses[status] = figures.check_statuses.get(status, 0) + 1
        for folder in folders[:submits]:
            application = applications[folder]
            headers = _auth(keys[application["dealer_id"]])
            ms, response = _timed(client.post, "/api/v1/dossiers", files=_multipart(folder),
                                  headers=headers)
            status = response.status_code
            if status != 202:
                figures.refusals.append(f"{folder.name}: {status} {response.text[:300]}")
            figures.submit_ms.append(ms)
            figures.submit_statuses[status] = figures.submit_statuses.get(status, 0) + 1
            if status == 202:
                final = _wait_until_recorded(client, application["application_id"], headers)
                figures.processed[final] = figures.processed.get(final, 0) + 1
    return figures


def dealer_api_keys(figures: ApiFigures | None, percentile: Callable[[list[float], float], float]
                    ) -> dict[str, Any]:
    if figures is None:
        return {"captures_check_ms_p95": None, "dossier_submit_ms_p95": None, "dealer_api": None}

    def at(values: list[float], q: float) -> float | None:
        return round(percentile(values, q), 1) if values else None

    return {
        "captures_check_ms_p95": at(figures.check_ms, 95),
        "dossier_submit_ms_p95": at(figures.submit_ms, 95),
        "dealer_api": {
            "server": "autopass serve, its own process, SQLite store; timed by the client",
            "captures_checked": len(figures.check_ms),
            "captures_check_ms_p50": at(figures.check_ms, 50),
            # the server's own CPU time per check (the checks are sent one at a time): what a
            # check costs whatever else the machine runs, which stretches only the wall time
            "captures_check_server_cpu_ms_p50": at(figures.check_server_cpu_ms, 50),
            "captures_check_server_cpu_ms_p95": at(figures.check_server_cpu_ms, 95),
            "captures_check_statuses": {str(k): v for k, v in figures.check_statuses.items()},
            "captures_warmup_ms": round(figures.warmup_ms, 1),
            "dossiers_submitted": len(figures.submit_ms),
            "dossier_submit_ms_p50": at(figures.submit_ms, 50),
            "dossier_submit_statuses": {str(k): v for k, v in figures.submit_statuses.items()},
            "dossiers_then": figures.processed,
            "dossier_submit_refusals": figures.refusals,
        },
    }


def _card_photos(folders: list[Path], applications: dict[Path, dict[str, Any]],
                 settings: Settings) -> Iterator[tuple[dict[str, Any], str]]:
    """Each card photo's check body (as the salesperson's app sends it) and its dealer."""
    for folder in folders:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        application = applications[folder]
        standard = load_standard(application["product"], settings)
        for file, kind in truth["documents"].items():
            path = folder / file
            if not isinstance(kind, str) or DocumentType(kind) not in KEY_FIELDS \
                    or path.suffix.lower() not in PHOTO_SUFFIXES:
                continue
            yield ({"photo": base64.b64encode(path.read_bytes()).decode(), "expected_type": kind,
                    "product": application["product"],
                    "stated": stated_values(standard, application, DocumentType(kind))},
                   application["dealer_id"])


def _multipart(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    parts = [("application", ("application.json", (folder / "application.json").read_bytes(),
                              "application/json"))]
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in PHOTO_SUFFIXES | {".pdf"}:
            parts.append(("files", (path.name, path.read_bytes(), "application/octet-stream")))
    return parts


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _timed(call: Callable[..., httpx.Response], *args: Any,
           **kwargs: Any) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, response


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_until_recorded(client: httpx.Client, application_id: str,
                         headers: dict[str, str]) -> str:
    """The dossier's status once processing is over (or still ``processing`` after the wait)."""
    deadline = time.monotonic() + PROCESSED_WAIT_SECONDS
    status = "processing"
    while time.monotonic() < deadline:
        answer = client.get(f"/api/v1/dossiers/{application_id}", headers=headers)
        if answer.status_code == 200:
            status = answer.json()["status"]
            if status not in ("received", "processing"):
                break
        time.sleep(0.5)
    return status


@contextmanager
def _served(settings: Settings) -> Iterator[tuple[str, int]]:
    """``autopass serve`` on a free loopback port with ``settings``' store; its base URL and
    process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**{name: value for name, value in os.environ.items()
              if name != "AUTOPASS_DATABASE_URL"},
           "AUTOPASS_DATA_DIR": str(settings.data_dir),
           "AUTOPASS_DEALER_API_RATE_LIMIT": "1000000",  # the bench's own polling is no abuse
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    log = (settings.data_dir / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "autopass", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"autopass serve ended ({server.returncode}); see "
                                   f"{settings.data_dir / 'serve.log'}")
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"autopass serve did not answer within {SERVER_START_SECONDS} s")
            time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
