"""The loan contract's signature page (贷款合同签字页): borrower, ID number, amount, and whether
the borrower's box carries a signature (judged by its ink, ``autopass.reading.signature``)."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.reading.extract import (
    Fields,
    Page,
    amount_field,
    id_number_field,
    name_field,
    signature_field,
)

DOCUMENT_TYPE = DocumentType.LOAN_CONTRACT


def read(context: Page) -> Fields:
    return {
        "borrower_name": name_field(context, "borrower_name"),
        "id_number": id_number_field(context, "id_number"),
        "loan_amount": amount_field(context, "loan_amount"),
        "signature_present": signature_field(context),
    }
