"""``check_signature``: is the contract signed where the borrower signs?"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict

from autopass.dossier import CheckResult, DocumentResult
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import (
    AnswerModel,
    Facts,
    MicroTaskSpec,
    MicroTaskType,
    SettledTask,
    ValueShown,
    Witness,
    answers_to,
    given,
    spec_for,
    yes_or_no,
)
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView

SIGNATURE_FIELD = "signature_present"


class CheckSignatureAnswer(AnswerModel):
    """Is the contract signed where the borrower signs?"""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    signed: bool


class CheckSignature(MicroTaskType):
    kind = MicroTaskKind.CHECK_SIGNATURE
    answer_model = CheckSignatureAnswer
    label = "签字检查 Check signature"
    keys = "<kbd>Y</kbd> 已签 Signed · <kbd>N</kbd> 未签 Not signed"
    asked_in_order = 40

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """A doubt about a signature: one task per signature box."""
        if not any(ref.field == SIGNATURE_FIELD for ref in check.subjects):
            return None
        return [
            spec_for(self.kind, check, (ref,), "借款人已签字? Signed?",
                     required_answers=answers_to(standard, self.kind))
            for ref in check.subjects
            if ref.field == SIGNATURE_FIELD
        ]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """The signature box's crop."""
        return {"candidates": view.candidates(spec)}

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"signed": yes_or_no(form.get("signed"), self.kind)}

    def apply(self, answer: CheckSignatureAnswer, task: SettledTask, facts: Facts) -> None:
        for ref, document in facts.documents_about(task):
            document.fields[ref.field] = given(answer.signed, document.fields.get(ref.field),
                                               decisive=task.decisive)

    def summary(self, answer: CheckSignatureAnswer, shown: ValueShown) -> str:
        return "已签字 signed" if answer.signed else "未签字 not signed"

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        if witness.subject() is None or not witness.knows_value():
            return None
        return {"signed": bool(witness.true_value())}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"signed": not given["signed"]}


KIND = CheckSignature()
