"""Each kind of link is found on planted data and not on clean data; rings are one finding;
a dossier with a finding never goes straight through (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from autopass.dossier import Decision, MicroTaskKind, Status
from autopass.risk import RISK_CHECK_ID
from autopass.settings import Settings
from autopass.store import AuditEvent, FindingState, MicroTask, RiskFinding, Role, session_scope
from tests.risk.helpers import NOW, application, documents, person, photo_of, record

PLANTED = {
    "phone": lambda: (application(2, phone="13900000001"), documents(2)),
    "bank_card": lambda: (application(2, bank_card="6222020200110000001"), documents(2)),
    "vin": lambda: (application(2, vin="LSVAM4188C2180001"), documents(2)),
    "invoice_number": lambda: (application(2), documents(2, invoice_number="00000001")),
    "address": lambda: (application(2), documents(2, address="山东省青岛市市南区香港中路1号")),
    "id_number": lambda: (application(2, id_number="370202198803120001"), documents(2)),
}


def findings(settings: Settings) -> list[RiskFinding]:
    with session_scope(settings) as session:
        rows = session.scalars(sa.select(RiskFinding).order_by(RiskFinding.id)).all()
        session.expunge_all()
        return list(rows)


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_a_value_shared_with_another_applicant_is_a_finding(web_store: Settings, kind: str) -> None:
    record(web_store, application(1))
    app, docs = PLANTED[kind]()
    dossier_id, result, _ = record(web_store, app, docs)

    [finding] = findings(web_store)
    assert (finding.dossier_id, finding.kinds, finding.state) == (dossier_id, [kind], "open")
    assert finding.members == [app.application_id, application(1).application_id]
    check = next(check for check in result.checks if check.id == RISK_CHECK_ID)
    assert check.status is Status.REVIEW and result.decision is Decision.REVIEW
    [summary] = result.microtasks
    assert summary.kind is MicroTaskKind.INVESTIGATE_LINK
    with session_scope(web_store) as session:
        task = session.get(MicroTask, summary.id)
        assert task is not None and task.role == Role.SENIOR
        assert task.payload["options"] == ["not_same_person", "same_person_fine", "fraud_confirmed"]
        events = session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.dossier_id == dossier_id)).all()
    assert "risk_finding_recorded" in events
    # Numbers are masked wherever a person reads them.
    shown = " ".join(str(link["value"]) for link in finding.links) + task.question
    for number in (app.applicant.phone, app.loan.bank_card, app.vehicle.vin,
                   app.applicant.id_number):
        assert number not in shown


def test_clean_dossiers_carry_no_finding_and_go_straight_through(web_store: Settings) -> None:
    faces = [person(seed) for seed in range(1, 6)]
    results = [record(web_store, application(n), faces=[faces[n - 1], photo_of(faces[n - 1], n)])[1]
               for n in range(1, 6)]

    assert findings(web_store) == []
    assert [result.decision for result in results] == [Decision.AUTO_PASS] * 5
    assert all(result.checks[0].detail == "no links" for result in results)


def test_the_same_applicant_again_is_no_finding(web_store: Settings) -> None:
    """A returning customer (the same ID number and name) shares their phone with themselves."""
    record(web_store, application(1), faces=[person(1)])
    again = application(2, id_number="370202198803120001", name="申请人1", phone="13900000001")
    _, result, _ = record(web_store, again, faces=[photo_of(person(1), 2)])

    assert findings(web_store) == [] and result.decision is Decision.AUTO_PASS


def test_one_face_under_another_id_number_is_a_finding(web_store: Settings) -> None:
    face = person(7)
    record(web_store, application(1), faces=[face, photo_of(face, 1)])
    record(web_store, application(2), faces=[person(8)])  # another person: no link
    _, result, _ = record(web_store, application(3), faces=[photo_of(face, 3), photo_of(face, 4)])

    [finding] = findings(web_store)
    assert finding.kinds == ["face"]
    assert finding.members == [application(3).application_id, application(1).application_id]
    assert result.decision is Decision.REVIEW


def test_a_ring_is_one_finding_naming_every_applicant(web_store: Settings) -> None:
    """1 and 2 share a phone, 3 shares 2's bank card, 4 shows 3's face: 4 names all four."""
    face = person(11)
    record(web_store, application(1, phone="13811112222"))
    record(web_store, application(2, phone="13811112222", bank_card="6222020200119999999"))
    record(web_store, application(3, bank_card="6222020200119999999"), faces=[face])
    record(web_store, application(4), faces=[photo_of(face, 4)])

    last = findings(web_store)[-1]
    assert set(last.members) == {application(n).application_id for n in range(1, 5)}
    assert last.members[0] == application(4).application_id
    assert set(last.kinds) == {"face", "bank_card", "phone"}
    assert len(findings(web_store)) == 3  # 2, 3 and 4 each carry their finding


def test_links_older_than_the_window_are_not_looked_up(web_store: Settings) -> None:
    record(web_store, application(1, phone="13811112222"), now=NOW - timedelta(days=400))
    _, result, _ = record(web_store, application(2, phone="13811112222"))

    assert findings(web_store) == [] and result.decision is Decision.AUTO_PASS


def test_an_open_finding_is_never_left_by_the_decision(web_store: Settings) -> None:
    """A finding is a review, never a reject by itself."""
    record(web_store, application(1, phone="13811112222"))
    _, result, _ = record(web_store, application(2, phone="13811112222"))

    assert result.decision is Decision.REVIEW
    assert [finding.state for finding in findings(web_store)] == [FindingState.OPEN]
