"""The nightly batch on a prepared store (fixed timestamps, see ``factories``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from autopass import post_loan
from autopass.store.queue import waiting_for_dealer
from autopass.standards import PostLoan
from autopass.store import AuditEvent, Dossier, DossierStatus, MicroTask, TaskState, session_scope
from autopass.store.models import PostLoanItem, PostLoanKind
from tests.operations.factories import AS_OF, DAY, prepare_batch_leftovers, prepare_store

RULES = PostLoan(registration_chase_days=30, id_expiry_warning_days=60)


def test_registration_chase_and_id_expiry_findings(settings):
    prepare_store(settings)
    with session_scope(settings) as session:
        chases = post_loan.registration_chases(session, now=AS_OF, rules=lambda _: RULES)
        expiries = post_loan.id_expiries(session, now=AS_OF, rules=lambda _: RULES)
    assert [(f.application_id, f.due_on.isoformat(), f.days) for f in chases] == [
        ("A6", "2026-12-28", 31), ("A1", "2026-12-28", 31), ("A2", "2026-12-28", 31)
    ]
    assert [(f.application_id, f.due_on.isoformat(), f.days) for f in expiries] == [
        ("A6", "2026-11-23", -36), ("A1", "2027-01-07", 9)
    ]


def test_findings_are_recorded_once_and_resolved_when_gone(settings):
    prepare_store(settings)
    with session_scope(settings) as session:
        findings = post_loan.registration_chases(session, now=AS_OF, rules=lambda _: RULES)
        first = post_loan.record_findings(
            session, kind=PostLoanKind.REGISTRATION_CHASE, findings=findings, now=AS_OF
        )
        again = post_loan.record_findings(
            session, kind=PostLoanKind.REGISTRATION_CHASE, findings=findings[1:], now=AS_OF
        )
        assert (first.new, first.still_open, first.resolved) == (3, 0, 0)
        assert (again.new, again.still_open, again.resolved) == (0, 2, 1)
        open_ids = [i.detail["application_id"] for i in post_loan.open_items(
            session, PostLoanKind.REGISTRATION_CHASE)]
        assert open_ids == ["A1", "A2"]
        assert len(session.exec(select(PostLoanItem)).all()) == 3


@pytest.mark.usefixtures("prefect_harness")
def test_nightly_batch_tidies_reports_and_follows_up(settings, time_machine):
    from prefect.artifacts import Artifact

    from autopass.settings import use_settings
    from autopass.flows.nightly_batch import NightlyBatchRequest, nightly_batch

    # The batch runs at AS_OF; what it finalizes (A9) reads the clock, so the clock is AS_OF too.
    time_machine.move_to(AS_OF)
    ids = prepare_store(settings)
    ids |= prepare_batch_leftovers(settings)
    with use_settings(settings):
        summary = nightly_batch(NightlyBatchRequest(day=date.fromisoformat(DAY), as_of=AS_OF))

    assert summary.leases_expired == 1
    assert summary.failed_stuck == [ids["A8"]]
    assert summary.refinalized == [ids["A9"]]
    assert summary.report == {
        "dossiers": 5, "stp_rate": 0.2, "sla_attainment": 0.6, "microtasks_per_dossier": 0.8
    }
    assert summary.chases == {"new": 3, "still_open": 0, "resolved": 0}
    assert summary.id_expiries == {"new": 2, "still_open": 0, "resolved": 0}
    with session_scope(settings) as session:
        a5_task = session.exec(select(MicroTask).where(MicroTask.dossier_id == ids["A5"])).one()
        assert (a5_task.state, a5_task.claimed_by) == (TaskState.OPEN, None)
        stuck = session.get_one(Dossier, ids["A8"])
        assert stuck.status == DossierStatus.FAILED
        failure = session.exec(
            select(AuditEvent).where(AuditEvent.dossier_id == ids["A8"],
                                     AuditEvent.action == "dossier_failed")
        ).one()
        assert failure.detail == {"problem": "still processing after 60 minutes (nightly batch)"}
        # A9 holds an ID card back only: once finalized, its dealer is asked for the rest.
        finalized = session.get_one(Dossier, ids["A9"])
        assert (finalized.status, finalized.decision) == (
            DossierStatus.WAITING_FOR_DEALER, "review")
        [asked] = waiting_for_dealer(session)
    assert asked.dossier_id == ids["A9"] and "bank_card" in asked.missing_documents
    artifact = Artifact.get("daily-report")
    assert artifact is not None
    assert "- STP rate: **20.0%**" in str(artifact.data)

    with use_settings(settings):  # a second night finds nothing new and duplicates nothing
        again = nightly_batch(NightlyBatchRequest(day=date.fromisoformat(DAY), as_of=AS_OF))
    assert (again.leases_expired, again.failed_stuck, again.refinalized) == (0, [], [])
    assert again.rejected_unanswered == []  # A9's dealer was asked tonight: 3 days to answer
    assert again.chases == {"new": 0, "still_open": 3, "resolved": 0}
    with session_scope(settings) as session:
        assert len(session.exec(select(PostLoanItem)).all()) == 5

    three_days_on = AS_OF + timedelta(days=3, minutes=5)  # the clock ticked on after AS_OF
    time_machine.move_to(three_days_on)
    with use_settings(settings):
        later = nightly_batch(NightlyBatchRequest(day=date.fromisoformat(DAY), as_of=three_days_on))
    assert later.rejected_unanswered == ["A9"]
    with session_scope(settings) as session:
        assert session.get_one(Dossier, ids["A9"]).decision == "reject"
