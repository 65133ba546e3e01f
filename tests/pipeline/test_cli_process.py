"""``autopass process`` as outside checks call it: JSON Lines in order, exit codes, stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import autopass.flows.process_dossier as process_dossier_module
from autopass.cli import app
from autopass.dossier import DossierResult
from autopass.settings import Settings, use_settings
from autopass.flows.process_dossier import artifact_key
from tests.factories import APPLICATION

pytestmark = pytest.mark.usefixtures("prefect_harness")

RESULT_KEYS = {"application_id", "decision", "documents", "face", "checks", "microtasks", "elapsed_ms"}


def dossier(root: Path, name: str, application: object, files: dict[str, bytes]) -> Path:
    folder = root / name
    folder.mkdir()
    text = application if isinstance(application, str) else json.dumps(application, ensure_ascii=False)
    (folder / "application.json").write_text(text, encoding="utf-8")
    for file_name, content in files.items():
        (folder / file_name).write_bytes(content)
    return folder


def test_results_in_order_and_a_bad_dossier_on_stderr(tmp_path: Path, settings: Settings) -> None:
    first = dossier(tmp_path, "first", {**APPLICATION, "application_id": "A1"}, {"a.jpg": b""})
    broken = dossier(tmp_path, "broken", "{oops", {"a.jpg": b""})
    unknown = dossier(tmp_path, "unknown", {**APPLICATION, "product": "boat_loan"}, {"a.jpg": b""})
    last = dossier(tmp_path, "last", {**APPLICATION, "application_id": "A2"}, {"b.png": b"text"})

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(first), str(broken), str(unknown),
                                           str(last), "--json"])

    assert outcome.exit_code == 2, outcome.output
    lines = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [line["application_id"] for line in lines] == ["A1", "A2"]
    for line in lines:
        assert set(line) == RESULT_KEYS
        assert line["decision"] == "review"
        assert {"id", "kind", "check_id", "question"} <= set(line["microtasks"][0])
        assert all(set(c) == {"id", "status", "detail"} for c in line["checks"])
        assert all(set(d) <= {"file", "page", "type", "confidence", "fields", "region", "problem"}
                   for d in line["documents"])
    # (Prefect's own log lines may share stderr under the test harness; the CLI quiets them.)
    assert [line for line in outcome.stderr.splitlines() if line.startswith("autopass:")] == [
        f"autopass: {broken}: application.json: malformed JSON at line 1 column 2: "
        "Expecting property name enclosed in double quotes",
        f"autopass: {unknown}: application.json: no standard for product 'boat_loan' in "
        "standards/ (known: new_car_loan, used_car_loan)",
    ]


def test_an_application_id_of_any_characters_is_processed(tmp_path: Path, settings: Settings) -> None:
    odd = dossier(tmp_path, "odd", {**APPLICATION, "application_id": "A2026_青岛.01"}, {"a.jpg": b""})

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(odd), "--json"])

    assert outcome.exit_code == 0, outcome.output
    [line] = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert line["application_id"] == "A2026_青岛.01"
    # The Prefect artifact's key takes only lower-case letters, digits and dashes.
    assert artifact_key("A2026_青岛.01") == "dossier-a2026-01-e06d701e"
    assert artifact_key("A2026.01") != artifact_key("A2026_01")
    assert artifact_key("A20261128000123") == "dossier-a20261128000123"


def test_a_dossier_whose_processing_breaks_is_named_and_the_batch_goes_on(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = dossier(tmp_path, "broken", {**APPLICATION, "application_id": "A1"}, {"a.jpg": b""})
    fine = dossier(tmp_path, "fine", {**APPLICATION, "application_id": "A2"}, {"a.jpg": b""})
    publish = process_dossier_module._publish_summary

    def api_down_for_a1(result: DossierResult) -> None:  # a service failing mid-flow
        if result.application_id == "A1":
            raise RuntimeError("Prefect API unreachable:\n  connection refused")
        publish(result)

    monkeypatch.setattr(process_dossier_module, "_publish_summary", api_down_for_a1)
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["process", str(broken), str(fine), "--json"])

    assert outcome.exit_code == 3, outcome.output
    assert [json.loads(line)["application_id"] for line in outcome.stdout.splitlines()] == ["A2"]
    assert [line for line in outcome.stderr.splitlines() if line.startswith("autopass:")] == [
        (f"autopass: {broken}: processing failed: RuntimeError: Prefect API unreachable: "
         "connection refused"),
    ]


def test_with_the_store_down_each_dossier_is_named_as_failed_and_none_ends_the_batch(
    tmp_path: Path,
) -> None:
    """A real fault, nothing stood in: the store's PostgreSQL refuses connections (port 9)."""
    first = dossier(tmp_path, "first", {**APPLICATION, "application_id": "A1"}, {"a.jpg": b""})
    second = dossier(tmp_path, "second", {**APPLICATION, "application_id": "A2"}, {"a.jpg": b""})
    down = Settings(data_dir=tmp_path / "data",
                    database_url="postgresql+psycopg://autopass@127.0.0.1:9/autopass")

    with use_settings(down):
        outcome = CliRunner().invoke(app, ["process", str(first), str(second), "--json"])

    assert outcome.exit_code == 3, outcome.output
    assert outcome.stdout == ""
    failed = [line for line in outcome.stderr.splitlines() if line.startswith("autopass:")]
    assert [line.split(": processing failed: ")[0] for line in failed] == [
        f"autopass: {first}", f"autopass: {second}"]
    assert all("OperationalError" in line for line in failed), failed
