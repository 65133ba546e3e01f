"""People answer a dossier's micro-tasks through the queue; ``finalize-dossier`` decides it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import soundfile
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import select

from autopass.dossier import MicroTaskKind
from autopass.store.queue import answer, claim_next, roles_for
from autopass.settings import use_settings
from autopass.store import (
    AuditEvent,
    Dossier,
    DossierStatus,
    MicroTask,
    Role,
    TaskState,
    session_scope,
    utc_now,
)
from autopass.devtools.truthful_operators import truthful_answer
from autopass.flows.finalize_dossier import FinalizeDossierRequest, finalize_dossier
from autopass.flows.process_dossier import ProcessDossierRequest, process_dossier
from autopass.tasks.voice import CALL_CHECK_ID
from tests.conftest import with_webhook
from tests.pipeline.conftest import read_truth
from tests.stores import empty_tables
from tests.voice_audio import RATE, silence

pytestmark = pytest.mark.usefixtures("prefect_harness")


def clear_queue(settings, truth: dict, slips: dict[str, dict] | None = None,
                always: bool = False, typed: dict[str, dict] | None = None) -> list[int]:
    """Two operators clear every task (double keying needs both); returns settled dossiers.
    ``slips``: the wrong answer given, once, to the first task of each kind named (``always``: to
    every task of that kind); ``typed``: the answer given to the tasks of a check (by its id)
    that truth.json cannot answer."""
    settled, now, slips = [], utc_now(), dict(slips or {})
    for _ in range(50):
        progressed = False
        for operator in ("op1", "op2"):
            with session_scope(settings) as session:
                task = claim_next(session, operator=operator, now=now, lease_seconds=60,
                                  roles=roles_for(Role.SENIOR))
                if task is None:
                    continue
                progressed = True
                documents = session.get(Dossier, task.dossier_id).result["documents"]
                given = (typed or {}).get(task.check_id) or truthful_answer(
                    task.kind, task.payload, truth, documents)
                assert given is not None, f"no true answer: {task.kind} {task.payload['subjects']}"
                given = slips.get(task.kind, given) if always else slips.pop(task.kind, given)
                outcome = answer(session, task_id=task.id, operator=operator,
                                 now=now + timedelta(seconds=5), answer=given)
                if outcome.dossier_settled:
                    settled.append(task.dossier_id)
        if not progressed:
            return settled
    raise AssertionError("the queue did not empty")


def test_unsigned_contract_is_rejected_once_a_person_confirms_it_and_the_dealer_told(
    sample_dossiers, settings, dealer_system
):
    folder = sample_dossiers["contract_unsigned"]
    truth = read_truth(folder)
    settings = with_webhook(settings, dealer_system.url)
    with use_settings(settings):
        result = process_dossier(ProcessDossierRequest(folder=str(folder)))
        assert result["decision"] == "review"
        assert MicroTaskKind.CHECK_SIGNATURE in {m["kind"] for m in result["microtasks"]}
        assert dealer_system.received == []  # people are still looking: nothing to tell

        settled = clear_queue(settings, truth)
        assert len(settled) == 1
        decision = finalize_dossier(FinalizeDossierRequest(dossier_id=settled[0]))

    assert decision == "reject"
    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.status, dossier.decision) == (DossierStatus.DECIDED, "reject")
        signed = next(c for c in dossier.result["checks"] if c["id"] == "contract_signed")
        assert signed["status"] == "fail"
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
        assert {"dossier_recorded", "task_created", "task_claimed", "task_answered"} <= set(actions)
        assert actions[-2:] == ["dossier_decided", "dealer_notified"]
    [(_, body)] = dealer_system.received
    told = json.loads(body)
    assert (told["decision"], told["application_id"]) == ("reject", result["application_id"])
    assert [reason.split(":")[0] for reason in told["reasons"]] == ["contract_signed"]


def spoil_beyond_classifying(path: Path) -> None:
    """A dark, badly blurred photo: no word on it can be read, but a person sees a contract."""
    image = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
    spoiled = (cv2.GaussianBlur(image, (0, 0), 4.0) * 0.45).astype(np.uint8)
    path.write_bytes(cv2.imencode(path.suffix, spoiled)[1].tobytes())


def clean_with_contract_spoiled(dossier_copy) -> tuple[Path, dict, str]:
    """A copy of the clean dossier whose contract page nobody can read: folder, truth, file."""
    folder = dossier_copy("clean")
    truth = read_truth(folder)
    contract = next(f for f, kind in truth["documents"].items() if kind == "loan_contract")
    spoil_beyond_classifying(folder / contract)
    return folder, truth, contract


def test_a_page_people_classify_is_read_as_that_document_and_no_answer_is_asked_twice(
        dossier_copy, settings):
    folder, truth, contract = clean_with_contract_spoiled(dossier_copy)
    with use_settings(settings):
        result = process_dossier(ProcessDossierRequest(folder=str(folder)))
        read_as = {d["file"]: d["type"] for d in result["documents"]}
        assert read_as[contract] == "other"
        # The checks about the contract wait for the page's classification: no senior is asked
        # about a contract nobody has found.
        assert {m["kind"] for m in result["microtasks"]} <= {"classify_document", "compare_faces"}

        [dossier_id] = clear_queue(settings, truth)
        assert finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id)) == "review"
        with session_scope(settings) as session:
            asked = session.exec(select(MicroTask).where(MicroTask.state == TaskState.OPEN)).all()
            # The page was read again as a contract: each question about it shows the page.
            assert {task.payload["subjects"][0]["document"].split("#")[0] for task in asked} \
                == {contract}
            for task in asked:
                [candidate] = task.payload["candidates"]
                assert (settings.crops_dir / candidate["crop"]).is_file()

        [dossier_id] = clear_queue(settings, truth)
        assert finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id)) == "approve"

    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.status, dossier.decision) == (DossierStatus.DECIDED, "approve")
        kinds = [task.kind for task in session.exec(select(MicroTask))]
        assert kinds.count("classify_document") == 1, "the page's type was asked once"
        assert kinds.count("compare_faces") <= 1, "the faces were compared once, if at all"
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
        assert "dossier_asked_again" in actions


def test_a_page_one_person_calls_other_by_mistake_is_looked_at_again_not_rejected(
        dossier_copy, settings):
    """The contract page nobody could read is `other` to the first operator (a slip of the hand):
    the contract is missing on one person's word, so two others classify the page, blind."""
    folder, truth, _ = clean_with_contract_spoiled(dossier_copy)
    with use_settings(settings):
        process_dossier(ProcessDossierRequest(folder=str(folder)))
        [dossier_id] = clear_queue(settings, truth, slips={"classify_document": {"type": "other"}})
        assert finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id)) == "review"
        with session_scope(settings) as session:
            [again] = session.exec(select(MicroTask).where(MicroTask.state == TaskState.OPEN)).all()
            assert (again.kind, again.required_answers, again.check_id) == (
                MicroTaskKind.CLASSIFY_DOCUMENT, 2, "required_documents_present")

        for _ in range(3):  # the page, then what is asked about the contract read from it
            [dossier_id] = clear_queue(settings, truth)
            decision = finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
            if decision != "review":
                break
    assert decision == "approve"


def test_a_later_question_about_a_page_nobody_was_shown_shows_that_page(dossier_copy, settings):
    """A doubt can first be asked in a later round (a licence's name, held back while the page
    it is compared with waits for its type): the page was neither shown nor read again then."""
    folder, truth, _ = clean_with_contract_spoiled(dossier_copy)
    with use_settings(settings):
        process_dossier(ProcessDossierRequest(folder=str(folder)))
        [dossier_id] = clear_queue(settings, truth)
        with session_scope(settings) as session:
            dossier = session.get(Dossier, dossier_id)
            licence = next(d for d in dossier.result["documents"] if d["type"] == "driving_licence")
            assert licence["file"] not in {t.payload["subjects"][0]["document"].split("#")[0]
                                           for t in session.exec(select(MicroTask))}
            name = licence["fields"]["name"]  # read doubtfully, and not as the others say
            name.update(value=name["value"][:-1] + "某", confidence=0.5)
            flag_modified(dossier, "result")

        assert finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id)) == "review"
        with session_scope(settings) as session:
            asked = session.exec(select(MicroTask).where(MicroTask.state == TaskState.OPEN)).all()
            about_licence = [task for task in asked
                             if task.payload["subjects"][0]["document"].startswith(licence["file"])]
            assert about_licence, "the licence's name is asked"
            for task in asked:
                [candidate] = task.payload["candidates"]
                assert candidate["crop"], f"{task.kind} {task.payload['subjects']} shows nothing"
                assert (settings.crops_dir / candidate["crop"]).is_file()


def test_a_document_people_find_missing_is_asked_of_the_dealer_not_rejected(
        dossier_copy, settings, dealer_system):
    """Every person who looks at the unreadable page calls it `other`: the contract is missing
    beyond doubt once a second look agrees. The dealer forgot a page, the customer refused
    nothing: the dossier goes back to its dealer, with no task for anyone."""
    folder, truth, _ = clean_with_contract_spoiled(dossier_copy)
    settings = with_webhook(settings, dealer_system.url)
    not_a_contract = {"type": "other"}
    with use_settings(settings):
        process_dossier(ProcessDossierRequest(folder=str(folder)))
        decision = "review"
        for _ in range(4):  # the page, then the second look at it
            [dossier_id] = clear_queue(settings, truth, slips={"classify_document": not_a_contract},
                                       always=True)
            decision = finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))
            with session_scope(settings) as session:
                if session.get(Dossier, dossier_id).status != DossierStatus.WAITING_FOR_PEOPLE:
                    break

    assert decision == "review"
    with session_scope(settings) as session:
        dossier = session.exec(select(Dossier)).one()
        assert (dossier.status, dossier.decided_at) == (DossierStatus.WAITING_FOR_DEALER, None)
        assert session.exec(select(MicroTask).where(MicroTask.state == TaskState.OPEN)).all() == []
        classified = session.exec(select(MicroTask).where(
            MicroTask.kind == MicroTaskKind.CLASSIFY_DOCUMENT)).all()
        assert [task.required_answers for task in classified] == [1, 2], "a second look first"
    told = json.loads(dealer_system.received[-1][1])
    assert (told["event"], told["missing_documents"], told["photos"]) == (
        "new_photo_requested", ["loan_contract"], [])
    assert all(json.loads(body)["event"] != "dossier_decided" for _, body in dealer_system.received)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_call_a_senior_answered_is_judged_again_without_its_voice_check(
        store, dossier_copy, settings, request):
    """A call with no voiceprint asks a senior (``call_recording_has_applicant_voice``); once they
    answered, finalize-dossier judges the dossier again without that check: the senior's answer
    settles it (the call's own ``voice`` entry keeps saying what the machine found)."""
    if store == "postgresql":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue(
            "migrated_postgres")})
        empty_tables(settings.database_url)
    folder = dossier_copy("clean")
    soundfile.write(folder / "call_silent.wav", silence(8.0), RATE)
    with use_settings(settings):
        result = process_dossier(ProcessDossierRequest(folder=str(folder)))
        assert result["decision"] == "review"
        [check] = [check for check in result["checks"] if check["id"] == CALL_CHECK_ID]
        assert check["status"] == "review"
        [asked] = [task for task in result["microtasks"] if task["check_id"] == CALL_CHECK_ID]
        assert asked["kind"] == MicroTaskKind.RESOLVE_MISMATCH
        with session_scope(settings) as session:
            assert session.get(MicroTask, asked["id"]).role == "senior"

        [dossier_id] = clear_queue(settings, read_truth(folder), typed={CALL_CHECK_ID: {
            "value": "回拨核实: 申请人本人 called back: the applicant", "source": "typed"}})
        decision = finalize_dossier(FinalizeDossierRequest(dossier_id=dossier_id))

        assert decision == "approve"
        with session_scope(settings) as session:
            stored = session.get(Dossier, dossier_id)
            assert stored.status == DossierStatus.DECIDED
            judged = stored.result
            assert CALL_CHECK_ID not in {check["id"] for check in judged["checks"]}
            [call] = judged["calls"]
            assert call["voice"] == {"status": "review",
                                     "detail": "call_silent.wav: no speech in the recording"}
            assert session.exec(select(MicroTask).where(
                MicroTask.dossier_id == dossier_id,
                MicroTask.state.in_([TaskState.OPEN, TaskState.CLAIMED]))).all() == []
