"""The dealer's capture page (``/capture``): a phone browser takes each required document's photo,
sees the on-the-spot check's verdict beside it, and submits the dossier once all are good.

The page logs in once with the dealer's API key, into the same signed session cookie the staff's
log-in uses (HttpOnly, SameSite, Secure in production; the cookie names the key's row, never holds
the key). Its script then calls the dealer API itself (``POST /api/v1/captures/check``, ``POST
/api/v1/dossiers``, ``GET /api/v1/dossiers/{id}``) with that session and the CSRF token: the same
routes, rate limits and audit trail as a dealer's system, no second copy of their logic.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from autopass.capture_check import stated_paths
from autopass.errors import StandardsError
from autopass.standards import load_standard
from autopass.store import DealerSubmission, Dossier, SubmissionState, session_scope, utc_now
from autopass.store.audit import record_event
from autopass.store.dealers import active_key, authenticate_key, dealer_actor, prefix_of
from autopass.web.auth import client_address, log_in_dealer, log_out, session_dealer_key
from autopass.web.deps import CsrfForm, SessionDep, SettingsDep
from autopass.web.routes.dealer_api import ANONYMOUS, DOSSIERS_PATH
from autopass.web.templating import render
from autopass.web.urls import dossier_url

router = APIRouter(prefix="/capture", include_in_schema=False)
WRONG_KEY = "密钥无效或已停用 The key is wrong or revoked"
DEFAULT_PRODUCT = "new_car_loan"
RECENT_DOSSIERS = 20
FIELD_LABELS: dict[str, tuple[str, str, str]] = {
    # application path: label, input type, input mode (the phone's keyboard)
    "application_id": ("申请编号 Application id", "text", "text"),
    "salesperson_id": ("销售顾问编号 Salesperson", "text", "text"),
    "applicant.name": ("客户姓名 Applicant name", "text", "text"),
    "applicant.id_number": ("身份证号 ID number", "text", "text"),
    "applicant.phone": ("手机号 Phone", "tel", "tel"),
    "vehicle.vin": ("车架号 VIN", "text", "text"),
    "vehicle.price": ("车价（元） Price (yuan)", "number", "decimal"),
    "vehicle.model": ("车型 Model", "text", "text"),
    "loan.amount": ("贷款金额（元） Loan amount (yuan)", "number", "decimal"),
    "loan.term_months": ("期限（月） Term (months)", "number", "numeric"),
    "loan.bank_card": ("还款银行卡号 Bank card", "text", "numeric"),
}
OPTIONAL_FIELDS = frozenset({"applicant.phone", "vehicle.model"})


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def capture_login_form(request: Request) -> Response:
    return render(request, "capture_login.html")


@router.post("/login", dependencies=[CsrfForm])
def capture_login(request: Request, session: SessionDep,
                  key: Annotated[str, Form(max_length=256)]) -> Response:
    """The key is checked as the API checks it; a wrong one is on the audit trail as a refused
    call. A key is 256 random bits: it cannot be guessed, so no failure count is kept."""
    row = authenticate_key(session, key.strip())
    if row is None or row.id is None:
        record_event(session, actor=ANONYMOUS, action="dealer_api_refused",
                     detail={"method": "POST", "path": "/capture/login",
                             "key": prefix_of(key.strip()), "address": client_address(request)})
        session.commit()
        return render(request, "capture_login.html", error=WRONG_KEY,
                      status_code=status.HTTP_401_UNAUTHORIZED)
    record_event(session, actor=dealer_actor(row.dealer_id), action="dealer_logged_in",
                 detail={"key": row.prefix})
    session.commit()
    log_in_dealer(request, key_id=row.id, dealer_id=row.dealer_id)
    return _see_other("/capture")


@router.post("/logout", dependencies=[CsrfForm])
def capture_logout(request: Request) -> RedirectResponse:
    log_out(request)
    return _see_other("/capture/login")


@router.get("", response_class=HTMLResponse)
def capture_page(request: Request, session: SessionDep, settings: SettingsDep,
                 product: Annotated[str, Query(max_length=64)] = DEFAULT_PRODUCT) -> Response:
    """One row per required document of ``product``'s standard, the application's fields, and
    the dealer's recent dossiers (its own only)."""
    logged_in = session_dealer_key(request)
    row = active_key(session, logged_in[0]) if logged_in is not None else None
    session.rollback()  # the key row was only looked at
    if logged_in is None or row is None or row.dealer_id != logged_in[1]:
        log_out(request)
        return _see_other("/capture/login")
    try:
        standard = load_standard(product, settings)
    except StandardsError as error:
        return render(request, "capture.html", dealer=row.dealer_id, error=str(error),
                      documents=[], fields=[], stated={}, product=product, products=[],
                      dossiers=[], status_code=status.HTTP_404_NOT_FOUND)
    products = sorted(path.stem for path in settings.standards_dir.glob("*.yaml"))
    stated = {kind.value: fields for kind, fields in stated_paths(standard).items()}
    return render(
        request, "capture.html", dealer=row.dealer_id, product=standard.product,
        products=products, error=None,
        documents=[(document.type.value, document.type.label) for document in standard.documents
                   if document.required],
        fields=[(path, *shown, path not in OPTIONAL_FIELDS)
                for path, shown in FIELD_LABELS.items()],
        stated=stated, dossiers=_recent_dossiers(session, row.dealer_id),
        dossiers_path=DOSSIERS_PATH, today=utc_now().strftime("%Y%m%d"),
    )


def _recent_dossiers(session: SessionDep, dealer_id: str) -> list[dict[str, Any]]:
    """The dealer's latest dossiers, and submissions not recorded yet: this dealer's only."""
    dossiers = session.exec(
        select(Dossier).where(Dossier.dealer_id == dealer_id)
        .order_by(Dossier.updated_at.desc()).limit(RECENT_DOSSIERS)  # type: ignore[attr-defined]
    ).all()
    recorded = {dossier.application_id for dossier in dossiers}
    pending = session.exec(
        select(DealerSubmission).where(
            DealerSubmission.dealer_id == dealer_id,
            sa.not_(DealerSubmission.application_id.in_(recorded)),  # type: ignore[attr-defined]
            DealerSubmission.state != SubmissionState.STORED)
        .order_by(DealerSubmission.id.desc()).limit(RECENT_DOSSIERS)  # type: ignore[union-attr]
    ).all()
    shown = [{"application_id": submission.application_id,
              "status": "failed" if submission.state == SubmissionState.FAILED else "processing",
              "decision": None, "at": submission.received_at,
              "url": dossier_url(submission.application_id, base=DOSSIERS_PATH)}
             for submission in pending]
    shown += [{"application_id": dossier.application_id, "status": str(dossier.status),
               "decision": dossier.decision, "at": dossier.updated_at,
               "url": dossier_url(dossier.application_id, base=DOSSIERS_PATH)}
              for dossier in dossiers]
    return shown[:RECENT_DOSSIERS]
