"""A document states what the dealer keyed in."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from autopass.references import APPLICATION, Reference, split_reference
from autopass.rules.agreement import agreement
from autopass.rules.base import (
    DossierFacts,
    Outcome,
    RuleModel,
)


class EqualsApplication(RuleModel):
    """A document states what the dealer keyed in; the document must be in the dossier."""

    type: Literal["equals_application"]
    application: Reference
    document: Reference
    tolerance: float = Field(0.0, ge=0, description="Allowed difference for amounts, in yuan.")

    def references(self) -> list[str]:
        return [self.application, self.document]

    @model_validator(mode="after")
    def _sides(self) -> EqualsApplication:
        if split_reference(self.application)[0] != APPLICATION:
            raise ValueError("'application' must be an application.<field> reference")
        if split_reference(self.document)[0] == APPLICATION:
            raise ValueError("'document' must be a <document_type>.<field> reference")
        return self

    def check(self, dossier: DossierFacts) -> Outcome:
        """A document states what the dealer keyed in; without the document there is nothing to see."""
        return agreement(dossier, [self.application, self.document], self.tolerance,
                         need_document=True)

    def compared(self) -> tuple[list[str], float]:
        return [self.application, self.document], self.tolerance
