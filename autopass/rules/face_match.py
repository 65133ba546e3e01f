"""The selfie shows the person on the ID card's portrait, by per-engine score bands."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from autopass.documents import DocumentType
from autopass.dossier import FieldRef, Status
from autopass.references import StrictModel
from autopass.rules.base import (
    DossierFacts,
    Outcome,
    RuleModel,
)


class FaceThresholds(StrictModel):
    pass_at: float = Field(ge=0, le=1, description="Similarity at or above which faces match.")
    review_at: float = Field(
        ge=0, le=1, description="Similarity at or above which a human compares; below: fail."
    )

    @model_validator(mode="after")
    def _ordered(self) -> FaceThresholds:
        if self.review_at > self.pass_at:
            raise ValueError("review_at is above pass_at")
        return self

    def judge(self, score: float) -> tuple[Status, str]:
        """``pass``, ``review`` or ``fail`` for a similarity score, with the reason."""
        if score >= self.pass_at:
            return Status.PASS, f"score {score:.2f} >= {self.pass_at:.2f}"
        if score >= self.review_at:
            return Status.REVIEW, f"score {score:.2f} between {self.review_at:.2f} and {self.pass_at:.2f}"
        return Status.FAIL, f"score {score:.2f} < {self.review_at:.2f}"



class FaceMatch(RuleModel):
    """The selfie shows the person on the ID card portrait (thresholds per face engine)."""

    type: Literal["face_match"]
    engines: dict[Literal["sface", "dlib", "insightface"], FaceThresholds] = Field(min_length=1)

    def check(self, dossier: DossierFacts) -> Outcome:
        """The selfie shows the person on the ID card, by the standard's thresholds for this engine."""
        subjects = [FieldRef(document=d.key, field="portrait")
                    for d in dossier.documents_of(DocumentType.ID_CARD_FRONT)]
        subjects += [FieldRef(document=d.key, field="face")
                     for d in dossier.documents_of(DocumentType.SELFIE)]
        thresholds = self.engines.get(dossier.face_engine)  # type: ignore[call-overload]
        face = dossier.face
        if thresholds is None:
            return Outcome(Status.REVIEW, f"no thresholds for face engine {dossier.face_engine!r}",
                           subjects)
        if face is not None and face.confirmed_by is not None:
            said = "same person" if face.status == Status.PASS else "different people"
            return Outcome(face.status, f"a person compared the faces: {said}", subjects)
        if face is None or face.score is None:
            why = face.detail if face and face.detail else "faces were not compared"
            return Outcome(Status.REVIEW, f"no face score: {why}", subjects)
        status, detail = thresholds.judge(face.score)
        if status == Status.PASS:
            verdict = Outcome(status, detail)
        else:
            suffix = ": a person compares" if status == Status.REVIEW else ""
            verdict = Outcome(status, detail + suffix, subjects)
        if (face.status != Status.PASS and verdict.status == Status.PASS) or (
            face.status == Status.REVIEW and verdict.status == Status.FAIL
        ):
            note = f"; face check says {face.status.value}" + (f": {face.detail}" if face.detail else "")
            return Outcome(Status.REVIEW, verdict.detail + note, subjects)
        return verdict
