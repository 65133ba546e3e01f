"""The QR code of a vehicle invoice, read and compared with what the invoice prints.

Electronic (数电) invoices carry a QR code whose comma-separated fields are: version (``01``),
invoice kind, invoice code (empty on 数电 invoices), invoice number, amount, date (``YYYYMMDD``),
check code, and a checksum. The amount is the price before VAT on real invoices; the total printed
is that plus VAT, so a printed total matches a QR amount equal to it or to it less the VAT of the
vehicle sales rate. A printed number, date or total that the QR does not carry is a tamper
finding: somebody changed the print (a higher price for a larger loan) and not the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import zxingcpp

from autopass.dossier import DocumentResult

TAMPER = "invoice_qr_mismatch"
VEHICLE_VAT = 0.13


@dataclass(frozen=True)
class InvoiceQr:
    invoice_number: str
    amount: float
    invoice_date: date


def read_invoice_qr(image: np.ndarray) -> InvoiceQr | None:
    """The invoice QR code on ``image`` (an upright invoice), or None if it has none we can read."""
    for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        parsed = parse_invoice_qr(found.text)
        if parsed is not None:
            return parsed
    return None


def parse_invoice_qr(text: str) -> InvoiceQr | None:
    parts = text.strip().split(",")
    if len(parts) < 6 or parts[0] != "01":
        return None
    number, amount, day = parts[3].strip(), parts[4].strip(), parts[5].strip()
    try:
        return InvoiceQr(number, float(amount), date(int(day[:4]), int(day[4:6]), int(day[6:8])))
    except ValueError:
        return None


def qr_mismatches(qr: InvoiceQr, invoice: DocumentResult, *, min_confidence: float) -> list[str]:
    """The printed fields, read at least ``min_confidence`` sure, that the QR does not carry."""
    printed = {name: field.value for name, field in invoice.fields.items()
               if field.value not in (None, "") and field.confidence >= min_confidence}
    problems = []
    if "invoice_number" in printed and str(printed["invoice_number"]) != qr.invoice_number:
        problems.append("invoice_number")
    if "invoice_date" in printed and str(printed["invoice_date"]) != qr.invoice_date.isoformat():
        problems.append("invoice_date")
    if "price_total" in printed and not _same_amount(float(printed["price_total"]), qr.amount):  # type: ignore[arg-type]
        problems.append("price_total")
    return problems


def _same_amount(total: float, qr_amount: float) -> bool:
    before_vat = total - round(total / (1 + VEHICLE_VAT) * VEHICLE_VAT, 2)
    return abs(total - qr_amount) < 0.015 or abs(before_vat - qr_amount) < 0.015
