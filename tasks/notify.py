"""Telling the dealer's system a dossier's decision as soon as it is stored."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from autopass.dealer_notices import FINAL, Deliveries, deliver_pending
from autopass.dossier import Decision
from autopass.settings import get_settings


@task(name="notify-dealer", cache_policy=NO_CACHE)
def notify_dealer(application_id: str) -> Deliveries:
    """POST the dossier's pending notices (its decision) to the dealer webhook."""
    return deliver_pending(get_settings(), application_id=application_id)


def notify_if_decided(decision: Decision, application_id: str) -> None:
    """Tell the dealer now when the dossier is decided and a webhook is configured (no task run
    otherwise). Never fails the flow: the decision is stored, and the ``notify-dealers`` flow
    delivers what did not get through."""
    if decision not in FINAL or get_settings().dealer_webhook_url is None:
        return
    try:
        deliveries = notify_dealer(application_id)
    except Exception:  # noqa: BLE001 -- the store or network broke after the decision was stored
        get_run_logger().warning("dossier %s: the dealer's system was not told yet; "
                                 "notify-dealers will try again", application_id, exc_info=True)
        return
    if deliveries.failed:
        get_run_logger().warning("dossier %s: the dealer's system did not take the decision; "
                                 "notify-dealers will try again", application_id)
