"""The machine's measured error, from what people answered (one place for the definitions).

An *observation* is one value the machine read that a person then gave independently: a key
field of a QA review (every value of a straight-through dossier was trusted), or a document's
candidate in a ``confirm_field`` / ``resolve_mismatch`` task (the answer that settled it is the
reference; for a double-keyed field, the senior's choice between the two keyings). Where a QA
disagreement was settled by a correction task, that task's answer is the reference.

- trusted-value error of a field: wrong / observations whose confidence reached the product's
  ``min_confidence`` (the values the machine would act on alone), with a Wilson interval. Values
  people saw through a task were selected by a doubt or a failed check, so they overstate the
  error; QA reviews are the unbiased sample, shown apart.
- estimated false ``auto_pass`` rate: QA-reviewed dossiers whose QA values would not have passed
  the standard / QA reviews answered, with a Wilson interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from autopass.errors import StandardsError
from autopass.microtasks import all_kinds
from autopass.quality.qa import FACE, QA_CHECK, same_value
from autopass.quality.stats import Proportion, wilson
from autopass.references import APPLICATION
from autopass.reports import beijing_day, day_window
from autopass.settings import Settings
from autopass.standards import Standard, load_standard
from autopass.store.models import Dossier, MicroTask, QaReview, QaState

QA, TASK = "qa", "task"


@dataclass(frozen=True)
class Observation:
    """One machine reading and whether people found it right."""

    field: str  # "<document type>.<field>"
    confidence: float | None
    correct: bool
    trusted: bool  # its confidence reached the product's min_confidence (QA: always)
    origin: str  # qa | task
    at: datetime
    product: str


@dataclass(frozen=True)
class FieldError:
    field: str
    trusted: Proportion  # errors among trusted values, every origin
    qa: Proportion  # errors among QA-reviewed values (unbiased sample of trusted values)
    looked_at: int  # observations of any confidence


@dataclass(frozen=True)
class QualityReport:
    first_day: date
    last_day: date
    fields: list[FieldError]
    trusted: Proportion  # every field together
    qa_reviews: Proportion  # reviews with at least one disagreement / reviews answered
    false_auto_pass: Proportion  # reviews whose QA values would not pass / reviews answered
    qa_waiting: int


@dataclass(frozen=True)
class QualityPoint:
    day: date
    trusted_error: float | None
    qa_disagreement: float | None
    observations: int


def standards_in_use(session: Session, settings: Settings) -> dict[str, Standard]:
    """The standard of every product the store holds dossiers of (unknown products left out)."""
    found = {}
    for product in session.scalars(sa.select(Dossier.product).distinct()):
        try:
            found[product] = load_standard(product, settings)
        except StandardsError:
            continue
    return found


def observations(session: Session, *, standards: Mapping[str, Standard],
                 since: datetime | None = None, until: datetime | None = None,
                 ) -> list[Observation]:
    """Every observation answered in [since, until)."""
    return [*_from_qa(session, since, until), *_from_tasks(session, standards, since, until)]


def quality_report(session: Session, first_day: date, last_day: date, *,
                   standards: Mapping[str, Standard]) -> QualityReport:
    """The figures over answers given from ``first_day`` to ``last_day`` (Beijing days)."""
    start, end = day_window(first_day)[0], day_window(last_day)[1]
    seen = observations(session, standards=standards, since=start, until=end)
    by_field: dict[str, list[Observation]] = defaultdict(list)
    for observation in seen:
        by_field[observation.field].append(observation)
    fields = [FieldError(field=name, trusted=_errors([o for o in group if o.trusted]),
                         qa=_errors([o for o in group if o.origin == QA]), looked_at=len(group))
              for name, group in sorted(by_field.items())]
    fields.sort(key=lambda f: (-(f.trusted.high or 0), f.field))
    reviews = answered_reviews(session, start, end)
    waiting = session.scalar(sa.select(sa.func.count()).select_from(QaReview).where(
        QaReview.state.in_([QaState.OPEN, QaState.CLAIMED]))) or 0
    return QualityReport(
        first_day=first_day, last_day=last_day, fields=fields,
        trusted=_errors([o for o in seen if o.trusted]),
        qa_reviews=wilson(sum(r.state == QaState.DISAGREED for r in reviews), len(reviews)),
        false_auto_pass=wilson(false_auto_passes(session, reviews), len(reviews)),
        qa_waiting=waiting)


def quality_markdown(report: QualityReport) -> str:
    """The report's figures as Markdown (the nightly batch's daily-report artifact)."""

    def shown(p: Proportion) -> str:
        if not p.n:
            return "no answers"
        return f"{p.errors}/{p.n} = {p.errors / p.n:.2%} (95% {p.low:.2%}-{p.high:.2%})"

    rows = "\n".join(f"| {f.field} | {shown(f.trusted)} | {f.qa.errors}/{f.qa.n} | {f.looked_at} |"
                     for f in report.fields)
    return (f"## Measured machine error\n\n"
            f"- error among trusted values: {shown(report.trusted)}\n"
            f"- estimated false auto_pass (QA): {shown(report.false_auto_pass)}\n"
            f"- QA reviews with a disagreement: {report.qa_reviews.errors}/{report.qa_reviews.n}; "
            f"waiting: {report.qa_waiting}\n\n"
            f"| field | trusted-value errors | QA errors | looked at |\n|---|---|---|---|\n"
            f"{rows}\n")


def quality_series(session: Session, *, last_day: date, days: int,
                   standards: Mapping[str, Standard]) -> list[QualityPoint]:
    """Per Beijing day: trusted-value error and QA disagreement rate (None: nothing answered)."""
    first_day = last_day - timedelta(days=days - 1)
    start, end = day_window(first_day)[0], day_window(last_day)[1]
    seen = observations(session, standards=standards, since=start, until=end)
    reviews = answered_reviews(session, start, end)
    points = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        trusted = [o for o in seen if o.trusted and beijing_day(o.at) == day]
        answered = [r for r in reviews if r.answered_at and beijing_day(r.answered_at) == day]
        points.append(QualityPoint(
            day=day, trusted_error=_errors(trusted).rate,
            qa_disagreement=(sum(r.state == QaState.DISAGREED for r in answered) / len(answered)
                             if answered else None),
            observations=len([o for o in seen if beijing_day(o.at) == day])))
    return points


def false_auto_passes(session: Session, reviews: list[QaReview]) -> int:
    """QA-reviewed dossiers that should not have gone straight through: the QA values would not
    pass the standard, and the correction tasks did not all side with the machine (a QA slip
    that a senior then overruled is no false auto_pass)."""
    changed = [review for review in reviews if review.decision_changed]
    task_ids = [entry["task_id"] for review in changed for entry in (review.outcome or {}).values()
                if entry.get("task_id")]
    tasks = {task.id: task for task in session.scalars(
        sa.select(MicroTask).where(MicroTask.id.in_(task_ids)))} if task_ids else {}
    found = 0
    for review in changed:
        items = {item["id"]: item for item in review.items}
        settled = [(items[item_id], tasks.get(entry.get("task_id")))
                   for item_id, entry in (review.outcome or {}).items() if not entry["agrees"]]
        found += not all(task is not None and task.resolution is not None
                         and _machine_right(item, task.resolution) for item, task in settled)
    return found


def _errors(group: list[Observation]) -> Proportion:
    return wilson(sum(not o.correct for o in group), len(group))


def answered_reviews(session: Session, start: datetime | None = None,
                     end: datetime | None = None) -> list[QaReview]:
    """QA reviews answered in [start, end) (every answered one without bounds)."""
    query = sa.select(QaReview).where(QaReview.answered_at.is_not(None))
    if start is not None:
        query = query.where(QaReview.answered_at >= start)
    if end is not None:
        query = query.where(QaReview.answered_at < end)
    return list(session.scalars(query))


def _from_qa(session: Session, since: datetime | None, until: datetime | None,
             ) -> list[Observation]:
    query = sa.select(QaReview, Dossier.product).join(Dossier, Dossier.id == QaReview.dossier_id)
    query = query.where(QaReview.answered_at.is_not(None))
    if since is not None:
        query = query.where(QaReview.answered_at >= since)
    if until is not None:
        query = query.where(QaReview.answered_at < until)
    rows = session.execute(query).all()
    task_ids = [entry["task_id"] for review, _ in rows for entry in (review.outcome or {}).values()
                if entry.get("task_id")]
    corrections = {task.id: task for task in session.scalars(
        sa.select(MicroTask).where(MicroTask.id.in_(task_ids)))} if task_ids else {}
    found = []
    for review, product in rows:
        outcome = review.outcome or {}
        for item in review.items:
            if item["kind"] == FACE or item["id"] not in outcome:
                continue
            entry = outcome[item["id"]]
            correct = bool(entry["agrees"])
            settled = corrections.get(entry.get("task_id"))
            if settled is not None and settled.resolution is not None:
                correct = _machine_right(item, settled.resolution)
            assert review.answered_at is not None
            found.append(Observation(
                field=f"{item['document_type']}.{item['field']}",
                confidence=item["machine"].get("confidence"), correct=correct, trusted=True,
                origin=QA, at=review.answered_at, product=product))
    return found


def _machine_right(item: dict[str, Any], resolution: dict[str, Any]) -> bool:
    """Did the correction task's answer side with the machine's reading?"""
    machine = item["machine"]["value"]
    if "signed" in resolution:
        return bool(resolution["signed"]) == bool(machine)
    if "same_person" in resolution:
        return bool(resolution["same_person"]) == bool(machine)
    return same_value(resolution.get("value"), machine)  # the value chosen, whoever offered it


def _from_tasks(session: Session, standards: Mapping[str, Standard], since: datetime | None,
                until: datetime | None) -> list[Observation]:
    query = (sa.select(MicroTask, Dossier.product).join(Dossier, Dossier.id == MicroTask.dossier_id)
             .where(MicroTask.kind.in_([str(kind.kind) for kind in all_kinds()
                                        if kind.states_field_value]),
                    MicroTask.resolution.is_not(None), MicroTask.answered_at.is_not(None),
                    sa.or_(MicroTask.check_id.is_(None), MicroTask.check_id != QA_CHECK)))
    if since is not None:
        query = query.where(MicroTask.answered_at >= since)
    if until is not None:
        query = query.where(MicroTask.answered_at < until)
    rows = session.execute(query).all()
    parents = {row[0].parent_task_id for row in rows if row[0].parent_task_id}
    parent_payloads = {task.id: task.payload for task in session.scalars(
        sa.select(MicroTask).where(MicroTask.id.in_(parents)))} if parents else {}
    found = []
    for task, product in rows:
        payload = parent_payloads.get(task.parent_task_id) or task.payload
        truth = task.resolution.get("value") if isinstance(task.resolution, dict) else None
        if truth is None:
            continue
        standard = standards.get(product)
        for candidate in payload.get("candidates") or []:
            if candidate.get("source") in (None, APPLICATION) or not candidate.get("document_type"):
                continue
            machine = candidate.get("value", candidate.get("machine_value"))
            if machine is None:
                continue
            right = same_value(machine, truth)  # a chosen candidate's value is the truth
            confidence = candidate.get("confidence")
            trusted = (standard is not None and confidence is not None and confidence
                       >= standard.min_confidence(candidate["document_type"], candidate["field"]))
            assert task.answered_at is not None
            found.append(Observation(
                field=f"{candidate['document_type']}.{candidate['field']}", confidence=confidence,
                correct=right, trusted=trusted, origin=TASK, at=task.answered_at,
                product=product))
    return found
