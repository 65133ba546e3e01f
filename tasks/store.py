"""The store's I/O boundaries: copy originals in first, record the result last, atomically."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.dossier import Application, DossierResult
from autopass.errors import DossierError, FileRefused
from autopass.risk import Screening, record_screening
from autopass.settings import get_settings
from autopass.store import (
    NewMicroTask,
    record_dossier,
    session_scope,
    store_original,
    utc_now,
)


@task(name="store-originals", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def store_originals(files: tuple[Path, ...]) -> dict[str, str]:
    """Copy every file the dealer sent into the content-addressed store before reading it.

    A file the door let in but that became a link or grew above the limit since (swapped under
    the folder's name) refuses the dossier, as the door would have.
    """
    settings = get_settings()
    try:
        return {path.name: store_original(settings, path).sha256 for path in files}
    except FileRefused as exc:
        raise DossierError(exc.path.parent, exc.path.name, exc.problem) from None


@task(name="record-dossier", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def record_result(
    application: Application,
    result: DossierResult,
    originals: dict[str, str],
    microtasks: list[NewMicroTask],
    sla_minutes: int,
    face_engine: str,
    screening: Screening | None = None,
) -> DossierResult:
    """Store the dossier, its documents, checks and micro-tasks in one transaction, with what it
    shares with other dossiers and the finding that links it to them (``screening``).

    Returns the result as stored, whose micro-tasks carry their queue ids.
    """
    with session_scope(get_settings()) as session:
        dossier = record_dossier(
            session,
            application=application,
            result=result,
            originals=originals,
            microtasks=microtasks,
            sla_minutes=sla_minutes,
            face_engine=face_engine,
        )
        if screening is not None:
            record_screening(session, dossier=dossier, screening=screening, now=utc_now())
        return DossierResult.model_validate(dossier.result)
