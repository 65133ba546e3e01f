"""``autopass samples --voices`` then ``autopass evaluate``: calls with an agent over the telephone
channel, one voice answering for two applicants; evaluate enrols the agent the samples wrote and
counts the voice links against truth.json. Made-up voices (``tests.voice_audio``), not ../shared."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from autopass.cli import app
from autopass.devtools.samples.calls import CallChannel
from autopass.devtools.samples.generator import CallOptions, generate_samples
from autopass.settings import Settings, use_settings
from tests.risk.helpers import SYNTHETIC_VOICES
from tests.voice_audio import write_labelled_speech

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shipped standards with the voice thresholds of the synthetic voices (they score one
    another higher than real voices do) and no face search (every sample applicant has the one
    built-in face without ../shared)."""
    standards = tmp_path / "standards"
    shutil.copytree(settings.standards_dir, standards)
    for product in standards.glob("*.yaml"):
        data = yaml.safe_load(product.read_text(encoding="utf-8"))
        data["risk"]["voices"] = {"campplus": SYNTHETIC_VOICES.model_dump(mode="json")}
        data["risk"]["faces"] = {}
        product.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    return settings.model_copy(update={"standards_dir": standards})


def test_a_planted_voice_ring_is_found_and_the_clean_caller_is_not_flagged(
        settings: Settings, tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    write_labelled_speech(voices, {"a": (100.0, 1.0, 4), "b": (220.0, 1.2, 4),
                                   "c": (260.0, 0.85, 4)})
    out = tmp_path / "samples"
    options = CallOptions(voices, rings=1, agent=True, channel=CallChannel.TELEPHONE)
    generate_samples(out, 3, 4, workers=1, calls=options)
    report_file = tmp_path / "report.json"

    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["evaluate", str(out), "--json", str(report_file)])

    assert outcome.exit_code == 0, outcome.output
    assert "agent agent-1 enrolled from" in outcome.output
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["voices"] == {
        "calls": 3, "without_voiceprint": [], "rings": 1, "rings_found": 1, "rings_missed": [],
        "planted_members": 1, "planted_members_linked": 1, "clean_applicants": 1,
        "clean_flagged": []}
    assert report["false_auto_pass"] == []
    assert "voice rings found" in outcome.output
