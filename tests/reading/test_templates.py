"""Every template the sample generator draws, read back by the real reading pipeline.

Tuning templates must read right (the reader was adjusted on them); held-out ones must at least
be found as their type and never have an unsigned page read as signed with confidence, whatever
lies beside the box (the lender's seal), in it (a fingerprint alone) or elsewhere (a pen mark).
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from autopass.documents import DocumentType
from autopass.reading.analyse import ReadDocument, analyse_page
from autopass.devtools.samples.facts import UNSIGNED_MARKS
from autopass.devtools.samples.generator import Plan
from autopass.devtools.samples.templates import Template, TemplateGroup, all_templates, templates_of
from tests.reading.conftest import to_bgr

SURE = 0.95
"""The confidence of a sure answer (``signature.SURE_SIGNED``): below it a person is asked."""
# The signature is judged by the signed- and unsigned-page tests below: signed, or asked of a person.
KEY_FIELDS = {
    DocumentType.LOAN_CONTRACT: ("borrower_name", "id_number", "loan_amount"),
    DocumentType.VEHICLE_INVOICE: ("buyer_name", "buyer_id_number", "vin", "price_total",
                                   "invoice_number", "invoice_date"),
}
CONTRACTS = templates_of(DocumentType.LOAN_CONTRACT)


def _read(drawn: Template, plan: Plan, ocr, *, seed: int = 5, **changes) -> tuple[ReadDocument, dict]:  # type: ignore[no-untyped-def]
    image, truth = drawn.render(replace(plan.facts, **changes), random.Random(seed))
    documents = analyse_page(to_bgr(image), ocr=ocr)
    assert len(documents) == 1
    return documents[0], truth


def test_contract_and_invoice_have_templates_in_both_groups() -> None:
    for doc_type, least in ((DocumentType.LOAN_CONTRACT, 6), (DocumentType.VEHICLE_INVOICE, 3)):
        own = [t for t in all_templates() if t.document_type == doc_type]
        assert len(own) >= least
        assert {t.group for t in own} == {TemplateGroup.TUNING, TemplateGroup.HOLDOUT}
    assert {t.document_type for t in all_templates()} == set(DocumentType) - {DocumentType.OTHER}


@pytest.mark.parametrize(
    "drawn",
    [t for t in all_templates() if t.group == TemplateGroup.TUNING and t.document_type in KEY_FIELDS],
    ids=lambda t: t.name,
)
def test_tuning_template_reads_its_key_fields(drawn: Template, plan: Plan, ocr) -> None:  # type: ignore[no-untyped-def]
    document, truth = _read(drawn, plan, ocr)
    assert document.type == drawn.document_type
    for name in KEY_FIELDS[drawn.document_type]:
        assert document.fields[name].value == truth[name], (drawn.name, name, document.fields[name])


@pytest.mark.parametrize(
    "drawn",
    [t for t in all_templates() if t.group == TemplateGroup.HOLDOUT],
    ids=lambda t: t.name,
)
def test_holdout_template_is_found_as_its_type(drawn: Template, plan: Plan, ocr) -> None:  # type: ignore[no-untyped-def]
    document, _ = _read(drawn, plan, ocr)
    assert document.type == drawn.document_type


@pytest.mark.parametrize("marks", UNSIGNED_MARKS)
@pytest.mark.parametrize("drawn", CONTRACTS, ids=lambda t: t.name)
def test_unsigned_page_is_never_read_as_signed_with_confidence(
    drawn: Template, marks: str, plan: Plan, ocr  # type: ignore[no-untyped-def]
) -> None:
    """The lender's seal stands beside the borrower's box on every template; ``marks`` adds a
    fingerprint in the box or a pen mark elsewhere on the page."""
    document, truth = _read(drawn, plan, ocr, signed=False, unsigned_marks=marks)
    assert truth["signature_present"] is False
    signature = document.fields["signature_present"]
    assert not (signature.value is True and signature.confidence >= SURE), (drawn.name, signature)


@pytest.mark.parametrize("drawn", CONTRACTS, ids=lambda t: t.name)
def test_signed_page_is_read_as_signed_or_asked(drawn: Template, plan: Plan, ocr) -> None:  # type: ignore[no-untyped-def]
    """Signed pages of every template: signed, or at worst a question for a person (never a sure
    'unsigned', which would turn a clean dossier down). Tuning templates are mostly read signed
    for sure, but not on every draw (contract_finance_table with the built-in face photo: asked)."""
    document, _ = _read(drawn, plan, ocr, signed=True)
    signature = document.fields["signature_present"]
    assert signature.value is True or signature.confidence < SURE, (drawn.name, signature)
