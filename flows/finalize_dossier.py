"""``finalize-dossier``: when people have settled a dossier's micro-tasks, judge it again.

The machine result and the human answers are both kept (audit trail); the standard is evaluated
once more with the answers as facts. A page whose type people gave (the machine could not tell)
is read again as that document first: its fields are the machine's to read (and, where trusted
sources agree, to confirm), not people's to type. Every check passes -> ``approve``; a failure
people settled -> ``reject``; a required document still missing once people classified the pages
-> back to the dealer (``waiting_for_dealer``), no reject; a doubt that remains -> new
micro-tasks, with their crops, and this flow runs again when they are answered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field
from sqlmodel import select

from autopass.crops import DocumentImages, crops_shown
from autopass.dossier import (
    Application,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
)
from autopass.reading.analyse import FACES_COMPARED
from autopass.review import (
    SettledTask,
    apply_answers,
    decide_after_answers,
    pages_people_classified,
)
from autopass.routing import MicroTaskSpec, plan_microtasks
from autopass.settings import get_settings
from autopass.standards import Standard, load_standard
from autopass.store import (
    Dossier,
    DossierFile,
    DossierStatus,
    MicroTask,
    MicroTaskAnswer,
    NewMicroTask,
    Role,
    TaskState,
    ask_again,
    await_dealer,
    decide_dossier,
    original_path,
    session_scope,
)
from tasks.channel import check_channel
from tasks.checklist import evaluate_checklist
from tasks.classify import FileReading, collect_documents, read_as_classified
from tasks.confirm import confirm_readings
from tasks.face import match_faces
from tasks.notify import notify_if_due
from tasks.risk import settle_and_check
from tasks.route import prepare_microtasks


class FinalizeDossierRequest(BaseModel):
    dossier_id: int = Field(description="Store id of a dossier whose micro-tasks are all answered.")


@dataclass(frozen=True)
class SettledDossier:
    application: Application
    product: str
    result: DossierResult
    settled: list[SettledTask]
    already_decided: bool
    originals: dict[str, Path]  # file name -> its stored copy
    shown: dict[tuple[str, str], str]  # crops earlier rounds showed (``crops_shown``)


@task(name="load-settled-dossier", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def load_settled_dossier(dossier_id: int) -> SettledDossier:
    """The stored result, every answered micro-task of the dossier, where its originals are kept
    and the crops its tasks showed."""
    settings = get_settings()
    with session_scope(settings) as session:
        dossier = session.get(Dossier, dossier_id)
        if dossier is None:
            raise ValueError(f"no dossier with id {dossier_id} in the store")
        tasks = session.exec(
            select(MicroTask).where(MicroTask.dossier_id == dossier_id).order_by(MicroTask.id)
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
            shown=crops_shown([task.payload for task in tasks]),
        )


@task(name="record-decision", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def record_decision(dossier_id: int, result: DossierResult, new_tasks: list[NewMicroTask]) -> None:
    """Store the decision, the re-judged result with the doubts that remain, or the documents it
    lacks that its dealer is asked for, in one transaction."""
    settings = get_settings()
    with session_scope(settings) as session:
        if new_tasks:
            ask_again(session, dossier_id=dossier_id, result=result, microtasks=new_tasks,
                      face_engine=settings.face_engine)
        elif result.documents_for_dealer:
            await_dealer(session, dossier_id=dossier_id, result=result,
                         face_engine=settings.face_engine)
        else:
            decide_dossier(session, dossier_id=dossier_id, result=result,
                           face_engine=settings.face_engine)


@flow(name="finalize-dossier")
def finalize_dossier(request: FinalizeDossierRequest) -> str:
    """Re-evaluate a settled dossier with the human answers; return its decision."""
    logger = get_run_logger()
    loaded = load_settled_dossier(request.dossier_id)
    if loaded.already_decided:
        logger.info("dossier %s is already decided", request.dossier_id)
        return loaded.result.decision.value
    standard = load_standard(loaded.product, get_settings())
    documents, face = apply_answers(standard, loaded.result, loaded.settled)
    documents, face, images = _read_classified_pages(standard, loaded, documents, face)
    images = replace(images, shown_before=loaded.shown)
    checks = evaluate_checklist(
        standard, loaded.application, documents, face, get_settings().face_engine
    )
    checks = [*checks, settle_and_check(request.dossier_id, loaded.settled),
              check_channel(loaded.product, loaded.application, loaded.settled)]
    decision = decide_after_answers(checks, documents, face)
    result = loaded.result.model_copy(
        update={"decision": decision, "documents": documents, "face": face, "checks": checks}
    )
    new_tasks: list[NewMicroTask] = []
    if decision is Decision.REVIEW:  # crops: of the pages read again, else as shown before
        plans = plan_microtasks(standard, decision=decision, checks=checks, documents=documents)
        pictured, images = _pages_to_show(plans, loaded, documents, images)
        new_tasks = prepare_microtasks(plans, loaded.application, pictured, images)
    record_decision(request.dossier_id, result, new_tasks)
    logger.info("dossier %s: %s", request.dossier_id, decision.value)
    notify_if_due(result)
    return decision.value


def _read_classified_pages(
    standard: Standard, loaded: SettledDossier, documents: list[DocumentResult],
    face: FaceResult | None,
) -> tuple[list[DocumentResult], FaceResult | None, DocumentImages]:
    """Each page whose type people gave or confirmed, read again as that document (fields found,
    confirmed where the trusted sources agree, with images to cut crops from; what people typed
    stays). When it is the ID card front or the selfie, the faces are compared again, unless a
    person did."""
    classified = pages_people_classified(loaded.result.documents, documents, loaded.settled)
    compare_again = (face is None or face.confirmed_by is None) and any(
        document.type in FACES_COMPARED for document in documents if document.key in classified)
    read_again, images = _read_again(loaded, [
        document for document in documents
        if document.key in classified or (compare_again and document.type in FACES_COMPARED)])
    if not read_again:
        return documents, face, images
    found = {document.key: document.fields for document in read_again if document.key in classified}
    documents = [document.model_copy(update={"fields": {**found[document.key], **_typed(document)}})
                 if document.key in found else document for document in documents]
    documents = confirm_readings(standard, loaded.application, documents, images)
    if compare_again:
        match = match_faces(images.faces_of(images.portrait_key),
                            images.faces_of(images.selfie_key), standard)
        face = match.result
        images = replace(images, portrait_box=match.portrait_box, selfie_box=match.selfie_box)
    return documents, face, images


def _pages_to_show(
    plans: list[MicroTaskSpec], loaded: SettledDossier, documents: list[DocumentResult],
    images: DocumentImages,
) -> tuple[list[DocumentResult], DocumentImages]:
    """The documents and images the new tasks' crops are cut from. A page a new task asks about,
    neither read again this round nor shown by an earlier task (a licence whose name is doubted
    only once the ID card front was classified), is read again for its picture: the crops come
    from that reading's image and boxes; the values asked about stay the ones judged."""
    unseen = {ref.document for plan in plans for ref in plan.subjects
              if images.shown_of(ref.document, ref.field) is None}
    read_again, found = _read_again(loaded, [
        document for document in documents
        if document.key in unseen and images.image(document.key) is None])
    if not read_again:
        return documents, images
    boxes = {document.key: document.fields for document in read_again}
    pictured = [_with_boxes_of(document, boxes[document.key]) if document.key in boxes
                else document for document in documents]
    return pictured, replace(images, images={**images.images, **found.images},
                             lines={**images.lines, **found.lines})


def _read_again(loaded: SettledDossier, documents: list[DocumentResult],
                ) -> tuple[list[DocumentResult], DocumentImages]:
    """``documents`` read again from their stored originals, each as its type (those whose
    original cannot be read again are left out), with their images."""
    readings = []
    for document in documents:
        original = loaded.originals.get(document.file)
        read = read_as_classified(document, original) if original is not None else None
        if read is not None:
            readings.append(FileReading(file=document.file, documents=[(document.page, read)]))
    if not readings:
        return [], DocumentImages({})
    return collect_documents(readings)


def _with_boxes_of(document: DocumentResult, read: dict[str, FieldValue]) -> DocumentResult:
    """``document`` with each field's box where ``read`` found it (None: the whole page shows)."""
    fields = {name: value.model_copy(update={"box": read[name].box if name in read else None})
              for name, value in document.fields.items()}
    return document.model_copy(update={"fields": fields})


def _typed(document: DocumentResult) -> dict[str, FieldValue]:
    return {name: value for name, value in document.fields.items() if value.by_people}


def _last_operator(session, task_id: int | None) -> str:  # type: ignore[no-untyped-def]
    answer = session.exec(
        select(MicroTaskAnswer)
        .where(MicroTaskAnswer.task_id == task_id)
        .order_by(MicroTaskAnswer.answered_at.desc())  # type: ignore[union-attr]
    ).first()
    return answer.operator if answer else "unknown"
