"""Start the ``finalize-dossier`` flow for a dossier whose micro-tasks are all answered: here, or
as a run of its deployment for a worker (the one place that knows both ways).

Embedded (the default): the flow runs in a background thread of the process that took the last
answer (the queue page). With a Prefect server and workers (``AUTOPASS_FINALIZE_MODE=deployment``)
a run of the ``finalize-dossier`` deployment is created instead, and a worker picks it up.
"""

from __future__ import annotations

import logging
import threading

from autopass.settings import Settings, use_settings, without_flow_heartbeats

FINALIZE_DEPLOYMENT = "finalize-dossier/finalize-dossier"
log = logging.getLogger(__name__)


def start_finalize(settings: Settings, dossier_id: int) -> threading.Thread | None:
    """Hand the dossier to the finalize flow; returns the thread in embedded mode."""
    if settings.finalize_mode == "deployment":
        from prefect.deployments import run_deployment

        run_deployment(
            FINALIZE_DEPLOYMENT, parameters={"request": {"dossier_id": dossier_id}}, timeout=0
        )
        return None
    thread = threading.Thread(
        target=_finalize_here, args=(settings, dossier_id), name=f"finalize-{dossier_id}", daemon=True
    )
    thread.start()
    return thread


def _finalize_here(settings: Settings, dossier_id: int) -> None:
    from autopass.flows.finalize_dossier import FinalizeDossierRequest, finalize_dossier

    with use_settings(settings):
        try:
            with without_flow_heartbeats():
                finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
        except Exception:  # the flow run is failed in Prefect; nightly batch re-queues it
            log.exception("finalize-dossier failed for dossier %s", dossier_id)
