"""Record a processed dossier, and later its decision, each in one transaction.

A dossier belongs to the dealer that sent it first. A folder for a stored ``application_id``
from any other dealer is refused (``ResubmissionRefused``): it must never replace another
dealer's dossier. The same dealer sending it again is a re-submission: a new version of the
dossier, judged again from the start, whatever its status (an answer to a request for a new photo,
a reject the dealer fixed, or a decided dossier re-opened). The version it replaces stays on the
audit trail (a ``dossier_resubmitted`` event holding its status, decision, decided_at,
application, files with their sha256 and its whole result); its earlier micro-tasks that are not
closed yet are closed as superseded (kept, with their answers); the originals stay in the
content-addressed store. The live tables hold the current version only, so the queue and the
reports need no notion of versions. The dossier keeps its first ``received_at`` and SLA deadline.
Nothing is ever duplicated and nothing is half-written: the work runs inside a SAVEPOINT, so a
failure leaves the caller's transaction as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from autopass.store import queue
from autopass.dossier import Application, DossierResult, FieldRef, MicroTaskKind, MicroTaskSummary
from autopass.errors import AutopassError
from autopass.microtasks.base import SettledTask
from autopass.settings import Settings
from autopass.store.audit import record_event
from autopass.store.models import (
    MACHINE,
    Check,
    Document,
    DocumentField,
    Dossier,
    DossierFile,
    DossierStatus,
    FaceComparison,
    MicroTask,
    MicroTaskAnswer,
    NewMicroTask,
    Role,
    TaskState,
)
from autopass.store.originals import original_path, relative_original_path
from autopass.store.types import utc_now

DEFAULT_SLA_MINUTES = 30
DOSSIER_RESUBMITTED = "dossier_resubmitted"


class StoreError(AutopassError):
    """What was asked of the store does not fit what it holds."""


class ResubmissionRefused(StoreError):
    """A folder for a stored application id came from another dealer than the one that sent it."""


def record_dossier(
    session: Session,
    *,
    application: Application,
    result: DossierResult,
    originals: Mapping[str, str],
    microtasks: Sequence[NewMicroTask] = (),
    received_at: datetime | None = None,
    sla_minutes: int = DEFAULT_SLA_MINUTES,
    face_engine: str | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Store one processed dossier with its files, documents, checks, face and micro-tasks.

    ``originals`` maps each file name of the dossier folder to the sha256 of its stored copy
    (``store_original``). The returned dossier's ``result`` is ``result`` with the created
    micro-tasks (and their ids) in ``microtasks``.
    """
    now = now or utc_now()
    _check_consistent(application, result, originals)
    with session.begin_nested():
        dossier = _dossier_for(session, application, now, received_at, sla_minutes)
        _write_files(session, dossier, originals)
        _write_results(session, dossier, result, originals, face_engine)
        tasks = [
            queue.create_micro_task(session, dossier=dossier, task=t, now=now) for t in microtasks
        ]
        dossier.result = _result_json(result, tasks)
        dossier.decision = str(result.decision)
        if tasks:
            dossier.status, dossier.decided_at = DossierStatus.WAITING_FOR_PEOPLE, None
        elif result.documents_for_dealer:
            dossier.decided_at = None
            queue.ask_dealer_for_documents(session, dossier=dossier,
                                           documents=result.documents_for_dealer,
                                           reason=result.dealer_reason, now=now)
        else:
            dossier.status, dossier.decided_at = DossierStatus.DECIDED, now
        record_event(
            session,
            actor=MACHINE,
            action="dossier_recorded",
            dossier_id=dossier.id,
            detail={
                "decision": str(result.decision),
                "documents": len(result.documents),
                "microtasks": len(tasks),
                "elapsed_ms": result.elapsed_ms,
            },
            at=now,
        )
    return dossier


def decide_dossier(
    session: Session,
    *,
    dossier_id: int,
    result: DossierResult,
    actor: str = MACHINE,
    face_engine: str | None = None,
    now: datetime | None = None,
    reason: str | None = None,
) -> Dossier:
    """Store the final decision after people answered (the finalize flow), or after the dealer
    did not send what was asked in time (the nightly batch: ``reason`` says so in the audit
    trail).

    ``result`` is the re-evaluated result (human answers as field values with source ``human``);
    it replaces the machine results; the dossier's answered tasks are closed.
    """
    now = now or utc_now()
    with session.begin_nested():
        dossier = _store_judgement(session, dossier_id, result, face_engine, now)
        previous = dossier.result or {}
        dossier.result = {
            **result.model_dump(mode="json"),
            "microtasks": previous.get("microtasks", []),
        }
        dossier.status, dossier.decided_at = DossierStatus.DECIDED, now
        record_event(
            session,
            actor=actor,
            action="dossier_decided",
            dossier_id=dossier_id,
            detail={"decision": str(result.decision)} | ({"reason": reason} if reason else {}),
            at=now,
        )
    return dossier


def ask_again(
    session: Session,
    *,
    dossier_id: int,
    result: DossierResult,
    microtasks: Sequence[NewMicroTask],
    face_engine: str | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Store a re-judged result that still has doubts (the finalize flow), with the micro-tasks
    that ask them. ``result`` holds the answers so far as facts: the next round starts from it,
    so nothing people answered is asked again."""
    now = now or utc_now()
    with session.begin_nested():
        dossier = _store_judgement(session, dossier_id, result, face_engine, now)
        tasks = [
            queue.create_micro_task(session, dossier=dossier, task=t, now=now) for t in microtasks
        ]
        dossier.result = _result_json(result, tasks)
        dossier.status = DossierStatus.WAITING_FOR_PEOPLE
        record_event(
            session,
            actor=MACHINE,
            action="dossier_asked_again",
            dossier_id=dossier_id,
            detail={"microtasks": len(tasks)},
            at=now,
        )
    return dossier


def await_dealer(
    session: Session,
    *,
    dossier_id: int,
    result: DossierResult,
    face_engine: str | None = None,
    now: datetime | None = None,
) -> Dossier:
    """Store a re-judged result that lacks required documents beyond doubt (the finalize flow):
    the dossier goes back to its dealer for them (``queue.ask_dealer_for_documents``), with no
    micro-task; the dealer's new folder is processed from the start."""
    now = now or utc_now()
    with session.begin_nested():
        dossier = _store_judgement(session, dossier_id, result, face_engine, now)
        dossier.result = _result_json(result, [])
        queue.ask_dealer_for_documents(session, dossier=dossier,
                                       documents=result.documents_for_dealer,
                                       reason=result.dealer_reason, now=now)
    return dossier


def _store_judgement(session: Session, dossier_id: int, result: DossierResult,
                     face_engine: str | None, now: datetime) -> Dossier:
    """Replace the dossier's result rows with ``result`` and close its answered micro-tasks
    (whose answers ``result`` now holds); the caller sets the result JSON and the status."""
    dossier = _locked_dossier(session, dossier_id)
    originals = {f.file: f.sha256 for f in session.exec(_files_of(dossier_id))}
    _check_consistent(Application.model_validate(dossier.application), result, originals)
    _delete_results(session, dossier_id)
    _write_results(session, dossier, result, originals, face_engine)
    session.execute(
        sa.update(MicroTask)
        .where(MicroTask.dossier_id == dossier_id, MicroTask.state == TaskState.ANSWERED)
        .values(state=TaskState.CLOSED, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    dossier.decision = str(result.decision)
    dossier.updated_at = now
    return dossier


def mark_dossier_failed(
    session: Session, *, dossier_id: int, problem: str, now: datetime | None = None
) -> Dossier:
    """A dossier whose processing broke after it was recorded (infrastructure, finalize error)."""
    now = now or utc_now()
    dossier = _locked_dossier(session, dossier_id)
    dossier.status, dossier.updated_at = DossierStatus.FAILED, now
    record_event(
        session,
        actor=MACHINE,
        action="dossier_failed",
        dossier_id=dossier_id,
        detail={"problem": problem},
        at=now,
    )
    session.flush()
    return dossier


def stuck_dossier_ids(session: Session, *, updated_before: datetime) -> list[int]:
    """Dossiers still ``processing`` although unchanged since ``updated_before``: the run that
    processed them died."""
    return list(session.scalars(
        sa.select(Dossier.id).where(
            Dossier.status == DossierStatus.PROCESSING, Dossier.updated_at < updated_before
        )
    ).all())


@dataclass(frozen=True)
class SettledDossier:
    """What ``finalize-dossier`` judges again: the stored result and every answered task."""

    application: Application
    product: str
    result: DossierResult
    settled: list[SettledTask]
    already_decided: bool
    originals: dict[str, Path]  # file name -> its stored copy
    payloads: list[dict[str, Any]]  # of every task of the dossier, in order (what they showed)


def settled_dossier(session: Session, settings: Settings, dossier_id: int) -> SettledDossier:
    """The stored result, every answered micro-task of the dossier (as facts to fold in), where
    its originals are kept and what its tasks showed."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise ValueError(f"no dossier with id {dossier_id} in the store")
    tasks = session.exec(
        select(MicroTask).where(MicroTask.dossier_id == dossier_id).order_by(MicroTask.id)  # type: ignore[arg-type]
    ).all()
    settled = [
        SettledTask(
            kind=MicroTaskKind(task.kind),  # stored as text
            subjects=tuple(FieldRef.model_validate(s) for s in task.payload.get("subjects", [])),
            resolution=task.resolution,
            answered_by=_last_operator(session, task.id),
            decisive=task.required_answers > 1 or task.role == Role.SENIOR,
        )
        for task in tasks
        if task.state == TaskState.ANSWERED
    ]
    files = session.exec(select(DossierFile).where(DossierFile.dossier_id == dossier_id)).all()
    return SettledDossier(
        application=Application.model_validate(dossier.application),
        product=dossier.product,
        result=DossierResult.model_validate(dossier.result),
        settled=settled,
        already_decided=dossier.status == DossierStatus.DECIDED,
        originals={file.file: original_path(settings, file.sha256) for file in files},
        payloads=[task.payload for task in tasks],
    )


def _last_operator(session: Session, task_id: int | None) -> str:
    answer = session.exec(
        select(MicroTaskAnswer)
        .where(MicroTaskAnswer.task_id == task_id)
        .order_by(MicroTaskAnswer.answered_at.desc())  # type: ignore[union-attr]
    ).first()
    return answer.operator if answer else "unknown"


def close_open_tasks(session: Session, *, dossier_id: int, now: datetime) -> list[int]:
    """Close every task of the dossier not closed yet (a dossier decided from outside its own
    tasks: its ring's fraud confirmed); returns their ids."""
    return _supersede_tasks(session, dossier_id, now)


def get_dossier(session: Session, *, application_id: str) -> Dossier | None:
    return session.exec(select(Dossier).where(Dossier.application_id == application_id)).first()


def refuse_another_dealers_folder(session: Session, application: Application) -> None:
    """Raise ``ResubmissionRefused`` when ``application``'s id is stored as another dealer's
    dossier: the check at the door, before anything is stored (``record_dossier`` checks again,
    under the row's lock)."""
    owner = session.scalar(
        sa.select(Dossier.dealer_id).where(Dossier.application_id == application.application_id)
    )
    _check_same_dealer(owner, application)


# --- internals ---------------------------------------------------------------------------------
def _check_same_dealer(owner: str | None, application: Application) -> None:
    if owner is not None and owner != application.dealer_id:
        raise ResubmissionRefused(
            f"application {application.application_id} is a dossier of dealer {owner}; "
            f"dealer {application.dealer_id} cannot send it (only the dealer that sent a dossier "
            "may send it again)"
        )


def _check_consistent(
    application: Application, result: DossierResult, originals: Mapping[str, str]
) -> None:
    """Refuse, before writing anything, a result that does not belong with its application."""
    if result.application_id != application.application_id:
        raise StoreError(
            f"result of {result.application_id} given with application "
            f"{application.application_id}: they must be the same dossier"
        )
    missing = sorted({d.file for d in result.documents} - set(originals))
    if missing:
        raise StoreError(
            f"{application.application_id}: no stored original for {', '.join(missing)}; "
            "store every file with store_original before recording the dossier"
        )


def _locked_dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.exec(
        select(Dossier)
        .where(Dossier.id == dossier_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if dossier is None:
        raise StoreError(f"dossier {dossier_id} does not exist")
    return dossier


def _dossier_for(
    session: Session,
    application: Application,
    now: datetime,
    received_at: datetime | None,
    sla_minutes: int,
) -> Dossier:
    """The dossier row: new, or (the same dealer re-submitting) emptied of its previous
    version, which is kept on the audit trail."""
    fields: dict[str, Any] = {
        "product": application.product,
        "dealer_id": application.dealer_id,
        "salesperson_id": application.salesperson_id,
        "application": application.model_dump(mode="json"),
        "updated_at": now,
    }
    existing = session.exec(
        select(Dossier)
        .where(Dossier.application_id == application.application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if existing is None:
        received = received_at or now
        dossier = Dossier(
            application_id=application.application_id,
            received_at=received,
            sla_deadline=received + timedelta(minutes=sla_minutes),
            **fields,
        )
        session.add(dossier)
        session.flush()
        return dossier
    _check_same_dealer(existing.dealer_id, application)
    previous = _previous_version(session, existing)
    for name, value in fields.items():
        setattr(existing, name, value)
    superseded = _supersede_tasks(session, existing.id, now)  # type: ignore[arg-type]
    _delete_results(session, existing.id)  # type: ignore[arg-type]
    session.execute(sa.delete(DossierFile).where(DossierFile.dossier_id == existing.id))
    record_event(
        session,
        actor=MACHINE,
        action=DOSSIER_RESUBMITTED,
        dossier_id=existing.id,
        detail={**previous, "superseded_tasks": superseded},
        at=now,
    )
    return existing


def _previous_version(session: Session, dossier: Dossier) -> dict[str, Any]:
    """What a re-submission replaces, for the audit trail: enough to answer, later, what was
    decided on which files and data (a decided dossier may already have been paid out)."""
    return {
        "previous_status": str(dossier.status),
        "previous_decision": dossier.decision,
        "previous_decided_at": dossier.decided_at.isoformat() if dossier.decided_at else None,
        "previous_application": dossier.application,
        "previous_files": {f.file: f.sha256 for f in session.exec(_files_of(dossier.id or 0))},
        "previous_result": dossier.result,
    }


def _supersede_tasks(session: Session, dossier_id: int, now: datetime) -> list[int]:
    ids = list(
        session.scalars(
            sa.select(MicroTask.id)
            .where(MicroTask.dossier_id == dossier_id, MicroTask.state != TaskState.CLOSED)
            .with_for_update()
        )
    )
    if ids:
        session.execute(
            sa.update(MicroTask)
            .where(MicroTask.id.in_(ids))
            .values(state=TaskState.CLOSED, closed_at=now, claimed_by=None, lease_expires_at=None)
            .execution_options(synchronize_session="fetch")
        )
    return ids


def _files_of(dossier_id: int) -> Any:
    return select(DossierFile).where(DossierFile.dossier_id == dossier_id)


def _delete_results(session: Session, dossier_id: int) -> None:
    documents = sa.select(Document.id).where(Document.dossier_id == dossier_id)
    session.execute(sa.delete(DocumentField).where(DocumentField.document_id.in_(documents)))
    for table in (Document, Check, FaceComparison):
        session.execute(sa.delete(table).where(table.dossier_id == dossier_id))


def _write_files(session: Session, dossier: Dossier, originals: Mapping[str, str]) -> None:
    for file, sha256 in sorted(originals.items()):
        session.add(
            DossierFile(
                dossier_id=dossier.id,
                file=file,
                sha256=sha256,
                stored_path=relative_original_path(sha256),
            )
        )


def _write_results(
    session: Session,
    dossier: Dossier,
    result: DossierResult,
    originals: Mapping[str, str],
    face_engine: str | None,
) -> None:
    for document in result.documents:
        sha256 = originals[document.file]
        row = Document(
            dossier_id=dossier.id,
            key=document.key,
            file=document.file,
            page=document.page,
            sha256=sha256,
            stored_path=relative_original_path(sha256),
            type=str(document.type),
            confidence=document.confidence,
            region=document.region,
            problem=document.problem,
        )
        session.add(row)
        session.flush()
        for name, field in document.fields.items():
            session.add(
                DocumentField(
                    document_id=row.id,
                    field=name,
                    value=field.value,
                    confidence=field.confidence,
                    source=field.source,
                    box=field.box,
                )
            )
    for check in result.checks:
        session.add(
            Check(
                dossier_id=dossier.id,
                check_id=check.id,
                status=str(check.status),
                detail=check.detail,
                hard=check.hard,
                subjects=[subject.model_dump() for subject in check.subjects],
            )
        )
    if result.face is not None:
        session.add(
            FaceComparison(
                dossier_id=dossier.id,
                score=result.face.score,
                status=str(result.face.status),
                engine=face_engine,
                detail=result.face.detail,
            )
        )
    session.flush()


def _result_json(result: DossierResult, tasks: Sequence[MicroTask]) -> dict[str, Any]:
    data = result.model_dump(mode="json")
    data["microtasks"] = [
        MicroTaskSummary(id=t.id, kind=t.kind, check_id=t.check_id, question=t.question).model_dump(
            mode="json"
        )
        for t in tasks
    ]
    return data
