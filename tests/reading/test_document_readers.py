"""A document type is one unit: its YAML in ``standards/documents/`` and its reader module in
``autopass/reading/documents/``. A type without a reader is an error, never a page read as nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.reading.documents import MissingReaderError, extract_fields, reader_for
from autopass.settings import Settings
from autopass.standards import load_document_specs

SPEC_FILES = sorted((Settings().standards_dir / "documents").glob("*.yaml"))


def test_the_standards_describe_document_types() -> None:
    assert len(SPEC_FILES) >= len(DocumentType)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda path: path.stem)
def test_every_document_type_in_the_standards_has_a_reader(path: Path) -> None:
    """Its module is ``autopass/reading/documents/<type>.py``, beside the YAML's name."""
    document_type = DocumentType(path.stem)
    reader = reader_for(document_type)
    assert reader.DOCUMENT_TYPE == document_type
    assert reader.__name__ == f"autopass.reading.documents.{path.stem}"
    assert callable(reader.read)


def test_every_field_a_reader_returns_is_one_its_spec_names() -> None:
    """Read from no text at all, each reader returns its spec's fields, unread, and no other."""
    specs = load_document_specs(Settings())
    blank = np.zeros((400, 600, 3), np.uint8)
    for document_type, spec in specs.items():
        fields = extract_fields(document_type, [], blank, spec)
        expected = {name for name, field in spec.fields.items() if field.kind != "face"}
        assert set(fields) == expected, document_type
        assert all(value.value is None for value in fields.values()), document_type


def test_a_type_without_a_reader_is_an_error_naming_the_module_to_write(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules: importing the module fails as if its file were missing.
    monkeypatch.setitem(sys.modules, "autopass.reading.documents.vehicle_registration", None)
    spec = load_document_specs(Settings())[DocumentType.VEHICLE_REGISTRATION]
    with pytest.raises(MissingReaderError) as raised:
        extract_fields(DocumentType.VEHICLE_REGISTRATION, [], np.zeros((10, 10, 3), np.uint8), spec)
    assert str(raised.value) == ("no reader for document type 'vehicle_registration': add "
                                 "autopass/reading/documents/vehicle_registration.py")
