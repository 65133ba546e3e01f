"""``review_channel`` (a senior's): a dossier of a dealer or salesperson under watch
(``autopass.risk.channel``), looked at whole: pass it or reject it. The verdict decides the
dossier's ``channel_not_under_watch`` check (``tasks/channel.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autopass.dossier import CheckResult
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import AnswerModel, MicroTaskSpec, SeniorVerdict, Witness
from autopass.risk.channel import CHANNEL_CHECK_ID, ChannelVerdict

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class ReviewChannelAnswer(AnswerModel):
    """Pass the watched channel's dossier, or reject it."""

    verdict: ChannelVerdict


class ReviewChannel(SeniorVerdict):
    kind = MicroTaskKind.REVIEW_CHANNEL
    answer_model = ReviewChannelAnswer
    verdicts = ChannelVerdict
    check_id = CHANNEL_CHECK_ID
    label = "渠道复核 Channel review"
    keys = "<kbd>1</kbd> 放行 Pass · <kbd>2</kbd> 拒绝 Reject"
    asked_in_order = 11  # after the links: both are about more than this dossier's documents

    def question(self, check: CheckResult) -> str:
        return (f"渠道风险 Channel risk: {check.detail}. "
                "Look at the whole dossier, then pass or reject it")

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """Nothing cropped: the senior opens the dossier's page."""
        return {}

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        """A dossier with no planted defect or fraud passes; any other is rejected."""
        verdict = ChannelVerdict.PASS if witness.genuine() else ChannelVerdict.REJECT
        return {"verdict": verdict.value}


KIND = ReviewChannel()
