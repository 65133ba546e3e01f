"""``autopass demo`` end to end on a small count: samples, flows, summary, queue users."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from autopass.cli import app
from autopass.cli.demo import DEMO_PASSWORD, DEMO_USERS
from autopass.settings import Settings, use_settings
from autopass.store import Dossier, authenticate, session_scope

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_demo_processes_sample_dossiers_and_says_how_to_clear_the_queue(settings: Settings) -> None:
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["demo", "--count", "2", "--seed", "3"])

    assert outcome.exit_code == 0, outcome.output
    assert "Autopass demo: 2 dossiers" in outcome.stdout
    assert "micro-task(s) waiting for people" in outcome.stdout
    assert "autopass serve" in outcome.stdout
    with session_scope(settings) as session:
        dossiers = session.exec(select(Dossier)).all()
        assert len(dossiers) == 2
        assert all(d.decision in {"auto_pass", "review", "reject"} for d in dossiers)
        for username in DEMO_USERS:
            assert authenticate(session, username=username, password=DEMO_PASSWORD) is not None

    # One clean dossier and one unsigned contract: the summary's clean and defective figures are
    # the samples' truth beside the stored decisions.
    decided = {d.application_id: d.decision for d in dossiers}
    samples = [folder for folder in (settings.data_dir / "demo" / "seed-3").iterdir()
               if folder.is_dir()]
    clean = [folder for folder in samples
             if not json.loads((folder / "truth.json").read_text())["defects"]]
    passed = [folder for folder in clean
              if decided[json.loads((folder / "application.json").read_text())["application_id"]]
              == "auto_pass"]
    shown = re.search(r"clean dossiers straight through \(auto_pass\)\W+(\d+) of (\d+)",
                      outcome.stdout)
    assert shown and shown.groups() == (str(len(passed)), str(len(clean)))
    stopped = re.search(r"defective dossiers stopped \(review or reject\)\W+(\d+) of (\d+)",
                        outcome.stdout)
    assert stopped and stopped.groups() == (str(len(samples) - len(clean)),) * 2
