"""Looking a dossier up: its case file (``autopass.casefile``) for seniors and supervisors."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from autopass.casefile import case_file, recent_dossiers
from autopass.standards import load_document_specs
from autopass.store import get_dossier, utc_now
from autopass.web.deps import SeniorOrSupervisor, SessionDep, SettingsDep
from autopass.web.templating import render

router = APIRouter(include_in_schema=False)
RECENT = 20


@router.get("/dossiers", response_class=HTMLResponse)
def find_dossier(
    request: Request,
    session: SessionDep,
    user: SeniorOrSupervisor,
    application_id: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The search form and the dossiers that changed last; a known application id goes to its
    case file."""
    wanted = application_id.strip()
    if wanted and get_dossier(session, application_id=wanted) is not None:
        return RedirectResponse(f"/dossiers/{quote(wanted, safe='')}",
                                status_code=status.HTTP_303_SEE_OTHER)
    return _search_page(request, session, user, wanted)


@router.get("/dossiers/{application_id}", response_class=HTMLResponse)
def dossier_page(
    application_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SeniorOrSupervisor,
) -> Response:
    found = case_file(session, application_id, load_document_specs(settings))
    if found is None:
        return _search_page(request, session, user, application_id)
    now = utc_now()
    return render(request, "dossier.html", user=user, case=found, now=now,
                  minutes_between=lambda start, end: round((end - start).total_seconds() / 60))


def _search_page(request: Request, session: SessionDep, user: SeniorOrSupervisor,
                 wanted: str) -> Response:
    """The search form; 404 when ``wanted`` names no dossier."""
    return render(request, "dossiers.html", user=user, wanted=wanted,
                  recent=recent_dossiers(session, RECENT),
                  status_code=status.HTTP_404_NOT_FOUND if wanted else status.HTTP_200_OK)
