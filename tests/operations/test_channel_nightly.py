"""The nightly batch scores dealers and salespeople again and alerts on those newly put under
watch (#28 item 4), once: a second night puts nobody under watch again."""

from __future__ import annotations

import pytest

from tests.risk.test_channel import BAD, LATER, bad_and_good_dealers


@pytest.mark.usefixtures("prefect_harness")
def test_the_nightly_batch_puts_a_risky_channel_under_watch_and_alerts(settings, time_machine):
    from prefect.artifacts import Artifact

    from autopass.settings import use_settings
    from autopass.flows.nightly_batch import NightlyBatchRequest, nightly_batch

    time_machine.move_to(LATER)
    bad_and_good_dealers(settings)
    with use_settings(settings):
        summary = nightly_batch(NightlyBatchRequest(as_of=LATER))
        again = nightly_batch(NightlyBatchRequest(as_of=LATER))

    assert [(w["product"], w["kind"], w["channel"]) for w in summary.channels_watched] == [
        ("new_car_loan", "dealer", BAD), ("new_car_loan", "salesperson", f"S-{BAD}")]
    assert again.channels_watched == []
    artifact = Artifact.get("channel-risk")
    assert artifact is not None and f"| new_car_loan | dealer | {BAD} |" in str(artifact.data)
