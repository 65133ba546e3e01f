"""``review_channel`` (a senior's): a dossier of a dealer or salesperson under watch
(``autopass.risk.channel``), looked at whole: pass it or reject it. The verdict decides the
dossier's ``channel_not_under_watch`` check (``tasks/channel.py``), not a document's field."""

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
from autopass.risk.channel import CHANNEL_CHECK_ID, ChannelVerdict
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class ReviewChannelAnswer(AnswerModel):
    """Pass the watched channel's dossier, or reject it."""

    verdict: ChannelVerdict


class ReviewChannel(MicroTaskType):
    kind = MicroTaskKind.REVIEW_CHANNEL
    answer_model = ReviewChannelAnswer
    label = "渠道复核 Channel review"
    keys = "<kbd>1</kbd> 放行 Pass · <kbd>2</kbd> 拒绝 Reject"
    asked_in_order = 11  # after the links: both are about more than this dossier's documents
    senior_only = True
    offers_options = True

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """The dealer or salesperson is under watch: a senior looks at the whole dossier."""
        if check.id != CHANNEL_CHECK_ID:
            return None
        return [MicroTaskSpec(kind=self.kind, check_ids=(check.id,), subjects=(),
                              question=f"渠道风险 Channel risk: {check.detail}. "
                              "Look at the whole dossier, then pass or reject it",
                              role="senior",
                              options=tuple(verdict.value for verdict in ChannelVerdict))]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """Nothing cropped: the senior opens the dossier's page."""
        return {}

    def option_label(self, value: str) -> str:
        return ChannelVerdict(value).label

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"verdict": form.get("verdict", "")}

    def apply(self, answer: ReviewChannelAnswer, task: SettledTask, facts: Facts) -> None:
        """Nothing about the documents: the verdict decides the channel check."""

    def summary(self, answer: ReviewChannelAnswer, shown: ValueShown) -> str:
        return answer.verdict.value

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        """A dossier with no planted defect or fraud passes; any other is rejected."""
        verdict = ChannelVerdict.PASS if witness.genuine() else ChannelVerdict.REJECT
        return {"verdict": verdict.value}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"verdict": next(v.value for v in ChannelVerdict if v != given["verdict"])}


KIND = ReviewChannel()
