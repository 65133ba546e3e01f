"""Channel risk (#28 item 4): each figure per dealer and salesperson and window, the watch a
channel over threshold is put under, its dossiers going to a senior instead of straight through,
and a supervisor's clearing (audited) giving it back straight-through (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from fastapi.testclient import TestClient

from autopass.dossier import CheckResult, Decision, DossierResult, MicroTaskKind, Status
from autopass.review import decide_after_answers
from autopass.risk import record_screening, screen_dossier
from autopass.risk.channel import (
    CHANNEL_CHECK_ID,
    ChannelBoard,
    channel_board,
    channel_check,
    rescore_channels,
    rings_by_application,
)
from autopass.routing import plan_microtasks
from autopass.rules import decide
from autopass.settings import Settings, use_settings
from autopass.standards import ChannelPolicy, Standard
from autopass.store import (
    AuditEvent,
    MicroTask,
    NewMicroTask,
    Role,
    TaskState,
    record_dossier,
    session_scope,
)
from autopass.store.channels import ChannelDossier
from autopass.store.models import ChannelKind, ChannelWatch, WatchState
from autopass.web import create_app
from autopass.flows.finalize_dossier import load_settled_dossier
from autopass.tasks.channel import check_channel
from tests.risk.helpers import NOW, POLICY, _standard, application, cosine, documents
from tests.web.conftest import csrf_of, log_in

BAD, GOOD = "D-BAD-001", "D-GOOD-002"
SHARED_PHONE = "13811112222"
CHANNEL = ChannelPolicy(min_dossiers=10)  # the default weights; watch at 0.30
LATER = NOW + timedelta(hours=1)  # the nightly batch's moment


def standard() -> Standard:
    base = _standard(POLICY)
    return base.model_copy(update={"risk": POLICY.model_copy(update={"channel": CHANNEL})})


def send(settings: Settings, number: int, dealer: str, *, phone: str | None = None,
         reject: bool = False, no_bank_card: bool = False, at: datetime = NOW) -> DossierResult:
    """One dossier of ``dealer`` (salesperson ``S-`` + dealer) recorded as ``process-dossier``
    does: screened, checked against the channel watches, routed, stored."""
    changes = {"phone": phone} if phone else {}
    app = application(number, **changes).model_copy(
        update={"dealer_id": dealer, "salesperson_id": f"S-{dealer}"})
    docs = documents(number)
    rules = standard()
    with session_scope(settings) as session:
        screening = screen_dossier(session, policy=rules.risk, application=app, documents=docs,
                                   faces=[], engine=None, similarity=cosine,
                                   database=settings.store_url, now=at)
        watched = channel_check(session, product=rules.product, dealer_id=app.dealer_id,
                                salesperson_id=app.salesperson_id)
    checks = [screening.check, watched]
    if reject:
        checks.append(CheckResult(id="bank_card_passes_luhn", status=Status.FAIL, hard=True,
                                  detail="planted"))
    if no_bank_card:  # the dossier goes back to its dealer for it
        checks.append(CheckResult(id="required_documents_present", status=Status.FAIL,
                                  detail="required document(s) missing: bank_card",
                                  ask_dealer_for=["bank_card"]))
    decision = decide(checks)
    plans = plan_microtasks(rules, decision=decision, checks=checks, documents=docs)
    tasks = [NewMicroTask(kind=plan.kind, question=plan.question, check_id=plan.check_ids[0],
                          role=Role(plan.role), payload={"options": list(plan.options)})
             for plan in plans]
    result = DossierResult(application_id=app.application_id, decision=decision, documents=docs,
                           face=None, checks=checks, microtasks=[], elapsed_ms=1)
    with session_scope(settings) as session:
        dossier = record_dossier(session, application=app, result=result,
                                 originals={"id.jpg": "a" * 64, "invoice.jpg": "b" * 64},
                                 microtasks=tasks, received_at=at - timedelta(minutes=1), now=at)
        record_screening(session, dossier=dossier, screening=screening, now=at)
        return DossierResult.model_validate(dossier.result)


def bad_and_good_dealers(settings: Settings) -> None:
    """BAD: 10 dossiers, 5 rejected, 3 in one ring (a shared phone: 2 of them carry a finding);
    GOOD: 10 clean dossiers."""
    for n in range(1, 11):
        send(settings, n, BAD, phone=SHARED_PHONE if n <= 3 else None, reject=n > 5,
             at=NOW - timedelta(hours=n))
    for n in range(11, 21):
        send(settings, n, GOOD, at=NOW - timedelta(hours=n))


def watches(settings: Settings) -> list[ChannelWatch]:
    with session_scope(settings) as session:
        rows = list(session.scalars(sa.select(ChannelWatch).order_by(ChannelWatch.id)))
        session.expunge_all()
        return rows


def rescore(settings: Settings, at: datetime = LATER) -> list[tuple[str, str]]:
    with session_scope(settings) as session:
        return [(str(w.kind), w.channel_id)
                for w in rescore_channels(session, standard=standard(), now=at)]


def test_rings_are_the_findings_joined_where_they_share_an_application() -> None:
    rings = rings_by_application([["A3", "A1"], ["A2", "A1"], ["B2", "B1"], ["C1"]])
    assert rings == {"A1": "A1", "A2": "A1", "A3": "A1", "B1": "B1", "B2": "B1", "C1": "C1"}


def test_a_misspelt_or_empty_channel_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="dealr"):
        ChannelPolicy.model_validate({"watch_at": {"dealr": 0.3}})
    with pytest.raises(ValidationError, match="at least one weight must be above 0"):
        ChannelPolicy.model_validate({"weights": {name: 0 for name in (
            "findings", "rejects", "defects", "sent_back", "rings")}})


def test_the_trend_is_the_window_s_score_week_by_week() -> None:
    """D: a dossier a day over 40 days, those of the last 9 days rejected; E: 5 dossiers."""
    rows = [ChannelDossier(i, f"A{i}", "D", "S", NOW - timedelta(days=i),
                           "reject" if i < 10 else "auto_pass", False, False, False)
            for i in range(1, 41)]
    rows += [ChannelDossier(100 + i, f"E{i}", "E", "S", NOW - timedelta(days=i), "reject",
                            False, False, False) for i in range(1, 6)]
    board = ChannelBoard("new_car_loan", NOW, CHANNEL, rows, {})

    trends = board.trends(ChannelKind.DEALER, window_days=30, points=3, step_days=7)

    # 14 days ago: days 15-40 (26 dossiers, no reject); 7 days ago: days 8-37 (2 rejects of
    # 30); now: days 1-30 (9 of 30); a rejected share weighs 0.2 of 1.
    assert trends["D"] == pytest.approx([0.0, 0.2 * 2 / 30, 0.2 * 9 / 30])
    assert trends["E"] == [None, None, None]  # too few dossiers to judge


def test_each_figure_per_channel_and_window(web_store: Settings) -> None:
    bad_and_good_dealers(web_store)
    send(web_store, 30, BAD, at=NOW - timedelta(days=45))  # in the 90-day window only
    send(web_store, 31, GOOD, no_bank_card=True, at=NOW - timedelta(hours=30))  # sent back

    with session_scope(web_store) as session:
        board = channel_board(session, standard=standard(), now=LATER)
    [bad30, good30] = board.figures(ChannelKind.DEALER, 30)
    assert (bad30.channel_id, bad30.dossiers, bad30.with_findings, bad30.defects, bad30.rejects,
            bad30.sent_back, bad30.rings) == (BAD, 10, 2, 5, 5, 0, 1)
    # 0.35 x 2/10 findings + 0.2 x 5/10 rejects + 0.15 x 5/10 defects + 0.2 x 1/3 rings
    assert bad30.score == pytest.approx(0.07 + 0.1 + 0.075 + 0.2 / 3)
    assert (good30.channel_id, good30.dossiers, good30.sent_back, good30.defects) == (
        GOOD, 11, 1, 1)
    assert good30.score == pytest.approx((0.15 + 0.1) / 11)
    bad90 = board.figures(ChannelKind.DEALER, 90)[0]
    assert (bad90.dossiers, bad90.rejects) == (11, 5)
    salespeople = board.figures(ChannelKind.SALESPERSON, 30)
    assert [f.channel_id for f in salespeople] == [f"S-{BAD}", f"S-{GOOD}"]
    with session_scope(web_store) as session:  # 5 dossiers of BAD yet: too few for a score
        earlier = channel_board(session, standard=standard(),
                                now=NOW - timedelta(hours=5, minutes=30))
    shown = {f.channel_id: (f.dossiers, f.score) for f in earlier.figures(ChannelKind.DEALER, 30)}
    assert shown == {BAD: (5, None), GOOD: (11, pytest.approx(0.25 / 11))}


def test_a_channel_over_threshold_is_put_under_watch_once_audited(web_store: Settings) -> None:
    bad_and_good_dealers(web_store)

    assert rescore(web_store) == [("dealer", BAD), ("salesperson", f"S-{BAD}")]
    assert rescore(web_store, LATER + timedelta(days=1)) == []  # still watched: not again
    [dealer, salesperson] = watches(web_store)
    assert (dealer.state, dealer.score) == (WatchState.WATCHED, pytest.approx(0.3117, abs=1e-3))
    assert [f["window_days"] for f in dealer.figures] == [30, 90]
    with session_scope(web_store) as session:
        events = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "channel_watched")).all()
        assert sorted(event.detail["channel"] for event in events) == [BAD, f"S-{BAD}"]


@pytest.fixture
def client(web_store: Settings) -> Iterator[TestClient]:
    app = create_app(web_store, on_dossier_settled=lambda *_: None)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def test_a_watched_dealer_s_clean_dossier_goes_to_a_senior_until_a_supervisor_clears_it(
    web_store: Settings, client: TestClient
) -> None:
    bad_and_good_dealers(web_store)
    rescore(web_store)

    held = send(web_store, 40, BAD, at=LATER)
    check = next(check for check in held.checks if check.id == CHANNEL_CHECK_ID)
    assert held.decision is Decision.REVIEW and check.status is Status.REVIEW
    assert f"dealer {BAD} under watch" in check.detail
    [task] = held.microtasks
    assert task.kind is MicroTaskKind.REVIEW_CHANNEL
    with session_scope(web_store) as session:
        assert session.get_one(MicroTask, task.id).role == Role.SENIOR
    assert send(web_store, 41, GOOD, at=LATER).decision is Decision.AUTO_PASS

    dealer_watch = watches(web_store)[0]
    clear = f"/channel-risk/watches/{dealer_watch.id}/clear"
    for who in ("olga", "sam"):  # an operator, a senior: not theirs to clear
        token = csrf_of(log_in(client, who).text)
        assert client.post(clear, data={"note": "ok", "csrf_token": token}).status_code == 403
    token = csrf_of(log_in(client, "sue").text)
    assert client.post(clear, data={"note": "x", "csrf_token": "forged"}).status_code == 403
    cleared = client.post(clear, data={"note": "visited the dealer: new manager",
                                       "csrf_token": token}, follow_redirects=False)
    assert cleared.status_code == 303, cleared.text
    assert client.post(clear, data={"note": "again", "csrf_token": token}).status_code == 409

    # The salesperson is still watched; cleared as well, the next clean dossier goes through.
    assert send(web_store, 42, BAD, at=LATER).decision is Decision.REVIEW
    with session_scope(web_store) as session:
        from autopass.store.channels import clear_watch
        clear_watch(session, watch_id=watches(web_store)[1].id, actor="sue", note="fine",
                    now=LATER)
    passed = send(web_store, 43, BAD, at=LATER)
    assert passed.decision is Decision.AUTO_PASS
    assert next(c for c in passed.checks if c.id == CHANNEL_CHECK_ID).detail == "no watch"
    with session_scope(web_store) as session:
        event = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "channel_cleared").order_by(AuditEvent.id)).first()
        assert event is not None and (event.actor, event.detail["channel"],
                                      event.detail["note"]) == (
            "sue", BAD, "visited the dealer: new manager")


def test_a_clearing_holds_for_its_days_then_the_batch_may_watch_again(web_store: Settings) -> None:
    bad_and_good_dealers(web_store)
    rescore(web_store)
    with session_scope(web_store) as session:
        from autopass.store.channels import clear_watch
        for watch in watches(web_store):
            clear_watch(session, watch_id=watch.id, actor="sue", note="fine", now=LATER)

    assert rescore(web_store, LATER + timedelta(days=1)) == []  # the clearing holds
    assert rescore(web_store, LATER + timedelta(days=29)) == []
    # 31 days on, the 90-day window still shows the same dossiers over threshold.
    assert rescore(web_store, LATER + timedelta(days=31)) == [
        ("dealer", BAD), ("salesperson", f"S-{BAD}")]


@pytest.mark.parametrize(("verdict", "status", "decision"), [
    ("pass", Status.PASS, Decision.APPROVE), ("reject", Status.FAIL, Decision.REJECT)])
def test_the_senior_s_answer_settles_the_channel_check(
    web_store: Settings, client: TestClient, verdict: str, status: Status, decision: Decision,
) -> None:
    bad_and_good_dealers(web_store)
    rescore(web_store)
    held = send(web_store, 40, BAD, at=LATER)
    dossier_id = _dossier_id(web_store, held.microtasks[0].id)
    with session_scope(web_store) as session:  # the ring's own tasks are not this test's
        session.execute(sa.update(MicroTask).where(MicroTask.dossier_id != dossier_id)
                        .values(state=TaskState.CLOSED))
    assert log_in(client, "olga").status_code in {200, 303}
    assert client.get("/api/tasks/next").status_code == 204  # never an operator's
    token = csrf_of(log_in(client, "sam").text)
    task = client.get("/api/tasks/next").json()
    assert (task["kind"], [o["value"] for o in task["options"]]) == (
        "review_channel", ["pass", "reject"])
    answered = client.post(f"/api/tasks/{task['id']}/answer", json={"verdict": verdict},
                           headers={"X-CSRF-Token": token})
    assert answered.status_code == 200, answered.text

    with use_settings(web_store):  # what finalize-dossier does once it is settled
        check = check_channel.fn("new_car_loan", held_application(web_store, dossier_id),
                                 load_settled_dossier.fn(dossier_id).settled)

    assert (check.status, check.hard) == (status, status is Status.FAIL)
    assert "sam" in check.detail
    assert decide_after_answers([check], [], None) is decision


def held_application(settings: Settings, dossier_id: int):  # type: ignore[no-untyped-def]
    with use_settings(settings):
        return load_settled_dossier.fn(dossier_id).application


def _dossier_id(settings: Settings, task_id: int | None) -> int:
    with session_scope(settings) as session:
        return session.get_one(MicroTask, task_id).dossier_id
