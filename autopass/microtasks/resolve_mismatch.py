"""``resolve_mismatch``: the right value among conflicting ones (or typed), chosen by a senior or
an operator; also the senior's question about a doubt with nothing to look at."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from autopass.dossier import CheckResult, DocumentResult, Status
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import (
    TYPED,
    AnswerError,
    AnswerModel,
    Facts,
    MicroTaskSpec,
    MicroTaskType,
    SettledTask,
    ValueShown,
    Witness,
    candidate_source,
    candidate_sources,
    candidate_value,
    coerce,
    given,
    mistyped,
    spec_for,
)
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class ResolveMismatchAnswer(AnswerModel):
    """The right value, and where it came from (a candidate's ``source``, or ``typed`` when the
    senior typed it)."""

    value: str | int | float
    source: str = Field(min_length=1, max_length=300)

    @field_validator("value")
    @classmethod
    def _not_blank(cls, value: str | float) -> str | int | float:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("choose a value or type one")
        return value


class ResolveMismatch(MicroTaskType):
    kind = MicroTaskKind.RESOLVE_MISMATCH
    answer_model = ResolveMismatchAnswer
    label = "差异裁定 Resolve mismatch"
    keys = "<kbd>1</kbd>–<kbd>{candidates}</kbd> 选择 Choose · <kbd>T</kbd> 输入 Type"
    asked_in_order = 50
    states_field_value = True
    shows_candidates = True
    shows_parent_crops = True

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """A doubt with nothing to look at (a senior decides), or values of two sources or more
        that differ (which is right?)."""
        if not check.subjects:
            # A doubt with nothing to look at cannot be settled by an operator: a senior decides.
            return [MicroTaskSpec(kind=self.kind, check_ids=(check.id,), subjects=(),
                                  question=f"{check.id}: {check.detail}", role="senior")]
        sources = {ref.document for ref in check.subjects}
        if check.status is Status.FAIL and len(sources) >= 2:
            return [spec_for(self.kind, check, check.subjects, "哪个值正确? Which is right?")]
        return None

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """Each source's value with its crop."""
        return {"candidates": view.candidates(spec)}

    def key_hint(self, candidates: int) -> str:
        return self.keys.format(candidates=candidates)

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        """A candidate's key (``choice``), or a value typed instead."""
        choice = form.get("choice")
        if choice is None:
            return {"value": form.get("value", ""), "source": TYPED}
        candidates = payload.get("candidates") or []
        if not str(choice).isdigit() or not 1 <= int(choice) <= len(candidates):
            raise AnswerError(f"answer to a {self.kind} task: choice {choice!r} is not a candidate")
        chosen = candidates[int(choice) - 1]
        return {"value": candidate_value(chosen), "source": candidate_source(chosen)}

    def check_choice(self, answer: AnswerModel, payload: dict[str, Any]) -> None:
        assert isinstance(answer, ResolveMismatchAnswer)
        sources = candidate_sources(payload)
        if answer.source != TYPED and answer.source not in sources:
            raise AnswerError(
                f"answer to a resolve_mismatch task: source {answer.source!r} is neither "
                f"{TYPED!r} nor one of the candidates ({', '.join(sources) or 'none'})"
            )

    def apply(self, answer: ResolveMismatchAnswer, task: SettledTask, facts: Facts) -> None:
        """Choosing one of the conflicting values stands behind what another gave; a value typed
        instead of choosing, a senior's too, is one person's: nobody else gave it."""
        for ref, document in facts.documents_about(task):
            kind = facts.standard.field_kind(f"{document.type.value}.{ref.field}")[0]
            document.fields[ref.field] = given(
                coerce(kind, answer.value), document.fields.get(ref.field),
                decisive=answer.source != TYPED)

    def summary(self, answer: ResolveMismatchAnswer, shown: ValueShown) -> str:
        value = shown(answer.value)
        return f"{value} (typed)" if answer.source == TYPED else f"{value} ← {answer.source}"

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        subject = witness.subject()
        if subject is None or not witness.knows_value():
            return None
        return {"value": witness.true_value(), "source": subject.document}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        """The value mistyped (then typed, not chosen)."""
        return {"value": mistyped(str(given["value"]), rng), "source": TYPED}


KIND = ResolveMismatch()
