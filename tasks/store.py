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
    SettledDossier,
    ask_again,
    await_dealer,
    decide_dossier,
    record_dossier,
    session_scope,
    settled_dossier,
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


@task(name="load-settled-dossier", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def load_settled_dossier(dossier_id: int) -> SettledDossier:
    """The stored result, every answered micro-task of the dossier, where its originals are kept
    and what its tasks showed (``finalize-dossier``)."""
    settings = get_settings()
    with session_scope(settings) as session:
        return settled_dossier(session, settings, dossier_id)


@task(name="record-decision", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def record_decision(dossier_id: int, result: DossierResult, new_tasks: list[NewMicroTask]) -> None:
    """Store the decision, the re-judged result with the doubts that remain, or the documents it
    lacks that its dealer is asked for, in one transaction."""
    settings = get_settings()
    with session_scope(settings) as session:
        if new_tasks:
            ask_again(session, dossier_id=dossier_id, result=result, microtasks=new_tasks,
                      face_engine=settings.face_engine)
        elif result.documents_for_dealer:
            await_dealer(session, dossier_id=dossier_id, result=result,
                         face_engine=settings.face_engine)
        else:
            decide_dossier(session, dossier_id=dossier_id, result=result,
                           face_engine=settings.face_engine)
