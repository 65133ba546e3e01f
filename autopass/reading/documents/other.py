"""A page of no known type (其他): it carries no field."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.reading.extract import Fields, Page

DOCUMENT_TYPE = DocumentType.OTHER


def read(context: Page) -> Fields:
    """No field to read."""
    return {}
