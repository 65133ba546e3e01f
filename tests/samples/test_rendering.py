"""What is printed is what truth.json says: the real OCR engine reads clean renderings back."""

from __future__ import annotations

import numpy as np
import pytest

from autopass.documents import DocumentType
from autopass.devtools.samples.faces import load_face_source
from autopass.devtools.samples.generator import dossier_rng, plan_dossier
from autopass.devtools.samples.templates import templates_of


@pytest.fixture(scope="module")
def read_text():
    from rapidocr import RapidOCR

    engine = RapidOCR()
    return lambda image: "".join(engine(np.asarray(image.convert("RGB"))).txts).replace(" ", "")


@pytest.mark.parametrize(
    "doc_type", [DocumentType.ID_CARD_FRONT, DocumentType.ID_CARD_BACK, DocumentType.BANK_CARD]
)
def test_ocr_reads_back_the_truth_fields(doc_type: DocumentType, read_text) -> None:
    rng = dossier_rng(21, 1)
    facts = plan_dossier(rng, load_face_source(None), 0.0).facts
    image, fields = templates_of(doc_type)[0].render(facts, rng)
    text = read_text(image)
    for key, value in fields.items():
        if key == "birth_date":
            year, month, day = (int(part) for part in value.split("-"))
            value = f"{year}年{month}月{day}日"
        elif key in ("valid_from", "valid_to") and value != "长期":
            value = value.replace("-", ".")
        assert str(value) in text, (key, value, text)
