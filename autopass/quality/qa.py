"""Blind QA review of a straight-through dossier: what the senior is shown, what they answer, and
what a disagreement sets off.

The senior sees the dossier's key fields (every document field a rule of the standard reads) as
crops, as in a blind double-keyed ``confirm_field``, and the face pair as in ``compare_faces``:
never the machine's value. They type each value and say whether the faces are one person; each
answer is then compared with what the machine read (kept in the review's ``items``, never shown).

The decision is not held up: the dossier was decided, and its dealer told, when it went straight
through. A disagreement is recorded (``qa_disagreement`` on the dossier's audit trail) and opens
a correction path: a senior's task per disagreeing item (choose between the machine's reading and
the QA value, or compare the faces again) settles who was right; when the QA values would not
pass the standard, the dossier is re-opened for those tasks (``qa_reopened``), and
``finalize-dossier`` decides it again once they are answered: the dealer's system is told the new
decision through the usual notice.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from autopass.crops import DocumentImages, build_payload
from autopass.documents import DocumentType
from autopass.dossier import (
    Application,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.errors import AutopassError
from autopass.references import split_reference
from autopass.review import coerce
from autopass.risk import RISK_CHECK_ID
from autopass.routing import MicroTaskSpec
from autopass.rules import decide, evaluate
from autopass.standards import Standard, field_spec
from autopass.store.audit import record_event
from autopass.store.models import (
    MACHINE,
    Dossier,
    DossierStatus,
    NewMicroTask,
    QaReview,
    QaState,
    Role,
)
from autopass.store.queue import create_micro_task

QA_CHECK = "qa_review"
"""The check id of the correction tasks a QA disagreement opens."""
FIELD, SIGNATURE, FACE = "field", "signature", "face"
ASKED_AS = {FIELD: MicroTaskKind.CONFIRM_FIELD, SIGNATURE: MicroTaskKind.CHECK_SIGNATURE,
            FACE: MicroTaskKind.COMPARE_FACES}
"""The kind a QA item is shown as (blind) and answered like, by people and simulated ones."""
CORRECTED_AS = {FIELD: MicroTaskKind.RESOLVE_MISMATCH, SIGNATURE: MicroTaskKind.CHECK_SIGNATURE,
                FACE: MicroTaskKind.COMPARE_FACES}
"""The kind of the senior's task that settles a QA disagreement about an item."""
QA_SAMPLED = "qa_sampled"
QA_AGREED = "qa_agreed"
QA_DISAGREEMENT = "qa_disagreement"
QA_REOPENED = "qa_reopened"
AMOUNT_TOLERANCE = 0.01


class QaError(AutopassError):
    """A QA review that is not the user's to answer, or an answer that does not fit it."""


# --- building a review -------------------------------------------------------------------------
def key_fields(standard: Standard) -> set[tuple[str, str]]:
    """(document type, field) of every document field a rule of the standard reads."""
    types = {t.value for t in DocumentType}
    found: set[tuple[str, str]] = set()
    for rule in standard.rules:
        for reference in rule.references():
            source, field = split_reference(reference)
            if source in types and field:
                found.add((source, field))
    return found


def build_items(
    standard: Standard,
    result: DossierResult,
    images: DocumentImages,
    *,
    crops_dir: Path,
    prefix: str,
) -> list[dict[str, Any]]:
    """The review's items, their crops written under ``crops_dir``: each key field the machine
    read (with what it read, kept apart from what is shown), and the face pair when compared."""
    wanted = key_fields(standard)
    documents = {document.key: document for document in result.documents}
    items: list[dict[str, Any]] = []
    for document in result.documents:
        for name, value in sorted(document.fields.items()):
            if (document.type.value, name) not in wanted or value.value is None:
                continue
            spec = MicroTaskSpec(kind=ASKED_AS[FIELD], check_ids=(QA_CHECK,),
                                 subjects=(FieldRef(document=document.key, field=name),),
                                 question="", required_answers=2)  # blind: no value shown
            payload = build_payload(spec, documents=documents, application_values={},
                                    images=images, crops_dir=crops_dir,
                                    prefix=f"{prefix}/{len(items) + 1:02d}")
            crop = payload["candidates"][0].get("crop")
            items.append({
                "id": f"i{len(items) + 1}",
                "kind": SIGNATURE if isinstance(value.value, bool) else FIELD,
                "document": document.key,
                "document_type": document.type.value,
                "field": name,
                "label": _label(standard, document, name),
                "crops": {"field": crop} if crop else {},
                "machine": {"value": value.value, "confidence": value.confidence,
                            "source": value.source},
            })
    if result.face is not None and images.portrait_key and images.selfie_key:
        spec = MicroTaskSpec(kind=ASKED_AS[FACE], check_ids=(QA_CHECK,),
                             subjects=(), question="")
        payload = build_payload(spec, documents=documents, application_values={}, images=images,
                                crops_dir=crops_dir, prefix=f"{prefix}/faces")
        items.append({
            "id": f"i{len(items) + 1}",
            "kind": FACE,
            "document": images.portrait_key,
            "document_type": DocumentType.SELFIE.value,
            "field": "face",
            "label": "同一人吗? Same person?",
            "crops": {slot: path for slot, path in payload["crops"].items() if path},
            "machine": {"value": result.face.status is Status.PASS,
                        "confidence": result.face.score},
        })
    return items


def add_review(session: Session, *, dossier: Dossier, reason: str, items: list[dict[str, Any]],
               now: datetime) -> QaReview:
    """Queue the review for a senior; the dossier's trail says it was drawn (not the values)."""
    review = QaReview(dossier_id=dossier.id, reason=reason, items=items, created_at=now)
    session.add(review)
    session.flush()
    record_event(session, actor=MACHINE, action=QA_SAMPLED, dossier_id=dossier.id,
                 detail={"qa_review": review.id, "reason": reason, "items": len(items)}, at=now)
    return review


def _label(standard: Standard, document: DocumentResult, field: str) -> str:
    spec = field_spec(standard.document_specs, document.type, field)
    printed = (spec.title or (spec.labels[0] if spec.labels else None)) if spec else None
    return f"{document.type.label} · {printed or field} ({field})"


# --- what the senior sees ------------------------------------------------------------------------
class QaItemPublic(BaseModel):
    id: str
    kind: str  # field | signature | face
    label: str
    document_type: str
    field: str
    crops: dict[str, str]  # slot -> URL


class QaReviewPublic(BaseModel):
    """A held QA review as the senior sees it: no value the machine read, nor its confidence."""

    id: int
    application_id: str
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    items: list[QaItemPublic]


def crop_url(review_id: int, item_id: str, slot: str) -> str:
    return f"/qa/{review_id}/crops/{item_id}/{slot}"


def present(review: QaReview, application_id: str) -> QaReviewPublic:
    assert review.id is not None
    return QaReviewPublic(
        id=review.id, application_id=application_id, claimed_at=review.claimed_at,
        lease_expires_at=review.lease_expires_at,
        items=[QaItemPublic(id=item["id"], kind=item["kind"], label=item["label"],
                            document_type=item["document_type"], field=item["field"],
                            crops={slot: crop_url(review.id, item["id"], slot)
                                   for slot in item.get("crops") or {}})
               for item in review.items])


def crop_path(review: QaReview, item_id: str, slot: str) -> str | None:
    """The crop (relative to the crops dir) of one item's slot, if the review shows it."""
    item = next((item for item in review.items if item["id"] == item_id), None)
    return (item.get("crops") or {}).get(slot) if item else None


# --- claiming -------------------------------------------------------------------------------------
def holds(review: QaReview | None, *, username: str, now: datetime) -> bool:
    return (review is not None and review.state == QaState.CLAIMED
            and review.claimed_by == username and review.lease_expires_at is not None
            and review.lease_expires_at > now)


def next_review(session: Session, *, username: str, now: datetime,
                lease_seconds: int) -> QaReview | None:
    """The review ``username`` holds, else the oldest open one (or one whose lease ran out),
    claimed for them; None when none waits."""
    held = session.scalars(sa.select(QaReview).where(
        QaReview.state == QaState.CLAIMED, QaReview.claimed_by == username,
        QaReview.lease_expires_at > now).order_by(QaReview.id)).first()
    if held is not None:
        return held
    review = session.scalars(
        sa.select(QaReview)
        .where(sa.or_(QaReview.state == QaState.OPEN,
                      sa.and_(QaReview.state == QaState.CLAIMED,
                              QaReview.lease_expires_at <= now)))
        .order_by(QaReview.created_at, QaReview.id).limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if review is None:
        return None
    review.state, review.claimed_by = QaState.CLAIMED, username
    review.claimed_at, review.lease_expires_at = now, now + timedelta(seconds=lease_seconds)
    session.flush()
    return review


# --- answering ------------------------------------------------------------------------------------
class QaAnswer(BaseModel):
    """The senior's blind answers, by item id: the value typed for a field, yes/no (true/false)
    for a signature or the face pair."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: dict[str, str | bool] = Field(description="Item id -> typed value, or true/false.")


@dataclass(frozen=True)
class QaOutcome:
    review: QaReview
    disagreements: list[str]  # item ids
    decision_changed: bool
    correction_task_ids: list[int]


def check_answer(review: QaReview, answer: QaAnswer) -> dict[str, str | bool]:
    """Every item answered, each as its kind asks; QaError naming the first that is not."""
    values: dict[str, str | bool] = {}
    for item in review.items:
        given = answer.values.get(item["id"])
        if item["kind"] == FIELD:
            if not isinstance(given, str) or not given.strip():
                raise QaError(f"QA review {review.id}: type the value of {item['field']} "
                              f"(item {item['id']}) as the image shows it")
            values[item["id"]] = given.strip()[:200]
        else:
            if not isinstance(given, bool):
                raise QaError(f"QA review {review.id}: answer yes or no for {item['field']} "
                              f"(item {item['id']})")
            values[item["id"]] = given
    unknown = sorted(set(answer.values) - {item["id"] for item in review.items})
    if unknown:
        raise QaError(f"QA review {review.id} has no item {', '.join(unknown)}")
    return values


def agrees(standard: Standard | None, item: dict[str, Any], given: str | bool) -> bool:
    """Whether the senior's answer states what the machine read (as the field's kind compares)."""
    machine = item["machine"]["value"]
    if item["kind"] != FIELD:
        return bool(machine) == bool(given)
    spec = (field_spec(standard.document_specs, item["document_type"], item["field"])
            if standard else None)
    return same_value(coerce(spec.kind if spec else "text", given), machine)


def same_value(first: Any, second: Any) -> bool:
    """Two values of one field agree: amounts within a cent, text after Unicode folding,
    without spaces and case (an ID number's x and X)."""
    numeric = any(isinstance(v, int | float) and not isinstance(v, bool) for v in (first, second))
    x, y = _number(first), _number(second)
    if numeric and x is not None and y is not None:  # amounts: ID numbers are never floats
        return abs(x - y) <= AMOUNT_TOLERANCE
    return _folded(first) == _folded(second)


def answer_review(
    session: Session,
    *,
    review_id: int,
    username: str,
    answer: QaAnswer,
    standard: Standard,
    face_engine: str,
    now: datetime,
) -> QaOutcome:
    """Record the senior's blind answer, compare it item by item, and on a disagreement open the
    correction path (module docstring)."""
    review = session.scalars(sa.select(QaReview).where(QaReview.id == review_id)
                             .with_for_update()).one_or_none()
    if review is None:
        raise QaError(f"QA review {review_id} does not exist")
    if not holds(review, username=username, now=now):
        raise QaError(f"QA review {review_id} is not held by {username}: take the next one")
    values = check_answer(review, answer)
    outcome = {item["id"]: {"agrees": agrees(standard, item, values[item["id"]])}
               for item in review.items}
    disagreeing = [item for item in review.items if not outcome[item["id"]]["agrees"]]
    assert review.claimed_at is not None
    review.answer, review.answered_by, review.answered_at = {"values": values}, username, now
    review.seconds = max((now - review.claimed_at).total_seconds(), 0.0)
    review.lease_expires_at = None
    dossier = session.get_one(Dossier, review.dossier_id)
    tasks: list[int] = []
    changed = False
    if not disagreeing:
        review.state = QaState.AGREED
        record_event(session, actor=username, action=QA_AGREED, dossier_id=dossier.id,
                     detail={"qa_review": review.id, "items": len(review.items)}, at=now)
    else:
        review.state = QaState.DISAGREED
        changed = _decision_changes(dossier, standard, face_engine, disagreeing, values, username)
        for item in disagreeing:
            task_id = _correction_task(session, dossier, item, values[item["id"]], username, now)
            outcome[item["id"]]["task_id"] = task_id
            tasks.append(task_id)
        record_event(session, actor=username, action=QA_DISAGREEMENT, dossier_id=dossier.id,
                     detail={"qa_review": review.id,
                             "fields": ", ".join(f"{item['document_type']}.{item['field']}"
                                                 for item in disagreeing),
                             "decision_changes": changed, "correction_tasks": len(tasks)},
                     at=now)
        if changed:
            # Re-opened for the correction tasks: finalize-dossier decides again once they are
            # answered, and the dealer's system is told the new decision (``dealer_notices``).
            dossier.status, dossier.decision = DossierStatus.WAITING_FOR_PEOPLE, Decision.REVIEW
            dossier.decided_at, dossier.updated_at = None, now
            record_event(session, actor=MACHINE, action=QA_REOPENED, dossier_id=dossier.id,
                         detail={"qa_review": review.id}, at=now)
    review.outcome, review.decision_changed = outcome, changed
    session.flush()
    return QaOutcome(review=review, disagreements=[item["id"] for item in disagreeing],
                     decision_changed=changed, correction_task_ids=tasks)


def _decision_changes(dossier: Dossier, standard: Standard, face_engine: str,
                      disagreeing: list[dict[str, Any]], values: dict[str, str | bool],
                      username: str) -> bool:
    """Would the dossier still go straight through with the QA values in place of the machine's?
    (The link check across dossiers is kept as it was stored: QA values do not change it.)"""
    result = DossierResult.model_validate(dossier.result)
    application = Application.model_validate(dossier.application)
    documents = {document.key: document.model_copy(deep=True) for document in result.documents}
    face = result.face
    for item in disagreeing:
        given = values[item["id"]]
        if item["kind"] == FACE:
            face = FaceResult(score=face.score if face else None,
                              status=Status.PASS if given else Status.FAIL,
                              detail="QA review", confirmed_by=username)
            continue
        document = documents.get(item["document"])
        if document is None:
            continue
        spec = field_spec(standard.document_specs, document.type, item["field"])
        value = given if isinstance(given, bool) else coerce(spec.kind if spec else "text", given)
        document.fields[item["field"]] = FieldValue(value=value, confidence=1.0, source="human")
    checks = evaluate(standard, application=application, documents=list(documents.values()),
                      face=face, face_engine=face_engine, today=application.submitted_at.date())
    checks += [check for check in result.checks if check.id == RISK_CHECK_ID]
    return decide(checks) is not Decision.AUTO_PASS


def _correction_task(session: Session, dossier: Dossier, item: dict[str, Any],
                     given: str | bool, username: str, now: datetime) -> int:
    """A senior's task that settles who was right about one item: choose between the machine's
    reading and the QA value (typed fields), or answer the yes/no question again."""
    crops = item.get("crops") or {}
    subjects = [] if item["kind"] == FACE else [
        {"document": item["document"], "field": item["field"]}]
    kind = CORRECTED_AS[item["kind"]]
    if item["kind"] == FIELD:
        question = f"质检意见不同 QA disagrees with the machine: {item['label']}"
        payload: dict[str, Any] = {
            "checks": [QA_CHECK], "subjects": subjects, "qa_item": item["id"],
            "candidates": [
                {"source": item["document"], "document_type": item["document_type"],
                 "field": item["field"], "value": item["machine"]["value"],
                 "confidence": item["machine"]["confidence"], "crop": crops.get("field")},
                {"operator": username, "answer": {"value": given}},
            ]}
    elif item["kind"] == SIGNATURE:
        question = f"质检意见不同 QA disagrees: {item['label']}"
        payload = {"checks": [QA_CHECK], "subjects": subjects, "qa_item": item["id"],
                   "crops": {"signature": crops.get("field")}}
    else:
        question = "质检意见不同 QA disagrees: 同一人吗? Same person?"
        payload = {"checks": [QA_CHECK], "subjects": subjects, "qa_item": item["id"],
                   "crops": crops}
    task = create_micro_task(session, dossier=dossier, now=now, actor=MACHINE, task=NewMicroTask(
        kind=kind, question=question, payload=payload, check_id=QA_CHECK, priority=1,
        role=Role.SENIOR))
    assert task.id is not None
    return task.id


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _folded(value).replace(",", "").replace("¥", "").replace("元", "")
    try:
        return float(text)
    except ValueError:
        return None


def _folded(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()
