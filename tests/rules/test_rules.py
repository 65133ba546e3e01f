"""Each rule's pass / fail / review paths on hand-built dossiers (the shipped new-car standard)."""

from __future__ import annotations

import pytest

from autopass.documents import DocumentType as T
from autopass.dossier import (
    CheckResult,
    Decision,
    DocumentResult,
    FaceResult,
    FieldRef,
    FieldValue,
    Status,
    documents_for_dealer,
)
from autopass.rules import decide, evaluate, expected_values, scrub

from .conftest import (
    GOOD_FACE,
    ID_NUMBER,
    TODAY,
    document,
    drop,
    make_application,
    make_documents,
    set_field,
)


def check(standard, rule_id, *, application=None, documents=None, face=GOOD_FACE,
          face_engine="dlib") -> CheckResult:
    checks = evaluate(
        standard,
        application=application or make_application(),
        documents=make_documents() if documents is None else documents,
        face=face, face_engine=face_engine, today=TODAY,
    )
    return next(c for c in checks if c.id == rule_id)


def key(documents, document_type) -> str:
    return document(documents, document_type).key


# --- required documents -----------------------------------------------------------------------
def test_missing_document_among_confident_pages_asks_the_dealer_for_it(standard):
    """The dealer forgot a page: the shipped standards send the dossier back for it
    (``on_failure: ask_dealer``), they do not turn the customer down."""
    checks = evaluate(standard, application=make_application(),
                      documents=drop(make_documents(), T.BANK_CARD), face=GOOD_FACE,
                      face_engine="dlib", today=TODAY)
    result = next(c for c in checks if c.id == "required_documents_present")
    assert (result.status, result.hard, result.ask_dealer_for) == (
        Status.FAIL, False, [T.BANK_CARD])
    assert result.detail == "required document(s) missing: bank_card"
    assert decide(checks) == Decision.REVIEW
    assert documents_for_dealer(checks) == [T.BANK_CARD]


def test_a_standard_may_still_reject_a_missing_document(standard):
    rules = [rule.model_copy(update={"on_failure": "reject"})
             if rule.id == "required_documents_present" else rule for rule in standard.rules]
    strict = standard.model_copy(update={"rules": rules})
    result = check(strict, "required_documents_present", documents=drop(make_documents(), T.BANK_CARD))
    assert (result.status, result.hard, result.ask_dealer_for) == (Status.FAIL, True, [])


def test_missing_document_with_an_unclassified_page_asks_a_human(standard):
    documents = drop(make_documents(), T.BANK_CARD)
    documents.append(DocumentResult(file="x.jpg", type=T.OTHER, confidence=0.3, problem="blurred"))
    result = check(standard, "required_documents_present", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document="x.jpg#1", field="type")]


def test_missing_document_is_asked_of_the_dealer_once_people_called_the_unclassified_page_other(
        standard):
    """The one page that might have held the missing document is `other` to two people: asking
    again, round after round, would settle nothing; the document is missing, the dealer asked."""
    documents = drop(make_documents(), T.BANK_CARD)
    documents.append(DocumentResult(file="x.jpg", type=T.OTHER, confidence=1.0,
                                    type_source="agreed"))
    result = check(standard, "required_documents_present", documents=documents)
    assert (result.status, result.hard, result.subjects) == (Status.FAIL, False, [])
    assert documents_for_dealer([result]) == [T.BANK_CARD]


def test_a_document_missing_because_one_person_typed_a_page_points_at_that_page(standard):
    """One person's `other` (a slip of the hand) fails the check on that page, which a second
    look can settle (``review.decide_after_answers`` does not reject on it)."""
    documents = drop(make_documents(), T.BANK_CARD)
    documents.append(DocumentResult(file="x.jpg", type=T.OTHER, confidence=1.0,
                                    type_source="human"))
    result = check(standard, "required_documents_present", documents=documents)
    assert (result.status, result.detail) == (Status.FAIL, "required document(s) missing: bank_card")
    assert result.subjects == [FieldRef(document="x.jpg#1", field="type")]
    assert documents_for_dealer([result]) == [], "two others look at the page first"


def test_doubtfully_classified_document_is_reviewed(standard):
    documents = make_documents()
    document(documents, T.SELFIE).confidence = 0.5
    result = check(standard, "required_documents_present", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.SELFIE), field="type")]


# --- checksums ----------------------------------------------------------------------------------
def test_bad_id_check_digit_typed_by_the_dealer_rejects_with_masked_detail(standard):
    result = check(standard, "id_number_checksum",
                   application=make_application(applicant__id_number="370202198803121231"))
    assert (result.status, result.hard) == (Status.FAIL, True)
    assert result.detail == "GB 11643 check digit wrong: application 3702**********1231"
    assert result.subjects == [FieldRef(document="application", field="applicant.id_number")]


def test_bad_id_check_digit_read_by_ocr_is_a_misread_to_confirm(standard):
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "id_number", "370202198803121231")
    result = check(standard, "id_number_checksum", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.ID_CARD_FRONT), field="id_number")]


def test_bad_check_digit_confirmed_by_a_human_fails(standard):
    documents = make_documents()
    field = document(documents, T.ID_CARD_FRONT).fields["id_number"]
    field.value, field.source = "370202198803121231", "human"
    assert check(standard, "id_number_checksum", documents=documents).status == Status.FAIL


@pytest.mark.parametrize(("rule_id", "changes"), [
    ("vin_check_digit_valid", {"vehicle__vin": "LSVAM4187C2184842"}),
    ("bank_card_luhn_valid", {"loan__bank_card": "6222020200112233445"}),
])
def test_other_check_digits_typed_by_the_dealer_reject(standard, rule_id, changes):
    result = check(standard, rule_id, application=make_application(**changes))
    assert (result.status, result.hard) == (Status.FAIL, True)


def test_missing_card_number_is_reviewed(standard):
    documents = make_documents()
    del document(documents, T.BANK_CARD).fields["card_number"]
    result = check(standard, "bank_card_luhn_valid", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.BANK_CARD), field="card_number")]


# --- birth date and sex ---------------------------------------------------------------------------
def test_printed_sex_differing_from_the_number_fails(standard):
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "sex", "女")
    result = check(standard, "id_birth_date_and_sex_agree_with_id_number", documents=documents)
    assert (result.status, result.hard) == (Status.FAIL, False)
    assert "女" not in result.detail and "1988" not in result.detail


def test_low_confidence_birth_date_that_differs_is_reviewed(standard):
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "birth_date", "1988-08-12", 0.5)
    result = check(standard, "id_birth_date_and_sex_agree_with_id_number", documents=documents)
    assert result.status == Status.REVIEW
    assert FieldRef(document=key(documents, T.ID_CARD_FRONT), field="birth_date") in result.subjects


def test_an_unread_birth_date_is_asked_with_the_unread_number_it_is_checked_against(standard):
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "id_number", None, 0.0)
    documents = set_field(documents, T.ID_CARD_FRONT, "birth_date", None, 0.0)
    result = check(standard, "id_birth_date_and_sex_agree_with_id_number", documents=documents)
    card = key(documents, T.ID_CARD_FRONT)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=card, field="id_number"),
                               FieldRef(document=card, field="birth_date")]


# --- ID card validity -----------------------------------------------------------------------------
def test_expired_card_read_with_confidence_rejects(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_to", "2026-01-01")
    result = check(standard, "id_card_valid_at_submission", documents=documents)
    assert (result.status, result.hard) == (Status.FAIL, True)
    assert result.detail == (
        "id_card_back (IMG_0001.jpg) expired on 2026-01-01, before 2026-11-28"
    )


def test_card_expiring_within_the_minimum_days_rejects(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_to", "2026-12-10")
    result = check(standard, "id_card_valid_at_submission", documents=documents)
    assert result.status == Status.FAIL
    assert "expires in 12 days, fewer than 30" in result.detail


def test_expiry_read_with_low_confidence_is_reviewed_even_when_it_looks_valid(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_to", "2036-03-01", 0.6)
    result = check(standard, "id_card_valid_at_submission", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.ID_CARD_BACK), field="valid_to")]


def test_permanent_card_passes(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_to", "长期")
    assert check(standard, "id_card_valid_at_submission", documents=documents).status == Status.PASS


def test_unparsable_expiry_is_reviewed(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_to", "2036-13-45")
    assert check(standard, "id_card_valid_at_submission", documents=documents).status == Status.REVIEW


def test_an_expired_driving_licence_goes_to_a_person_not_through(standard):
    documents = set_field(make_documents(), T.DRIVING_LICENCE, "valid_to", "2020-05-20")
    result = check(standard, "driving_licence_valid_at_submission", documents=documents)
    assert (result.status, result.hard) == (Status.FAIL, False)
    assert "expired on 2020-05-20" in result.detail


def test_a_valid_driving_licence_passes(standard):
    assert check(standard, "driving_licence_valid_at_submission").status == Status.PASS


@pytest.mark.parametrize(("valid_from", "status"), [("2027-02-20", Status.PASS),
                                                    ("2027-02-27", Status.FAIL)])
def test_a_licence_renewed_ahead_starts_where_the_old_one_ended(standard, valid_from, status):
    """Submitted 2026-11-28: a licence renewed in the 90 days before the old one ran out starts up
    to 90 days later (2027-02-26), and its holder was licensed throughout; later is no renewal."""
    documents = set_field(make_documents(), T.DRIVING_LICENCE, "valid_from", valid_from)
    documents = set_field(documents, T.DRIVING_LICENCE, "valid_to", f"2033{valid_from[4:]}")
    assert check(standard, "driving_licence_valid_at_submission", documents=documents).status == status


def test_card_not_yet_valid_fails(standard):
    documents = set_field(make_documents(), T.ID_CARD_BACK, "valid_from", "2027-01-01")
    result = check(standard, "id_card_valid_at_submission", documents=documents)
    assert result.status == Status.FAIL
    assert "only valid from 2027-01-01" in result.detail


# --- age ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("id_number", "expected", "detail"), [
    ("370202198803121230", Status.PASS, "age within 18-60"),
    ("370202200903121235", Status.FAIL, "applicant aged 17, under the minimum 18"),
    ("370202196003121237", Status.FAIL, "applicant aged 66, over the maximum 60"),
    ("370202196512011238", Status.FAIL, "applicant aged 66 when the loan ends, over 65"),
])
def test_age_range(standard, id_number, expected, detail):
    from autopass.validators import id_check_digit

    id_number = id_number[:17] + id_check_digit(id_number[:17])
    application = make_application(applicant__id_number=id_number, loan__term_months=72)
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "id_number", id_number)
    result = check(standard, "applicant_age_in_range", application=application, documents=documents)
    assert (result.status, result.detail) == (expected, detail)


def test_age_is_not_judged_when_application_and_card_disagree_on_birth(standard):
    """A dealer's typo must not reject for age: the agreement rule shows the mismatch instead."""
    from autopass.validators import id_check_digit

    minor = "37020220090312123" + id_check_digit("37020220090312123")
    result = check(standard, "applicant_age_in_range",
                   application=make_application(applicant__id_number=minor))
    assert (result.status, result.hard) == (Status.REVIEW, False)
    assert result.detail == "birth dates differ between sources"


def test_low_confidence_card_number_agreeing_on_birth_is_enough(standard):
    documents = set_field(make_documents(), T.ID_CARD_FRONT, "id_number", ID_NUMBER, 0.5)
    assert check(standard, "applicant_age_in_range", documents=documents).status == Status.PASS


# --- agreement ------------------------------------------------------------------------------------
def test_name_differing_on_the_invoice_fails_without_showing_names(standard):
    documents = set_field(make_documents(), T.VEHICLE_INVOICE, "buyer_name", "李娜")
    result = check(standard, "name_agrees_across_documents", documents=documents)
    assert (result.status, result.hard) == (Status.FAIL, False)
    assert "李娜" not in result.detail and "张伟" not in result.detail
    assert result.subjects == [
        FieldRef(document="application", field="applicant.name"),
        FieldRef(document=key(documents, T.VEHICLE_INVOICE), field="buyer_name"),
    ]


def test_low_confidence_name_that_agrees_is_corroborated(standard):
    documents = set_field(make_documents(), T.DRIVING_LICENCE, "name", "张伟", 0.4)
    assert check(standard, "name_agrees_across_documents", documents=documents).status == Status.PASS


def test_low_confidence_name_that_differs_is_reviewed(standard):
    documents = set_field(make_documents(), T.DRIVING_LICENCE, "name", "张伪", 0.4)
    result = check(standard, "name_agrees_across_documents", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.DRIVING_LICENCE), field="name")]


def test_a_page_of_a_type_with_nothing_read_beside_one_read_is_a_continuation_page(standard):
    # The terms page of a two-page contract: classified a contract, nothing of the fields on it.
    terms = DocumentResult(file="contract.pdf", page=1, type=T.LOAN_CONTRACT, confidence=0.74,
                           fields={"borrower_name": FieldValue(value=None, confidence=0.0)})
    documents = [terms, *make_documents()]
    for rule_id in ("name_agrees_across_documents", "contract_signed"):
        assert check(standard, rule_id, documents=documents).status == Status.PASS
    # Alone, the empty page is still a doubt.
    alone = [terms, *drop(make_documents(), T.LOAN_CONTRACT)]
    assert check(standard, "contract_signed", documents=alone).status == Status.REVIEW


def test_full_width_and_spaced_values_agree(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", "３７０２０２ 198803121230")
    assert check(standard, "id_number_agrees_across_documents", documents=documents).status == Status.PASS


def test_id_number_mismatch_detail_is_masked(standard):
    other = "370202199001011234"
    result = check(standard, "id_number_agrees_across_documents",
                   application=make_application(applicant__id_number=other))
    assert result.status == Status.FAIL
    assert ID_NUMBER not in result.detail and other not in result.detail
    assert "3702**********1230" in result.detail and "3702**********1234" in result.detail


def test_invoice_vin_mismatch_fails_and_shows_both(standard):
    documents = set_field(make_documents(), T.VEHICLE_INVOICE, "vin", "LFV2A21K6C3000001")
    result = check(standard, "invoice_vin_equals_application_vin", documents=documents)
    assert result.status == Status.FAIL
    assert result.detail == (
        "vin differs: vehicle_invoice (IMG_0004.jpg) LFV2A21K6C3000001 vs application LSVAM4188C2184842"
    )


def test_equals_application_without_the_document_is_reviewed(standard):
    result = check(standard, "bank_card_equals_application",
                   documents=drop(make_documents(), T.BANK_CARD))
    assert (result.status, result.detail) == (Status.REVIEW, "no bank_card to compare with")


def test_bank_card_mismatch_fails(standard):
    documents = set_field(make_documents(), T.BANK_CARD, "card_number", "6228480012345678903")
    result = check(standard, "bank_card_equals_application", documents=documents)
    assert result.status == Status.FAIL
    assert "6228***********8903" in result.detail and "6228480012345678903" not in result.detail


def test_contract_amount_within_tolerance_agrees(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "loan_amount", "100,000.00")
    assert check(standard, "contract_amount_equals_application", documents=documents).status == Status.PASS


def test_unreadable_document_asks_for_its_fields(standard):
    documents = make_documents()
    invoice = document(documents, T.VEHICLE_INVOICE)
    invoice.fields, invoice.problem = {}, "image too dark"
    result = check(standard, "invoice_vin_equals_application_vin", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=invoice.key, field="vin")]


# --- loan to value --------------------------------------------------------------------------------
def test_loan_above_the_limit_rejects(standard):
    result = check(standard, "loan_within_ltv_limit",
                   application=make_application(loan__amount=130000.0))
    assert (result.status, result.hard) == (Status.FAIL, True)
    assert result.detail == (
        "loan 130000.00 is 82.3% of the price 158000.00 on vehicle_invoice (IMG_0004.jpg), "
        "above the 80% limit"
    )


def test_loan_exactly_at_the_limit_passes(standard):
    result = check(standard, "loan_within_ltv_limit",
                   application=make_application(loan__amount=126400.0))
    assert result.status == Status.PASS


def test_used_car_limit_is_stricter(used_standard):
    result = check(used_standard, "loan_within_ltv_limit",
                   application=make_application(loan__amount=120000.0))
    assert result.status == Status.FAIL


def test_price_read_with_low_confidence_is_reviewed(standard):
    documents = set_field(make_documents(), T.VEHICLE_INVOICE, "price_total", 168000.0, 0.7)
    result = check(standard, "loan_within_ltv_limit", documents=documents)
    assert result.status == Status.REVIEW
    assert result.subjects == [FieldRef(document=key(documents, T.VEHICLE_INVOICE), field="price_total")]


# --- signature ------------------------------------------------------------------------------------
def test_unsigned_contract_fails_for_a_human_to_check(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "signature_present", False)
    result = check(standard, "contract_signed", documents=documents)
    assert (result.status, result.hard) == (Status.FAIL, False)
    assert result.subjects == [FieldRef(document=key(documents, T.LOAN_CONTRACT),
                                        field="signature_present")]


def test_signature_seen_with_low_confidence_is_reviewed(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "signature_present", True, 0.6)
    assert check(standard, "contract_signed", documents=documents).status == Status.REVIEW


# --- faces ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("face", "expected"), [
    (FaceResult(score=0.95, status=Status.PASS), Status.PASS),
    (FaceResult(score=0.50, status=Status.REVIEW), Status.REVIEW),
    (FaceResult(score=0.10, status=Status.FAIL), Status.FAIL),
    (FaceResult(score=0.95, status=Status.REVIEW, detail="two faces in the selfie"), Status.REVIEW),
    (FaceResult(score=None, status=Status.REVIEW, detail="no face found"), Status.REVIEW),
    (None, Status.REVIEW),
])
def test_face_match(standard, face, expected):
    result = check(standard, "selfie_matches_id_portrait", face=face)
    assert result.status == expected
    if expected != Status.PASS:
        assert {s.field for s in result.subjects} == {"portrait", "face"}


def test_face_thresholds_follow_the_engine(standard):
    face = FaceResult(score=0.65, status=Status.PASS)
    assert check(standard, "selfie_matches_id_portrait", face=face, face_engine="sface").status == Status.PASS
    assert check(standard, "selfie_matches_id_portrait", face=face,
                 face_engine="dlib").status == Status.REVIEW


def test_unknown_face_engine_is_reviewed(standard):
    result = check(standard, "selfie_matches_id_portrait", face_engine="magic")
    assert (result.status, result.detail) == (Status.REVIEW, "no thresholds for face engine 'magic'")


# --- robustness and the decision ------------------------------------------------------------------
def test_a_rule_that_crashes_is_recorded_as_review(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "loan_amount", 100000.0)
    application = make_application()
    application.loan.term_months = 10**9  # the age rule cannot add that many months
    result = check(standard, "applicant_age_in_range", application=application, documents=documents)
    assert result.status == Status.REVIEW
    assert result.detail.startswith("could not evaluate: ")


def test_scrub_hides_names_and_numbers():
    assert scrub("bad value '张伟' 370202198803121230") == "bad value '…' 3702**********1230"


def test_empty_dossier_never_passes(standard):
    checks = evaluate(standard, application=make_application(), documents=[], face=None,
                      face_engine="dlib", today=TODAY)
    assert len(checks) == len(standard.rules)
    assert decide(checks) == Decision.REVIEW  # the dealer is asked for every document
    assert documents_for_dealer(checks) == standard.required_documents
    assert all(c.status != Status.PASS for c in checks if c.id != "applicant_age_in_range"
               and "checksum" not in c.id and "check_digit" not in c.id and "luhn" not in c.id)


def test_every_document_unreadable_goes_to_review(standard):
    documents = [DocumentResult(file=f"{i}.jpg", type=T.OTHER, confidence=0.0, problem="corrupt")
                 for i in range(7)]
    checks = evaluate(standard, application=make_application(), documents=documents, face=None,
                      face_engine="dlib", today=TODAY)
    assert decide(checks) == Decision.REVIEW


@pytest.mark.parametrize(("statuses", "decision"), [
    ([(Status.PASS, False)], Decision.AUTO_PASS),
    ([(Status.PASS, False), (Status.REVIEW, False)], Decision.REVIEW),
    ([(Status.FAIL, False)], Decision.REVIEW),
    ([(Status.REVIEW, False), (Status.FAIL, True)], Decision.REJECT),
    ([], Decision.REVIEW),
])
def test_decide(statuses, decision):
    checks = [CheckResult(id=f"r{i}", status=s, hard=h) for i, (s, h) in enumerate(statuses)]
    assert decide(checks) == decision


def test_low_confidence_price_equal_to_the_keyed_in_price_is_corroborated(standard):
    documents = set_field(make_documents(), T.VEHICLE_INVOICE, "price_total", 158000.0, 0.7)
    application = make_application(vehicle__price=158000.0)
    assert check(standard, "loan_within_ltv_limit", application=application,
                 documents=documents).status == Status.PASS


def test_a_number_failing_its_check_digit_one_character_off_is_a_misread(standard):
    misread = ID_NUMBER[:8] + ("8" if ID_NUMBER[8] != "8" else "0") + ID_NUMBER[9:]
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", misread, 0.29)
    assert check(standard, "id_number_agrees_across_documents", documents=documents).status == Status.PASS


def test_two_characters_off_or_a_valid_other_number_is_still_a_question(standard):
    two_off = ID_NUMBER[:10] + "88" + ID_NUMBER[12:]  # month 03 read as 88
    other_valid = "11010519491231002X"  # passes GB 11643: another person's number, not a misread
    for value in (two_off, other_valid):
        documents = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", value, 0.29)
        result = check(standard, "id_number_agrees_across_documents", documents=documents)
        assert result.status == Status.REVIEW, value


# --- what a second look at a doubtful value should find ------------------------------------------
def expectations(standard, documents, application=None) -> dict[tuple[str, str], object]:
    found = expected_values(standard, application or make_application(), documents)
    return {(e.where.document, e.where.field): e.value for e in found}


def test_a_doubtful_value_is_expected_to_say_what_every_trusted_source_says(standard):
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", "37020219880312", 0.3)
    documents = set_field(documents, T.VEHICLE_INVOICE, "buyer_name", None, 0.0)

    expected = expectations(standard, documents)

    assert expected == {(key(documents, T.LOAN_CONTRACT), "id_number"): ID_NUMBER,
                        (key(documents, T.VEHICLE_INVOICE), "buyer_name"): "张伟"}


def test_nothing_is_expected_where_trusted_sources_disagree_or_the_type_is_doubtful(standard):
    other = "11010519491231002X"
    disagreeing = set_field(make_documents(), T.ID_CARD_FRONT, "id_number", other)
    disagreeing = set_field(disagreeing, T.LOAN_CONTRACT, "id_number", "3702021988", 0.3)
    doubtful_type = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", "3702021988", 0.3)
    document(doubtful_type, T.LOAN_CONTRACT).confidence = 0.5

    assert expectations(standard, disagreeing) == {}
    assert expectations(standard, doubtful_type) == {}
    assert expectations(standard, make_documents()) == {}
