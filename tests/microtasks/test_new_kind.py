"""The README's recipe for a new kind of micro-task, walked with a kind of the test's own:
``check_stamp`` (is the invoice stamped by the tax office?). Its class is what
``autopass/microtasks/check_stamp.py`` would hold; its page what ``tasks/check_stamp.html`` would.
It is not registered (``MicroTaskKind`` lists the shipped kinds): each part the recipe names is
called the way routing, crops, the page, the finalize flow and the simulated operators call it."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ConfigDict

from autopass.crops import CropSaver, DocumentImages, PayloadView
from autopass.dossier import CheckResult, DocumentResult, FieldRef, Status
from autopass.microtasks.base import (
    AnswerModel,
    Facts,
    MicroTaskSpec,
    MicroTaskType,
    SettledTask,
    ValueShown,
    Witness,
    given,
    spec_for,
    yes_or_no,
)
from autopass.settings import Settings
from autopass.standards import Standard, load_standard
from tests.microtasks.test_kinds import assert_complete

INVOICE = "invoice.jpg#1"
PAGE = """<div class="stamp">{% include "tasks/_crops.html" %}</div>
<form method="post" action="/tasks/{{ task.id }}/answer" class="yes-no">
  {% include "tasks/_csrf.html" %}
  <button type="submit" name="stamped" value="yes" data-key="y"><kbd>Y</kbd>已盖章 Stamped</button>
  <button type="submit" name="stamped" value="no" data-key="n"><kbd>N</kbd>未盖章 Not stamped</button>
</form>"""


class CheckStampAnswer(AnswerModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    stamped: bool


class CheckStamp(MicroTaskType):
    kind = "check_stamp"  # type: ignore[assignment]  # registered: MicroTaskKind.CHECK_STAMP
    answer_model = CheckStampAnswer
    label = "盖章检查 Check stamp"
    keys = "<kbd>Y</kbd> 已盖章 Stamped · <kbd>N</kbd> 未盖章 Not stamped"
    asked_in_order = 45

    def ask(self, standard: Standard, check: CheckResult,
            documents: dict[str, DocumentResult]) -> list[MicroTaskSpec] | None:
        if not any(ref.field == "stamp_present" for ref in check.subjects):
            return None
        return [spec_for(self.kind, check, (ref,), "发票已盖章? Stamped?")  # type: ignore[arg-type]
                for ref in check.subjects if ref.field == "stamp_present"]

    def show(self, spec: MicroTaskSpec, view: PayloadView) -> dict[str, Any]:
        ref = spec.subjects[0]
        return {"crops": {"document": view.saver.save(view.images, ref.document, None)}}

    def from_form(self, payload: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
        return {"stamped": yes_or_no(form.get("stamped"), self.kind)}

    def apply(self, answer: CheckStampAnswer, task: SettledTask, facts: Facts) -> None:
        for ref, document in facts.documents_about(task):
            document.fields[ref.field] = given(answer.stamped, document.fields.get(ref.field),
                                               decisive=task.decisive)

    def summary(self, answer: CheckStampAnswer, shown: ValueShown) -> str:
        return "已盖章 stamped" if answer.stamped else "未盖章 not stamped"

    def simulated_answer(self, witness: Witness) -> dict[str, Any] | None:
        if witness.subject() is None or not witness.knows_value():
            return None
        return {"stamped": bool(witness.true_value())}

    def slipped(self, given: dict[str, Any], payload: dict[str, Any],
                rng: random.Random) -> dict[str, Any]:
        return {"stamped": not given["stamped"]}


class _Stamped:
    def subject(self) -> FieldRef | None:
        return FieldRef(document=INVOICE, field="stamp_present")

    def knows_value(self) -> bool:
        return True

    def true_value(self) -> Any:
        return True


def test_a_new_kind_made_by_the_recipe_does_what_the_kinds_do(
    settings: Settings, tmp_path: Path
) -> None:
    kind = CheckStamp()
    assert_complete(kind, PAGE)
    standard = load_standard("new_car_loan", settings)
    invoice = DocumentResult(file="invoice.jpg", type="vehicle_invoice", confidence=0.9)
    doubt = CheckResult(id="invoice_is_stamped", status=Status.REVIEW,
                        subjects=[FieldRef(document=INVOICE, field="stamp_present")])

    # routing asks it; another kind's doubt is not its own
    [spec] = kind.ask(standard, doubt, {INVOICE: invoice}) or []
    assert spec.subjects == (FieldRef(document=INVOICE, field="stamp_present"),)
    other = doubt.model_copy(update={"subjects": [FieldRef(document=INVOICE, field="vin")]})
    assert kind.ask(standard, other, {INVOICE: invoice}) is None

    # it shows the invoice, cut into the crops folder
    images = DocumentImages({INVOICE: np.full((120, 200, 3), 255, dtype=np.uint8)})
    shown = kind.show(spec, PayloadView({INVOICE: invoice}, {}, images,
                                        CropSaver(tmp_path, "a1")))
    assert (tmp_path / shown["crops"]["document"]).is_file()

    # the page's Y is its answer; the answer becomes a fact people gave
    answer = kind.answer_model.model_validate(kind.from_form(shown, {"stamped": "yes"}))
    facts = Facts(standard=standard, documents={INVOICE: invoice}, face=None)
    kind.apply(answer, SettledTask(kind=kind.kind, subjects=spec.subjects,  # type: ignore[arg-type]
                                   resolution=answer.model_dump(), answered_by="olga"), facts)
    stamp = facts.documents[INVOICE].fields["stamp_present"]
    assert (stamp.value, stamp.source) == (True, "human")
    assert kind.summary(answer, str) == "已盖章 stamped"

    # the simulated operator answers it, and slips the other way
    truthful = kind.simulated_answer(_Stamped())  # type: ignore[arg-type]
    assert truthful == {"stamped": True}
    assert kind.slipped(truthful, shown, random.Random(0)) == {"stamped": False}
