"""A yes/no read from a document has the expected answer (e.g. the contract is signed)."""

from __future__ import annotations

from typing import Literal

from autopass.references import Reference, split_reference
from autopass.rules.base import (
    DossierFacts,
    Outcome,
    RuleModel,
    boolean_of,
    fails,
    needs_review,
    passes,
    summary,
)


class BooleanField(RuleModel):
    """A yes/no field read from a document has the expected answer (e.g. contract signed)."""

    type: Literal["boolean_field"]
    field: Reference
    expected: bool = True

    def references(self) -> list[str]:
        return [self.field]

    def check(self, dossier: DossierFacts) -> Outcome:
        """A yes/no read from a document has the expected answer (e.g. the contract is signed)."""
        readings = dossier.readings(self.field)
        source, name = split_reference(self.field)
        what = name.replace("_", " ")
        if not readings:
            return needs_review(f"no {source} to check")
        wrong = [r for r in readings if boolean_of(r.value) is not None and boolean_of(r.value) != self.expected]
        unsure = [r for r in readings if boolean_of(r.value) is None or not r.trusted]
        failed = [r for r in wrong if r.trusted]
        if failed:
            return fails(f"{what} is {not self.expected} on {summary(failed)}", failed)
        if unsure:
            return needs_review(f"{what} unsure on {summary(unsure)}", unsure)
        return passes(f"{what} is {self.expected}")
