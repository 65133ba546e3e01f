"""Channel risk pages (``autopass.risk.channel``): dealers and salespeople ranked by score with
their trends, the watches a supervisor clears, and each ring drawn as a graph. Seniors and
supervisors see them; only a supervisor clears a watch; an operator sees none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from autopass import charts
from autopass.risk.channel import ChannelBoard, ChannelFigures, channel_board
from autopass.risk.graph import KIND_COLORS, KIND_LABELS, ring_graph, ring_svg
from autopass.standards import Standard, loadable_standards
from autopass.store import utc_now
from autopass.store.channels import WatchNotOpen, clear_watch, latest_watch, recent_findings
from autopass.store.models import ChannelKind, ChannelWatch, RiskFinding
from autopass.web.deps import (
    CsrfForm,
    RowId,
    SeniorOrSupervisor,
    SessionDep,
    SettingsDep,
    Supervisor,
)
from autopass.web.templating import flash, render

router = APIRouter(include_in_schema=False)
TREND_POINTS = 12  # the 30-day score once a week, over twelve weeks
TREND_STEP_DAYS = 7
RANKED = 20  # channels listed per kind and product
RINGS_LISTED = 30


@dataclass(frozen=True)
class RankedChannel:
    figures: list[ChannelFigures]  # one per window of the standard, in its order
    trend: Markup
    watch: ChannelWatch | None

    @property
    def channel_id(self) -> str:
        return self.figures[0].channel_id

    @property
    def top_score(self) -> float:
        return max((f.score for f in self.figures if f.score is not None), default=0.0)


@dataclass(frozen=True)
class ProductBoard:
    standard: Standard
    tables: dict[ChannelKind, list[RankedChannel]]


@router.get("/channel-risk", response_class=HTMLResponse)
def channel_risk_page(request: Request, session: SessionDep, settings: SettingsDep,
                      user: SeniorOrSupervisor) -> Response:
    """Per product, dealers and salespeople ranked by score, each window's figures, the trend of
    the first window's score and the watch they are under; the latest rings."""
    now = utc_now()
    boards = []
    for standard in loadable_standards(settings)[0]:  # `standards check` names the others
        board = channel_board(session, standard=standard, now=now,
                              history_days=TREND_POINTS * TREND_STEP_DAYS)
        boards.append(ProductBoard(standard, {
            kind: _ranked(session, board, kind) for kind in ChannelKind}))
    findings = recent_findings(session, limit=RINGS_LISTED)
    session.commit()
    return render(request, "channel_risk.html", user=user, now=now, boards=boards,
                  findings=findings, kinds=list(ChannelKind), kind_labels=KIND_LABELS)


@router.post("/channel-risk/watches/{watch_id}/clear", dependencies=[CsrfForm])
def clear_watch_page(watch_id: RowId, request: Request, session: SessionDep, user: Supervisor,
                     note: Annotated[str, Form(min_length=1, max_length=300)]) -> Response:
    """A supervisor clears a dealer or salesperson (audited): straight-through again."""
    try:
        watch = clear_watch(session, watch_id=watch_id, actor=user.username, note=note.strip(),
                            now=utc_now())
    except WatchNotOpen as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    flash(request, f"已解除 {watch.channel_id} 的渠道监控 Cleared {watch.kind} {watch.channel_id}")
    return RedirectResponse("/channel-risk", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/rings/{finding_id}", response_class=HTMLResponse)
def ring_page(finding_id: RowId, request: Request, session: SessionDep,
              user: SeniorOrSupervisor) -> Response:
    """One finding's ring: people, dossiers and what links them, drawn on the server."""
    finding = session.get(RiskFinding, finding_id)
    if finding is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no finding {finding_id}")
    graph = ring_graph(session, finding)
    session.commit()
    return render(request, "ring.html", user=user, finding=finding, graph=graph,
                  svg=ring_svg(graph), kind_colors=KIND_COLORS, kind_labels=KIND_LABELS)


def _ranked(session: SessionDep, board: ChannelBoard, kind: ChannelKind) -> list[RankedChannel]:
    windows = board.policy.windows_days
    per_window = {days: {f.channel_id: f for f in board.figures(kind, days)} for days in windows}
    channels = set().union(*per_window.values())
    labels = [(board.now - timedelta(days=back * TREND_STEP_DAYS)).strftime("%m-%d")
              for back in range(TREND_POINTS - 1, -1, -1)]
    limit = getattr(board.policy.watch_at, kind.value)
    ranked = []
    for channel_id in channels:
        figures = [per_window[days].get(channel_id) or ChannelFigures(
            kind, channel_id, days, 0, 0, 0, 0, 0, 0, None) for days in windows]
        ranked.append(RankedChannel(figures, Markup(""), None))
    ranked.sort(key=lambda r: (-r.top_score, -r.figures[-1].dossiers, r.channel_id))
    trends = board.trends(kind, window_days=windows[0], points=TREND_POINTS,
                          step_days=TREND_STEP_DAYS)
    shown = []
    for row in ranked[:RANKED]:
        trend = trends.get(row.channel_id, [None] * TREND_POINTS)
        chart = charts.sparkline(trend, labels=labels, threshold=limit,
                                 title=f"{row.channel_id}: {windows[0]}-day score, weekly")
        watch = latest_watch(session, product=board.product, kind=kind, channel_id=row.channel_id)
        shown.append(RankedChannel(row.figures, chart, watch))
    return shown
