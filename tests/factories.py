"""The application.json every test starts from: CONTRACT §1's example, in one place."""

from __future__ import annotations

from typing import Any

from autopass.dossier import Application

APPLICATION: dict[str, Any] = {
    "application_id": "A20261128000123",
    "product": "new_car_loan",
    "dealer_id": "D-QD-017",
    "salesperson_id": "S-0442",
    "submitted_at": "2026-11-28T09:12:00+08:00",
    "applicant": {"name": "张伟", "id_number": "370202198803121230", "phone": "13800138000"},
    "vehicle": {"vin": "LSVAM4188C2184842", "price": 158000.00, "model": "大众 朗逸 2026款"},
    "loan": {"amount": 100000.00, "term_months": 36, "bank_card": "6222020200112233446"},
}


def make_application(application_id: str = APPLICATION["application_id"], **top_level: Any) -> Application:
    """The example application, with another id or other top-level values (dealer_id=...)."""
    return Application.model_validate({**APPLICATION, "application_id": application_id, **top_level})
