"""What a micro-task shows: crops written to disk, values only where the task is about them."""

from __future__ import annotations

import numpy as np
from PIL import Image

from autopass.crops import DocumentImages, build_payload
from autopass.documents import DocumentType
from autopass.dossier import DocumentResult, FieldRef, FieldValue, MicroTaskKind
from autopass.routing import MicroTaskSpec

CARD = DocumentResult(
    file="card.jpg",
    type=DocumentType.BANK_CARD,
    confidence=0.99,
    fields={"card_number": FieldValue(value="6228480012345678901", confidence=0.5, box=[300, 400, 200, 40])},
)


def spec(kind: MicroTaskKind, required_answers: int = 1) -> MicroTaskSpec:
    return MicroTaskSpec(kind=kind, check_ids=("bank_card_luhn_valid",),
                         subjects=(FieldRef(document="card.jpg#1", field="card_number"),),
                         question="?", required_answers=required_answers)


def payload(tmp_path, kind, required_answers=1):
    images = DocumentImages(images={"card.jpg#1": np.full((638, 1012, 3), 200, np.uint8)})
    return build_payload(spec(kind, required_answers), documents={"card.jpg#1": CARD},
                         application_values={}, images=images, crops_dir=tmp_path, prefix="A1/01")


def test_a_field_crop_reaches_along_the_row_around_the_value(tmp_path):
    data = payload(tmp_path, MicroTaskKind.CONFIRM_FIELD)
    [candidate] = data["candidates"]
    assert candidate["value"] == "6228480012345678901"
    with Image.open(tmp_path / candidate["crop"]) as crop:
        assert crop.size == (440, 88)  # 200 px + 2 x 120 px along the row, 40 px + 2 x 24 px margin


def test_blind_double_keying_hides_the_machine_reading(tmp_path):
    data = payload(tmp_path, MicroTaskKind.CONFIRM_FIELD, required_answers=2)
    assert "value" not in data["candidates"][0]
    assert data["candidates"][0]["crop"]
