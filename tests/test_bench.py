"""``autopass bench`` end to end on a tiny configuration: every figure is there, with a sane type.

No timing is asserted: the figures depend on the machine and its load, and belong in a report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from tests.conftest import POSTGRES_ADMIN_URL

ISSUE_KEYS = {
    "dossier_seconds_p50",
    "dossier_seconds_p95",
    "dossiers_per_hour",
    "orchestration_overhead_ratio",
    "engine_seconds",
    "peak_rss_mb",
    "queue_claim_answer_ms_p95",
    "captures_check_ms_p95",
    "dossier_submit_ms_p95",
}


@pytest.mark.usefixtures("prefect_harness")
def test_bench_writes_every_figure(tmp_path: Path, faces_dev_dir: Path | None, monkeypatch) -> None:
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
    report_file = tmp_path / "bench.json"
    faces = ["--faces", str(faces_dev_dir)] if faces_dev_dir else []
    arguments = ["bench", "--count", "1", "--no-warmup", "--json", str(report_file), *faces]
    arguments += ["--queue-tasks", "300", "--claimers", "3", "--queue-rounds", "2"]
    arguments += ["--think-ms", "0"]
    arguments += ["--api-photos", "1", "--api-submits", "1"]
    arguments += ["--postgres-admin-url", POSTGRES_ADMIN_URL]

    outcome = CliRunner().invoke(app, arguments)

    assert outcome.exit_code == 0, outcome.output
    assert "dossier_seconds_p50" in outcome.output  # the table
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert ISSUE_KEYS <= set(report)
    for key in ("dossier_seconds_p50", "dossier_seconds_p95", "dossiers_per_hour", "peak_rss_mb"):
        assert isinstance(report[key], float) and report[key] > 0, key
    assert report["dossier_seconds_p50"] <= report["dossier_seconds_p95"]
    assert isinstance(report["orchestration_overhead_ratio"], float)
    assert set(report["engine_seconds"]) == {"ocr", "face", "other"}
    assert report["engine_seconds"]["ocr"] > 0 and report["engine_seconds"]["face"] > 0
    assert set(report["queue_claim_answer_ms_p95"]) == {"sqlite", "postgresql"}
    assert all(ms > 0 for ms in report["queue_claim_answer_ms_p95"].values())
    assert report["queue"]["postgresql"]["samples"] == 3 * 2
    assert report["queue"]["postgresql"]["claimer_mode"] == "processes"
    for store, p50 in report["queue_claim_answer_ms_p50"].items():
        assert 0 < p50 <= report["queue_claim_answer_ms_p95"][store], store
    assert sum(report["decisions"].values()) == 1
    assert report["decisions_agree"] is True
    api = report["dealer_api"]  # over HTTP to a real `autopass serve`
    assert report["captures_check_ms_p95"] > 0 and report["dossier_submit_ms_p95"] > 0
    assert api["captures_check_server_cpu_ms_p95"] > 0  # /proc: Linux, as CI is
    assert (api["captures_check_statuses"], api["dossier_submit_statuses"]) == ({"200": 1},
                                                                                {"202": 1})
    assert sum(api["dossiers_then"].values()) == 1 and "processing" not in api["dossiers_then"]
    cold_start = report["cold_start_seconds"]  # two real `autopass process` commands
    assert set(cold_start) == {"new_data_dir", "later"} and min(cold_start.values()) > 0
    for name, cold in report["cold_start"].items():  # its CPU time, read from /proc (Linux)
        assert cold["seconds"] == cold_start[name] and cold["cpu_seconds"] > 0, name


def test_bench_refuses_an_unknown_store() -> None:
    outcome = CliRunner().invoke(app, ["bench", "--skip-pipeline", "--stores", "sqlite,oracle"])

    assert outcome.exit_code == 2
    assert "unknown store(s) oracle; use sqlite, postgresql" in outcome.output


def test_bench_runs_claimers_as_threads_too(tmp_path: Path) -> None:
    report_file = tmp_path / "bench.json"
    arguments = ["bench", "--skip-pipeline", "--skip-dealer-api", "--stores", "sqlite",
                 "--claimers-as", "threads"]
    arguments += ["--queue-tasks", "100", "--claimers", "2", "--queue-rounds", "2"]
    arguments += ["--think-ms", "0", "--json", str(report_file)]

    outcome = CliRunner().invoke(app, arguments)

    assert outcome.exit_code == 0, outcome.output
    queue = json.loads(report_file.read_text(encoding="utf-8"))["queue"]["sqlite"]
    assert (queue["claimer_mode"], queue["samples"]) == ("threads", 2 * 2)
    assert queue["cycles_per_second"] > 0


def test_bench_refuses_an_unknown_claimer_mode() -> None:
    outcome = CliRunner().invoke(app, ["bench", "--skip-pipeline", "--claimers-as", "fibers"])

    assert outcome.exit_code == 2
    assert "--claimers-as fibers: use processes or threads" in outcome.output
