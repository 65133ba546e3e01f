"""Field references and the strict model every standard's YAML is read into.

A reference names one value a rule reads: ``<document_type>.<field>`` (a field of every document of
that type) or ``application.<path>`` (what the dealer keyed in). This module is the leaf both the
standards and the rules stand on.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from autopass.documents import DocumentType

APPLICATION = "application"

# The application.json fields a rule may read, with the kind of value each holds (one place).
APPLICATION_FIELDS: dict[str, str] = {
    "applicant.name": "name",
    "applicant.id_number": "id_number",
    "applicant.phone": "text",
    "vehicle.vin": "vin",
    "vehicle.price": "amount",
    "vehicle.model": "text",
    "loan.amount": "amount",
    "loan.term_months": "number",
    "loan.bank_card": "card_number",
}
# Application fields whose values are personal data (never printed).
PERSONAL_APPLICATION_FIELDS = {"applicant.name", "applicant.id_number", "applicant.phone",
                               "loan.bank_card"}


class StrictModel(BaseModel):
    """A model of standards data: a misspelt key is an error, never a silent default."""

    model_config = ConfigDict(extra="forbid")


def split_reference(reference: str) -> tuple[str, str]:
    """``"vehicle_invoice.vin"`` -> ("vehicle_invoice", "vin"); ``"application.loan.amount"`` ->
    ("application", "loan.amount")."""
    source, _, field = reference.partition(".")
    return source, field


def check_reference(reference: str) -> str:
    source, field = split_reference(reference)
    if source == APPLICATION:
        if field not in APPLICATION_FIELDS:
            raise ValueError(
                f"unknown application field {field!r} (known: {', '.join(APPLICATION_FIELDS)})"
            )
    elif source not in DocumentType.__members__.values() or not field:
        raise ValueError(
            f"{reference!r} is not '<document_type>.<field>' or 'application.<field>'"
        )
    return reference


Reference = Annotated[
    str,
    AfterValidator(check_reference),
    Field(description="'<document_type>.<field>' or 'application.<path>'"),
]

