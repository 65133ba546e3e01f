"""Numbers that carry a check digit (ID number, VIN, card number): a keyed-in value failing it is
wrong; an OCR value failing it is a misread for a person."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from autopass.references import APPLICATION, Reference
from autopass.rules.base import (
    CHECKSUMS,
    DossierFacts,
    FieldReading,
    Outcome,
    RuleModel,
    fails,
    needs_review,
    passes,
    summary,
    text_of,
)


class Checksum(RuleModel):
    """Numbers carry a check digit: application values must pass; OCR values that fail are doubtful."""

    type: Literal["checksum"]
    algorithm: Literal["gb11643", "iso3779", "luhn"]
    fields: list[Reference] = Field(min_length=1)

    def references(self) -> list[str]:
        return list(self.fields)

    def check(self, dossier: DossierFacts) -> Outcome:
        """Keyed-in numbers must carry a correct check digit; an OCR value failing it is a misread."""
        name, is_valid = CHECKSUMS[self.algorithm]
        failed: list[FieldReading] = []
        doubtful: list[FieldReading] = []
        checked = 0
        for reference in self.fields:
            for reading in dossier.readings(reference):
                if reading.missing:
                    doubtful.append(reading)
                elif is_valid(text_of(reading.value)):
                    checked += 1
                elif reading.where.document == APPLICATION or _is_human(dossier, reading):
                    failed.append(reading)
                else:
                    doubtful.append(reading)
        if failed:
            where = "; ".join(f"{r.label}{dossier.shown(r)}" for r in failed)
            return fails(f"{name} wrong: {where}", failed)
        if doubtful:
            return needs_review(f"{name} cannot be confirmed on: {summary(doubtful)}", doubtful)
        if not checked:
            return needs_review("nothing to check")
        return passes(f"{name} correct on {checked} value(s)")


def _is_human(dossier: DossierFacts, reading: FieldReading) -> bool:
    for document in dossier.documents:
        if document.key == reading.where.document:
            read = document.fields.get(reading.where.field)
            return read is not None and read.by_people
    return False
