"""``intake``: new dossier folders in the inbox -> one ``process-dossier`` run each -> archive.

Runs every minute (prefect.yaml). The folder handling that makes a crash lose nothing and process
nothing twice lives in ``autopass.inbox``; this flow only composes it with ``process-dossier``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from pathlib import Path
from typing import Literal

from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier
from autopass.tasks.open_dossier import read_dossier
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from autopass.dossier_folder import DossierFolder
from autopass.errors import DossierError
from autopass.inbox import (
    MAX_ATTEMPTS,
    InboxLayout,
    already_stored,
    archive_folder,
    claim_folders,
    count_attempt,
    intake_lock,
    reject_folder,
)
from autopass.settings import get_settings, without_flow_heartbeats
from autopass.store import session_scope

PROCESS_DEPLOYMENT = "process-dossier/process-dossier"


class IntakeRequest(BaseModel):
    inbox: str = Field(description="Folder where dealers drop dossier folders.")
    archive: str = Field(description="Where a folder goes once its dossier is stored.")
    rejected: str | None = Field(
        None, description="Where unreadable folders go (with error.txt); default: beside archive."
    )
    min_age_seconds: float = Field(
        10, ge=0, description="Leave folders changed more recently alone (still being copied)."
    )
    limit: int = Field(200, ge=1, description="Folders taken per run; the rest wait a minute.")
    dispatch: Literal["subflow", "deployment"] = Field(
        "subflow",
        description="`subflow` processes here; `deployment` runs the process-dossier deployment "
        "on any worker (the inbox must then be on storage every worker sees).",
    )
    runs_at_once: int = Field(
        1, ge=1, description="With `deployment`: process-dossier runs started and awaited at "
        "once, so that several workers share one inbox's dossiers (about the number of workers).",
    )


class IntakeSummary(BaseModel):
    stored: list[str] = Field(default_factory=list)  # folder names processed and archived
    already_stored: list[str] = Field(default_factory=list)  # archived without processing again
    rejected: list[str] = Field(default_factory=list)
    retry_later: list[str] = Field(default_factory=list)  # processing failed; left in .processing
    skipped_locked: bool = False  # another intake of this inbox was running


@task(name="claim-folders", cache_policy=NO_CACHE)
def claim(layout: InboxLayout, min_age_seconds: float, limit: int) -> list[Path]:
    return claim_folders(layout, min_age_seconds=min_age_seconds, limit=limit)


@task(name="is-already-stored", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def is_already_stored(dossier: DossierFolder) -> bool:
    with session_scope(get_settings()) as session:
        return already_stored(session, dossier)


@task(name="archive-folder", cache_policy=NO_CACHE, task_run_name="archive-{folder.name}")
def archive(layout: InboxLayout, folder: Path) -> Path:
    return archive_folder(layout, folder)


@task(name="reject-folder", cache_policy=NO_CACHE, task_run_name="reject-{folder.name}")
def reject(layout: InboxLayout, folder: Path, problem: str) -> Path:
    return reject_folder(layout, folder, problem)


@flow(name="intake")
def intake(request: IntakeRequest) -> IntakeSummary:
    """Take every settled folder of the inbox through ``process-dossier`` into the archive."""
    logger = get_run_logger()
    layout = InboxLayout.of(Path(request.inbox), Path(request.archive),
                            Path(request.rejected) if request.rejected else None)
    summary = IntakeSummary()
    with intake_lock(layout) as held:
        if not held:
            logger.info("another intake is working on %s; nothing to do", layout.inbox)
            return IntakeSummary(skipped_locked=True)
        folders = claim(layout, request.min_age_seconds, request.limit)
        if request.dispatch == "subflow":  # this process's cores: one dossier after another
            for folder in folders:
                _take(layout, folder, request.dispatch, summary)
        else:
            _take_at_once(layout, folders, request.runs_at_once, summary)
    logger.info(
        "intake: %d stored, %d already stored, %d rejected, %d to retry",
        len(summary.stored), len(summary.already_stored), len(summary.rejected),
        len(summary.retry_later),
    )
    return summary


def _take_at_once(layout: InboxLayout, folders: list[Path], at_once: int,
                  summary: IntakeSummary) -> None:
    """Deployment runs of up to ``at_once`` folders at a time, each awaited in a thread."""
    # Each folder in a copy of this flow run's context (its logger, its Prefect settings), made
    # here: a new thread's own context knows no flow run.
    contexts = [copy_context() for _ in folders]
    with ThreadPoolExecutor(at_once, thread_name_prefix="intake") as runs:
        list(runs.map(lambda context, folder: context.run(
            _take, layout, folder, "deployment", summary), contexts, folders))


def _take(layout: InboxLayout, folder: Path, dispatch: str, summary: IntakeSummary) -> None:
    """One claimed folder: reject it, archive it, or process then archive it.

    The folder is opened here once, so that a bad one never starts a ``process-dossier`` run;
    that run opens it again because it may run on another worker and must read what it stores."""
    try:
        dossier, _ = read_dossier(folder)
    except DossierError as exc:  # named as the dealer named it, not by its place in .processing
        reject(layout, folder, f"{folder.name}: {exc.file}: {exc.problem}")
        summary.rejected.append(folder.name)
        return
    if is_already_stored(dossier):
        archive(layout, folder)
        summary.already_stored.append(folder.name)
        return
    attempts = count_attempt(folder)
    try:
        _process(folder, dispatch)
    except Exception as exc:  # noqa: BLE001  (infrastructure: the folder stays claimed, retried)
        get_run_logger().warning("%s: attempt %d failed: %s", folder.name, attempts, exc)
        if attempts >= MAX_ATTEMPTS:
            reject(layout, folder, f"{folder.name}: processing failed {attempts} times: {exc}")
            summary.rejected.append(folder.name)
        else:
            summary.retry_later.append(folder.name)
        return
    archive(layout, folder)
    summary.stored.append(folder.name)


def _process(folder: Path, dispatch: str) -> None:
    """Run ``process-dossier`` on the folder and return once its dossier is stored."""
    request = ProcessDossierRequest(folder=str(folder))
    if dispatch == "subflow":
        with without_flow_heartbeats():
            process_dossier(request)
        return
    from prefect.deployments import run_deployment

    # Polled every second, not Prefect's 5: the next dossier waits on this one's end.
    run = run_deployment(
        PROCESS_DEPLOYMENT, parameters={"request": request.model_dump()}, timeout=None,
        poll_interval=1,
    )
    if run.state is None or not run.state.is_completed():
        state = run.state.name if run.state else "unknown"
        raise RuntimeError(f"process-dossier run {run.id} ended {state}")
