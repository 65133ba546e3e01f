"""The case file of one dossier: who answered what, when, with people's numbers masked."""

from __future__ import annotations

import pytest

from autopass.casefile import case_file, recent_dossiers
from autopass.dossier import MicroTaskKind
from autopass.store.queue import answer
from autopass.settings import Settings
from autopass.standards import load_document_specs
from autopass.store import NewMicroTask, Role, TaskState, session_scope
from tests.store.factories import about_the_id_card, at, claim_as, record_with_tasks

APPLICATION_ID = "A20261128000123"
ID_NUMBER = "370202198803121230"


def _key(settings: Settings, operator: str, minute: float, value: object,
         roles: tuple[Role, ...] = (Role.OPERATOR,)) -> None:
    task_id = claim_as(settings, operator, minute, roles=roles)
    assert task_id is not None
    with session_scope(settings) as session:
        answer(session, task_id=task_id, operator=operator, answer=value, now=at(minute + 0.5))


def test_the_case_file_shows_each_answer_and_who_gave_it_with_id_numbers_masked(
    store: Settings,
) -> None:
    [keyed] = record_with_tasks(store, APPLICATION_ID, [about_the_id_card().model_copy(
        update={"required_answers": 2})])
    _key(store, "olga", 1, {"value": ID_NUMBER})
    _key(store, "otto", 2, {"value": "370202198803121238"})  # a slip: a senior chooses
    _key(store, "sam", 3, {"value": ID_NUMBER, "source": "keyed_by:olga"}, roles=(Role.SENIOR,))

    with session_scope(store) as session:
        case = case_file(session, APPLICATION_ID, load_document_specs(store))
    assert case is not None

    typed, chosen = case.tasks
    assert (typed.id, typed.kind, typed.state) == (keyed, MicroTaskKind.CONFIRM_FIELD,
                                                   TaskState.CLOSED)
    assert typed.about == ["id_card_front.id_number", "application.id_number"]
    assert [(a.operator, a.answer) for a in typed.answers] == [
        ("olga", "3702**********1230"), ("otto", "3702**********1238")]
    assert typed.resolution is None  # they differed: nothing of theirs is used
    assert (chosen.kind, chosen.role, chosen.state) == (
        MicroTaskKind.RESOLVE_MISMATCH, Role.SENIOR, TaskState.ANSWERED)
    assert [(a.operator, a.answer) for a in chosen.answers] == [
        ("sam", "3702**********1230 ← keyed_by:olga")]
    assert chosen.resolution == "3702**********1230 ← keyed_by:olga"
    assert chosen.answers[0].seconds == 30.0
    assert case.unsettled_tasks == 0

    assert [check.check_id for check in case.checks] == [
        "id_number_matches_application", "id_number_checksum"]  # what is in doubt first
    id_card = next(d for d in case.documents if d.type == "id_card_front")
    assert {f.field: f.value for f in id_card.fields} == {"name": "张伟",
                                                          "id_number": "3702**********1230"}
    actions = [(event.actor, event.action, event.task_id) for event in case.events]
    assert {action for _, action, _ in actions[:2]} == {"dossier_recorded", "task_created"}
    assert ("otto", "task_answered", keyed) in actions
    assert ("machine", "double_key_mismatch", keyed) in actions
    assert ("sam", "task_answered", chosen.id) in actions
    assert [event.at for event in case.events] == sorted(event.at for event in case.events)
    shown = repr([case.documents, case.tasks, case.events])
    assert ID_NUMBER not in shown and "370202198803121238" not in shown


def test_a_case_file_without_tasks_none_for_an_unknown_id_and_the_last_changed_first(
    store: Settings,
) -> None:
    record_with_tasks(store, "A-FIRST", [], received_minute=0)
    record_with_tasks(store, "A-SECOND", [], received_minute=5)
    with session_scope(store) as session:
        assert case_file(session, "A-NOBODY", load_document_specs(store)) is None
        untouched = case_file(session, "A-FIRST", load_document_specs(store))
        assert untouched is not None and untouched.tasks == [] and untouched.unsettled_tasks == 0
        assert [d.application_id for d in recent_dossiers(session)] == ["A-SECOND", "A-FIRST"]
        assert [d.application_id for d in recent_dossiers(session, limit=1)] == ["A-SECOND"]


@pytest.mark.parametrize(("kind", "given", "shown"), [
    (MicroTaskKind.CLASSIFY_DOCUMENT, {"type": "bank_card"}, "bank_card"),
    (MicroTaskKind.COMPARE_FACES, {"same_person": False}, "不是同一人 different people"),
    (MicroTaskKind.CHECK_SIGNATURE, {"signed": True}, "已签字 signed"),
    (MicroTaskKind.RESOLVE_MISMATCH, {"value": ID_NUMBER, "source": "typed"},
     "3702**********1230 (typed)"),
])
def test_each_kind_of_answer_reads_as_a_few_words(
    store: Settings, kind: MicroTaskKind, given: dict[str, object], shown: str
) -> None:
    about = {"subjects": [{"document": "IMG_0412.jpg#1", "field": "id_number"}]}
    record_with_tasks(store, APPLICATION_ID, [NewMicroTask(kind=kind, question="?", payload=about)])
    _key(store, "olga", 1, given)
    with session_scope(store) as session:
        case = case_file(session, APPLICATION_ID, load_document_specs(store))
    assert case is not None
    [task] = case.tasks
    assert ([answer.answer for answer in task.answers], task.resolution) == ([shown], shown)
