"""``notify-dealers`` (every minute): tell dealers' systems which photos to take again, and what
was decided.

Every request for a new photo and every decision of the last day not yet delivered is POSTed to the
dealer webhook (``autopass.dealer_notices``); a failed delivery is tried again on the next run. The
flows tell a decision at once; this run catches what did not get through.
"""

from __future__ import annotations

from prefect import flow, get_run_logger

from autopass.dealer_notices import Deliveries, deliver_pending
from autopass.settings import get_settings


@flow(name="notify-dealers")
def notify_dealers() -> Deliveries:
    """Deliver the pending notices; which were delivered and which failed."""
    deliveries = deliver_pending(get_settings())
    get_run_logger().info("dealer notices: %d delivered, %d failed (tried again next run)",
                          len(deliveries.delivered), len(deliveries.failed))
    return deliveries
