"""Everything one dossier's documents print, decided before anything is drawn.

Renderers read only this; what they print is what they return as truth fields, so the truth can
never drift from the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from autopass.devtools.samples.people import Person, Vehicle

DocumentFields = dict[str, str | float | bool]


@dataclass(frozen=True)
class Facts:
    application_id: str
    product: str
    dealer_id: str
    dealer_name: str
    salesperson_id: str
    submitted_at: datetime
    person: Person
    vehicle: Vehicle
    card_number: str
    bank_name: str
    card_expiry: str
    loan_amount: float
    term_months: int
    lender: str
    contract_number: str
    signed: bool
    invoice_code: str
    invoice_number: str
    invoice_date: date
    invoice_buyer_name: str
    invoice_vin: str
    registration_number: str
    registration_date: date
    portrait_photo: Path
    selfie_photo: Path
    unsigned_marks: str = "none"
    invoice_qr_amount: float | None = None
    """The total the invoice's QR code carries when it is not the printed one (a raised price)."""
    selfie_mirrored: bool = False
    """The selfie drawn mirrored, as a front camera takes it: when the face set has one photo of
    the person, the selfie is then not the ID portrait's picture again (a recapture finding)."""
    """What an unsigned contract's page carries instead of a signature: ``UNSIGNED_MARKS``."""

    @property
    def licence_authority(self) -> str:
        region = self.person.region
        return f"{region.city or region.province}公安局交通警察支队"


UNSIGNED_MARKS = ("none", "fingerprint", "stray_mark")
"""An unsigned page left blank, with a fingerprint pressed in the box but no signature, or with
a pen mark somewhere else on the page: none of them is a signature."""


def ymd(day: date) -> str:
    return day.strftime("%Y-%m-%d")
