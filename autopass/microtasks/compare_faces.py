"""``compare_faces``: do the ID portrait and the selfie show the same person?"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict

from autopass.dossier import CheckResult, DocumentResult, FaceResult, Status
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import (
    FACE_FIELDS,
    AnswerModel,
    Facts,
    MicroTaskSpec,
    MicroTaskType,
    SettledTask,
    ValueShown,
    Witness,
    answers_to,
    spec_for,
    yes_or_no,
)
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class CompareFacesAnswer(AnswerModel):
    """Do the ID portrait and the selfie show the same person?"""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    same_person: bool


class CompareFaces(MicroTaskType):
    kind = MicroTaskKind.COMPARE_FACES
    answer_model = CompareFacesAnswer
    label = "人脸比对 Compare faces"
    keys = "<kbd>Y</kbd> 同一人 Same · <kbd>N</kbd> 不同 Different"
    asked_in_order = 20

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """A doubt about a face (the portrait, the selfie): one task shows both."""
        if not any(ref.field in FACE_FIELDS for ref in check.subjects):
            return None
        return [spec_for(self.kind, check, check.subjects, "同一人吗? Same person?",
                         required_answers=answers_to(standard, self.kind))]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """The two faces, each with a margin around it (not the rest of the card)."""
        images = view.images
        return {"crops": {
            "portrait": view.saver.save(
                images, images.portrait_key, images.portrait_box, margin=0.4, whole_row=False
            ),
            "selfie": view.saver.save(
                images, images.selfie_key, images.selfie_box, margin=0.4, whole_row=False
            ),
        }}

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"same_person": yes_or_no(form.get("same_person"), self.kind)}

    def apply(self, answer: CompareFacesAnswer, task: SettledTask, facts: Facts) -> None:
        """The face comparison people made replaces the machine's (its score kept)."""
        face = facts.face
        facts.face = FaceResult(
            score=face.score if face else None,
            status=Status.PASS if answer.same_person else Status.FAIL,
            detail="same person" if answer.same_person else "different people",
            confirmed_by=task.answered_by,
        )

    def summary(self, answer: CompareFacesAnswer, shown: ValueShown) -> str:
        return "同一人 same person" if answer.same_person else "不是同一人 different people"

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        return {"same_person": witness.same_person()}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"same_person": not given["same_person"]}


KIND = CompareFaces()
