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
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import select

from autopass.dossier import DocumentResult, FieldRef
from autopass.microtasks import MicroTaskKind, kind_of
from autopass.references import APPLICATION
from autopass.settings import Settings
from autopass.store import (
    Dossier,
    DossierStatus,
    MicroTask,
    MicroTaskAnswer,
    Role,
    session_scope,
    utc_now,
)
from autopass.store.queue import answer, claim_next, roles_for
from autopass.web.microtasks import crop_slots

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
    # Blind QA of straight-through dossiers (``autopass.quality``), answered with the truth too.
    qa_reviews: int = 0
    qa_disagreed: int = 0
    qa_reopened: int = 0  # the QA values would not have passed: the dossier was judged again
    qa_slips: int = 0  # QA items answered wrong on purpose (``slip_rate``)


def truthful_answer(kind: str, payload: dict[str, Any], truth: dict[str, Any],
                    documents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The answer a careful operator gives, knowing ``truth`` (the dossier's truth.json);
    ``documents``: the stored result's documents (a region's place tells which card it is).
    None when no truthful answer fits the question. What that answer is, is the kind's to say
    (``MicroTaskType.simulated_answer``); this module only knows truth.json."""
    return kind_of(kind).simulated_answer(_TruthWitness(payload, truth, documents))


def slipped(kind: str, given: dict[str, Any], payload: dict[str, Any],
            rng: random.Random) -> dict[str, Any]:
    """``given`` (a truthful answer) as a hurried person gets it wrong: the other yes/no, another
    of the offered types, or the value with one character mistyped (a senior's too, then typed)
    (``MicroTaskType.slipped``)."""
    return kind_of(kind).slipped(given, payload, rng)


class _TruthWitness:
    """What truth.json says about one task (``autopass.microtasks.base.Witness``), read only as
    far as its kind asks."""

    def __init__(self, payload: dict[str, Any], truth: dict[str, Any],
                 documents: list[dict[str, Any]]) -> None:
        self.payload, self.truth, self.documents = payload, truth, documents

    def same_person(self) -> bool:
        return "selfie_other_person" not in self.truth["defects"]

    def fraud(self) -> bool:
        call = self.truth.get("call") or {}
        return self.truth.get("fraud") is not None or call.get("ring") is not None

    def genuine(self) -> bool:
        return not self.truth["defects"] and not self.fraud()

    @cached_property
    def _subject(self) -> FieldRef | None:
        refs = [FieldRef.model_validate(s) for s in self.payload.get("subjects") or []]
        return next((r for r in refs if r.document != APPLICATION), None)

    def subject(self) -> FieldRef | None:
        return self._subject

    @cached_property
    def _type(self) -> str:
        ref = self._subject
        assert ref is not None
        stored = (DocumentResult.model_validate(document) for document in self.documents)
        region = next((document.region for document in stored if document.key == ref.document),
                      None)
        return _true_type(self.truth, ref.document.split("#")[0], region)

    def true_type(self) -> str:
        return self._type

    @cached_property
    def _fields(self) -> dict[str, Any]:
        assert self._subject is not None
        file = self._subject.document.split("#")[0]
        return (self.truth["fields"].get(file)
                or self.truth["fields"].get(f"{file}#{self._type}") or {})

    def knows_value(self) -> bool:
        return self._subject is not None and self._subject.field in self._fields

    def true_value(self) -> Any:
        assert self._subject is not None
        return self._fields[self._subject.field]


def answer_with_truth(settings: Settings, truths: Truths, *, slip_rate: float = 0.0,
                      seed: int = 0) -> LoopReport:
    """Answer every task of the store's dossiers and finalize each settled one, until nothing is
    left; ``slip_rate`` of the answers slipped (``slipped``)."""
    from autopass.flows.finalize_dossier import FinalizeDossierRequest, finalize_dossier

    set_aside: set[int] = set()
    runs: Counter[int] = Counter()
    slips = _Slips(slip_rate, random.Random(seed))
    now = utc_now()
    qa = Counter[str]()
    while True:
        qa.update(_answer_qa_reviews(settings, truths, slips, now))
        settled = _answer_open_tasks(settings, truths, set_aside, slips, now)
        settled = [dossier_id for dossier_id in settled if runs[dossier_id] < MAX_FINALIZE_RUNS]
        if not settled:
            break
        for dossier_id in settled:
            runs[dossier_id] += 1
            finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
        now += timedelta(minutes=1)
    report = _report(settings, truths, set_aside, runs, slips.given)
    report.qa_reviews, report.qa_disagreed = qa["answered"], qa["disagreed"]
    report.qa_reopened, report.qa_slips = qa["reopened"], slips.qa_given
    return report


QA_SENIOR = "truthful-qa"
"""The senior who answers QA reviews (blind: from the truth, never from the machine's values)."""
QA_SET_ASIDE = "truthful-qa-set-aside"
"""Holds the QA reviews no truthful answer fits (an item whose truth the generator lacks)."""


def _answer_qa_reviews(settings: Settings, truths: Truths, slips: _Slips,
                       now: datetime) -> Counter[str]:
    """Claim and answer every waiting QA review from the truth (``slip_rate`` of the items
    slipped); a review with an item no truthful answer fits is left claimed."""
    from autopass.quality.qa import ASKED_AS, SIGNATURE, QaAnswer, answer_review, next_review
    from autopass.standards import load_standard

    counts: Counter[str] = Counter()
    while True:
        with session_scope(settings) as session:
            review = next_review(session, username=QA_SENIOR, now=now,
                                 lease_seconds=int(SET_ASIDE_LEASE.total_seconds()))
            if review is None:
                return counts
            dossier = session.get_one(Dossier, review.dossier_id)
            _, truth = truths[dossier.application_id]
            values: dict[str, str | bool] = {}
            for item in review.items:
                kind = ASKED_AS.get(item["kind"], ASKED_AS[SIGNATURE])
                payload = {"subjects": [{"document": item["document"], "field": item["field"]}]}
                given = truthful_answer(kind, payload, truth, dossier.result["documents"])
                if given is None:
                    break
                given = slips.maybe_qa(review.id, kind, given)
                values[item["id"]] = next(iter(given.values()))
            else:
                outcome = answer_review(
                    session, review_id=review.id, username=QA_SENIOR,
                    answer=QaAnswer(values=values),
                    standard=load_standard(dossier.product, settings),
                    face_engine=settings.face_engine, now=now + timedelta(seconds=60))
                counts["answered"] += 1
                counts["disagreed"] += bool(outcome.disagreements)
                counts["reopened"] += outcome.decision_changed
                continue
            # Stays claimed, by nobody who asks again: the next review comes next.
            review.claimed_by = QA_SET_ASIDE
            slips.qa_set_aside.add(review.id)


class _Slips:
    """Which answers slip: ``rate`` of them, drawn from ``rng``; each slip given, by task id."""

    def __init__(self, rate: float, rng: random.Random) -> None:
        self.rate, self.rng = rate, rng
        self.given: dict[int, list[str]] = {}
        self.qa_set_aside: set[int] = set()
        self.qa_given = 0

    def maybe_qa(self, review_id: int, kind: MicroTaskKind,
                 given: dict[str, Any]) -> dict[str, Any]:
        """A QA item's truthful answer, slipped at the same rate as the tasks' answers."""
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return given
        self.qa_given += 1
        return slipped(kind, given, {}, self.rng)

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
