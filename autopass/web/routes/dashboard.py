"""Supervisor pages: the dashboard (queue now, STP and 8030 over time, dealers) and the daily
report of one day (the same figures as the nightly batch's artifact)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from autopass import charts, post_loan, reports
from autopass.quality.measure import quality_report, standards_in_use
from autopass.store.queue import queue_overview
from autopass.store import utc_now
from autopass.store.models import PostLoanKind
from autopass.web.deps import SessionDep, SettingsDep, Supervisor
from autopass.web.templating import render

router = APIRouter(include_in_schema=False)
AT_RISK_MINUTES = 10
TREND_DAYS = 14
SLA_TARGET = 0.80  # the "80" of 8030: 80 % of dossiers decided within the SLA's 30 minutes
TOP_DEALERS = 10
STP_COLOR, SLA_COLOR = charts.PALETTE[0], charts.PALETTE[1]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, settings: SettingsDep,
              user: Supervisor) -> Response:
    """What a supervisor glances at: now (queue), the trend (14 days), who sends exceptions."""
    now = utc_now()
    today = reports.beijing_day(now)
    first_day = today - timedelta(days=TREND_DAYS - 1)
    overview = queue_overview(session, now=now, at_risk_minutes=AT_RISK_MINUTES)
    series = reports.daily_series(session, last_day=today, days=TREND_DAYS)
    period = reports.period_report(session, first_day, today)
    today_report = reports.daily_report(session, today)
    chases = post_loan.open_items(session, PostLoanKind.REGISTRATION_CHASE)
    expiries = post_loan.open_items(session, PostLoanKind.ID_EXPIRY)
    quality = quality_report(session, first_day, today,
                             standards=standards_in_use(session, settings))
    session.commit()
    return render(
        request,
        "dashboard.html",
        quality=quality,
        user=user,
        now=now,
        overview=overview,
        at_risk_minutes=AT_RISK_MINUTES,
        oldest_minutes=_minutes_since(now, overview.oldest_open_created_at),
        today=today_report,
        period=period,
        chases=len(chases),
        expiries=len(expiries),
        yesterday=(today - timedelta(days=1)).isoformat(),
        trend_chart=_trend_chart(series),
        dealer_chart=charts.bar_chart(
            [(g.key, g.exception_rate) for g in period.dealers[:TOP_DEALERS]],
            title="例外率 Exception rate per dealer",
            color=charts.PALETTE[2],
        ),
        seconds_chart=_seconds_chart(period.median_seconds_by_kind),
        percent=reports.percent,
        number=reports.number,
    )


@router.get("/reports/daily")
def latest_daily_report(_: Supervisor) -> RedirectResponse:
    """Yesterday's report: the last complete day."""
    yesterday = reports.beijing_day(utc_now()) - timedelta(days=1)
    return RedirectResponse(f"/reports/daily/{yesterday.isoformat()}", status.HTTP_303_SEE_OTHER)


@router.get("/reports/daily/{day}", response_class=HTMLResponse)
def daily_report_page(day: date, request: Request, session: SessionDep, settings: SettingsDep,
                      user: Supervisor) -> Response:
    """One day's report, with links to the day before and after: the calendar's first and last
    days have no neighbour (nor a UTC window, for the first), so they have no report."""
    if not date.min < day < date.max:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no daily report for {day}: too far from today")
    report = reports.daily_report(session, day)
    chases = post_loan.open_items(session, PostLoanKind.REGISTRATION_CHASE)
    expiries = post_loan.open_items(session, PostLoanKind.ID_EXPIRY)
    quality = quality_report(session, day, day, standards=standards_in_use(session, settings))
    session.commit()
    return render(
        request,
        "daily_report.html",
        quality=quality,
        user=user,
        report=report,
        previous_day=(day - timedelta(days=1)).isoformat(),
        next_day=(day + timedelta(days=1)).isoformat(),
        chases=chases,
        expiries=expiries,
        seconds_chart=_seconds_chart(report.median_seconds_by_kind, width=1140),  # full width
        percent=reports.percent,
        number=reports.number,
    )


def _trend_chart(series: list[reports.DayPoint]):  # type: ignore[no-untyped-def]
    return charts.line_chart(
        [point.day.strftime("%m-%d") for point in series],
        [
            charts.Series("STP 直通率", [p.stp_rate for p in series], STP_COLOR),
            charts.Series("8030 时效达成", [p.sla_attainment for p in series], SLA_COLOR),
        ],
        title="STP and 8030 per day",
        target=SLA_TARGET,
    )


def _seconds_chart(median_seconds_by_kind: dict[str, float], **size: int):  # type: ignore[no-untyped-def]
    return charts.bar_chart(
        list(median_seconds_by_kind.items()),
        title="中位处理时间 Median handling seconds per micro-task kind",
        unit="s",
        **size,
    )


def _minutes_since(now, moment) -> int | None:  # type: ignore[no-untyped-def]
    return None if moment is None else max(round((now - moment).total_seconds() / 60), 0)
