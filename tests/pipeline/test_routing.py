"""Which micro-tasks a dossier's doubts become (pure; no engines)."""

from __future__ import annotations

import pytest

from autopass.documents import DocumentType
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    FieldRef,
    FieldValue,
    MicroTaskKind,
    Status,
)
from autopass.routing import plan_microtasks

DOCUMENTS = [
    DocumentResult(file="card.jpg", type=DocumentType.BANK_CARD, confidence=0.99),
    DocumentResult(file="invoice.jpg", type=DocumentType.VEHICLE_INVOICE, confidence=0.99),
    DocumentResult(file="odd.jpg", type=DocumentType.OTHER, confidence=0.4),
]


def check(check_id: str, status: Status, *refs: tuple[str, str]) -> CheckResult:
    return CheckResult(id=check_id, status=status,
                       subjects=[FieldRef(document=d, field=f) for d, f in refs])


def test_each_doubt_becomes_the_task_that_settles_it(standard):
    checks = [
        check("bank_card_luhn_valid", Status.REVIEW, ("card.jpg#1", "card_number")),
        check("bank_card_equals_application", Status.REVIEW, ("card.jpg#1", "card_number")),
        check("invoice_vin_equals_application_vin", Status.FAIL,
              ("application", "vehicle.vin"), ("invoice.jpg#1", "vin")),
        check("required_documents_present", Status.REVIEW, ("odd.jpg#1", "type")),
        check("selfie_matches_id_portrait", Status.REVIEW, ("odd.jpg#1", "face")),
        check("contract_signed", Status.REVIEW, ("c.png#1", "signature_present")),
        check("id_number_checksum", Status.PASS),
    ]
    plans = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks, documents=DOCUMENTS)

    assert [(p.kind, p.check_ids) for p in plans] == [
        (MicroTaskKind.CONFIRM_FIELD, ("bank_card_luhn_valid", "bank_card_equals_application")),
        (MicroTaskKind.RESOLVE_MISMATCH, ("invoice_vin_equals_application_vin",)),
        (MicroTaskKind.CLASSIFY_DOCUMENT, ("required_documents_present",)),
        (MicroTaskKind.COMPARE_FACES, ("selfie_matches_id_portrait",)),
        (MicroTaskKind.CHECK_SIGNATURE, ("contract_signed",)),
    ]
    card_number = plans[0]
    assert card_number.required_answers == 2, "the standard double-keys card numbers"
    assert card_number.question == "请核对卡号 (card_number): confirm or correct"
    assert "id_card_front" in plans[2].options
    yes_no = {p.kind: p.required_answers for p in plans[3:]}
    assert yes_no == {MicroTaskKind.COMPARE_FACES: 2, MicroTaskKind.CHECK_SIGNATURE: 2}, \
        "the standard has two people answer faces and signatures"


def test_a_value_one_person_gave_that_fails_is_keyed_again_by_two(standard):
    typed = DocumentResult(file="back.jpg", type=DocumentType.ID_CARD_BACK, confidence=0.99,
                           fields={"valid_to": FieldValue(value="2016-01-01", confidence=1.0,
                                                          source="human")})
    expired = check("id_card_valid", Status.FAIL, ("back.jpg#1", "valid_to"))
    [again] = plan_microtasks(standard, decision=Decision.REVIEW, checks=[expired],
                              documents=[typed])
    assert (again.kind, again.required_answers) == (MicroTaskKind.CONFIRM_FIELD, 2)
    read = typed.model_copy(update={"fields": {"valid_to": FieldValue(value="2016-01-01",
                                                                      confidence=0.7)}})
    [first] = plan_microtasks(standard, decision=Decision.REVIEW,
                              checks=[expired.model_copy(update={"status": Status.REVIEW})],
                              documents=[read])
    assert first.required_answers == 1


def test_a_document_type_one_person_gave_that_leaves_a_document_missing_is_asked_of_two(standard):
    """The bank card typed as an invoice by one person: two others classify it; what it would
    hold as an invoice is not asked meanwhile (it is not on the page)."""
    typed = DocumentResult(file="odd.jpg", type=DocumentType.VEHICLE_INVOICE, confidence=1.0,
                           type_source="human")
    missing = check("required_documents_present", Status.FAIL, ("odd.jpg#1", "type"))
    checks = [missing, check("invoice_vin_valid", Status.REVIEW, ("odd.jpg#1", "vin")),
              check("bank_card_luhn_valid", Status.REVIEW, ("card.jpg#1", "card_number"))]
    again, card = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks,
                                  documents=[typed, DOCUMENTS[0]])
    assert (again.kind, again.required_answers) == (MicroTaskKind.CLASSIFY_DOCUMENT, 2)
    assert card.check_ids == ("bank_card_luhn_valid",)
    [first] = plan_microtasks(standard, decision=Decision.REVIEW,
                              checks=[missing.model_copy(update={"status": Status.REVIEW})],
                              documents=[DOCUMENTS[2]])
    assert first.required_answers == 1


def test_choices_one_person_makes_unless_the_standard_says_two(standard):
    checks = [check("selfie_matches_id_portrait", Status.REVIEW, ("odd.jpg#1", "face")),
              check("contract_signed", Status.REVIEW, ("c.png#1", "signature_present")),
              check("required_documents_present", Status.REVIEW, ("odd.jpg#1", "type"))]
    single = standard.model_copy(update={"double_answered": ["check_signature",
                                                             "classify_document"]})
    plans = plan_microtasks(single, decision=Decision.REVIEW, checks=checks, documents=DOCUMENTS)
    assert [(p.kind, p.required_answers) for p in plans] == [
        (MicroTaskKind.COMPARE_FACES, 1), (MicroTaskKind.CHECK_SIGNATURE, 2),
        (MicroTaskKind.CLASSIFY_DOCUMENT, 2),
    ]


@pytest.mark.parametrize("decision", [Decision.AUTO_PASS, Decision.REJECT])
def test_no_tasks_when_nothing_is_left_to_settle(standard, decision):
    checks = [check("contract_signed", Status.REVIEW, ("c.png#1", "signature_present"))]
    assert plan_microtasks(standard, decision=decision, checks=checks, documents=DOCUMENTS) == []


def test_a_doubt_with_nothing_to_look_at_goes_to_a_senior(standard):
    checks = [CheckResult(id="applicant_age_in_range", status=Status.REVIEW,
                          detail="could not evaluate: boom")]
    [plan] = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks, documents=DOCUMENTS)
    assert (plan.kind, plan.role) == (MicroTaskKind.RESOLVE_MISMATCH, "senior")


def test_a_file_that_could_not_be_opened_goes_to_a_senior_with_the_reason(standard):
    """An operator would be shown no image; a senior can ask the dealer to send the file again."""
    empty = DocumentResult(file="empty.jpg", type=DocumentType.OTHER, confidence=0.0,
                           problem="file is empty (0 bytes)")
    checks = [check("required_documents_present", Status.REVIEW,
                    ("empty.jpg#1", "type"), ("odd.jpg#1", "type"))]
    plans = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks,
                            documents=[*DOCUMENTS, empty])
    by_file = {plan.subjects[0].document: plan for plan in plans}
    assert by_file["empty.jpg#1"].kind is MicroTaskKind.CLASSIFY_DOCUMENT
    assert by_file["empty.jpg#1"].role == "senior"
    assert "file is empty (0 bytes)" in by_file["empty.jpg#1"].question
    assert by_file["odd.jpg#1"].role == "operator", "a page that opened is an operator's to look at"


def test_a_missing_document_waits_for_the_page_a_person_classifies(standard):
    """The contract photo was read as *other*: checks about the contract find none. The page's
    classify task settles that; a senior is not asked about a contract nobody has found."""
    checks = [
        check("required_documents_present", Status.REVIEW, ("odd.jpg#1", "type")),
        CheckResult(id="contract_amount_equals_application", status=Status.REVIEW,
                    detail="no loan_contract to compare with"),
        CheckResult(id="contract_signed", status=Status.REVIEW, detail="no loan_contract"),
    ]
    plans = plan_microtasks(standard, decision=Decision.REVIEW, checks=checks, documents=DOCUMENTS)
    assert [(p.kind, p.check_ids) for p in plans] == [
        (MicroTaskKind.CLASSIFY_DOCUMENT, ("required_documents_present",))]

    # The page was classified, and the contract is still missing: now a senior is asked.
    still_missing = [check for check in checks if not check.subjects]
    [plan] = plan_microtasks(standard, decision=Decision.REVIEW, checks=still_missing,
                             documents=DOCUMENTS)
    assert (plan.kind, plan.role) == (MicroTaskKind.RESOLVE_MISMATCH, "senior")
