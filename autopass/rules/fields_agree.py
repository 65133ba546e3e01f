"""The same fact read in several places is the same everywhere it appears."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from autopass.references import Reference
from autopass.rules.agreement import agreement
from autopass.rules.base import (
    DossierFacts,
    Outcome,
    RuleModel,
)


class FieldsAgree(RuleModel):
    """The same fact read from several places is the same everywhere it appears."""

    type: Literal["fields_agree"]
    fields: list[Reference] = Field(min_length=2, description="The first is the reference value.")

    def references(self) -> list[str]:
        return list(self.fields)

    def check(self, dossier: DossierFacts) -> Outcome:
        """The same fact is the same wherever it appears (the first reference is the anchor)."""
        return agreement(dossier, list(self.fields), tolerance=0.0, need_document=False)

    def compared(self) -> tuple[list[str], float]:
        return list(self.fields), 0.0
