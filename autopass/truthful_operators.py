"""The whole loop on generated dossiers: people answer every micro-task with the truth.

``autopass evaluate --answer-with-truth`` measures what happens after the first decision. Two
operators (with the senior role, so every task is theirs to take) claim and answer each open task
as a careful person who sees what truth.json says would (double keying included);
``finalize-dossier`` runs for each dossier an answer settles, round after round, until nothing is
left to ask. A task no truthful answer fits (a question about a field the page does not have, a
senior's question with nothing to look at) is set aside: its dossier stays unsettled, and says so.

For generated dossiers only: it answers from truth.json, never from a person.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import select

from autopass.dossier import DocumentResult, FieldRef, MicroTaskKind
from autopass.queue import answer, claim_next, roles_for
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
    unsettled: list[str] = Field(default_factory=list)  # a loop, or a task set aside
    tasks: int = 0  # micro-tasks created, all rounds
    answers: int = 0  # answers given (a double-keyed task counts two)
    set_aside: int = 0  # tasks no truthful answer fits
    tasks_without_image: list[str] = Field(default_factory=list)  # "dossier: kind about subjects"
    finalize_runs: dict[int, int] = Field(default_factory=dict)  # runs -> dossiers


def truthful_answer(kind: str, payload: dict[str, Any], truth: dict[str, Any],
                    documents: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The answer a careful operator gives, knowing ``truth`` (the dossier's truth.json);
    ``documents``: the stored result's documents (a region's place tells which card it is).
    None when no truthful answer fits the question."""
    if kind == MicroTaskKind.COMPARE_FACES:
        return {"same_person": "selfie_other_person" not in truth["defects"]}
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


def answer_with_truth(settings: Settings, truths: Truths) -> LoopReport:
    """Answer every task of the store's dossiers and finalize each settled one, until nothing is
    left."""
    from flows.finalize_dossier import FinalizeDossierRequest, finalize_dossier

    set_aside: set[int] = set()
    runs: Counter[int] = Counter()
    now = utc_now()
    while True:
        settled = _answer_open_tasks(settings, truths, set_aside, now)
        settled = [dossier_id for dossier_id in settled if runs[dossier_id] < MAX_FINALIZE_RUNS]
        if not settled:
            break
        for dossier_id in settled:
            runs[dossier_id] += 1
            finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
        now += timedelta(minutes=1)
    return _report(settings, truths, set_aside, runs)


def _answer_open_tasks(settings: Settings, truths: Truths, set_aside: set[int],
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
                outcome = answer(session, task_id=task.id, operator=operator, answer=given,
                                 now=now + timedelta(seconds=20))
                if outcome.dossier_settled:
                    settled.append(task.dossier_id)
    return settled


def _report(settings: Settings, truths: Truths, set_aside: set[int], runs: Counter[int],
            ) -> LoopReport:
    report = LoopReport(set_aside=len(set_aside))
    finalized: Counter[int] = Counter()
    with session_scope(settings) as session:
        report.answers = len(session.exec(select(MicroTaskAnswer.id)).all())
        for dossier in session.exec(select(Dossier).order_by(Dossier.id)).all():
            name, truth = truths[dossier.application_id]
            clean = not truth["defects"]
            if dossier.status != DossierStatus.DECIDED:
                report.unsettled.append(name)
            elif dossier.decision in APPROVED:
                (report.clean_approved if clean else report.defective_approved).append(name)
            else:
                (report.clean_rejected if clean else report.defective_rejected).append(name)
            tasks = session.exec(select(MicroTask).where(MicroTask.dossier_id == dossier.id)).all()
            report.tasks += len(tasks)
            report.tasks_without_image += [
                f"{name}: {task.kind} about {', '.join(_subjects(task.payload))}"
                for task in tasks if not _pictures(task.payload)]
            finalized[runs[dossier.id]] += 1
    report.finalize_runs = dict(sorted(finalized.items()))
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


def _pictures(payload: dict[str, Any]) -> list[str]:
    crops = [candidate.get("crop") for candidate in payload.get("candidates") or []]
    return [crop for crop in [*crops, *(payload.get("crops") or {}).values()] if crop]


def _subjects(payload: dict[str, Any]) -> list[str]:
    return [f"{s['document']}.{s['field']}" for s in payload.get("subjects") or []]
