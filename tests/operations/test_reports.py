"""Every figure of the daily report against the values computed by hand in ``factories``."""

from __future__ import annotations

from datetime import date

import pytest

from autopass import reports
from autopass.store.queue import claim_next, request_new_photo
from autopass.store import session_scope
from tests.operations.factories import DAY, at, prepare_store


@pytest.fixture
def report(settings):
    prepare_store(settings)
    with session_scope(settings) as session:
        return reports.daily_report(session, date.fromisoformat(DAY))


def test_headline_figures(report):
    assert report.dossiers == 5
    assert report.decisions == {"approve": 2, "auto_pass": 1, "reject": 1, "undecided": 1}
    assert report.stp_rate == pytest.approx(1 / 5)
    assert report.sla_attainment == pytest.approx(3 / 5)
    assert report.microtasks == 4
    assert report.microtasks_per_dossier == pytest.approx(0.8)


def test_median_handling_seconds_per_kind(report):
    assert report.median_seconds_by_kind == {"compare_faces": 10.0, "confirm_field": 45.0}
    assert report.answers_by_kind == {"compare_faces": 1, "confirm_field": 2}


def test_exception_and_defect_rates_per_dealer_and_salesperson(report):
    dealers = [(g.key, g.dossiers, g.exceptions, g.defects) for g in report.dealers]
    assert dealers == [("D2", 3, 3, 1), ("D1", 2, 1, 0)]
    assert report.dealers[0].exception_rate == 1.0
    assert report.dealers[0].defect_rate == pytest.approx(1 / 3)
    assert report.dealers[1].exception_rate == 0.5
    salespeople = [(g.key, g.dossiers, g.exceptions, g.defects) for g in report.salespeople]
    assert salespeople == [("S3", 2, 2, 1), ("S2", 1, 1, 0), ("S1", 2, 1, 0)]


def test_days_follow_beijing_time(settings):
    prepare_store(settings)
    with session_scope(settings) as session:
        series = reports.daily_series(session, last_day=date(2026, 11, 29), days=3)
    assert [(p.day.isoformat(), p.dossiers) for p in series] == [
        ("2026-11-27", 1), ("2026-11-28", 5), ("2026-11-29", 1)
    ]
    assert [p.stp_rate for p in series] == [1.0, pytest.approx(0.2), 1.0]
    assert [p.sla_attainment for p in series] == [1.0, pytest.approx(0.6), 1.0]


def test_a_day_without_dossiers_has_no_rates(settings):
    with session_scope(settings) as session:
        report = reports.daily_report(session, date(2026, 1, 1))
    assert (report.dossiers, report.stp_rate, report.sla_attainment) == (0, None, None)
    assert "STP rate: **—**" in reports.report_markdown(report)


def test_markdown_report_names_the_figures_and_no_person(report):
    text = reports.report_markdown(report)
    assert "# Autopass daily report 2026-11-28" in text
    assert "- STP rate: **20.0%**" in text
    assert "- 8030 attainment (decided within the SLA): **60.0%**" in text
    assert "- Micro-tasks per dossier: **0.80** (4 tasks)" in text
    assert "| confirm_field | 2 | 45.0 |" in text
    assert "| D2 | 3 | 100.0% | 33.3% | 0 |" in text


def test_dossiers_sent_back_for_a_new_photo_count_for_their_dealer(settings):
    prepare_store(settings)
    with session_scope(settings) as session:  # A5 (dealer D2) waits for its faces to be compared
        held = claim_next(session, operator="olga", now=at("11-28 05:10"), lease_seconds=180)
        assert held is not None and held.id is not None
        request_new_photo(session, task_id=held.id, operator="olga", now=at("11-28 05:11"))
    with session_scope(settings) as session:
        report = reports.daily_report(session, date.fromisoformat(DAY))
    assert report.sent_back == 1
    assert [(g.key, g.sent_back) for g in report.dealers] == [("D2", 1), ("D1", 0)]
    assert report.decisions["undecided"] == 1  # it waits for the dealer
    text = reports.report_markdown(report)
    assert "- Sent back to the dealer for a new photo: **1**" in text
    assert "| D2 | 3 | 100.0% | 33.3% | 1 |" in text
    assert "张伟" not in text and "370202198803121230" not in text
