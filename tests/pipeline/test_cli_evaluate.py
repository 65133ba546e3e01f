"""``autopass evaluate``: first decisions against truth.json, then the loop people answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_every_dossier_ends_right_once_people_answer_with_the_truth(
        sample_dossiers: dict[str, Path], settings: Settings, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["evaluate", str(sample_dossiers["clean"].parent),
                                           "--answer-with-truth", "--json", str(report_file)])

    assert outcome.exit_code == 0, outcome.output
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["dossiers"] == 3 and report["false_auto_pass"] == []
    loop = report["after_answers"]
    names = {kind: folder.name for kind, folder in sample_dossiers.items()}
    assert loop["clean_approved"] == [names["clean"]]
    assert sorted(loop["defective_rejected"]) == sorted(
        [names["contract_unsigned"], names["application_id_number_bad_checksum"]])
    assert loop["clean_rejected"] == loop["defective_approved"] == loop["unsettled"] == []
    assert loop["answers"] >= 1, "the unsigned contract's signature was looked at"
    assert loop["tasks_without_image"] == []
    assert "after people answered every task with the truth" in outcome.output


def test_answering_with_the_truth_never_touches_a_kept_store(
        sample_dossiers: dict[str, Path], settings: Settings) -> None:
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["evaluate", str(sample_dossiers["clean"].parent),
                                           "--answer-with-truth", "--keep-store"])

    assert outcome.exit_code == 2
    assert "only in a temporary store" in outcome.output
