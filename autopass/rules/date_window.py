"""A document is valid on the reference date, with enough days left to run."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from autopass.references import Reference, split_reference
from autopass.rules.base import (
    PERMANENT,
    DossierFacts,
    FieldReading,
    Outcome,
    RuleModel,
    date_of,
    fails,
    needs_review,
    passes,
    summary,
    text_of,
)


class DateWindow(RuleModel):
    """A document is valid on the reference date, with at least ``min_days_left`` to run."""

    type: Literal["date_window"]
    valid_from: Reference | None = None
    valid_to: Reference
    min_days_left: int = Field(0, ge=0)
    as_of: Literal["submission", "today"] = "submission"
    renewed_ahead_days: int = Field(0, ge=0, description=(
        "A document renewed before the old one ran out starts where the old one ends: a start "
        "up to this many days after the reference date is no fault."))

    def references(self) -> list[str]:
        return [ref for ref in (self.valid_from, self.valid_to) if ref]

    def check(self, dossier: DossierFacts) -> Outcome:
        """The document is valid on the reference date with at least min_days_left to run."""
        day = dossier.submitted_on if self.as_of == "submission" else dossier.today
        readings = dossier.readings(self.valid_to)
        if not readings:
            return needs_review(f"no {split_reference(self.valid_to)[0]} to check")
        failures: list[str] = []
        failed: list[FieldReading] = []
        doubtful: list[FieldReading] = []
        starts = {r.where.document: r for r in dossier.readings(self.valid_from)} if self.valid_from else {}
        for reading in readings:
            problem = _validity_problem(reading, day, self.min_days_left)
            start = starts.get(reading.where.document)
            if problem is None and start is not None:
                problem, reading = _not_yet_valid(start, day, self.renewed_ahead_days), start
            if problem == "doubt":
                doubtful.append(reading)
            elif problem and reading.trusted:
                failed.append(reading)
                failures.append(problem)
            elif problem:
                doubtful.append(reading)
        if failed:
            return fails("; ".join(failures), failed)
        if doubtful:
            return needs_review(f"validity dates unsure on {summary(doubtful)}", doubtful)
        return passes(f"valid on {day.isoformat()} with at least {self.min_days_left} days left")


def _validity_problem(reading: FieldReading, day: date, min_days_left: int) -> str | None:
    """None when valid, "doubt" when unreadable, else what is wrong."""
    if reading.missing:
        return "doubt"
    if text_of(reading.value) == PERMANENT:
        return None if reading.trusted else "doubt"
    valid_to = date_of(reading.value)
    if valid_to is None or not reading.trusted:
        return "doubt"
    days_left = (valid_to - day).days
    if days_left < 0:
        return f"{reading.label} expired on {valid_to.isoformat()}, before {day.isoformat()}"
    if days_left < min_days_left:
        return f"{reading.label} expires in {days_left} days, fewer than {min_days_left}"
    return None


def _not_yet_valid(reading: FieldReading, day: date, renewed_ahead_days: int) -> str | None:
    valid_from = None if reading.missing else date_of(reading.value)
    if valid_from is None or (valid_from - day).days <= renewed_ahead_days:
        return None
    return f"{reading.label} only valid from {valid_from.isoformat()}, after {day.isoformat()}"
