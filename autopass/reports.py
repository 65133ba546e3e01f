"""The daily operations report: plain functions over the store, shared by the nightly batch's
artifact, the ``/reports/daily/{date}`` page and the supervisor dashboard.

A "day" is a calendar day in Beijing time (the operations centre's clock): dossiers count on the
day they were *received*, answers on the day they were *given*. Definitions (one place):

- STP rate: dossiers whose decision is ``auto_pass`` (straight through, no person touched them)
  / dossiers received.
- "8030" attainment: dossiers decided by their SLA deadline (``received_at`` + the standard's
  ``sla_minutes``, stored as ``sla_deadline``) / dossiers received. Undecided ones count as missed.
- micro-tasks per dossier: tasks created for the day's dossiers (double keying and mismatch tasks
  included) / dossiers received.
- median handling seconds per micro-task kind: median ``seconds`` of the answers given that day.
- exception rate (decision other than ``auto_pass``) and defect rate (``reject``), per dealer and
  per salesperson, over the dossiers received that day.
- sent back: dossiers received that day that were sent back to their dealer at least once, by an
  operator for a new photo (``queue.request_new_photo``) or by the machine for a missing document
  (``queue.ask_dealer_for_documents``); per dealer, it shows whose dossiers need training.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from autopass.dossier import Decision
from autopass.store.queue import NEW_PHOTO_REQUESTED
from autopass.store.models import AuditEvent, Dossier, MicroTask, MicroTaskAnswer

BEIJING = ZoneInfo("Asia/Shanghai")
STRAIGHT_THROUGH = str(Decision.AUTO_PASS)
DEFECT = str(Decision.REJECT)


@dataclass(frozen=True)
class GroupRates:
    """Exceptions and defects of one dealer or one salesperson."""

    key: str
    dossiers: int
    exceptions: int  # decision other than auto_pass
    defects: int  # decision reject
    sent_back: int  # sent back to the dealer for a new photo

    @property
    def exception_rate(self) -> float:
        return self.exceptions / self.dossiers

    @property
    def defect_rate(self) -> float:
        return self.defects / self.dossiers


@dataclass(frozen=True)
class Report:
    """The figures over the dossiers received from ``first_day`` to ``last_day`` (inclusive)."""

    first_day: date
    last_day: date
    dossiers: int
    decisions: dict[str, int]  # decision (or "undecided") -> dossiers
    straight_through: int
    decided_in_time: int
    sent_back: int
    microtasks: int
    median_seconds_by_kind: dict[str, float]
    answers_by_kind: dict[str, int]
    dealers: list[GroupRates]
    salespeople: list[GroupRates]

    @property
    def stp_rate(self) -> float | None:
        return _share(self.straight_through, self.dossiers)

    @property
    def sla_attainment(self) -> float | None:
        """The "8030" figure: share decided within the SLA."""
        return _share(self.decided_in_time, self.dossiers)

    @property
    def microtasks_per_dossier(self) -> float | None:
        return _share(self.microtasks, self.dossiers)


@dataclass(frozen=True)
class DayPoint:
    """One day of the dashboard's time series."""

    day: date
    dossiers: int
    stp_rate: float | None
    sla_attainment: float | None


def beijing_day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def day_window(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Beijing calendar day, in UTC (the store's time)."""
    start = datetime.combine(day, time(0), tzinfo=BEIJING).astimezone(UTC)
    return start, start + timedelta(days=1)


def daily_report(session: Session, day: date) -> Report:
    """Every figure of the daily report for the dossiers received on ``day`` (Beijing)."""
    return period_report(session, day, day)


def period_report(session: Session, first_day: date, last_day: date) -> Report:
    """The same figures over several days (the dashboard's per-dealer table)."""
    start, _ = day_window(first_day)
    _, end = day_window(last_day)
    dossiers = _dossiers_received(session, start, end)
    sent_back = _sent_back(session, [row.id for row in dossiers])
    decisions = Counter(row.decision if row.decided_at else "undecided" for row in dossiers)
    seconds = _answer_seconds_by_kind(session, start, end)
    return Report(
        first_day=first_day,
        last_day=last_day,
        dossiers=len(dossiers),
        decisions=dict(sorted(decisions.items())),
        straight_through=sum(row.decision == STRAIGHT_THROUGH for row in dossiers),
        decided_in_time=sum(_in_time(row) for row in dossiers),
        sent_back=len(sent_back),
        microtasks=_microtasks_of(session, [row.id for row in dossiers]),
        median_seconds_by_kind={kind: statistics.median(v) for kind, v in seconds.items()},
        answers_by_kind={kind: len(v) for kind, v in seconds.items()},
        dealers=group_rates((row.dealer_id, row.decision, row.id in sent_back) for row in dossiers),
        salespeople=group_rates(
            (row.salesperson_id, row.decision, row.id in sent_back) for row in dossiers
        ),
    )


def daily_series(session: Session, *, last_day: date, days: int) -> list[DayPoint]:
    """STP and 8030 for each of the ``days`` days ending with ``last_day`` (empty days too)."""
    first_day = last_day - timedelta(days=days - 1)
    start, _ = day_window(first_day)
    _, end = day_window(last_day)
    by_day: dict[date, list[sa.Row]] = defaultdict(list)
    for row in _dossiers_received(session, start, end):
        by_day[beijing_day(row.received_at)].append(row)
    points = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        rows = by_day.get(day, [])
        points.append(
            DayPoint(
                day=day,
                dossiers=len(rows),
                stp_rate=_share(sum(r.decision == STRAIGHT_THROUGH for r in rows), len(rows)),
                sla_attainment=_share(sum(_in_time(r) for r in rows), len(rows)),
            )
        )
    return points


def group_rates(dossiers: Iterable[tuple[str, str | None, bool]]) -> list[GroupRates]:
    """(group key, decision, sent back) per dossier -> rates per key, the most exceptions first."""
    totals: Counter[str] = Counter()
    exceptions: Counter[str] = Counter()
    defects: Counter[str] = Counter()
    sent_back: Counter[str] = Counter()
    for key, decision, was_sent_back in dossiers:
        totals[key] += 1
        exceptions[key] += decision != STRAIGHT_THROUGH
        defects[key] += decision == DEFECT
        sent_back[key] += was_sent_back
    rates = [
        GroupRates(key, totals[key], exceptions[key], defects[key], sent_back[key])
        for key in totals
    ]
    return sorted(rates, key=lambda r: (-r.exception_rate, -r.dossiers, r.key))


def report_markdown(report: Report) -> str:
    """The report as Markdown (the nightly batch's Prefect artifact): ids only, no personal data."""
    lines = [
        f"# Autopass daily report {report.first_day.isoformat()}",
        "",
        (
            f"- Dossiers received: **{report.dossiers}** "
            f"({', '.join(f'{k} {v}' for k, v in report.decisions.items()) or 'none'})"
        ),
        f"- STP rate: **{percent(report.stp_rate)}**",
        f"- 8030 attainment (decided within the SLA): **{percent(report.sla_attainment)}**",
        f"- Sent back to the dealer for a new photo: **{report.sent_back}**",
        (
            f"- Micro-tasks per dossier: **{number(report.microtasks_per_dossier)}** "
            f"({report.microtasks} tasks)"
        ),
        "",
        "## Median handling time per micro-task kind",
        "",
        "| kind | answers | median seconds |",
        "|---|---:|---:|",
        *(
            f"| {kind} | {report.answers_by_kind[kind]} | {seconds:.1f} |"
            for kind, seconds in report.median_seconds_by_kind.items()
        ),
    ]
    for title, groups in (("dealer", report.dealers), ("salesperson", report.salespeople)):
        lines += [
            "",
            f"## Exceptions and defects per {title}",
            "",
            f"| {title} | dossiers | exception rate | defect rate | sent back |",
            "|---|---:|---:|---:|---:|",
            *(
                f"| {g.key} | {g.dossiers} | {percent(g.exception_rate)} "
                f"| {percent(g.defect_rate)} | {g.sent_back} |"
                for g in groups
            ),
        ]
    return "\n".join(lines) + "\n"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


# --- queries ---------------------------------------------------------------------------------
def _dossiers_received(session: Session, start: datetime, end: datetime) -> list[sa.Row]:
    return list(
        session.execute(
            sa.select(
                Dossier.id,
                Dossier.dealer_id,
                Dossier.salesperson_id,
                Dossier.decision,
                Dossier.received_at,
                Dossier.sla_deadline,
                Dossier.decided_at,
            )
            .where(Dossier.received_at >= start, Dossier.received_at < end)
            .order_by(Dossier.received_at, Dossier.id)
        ).all()
    )


def _microtasks_of(session: Session, dossier_ids: list[int]) -> int:
    if not dossier_ids:
        return 0
    return int(
        session.scalar(
            sa.select(sa.func.count()).where(MicroTask.dossier_id.in_(dossier_ids))  # type: ignore[attr-defined]
        )
        or 0
    )


def _sent_back(session: Session, dossier_ids: list[int]) -> set[int]:
    if not dossier_ids:
        return set()
    return set(
        session.scalars(
            sa.select(AuditEvent.dossier_id).where(
                AuditEvent.action == NEW_PHOTO_REQUESTED,
                AuditEvent.dossier_id.in_(dossier_ids),  # type: ignore[union-attr]
            )
        )
    )


def _answer_seconds_by_kind(
    session: Session, start: datetime, end: datetime
) -> dict[str, list[float]]:
    rows = session.execute(
        sa.select(MicroTask.kind, MicroTaskAnswer.seconds)
        .join(MicroTask, MicroTask.id == MicroTaskAnswer.task_id)
        .where(MicroTaskAnswer.answered_at >= start, MicroTaskAnswer.answered_at < end)
    ).all()
    seconds: dict[str, list[float]] = defaultdict(list)
    for kind, value in rows:
        seconds[str(kind)].append(float(value))
    return dict(sorted(seconds.items()))


def _in_time(row: sa.Row) -> bool:
    return row.decided_at is not None and row.decided_at <= row.sla_deadline


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
