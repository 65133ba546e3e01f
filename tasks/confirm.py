"""Read doubtful values again, knowing what every trusted source says they are."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.crops import DocumentImages
from autopass.dossier import Application, DocumentResult
from autopass.engines.registry import get_ocr_engine
from autopass.reading.confirm import CONFIRMABLE_KINDS, find_stated_value
from autopass.rules import check_digit_of, expected_values
from autopass.settings import get_settings
from autopass.standards import Standard


@task(name="confirm-readings", cache_policy=NO_CACHE)
def confirm_readings(
    standard: Standard, application: Application, documents: list[DocumentResult], images: DocumentImages
) -> list[DocumentResult]:
    """The documents, with each doubtful value that its image clearly shows to be what the
    application and the trusted documents agree on replaced by that value (``confirmed``: the
    stated value decided, not the free reading), where the confirmation reaches the standard's
    ``min_confidence`` for the field.

    The stated value is looked for where the value was read, else by the field's labels (as the
    standard places values), else, where no label of the field was read, on the whole page: small
    print misread (a 0 taken for an 8) or a label no reader knows then agrees; a value the image
    does not clearly support stays as read, and a different value where the stated one should be
    stays a mismatch.
    """
    ocr = get_ocr_engine(get_settings())
    by_key = {document.key: document for document in documents}
    specs = standard.document_specs
    for expectation in expected_values(standard, application, documents):
        document = by_key[expectation.where.document]
        read = document.fields.get(expectation.where.field)
        image = images.image(document.key)
        spec = specs.get(document.type)
        if expectation.kind not in CONFIRMABLE_KINDS or read is None or image is None or spec is None:
            continue
        confirmed = find_stated_value(ocr, image, images.lines.get(document.key, []), spec,
                                      expectation.where.field, read, expectation.value,
                                      check_digit_of(expectation.kind))
        # Only a confirmation sure enough to be trusted replaces the reading: an untrusted value
        # equal to the agreed one would pass agreement unearned (it equals it by construction).
        minimum = standard.min_confidence(document.type, expectation.where.field)
        if confirmed is not None and confirmed.confidence >= minimum:
            fields = {**document.fields, expectation.where.field: confirmed}
            by_key[document.key] = document.model_copy(update={"fields": fields})
    return [by_key[document.key] for document in documents]
