"""A store prepared by hand with fixed timestamps, whose report figures are known in advance.

Day D = 2026-11-28 (Beijing) = [2026-11-27T16:00Z, 2026-11-28T16:00Z). SLA 30 minutes.

| dossier | dealer | sales | received (UTC)  | tasks (answer seconds)      | decision  | decided      |
|---------|--------|-------|-----------------|-----------------------------|-----------|--------------|
| A1      | D1     | S1    | 11-28 01:00     | -                           | auto_pass | 01:02 (in)   |
| A2      | D1     | S1    | 11-28 02:00     | confirm 30 s, faces 10 s    | approve   | 02:20 (in)   |
| A3      | D2     | S2    | 11-28 03:00     | confirm 60 s                | approve   | 03:45 (late) |
| A4      | D2     | S3    | 11-28 04:00     | -                           | reject    | 04:01 (in)   |
| A5      | D2     | S3    | 11-28 05:00     | faces (unanswered)          | review    | -            |
| A6      | D1     | S1    | 11-27 15:59 (D-1 in Beijing) | -              | auto_pass | 16:00        |
| A7      | D3     | S4    | 11-28 16:00 (D+1 in Beijing) | -              | auto_pass | 16:01        |

Hand-computed for D: 5 dossiers; STP 1/5; 8030 3/5; 4 micro-tasks -> 0.8 per dossier; median
seconds confirm_field 45 (30, 60), compare_faces 10; dealers D2 3 dossiers 3 exceptions 1 defect,
D1 2 dossiers 1 exception; salespeople S3 (2, 2, 1), S2 (1, 1, 0), S1 (2, 1, 0).

Post-loan, as of AS_OF = 2026-12-29T12:00Z (Beijing day 2026-12-29), 30 chase days, 60 warning days:
- ID card valid_to: A1 2027-01-07 (9 days left: warn), A2 长期 (never), A3 2027-03-08 (69 days:
  no), A6 2026-11-23 (expired 36 days ago: warn).
- A3 holds a vehicle_registration; A1, A2 and A6 (approved, decided > 30 days before) are chased.

For the nightly batch: A8 stuck ``processing`` since 12-20; A9 (received 12-10, dealer D9) has its
only task answered but was never finalized; A5's task is claimed on 12-29 with a lease that ran out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from autopass.dossier import (
    Application,
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FieldValue,
    MicroTaskKind,
)
from autopass.store.queue import answer, claim_next
from autopass.settings import Settings
from autopass.store import (
    DossierStatus,
    NewMicroTask,
    Role,
    decide_dossier,
    record_dossier,
    session_scope,
)
from tests.factories import make_application

DAY = "2026-11-28"
AS_OF = datetime(2026, 12, 29, 12, 0, tzinfo=UTC)
FILES = ("id_back.jpg", "registration.jpg")


def at(text: str) -> datetime:
    """``"11-28 01:00"`` -> that minute of 2026 in UTC."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def application(application_id: str, dealer: str, salesperson: str) -> Application:
    return make_application(application_id, dealer_id=dealer, salesperson_id=salesperson)


def result(
    application_id: str, decision: Decision, valid_to: str | None, registration: bool = False
) -> DossierResult:
    documents = []
    if valid_to is not None:
        documents.append(
            DocumentResult(
                file="id_back.jpg", type="id_card_back", confidence=0.99,
                fields={"valid_to": FieldValue(value=valid_to, confidence=0.97)},
            )
        )
    if registration:
        documents.append(
            DocumentResult(file="registration.jpg", type="vehicle_registration", confidence=0.98)
        )
    return DossierResult(
        application_id=application_id,
        decision=decision,
        documents=documents,
        face=None,
        checks=[CheckResult(id="required_documents_present", status="pass")],
        microtasks=[],
        elapsed_ms=900,
    )


def task(kind: MicroTaskKind) -> NewMicroTask:
    return NewMicroTask(kind=kind, question=f"{kind}?", payload={"subjects": []})


def add(
    settings: Settings,
    application_id: str,
    dealer: str,
    salesperson: str,
    received: str,
    decision: Decision,
    *,
    valid_to: str | None = None,
    registration: bool = False,
    tasks: tuple[MicroTaskKind, ...] = (),
    decided: str | None = None,
) -> int:
    """Record a dossier received at ``received``; without tasks it is decided at ``decided``."""
    with session_scope(settings) as session:
        dossier = record_dossier(
            session,
            application=application(application_id, dealer, salesperson),
            result=result(application_id, decision, valid_to, registration),
            originals={name: name[0] * 64 for name in FILES},
            microtasks=[task(kind) for kind in tasks],
            received_at=at(received),
            now=at(decided) if decided and not tasks else at(received) + timedelta(minutes=1),
        )
        assert dossier.id is not None
        return dossier.id


def answer_next(settings: Settings, operator: str, claimed: str, seconds: float) -> None:
    """``operator`` claims the most urgent task at ``claimed`` and answers ``seconds`` later."""
    start = at(claimed)
    with session_scope(settings) as session:
        held = claim_next(session, operator=operator, now=start, lease_seconds=180,
                          roles=(Role.SENIOR, Role.OPERATOR))
        assert held is not None
        value = {"same_person": True} if held.kind == MicroTaskKind.COMPARE_FACES else {
            "value": "2030-01-01"}
        answer(session, task_id=held.id, operator=operator, answer=value,
               now=start + timedelta(seconds=seconds))


def decide(settings: Settings, dossier_id: int, application_id: str, decided: str, valid_to: str,
           registration: bool = False) -> None:
    with session_scope(settings) as session:
        decide_dossier(
            session,
            dossier_id=dossier_id,
            result=result(application_id, Decision.APPROVE, valid_to, registration),
            now=at(decided),
        )


def prepare_store(settings: Settings) -> dict[str, int]:
    """The dossiers of the table above; their store ids by application id."""
    ids: dict[str, int] = {}
    ids["A6"] = add(settings, "A6", "D1", "S1", "11-27 15:59", Decision.AUTO_PASS,
                    valid_to="2026-11-23", decided="11-27 16:00")
    ids["A1"] = add(settings, "A1", "D1", "S1", "11-28 01:00", Decision.AUTO_PASS,
                    valid_to="2027-01-07", decided="11-28 01:02")
    ids["A2"] = add(settings, "A2", "D1", "S1", "11-28 02:00", Decision.REVIEW, valid_to="长期",
                    tasks=(MicroTaskKind.CONFIRM_FIELD, MicroTaskKind.COMPARE_FACES))
    answer_next(settings, "olga", "11-28 02:05", 30)
    answer_next(settings, "olga", "11-28 02:06", 10)
    decide(settings, ids["A2"], "A2", "11-28 02:20", valid_to="长期")
    ids["A3"] = add(settings, "A3", "D2", "S2", "11-28 03:00", Decision.REVIEW,
                    valid_to="2027-03-08", registration=True, tasks=(MicroTaskKind.CONFIRM_FIELD,))
    answer_next(settings, "otto", "11-28 03:10", 60)
    decide(settings, ids["A3"], "A3", "11-28 03:45", valid_to="2027-03-08", registration=True)
    ids["A4"] = add(settings, "A4", "D2", "S3", "11-28 04:00", Decision.REJECT,
                    valid_to="2027-01-01", decided="11-28 04:01")
    ids["A5"] = add(settings, "A5", "D2", "S3", "11-28 05:00", Decision.REVIEW,
                    valid_to="2027-01-02", tasks=(MicroTaskKind.COMPARE_FACES,))
    ids["A7"] = add(settings, "A7", "D3", "S4", "11-28 16:00", Decision.AUTO_PASS,
                    valid_to="2029-01-01", registration=True, decided="11-28 16:01")
    return ids


def prepare_batch_leftovers(settings: Settings) -> dict[str, int]:
    """What a night finds: a stuck dossier, an unfinalized one, a lease that ran out."""
    ids: dict[str, int] = {}
    ids["A8"] = add(settings, "A8", "D8", "S8", "12-20 09:00", Decision.AUTO_PASS,
                    decided="12-20 09:01")
    with session_scope(settings) as session:
        from autopass.store import Dossier

        stuck = session.get_one(Dossier, ids["A8"])
        stuck.status, stuck.decision, stuck.decided_at = DossierStatus.PROCESSING, None, None
    ids["A9"] = add(settings, "A9", "D9", "S9", "12-10 09:00", Decision.REVIEW,
                    tasks=(MicroTaskKind.COMPARE_FACES,))
    a5 = ids_of(settings)["A5"]
    with session_scope(settings) as session:  # A5's task (the most urgent), claimed an hour
        held = claim_next(session, operator="otto", now=AS_OF - timedelta(hours=1),  # before
                          lease_seconds=180)
        assert held is not None and held.dossier_id == a5
    answer_next(settings, "olga", "12-10 09:05", 20)  # A9's only task
    return ids


def ids_of(settings: Settings) -> dict[str, int]:
    from sqlmodel import select

    from autopass.store import Dossier

    with session_scope(settings) as session:
        return {d.application_id: d.id for d in session.exec(select(Dossier))}  # type: ignore[misc]
