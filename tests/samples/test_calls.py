"""Verification calls attached by ``autopass samples --voices``: who answers which dossier's call,
the rings of one voice, what truth.json says, and how ``evaluate`` counts voice links against them.
Made-up speech only (``tests.voice_audio``): ../shared's voices-dev is not needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autopass.devtools.evaluation import (
    EvaluatedDossier,
    evaluate_results,
    evaluate_voices,
    voice_partners,
)
from autopass.devtools.samples import calls as voice_calls
from autopass.devtools.samples.calls import CallChannel, cast_calls
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.generator import CallOptions, generate_dossier
from autopass.devtools.samples.templates import TemplateSelection
from autopass.voice.audio import channel_of, decode
from tests.voice_audio import write_labelled_speech


def empty_speech(root: Path, files: dict[str, int]) -> Path:
    """Speaker folders of empty files: enough to cast calls (nothing is decoded)."""
    for speaker, count in files.items():
        folder = root / "librispeech_x" / speaker
        folder.mkdir(parents=True)
        for k in range(count):
            (folder / f"{k}.flac").write_bytes(b"")
    return root


def test_each_ring_is_one_speaker_and_every_other_call_a_speaker_of_its_own(tmp_path: Path) -> None:
    voices = empty_speech(tmp_path, {f"{n}": 6 for n in range(1, 9)})
    cast = cast_calls.__wrapped__(voices, 3, 12, 2, agent=True, channel=CallChannel.TELEPHONE,
                                  excluded=frozenset({3}))

    rings = cast.rings
    assert [ring.id for ring in rings] == ["V01", "V02"]
    members = [index for ring in rings for index in ring.indices]
    assert all(2 <= len(ring.indices) <= 3 for ring in rings)  # 6 files, 2 per call
    assert len(set(members)) == len(members) and 3 not in cast.calls
    agent = {path.parent.name for path in cast.agent_files}
    assert len(agent) == 1 and len(cast.agent_files) == 6
    for ring in rings:
        parts = [cast.calls[index] for index in ring.indices]
        assert {part.speaker for part in parts} == {ring.speaker}
        assert [part.position for part in parts] == list(range(len(parts)))
        used = [path for part in parts for path in part.files]
        assert len(set(used)) == len(used) == 2 * len(parts)  # other utterances each time
    clean = [part for part in cast.calls.values() if part.ring is None]
    speakers = [part.speaker for part in clean]
    assert len(set(speakers)) == len(speakers) == 8 - 1 - 2  # the rest, one dossier each
    assert not set(speakers) & (agent | {ring.speaker for ring in rings})
    assert len(cast.calls) == len(members) + 5 < 12  # the others have no call
    assert cast_calls.__wrapped__(voices, 3, 12, 2, agent=True, channel=CallChannel.TELEPHONE,
                                  excluded=frozenset({3})) == cast


def test_a_folder_without_speakers_for_the_rings_is_refused(tmp_path: Path) -> None:
    voices = empty_speech(tmp_path, {"1": 6, "2": 3})
    with pytest.raises(ValueError, match=r"1 speakers have the 4 files a ring of two needs, 2 rings asked"):
        cast_calls.__wrapped__(voices, 0, 10, 2, agent=False, channel=CallChannel.WIDEBAND)
    with pytest.raises(ValueError, match="no labelled speech"):
        cast_calls.__wrapped__(tmp_path / "nowhere", 0, 10, 0, agent=False,
                               channel=CallChannel.WIDEBAND)


def test_a_ring_members_dossier_carries_its_call_and_the_ring_in_its_truth(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    write_labelled_speech(voices, {"agent": (220.0, 1.2, 4), "ring": (100.0, 1.0, 4),
                                   "clean": (260.0, 0.85, 4)}, seconds=2.5)
    options = CallOptions(voices, rings=1, agent=True, channel=CallChannel.TELEPHONE)
    cast = options.cast(5, 4, 0.0)
    [ring] = cast.rings
    later = ring.indices[1]

    folder = generate_dossier(tmp_path / "out", later, 5, 0.0, Difficulty.EASY, None,
                              TemplateSelection.TUNING, 0.0, 4, options)

    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    call = truth["call"]
    assert call["speaker"] == ring.speaker and call["agent"] == voice_calls.AGENT_NAME
    assert call["channel"] == "telephone" and call["ring"]["position"] == 1
    assert call["ring"]["planted"] is True and len(call["ring"]["members"]) == 2
    assert json.loads((folder / "application.json").read_text(encoding="utf-8"))[
        "application_id"] == call["ring"]["members"][1]
    assert truth["expected_decision"] == "review_or_reject"
    assert call["file"] not in truth["documents"]  # a call is no image to read
    recorded = decode(folder / call["file"])
    assert channel_of(recorded.samples) == "telephone"
    # two turns of the agent and two of the applicant, 2.5 s each, half a second apart
    assert recorded.seconds == pytest.approx(4 * 3.0, abs=0.05)
    assert voice_calls.write_agents(tmp_path / "out", cast) == (
        tmp_path / "out" / "agents" / voice_calls.AGENT_NAME)


def dossier(name: str, call: dict | None, decision: str = "review", checks: tuple = ()) -> EvaluatedDossier:
    truth = {"documents": {}, "defects": [],
             "expected_decision": "review_or_reject" if call and call.get("ring") and
             call["ring"]["planted"] else "auto_pass"}
    if call is not None:
        truth["call"] = call
    return EvaluatedDossier(name=name, truth=truth, seconds=1.0, result={
        "application_id": name, "decision": decision, "documents": [],
        "checks": [{"id": check, "status": "review", "detail": ""} for check in checks]})


def ring(members: list[str], position: int) -> dict:
    return {"file": "c.flac", "speaker": "s", "channel": "telephone", "agent": None,
            "ring": {"id": f"V-{members[0]}", "members": members, "position": position,
                     "planted": position > 0}}


CLEAN = {"file": "c.flac", "speaker": "x", "channel": "telephone", "agent": None, "ring": None}


def test_evaluate_counts_rings_found_and_clean_applicants_linked_by_voice() -> None:
    dossiers = [dossier("a1", ring(["a1", "a2", "a3"], 0)), dossier("a2", ring(["a1", "a2", "a3"], 1)),
                dossier("a3", ring(["a1", "a2", "a3"], 2)),
                dossier("b1", ring(["b1", "b2"], 0)), dossier("b2", ring(["b1", "b2"], 1), "auto_pass"),
                dossier("d1", ring(["d1", "d2"], 0)),  # its later member not evaluated
                dossier("c1", CLEAN), dossier("c2", CLEAN),
                dossier("c3", CLEAN, checks=("call_recording_has_applicant_voice",)),
                dossier("n1", None)]
    links = {"a2": [{"kind": "voice", "value": "v", "applications": ["a1", "a2"]}],
             "a3": [{"kind": "voice", "value": "v", "applications": ["a2", "a3"]},
                    {"kind": "phone", "value": "p", "applications": ["a3", "c1"]}],
             "c2": [{"kind": "voice", "value": "v", "applications": ["b2", "c2"]}]}

    report = evaluate_voices(dossiers, voice_partners(links))

    assert (report.calls, report.rings, report.rings_found, report.rings_missed) == (9, 2, 1, ["V-b1"])
    assert (report.planted_members, report.planted_members_linked) == (3, 2)
    assert report.clean_applicants == 3 and report.clean_flagged == ["c2"]  # c1: a phone link only
    assert report.without_voiceprint == ["c3"]
    figures = evaluate_results(dossiers)
    assert figures.false_auto_pass == ["b2"]  # a planted voice must not pass
    assert figures.clean_dossiers == 4  # the voice rings' dossiers are not clean ones

