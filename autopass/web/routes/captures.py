"""``POST /api/v1/captures/check``: one photo checked while the customer is still in the store.

The dealer's key as for the rest of the dealer API; the photo travels base64-encoded in a JSON body
held in memory (nothing is written to disk or stored: the dealer submits the dossier when every
photo is good). The verdict is ``autopass.capture_check``'s: the pipeline's own reader and the
product standard's confidence.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from autopass.capture_check import CaptureVerdict, check_capture
from autopass.documents import DocumentType
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import ImageError, StandardsError
from autopass.imaging import decode_photo
from autopass.standards import load_document_specs, load_standard
from autopass.web.deps import SettingsDep
from autopass.web.routes.dealer_api import REFUSALS, PREFIX, DealerCaller

router = APIRouter(prefix=PREFIX, tags=["dealer API"])
CAPTURES_PATH = f"{PREFIX}/captures/check"


class CaptureToCheck(BaseModel):
    photo: str = Field(description="The JPEG or PNG photo, base64-encoded.")
    expected_type: DocumentType | None = Field(
        None, description="What the photo should show; another type is a problem.",
        examples=["id_card_front"])
    product: str = Field("new_car_loan", max_length=64,
                         description="Whose standard's confidence the fields must reach.")
    stated: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=200)]] = (
        Field(default_factory=dict, max_length=20, examples=[{"id_number": "370202198803121230"}],
              description="Values the document should carry, by field name (CONTRACT §2)."))


class LegibilityOut(BaseModel):
    text_height_px: int | None
    sharpness: float
    glare_share: float
    cut_off: bool


class FieldOut(BaseModel):
    value: Any
    confidence: float
    trusted: bool = Field(description="Read with the confidence the product's standard asks for.")
    agrees: bool | None = Field(description="With the stated value; null when none was stated.")


class DocumentOut(BaseModel):
    type: DocumentType
    confidence: float
    region: list[int] | None
    fields: dict[str, FieldOut]
    legibility: LegibilityOut
    problems: list[str]


class CaptureChecked(BaseModel):
    ok: bool = Field(description="The pipeline would read this photo unaided.")
    problems: list[str] = Field(examples=[["id_card_front.id_number: unsure (0.71 < 0.95)"]])
    hints: list[str] = Field(description="What to change when taking the photo again.",
                             examples=[["glare: tilt the document away from the light"]])
    documents: list[DocumentOut]


@router.post("/captures/check", response_model=CaptureChecked, summary="Check a photo on the spot",
             responses={key: REFUSALS[key] for key in (401, 413, 422, 429)})
def check_a_capture(body: CaptureToCheck, caller: DealerCaller,
                    settings: SettingsDep) -> CaptureChecked:
    """Read the photo as the pipeline would and say whether it goes through, what was read, and
    what to change; nothing is stored."""
    try:
        data = base64.b64decode(body.photo, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "photo: not base64") from None
    if len(data) > settings.max_file_bytes:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                            f"photo: above {settings.max_file_bytes} bytes (AUTOPASS_MAX_FILE_BYTES)")
    try:
        image = decode_photo(data, "photo", settings)
        standard = load_standard(body.product, settings)
    except ImageError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"photo: {error.problem}") from None
    except StandardsError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"product: {error}") from None
    verdict = check_capture(image, standard=standard, specs=load_document_specs(settings),
                            ocr=get_ocr_engine(settings), face=get_face_engine(settings),
                            stated=body.stated, expected_type=body.expected_type)
    return _answer(verdict)


def _answer(verdict: CaptureVerdict) -> CaptureChecked:
    return CaptureChecked(
        ok=verdict.ok, problems=verdict.problems, hints=verdict.hints,
        documents=[DocumentOut(
            type=document.type, confidence=document.confidence, region=document.region,
            fields={name: FieldOut(**vars(checked)) for name, checked in document.fields.items()},
            legibility=LegibilityOut(**vars(document.legibility)), problems=document.problems)
            for document in verdict.documents])
