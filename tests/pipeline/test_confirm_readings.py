"""The confirm-readings task: a doubtful value its image shows to be the agreed one is confirmed."""

from __future__ import annotations

from autopass.crops import DocumentImages
from autopass.documents import DocumentType as T
from autopass.dossier import DocumentResult, FieldValue, Status
from autopass.rules import evaluate
from autopass.tasks.confirm import confirm_readings
from tests.engines.drawing import printed_line
from tests.rules.conftest import (
    GOOD_FACE,
    ID_NUMBER,
    TODAY,
    document,
    make_application,
    make_documents,
    set_field,
)


def contract_misread(printed: str, read: str) -> tuple[list[DocumentResult], DocumentImages]:
    """A clean dossier whose contract prints ID number ``printed`` and was read ``read``, doubtful."""
    image, line = printed_line(f"身份证号码：{printed}", 16)
    documents = set_field(make_documents(), T.LOAN_CONTRACT, "id_number", read, 0.3)
    contract = document(documents, T.LOAN_CONTRACT)
    contract.fields["id_number"].box = list(line.bounds)
    return documents, DocumentImages(images={contract.key: image}, lines={contract.key: [line]})


def contract_number(documents: list[DocumentResult]) -> FieldValue:
    return document(documents, T.LOAN_CONTRACT).fields["id_number"]


def test_a_misread_contract_number_that_its_image_shows_agreeing_is_confirmed(standard) -> None:  # type: ignore[no-untyped-def]
    documents, images = contract_misread(ID_NUMBER, ID_NUMBER[:4] + "8" + ID_NUMBER[5:])  # 0 read 8
    application = make_application()

    confirmed = confirm_readings.fn(standard, application, documents, images)

    value = contract_number(confirmed)
    assert (value.value, value.source) == (ID_NUMBER, "confirmed") and value.confidence >= 0.95
    assert [d.fields for d in confirmed if d.type != T.LOAN_CONTRACT] == \
        [d.fields for d in documents if d.type != T.LOAN_CONTRACT]
    checks = evaluate(standard, application=application, documents=confirmed, face=GOOD_FACE,
                      face_engine="dlib", today=TODAY)
    assert all(check.status == Status.PASS for check in checks)


def test_a_confirmation_below_the_standard_s_minimum_leaves_the_reading_as_it_was(standard) -> None:  # type: ignore[no-untyped-def]
    documents, images = contract_misread(ID_NUMBER, ID_NUMBER[:12])
    fields = {**standard.confidence.fields, "loan_contract.id_number": 1.0}
    demanding = standard.model_copy(update={"confidence": standard.confidence.model_copy(update={"fields": fields})})

    kept = confirm_readings.fn(demanding, make_application(), documents, images)
    confirmed = confirm_readings.fn(standard, make_application(), documents, images)

    assert contract_number(kept) == contract_number(documents)
    assert contract_number(confirmed).source == "confirmed"


def test_a_value_its_image_does_not_show_stays_as_read(standard) -> None:  # type: ignore[no-untyped-def]
    other = "11010519491231002X"
    documents, images = contract_misread(other, other[:12])

    confirmed = confirm_readings.fn(standard, make_application(), documents, images)

    assert contract_number(confirmed) == contract_number(documents)


def contract_borrower_unread(printed: str) -> tuple[list[DocumentResult], DocumentImages]:
    """A clean dossier whose contract prints its borrower after 立约人 (a label no standard
    lists): the free reading found no borrower, nor where one stands."""
    image, line = printed_line(f"立约人：{printed}", 28)
    documents = make_documents()
    contract = document(documents, T.LOAN_CONTRACT)
    contract.fields["borrower_name"] = FieldValue(value=None, confidence=0.0)
    return documents, DocumentImages(images={contract.key: image}, lines={contract.key: [line]})


def test_the_stated_name_found_on_the_page_decides_whatever_its_label(standard) -> None:  # type: ignore[no-untyped-def]
    """The application's name printed on the contract under a label the reader does not know is
    found on the page (source confirmed: the stated value decided); another name printed there
    leaves the borrower unread, for a person."""
    application = make_application()
    documents, images = contract_borrower_unread(application.applicant.name)
    other_documents, other_images = contract_borrower_unread("李娜")

    confirmed = confirm_readings.fn(standard, application, documents, images)
    not_found = confirm_readings.fn(standard, application, other_documents, other_images)

    borrower = document(confirmed, T.LOAN_CONTRACT).fields["borrower_name"]
    assert (borrower.value, borrower.source) == (application.applicant.name, "confirmed")
    assert borrower.confidence >= standard.min_confidence("loan_contract", "borrower_name")
    assert document(not_found, T.LOAN_CONTRACT).fields["borrower_name"].value is None
