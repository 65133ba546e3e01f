"""The vehicle registration certificate (机动车登记证书): owner, VIN, certificate number."""

from __future__ import annotations

import re

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading.extract import Fields, Page, digits_field, name_field, plausible_name, value_of, vin_field
from autopass.reading.layout import Found
from autopass.reading.text import is_name, read_name

DOCUMENT_TYPE = DocumentType.VEHICLE_REGISTRATION

_OWNER = re.compile(r"([\u4e00-\u9fff·]{2,}?)(?:/[\u4e00-\u9fff]{0,2}|/?居民)?身份证")
"""张伟/居民身份证: the name is what stands before the slash, however 居民 was misread (江蕾/瑶民身份证
read 瑶民 as the owner); the slash may be lost (张伟居民身份证)."""


def read(context: Page) -> Fields:
    return {
        "owner_name": _owner_name(context),
        "vin": vin_field(context),
        "registration_number": digits_field(context, "registration_number"),
    }


def _owner_name(context: Page) -> FieldValue:
    """张伟/居民身份证/3702...: the name before the identity document, wherever the long label
    (机动车所有人/身份证明名称/号码) wrapped; its tail (码) may land in front of the name. Where the
    name stands in a cell of its own (the booklet: 机动车所有人 | 张伟 | 身份证明名称/号码 | 居民身份证
    3702...), what stands before 身份证 is a label, no name: the value after the owner's label is."""
    owner = context.after("owner_name")
    start_row = owner.row_index if owner is not None else 0
    for index in range(start_row, len(context.rows)):
        row = context.rows[index]
        for match in _OWNER.finditer(row.text):
            name = match.group(1)
            if name.endswith("身份证明名称") or "所有人" in name:
                continue
            trimmed = re.sub(r"^(?:号码|码|号)(?=[\u4e00-\u9fff]{2,})", "", name)
            if not is_name(read_name(trimmed).value, context.stops):
                continue
            begin = match.start(1) + len(name) - len(trimmed)
            found = Found(trimmed, index, begin, begin + len(trimmed), row)
            return value_of(plausible_name(read_name(trimmed), found), found)
    return name_field(context, "owner_name", owner) if owner is not None else FieldValue(value=None, confidence=0.0)
