"""The application.json every test starts from (CONTRACT §1's example), and the smallest files
that exercise the image door (a PDF of any pages and size, a PNG that is only a header)."""

from __future__ import annotations

import struct
import zlib
from typing import Any

from autopass.documents import DocumentType
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


SINGLE_LAYOUTS: dict[DocumentType, str] = {
    DocumentType.DRIVING_LICENCE: "driving_licence_2022",
    DocumentType.BANK_CARD: "bank_card_horizontal",
    DocumentType.VEHICLE_REGISTRATION: "vehicle_registration_a4",
    DocumentType.SELFIE: "selfie_watermark_camera",
}
"""The templates these types were drawn with while each had one (``Plan.pinned_templates``): a
test written on a generated dossier keeps its pixels; each template has tests of its own."""


def make_application(application_id: str = APPLICATION["application_id"], **top_level: Any) -> Application:
    """The example application, with another id or other top-level values (dealer_id=...)."""
    return Application.model_validate({**APPLICATION, "application_id": application_id, **top_level})


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds no pixels: all a bomb needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def pdf(page_count: int, width_points: int = 298, height_points: int = 420) -> bytes:
    """A minimal well-formed PDF of ``page_count`` blank pages of the given size (points)."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(page_count))
    page = f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_points} {height_points}] >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode()]
    objects += [page.encode()] * page_count
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out
