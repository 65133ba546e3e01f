"""Start ``process-dossier`` for a dossier a dealer's system sent, after its 202 is answered.

``AUTOPASS_PROCESS_MODE=inline`` (the default) runs the flow in a background thread of the web
process, as ``finalize-dossier`` runs after the last answer (``autopass.flows.dispatch``); ``deployment``
creates a run of the ``process-dossier`` deployment for a worker (the data dir, where the upload
waits, must be the worker's too). Either way the submission's state follows: processing, then
stored or failed; the upload's folder is deleted once the originals are in the store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from autopass.errors import DossierError
from autopass.settings import Settings, use_settings, without_flow_heartbeats
from autopass.store import SubmissionState, session_scope
from autopass.store.dealers import set_submission_state
from autopass.submissions import discard_upload

PROCESS_DEPLOYMENT = "process-dossier/process-dossier"
DossierSubmitted = Callable[[Settings, int, Path], None]
log = logging.getLogger(__name__)


def start_processing(settings: Settings, submission_id: int, folder: Path) -> None:
    """Hand the accepted upload in ``folder`` to process-dossier."""
    _set_state(settings, submission_id, SubmissionState.PROCESSING)
    if settings.process_mode == "deployment":
        from prefect.deployments import run_deployment

        run_deployment(PROCESS_DEPLOYMENT, parameters={"request": {"folder": str(folder)}},
                       timeout=0)
        return
    threading.Thread(target=_process_here, args=(settings, submission_id, folder),
                     name=f"process-submission-{submission_id}", daemon=True).start()


def _process_here(settings: Settings, submission_id: int, folder: Path) -> None:
    from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier

    state, problem = SubmissionState.STORED, None
    with use_settings(settings):
        try:
            with without_flow_heartbeats():
                process_dossier(ProcessDossierRequest(folder=str(folder)))
        except DossierError as exc:  # the door again: another dealer stored the id meanwhile
            state, problem = SubmissionState.FAILED, f"{exc.file}: {exc.problem}"
        except Exception as exc:  # noqa: BLE001 -- recorded for the dealer; the flow run failed
            log.exception("process-dossier failed for submission %s", submission_id)
            state, problem = SubmissionState.FAILED, f"processing failed: {type(exc).__name__}"
        finally:
            discard_upload(folder)
    _set_state(settings, submission_id, state, problem)


def _set_state(settings: Settings, submission_id: int, state: SubmissionState,
               problem: str | None = None) -> None:
    with session_scope(settings) as session:
        set_submission_state(session, submission_id=submission_id, state=state, problem=problem)
