"""Telling the dealer's system a dossier's decision, or what it lacks, as soon as it is stored."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from autopass.dealer_notices import FINAL, Deliveries, deliver_pending
from autopass.dossier import DossierResult
from autopass.settings import get_settings


@task(name="notify-dealer", cache_policy=NO_CACHE)
def notify_dealer(application_id: str) -> Deliveries:
    """POST the dossier's pending notices (its decision, or its request) to the dealer webhook."""
    return deliver_pending(get_settings(), application_id=application_id)


def notify_if_due(result: DossierResult) -> None:
    """Tell the dealer now when the dossier is decided, or sent back for documents it lacks, and
    a webhook is configured (no task run otherwise). Never fails the flow: the dossier is stored,
    and the ``notify-dealers`` flow delivers what did not get through."""
    told = result.decision in FINAL or bool(result.documents_for_dealer)
    if not told or get_settings().dealer_webhook_url is None:
        return
    application_id = result.application_id
    try:
        deliveries = notify_dealer(application_id)
    except Exception:  # noqa: BLE001 -- the store or network broke after the dossier was stored
        get_run_logger().warning("dossier %s: the dealer's system was not told yet; "
                                 "notify-dealers will try again", application_id, exc_info=True)
        return
    if deliveries.failed:
        get_run_logger().warning("dossier %s: the dealer's system did not take the notice; "
                                 "notify-dealers will try again", application_id)
