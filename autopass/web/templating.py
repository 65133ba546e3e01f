"""Jinja2 templates of the page, with what every page shows (user, cleared count, CSRF token)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from autopass.microtasks import kind_of
from autopass.store import DossierStatus, User
from autopass.web.auth import CSRF_FIELD, CSRF_HEADER, cleared_count, csrf_token
from autopass.web.urls import dossier_url

WEB_DIR = Path(__file__).resolve().parent
ROLE_LABELS = {
    "operator": "操作员 Operator",
    "senior": "高级审核 Senior",
    "supervisor": "主管 Supervisor",
}
STATUS_LABELS = {
    DossierStatus.PROCESSING: "处理中 Processing",
    DossierStatus.WAITING_FOR_PEOPLE: "等待人工 Waiting for people",
    DossierStatus.WAITING_FOR_DEALER: "等待补拍 Waiting for the dealer",
    DossierStatus.DECIDED: "已决定 Decided",
    DossierStatus.FAILED: "处理失败 Failed",
}
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
templates = Jinja2Templates(directory=WEB_DIR / "templates")


def _clock(value: datetime | None) -> str:
    """A UTC time as the operations centre reads it (Beijing time, UTC+8)."""
    if value is None:
        return "—"
    return value.astimezone(BEIJING).strftime("%m-%d %H:%M")


templates.env.filters["clock"] = _clock
templates.env.globals["microtask_kind"] = kind_of  # a task page asks its kind (badge, keys)
templates.env.globals["status_labels"] = STATUS_LABELS
templates.env.globals["dossier_url"] = dossier_url


def flash(request: Request, message: str, level: str = "info") -> None:
    """A one-line message shown on the next page (after a redirect)."""
    request.session["flash"] = {"message": message, "level": level}


def render(
    request: Request,
    name: str,
    *,
    user: User | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "role_label": ROLE_LABELS.get(str(user.role), "") if user else "",
            "cleared": cleared_count(request),
            "csrf_token": csrf_token(request),
            "csrf_field": CSRF_FIELD,
            "csrf_header": CSRF_HEADER,
            "flash": request.session.pop("flash", None),
            **context,
        },
        status_code=status_code,
    )
