"""The values of a dossier that link it to others, normalised so that two spellings of one value
meet: a phone with or without +86, a card number with spaces, an address with punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from autopass.documents import DocumentType
from autopass.dossier import Application, DocumentResult
from autopass.masking import mask_value

FACE = "face"  # a face cluster (``autopass.risk.faces``): joins the same graph as the values
VOICE = "voice"  # a voice cluster: the applicant's voice in a recorded call, searched the same way
NAME_LINKED = frozenset({"id_number"})  # linked by a different name; the others by an ID number
MIN_ADDRESS_LENGTH = 8  # shorter: a province or a city, which many applicants share
_NOT_IN_ADDRESSES = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Attribute:
    kind: str
    value: str

    @property
    def shown(self) -> str:
        """The value as a senior may read it: numbers masked, an address cut short."""
        if self.kind == FACE:
            return "同一张脸 same face"
        if self.kind == VOICE:
            return "同一声音 same voice"
        if self.kind.endswith("_photo"):
            return "同一张照片 same photo"
        if self.kind == "address":
            return f"{self.value[:6]}…"
        return mask_value("card_number", self.value)


def attributes_of(application: Application, documents: Iterable[DocumentResult],
                  kinds: Iterable[str]) -> list[Attribute]:
    """Every linkable value of the dossier among ``kinds`` (the standard's ``risk.links``)."""
    wanted = set(kinds)
    found = [
        Attribute("phone", _phone(application.applicant.phone or "")),
        Attribute("bank_card", _digits(application.loan.bank_card)),
        Attribute("vin", _compact(application.vehicle.vin).upper()),
        Attribute("id_number", _compact(application.applicant.id_number).upper()),
        *(Attribute("invoice_number", _digits(str(value)))
          for value in _read(documents, DocumentType.VEHICLE_INVOICE, "invoice_number")),
        *(Attribute("address", _address(str(value)))
          for value in _read(documents, DocumentType.ID_CARD_FRONT, "address")),
    ]
    kept = [attribute for attribute in found
            if attribute.kind in wanted and _long_enough(attribute)]
    return list(dict.fromkeys(kept))


def _read(documents: Iterable[DocumentResult], document_type: DocumentType,
          field: str) -> list[object]:
    return [document.fields[field].value for document in documents
            if document.type is document_type and field in document.fields
            and document.fields[field].value]


def _long_enough(attribute: Attribute) -> bool:
    minimum = MIN_ADDRESS_LENGTH if attribute.kind == "address" else 6
    return len(attribute.value) >= minimum


def _digits(text: str) -> str:
    return "".join(character for character in unicodedata.normalize("NFKC", text)
                   if character.isdigit())


def _phone(text: str) -> str:
    digits = _digits(text)
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _address(text: str) -> str:
    return _NOT_IN_ADDRESSES.sub("", unicodedata.normalize("NFKC", text))
