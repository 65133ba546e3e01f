"""The applicant's age, on the submission date and when the loan ends, is within bounds."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from autopass import validators
from autopass.references import Reference
from autopass.rules.base import (
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


class AgeRange(RuleModel):
    """The applicant's age on the submission date (and at the loan's end) is within bounds."""

    type: Literal["age_range"]
    birth_date_from: list[Reference] = Field(
        min_length=1,
        description="Where the birth date is read: ID numbers (decoded) or date fields. Sources "
        "that disagree make the check a review (the agreement rules say which is wrong).",
    )
    min_age: int = Field(ge=0, le=120)
    max_age: int = Field(ge=0, le=120)
    max_age_at_term_end: int | None = Field(None, ge=0, le=120)

    def references(self) -> list[str]:
        return list(self.birth_date_from)

    @model_validator(mode="after")
    def _bounds_ordered(self) -> AgeRange:
        if self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        return self

    def check(self, dossier: DossierFacts) -> Outcome:
        """The applicant is old enough, not too old, and not too old when the loan ends."""
        births: list[tuple[FieldReading, date | None]] = [
            (reading, _birth_date(reading, dossier.standard.field_kind(reference)[0]))
            for reference in self.birth_date_from
            for reading in dossier.readings(reference)
        ]
        sure = {birth for reading, birth in births if reading.trusted and birth is not None}
        if len(sure) > 1:
            differing = [reading for reading, birth in births if reading.trusted and birth is not None]
            return needs_review("birth dates differ between sources", differing)
        if not sure:
            return needs_review("no trusted birth date", [r for r, _ in births])
        birth = sure.pop()
        doubtful = [reading for reading, found in births if found != birth]
        if doubtful:
            return needs_review(f"birth date unsure on {summary(doubtful)}", doubtful)
        day = dossier.submitted_on
        age = _age_on(birth, day)
        age_at_end = _age_on(birth, _add_months(day, dossier.application.loan.term_months))
        sources = [reading for reading, _ in births]
        if age < self.min_age:
            return fails(f"applicant aged {age}, under the minimum {self.min_age}", sources)
        if age > self.max_age:
            return fails(f"applicant aged {age}, over the maximum {self.max_age}", sources)
        if self.max_age_at_term_end is not None and age_at_end > self.max_age_at_term_end:
            return fails(
                f"applicant aged {age_at_end} when the loan ends, over {self.max_age_at_term_end}",
                sources,
            )
        return passes(f"age within {self.min_age}-{self.max_age}")


def _birth_date(reading: FieldReading, kind: str) -> date | None:
    if reading.missing:
        return None
    if kind == "id_number":
        number = text_of(reading.value)
        return validators.id_birth_date(number) if validators.is_valid_id_number(number) else None
    return date_of(reading.value)


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")
