"""The birth date and sex printed on an ID card agree with those its number encodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import model_validator

from autopass import validators
from autopass.references import APPLICATION, Reference, split_reference
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


class IdNumberConsistency(RuleModel):
    """Birth date and sex printed on the card agree with those encoded in its ID number."""

    type: Literal["id_number_consistency"]
    id_number: Reference
    birth_date: Reference
    sex: Reference

    def references(self) -> list[str]:
        return [self.id_number, self.birth_date, self.sex]

    @model_validator(mode="after")
    def _one_document(self) -> IdNumberConsistency:
        sources = {split_reference(ref)[0] for ref in self.references()}
        if len(sources) != 1 or APPLICATION in sources:
            raise ValueError("id_number, birth_date and sex must be fields of one document type")
        return self

    def check(self, dossier: DossierFacts) -> Outcome:
        """Birth date and sex printed on the card agree with those encoded in its number."""
        numbers = dossier.readings(self.id_number)
        if not numbers:
            return needs_review(f"no {split_reference(self.id_number)[0]} to check")
        births, sexes = dossier.readings(self.birth_date), dossier.readings(self.sex)
        failed: list[FieldReading] = []
        doubtful: list[FieldReading] = []
        for number, birth, sex in zip(numbers, births, sexes, strict=True):
            id_number = text_of(number.value) if not number.missing else ""
            printed = [(birth, _printed(birth, date_of)), (sex, _printed(sex, text_of))]
            if not validators.is_valid_id_number(id_number):
                # A birth date or sex not read at all needs a person whatever the number says: asked
                # now, with the number, rather than in a round of its own once the number is known.
                doubtful.extend([number, *(reading for reading, value in printed if value is None)])
                continue
            encoded = (validators.id_birth_date(id_number), validators.id_sex(id_number))
            for (reading, value), expected in zip(printed, encoded, strict=True):
                if value is None:
                    doubtful.append(reading)
                elif value != expected:
                    (failed if reading.trusted and number.trusted else doubtful).extend(
                        [reading, number]
                    )
        if failed:
            return fails(f"printed birth date or sex differs from the ID number on {summary(failed)}",
                         failed)
        if doubtful:
            return needs_review(f"cannot confirm birth date and sex on {summary(doubtful)}", doubtful)
        return passes("birth date and sex agree with the ID number")


def _printed(reading: FieldReading, parse: Callable[[Any], Any]) -> Any:
    """The reading's value as ``parse`` understands it; None when absent or not understood."""
    return None if reading.missing else parse(reading.value)
