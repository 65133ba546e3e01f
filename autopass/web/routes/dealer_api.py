"""The dealer API (``/api/v1``): dealers' systems submit dossiers and follow their decisions.

Each call carries a dealer's key (``Authorization: Bearer <key>`` or ``X-Api-Key``), never the
staff's session cookie, so it needs no CSRF token (the dealer's capture page, logged in with the
key, calls the same routes with its session and a CSRF token); the key acts for its dealer only,
a dealer sees only its own dossiers (another dealer's is a 404, as one that does not exist),
and each key's calls are limited per window (429). Every call, refused ones too, is an event on
the audit trail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Depends, Header, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from autopass.dealer_notices import decision_reasons
from autopass.store.queue import PhotoToRetake, waiting_for_dealer
from autopass.settings import Settings
from autopass.store import (
    Dossier,
    DossierStatus,
    DealerSubmission,
    SubmissionState,
    get_dossier,
    session_scope,
    utc_now,
)
from autopass.store.audit import record_event
from autopass.store.dealers import (
    active_key,
    authenticate_key,
    count_call,
    dealer_actor,
    find_submission,
    latest_submission,
    prefix_of,
)
from autopass.submissions import (
    AcceptedUpload,
    Refusal,
    UploadRefused,
    accept_upload,
    discard_upload,
    new_upload_folder,
)
from autopass.web.auth import CSRF_HEADER, check_csrf, session_dealer_key
from autopass.web.deps import SessionDep, SettingsDep
from autopass.web.processing import DossierSubmitted
from autopass.web.routes.dossiers import ApplicationIdInUrl
from autopass.web.uploads import JSON, MULTIPART, JsonUpload, media_type_of, receive_upload
from autopass.web.urls import dossier_url

PREFIX = "/api/v1"
DOSSIERS_PATH = f"{PREFIX}/dossiers"
ANONYMOUS = "anonymous"
KEY_REQUIRED = "a valid dealer API key is required (Authorization: Bearer <key>)"
STATUS_OF = {Refusal.INVALID: status.HTTP_422_UNPROCESSABLE_CONTENT,
             Refusal.TOO_LARGE: status.HTTP_413_CONTENT_TOO_LARGE,
             Refusal.FORBIDDEN: status.HTTP_403_FORBIDDEN}

router = APIRouter(prefix=PREFIX, tags=["dealer API"])
_bearer = HTTPBearer(auto_error=False, description="The dealer's API key (`autopass dealers add`).")
_api_key = APIKeyHeader(name="X-Api-Key", auto_error=False,
                        description="The same key, for clients that cannot set Authorization.")


@dataclass(frozen=True)
class Caller:
    """The dealer a call acts for, and the key it came with."""

    dealer_id: str
    key_id: int


def dealer_caller(
    request: Request,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Caller:
    """The dealer of the call's key, its call counted and on the audit trail; 401 without a
    valid key, 429 past the key's rate limit (with Retry-After). Without a key header, the
    capture page's session (``/capture``: logged in with the key) stands for its key, and a call
    that is not a GET must then carry the session's CSRF token (``X-CSRF-Token``)."""
    key = bearer.credentials if bearer is not None else api_key
    logged_in = None if key else session_dealer_key(request)
    if logged_in is not None and request.method != "GET":
        check_csrf(request, request.headers.get(CSRF_HEADER))
    call = {"method": request.method, "path": request.url.path}
    now = utc_now()
    with session_scope(settings) as session:  # committed: refused calls stay on the trail
        row = (authenticate_key(session, key) if key else
               active_key(session, logged_in[0]) if logged_in is not None else None)
        if row is not None and logged_in is not None and row.dealer_id != logged_in[1]:
            row = None
        if row is None or row.id is None:
            record_event(session, actor=ANONYMOUS, action="dealer_api_refused", at=now, detail={
                **call, "key": prefix_of(key or "") if key else
                "capture session" if logged_in else None,
                "address": request.client.host if request.client else ""})
            refused_until = None
        else:
            refused_until = count_call(
                session, key=row, limit=settings.dealer_api_rate_limit,
                window=timedelta(seconds=settings.dealer_api_rate_window_seconds), now=now)
            record_event(session, actor=dealer_actor(row.dealer_id), at=now,
                         action="dealer_api_call" if refused_until is None
                         else "dealer_api_throttled", detail={**call, "key": row.prefix})
    if row is None or row.id is None:
        if logged_in is not None:
            request.session.clear()  # the key was revoked: the page logs in again
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, KEY_REQUIRED,
                            headers={"WWW-Authenticate": "Bearer"})
    if refused_until is not None:
        wait = max(1, math.ceil((refused_until - now).total_seconds()))
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"more than {settings.dealer_api_rate_limit} calls in "
                            f"{settings.dealer_api_rate_window_seconds} s with this key; "
                            f"try again in {wait} s", headers={"Retry-After": str(wait)})
    return Caller(dealer_id=row.dealer_id, key_id=row.id)


DealerCaller = Annotated[Caller, Depends(dealer_caller)]


# --- submit ------------------------------------------------------------------------------------
class SubmissionAccepted(BaseModel):
    """The dossier passed the checks and is being processed; follow it at ``url``."""

    application_id: str = Field(examples=["A20261128000123"])
    status: Literal["received"] = "received"
    url: str = Field(description="Where to follow the dossier (GET).",
                     examples=["/api/v1/dossiers/A20261128000123"])
    received_at: datetime


class Problem(BaseModel):
    detail: str


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No key, or an unknown or revoked one."},
    403: {"model": Problem, "description": "The application is another dealer's, or its id is "
          "another dealer's dossier."},
    413: {"model": Problem, "description": "The body, a file, or the files are above a limit."},
    415: {"model": Problem, "description": "Neither multipart/form-data nor application/json."},
    422: {"model": Problem, "description": "A bad file name, file (empty, not an image), "
          "application (schema) or body; or an Idempotency-Key reused for another dossier."},
    429: {"model": Problem, "description": "Too many calls with this key; see Retry-After."},
}

def _inlined(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """``schema`` with its ``$defs`` written in place (an operation's schema has no ``$defs``)."""
    if defs is None and isinstance(schema, dict):
        defs = schema.pop("$defs", {})
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)  # type: ignore[index]
        return {key: _inlined(value, defs) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item, defs) for item in schema]
    return schema


_UPLOAD_BODY = {
    "required": True,
    "content": {
        MULTIPART: {
            "schema": {
                "type": "object",
                "required": ["application.json"],
                "properties": {
                    "application.json": {"type": "string", "format": "binary",
                                         "description": "CONTRACT §1 application.json"},
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                              "description": "Document files (.jpg, .jpeg, .png, .pdf), each "
                              "named by its file name."},
                },
            },
        },
        JSON: {
            "schema": _inlined(JsonUpload.model_json_schema()),
            "example": {
                "application": {"application_id": "A20261128000123", "product": "new_car_loan",
                                "dealer_id": "D-QD-017", "salesperson_id": "S-0442",
                                "submitted_at": "2026-11-28T09:12:00+08:00",
                                "applicant": {"name": "张伟", "id_number": "370202198803121230",
                                              "phone": "13800138000"},
                                "vehicle": {"vin": "LSVAM4188C2184842", "price": 158000.0,
                                            "model": "大众 朗逸 2026款"},
                                "loan": {"amount": 100000.0, "term_months": 36,
                                         "bank_card": "6222020200112233446"}},
                "files": [{"name": "id_front.jpg", "content_base64": "/9j/4AAQSkZJRg..."}],
            },
        },
    },
}


@router.post(
    "/dossiers",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmissionAccepted,
    responses=REFUSALS,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    summary="Submit a dossier",
)
async def submit_dossier(
    request: Request,
    caller: DealerCaller,
    settings: SettingsDep,
    background: BackgroundTasks,
    idempotency_key: Annotated[str | None, Header(
        max_length=255, description="Send the same dossier again with the same key (a retry) "
        "and get the first answer, with no second processing.")] = None,
) -> JSONResponse:
    """Check the dossier (names, sizes, types, the application's schema, its dealer) before
    anything is stored, then process it; answers 202 with where to follow it. The same
    application id sent again by its dealer is a new version of that dossier."""
    if media_type_of(request) not in (MULTIPART, JSON):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                            f"send {MULTIPART} or {JSON}")
    folder = new_upload_folder(settings)
    try:
        await receive_upload(request, folder, settings)
        accepted = await run_in_threadpool(accept_upload, folder, settings,
                                           dealer_id=caller.dealer_id)
        submission, new = await run_in_threadpool(_record_submission, settings, caller,
                                                  accepted, idempotency_key)
    except UploadRefused as refused:
        discard_upload(folder)
        raise HTTPException(STATUS_OF[refused.refusal], refused.problem) from None
    except BaseException:
        discard_upload(folder)
        raise
    if new:
        assert submission.id is not None
        on_submitted: DossierSubmitted = request.app.state.on_dossier_submitted
        background.add_task(on_submitted, settings, submission.id, folder)
    else:
        discard_upload(folder)
    answer = SubmissionAccepted(application_id=submission.application_id,
                                url=dossier_url(submission.application_id, base=DOSSIERS_PATH),
                                received_at=submission.received_at)
    return JSONResponse(answer.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED,
                        headers={"Location": answer.url}, background=background)


def _record_submission(settings: Settings, caller: Caller, accepted: AcceptedUpload,
                       idempotency_key: str | None) -> tuple[DealerSubmission, bool]:
    """The submission stored (and true), or the earlier one with the same Idempotency-Key and
    the same content (and false); UploadRefused for the same key with another content."""
    application = accepted.dossier.application
    for _ in range(2):  # a concurrent twin may insert the key between our look and our insert
        if idempotency_key is not None:
            with session_scope(settings) as session:
                earlier = find_submission(session, dealer_id=caller.dealer_id,
                                          idempotency_key=idempotency_key)
            if earlier is not None:
                if earlier.fingerprint != accepted.fingerprint:
                    raise UploadRefused(f"Idempotency-Key {idempotency_key!r} was used for "
                                        "another request; use a new key for a new dossier")
                return earlier, False
        try:
            with session_scope(settings) as session:
                submission = DealerSubmission(
                    dealer_id=caller.dealer_id, key_id=caller.key_id,
                    application_id=application.application_id,
                    idempotency_key=idempotency_key, fingerprint=accepted.fingerprint,
                    received_at=utc_now())
                session.add(submission)
                session.flush()
                record_event(session, actor=dealer_actor(caller.dealer_id),
                             action="dossier_submitted",
                             detail={"application_id": application.application_id,
                                     "submission_id": submission.id,
                                     "files": [path.name for path in accepted.dossier.files]})
            return submission, True
        except sa.exc.IntegrityError:
            if idempotency_key is None:
                raise
    raise RuntimeError("the Idempotency-Key's submission vanished")  # pragma: no cover


# --- follow ------------------------------------------------------------------------------------
class NewPhotosRequested(BaseModel):
    """Photos an operator could not read, or documents the dossier lacks: take them (again) and
    submit the dossier again."""

    photos: list[PhotoToRetake]
    missing_documents: list[str] = Field(default_factory=list, examples=[["bank_card"]],
                                         description="Document types the dossier lacks.")
    reason: str
    requested_at: datetime


class FollowedDossier(BaseModel):
    application_id: str = Field(examples=["A20261128000123"])
    status: Literal["received", "processing", "waiting_for_people", "waiting_for_dealer",
                    "decided", "failed"] = Field(
        description="received/processing: being read; waiting_for_people: operators check "
        "doubts; waiting_for_dealer: new photos are needed; decided; failed: see `problem`.")
    decision: Literal["auto_pass", "approve", "reject", "review"] | None = Field(
        None, description="auto_pass or approve: go ahead; reject: `reasons` say why; review: "
        "people are still looking.")
    reasons: list[str] = Field(default_factory=list, examples=[[
        "invoice_vin_equals_application_vin: invoice vin differs from the application's"]],
        description="Each failed check: `<rule id>: <detail>` (as the webhook says).")
    received_at: datetime
    decided_at: datetime | None = None
    new_photos_requested: NewPhotosRequested | None = None
    problem: str | None = Field(None, description="Why processing failed (status failed).")


@router.get(
    "/dossiers/{application_id}",
    response_model=FollowedDossier,
    responses={401: REFUSALS[401], 429: REFUSALS[429],
               404: {"model": Problem, "description": "This dealer has no such dossier."}},
    summary="Follow a dossier",
)
def follow_dossier(application_id: ApplicationIdInUrl, caller: DealerCaller,
                   session: SessionDep) -> FollowedDossier:
    """Where the dossier stands: status, decision and its reasons, photos to take again."""
    dossier = get_dossier(session, application_id=application_id)
    if dossier is not None and dossier.dealer_id != caller.dealer_id:
        dossier = None  # another dealer's dossier: as if it did not exist
    submission = latest_submission(session, dealer_id=caller.dealer_id,
                                   application_id=application_id)
    if submission is not None and _still_ahead(submission, dossier):
        return FollowedDossier(
            application_id=application_id, received_at=submission.received_at,
            status="failed" if submission.state == SubmissionState.FAILED else
            "received" if submission.state == SubmissionState.RECEIVED else "processing",
            problem=submission.problem)
    if dossier is None or dossier.id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no dossier {application_id} of dealer {caller.dealer_id}")
    return _followed(session, dossier)


def _still_ahead(submission: DealerSubmission, dossier: Dossier | None) -> bool:
    """Whether the dealer's last submission is newer than what the store holds of the dossier:
    not yet recorded (being processed, or failed)."""
    if submission.state == SubmissionState.STORED:
        return False
    return dossier is None or dossier.updated_at < submission.received_at


def _followed(session: SessionDep, dossier: Dossier) -> FollowedDossier:
    assert dossier.id is not None
    decided = dossier.status == DossierStatus.DECIDED
    requests = waiting_for_dealer(session, dossier_id=dossier.id)
    return FollowedDossier(
        application_id=dossier.application_id,
        status=dossier.status.value if isinstance(dossier.status, DossierStatus)
        else str(dossier.status),
        decision=dossier.decision,  # type: ignore[arg-type]
        reasons=decision_reasons(session, dossier.id) if decided else [],
        received_at=dossier.received_at,
        decided_at=dossier.decided_at if decided else None,
        new_photos_requested=NewPhotosRequested(
            photos=requests[-1].photos, missing_documents=requests[-1].missing_documents,
            reason=requests[-1].reason, requested_at=requests[-1].requested_at)
        if requests else None,
    )
