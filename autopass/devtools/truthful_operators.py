"""The whole loop on generated dossiers: people answer every micro-task with the truth.

``autopass evaluate --answer-with-truth`` measures what happens after the first decision. Two
operators (with the senior role, so every task is theirs to take) claim and answer each open task
as a careful person who sees what truth.json says would (double keying included);
``finalize-dossier`` runs for each dossier an answer settles, round after round, until nothing is
left to ask. A task no truthful answer fits (a question about a field the page does not have, a
senior's question with nothing to look at) is set aside: its dossier stays unsettled, and says so.

People slip: with ``slip_rate`` > 0, that share of answers (drawn from a seeded generator) is
given wrong as a hurried person gives it (``slipped``: a yes for a no, another document type, one
character mistyped), to measure what one person's slip can do to a decision.

For generated dossiers only: it answers from truth.json, never from a person.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import select

from autopass.answers import TYPED
from autopass.documents import DocumentType
from autopass.dossier import DocumentResult, FieldRef, MicroTaskKind
from autopass.store.queue import answer, claim_next, roles_for
from autopass.risk import Verdict
from autopass.risk.channel import ChannelVerdict
from autopass.settings import Settings
from autopass.standards import APPLICATION
from autopass.store import (
    Dossier,
    DossierStatus,
    MicroTask,
    MicroTaskAnswer,
    Role,
    session_scope,
    utc_now,
)
from autopass.web.tasks import crop_slots

OPERATORS = ("truthful-1", "truthful-2")
"""Two of them: a double-keyed task needs two people."""
MAX_FINALIZE_RUNS = 6
"""A dossier finalized this often is going round in circles: it is left unsettled."""
SET_ASIDE_LEASE = timedelta(days=3650)
"""A task nobody can answer stays claimed (by the operator who found so) for the whole run."""
APPROVED = ("auto_pass", "approve")

Truths = dict[str, tuple[str, dict[str, Any]]]
"""Application id -> (dossier name, its truth.json)."""


class LoopReport(BaseModel):
    """Where every dossier ended once people answered all they could, and what it took."""

    clean_approved: list[str] = Field(default_factory=list)
    clean_rejected: list[str] = Field(default_factory=list)
    defective_approved: list[str] = Field(default_factory=list)  # must stay empty
    defective_rejected: list[str] = Field(default_factory=list)
    # Waiting for their dealer (a required document missing): not approved, the dealer asked.
    clean_sent_back: list[str] = Field(default_factory=list)  # must stay empty
    defective_sent_back: list[str] = Field(default_factory=list)  # stopped, rightly
    unsettled: list[str] = Field(default_factory=list)  # a loop, or a task set aside
    tasks: int = 0  # micro-tasks created, all rounds
    tasks_by_kind: dict[str, int] = Field(default_factory=dict)  # where people's time goes
    answers: int = 0  # answers given (a double-keyed task counts two)
    set_aside: int = 0  # tasks no truthful answer fits
    slips: int = 0  # answers given wrong on purpose (``slip_rate``)
    tasks_without_image: list[str] = Field(default_factory=list)  # "dossier: kind about subjects"
    # Why each dossier that did not end right (clean rejected, defective approved, never settled)
    # ended so: its failing checks, the tasks set aside and the slips given on its tasks.
    misjudged: dict[str, list[str]] = Field(default_factory=dict)
    finalize_runs: dict[int, int] = Field(default_factory=dict)  # runs -> dossiers


def truthful_answer(kind: str, payload: dict[str, Any], truth: dict[str, Any],
                    documents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The answer a careful operator gives, knowing ``truth`` (the dossier's truth.json);
    ``documents``: the stored result's documents (a region's place tells which card it is).
    None when no truthful answer fits the question."""
    if kind == MicroTaskKind.COMPARE_FACES:
        return {"same_person": "selfie_other_person" not in truth["defects"]}
    if kind == MicroTaskKind.INVESTIGATE_LINK:  # the ring planted by ``autopass samples``
        fraud = truth.get("fraud") is not None
        verdict = Verdict.FRAUD_CONFIRMED if fraud else Verdict.NOT_SAME_PERSON
        return {"verdict": verdict.value}
    if kind == MicroTaskKind.REVIEW_CHANNEL:  # a watched dealer's dossier, looked at whole
        genuine = not truth["defects"] and truth.get("fraud") is None
        return {"verdict": (ChannelVerdict.PASS if genuine else ChannelVerdict.REJECT).value}
    refs = [FieldRef.model_validate(s) for s in payload.get("subjects") or []]
    ref = next((r for r in refs if r.document != APPLICATION), None)
    if ref is None:
        return None
    file = ref.document.split("#")[0]
    stored = (DocumentResult.model_validate(document) for document in documents)
    region = next((document.region for document in stored if document.key == ref.document), None)
    true_type = _true_type(truth, file, region)
    if kind == MicroTaskKind.CLASSIFY_DOCUMENT:
        return {"type": true_type}
    fields = truth["fields"].get(file) or truth["fields"].get(f"{file}#{true_type}") or {}
    if ref.field not in fields:
        return None
    value = fields[ref.field]
    if kind == MicroTaskKind.CHECK_SIGNATURE:
        return {"signed": bool(value)}
    if kind == MicroTaskKind.RESOLVE_MISMATCH:
        return {"value": value, "source": ref.document}
    return {"value": str(value)}


def slipped(kind: str, given: dict[str, Any], payload: dict[str, Any],
            rng: random.Random) -> dict[str, Any]:
    """``given`` (a truthful answer) as a hurried person gets it wrong: the other yes/no, another
    of the offered types, or the value with one character mistyped (a senior's too, then typed)."""
    if kind == MicroTaskKind.COMPARE_FACES:
        return {"same_person": not given["same_person"]}
    if kind == MicroTaskKind.CHECK_SIGNATURE:
        return {"signed": not given["signed"]}
    if kind == MicroTaskKind.INVESTIGATE_LINK:
        return {"verdict": rng.choice([v.value for v in Verdict if v != given["verdict"]])}
    if kind == MicroTaskKind.REVIEW_CHANNEL:
        return {"verdict": next(v.value for v in ChannelVerdict if v != given["verdict"])}
    if kind == MicroTaskKind.CLASSIFY_DOCUMENT:
        options = payload.get("options") or [t.value for t in DocumentType]
        return {"type": rng.choice([o for o in options if o != given["type"]])}
    if kind == MicroTaskKind.RESOLVE_MISMATCH:
        return {"value": _mistyped(str(given["value"]), rng), "source": TYPED}
    return {"value": _mistyped(given["value"], rng)}


def _mistyped(value: str, rng: random.Random) -> str:
    """One character wrong: a digit for another, or two neighbours swapped (张伟 -> 伟张)."""
    at = rng.randrange(len(value))
    if value[at].isdigit():
        wrong = rng.choice([d for d in "0123456789" if d != value[at]])
        return value[:at] + wrong + value[at + 1:]
    other = at + 1 if at + 1 < len(value) else at - 1
    if other < 0 or value[other] == value[at]:
        return value + value[at]  # one character: typed twice
    first, second = sorted((at, other))
    return value[:first] + value[second] + value[first] + value[second + 1:]


def answer_with_truth(settings: Settings, truths: Truths, *, slip_rate: float = 0.0,
                      seed: int = 0) -> LoopReport:
    """Answer every task of the store's dossiers and finalize each settled one, until nothing is
    left; ``slip_rate`` of the answers slipped (``slipped``)."""
    from flows.finalize_dossier import FinalizeDossierRequest, finalize_dossier

    set_aside: set[int] = set()
    runs: Counter[int] = Counter()
    slips = _Slips(slip_rate, random.Random(seed))
    now = utc_now()
    while True:
        settled = _answer_open_tasks(settings, truths, set_aside, slips, now)
        settled = [dossier_id for dossier_id in settled if runs[dossier_id] < MAX_FINALIZE_RUNS]
        if not settled:
            break
        for dossier_id in settled:
            runs[dossier_id] += 1
            finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
        now += timedelta(minutes=1)
    return _report(settings, truths, set_aside, runs, slips.given)


class _Slips:
    """Which answers slip: ``rate`` of them, drawn from ``rng``; each slip given, by task id."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate, self.rng = rate, rng
        self.given: dict[int, list[str]] = {}

    def maybe(self, task: MicroTask, given: dict[str, Any]) -> dict[str, Any]:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return given
        wrong = slipped(task.kind, given, task.payload, self.rng)
        assert task.id is not None
        self.given.setdefault(task.id, []).append(
            f"slip: {_about(task)}: {_shown(wrong)} for {_shown(given)}")
        return wrong


def _answer_open_tasks(settings: Settings, truths: Truths, set_aside: set[int], slips: _Slips,
                       now: datetime) -> list[int]:
    """Claim and answer until the queue is empty; the dossiers the answers settled."""
    settled: list[int] = []
    progressed = True
    while progressed:
        progressed = False
        for operator in OPERATORS:
            with session_scope(settings) as session:
                task = claim_next(session, operator=operator, now=now,
                                  lease_seconds=int(SET_ASIDE_LEASE.total_seconds()),
                                  roles=roles_for(Role.SENIOR))
                if task is None:
                    continue
                progressed = True
                dossier = session.get(Dossier, task.dossier_id)
                assert dossier is not None
                _, truth = truths[dossier.application_id]
                given = truthful_answer(task.kind, task.payload, truth, dossier.result["documents"])
                if given is None:
                    set_aside.add(task.id)  # stays claimed: nobody is asked again
                    continue
                outcome = answer(session, task_id=task.id, operator=operator,
                                 answer=slips.maybe(task, given),
                                 now=now + timedelta(seconds=20))
                if outcome.dossier_settled:
                    settled.append(task.dossier_id)
    return settled


def _report(settings: Settings, truths: Truths, set_aside: set[int], runs: Counter[int],
            slips: dict[int, list[str]]) -> LoopReport:
    report = LoopReport(set_aside=len(set_aside), slips=sum(map(len, slips.values())))
    finalized: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    with session_scope(settings) as session:
        report.answers = len(session.exec(select(MicroTaskAnswer.id)).all())
        for dossier in session.exec(select(Dossier).order_by(Dossier.id)).all():
            name, truth = truths[dossier.application_id]
            clean = not truth["defects"]
            if dossier.status == DossierStatus.WAITING_FOR_DEALER:
                (report.clean_sent_back if clean else report.defective_sent_back).append(name)
            elif dossier.status != DossierStatus.DECIDED:
                report.unsettled.append(name)
            elif dossier.decision in APPROVED:
                (report.clean_approved if clean else report.defective_approved).append(name)
            else:
                (report.clean_rejected if clean else report.defective_rejected).append(name)
            tasks = session.exec(select(MicroTask).where(MicroTask.dossier_id == dossier.id)).all()
            misjudged = report.clean_rejected + report.clean_sent_back + report.defective_approved
            if name in misjudged + report.unsettled:
                report.misjudged[name] = _failures(dossier.result) + [
                    f"set aside: {_about(task)}"
                    for task in tasks if task.id in set_aside] + [
                    slip for task in tasks for slip in slips.get(task.id or 0, [])]
            report.tasks += len(tasks)
            kinds.update(task.kind for task in tasks)
            report.tasks_without_image += [
                f"{name}: {_about(task)}"
                for task in tasks if not crop_slots(session, task)]
            finalized[runs[dossier.id]] += 1
    report.finalize_runs = dict(sorted(finalized.items()))
    report.tasks_by_kind = dict(kinds.most_common())
    return report


def _true_type(truth: dict[str, Any], file: str, region: list[int] | None) -> str:
    """The type truth.json gives the file, or the region's (the card it overlaps most)."""
    kinds = truth["documents"].get(file, "other")
    if isinstance(kinds, str):
        return kinds
    places = truth.get("regions", {})
    return max(kinds, key=lambda kind: _overlap(region, places.get(f"{file}#{kind}")))


def _overlap(a: list[int] | None, b: list[int] | None) -> int:
    if not a or not b:
        return 0
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def _failures(result: dict[str, Any]) -> list[str]:
    return [f"{check['id']}: {check['detail']}" for check in result["checks"]
            if check["status"] == "fail"]


def _shown(answer: dict[str, Any]) -> str:
    return str(next(iter(answer.values())))


def _about(task: MicroTask) -> str:
    """``<kind> about <document>.<field>, ...``: a task as the report names it."""
    subjects = ", ".join(f"{s['document']}.{s['field']}" for s in task.payload.get("subjects") or [])
    return f"{task.kind} about {subjects}"
