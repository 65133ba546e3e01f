"""``autopass process`` as outside checks call it: JSON Lines in order, exit codes, stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings
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
