"""Each kind of micro-task is complete in its own module (``autopass/microtasks/<kind>.py``) and
its template, and no other module carries a chain of cases over the kinds."""

from __future__ import annotations

import random
import re
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from autopass.answers import validate_answer
from autopass.dossier import FieldRef
from autopass.microtasks import ChoiceKind, MicroTaskKind, all_kinds, kind_of
from autopass.microtasks.base import AnswerModel, MicroTaskType

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "autopass" / "web" / "templates"
KIND_NAME = re.compile(
    r"MicroTaskKind\.([A-Z_]+)|[\"'](" + "|".join(kind.value for kind in MicroTaskKind) + r")[\"']"
)


def assert_complete(spec: MicroTaskType, template: str) -> None:
    """What every kind must say about itself; ``template``: the text of its page."""
    assert isinstance(spec, MicroTaskType)
    assert issubclass(spec.answer_model, AnswerModel)
    assert spec.answer_model.model_config["extra"] == "forbid"  # a misspelt key is refused
    assert re.search(r"[\u4e00-\u9fff]", spec.label) and re.search(r"[A-Za-z]", spec.label)
    assert "<kbd>" in spec.key_hint(2)
    assert 'action="/tasks/{{ task.id }}/answer"' in template  # it takes the answer
    if spec.offers_options:
        assert "task.options" in template


@pytest.mark.parametrize("kind", list(MicroTaskKind))
def test_each_kind_is_one_module_and_its_template(kind: MicroTaskKind) -> None:
    spec = kind_of(kind)
    assert spec.kind is kind
    assert type(spec).__module__ == f"autopass.microtasks.{kind.value}"
    assert_complete(spec, (TEMPLATES / spec.template).read_text(encoding="utf-8"))


def test_routing_asks_the_kinds_in_one_order() -> None:
    orders = [kind.asked_in_order for kind in all_kinds()]
    assert len(set(orders)) == len(orders)


@pytest.mark.parametrize("kind", [kind for kind in all_kinds() if kind.answered_by_choice],
                         ids=lambda kind: kind.kind.value)
def test_a_kind_answered_by_choice_has_nothing_typed_in_its_answer(kind: MicroTaskType) -> None:
    """Two people who disagree on such a question leave a senior the same question (the queue):
    there must be no typed value to choose between."""
    hints = typing.get_type_hints(kind.answer_model)
    for name in kind.answer_model.model_fields:
        hint = hints[name]
        assert hint is bool or (isinstance(hint, type) and issubclass(hint, Enum)), (kind, name)
    assert {str(kind.kind) for kind in all_kinds() if kind.answered_by_choice} == set(ChoiceKind)


class _Witness:
    """A simulated operator's knowledge: the bank card of the dossier, number known."""

    subject_ref = FieldRef(document="card.jpg#1", field="card_number")

    def same_person(self) -> bool:
        return True

    def fraud(self) -> bool:
        return False

    def genuine(self) -> bool:
        return True

    def subject(self) -> FieldRef | None:
        return self.subject_ref

    def true_type(self) -> str:
        return "bank_card"

    def knows_value(self) -> bool:
        return True

    def true_value(self) -> Any:
        return "6222020200112233446"


PAYLOAD = {
    "subjects": [_Witness.subject_ref.model_dump()],
    "candidates": [{"source": "card.jpg#1", "field": "card_number", "value": "6222020200112233447"}],
}


@pytest.mark.parametrize("kind", list(MicroTaskKind))
@pytest.mark.parametrize("seed", range(3))
def test_each_kind_s_simulated_answers_are_answers_it_takes(kind: MicroTaskKind, seed: int) -> None:
    spec = kind_of(kind)
    truthful = spec.simulated_answer(_Witness())
    assert truthful is not None
    validate_answer(kind, truthful, payload=PAYLOAD)
    wrong = spec.slipped(truthful, PAYLOAD, random.Random(seed))
    assert wrong != truthful
    validate_answer(kind, wrong, payload=PAYLOAD)


def test_no_module_outside_the_kinds_chains_cases_over_them() -> None:
    """A module that names two kinds or more is an if-chain (or a table) that a new kind would
    have to join: that knowledge belongs to the kinds' modules."""
    chains = {}
    for path in [*(ROOT / "autopass").rglob("*.py"), *(ROOT / "flows").rglob("*.py"),
                 *(ROOT / "tasks").rglob("*.py"), *TEMPLATES.rglob("*.html"),
                 *(ROOT / "autopass" / "web" / "static").rglob("*.js")]:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("autopass/microtasks/"):
            continue  # the kinds themselves
        if relative == "autopass/quality/qa.py":
            continue  # QA items borrow kinds' pages and corrections: the one table of which
        named = {match.group(1) or match.group(2).upper()
                 for match in KIND_NAME.finditer(path.read_text(encoding="utf-8"))}
        if len(named) > 1:
            chains[relative] = sorted(named)
    assert chains == {}
