"""The document types of CONTRACT §2; their fields are described in ``standards/documents/``."""

from __future__ import annotations

from enum import StrEnum


class DocumentType(StrEnum):
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    DRIVING_LICENCE = "driving_licence"
    BANK_CARD = "bank_card"
    VEHICLE_INVOICE = "vehicle_invoice"
    VEHICLE_REGISTRATION = "vehicle_registration"
    LOAN_CONTRACT = "loan_contract"
    SELFIE = "selfie"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The name an operator in a Chinese operations centre knows the document by."""
        return _LABELS[self]


_LABELS = {
    DocumentType.ID_CARD_FRONT: "身份证人像面",
    DocumentType.ID_CARD_BACK: "身份证国徽面",
    DocumentType.DRIVING_LICENCE: "驾驶证",
    DocumentType.BANK_CARD: "银行卡",
    DocumentType.VEHICLE_INVOICE: "机动车销售统一发票",
    DocumentType.VEHICLE_REGISTRATION: "机动车登记证书",
    DocumentType.LOAN_CONTRACT: "贷款合同签字页",
    DocumentType.SELFIE: "面签照",
    DocumentType.OTHER: "其他",
}
