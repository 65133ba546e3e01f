"""The whole quality loop on generated dossiers (#30 item 5): ``evaluate --answer-with-truth
--qa-rate 1 --store-dir`` QA-reviews every straight-through dossier, blind, from the truth and
reports the measured error beside the truth; ``calibrate`` then reads that store."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """As in test_cli_evaluate: no cross-dossier face search (one built-in face without
    ../shared's faces)."""
    standards = tmp_path / "standards"
    shutil.copytree(settings.standards_dir, standards)
    for product in standards.glob("*.yaml"):
        text = product.read_text(encoding="utf-8")
        product.write_text(re.sub(r"\n  faces:\n(    .*\n)+", "\n  faces: {}\n", text),
                           encoding="utf-8")
    return settings.model_copy(update={"standards_dir": standards})


def test_every_straight_through_dossier_is_qa_reviewed_and_the_store_calibrated(
        sample_dossiers: dict[str, Path], settings: Settings, tmp_path: Path) -> None:
    report_file, store = tmp_path / "report.json", tmp_path / "kept-store"
    with use_settings(settings):
        outcome = CliRunner().invoke(app, [
            "evaluate", str(sample_dossiers["clean"].parent), "--answer-with-truth",
            "--qa-rate", "1", "--store-dir", str(store), "--json", str(report_file)])
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(report_file.read_text(encoding="utf-8"))
    loop, measured = report["after_answers"], report["measured_error"]
    assert loop["qa_reviews"] == report["decisions"].get("auto_pass", 0)
    assert loop["qa_slips"] == 0 and measured["qa_false_auto_pass"]["errors"] == 0
    assert measured["true_false_auto_pass"]["errors"] == 0
    qa, true = measured["qa_trusted_error"], measured["true_trusted_error"]
    assert qa["n"] <= true["n"] and qa["errors"] <= true["errors"]  # QA sees the true errors only
    assert "measured error (people's answers) against the truth" in outcome.output
    assert (store / "autopass.db").is_file()

    calibrated = settings.model_copy(update={"data_dir": store})
    with use_settings(calibrated):
        result = CliRunner().invoke(app, ["calibrate", "--target-error", "0.05", "--write",
                                          "--out", str(tmp_path / "c.diff")])
    assert result.exit_code == 0, result.output
    assert "calibration to 5.0% trusted-value error" in result.output
