"""``autopass evaluate``: first decisions against truth.json, then the loop people answer."""

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
    """The shipped standards without the cross-dossier face search nor the selfie photo looked up
    in other dossiers: these tests are about people's answers, and without ../shared's faces
    every sample applicant has the one built-in face and photo, which the search rightly links
    into a ring (tests/risk test that)."""
    standards = tmp_path / "standards"
    shutil.copytree(settings.standards_dir, standards)
    for product in standards.glob("*.yaml"):
        text = product.read_text(encoding="utf-8")
        text = re.sub(r"\n  faces:\n(    .*\n)+", "\n  faces: {}\n", text)
        text = text.replace("\n  faces: {}\n", "\n  faces: {}\n  photos: {reuse: [id_photo, "
                            "invoice_photo, registration_photo]}\n")
        product.write_text(text, encoding="utf-8")
    return settings.model_copy(update={"standards_dir": standards})


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
    assert loop["clean_sent_back"] == loop["defective_sent_back"] == []
    assert loop["answers"] >= 1, "the unsigned contract's signature was looked at"
    assert loop["tasks_by_kind"]["check_signature"] >= 1
    assert sum(loop["tasks_by_kind"].values()) == loop["tasks"]
    assert loop["tasks_without_image"] == []
    assert "after people answered every task with the truth" in outcome.output


def test_answering_with_the_truth_never_touches_a_kept_store(
        sample_dossiers: dict[str, Path], settings: Settings) -> None:
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["evaluate", str(sample_dossiers["clean"].parent),
                                           "--answer-with-truth", "--keep-store"])

    assert outcome.exit_code == 2
    assert "only in a temporary store" in outcome.output


def test_a_misjudged_dossier_is_reported_with_its_failures_and_the_slips_behind_it(
        sample_dossiers: dict[str, Path], settings: Settings, tmp_path: Path) -> None:
    """Every answer slipped: both operators say the unsigned contract is signed, it is approved,
    and the report says which answers did it."""
    report_file = tmp_path / "report.json"
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["evaluate", str(sample_dossiers["clean"].parent),
                                           "--answer-with-truth", "--slip-rate", "1",
                                           "--json", str(report_file)])

    assert outcome.exit_code == 1, "a defective dossier approved fails the command"
    loop = json.loads(report_file.read_text(encoding="utf-8"))["after_answers"]
    unsigned = sample_dossiers["contract_unsigned"].name
    assert loop["defective_approved"] == [unsigned]
    signature_slips = [reason for reason in loop["misjudged"][unsigned]
                       if reason.startswith("slip: check_signature about")]
    assert len(signature_slips) == 2 and all(s.endswith(": True for False") for s in signature_slips)
    assert loop["slips"] == loop["answers"]
    assert f"{unsigned}: slip: check_signature" in " ".join(outcome.output.split())
