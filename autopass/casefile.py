"""One dossier's case file, as a senior or a supervisor looks it up when a dealer calls.

Where the dossier stands (status, decision, SLA), what the machine found (documents, values,
checks, faces), every micro-task with who answered what and when, and the audit trail, read from
the store in a few queries. ID and card numbers are masked as in check details (the last four
digits are enough to tell a customer apart on the phone); names stay readable, as on the crops
seniors already see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from autopass.answers import AnswerError, read_answer
from autopass.documents import DocumentType
from autopass.dossier import FieldSource, MicroTaskKind, Status
from autopass.masking import mask_numbers, mask_value
from autopass.microtasks import kind_of
from autopass.references import APPLICATION, APPLICATION_FIELDS
from autopass.standards import DocumentSpec
from autopass.store import (
    AuditEvent,
    Check,
    Document,
    DocumentField,
    Dossier,
    DossierStatus,
    FaceComparison,
    MicroTask,
    MicroTaskAnswer,
    TaskState,
)

PROBLEMS_FIRST = {Status.FAIL: 0, Status.REVIEW: 1, Status.PASS: 2}
"""Checks in this order (the standard's order within each): what holds a dossier up comes first."""
SHOWN_DETAIL = (str, int, float, bool)
"""Audit details shown on the timeline: plain values (counts, a decision, a reason), not lists."""


@dataclass(frozen=True)
class FieldLine:
    field: str
    value: str  # masked where it is a person's number
    confidence: float
    source: FieldSource


@dataclass(frozen=True)
class DocumentLine:
    id: int
    key: str
    file: str
    type: DocumentType
    confidence: float
    problem: str | None
    fields: list[FieldLine]


@dataclass(frozen=True)
class AnswerLine:
    operator: str
    answer: str
    answered_at: datetime
    seconds: float


@dataclass(frozen=True)
class TaskLine:
    id: int
    kind: MicroTaskKind
    about: list[str]  # "<document type>.<field>" (or "application.<field>") of each subject
    state: TaskState
    role: str
    required_answers: int
    created_at: datetime
    settled_at: datetime | None  # answered, or closed without an answer
    resolution: str | None  # what the dossier uses: the answer, or the two typists' agreement
    answers: list[AnswerLine]


@dataclass(frozen=True)
class EventLine:
    at: datetime
    actor: str
    action: str
    task_id: int | None
    detail: str


@dataclass(frozen=True)
class CaseFile:
    dossier: Dossier
    documents: list[DocumentLine]
    checks: list[Check]
    face: FaceComparison | None
    tasks: list[TaskLine]
    events: list[EventLine]

    @property
    def unsettled_tasks(self) -> int:
        return sum(task.state in (TaskState.OPEN, TaskState.CLAIMED) for task in self.tasks)


def case_file(
    session: Session, application_id: str, specs: dict[DocumentType, DocumentSpec]
) -> CaseFile | None:
    """The case file of ``application_id``; None when no dossier has that id. ``specs`` say which
    fields hold a person's numbers (masked)."""
    dossier = session.scalar(sa.select(Dossier).where(Dossier.application_id == application_id))
    if dossier is None or dossier.id is None:
        return None
    documents = list(session.scalars(
        sa.select(Document).where(Document.dossier_id == dossier.id).order_by(Document.id)))
    values = session.scalars(
        sa.select(DocumentField)
        .where(DocumentField.document_id.in_([document.id for document in documents]))
        .order_by(DocumentField.id))
    fields_of: dict[int, list[DocumentField]] = {}
    for value in values:
        fields_of.setdefault(value.document_id, []).append(value)
    kind_of = _field_kinds(documents, specs)
    type_of = {document.key: document.type for document in documents}
    tasks = list(session.scalars(
        sa.select(MicroTask).where(MicroTask.dossier_id == dossier.id).order_by(MicroTask.id)))
    answers_of: dict[int, list[MicroTaskAnswer]] = {}
    for answer in session.scalars(
            sa.select(MicroTaskAnswer)
            .where(MicroTaskAnswer.task_id.in_([task.id for task in tasks]))
            .order_by(MicroTaskAnswer.answered_at, MicroTaskAnswer.id)):
        answers_of.setdefault(answer.task_id, []).append(answer)
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.dossier_id == dossier.id)
        .order_by(AuditEvent.at, AuditEvent.id))
    return CaseFile(
        dossier=dossier,
        documents=[_document_line(document, fields_of.get(document.id or 0, []), kind_of)
                   for document in documents],
        checks=sorted(session.scalars(
            sa.select(Check).where(Check.dossier_id == dossier.id).order_by(Check.id)),
            key=lambda check: PROBLEMS_FIRST.get(check.status, len(PROBLEMS_FIRST))),
        face=session.scalar(
            sa.select(FaceComparison).where(FaceComparison.dossier_id == dossier.id)),
        tasks=[_task_line(task, answers_of.get(task.id or 0, []), kind_of, type_of)
               for task in tasks],
        events=[_event_line(event) for event in events],
    )


@dataclass(frozen=True)
class DossierFilter:
    """Which dossiers a list shows: one dealer's, one salesperson's, in one status (None: any)."""

    dealer_id: str | None = None
    salesperson_id: str | None = None
    status: DossierStatus | None = None

    def __bool__(self) -> bool:
        return any((self.dealer_id, self.salesperson_id, self.status))


EVERY_DOSSIER = DossierFilter()


def recent_dossiers(session: Session, limit: int = 20,
                    only: DossierFilter = EVERY_DOSSIER) -> list[Dossier]:
    """The dossiers that changed last (arrived, answered, decided), ``only`` those it lets
    through: where a lookup often starts (a dealer calls; what does dealer X have in review?)."""
    query = sa.select(Dossier).order_by(Dossier.updated_at.desc(), Dossier.id.desc()).limit(limit)
    if only.dealer_id:
        query = query.where(Dossier.dealer_id == only.dealer_id)
    if only.salesperson_id:
        query = query.where(Dossier.salesperson_id == only.salesperson_id)
    if only.status:
        query = query.where(Dossier.status == only.status)
    return list(session.scalars(query))


# --- internals -----------------------------------------------------------------------------------
FieldKinds = dict[tuple[str, str], str]
"""(document key or "application", field) -> the field's kind."""


def _field_kinds(documents: list[Document], specs: dict[DocumentType, DocumentSpec]) -> FieldKinds:
    kinds = {(APPLICATION, field): kind for field, kind in APPLICATION_FIELDS.items()}
    for document in documents:
        spec = specs.get(DocumentType(document.type))
        for field, field_spec in (spec.fields.items() if spec else ()):
            kinds[(document.key, field)] = field_spec.kind
    return kinds


def _shown(kind: str | None, value: Any) -> str:
    """A value as the page shows it: a person's number masked; a number in a field of unknown kind
    masked too, should it be one."""
    if value is None or value == "":
        return "—"
    if kind is None:
        return mask_numbers(str(value))
    return mask_value(kind, value)


def _document_line(document: Document, values: list[DocumentField],
                   kinds: FieldKinds) -> DocumentLine:
    return DocumentLine(
        id=document.id or 0,
        key=document.key,
        file=document.file,
        type=DocumentType(document.type),
        confidence=document.confidence,
        problem=document.problem,
        fields=[FieldLine(field=value.field,
                          value=_shown(kinds.get((document.key, value.field)), value.value),
                          confidence=value.confidence, source=value.source)
                for value in values],
    )


def _task_line(task: MicroTask, answers: list[MicroTaskAnswer], kinds: FieldKinds,
               types: dict[str, str]) -> TaskLine:
    subjects = [(str(subject.get("document")), str(subject.get("field")))
                for subject in task.payload.get("subjects") or []]
    kind = kinds.get(subjects[0]) if subjects else None
    return TaskLine(
        id=task.id or 0,
        kind=MicroTaskKind(task.kind),
        about=[f"{types.get(document, document)}.{field}" for document, field in subjects],
        state=TaskState(task.state),
        role=str(task.role),
        required_answers=task.required_answers,
        created_at=task.created_at,
        settled_at=task.answered_at or task.closed_at,
        resolution=_answer_text(task.kind, task.resolution, kind)
        if task.resolution is not None else None,
        answers=[AnswerLine(operator=answer.operator,
                            answer=_answer_text(task.kind, answer.answer, kind),
                            answered_at=answer.answered_at, seconds=answer.seconds)
                 for answer in answers],
    )


def _answer_text(task_kind: str, data: Any, kind: str | None) -> str:
    """An answer in a few words: the type chosen, yes or no, the value (masked) and where from
    (``MicroTaskType.summary``)."""
    try:
        answer = read_answer(task_kind, data)
    except AnswerError:
        return mask_numbers(str(data))  # stored before a change of shape: shown as it is
    return kind_of(task_kind).summary(answer, lambda value: _shown(kind, value))


def _event_line(event: AuditEvent) -> EventLine:
    detail = ", ".join(f"{key}: {value}" for key, value in event.detail.items()
                       if isinstance(value, SHOWN_DETAIL) and value != "")
    return EventLine(at=event.at, actor=event.actor, action=event.action,
                     task_id=event.task_id, detail=mask_numbers(detail))
