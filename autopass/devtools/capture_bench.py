"""How well and how fast the on-the-spot capture check (``autopass.capture_check``) tells a photo
the pipeline will read from one it will not, on generated dossiers (CONTRACT §4 truth).

Each card photo of a clean dossier is checked as a salesperson's app would check it, with the
application's values stated; the photo counts as read when every key field of its document was
read right and trusted. The check should flag the photos not read, and only those.

By default "read" is judged on the check's own reading, which is not quite the pipeline's: the
check tells the reader which card to expect and lets it stop once its fields are settled, and it
finds no faces on a card. With ``against_pipeline`` each photo is also read exactly as the
pipeline's ``read_file`` task reads it, and a second table says what the check did with the
photos that reading gets right or not (the issue's own measure; twice the work).
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from autopass.capture_check import check_capture, stated_values
from autopass.documents import DocumentType
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import ImageError
from autopass.imaging import decode_photo
from autopass.reading import ReadDocument, analyse_page
from autopass.settings import Settings
from autopass.standards import load_document_specs, load_standard

KEY_FIELDS: dict[DocumentType, tuple[str, ...]] = {
    DocumentType.ID_CARD_FRONT: ("name", "id_number"),
    DocumentType.ID_CARD_BACK: ("valid_to",),
    DocumentType.DRIVING_LICENCE: ("name", "id_number"),
    DocumentType.BANK_CARD: ("card_number",),
}
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})


@dataclass
class CaptureBench:
    """Photos by (read right by the reader, flagged by the check), and seconds per check."""

    outcomes: Counter[tuple[bool, bool]] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    by_type: Counter[tuple[str, bool, bool]] = field(default_factory=Counter)
    cpu_seconds: list[float] = field(default_factory=list)  # the process's, all threads
    # (read by the pipeline, flagged): filled when measured against the pipeline's own reading
    pipeline_outcomes: Counter[tuple[bool, bool]] = field(default_factory=Counter)
    photos_seen: list[dict[str, Any]] = field(default_factory=list)  # one row per photo checked

    @property
    def photos(self) -> int:
        return sum(self.outcomes.values())

    def share_flagged(self, *, read: bool, pipeline: bool = False) -> float:
        outcomes = self.pipeline_outcomes if pipeline else self.outcomes
        flagged, total = outcomes[(read, True)], outcomes[(read, True)] + outcomes[(read, False)]
        return flagged / total if total else 0.0

    def percentile(self, share: float, *, cpu: bool = False) -> float:
        ordered = sorted(self.cpu_seconds if cpu else self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "photos": self.photos,
            "not_read_flagged": self.outcomes[(False, True)],
            "not_read_passed": self.outcomes[(False, False)],
            "read_flagged": self.outcomes[(True, True)],
            "read_passed": self.outcomes[(True, False)],
            "share_of_unread_flagged": round(self.share_flagged(read=False), 4),
            "share_of_read_flagged": round(self.share_flagged(read=True), 4),
            "check_seconds_p50": round(statistics.median(self.seconds), 3) if self.seconds else 0,
            "check_seconds_p95": round(self.percentile(0.95), 3),
            "check_cpu_seconds_p50": round(statistics.median(self.cpu_seconds), 3)
            if self.cpu_seconds else 0,
            "check_cpu_seconds_p95": round(self.percentile(0.95, cpu=True), 3),
        } | (self._pipeline_figures() if self.pipeline_outcomes else {})

    def _pipeline_figures(self) -> dict[str, Any]:
        outcomes = self.pipeline_outcomes
        return {
            "pipeline_not_read_flagged": outcomes[(False, True)],
            "pipeline_not_read_passed": outcomes[(False, False)],
            "pipeline_read_flagged": outcomes[(True, True)],
            "pipeline_read_passed": outcomes[(True, False)],
            "pipeline_share_of_unread_flagged": round(
                self.share_flagged(read=False, pipeline=True), 4),
            "pipeline_share_of_read_flagged": round(
                self.share_flagged(read=True, pipeline=True), 4),
        }


def measure_captures(folders: list[Path], settings: Settings, *,
                     against_pipeline: bool = False) -> CaptureBench:
    """Check every single-card photo of the clean dossiers in ``folders`` (JPEG or PNG, one
    document per file: scans in PDF and sheets of several cards are not what a salesperson's app
    checks); ``against_pipeline``: also read each one as the pipeline does."""
    bench = CaptureBench()
    specs = load_document_specs(settings)
    ocr, face = get_ocr_engine(settings), get_face_engine(settings)
    for folder in folders:
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        if truth["defects"]:
            continue
        application = json.loads((folder / "application.json").read_text(encoding="utf-8"))
        standard = load_standard(application["product"], settings)
        for file, kind in truth["documents"].items():
            path = folder / file
            if not isinstance(kind, str) or DocumentType(kind) not in KEY_FIELDS \
                    or path.suffix.lower() not in PHOTO_SUFFIXES:
                continue
            document_type = DocumentType(kind)
            try:
                image = decode_photo(path.read_bytes(), file, settings)
            except ImageError:
                continue
            started, cpu_started = time.perf_counter(), time.process_time()
            verdict = check_capture(image, standard=standard, specs=specs, ocr=ocr, face=face,
                                    stated=stated_values(standard, application, document_type),
                                    expected_type=document_type)
            bench.seconds.append(time.perf_counter() - started)
            bench.cpu_seconds.append(time.process_time() - cpu_started)
            printed = truth["fields"].get(file, {})
            read = _read_right(verdict.documents, document_type, printed)
            bench.outcomes[(read, not verdict.ok)] += 1
            bench.by_type[(kind, read, not verdict.ok)] += 1
            row: dict[str, Any] = {"photo": f"{folder.name}/{file}", "type": kind, "read": read,
                                   "flagged": not verdict.ok, "problems": verdict.problems}
            if against_pipeline:
                pipeline_read = _pipeline_read_right(
                    analyse_page(image, ocr=ocr, face=face), document_type, printed,
                    partial(standard.min_confidence, kind))
                bench.pipeline_outcomes[(pipeline_read, not verdict.ok)] += 1
                row["pipeline_read"] = pipeline_read
            bench.photos_seen.append(row)
    return bench


def _read_right(documents: list[Any], document_type: DocumentType,
                expected: dict[str, Any]) -> bool:
    """The document was found, and each key field read as printed and trusted."""
    found = [d for d in documents if d.type is document_type]
    if not found:
        return False
    fields = found[0].fields
    return all(name in fields and fields[name].trusted
               and str(fields[name].value) == str(expected.get(name))
               for name in KEY_FIELDS[document_type])


def _pipeline_read_right(documents: list[ReadDocument], document_type: DocumentType,
                         expected: dict[str, Any], needed: Callable[[str], float]) -> bool:
    """As ``_read_right``, on the pipeline's reading: trusted is the standard's confidence."""
    found = [d for d in documents if d.type is document_type]
    if not found:
        return False
    fields = found[0].fields
    return all(name in fields and fields[name].confidence >= needed(name)
               and str(fields[name].value) == str(expected.get(name))
               for name in KEY_FIELDS[document_type])
