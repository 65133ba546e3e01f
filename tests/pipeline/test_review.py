"""Folding people's answers into a machine result (pure; no engines)."""

from __future__ import annotations

import pytest

from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    DossierResult,
    FaceResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.review import (
    SettledTask,
    apply_answers,
    coerce,
    decide_after_answers,
    pages_people_classified,
)
from autopass.routing import plan_microtasks


def machine_result() -> DossierResult:
    return DossierResult(
        application_id="A1",
        decision=Decision.REVIEW,
        documents=[
            DocumentResult(
                file="a.jpg",
                type=DocumentType.VEHICLE_INVOICE,
                confidence=0.99,
                fields={"price_total": FieldValue(value=158000.0, confidence=0.5),
                        "vin": FieldValue(value="LSVAM4188C2184842", confidence=0.6)},
            ),
            DocumentResult(file="b.jpg", type=DocumentType.OTHER, confidence=0.3),
            DocumentResult(
                file="c.png",
                type=DocumentType.LOAN_CONTRACT,
                confidence=0.99,
                fields={"signature_present": FieldValue(value=False, confidence=0.4)},
            ),
        ],
        face=FaceResult(score=0.5, status=Status.REVIEW, detail="score 0.50 between"),
        checks=[],
        microtasks=[],
        elapsed_ms=1,
    )


def settled(kind: MicroTaskKind, refs: list[tuple[str, str]], resolution: dict,
            decisive: bool = False) -> SettledTask:
    return SettledTask(
        kind=kind,
        subjects=tuple(FieldRef(document=d, field=f) for d, f in refs),
        resolution=resolution,
        answered_by="op1",
        decisive=decisive,
    )


def test_each_kind_of_answer_becomes_a_human_fact(standard):
    documents, face = apply_answers(
        standard,
        machine_result(),
        [
            settled(MicroTaskKind.CONFIRM_FIELD, [("a.jpg#1", "price_total")], {"value": "158,000.00"}),
            settled(MicroTaskKind.RESOLVE_MISMATCH, [("a.jpg#1", "vin"), ("application", "vehicle.vin")],
                    {"value": "lsvam4188c2184842 ", "source": "application"}),
            settled(MicroTaskKind.CLASSIFY_DOCUMENT, [("b.jpg#1", "type")], {"type": "selfie"}),
            settled(MicroTaskKind.CHECK_SIGNATURE, [("c.png#1", "signature_present")], {"signed": True}),
            settled(MicroTaskKind.COMPARE_FACES, [("b.jpg#1", "face")], {"same_person": False}),
        ],
    )
    invoice, other, contract = documents
    assert invoice.fields["price_total"] == FieldValue(value=158000.0, confidence=1.0, source="human")
    assert invoice.fields["vin"].source == "agreed"  # chosen between conflicting values
    assert invoice.fields["vin"].value == "LSVAM4188C2184842"
    assert (other.type, other.confidence) == (DocumentType.SELFIE, 1.0)
    assert contract.fields["signature_present"] == FieldValue(value=True, confidence=1.0, source="human")
    assert face == FaceResult(score=0.5, status=Status.FAIL, detail="different people", confirmed_by="op1")


def test_the_machine_result_is_left_untouched(standard):
    result = machine_result()
    apply_answers(standard, result, [
        settled(MicroTaskKind.CONFIRM_FIELD, [("a.jpg#1", "price_total")], {"value": "1"})])
    assert result.documents[0].fields["price_total"].value == 158000.0


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("amount", "¥158,000.00", 158000.0),
        ("amount", "abc", "abc"),
        ("id_number", "37020219880312123x", "37020219880312123X"),
        ("card_number", "6222 0202 0011 2233 446", "6222020200112233446"),
        ("text", " 张 伟 ", "张伟"),
        ("bool", "是", True),
    ],
)
def test_typed_values_take_the_contract_form(kind, value, expected):
    assert coerce(kind, value) == expected


def failing(check_id: str, *refs: tuple[str, str], hard: bool = False) -> CheckResult:
    return CheckResult(id=check_id, status=Status.FAIL, hard=hard,
                       subjects=[FieldRef(document=d, field=f) for d, f in refs])


def test_a_failure_rejects_once_people_settled_it_not_while_it_rests_on_a_machine_reading():
    """Dossier 183 of seed 7: a person confirmed the contract page's type; its borrower name,
    misread 徐伊欣 at 0.851 and trusted at last, now differs from the application's 徐佳欣. Nobody
    has compared the names yet: a person does, before anything is rejected."""
    contract = DocumentResult(file="c.png", type=DocumentType.LOAN_CONTRACT, confidence=1.0,
                              fields={"borrower_name": FieldValue(value="徐伊欣", confidence=0.851)})
    names = failing("name_agrees_across_documents",
                    ("application", "applicant.name"), ("c.png#1", "borrower_name"))
    machine_face = FaceResult(score=0.3, status=Status.FAIL)

    assert decide_after_answers([names], [contract], None) is Decision.REVIEW

    typed = contract.model_copy(update={"fields": {
        "borrower_name": FieldValue(value="徐伊欣", confidence=1.0, source="agreed")}})
    assert decide_after_answers([names], [typed], None) is Decision.REJECT

    faces = failing("selfie_matches_id_portrait", ("id.jpg#1", "portrait"), ("s.jpg#1", "face"))
    assert decide_after_answers([faces], [], machine_face) is Decision.REVIEW
    compared = machine_face.model_copy(update={"confirmed_by": "op1"})
    assert decide_after_answers([faces], [], compared) is Decision.REJECT

    hard = failing("vin_check_digit_valid", ("a.jpg#1", "vin"), hard=True)
    assert decide_after_answers([hard], [], None) is Decision.REJECT


def test_one_person_s_word_rejects_nothing_until_a_second_person_stands_behind_it(standard):
    """A slip of the key (伊 for 佳) must not turn a good customer away: a failure resting on one
    person's answer is looked at again; it rejects once two people gave the same value."""
    contract = DocumentResult(file="c.png", type=DocumentType.LOAN_CONTRACT, confidence=1.0,
                              fields={"borrower_name": FieldValue(value="徐佳欣", confidence=0.6)})
    result = machine_result().model_copy(update={"documents": [contract]})
    names = failing("name_agrees_across_documents",
                    ("application", "applicant.name"), ("c.png#1", "borrower_name"))
    hard_names = names.model_copy(update={"hard": True})
    about_name = [("c.png#1", "borrower_name")]

    [once], _ = apply_answers(standard, result, [
        settled(MicroTaskKind.CONFIRM_FIELD, about_name, {"value": "徐伊欣"})])
    assert once.fields["borrower_name"].source == "human"
    assert decide_after_answers([names], [once], None) is Decision.REVIEW
    assert decide_after_answers([hard_names], [once], None) is Decision.REVIEW

    again = result.model_copy(update={"documents": [once]})
    [twice], _ = apply_answers(standard, again, [
        settled(MicroTaskKind.CONFIRM_FIELD, about_name, {"value": "徐伊欣"})])
    assert twice.fields["borrower_name"].source == "agreed"
    assert decide_after_answers([names], [twice], None) is Decision.REJECT

    [corrected], _ = apply_answers(standard, again, [
        settled(MicroTaskKind.CONFIRM_FIELD, about_name, {"value": "徐佳欣"})])
    assert corrected.fields["borrower_name"].source == "human"  # the slip is gone, not agreed on

    [keyed_by_two], _ = apply_answers(standard, result, [
        settled(MicroTaskKind.CONFIRM_FIELD, about_name, {"value": "徐伊欣"}, decisive=True)])
    [chosen], _ = apply_answers(standard, result, [
        settled(MicroTaskKind.RESOLVE_MISMATCH, about_name, {"value": "徐伊欣", "source": "c.png#1"})])
    assert keyed_by_two.fields["borrower_name"].source == chosen.fields["borrower_name"].source \
        == "agreed"
    [typed_by_a_senior], _ = apply_answers(standard, result, [
        settled(MicroTaskKind.RESOLVE_MISMATCH, about_name, {"value": "徐伊欣", "source": "typed"},
                decisive=True)])
    assert typed_by_a_senior.fields["borrower_name"].source == "human", "nobody else gave it"


def test_one_person_s_document_type_rejects_nothing_until_a_second_person_gives_it_too(standard):
    """A slip of the hand (`other` for the contract page) leaves a required document missing: that
    rejects once a second person calls the page the same, not on one person's word."""
    about_page = [("b.jpg#1", "type")]
    missing = CheckResult(id="required_documents_present", status=Status.FAIL, hard=True,
                          detail="required document(s) missing: loan_contract",
                          subjects=[FieldRef(document="b.jpg#1", field="type")])

    _, once, _ = apply_answers(standard, machine_result(), [
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, about_page, {"type": "other"})])[0]
    assert (once.type, once.confidence, once.type_source) == (DocumentType.OTHER, 1.0, "human")
    assert decide_after_answers([missing], [once], None) is Decision.REVIEW

    again = machine_result().model_copy(update={"documents": [once]})
    [twice], _ = apply_answers(standard, again, [
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, about_page, {"type": "other"})])
    assert twice.type_source == "agreed"
    assert decide_after_answers([missing], [twice], None) is Decision.REJECT

    [corrected], _ = apply_answers(standard, again, [
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, about_page, {"type": "loan_contract"})])
    assert (corrected.type, corrected.type_source) == (DocumentType.LOAN_CONTRACT, "human")
    _, by_two, _ = apply_answers(standard, machine_result(), [
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, about_page, {"type": "other"}, decisive=True)])[0]
    assert by_two.type_source == "agreed"


def test_a_document_two_people_found_missing_is_asked_of_the_dealer_not_rejected(standard):
    """Once two people called the page `other`, the contract is missing beyond doubt: with
    ``on_failure: ask_dealer`` (the shipped standards) the dossier goes back to its dealer, with
    no task for anyone; a hard failure elsewhere still rejects."""
    missing = CheckResult(id="required_documents_present", status=Status.FAIL,
                          detail="required document(s) missing: loan_contract",
                          ask_dealer_for=[DocumentType.LOAN_CONTRACT])
    page = DocumentResult(file="b.jpg", type=DocumentType.OTHER, confidence=1.0,
                          type_source="agreed")
    assert decide_after_answers([missing], [page], None) is Decision.REVIEW
    assert plan_microtasks(standard, decision=Decision.REVIEW, checks=[missing],
                           documents=[page]) == []
    result = machine_result().model_copy(update={"checks": [missing]})
    assert result.documents_for_dealer == [DocumentType.LOAN_CONTRACT]
    assert result.dealer_reason == "required document(s) missing: loan_contract"
    expired = CheckResult(id="id_card_valid_at_submission", status=Status.FAIL, hard=True,
                          detail="id_card_back expired")
    assert decide_after_answers([missing, expired], [page], None) is Decision.REJECT


def test_pages_people_classified_are_those_whose_type_a_person_gave_or_confirmed(standard):
    """b.jpg was *other*, a person says it is a contract; c.png was a contract the machine
    doubted, a person confirms it (dossier 183 of seed 7): both are read again, so the tasks
    about their fields show crops. a.jpg nobody classified; d.jpg is *other* to a person too."""
    before = machine_result()
    before.documents.append(DocumentResult(file="d.jpg", type=DocumentType.OTHER, confidence=0.2))
    answers = [
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, [("b.jpg#1", "type")], {"type": "loan_contract"}),
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, [("c.png#1", "type")], {"type": "loan_contract"}),
        settled(MicroTaskKind.CLASSIFY_DOCUMENT, [("d.jpg#1", "type")], {"type": "other"}),
        settled(MicroTaskKind.CONFIRM_FIELD, [("a.jpg#1", "vin")], {"value": "LSVAM4188C2184842"}),
    ]
    after, _ = apply_answers(standard, before, answers)

    assert pages_people_classified(before.documents, after, answers) == {"b.jpg#1", "c.png#1"}
