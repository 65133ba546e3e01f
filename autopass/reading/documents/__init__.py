"""One reader per document type, each in its own module beside its ``standards/documents/<type>.yaml``.

A module names its ``DOCUMENT_TYPE``, reads its fields (``read(page) -> Fields``) with the shared
field readers of ``autopass.reading.extract``, and may say which value to look under for a row the
detector lost (``look_below``). To add a document type: its YAML, its ``DocumentType``, and its
module here, named after the type (found by that name); a type without a reader is an error, never
a page read as nothing (``tests/reading/test_document_readers.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from types import ModuleType

import numpy as np

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.engines.base import TextLine
from autopass.reading.extract import Fields, Page
from autopass.reading.layout import build_rows
from autopass.reading.text import is_name
from autopass.standards import DocumentSpec


class MissingReaderError(LookupError):
    """A document type with a spec but no reader module."""


def reader_for(document_type: DocumentType) -> ModuleType:
    """The reader module of ``document_type`` (``<type>.py`` here); an error naming the module to
    write when none."""
    name = f"{__name__}.{document_type.value}"
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the reader itself imports something missing: its own error
            raise
        raise MissingReaderError(
            f"no reader for document type {document_type.value!r}: add "
            f"autopass/reading/documents/{document_type.value}.py"
        ) from None


def extract_fields(
    document_type: DocumentType,
    lines: Sequence[TextLine],
    image: np.ndarray,
    spec: DocumentSpec,
) -> Fields:
    """The fields of ``spec`` read from ``lines`` (coordinates of the upright ``image``); a field
    not read is there with ``value=None``. A label broken over lines is joined first."""
    rows = build_rows(lines, spec.printed_labels)
    fields = reader_for(document_type).read(Page(rows=rows, spec=spec, stops=spec.printed_labels, image=image))
    for name, field_spec in spec.fields.items():
        if field_spec.kind != "face" and name not in fields:
            fields[name] = FieldValue(value=None, confidence=0.0)
        elif field_spec.kind == "name" and not is_name(fields[name].value, spec.printed_labels):
            # However it was found (after a label, under it, by a layout's fallback): a value
            # that is no name (贷款人, a bank, a clause) is unread, for a person to key.
            fields[name] = fields[name].model_copy(update={"value": None, "confidence": 0.0})
    return fields


def value_to_look_below(document_type: DocumentType, fields: Fields) -> FieldValue | None:
    """A value read under which lies a row the page-wide detector may have lost (the reader's
    ``look_below``), or None."""
    look_below = getattr(reader_for(document_type), "look_below", None)
    return look_below(fields) if look_below is not None else None
