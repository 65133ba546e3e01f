"""A dossier's recorded calls through ``process-dossier``: the result carries each call's voice
check (CONTRACT extension ``calls``), and a call with no speech or a corrupt file is a question for
a senior, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile
from sqlmodel import select

from autopass.settings import Settings, use_settings
from autopass.store import DossierFile, MicroTask, session_scope
from autopass.store.models import VoiceEmbedding
from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier
from autopass.tasks.voice import CALL_CHECK_ID
from tests.voice_audio import RATE, silence, synthetic_voice

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(folder: Path, settings: Settings) -> dict:
    with use_settings(settings):
        return process_dossier(ProcessDossierRequest(folder=str(folder)))


def test_calls_without_a_voice_ask_a_senior_and_a_good_call_is_kept(dossier_copy, settings):
    folder = dossier_copy("clean")
    soundfile.write(folder / "call_ok.flac", synthetic_voice(12.0, seed=5), RATE)
    soundfile.write(folder / "call_silent.wav", silence(8.0), RATE)
    (folder / "call_broken.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(64))

    result = run(folder, settings)

    calls = {call["file"]: call for call in result["calls"]}
    assert set(calls) == {"call_ok.flac", "call_silent.wav", "call_broken.mp3"}
    assert calls["call_ok.flac"]["type"] == "call_recording"
    assert calls["call_ok.flac"]["voice"]["status"] == "pass"
    assert calls["call_ok.flac"]["channel"] == "wideband"
    assert 7.0 < calls["call_ok.flac"]["speech_seconds"] <= 12.0
    assert calls["call_silent.wav"]["voice"] == {
        "status": "review", "detail": "call_silent.wav: no speech in the recording"}
    assert calls["call_broken.mp3"]["voice"]["status"] == "review"
    assert calls["call_broken.mp3"]["voice"]["detail"].startswith("call_broken.mp3: cannot be decoded")
    [check] = [check for check in result["checks"] if check["id"] == CALL_CHECK_ID]
    assert check["status"] == "review" and "call_silent.wav" in check["detail"]
    assert result["decision"] == "review"
    with session_scope(settings) as session:
        tasks = session.exec(select(MicroTask).where(MicroTask.check_id == CALL_CHECK_ID)).all()
        assert [task.role for task in tasks] == ["senior"]
        assert "call_broken.mp3" in tasks[0].question
        stored = {row.file for row in session.exec(select(DossierFile)).all()}
        assert {"call_ok.flac", "call_silent.wav", "call_broken.mp3"} <= stored
        [voice] = session.exec(select(VoiceEmbedding)).all()
        assert voice.file == "call_ok.flac" and voice.dimension == 192
