"""``notify-dealers`` (every minute): tell dealers' systems which photos to take again.

Every dossier sent back for a new photo whose request is not yet delivered is POSTed to the dealer
webhook (``autopass.dealer_notices``); a failed delivery is tried again on the next run.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from autopass.dealer_notices import Deliveries, deliver_pending
from autopass.settings import get_settings


@flow(name="notify-dealers")
def notify_dealers() -> Deliveries:
    """Deliver the pending new-photo notices; which were delivered and which failed."""
    deliveries = deliver_pending(get_settings())
    get_run_logger().info("dealer notices: %d delivered, %d failed (tried again next run)",
                          len(deliveries.delivered), len(deliveries.failed))
    return deliveries
