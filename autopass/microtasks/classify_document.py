"""``classify_document``: which document a page (or a region of it) shows."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from autopass.documents import DocumentType
from autopass.dossier import CheckResult, DocumentResult
from autopass.microtasks import MicroTaskKind
from autopass.microtasks.base import (
    AnswerError,
    AnswerModel,
    Facts,
    MicroTaskSpec,
    MicroTaskType,
    SettledTask,
    ValueShown,
    Witness,
    all_types,
    answers_to,
    people,
    second_look,
    spec_for,
)
from autopass.standards import Standard

if TYPE_CHECKING:
    from autopass.crops import PayloadView


class ClassifyDocumentAnswer(AnswerModel):
    """Which document the image shows."""

    type: DocumentType


class ClassifyDocument(MicroTaskType):
    kind = MicroTaskKind.CLASSIFY_DOCUMENT
    answer_model = ClassifyDocumentAnswer
    label = "证件分类 Classify document"
    keys = "<kbd>1</kbd>–<kbd>9</kbd> 选择类型 Pick the type"
    asked_in_order = 30
    offers_options = True

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        """A doubt about a document's type: one task per page in doubt (two people, blind, when
        the check fails on the type one person gave)."""
        if not any(ref.field == "type" for ref in check.subjects):
            return None
        return [
            spec_for(
                self.kind,
                check,
                (ref,),
                "这是什么证件? Which document is this?",
                options=tuple(t.value for t in DocumentType),
                required_answers=2 if second_look(check, documents.get(ref.document), "type")
                else answers_to(standard, self.kind),
            )
            for ref in check.subjects
            if ref.field == "type"
        ]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        """The whole document (or what an earlier round showed of it), and the machine's guess
        when one person answers and the machine gave the type."""
        ref = spec.subjects[0]
        document = view.documents.get(ref.document)
        shown: dict[str, Any] = {"crops": {"document": view.saver.save(view.images, ref.document, None)
                                           or view.images.shown_of(ref.document, ref.field)}}
        if document is not None:
            if spec.required_answers == 1 and document.type_source == "ocr":
                # Blind, or a type a person gave (asked again): nobody is shown it as a guess.
                shown["machine_guess"] = document.type.value
            shown["file"] = document.file
            if document.problem:
                shown["problem"] = document.problem
        return shown

    def option_label(self, value: str) -> str:
        return DocumentType(value).label

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": form.get("type", "")}

    def check_choice(self, answer: AnswerModel, payload: dict[str, Any]) -> None:
        assert isinstance(answer, ClassifyDocumentAnswer)
        options = payload.get("options") or all_types()
        if answer.type.value not in options:
            raise AnswerError(
                f"answer to a classify_document task: {answer.type.value!r} is not one of the "
                f"options {', '.join(options)}"
            )

    def apply(self, answer: ClassifyDocumentAnswer, task: SettledTask, facts: Facts) -> None:
        """The type people gave; ``agreed`` when decisive or the same as one person gave before."""
        for ref, document in facts.documents_about(task):
            again = document.by_one_person("type") and document.type == answer.type
            facts.documents[ref.document] = document.model_copy(update={
                "type": answer.type, "confidence": 1.0,
                "type_source": people(decisive=task.decisive, again=again)})

    def summary(self, answer: ClassifyDocumentAnswer, shown: ValueShown) -> str:
        return answer.type.value

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        if witness.subject() is None:
            return None
        return {"type": witness.true_type()}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        """Another of the offered types."""
        options = payload.get("options") or all_types()
        return {"type": rng.choice([o for o in options if o != given["type"]])}


KIND = ClassifyDocument()
