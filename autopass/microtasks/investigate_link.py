"""``investigate_link`` (a senior's): is the dossier's applicant the same person as those of the
applications linked to it, and is it fraud? The verdict settles the findings in the store
(``autopass.risk.settle``, run by the finalize flow), not a document's field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autopass.dossier import CheckResult
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import AnswerModel, MicroTaskSpec, SeniorVerdict, Witness
from autopass.risk import RISK_CHECK_ID, Verdict

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class InvestigateLinkAnswer(AnswerModel):
    """Is the applicant the same person as those of the linked applications, and is it fraud?"""

    verdict: Verdict


class InvestigateLink(SeniorVerdict):
    kind = MicroTaskKind.INVESTIGATE_LINK
    answer_model = InvestigateLinkAnswer
    verdicts = Verdict
    check_id = RISK_CHECK_ID
    label = "关联调查 Investigate link"
    keys = "<kbd>1</kbd>–<kbd>3</kbd> 结论 Verdict"
    asked_in_order = 10  # before anything else: other applicants' dossiers are at stake

    def question(self, check: CheckResult) -> str:
        return f"关联调查 Investigate the link: {check.detail}"

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """Nothing of the documents: the page lists what the applications share (masked)."""
        return {"candidates": view.candidates(spec)}

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        """The ring planted by ``autopass samples`` is fraud; any other link is not one person."""
        verdict = Verdict.FRAUD_CONFIRMED if witness.fraud() else Verdict.NOT_SAME_PERSON
        return {"verdict": verdict.value}


KIND = InvestigateLink()
