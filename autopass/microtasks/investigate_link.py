"""``investigate_link`` (a senior's): is the dossier's applicant the same person as those of the
applications linked to it, and is it fraud? The verdict settles the findings in the store
(``autopass.risk.settle``, run by the finalize flow), not a document's field."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

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
)
from autopass.risk import RISK_CHECK_ID, Verdict
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class InvestigateLinkAnswer(AnswerModel):
    """Is the applicant the same person as those of the linked applications, and is it fraud?"""

    verdict: Verdict


class InvestigateLink(MicroTaskType):
    kind = MicroTaskKind.INVESTIGATE_LINK
    answer_model = InvestigateLinkAnswer
    label = "关联调查 Investigate link"
    keys = "<kbd>1</kbd>–<kbd>3</kbd> 结论 Verdict"
    asked_in_order = 10  # before anything else: other applicants' dossiers are at stake
    senior_only = True
    offers_options = True

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """The risk check's doubt: a senior investigates (never an operator)."""
        if check.id != RISK_CHECK_ID:
            return None
        return [MicroTaskSpec(kind=self.kind, check_ids=(check.id,),
                              subjects=(), question=f"关联调查 Investigate the link: {check.detail}",
                              role="senior",
                              options=tuple(verdict.value for verdict in Verdict))]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """Nothing of the documents: the page lists what the applications share (masked)."""
        return {"candidates": view.candidates(spec)}

    def option_label(self, value: str) -> str:
        return Verdict(value).label

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"verdict": form.get("verdict", "")}

    def apply(self, answer: InvestigateLinkAnswer, task: SettledTask, facts: Facts) -> None:
        """Nothing about the documents: the verdict settles findings in the store."""

    def summary(self, answer: InvestigateLinkAnswer, shown: ValueShown) -> str:
        return answer.verdict.value

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        """The ring planted by ``autopass samples`` is fraud; any other link is not one person."""
        verdict = Verdict.FRAUD_CONFIRMED if witness.fraud() else Verdict.NOT_SAME_PERSON
        return {"verdict": verdict.value}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"verdict": rng.choice([v.value for v in Verdict if v != given["verdict"]])}


KIND = InvestigateLink()
