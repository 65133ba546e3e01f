"""How well and how fast the on-the-spot capture check (``autopass.capture_check``) tells a photo
the pipeline will read from one it will not, on generated dossiers (CONTRACT §4 truth).

Each card photo of a clean dossier is checked as a salesperson's app would check it, with the
application's values stated; the photo counts as read when every key field of its document was
read right and trusted. The check should flag the photos not read, and only those.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autopass.capture_check import check_capture, stated_values
from autopass.documents import DocumentType
from autopass.engines.registry import get_face_engine, get_ocr_engine
from autopass.errors import ImageError
from autopass.imaging import decode_photo
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

    @property
    def photos(self) -> int:
        return sum(self.outcomes.values())

    def share_flagged(self, *, read: bool) -> float:
        flagged, total = self.outcomes[(read, True)], self.outcomes[(read, True)] + self.outcomes[
            (read, False)]
        return flagged / total if total else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
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
        }


def measure_captures(folders: list[Path], settings: Settings) -> CaptureBench:
    """Check every single-card photo of the clean dossiers in ``folders``."""
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
            started = time.perf_counter()
            verdict = check_capture(image, standard=standard, specs=specs, ocr=ocr, face=face,
                                    stated=stated_values(standard, application, document_type),
                                    expected_type=document_type)
            bench.seconds.append(time.perf_counter() - started)
            read = _read_right(verdict.documents, document_type, truth["fields"].get(file, {}))
            bench.outcomes[(read, not verdict.ok)] += 1
            bench.by_type[(kind, read, not verdict.ok)] += 1
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
