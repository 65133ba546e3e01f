"""How often the machine and the people are wrong (``autopass.quality``): the supervisors' quality
page and its JSON API. A person's own figures are theirs to see; everyone else's are the
supervisors' only."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from autopass import charts, reports
from autopass.quality.measure import quality_report, quality_series, standards_in_use
from autopass.quality.operators import OperatorQuality, operator_quality
from autopass.store import Role, utc_now
from autopass.web.deps import CurrentUser, SessionDep, SettingsDep, Supervisor
from autopass.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/quality", tags=["quality"])
TREND_DAYS = 14
OTHERS_FORBIDDEN = "only supervisors see other people's statistics"


class OperatorQualityPublic(BaseModel):
    operator: str
    tasks: int
    median_seconds: float | None
    double_keyed: int
    second_keyer_agreement: float | None
    settled: int
    settled_agreement: float | None
    qa_reviews: int
    slips_caught: int


@router.get("/quality", response_class=HTMLResponse)
def quality_page(request: Request, session: SessionDep, settings: SettingsDep,
                 user: Supervisor) -> Response:
    """Per field, the machine's error among values it trusted (QA apart), the estimated false
    auto_pass rate, their trend over 14 days, and each operator's quality."""
    now = utc_now()
    today = reports.beijing_day(now)
    first_day = today - timedelta(days=TREND_DAYS - 1)
    standards = standards_in_use(session, settings)
    report = quality_report(session, first_day, today, standards=standards)
    series = quality_series(session, last_day=today, days=TREND_DAYS, standards=standards)
    people = operator_quality(session, since=reports.day_window(first_day)[0],
                              until=reports.day_window(today)[1])
    session.commit()
    return render(request, "quality/page.html", user=user, report=report, people=people,
                  trend_chart=trend_chart(series), percent=reports.percent,
                  number=reports.number)


@api.get("/operators", response_model=list[OperatorQualityPublic])
def all_operators(session: SessionDep, user: CurrentUser, days: int = TREND_DAYS,
                  ) -> list[OperatorQualityPublic]:
    """Every person's figures over the last ``days`` days: supervisors only (403 otherwise)."""
    if Role(user.role) is not Role.SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OTHERS_FORBIDDEN)
    return [_public(person) for person in _people(session, days, None)]


@api.get("/operators/{username}", response_model=OperatorQualityPublic)
def one_operator(username: str, session: SessionDep, user: CurrentUser,
                 days: int = TREND_DAYS) -> OperatorQualityPublic:
    """One person's figures: their own, or anyone's for a supervisor (403 otherwise)."""
    if username != user.username and Role(user.role) is not Role.SUPERVISOR:
        raise HTTPException(status.HTTP_403_FORBIDDEN, OTHERS_FORBIDDEN)
    found = _people(session, days, username)
    return _public(found[0] if found else OperatorQuality(username))


def trend_chart(series):  # type: ignore[no-untyped-def]
    return charts.line_chart(
        [point.day.strftime("%m-%d") for point in series],
        [charts.Series("可信值错误率 Trusted-value error", [p.trusted_error for p in series],
                       charts.PALETTE[3]),
         charts.Series("质检不一致 QA disagreement", [p.qa_disagreement for p in series],
                       charts.PALETTE[2])],
        title="Measured error per day")


def _people(session: SessionDep, days: int, only: str | None) -> list[OperatorQuality]:
    days = max(1, min(days, 366))
    today = reports.beijing_day(utc_now())
    found = operator_quality(session, since=reports.day_window(today - timedelta(days=days - 1))[0],
                             until=reports.day_window(today)[1], only=only)
    session.commit()
    return found


def _public(person: OperatorQuality) -> OperatorQualityPublic:
    return OperatorQualityPublic(
        operator=person.operator, tasks=person.tasks, median_seconds=person.median_seconds,
        double_keyed=person.double_keyed, second_keyer_agreement=person.second_keyer_agreement,
        settled=person.settled, settled_agreement=person.settled_agreement,
        qa_reviews=person.qa_reviews, slips_caught=person.slips_caught)
