"""Find, straighten and classify the documents in one file (every page, every region)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from autopass.crops import DocumentImages
from autopass.documents import DocumentType
from autopass.dossier import DocumentResult
from autopass.engines.base import Face, TextLine
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import ImageError
from autopass.imaging import load_pages
from autopass.reading import ReadDocument, analyse_page, read_as
from autopass.risk.image_reuse import PageFingerprint, page_fingerprint
from autopass.settings import get_settings


@dataclass(frozen=True)
class FileReading:
    """What one file yielded: the documents found on its pages, or why it could not be read."""

    file: str
    documents: list[tuple[int, ReadDocument]]  # (page number, document)
    problem: str | None = None
    fingerprints: list[PageFingerprint] = field(default_factory=list)  # photos looked up later


@task(name="read-file", task_run_name="read-{path.name}", cache_policy=NO_CACHE)
def read_file(path: Path) -> FileReading:
    """Load every page of ``path`` and find each document on it with its type and fields.

    An unreadable file is a result (it becomes a micro-task), never a crash of the dossier.
    """
    settings = get_settings()
    try:
        pages = load_pages(path, settings)
    except ImageError as exc:
        get_run_logger().warning("unreadable document file: %s", exc.problem)
        return FileReading(file=path.name, documents=[], problem=exc.problem)
    ocr, face = get_ocr_engine(settings), get_face_engine(settings)
    documents: list[tuple[int, ReadDocument]] = []
    fingerprints: list[PageFingerprint] = []
    for page in pages:
        found = analyse_page(page.image, ocr=ocr, face=face)
        documents += [(page.number, document) for document in found]
        fingerprinted = page_fingerprint(path.name, page.number, page.image,
                                         ((document.type, document.fields) for document in found))
        if fingerprinted is not None:
            fingerprints.append(fingerprinted)
    return FileReading(file=path.name, documents=documents, fingerprints=fingerprints)


@task(name="read-as-classified", task_run_name="read-{document.file}-as-{document.type}",
      cache_policy=NO_CACHE)
def read_as_classified(document: DocumentResult, original: Path) -> ReadDocument | None:
    """Read a document again as the type a person gave it (the machine could not tell), from the
    stored original: its fields are then the machine's to read, not people's to type. Also what a
    later round's task about a page no task showed yet is cut from.

    None when the original cannot be read again (it was, once: only a lost store does this).
    """
    settings = get_settings()
    try:
        page = load_pages(original, settings)[document.page - 1]
    except (ImageError, OSError, IndexError) as exc:
        get_run_logger().warning("cannot read %s again: %s", document.file, exc)
        return None
    return read_as(page.image, document.type, region=document.region,
                   ocr=get_ocr_engine(settings), face=get_face_engine(settings))


def collect_documents(readings: list[FileReading]) -> tuple[list[DocumentResult], DocumentImages]:
    """Flatten the files' readings into results, keeping each document's upright image.

    The ID card front and the selfie read with the highest confidence are the ones whose faces
    are compared.
    """
    documents: list[DocumentResult] = []
    images: dict[str, np.ndarray] = {}
    faces: dict[str, list[Face]] = {}
    lines: dict[str, list[TextLine]] = {}
    best: dict[DocumentType, tuple[float, str]] = {}
    for reading in readings:
        if reading.problem is not None:
            documents.append(
                DocumentResult(
                    file=reading.file, type=DocumentType.OTHER, confidence=0.0, problem=reading.problem
                )
            )
            continue
        for page, read in reading.documents:
            document = DocumentResult(
                file=reading.file,
                page=page,
                type=read.type,
                confidence=round(read.confidence, 4),
                fields=read.fields,
                region=read.region,
            )
            documents.append(document)
            images[document.key] = read.image
            lines[document.key] = read.lines
            if read.faces is not None:
                faces[document.key] = read.faces
            if read.confidence > best.get(read.type, (-1.0, ""))[0]:
                best[read.type] = (read.confidence, document.key)
    return documents, DocumentImages(
        images=images,
        faces=faces,
        lines=lines,
        portrait_key=best.get(DocumentType.ID_CARD_FRONT, (0.0, None))[1],
        selfie_key=best.get(DocumentType.SELFIE, (0.0, None))[1],
    )
