"""Pages read again once people answered (``finalize-dossier``): a page whose type people gave is
read as that document, and a page a new task asks about is read again for its picture.

Plain functions that compose the reading tasks (``read-as-classified``, ``confirm-readings``,
``match-faces``), so each reading stays its own task run in the flow.
"""

from __future__ import annotations

from dataclasses import replace

from autopass.crops import DocumentImages
from autopass.dossier import DocumentResult, FaceResult, FieldValue
from autopass.microtasks.base import MicroTaskSpec
from autopass.reading.analyse import FACES_COMPARED
from autopass.review import pages_people_classified
from autopass.standards import Standard
from autopass.store import SettledDossier
from autopass.tasks.read_file import FileReading, collect_documents, read_as_classified
from autopass.tasks.confirm import confirm_readings
from autopass.tasks.face import match_faces


def read_classified_pages(
    standard: Standard, loaded: SettledDossier, documents: list[DocumentResult],
    face: FaceResult | None,
) -> tuple[list[DocumentResult], FaceResult | None, DocumentImages]:
    """Each page whose type people gave or confirmed, read again as that document (fields found,
    confirmed where the trusted sources agree, with images to cut crops from; what people typed
    stays). When it is the ID card front or the selfie, the faces are compared again, unless a
    person did."""
    classified = pages_people_classified(loaded.result.documents, documents, loaded.settled)
    compare_again = (face is None or face.confirmed_by is None) and any(
        document.type in FACES_COMPARED for document in documents if document.key in classified)
    read_again, images = _read_again(loaded, [
        document for document in documents
        if document.key in classified or (compare_again and document.type in FACES_COMPARED)])
    if not read_again:
        return documents, face, images
    found = {document.key: document.fields for document in read_again if document.key in classified}
    documents = [document.model_copy(update={"fields": {**found[document.key], **_typed(document)}})
                 if document.key in found else document for document in documents]
    documents = confirm_readings(standard, loaded.application, documents, images)
    if compare_again:
        match = match_faces(images.faces_of(images.portrait_key),
                            images.faces_of(images.selfie_key), standard)
        face = match.result
        images = replace(images, portrait_box=match.portrait_box, selfie_box=match.selfie_box)
    return documents, face, images


def pages_to_show(
    plans: list[MicroTaskSpec], loaded: SettledDossier, documents: list[DocumentResult],
    images: DocumentImages,
) -> tuple[list[DocumentResult], DocumentImages]:
    """The documents and images the new tasks' crops are cut from. A page a new task asks about,
    neither read again this round nor shown by an earlier task (a licence whose name is doubted
    only once the ID card front was classified), is read again for its picture: the crops come
    from that reading's image and boxes; the values asked about stay the ones judged."""
    unseen = {ref.document for plan in plans for ref in plan.subjects
              if images.shown_of(ref.document, ref.field) is None}
    read_again, found = _read_again(loaded, [
        document for document in documents
        if document.key in unseen and images.image(document.key) is None])
    if not read_again:
        return documents, images
    boxes = {document.key: document.fields for document in read_again}
    pictured = [_with_boxes_of(document, boxes[document.key]) if document.key in boxes
                else document for document in documents]
    return pictured, replace(images, images={**images.images, **found.images},
                             lines={**images.lines, **found.lines})


def _read_again(loaded: SettledDossier, documents: list[DocumentResult],
                ) -> tuple[list[DocumentResult], DocumentImages]:
    """``documents`` read again from their stored originals, each as its type (those whose
    original cannot be read again are left out), with their images."""
    readings = []
    for document in documents:
        original = loaded.originals.get(document.file)
        read = read_as_classified(document, original) if original is not None else None
        if read is not None:
            readings.append(FileReading(file=document.file, documents=[(document.page, read)]))
    if not readings:
        return [], DocumentImages({})
    return collect_documents(readings)


def _with_boxes_of(document: DocumentResult, read: dict[str, FieldValue]) -> DocumentResult:
    """``document`` with each field's box where ``read`` found it (None: the whole page shows)."""
    fields = {name: value.model_copy(update={"box": read[name].box if name in read else None})
              for name, value in document.fields.items()}
    return document.model_copy(update={"fields": fields})


def _typed(document: DocumentResult) -> dict[str, FieldValue]:
    return {name: value for name, value in document.fields.items() if value.by_people}
