"""``process-dossier`` end to end with a dealer under watch (#28 item 4): its clean dossier is
held for a senior (never ``auto_pass``); once a supervisor cleared the dealer, the same dossier
sent again goes through as the rest of its checks say."""

from __future__ import annotations

import json

import pytest

from autopass.settings import use_settings
from autopass.store import session_scope, utc_now
from autopass.store.channels import clear_watch, put_under_watch
from autopass.store.models import ChannelKind
from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_watched_dealer_s_clean_dossier_goes_to_a_senior_until_cleared(sample_dossiers,
                                                                         settings):
    folder = sample_dossiers["clean"]
    dealer = json.loads((folder / "application.json").read_text(encoding="utf-8"))["dealer_id"]
    with session_scope(settings) as session:
        watch = put_under_watch(session, product="new_car_loan", kind=ChannelKind.DEALER,
                                channel_id=dealer, score=0.5, figures=[], now=utc_now())
        watch_id = watch.id
    with use_settings(settings):
        held = process_dossier(ProcessDossierRequest(folder=str(folder)))

    [check] = [c for c in held["checks"] if c["id"] == "channel_not_under_watch"]
    assert check["status"] == "review" and f"dealer {dealer} under watch" in check["detail"]
    assert held["decision"] == "review"
    assert "review_channel" in [task["kind"] for task in held["microtasks"]]

    with session_scope(settings) as session:
        clear_watch(session, watch_id=watch_id, actor="sue", note="fine", now=utc_now())
    with use_settings(settings):
        again = process_dossier(ProcessDossierRequest(folder=str(folder)))

    [check] = [c for c in again["checks"] if c["id"] == "channel_not_under_watch"]
    assert check["status"] == "pass"
    assert "review_channel" not in [task["kind"] for task in again["microtasks"]]
    others = {c["status"] for c in again["checks"]}
    assert (again["decision"] == "auto_pass") == (others == {"pass"})
