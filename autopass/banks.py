"""Issuer identification numbers (BIN) of Chinese debit cards: one place for bank names.

Used by the sample generator to print real-looking cards and by extraction to confirm a bank
name that OCR read (the printed name and the BIN must agree).
"""

from __future__ import annotations

BANKS_BY_BIN: dict[str, str] = {
    "622202": "中国工商银行",
    "622848": "中国农业银行",
    "621700": "中国建设银行",
    "622700": "中国建设银行",
    "621661": "中国银行",
    "622262": "交通银行",
    "622588": "招商银行",
    "621799": "中国邮政储蓄银行",
    "622908": "兴业银行",
}


def bank_for_card(card_number: str) -> str | None:
    """The bank that issued ``card_number``, when its BIN is known."""
    return BANKS_BY_BIN.get(card_number[:6])
