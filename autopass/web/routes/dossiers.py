"""Looking a dossier up: its case file (``autopass.casefile``) for seniors and supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from autopass.casefile import EVERY_DOSSIER, DossierFilter, case_file, recent_dossiers
from autopass.crops import document_preview
from autopass.errors import ImageError
from autopass.standards import load_document_specs
from autopass.store import Document, DossierStatus, get_dossier, original_path, utc_now
from autopass.store.audit import record_event
from autopass.web.deps import RowId, SeniorOrSupervisor, SessionDep, SettingsDep
from autopass.web.routes.crops import PRIVATE_IMAGE_HEADERS
from autopass.web.templating import render
from autopass.web.urls import application_id_of, dossier_url

router = APIRouter(include_in_schema=False)
RECENT = 20  # dossiers listed: the latest of all
FILTERED = 100  # ... of one dealer, salesperson or status


def _application_id_in_url(application_id: str) -> str:
    return application_id_of(application_id)


ApplicationIdInUrl = Annotated[str, Depends(_application_id_in_url)]
"""The application id of a ``urls.dossier_url``: any id, ``/`` and ``..`` included."""


@router.get("/dossiers", response_class=HTMLResponse)
def find_dossier(
    request: Request,
    session: SessionDep,
    user: SeniorOrSupervisor,
    application_id: Annotated[str, Query(max_length=64)] = "",
    dealer_id: Annotated[str, Query(max_length=64)] = "",
    salesperson_id: Annotated[str, Query(max_length=64)] = "",
    state: Annotated[DossierStatus | None, Query(alias="status")] = None,
) -> Response:
    """The search form and the dossiers that changed last, of one dealer, salesperson or status
    when asked; a known application id goes to its case file."""
    wanted = application_id.strip()
    if wanted and get_dossier(session, application_id=wanted) is not None:
        return RedirectResponse(dossier_url(wanted), status_code=status.HTTP_303_SEE_OTHER)
    only = DossierFilter(dealer_id=dealer_id.strip() or None,
                         salesperson_id=salesperson_id.strip() or None, status=state)
    return _search_page(request, session, user, wanted, only)


@router.get("/dossiers/{application_id}", response_class=HTMLResponse)
def dossier_page(
    application_id: ApplicationIdInUrl,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SeniorOrSupervisor,
) -> Response:
    """The case file; who opened it is on its audit trail (it shows a person's documents)."""
    found = case_file(session, application_id, load_document_specs(settings))
    if found is None:
        return _search_page(request, session, user, application_id)
    now = utc_now()
    record_event(session, actor=user.username, action="dossier_viewed",
                 dossier_id=found.dossier.id, at=now)
    session.commit()
    return render(request, "dossier.html", user=user, case=found, now=now,
                  minutes_between=lambda start, end: round((end - start).total_seconds() / 60))


@router.get("/dossiers/{application_id}/documents/{document_id}")
def document_image(
    application_id: ApplicationIdInUrl,
    document_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    user: SeniorOrSupervisor,
) -> Response:
    """One document of the dossier, whole (``crops.document_preview``), from its original."""
    dossier = get_dossier(session, application_id=application_id)
    document = session.get(Document, document_id)
    if dossier is None or document is None or document.dossier_id != dossier.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"dossier {application_id} has no document {document_id}")
    try:
        image = document_preview(original_path(settings, document.sha256), document.page,
                                 document.region, settings)
    except ImageError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"{document.file} cannot be shown: {error.problem}") from error
    return Response(image, media_type="image/jpeg", headers=PRIVATE_IMAGE_HEADERS)


def _search_page(request: Request, session: SessionDep, user: SeniorOrSupervisor,
                 wanted: str, only: DossierFilter = EVERY_DOSSIER) -> Response:
    """The search form and the list; 404 when ``wanted`` names no dossier."""
    return render(request, "dossiers.html", user=user, wanted=wanted, only=only,
                  statuses=list(DossierStatus),
                  recent=recent_dossiers(session, FILTERED if only else RECENT, only),
                  status_code=status.HTTP_404_NOT_FOUND if wanted else status.HTTP_200_OK)
