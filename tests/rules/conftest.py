"""Hand-built dossiers: a clean one that passes every rule, and helpers to spoil one field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from autopass.documents import DocumentType
from autopass.dossier import Application, DocumentResult, FaceResult, FieldValue, Status
from autopass.settings import PROJECT_ROOT, Settings
from autopass.standards import Standard, load_standard

TODAY = date(2026, 11, 28)
ID_NUMBER = "370202198803121230"  # born 1988-03-12, male
CARD = "6222020200112233446"
VIN = "LSVAM4188C2184842"

CLEAN_FIELDS: dict[DocumentType, dict[str, Any]] = {
    DocumentType.ID_CARD_FRONT: {
        "name": "张伟", "sex": "男", "ethnicity": "汉", "birth_date": "1988-03-12",
        "address": "山东省青岛市市南区香港中路10号", "id_number": ID_NUMBER, "portrait": True,
    },
    DocumentType.ID_CARD_BACK: {
        "issuing_authority": "青岛市公安局市南分局", "valid_from": "2016-03-01",
        "valid_to": "2036-03-01",
    },
    DocumentType.DRIVING_LICENCE: {
        "name": "张伟", "id_number": ID_NUMBER, "licence_class": "C1",
        "valid_from": "2015-06-01", "valid_to": "2031-06-01",
    },
    DocumentType.BANK_CARD: {"card_number": CARD, "bank_name": "中国工商银行"},
    DocumentType.VEHICLE_INVOICE: {
        "buyer_name": "张伟", "buyer_id_number": ID_NUMBER, "vin": VIN, "price_total": 158000.0,
        "invoice_number": "04123456", "invoice_date": "2026-11-20",
    },
    DocumentType.LOAN_CONTRACT: {
        "borrower_name": "张伟", "id_number": ID_NUMBER, "loan_amount": 100000.0,
        "signature_present": True,
    },
    DocumentType.SELFIE: {"face": True},
}


def make_application(**changes: Any) -> Application:
    """application.json of CONTRACT §1; ``changes`` like ``applicant__name="李娜"``."""
    data: dict[str, Any] = {
        "application_id": "A20261128000123",
        "product": "new_car_loan",
        "dealer_id": "D-QD-017",
        "salesperson_id": "S-0442",
        "submitted_at": "2026-11-28T09:12:00+08:00",
        "applicant": {"name": "张伟", "id_number": ID_NUMBER, "phone": "13800138000"},
        "vehicle": {"vin": VIN, "price": 158000.0, "model": "大众 朗逸 2026款"},
        "loan": {"amount": 100000.0, "term_months": 36, "bank_card": CARD},
    }
    for path, value in changes.items():
        section, key = path.split("__")
        data[section][key] = value
    return Application.model_validate(data)


def make_documents(confidence: float = 0.99) -> list[DocumentResult]:
    """One document per type, every field read with ``confidence``."""
    return [
        DocumentResult(
            file=f"IMG_{index:04d}.jpg",
            type=document_type,
            confidence=0.99,
            fields={name: FieldValue(value=value, confidence=confidence)
                    for name, value in fields.items()},
        )
        for index, (document_type, fields) in enumerate(CLEAN_FIELDS.items())
    ]


def document(documents: list[DocumentResult], document_type: DocumentType) -> DocumentResult:
    return next(d for d in documents if d.type == document_type)


def set_field(documents: list[DocumentResult], document_type: DocumentType, name: str,
              value: Any, confidence: float = 0.99) -> list[DocumentResult]:
    """Replace one field of one document (in place) and return the list."""
    document(documents, document_type).fields[name] = FieldValue(value=value, confidence=confidence)
    return documents


def drop(documents: list[DocumentResult], document_type: DocumentType) -> list[DocumentResult]:
    return [d for d in documents if d.type != document_type]


@pytest.fixture(scope="session")
def standard() -> Standard:
    """The shipped new-car standard (the real file, not a copy)."""
    return load_standard("new_car_loan", Settings(standards_dir=PROJECT_ROOT / "standards"))


@pytest.fixture(scope="session")
def used_standard() -> Standard:
    return load_standard("used_car_loan", Settings(standards_dir=PROJECT_ROOT / "standards"))


GOOD_FACE = FaceResult(score=0.95, status=Status.PASS)
