"""A dossier sent back to its dealer waits for what was asked (a document it lacks, a photo
nobody could read) up to its standard's ``dealer_deadline_days``. Then the nightly batch rejects
it, saying why (``required document(s) missing: bank_card; not sent by the dealer within 3
days``), and the dealer's system is told the decision like any other (``dealer_notices``).

Only the dealer's silence rejects here: until the deadline the dossier is not the customer's
refusal, and a folder the dealer sends in time is processed from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from autopass.dossier import Decision, DossierResult, Status
from autopass.errors import StandardsError
from autopass.store.queue import NewPhotoRequest, lock_if_still_waiting, waiting_for_dealer
from autopass.settings import Settings
from autopass.standards import Standard, load_standard
from autopass.store import Dossier, MicroTask, decide_dossier

DEFAULT_DEADLINE_DAYS: int = Standard.model_fields["dealer_deadline_days"].default
"""For a product whose standard is gone: its dossiers must not wait for ever."""


@dataclass(frozen=True)
class OverdueRequest:
    """A request its dealer has not answered within the product's deadline."""

    request: NewPhotoRequest
    days: int  # the product's dealer_deadline_days


def deadline_days(settings: Settings) -> Callable[[str], int]:
    """product -> its standard's ``dealer_deadline_days``, each standard loaded once."""
    cache: dict[str, int] = {}

    def days(product: str) -> int:
        if product not in cache:
            try:
                cache[product] = load_standard(product, settings).dealer_deadline_days
            except StandardsError:
                cache[product] = DEFAULT_DEADLINE_DAYS
        return cache[product]

    return days


def overdue_requests(session: Session, *, now: datetime,
                     days_for: Callable[[str], int]) -> list[OverdueRequest]:
    """The dossiers waiting for their dealer since longer than their product's deadline."""
    overdue = []
    for request in waiting_for_dealer(session):
        days = days_for(session.get_one(Dossier, request.dossier_id).product)
        if now - request.requested_at >= timedelta(days=days):
            overdue.append(OverdueRequest(request, days))
    return overdue


def not_sent_in_time(result: DossierResult, request: NewPhotoRequest, check_id: str | None,
                     days: int) -> DossierResult:
    """``result`` rejected because the dealer did not send what ``request`` asked within ``days``:
    the checks the request was about (those asking for the missing documents, or the check of the
    task whose photo nobody could read; any check not passed when neither is found) fail hard,
    their details saying so."""
    if request.missing_documents:
        late = "not sent by the dealer"
        about = {check.id for check in result.checks if check.ask_dealer_for}
    else:
        photos = ", ".join(f"{photo.file} ({photo.type})" for photo in request.photos)
        late = f"new photo{' of ' + photos if photos else ''} not sent by the dealer"
        about = {check_id} if check_id else set()
    if not about & {check.id for check in result.checks}:
        about = {check.id for check in result.checks if check.status is not Status.PASS}
    checks = [
        check.model_copy(update={
            "status": Status.FAIL, "hard": True,
            "detail": f"{check.detail}; {late} within {days} days" if check.detail
            else f"{late} within {days} days"})
        if check.id in about else check
        for check in result.checks
    ]
    return result.model_copy(update={"decision": Decision.REJECT, "checks": checks})


def reject_overdue(session: Session, overdue: OverdueRequest, *, now: datetime,
                   face_engine: str | None) -> DossierResult | None:
    """Reject the dossier of an overdue request (``not_sent_in_time``) and record why; None when
    the dealer answered meanwhile (the dossier no longer waits on that request)."""
    request = overdue.request
    dossier = lock_if_still_waiting(session, dossier_id=request.dossier_id,
                                    request_id=request.request_id)
    if dossier is None:
        return None
    task = session.get(MicroTask, request.task_id) if request.task_id is not None else None
    rejected = not_sent_in_time(DossierResult.model_validate(dossier.result), request,
                                task.check_id if task else None, overdue.days)
    decide_dossier(session, dossier_id=request.dossier_id, result=rejected,
                   face_engine=face_engine, now=now,
                   reason=f"request {request.request_id} not answered by the dealer within "
                   f"{overdue.days} days")
    return rejected
