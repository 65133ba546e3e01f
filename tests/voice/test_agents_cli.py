"""``autopass agents enrol`` stores an agent's voiceprint; a file that is no audio is refused by
name; enrolling again replaces the voiceprint."""

from __future__ import annotations

from pathlib import Path

import soundfile
import sqlalchemy as sa
from typer.testing import CliRunner

from autopass.cli import app
from autopass.settings import Settings, use_settings
from autopass.store import session_scope
from autopass.store.models import EnrolledAgent
from tests.voice_audio import RATE, synthetic_voice


def test_an_agent_is_enrolled_listed_and_enrolled_again(tmp_path: Path, settings: Settings) -> None:
    for seed in (1, 2):
        soundfile.write(tmp_path / f"agent{seed}.wav", synthetic_voice(6.0, seed=seed), RATE)
    with use_settings(settings):
        first = CliRunner().invoke(app, ["agents", "enrol", "wang-7", str(tmp_path / "agent1.wav")])
        again = CliRunner().invoke(app, ["agents", "enrol", "wang-7", str(tmp_path / "agent1.wav"),
                                         str(tmp_path / "agent2.wav")])
        listed = CliRunner().invoke(app, ["agents", "list"])
    assert first.exit_code == 0 and "agent wang-7 enrolled from" in first.output
    assert "enrol more" in first.output  # under 30 s of speech
    assert again.exit_code == 0 and listed.stdout.split() == ["wang-7"]
    with session_scope(settings) as session:
        [agent] = session.scalars(sa.select(EnrolledAgent)).all()
        assert agent.engine == "campplus" and agent.dimension == 192
        assert 7.0 < agent.speech_seconds <= 12.0


def test_a_file_that_is_no_audio_is_refused_by_name(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "agent.wav").write_text("not audio", encoding="utf-8")
    with use_settings(settings):
        outcome = CliRunner().invoke(app, ["agents", "enrol", "wang-7", str(tmp_path / "agent.wav")])
    assert outcome.exit_code == 2 and "agent.wav: cannot be decoded as wav audio" in outcome.output
