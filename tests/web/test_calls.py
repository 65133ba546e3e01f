"""The senior investigating a voice link hears the calls (the applicant's speech only), each play
audited; nobody else gets them."""

from __future__ import annotations

import io
import re

import numpy as np
import soundfile
import sqlalchemy as sa
from fastapi.testclient import TestClient

from autopass.dossier import MicroTaskKind
from autopass.risk.faces import as_bytes
from autopass.settings import Settings
from autopass.store import AuditEvent, session_scope, store_original, utc_now
from autopass.store.models import VoiceEmbedding
from tests.voice_audio import RATE, synthetic_voice
from tests.web.conftest import log_in
from tests.web.factories import add_dossier, task_of_kind


def _voice(settings: Settings, dossier_id: int, path) -> None:  # type: ignore[no-untyped-def]
    stored = store_original(settings, path)
    with session_scope(settings) as session:
        session.add(VoiceEmbedding(
            dossier_id=dossier_id, file=path.name, sha256=stored.sha256, channel="wideband",
            speech_seconds=1.0, segments=[[RATE, 2 * RATE]], engine="campplus", dimension=4,
            vector=as_bytes(np.ones(4)), id_number="X", cluster="ring", recorded_at=utc_now()))


def test_the_senior_hears_both_calls_cut_to_the_applicant_and_it_is_audited(
        app_client: TestClient, web_settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    earlier = add_dossier(web_settings, "A0", [])
    current = add_dossier(web_settings, "A1",
                          [task_of_kind(web_settings, MicroTaskKind.INVESTIGATE_LINK, "A1")])
    for name, dossier_id in (("call_a1.flac", current), ("call_a0.wav", earlier)):
        soundfile.write(tmp_path / name, synthetic_voice(4.0, seed=dossier_id), RATE)
        _voice(web_settings, dossier_id, tmp_path / name)

    page = log_in(app_client, "sam")
    urls = re.findall(r'<audio controls preload="none" src="([^"]+)"', page.text)
    assert len(urls) == 2 and "A1 · call_a1.flac" in page.text and "A0 · call_a0.wav" in page.text
    heard = app_client.get(urls[1])
    assert heard.status_code == 200 and heard.headers["content-type"] == "audio/wav"
    samples, rate = soundfile.read(io.BytesIO(heard.content))
    assert rate == RATE and len(samples) == RATE  # the one second of the applicant's segment
    with session_scope(web_settings) as session:
        [event] = session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "call_played")).all()
        assert event.actor == "sam" and event.dossier_id == earlier
        assert event.detail == {"file": "call_a0.wav", "application": "A0"}


def test_nobody_but_the_senior_holding_the_task_hears_a_call(
        app_client: TestClient, web_settings: Settings, tmp_path, login) -> None:  # type: ignore[no-untyped-def]
    current = add_dossier(web_settings, "A1",
                          [task_of_kind(web_settings, MicroTaskKind.INVESTIGATE_LINK, "A1")])
    soundfile.write(tmp_path / "call.wav", synthetic_voice(3.0), RATE)
    _voice(web_settings, current, tmp_path / "call.wav")
    page = log_in(app_client, "olga")  # an operator: never given an investigation
    assert "<audio" not in page.text
    with session_scope(web_settings) as session:
        task_id = session.scalars(sa.select(sa.text("id")).select_from(
            sa.table("micro_tasks"))).first()
    assert app_client.get(f"/tasks/{task_id}/calls/1").status_code == 403
