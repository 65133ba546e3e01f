"""``confirm_field``: a field's value as the person reads it on the crop (blind when two key it)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

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
    coerce,
    given,
    mistyped,
    second_look,
    spec_for,
)
from autopass.references import APPLICATION
from autopass.standards import Standard, needs_double_keying

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class ConfirmFieldAnswer(AnswerModel):
    """The field's value as the person reads it on the crop."""

    value: str = Field(min_length=1, max_length=200)

    @field_validator("value")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        trimmed = value.strip()
        if not trimmed:
            raise ValueError("type the value you read on the image")
        return trimmed


class ConfirmField(MicroTaskType):
    kind = MicroTaskKind.CONFIRM_FIELD
    answer_model = ConfirmFieldAnswer
    label = "字段核对 Confirm field"
    keys = "<kbd>Enter</kbd> 确认 Accept · 输入即更正 Type to correct"
    asked_in_order = 90  # the last: any other doubt about a document's field
    states_field_value = True

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """One task per field read on a document (keyed twice, blind, when the standard says so
        or the check fails on one person's value)."""
        specs = []
        for ref in check.subjects:
            if ref.document == APPLICATION:
                continue  # what the dealer keyed in is not re-read by people; the document is
            document = documents.get(ref.document)
            double = second_look(check, document, ref.field) or (
                document is not None and needs_double_keying(standard, document.type, ref.field))
            specs.append(
                spec_for(
                    self.kind,
                    check,
                    (ref,),
                    f"请核对{_printed_label(standard, document, ref.field)} ({ref.field}): "
                    "confirm or correct",
                    required_answers=2 if double else 1,
                )
            )
        return specs

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """The field's crop, with the machine's reading unless two people key it blind."""
        candidates = view.candidates(spec)
        if spec.required_answers > 1:
            for candidate in candidates:  # blind double keying: operators type without the OCR value
                # kept apart, never shown (pages and API show "value" only): what people type is
                # compared with it to measure the machine's error (``autopass.quality.measure``)
                candidate["machine_value"] = candidate.pop("value", None)
        return {"candidates": candidates}

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"value": form.get("value", "")}

    def apply(self, answer: ConfirmFieldAnswer, task: SettledTask, facts: Facts) -> None:
        for ref, document in facts.documents_about(task):
            kind = facts.standard.field_kind(f"{document.type.value}.{ref.field}")[0]
            document.fields[ref.field] = given(
                coerce(kind, answer.value), document.fields.get(ref.field), decisive=task.decisive)

    def summary(self, answer: ConfirmFieldAnswer, shown: ValueShown) -> str:
        return shown(answer.value)

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        if witness.subject() is None or not witness.knows_value():
            return None
        return {"value": str(witness.true_value())}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"value": mistyped(given["value"], rng)}


def _printed_label(standard: Standard, document: DocumentResult | None, field: str) -> str:
    """The label printed before the field on the document (公民身份号码), which operators know."""
    spec = standard.document_specs.get(document.type) if document else None
    field_spec = spec.fields.get(field) if spec else None
    if field_spec is None:
        return field
    return field_spec.title or (field_spec.labels[0] if field_spec.labels else field)


KIND = ConfirmField()
