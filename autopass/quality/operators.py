"""Each person's quality at the queue, for supervisors: how much, how fast, how often right.

- tasks: answers given; median seconds per answer.
- second keyer: of their answers to double-keyed tasks answered by two, the share equal to the
  other person's.
- settled: of their answers to tasks whose final answer is known, the share equal to it (the
  task's own resolution, or the senior's choice after two keyings differed); an answer that
  differs is a slip caught (a second keyer or a senior stood in its way).
- QA: for seniors, QA reviews answered and the share of their items a correction task then
  settled against them (their slips caught).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from autopass.quality.qa import same_value
from autopass.store.models import MicroTask, MicroTaskAnswer, QaReview


@dataclass
class OperatorQuality:
    operator: str
    tasks: int = 0
    median_seconds: float | None = None
    double_keyed: int = 0
    agreed_with_second_keyer: int = 0
    settled: int = 0
    agreed_with_settled: int = 0
    qa_reviews: int = 0
    qa_items_overruled: int = 0
    seconds: list[float] = field(default_factory=list, repr=False)

    @property
    def second_keyer_agreement(self) -> float | None:
        return self.agreed_with_second_keyer / self.double_keyed if self.double_keyed else None

    @property
    def settled_agreement(self) -> float | None:
        return self.agreed_with_settled / self.settled if self.settled else None

    @property
    def slips_caught(self) -> int:
        return self.settled - self.agreed_with_settled + self.qa_items_overruled


def operator_quality(session: Session, *, since: datetime, until: datetime,
                     only: str | None = None) -> list[OperatorQuality]:
    """Per person (``only`` one), over answers given in [since, until); most answers first."""
    query = (sa.select(MicroTaskAnswer, MicroTask).join(MicroTask,
                                                         MicroTask.id == MicroTaskAnswer.task_id)
             .where(MicroTaskAnswer.answered_at >= since, MicroTaskAnswer.answered_at < until))
    rows = session.execute(query).all()
    tasks = {task.id: task for _, task in rows}
    children = {task.parent_task_id: task for task in session.scalars(
        sa.select(MicroTask).where(MicroTask.parent_task_id.in_(list(tasks))))} if tasks else {}
    answers_by_task: dict[int, list[MicroTaskAnswer]] = defaultdict(list)
    for given, task in rows:
        answers_by_task[task.id].append(given)
    people: dict[str, OperatorQuality] = {}
    for given, task in rows:
        person = people.setdefault(given.operator, OperatorQuality(given.operator))
        person.tasks += 1
        person.seconds.append(given.seconds)
        others = [a for a in answers_by_task[task.id] if a.operator != given.operator]
        if task.required_answers > 1 and others:
            person.double_keyed += 1
            person.agreed_with_second_keyer += _same(given.answer, others[0].answer)
        final = task.resolution if task.resolution is not None else (
            children[task.id].resolution if task.id in children else None)
        if final is not None and task.required_answers > 1:
            # Known beyond this one person's word: a second keyer, or a senior's choice.
            person.settled += 1
            person.agreed_with_settled += _same(given.answer, final)
    _add_qa(session, people, since, until)
    for person in people.values():
        person.median_seconds = statistics.median(person.seconds) if person.seconds else None
    found = sorted(people.values(), key=lambda p: (-p.tasks - p.qa_reviews, p.operator))
    return [p for p in found if only is None or p.operator == only]


def _add_qa(session: Session, people: dict[str, OperatorQuality], since: datetime,
            until: datetime) -> None:
    reviews = list(session.scalars(sa.select(QaReview).where(
        QaReview.answered_at >= since, QaReview.answered_at < until)))
    task_ids = [entry["task_id"] for review in reviews for entry in (review.outcome or {}).values()
                if entry.get("task_id")]
    settled = {task.id: task for task in session.scalars(
        sa.select(MicroTask).where(MicroTask.id.in_(task_ids)))} if task_ids else {}
    for review in reviews:
        assert review.answered_by is not None
        person = people.setdefault(review.answered_by, OperatorQuality(review.answered_by))
        person.qa_reviews += 1
        if review.seconds is not None:
            person.seconds.append(review.seconds)
        for item in review.items:
            task = settled.get(((review.outcome or {}).get(item["id"]) or {}).get("task_id"))
            if task is None or task.resolution is None:
                continue
            qa_value = (review.answer or {}).get("values", {}).get(item["id"])
            person.qa_items_overruled += not _same({"value": qa_value, "signed": qa_value,
                                                    "same_person": qa_value}, task.resolution)


def _same(given: Any, final: Any) -> bool:
    """Two answers to one task say the same (the keys they share, values as fields compare)."""
    if not isinstance(given, dict) or not isinstance(final, dict):
        return same_value(given, final)
    keys = [key for key in ("value", "type", "same_person", "signed", "verdict") if key in final]
    return bool(keys) and all(key in given and same_value(given[key], final[key]) for key in keys)
