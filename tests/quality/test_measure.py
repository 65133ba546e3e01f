"""Measured error from people's answers and each operator's quality (#30 items 2 and 4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autopass.dossier import MicroTaskKind
from autopass.quality.measure import observations, quality_markdown, quality_report
from autopass.quality.operators import operator_quality
from autopass.reports import beijing_day
from autopass.settings import Settings
from autopass.standards import load_standard
from autopass.store import (
    NewMicroTask,
    Role,
    dispose_engine,
    record_dossier,
    session_scope,
    upgrade,
)
from autopass.store.queue import answer, claim_next, roles_for
from tests.factories import make_application
from tests.web.factories import result

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ID = "370202198803121230"


def _candidate(document_type: str, field: str, confidence: float, value: str, *,
               blind: bool = False) -> dict:
    return {"source": f"{document_type}.jpg#1", "document_type": document_type, "field": field,
            "confidence": confidence, "machine_value" if blind else "value": value}


def _task(candidate: dict, priority: int, required_answers: int = 1) -> NewMicroTask:
    return NewMicroTask(kind=MicroTaskKind.CONFIRM_FIELD, question="confirm", priority=priority,
                        required_answers=required_answers,
                        payload={"subjects": [{"document": candidate["source"],
                                               "field": candidate["field"]}],
                                 "candidates": [candidate]})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(data_dir=tmp_path / "data")
    upgrade(settings)
    with session_scope(settings) as session:
        record_dossier(session, application=make_application("A-M-1"), result=result("A-M-1"),
                       originals={"id.jpg": "a" * 64}, now=NOW, microtasks=[
            _task(_candidate("id_card_front", "name", 0.97, "张伟"), 3),
            _task(_candidate("id_card_front", "id_number", 0.99, ID, blind=True), 2, 2),
            _task(_candidate("bank_card", "card_number", 0.6, "6222020200112233446"), 1)])
    _answers(settings)
    yield settings
    dispose_engine(settings.store_url)


def _answers(settings: Settings) -> None:
    given = [("olga", {"value": "张伟"}), ("olga", {"value": ID[:-1] + "9"}),  # a slip
             ("olga", {"value": "6222020200112233447"}), ("otto", {"value": ID})]
    at = NOW
    for operator, value in given:
        with session_scope(settings) as session:
            task = claim_next(session, operator=operator, now=at, lease_seconds=180)
            assert task is not None
            answer(session, task_id=task.id, operator=operator, answer=value,
                   now=at + timedelta(seconds=10))
        at += timedelta(minutes=1)
    with session_scope(settings) as session:  # the two keyings differ: a senior chooses otto's
        task = claim_next(session, operator="sam", now=at, lease_seconds=180,
                          roles=roles_for(Role.SENIOR))
        assert task is not None and task.kind == MicroTaskKind.RESOLVE_MISMATCH
        answer(session, task_id=task.id, operator="sam",
               answer={"value": ID, "source": "keyed_by:otto"}, now=at + timedelta(seconds=30))


def test_error_among_trusted_values_per_field(store: Settings) -> None:
    standards = {"new_car_loan": load_standard("new_car_loan", store)}
    with session_scope(store) as session:
        seen = observations(session, standards=standards)
        day = beijing_day(NOW)
        report = quality_report(session, day, day, standards=standards)
    found = {(o.field, o.trusted, o.correct) for o in seen}
    assert found == {("id_card_front.name", True, True),
                     ("id_card_front.id_number", True, True),  # the blind machine value, right
                     ("bank_card.card_number", False, False)}  # 0.6 < 0.95: not trusted
    assert (report.trusted.errors, report.trusted.n) == (0, 2)
    by_field = {f.field: f for f in report.fields}
    assert by_field["bank_card.card_number"].looked_at == 1
    assert by_field["bank_card.card_number"].trusted.n == 0
    assert report.false_auto_pass.n == 0 and report.false_auto_pass.rate is None
    markdown = quality_markdown(report)  # the nightly batch's daily-report artifact
    assert "- error among trusted values: 0/2 = 0.00% (95% 0.00%-" in markdown
    assert "| bank_card.card_number | no answers | 0/0 | 1 |" in markdown


def test_operator_quality_counts_second_keyer_agreement_and_slips_caught(store: Settings) -> None:
    with session_scope(store) as session:
        people = {p.operator: p for p in operator_quality(
            session, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))}
    olga, otto = people["olga"], people["otto"]
    assert (olga.tasks, otto.tasks, people["sam"].tasks) == (3, 1, 1)
    assert (olga.double_keyed, olga.agreed_with_second_keyer) == (1, 0)
    assert (otto.double_keyed, otto.agreed_with_second_keyer) == (1, 0)
    assert (olga.settled, olga.agreed_with_settled, olga.slips_caught) == (1, 0, 1)
    assert (otto.settled, otto.agreed_with_settled, otto.slips_caught) == (1, 1, 0)
    assert olga.median_seconds == 10.0
