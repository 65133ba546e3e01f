"""Blind QA reviews of straight-through dossiers (``autopass.quality.qa``): the page and the JSON
API a senior answers them with, and their crops. Seniors and supervisors only; nothing the
machine read is ever in a response."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from pydantic import BaseModel

from autopass.quality.qa import (
    FIELD,
    QaAnswer,
    QaError,
    QaReviewPublic,
    answer_review,
    crop_path,
    holds,
    next_review,
    present,
)
from autopass.standards import load_standard
from autopass.store import Dossier, utc_now
from autopass.store.models import QaReview
from autopass.web.deps import (
    CsrfForm,
    CsrfHeader,
    RowId,
    SameOrigin,
    SeniorOrSupervisor,
    SessionDep,
    SettingsDep,
)
from autopass.web.routes.crops import PRIVATE_IMAGE_HEADERS
from autopass.web.templating import flash, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/qa", tags=["qa"])
YES, NO = "yes", "no"


class QaResult(BaseModel):
    review_id: int
    agreed: bool
    disagreements: list[str]  # item ids
    decision_changed: bool
    correction_task_ids: list[int]


def _next(session: SessionDep, settings: SettingsDep, username: str) -> tuple[QaReview, str] | None:
    review = next_review(session, username=username, now=utc_now(),
                         lease_seconds=settings.lease_seconds)
    session.commit()
    if review is None:
        return None
    return review, session.get_one(Dossier, review.dossier_id).application_id


def _answer(session: SessionDep, settings: SettingsDep, review_id: int, username: str,
            answer: QaAnswer) -> QaResult:
    review = session.get(QaReview, review_id)
    if review is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"QA review {review_id} does not exist")
    dossier = session.get_one(Dossier, review.dossier_id)
    standard = load_standard(dossier.product, settings)
    outcome = answer_review(session, review_id=review_id, username=username, answer=answer,
                            standard=standard, face_engine=settings.face_engine, now=utc_now())
    session.commit()
    return QaResult(review_id=review_id, agreed=not outcome.disagreements,
                    disagreements=outcome.disagreements,
                    decision_changed=outcome.decision_changed,
                    correction_task_ids=outcome.correction_task_ids)


@router.get("/qa", response_class=HTMLResponse)
def qa_page(request: Request, session: SessionDep, settings: SettingsDep,
            user: SeniorOrSupervisor) -> Response:
    """The QA review this senior holds, else the oldest waiting one; an empty page when none."""
    found = _next(session, settings, user.username)
    if found is None:
        return render(request, "qa/empty.html", user=user)
    return _render(request, user, *found)


@router.post("/qa/{review_id}/answer", dependencies=[CsrfForm])
async def qa_answer_page(review_id: RowId, request: Request, session: SessionDep,
                         settings: SettingsDep, user: SeniorOrSupervisor) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    review = session.get(QaReview, review_id)
    if review is None or not holds(review, username=user.username, now=utc_now()):
        flash(request, f"质检 {review_id} 已超时 QA review {review_id} lease lost", "warn")
        return RedirectResponse("/qa", status.HTTP_303_SEE_OTHER)
    values: dict[str, str | bool] = {}
    for item in review.items:
        given = form.get(f"item-{item['id']}", "")
        values[item["id"]] = given if item["kind"] == FIELD else _yes_no(given)
    try:
        result = _answer(session, settings, review_id, user.username, QaAnswer(values=values))
    except QaError as error:
        session.rollback()
        application_id = session.get_one(Dossier, review.dossier_id).application_id
        return _render(request, user, review, application_id, error=str(error), status_code=422)
    flash(request, "质检一致 QA agrees with the machine" if result.agreed else
          f"质检不一致, 已开 {len(result.correction_task_ids)} 个更正任务 "
          f"QA disagrees: {len(result.correction_task_ids)} correction task(s) opened", "info")
    return RedirectResponse("/qa", status.HTTP_303_SEE_OTHER)


@router.get("/qa/{review_id}/crops/{item_id}/{slot}")
def qa_crop(review_id: RowId, item_id: str, slot: str, session: SessionDep,
            settings: SettingsDep, user: SeniorOrSupervisor) -> FileResponse:
    """A crop of a review, only to the senior who holds it (as a task's crops)."""
    review = session.get(QaReview, review_id)
    if review is None or not holds(review, username=user.username, now=utc_now()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"you do not hold QA review {review_id}")
    relative = crop_path(review, item_id, slot)
    root = settings.crops_dir.resolve()
    path = (root / relative).resolve() if relative else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"QA review {review_id} has no crop "
                            f"{item_id}/{slot}")
    return FileResponse(path, media_type="image/jpeg", headers=PRIVATE_IMAGE_HEADERS)


@api.get("/next", response_model=QaReviewPublic, dependencies=[SameOrigin],
         responses={204: {"description": "No QA review is waiting."}})
def api_next(session: SessionDep, settings: SettingsDep,
             user: SeniorOrSupervisor) -> QaReviewPublic | Response:
    """Claim the oldest waiting QA review (or the one this senior holds): crops, no values."""
    found = _next(session, settings, user.username)
    if found is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return present(*found)


@api.post("/{review_id}/answer", response_model=QaResult, dependencies=[CsrfHeader])
def api_answer(review_id: RowId, body: Annotated[QaAnswer, Body()], session: SessionDep,
               settings: SettingsDep, user: SeniorOrSupervisor) -> QaResult:
    """Answer a held QA review blind; 409 when not held, 422 when an item is missing."""
    review = session.get(QaReview, review_id)
    if review is not None and not holds(review, username=user.username, now=utc_now()):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            f"QA review {review_id} is not held by {user.username}")
    try:
        return _answer(session, settings, review_id, user.username, body)
    except QaError as error:
        raise HTTPException(422, str(error)) from error


def _render(request: Request, user: Any, review: QaReview, application_id: str, *,
            error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "qa/review.html", user=user, review=present(review, application_id),
                  error=error, status_code=status_code)


def _yes_no(value: str) -> bool | str:
    return {YES: True, NO: False}.get(value, value)
