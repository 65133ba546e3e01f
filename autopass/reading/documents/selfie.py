"""The selfie taken at signing (面签照): no printed field; its face is found and compared by the
face step, not read here."""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.reading.extract import Fields, Page

DOCUMENT_TYPE = DocumentType.SELFIE


def read(context: Page) -> Fields:
    """Nothing printed to read (its one field, the face, is of kind ``face``)."""
    return {}
