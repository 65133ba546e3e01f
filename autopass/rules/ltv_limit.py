"""The loan is at most a share (LTV) of the vehicle's price on the invoice."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field

from autopass.references import Reference, split_reference
from autopass.rules.base import (
    DossierFacts,
    FieldReading,
    Outcome,
    RuleModel,
    amount_of,
    fails,
    needs_review,
    passes,
    same,
    summary,
)


class LtvLimit(RuleModel):
    """The loan is at most ``max_ltv`` of the vehicle's price on the invoice."""

    type: Literal["ltv_limit"]
    loan_amount: Reference
    price: Reference
    max_ltv: float = Field(gt=0, le=1)
    price_corroborated_by: Reference | None = Field(
        None,
        description="A price that, when equal, makes a low-confidence read of `price` trusted "
        "(e.g. application.vehicle.price).",
    )

    def references(self) -> list[str]:
        return [ref for ref in (self.loan_amount, self.price, self.price_corroborated_by) if ref]

    def check(self, dossier: DossierFacts) -> Outcome:
        """The loan is at most max_ltv of the invoice price."""
        loans, prices = dossier.readings(self.loan_amount), dossier.readings(self.price)
        if not prices:
            return needs_review(f"no {split_reference(self.price)[0]} with a price")
        witnesses = dossier.readings(self.price_corroborated_by) if self.price_corroborated_by else []
        prices = [_corroborated(p, witnesses) for p in prices]
        doubtful = [r for r in loans + prices if not r.trusted or not (amount_of(r.value) or 0) > 0]
        if doubtful:
            return needs_review(f"amount unsure on {summary(doubtful)}", doubtful)
        loan = max(amount_of(r.value) or 0.0 for r in loans)
        for price_reading in prices:
            price = amount_of(price_reading.value) or 0.0
            ratio = loan / price
            if ratio > self.max_ltv + 1e-9:
                return fails(
                    f"loan {loan:.2f} is {ratio:.1%} of the price {price:.2f} on {price_reading.label}, "
                    f"above the {self.max_ltv:.0%} limit",
                    [*loans, price_reading],
                )
        return passes(f"loan is {ratio:.1%} of the price, within {self.max_ltv:.0%}")


def _corroborated(reading: FieldReading, witnesses: list[FieldReading]) -> FieldReading:
    """A doubtful amount that a trusted reading elsewhere states exactly is trusted."""
    if reading.trusted or reading.type_doubtful:
        return reading
    if any(w.trusted and same("amount", w.value, reading.value) for w in witnesses):
        return replace(reading, trusted=True)
    return reading
