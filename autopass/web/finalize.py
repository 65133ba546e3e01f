"""Hand a settled dossier to the finalize flow, after the answer that settled it is committed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import BackgroundTasks, FastAPI

from autopass.store.queue import AnswerOutcome
from autopass.settings import Settings

DossierSettled = Callable[[Settings, int], None]


def start_finalize(settings: Settings, dossier_id: int) -> None:
    """Re-evaluate the dossier with the human answers and decide it (``autopass.flows.dispatch``).

    Imported on first use: the finalize flow pulls in Prefect and the engines, which the page
    itself does not need to start.
    """
    from autopass.flows.dispatch import start_finalize as start

    start(settings, dossier_id)


def after_answer(
    app: FastAPI, background: BackgroundTasks, settings: Settings, outcome: AnswerOutcome
) -> None:
    """When this answer left its dossier with nothing open, start finalizing it after the
    response is sent (``dossier_settled`` is true for exactly one answer per dossier)."""
    if outcome.dossier_settled:
        on_settled: DossierSettled = app.state.on_dossier_settled
        background.add_task(on_settled, settings, outcome.task.dossier_id)
