"""How well the machine reads generated dossiers: compared with their truth.json (CONTRACT §4)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from autopass.documents import DocumentType
from autopass.dossier import DocumentResult
from autopass.engines.base import FaceEngine, OcrEngine
from autopass.imaging import load_pages
from autopass.reading.analyse import ReadDocument, analyse_page
from autopass.settings import Settings
from autopass.standards import load_document_specs


class Mismatch(BaseModel):
    dossier: str
    key: str  # file, or file#type for a page holding several documents
    field: str  # "type" for a classification error
    expected: Any
    got: Any
    confidence: float | None = None


class ReadingReport(BaseModel):
    documents: int = 0
    type_accuracy: float = 0.0
    field_accuracy: dict[str, float] = Field(default_factory=dict)  # "type.field" -> exact-match rate
    field_counts: dict[str, int] = Field(default_factory=dict)
    seconds_per_document: float = 0.0
    seconds_per_document_by_type: dict[str, float] = Field(default_factory=dict)
    cpu_seconds_per_document: float = 0.0  # process CPU time (all threads): steady on a busy box
    mismatches: list[Mismatch] = Field(default_factory=list)

    def summary(self) -> str:
        """A few lines a person reads at a glance."""
        head = (f"documents {self.documents}  type accuracy {self.type_accuracy:.2%}  "
                f"{self.seconds_per_document:.2f} s/document (CPU {self.cpu_seconds_per_document:.2f} s)")
        lines = [head]
        for key in sorted(self.field_accuracy):
            lines.append(f"  {key:45s} {self.field_accuracy[key]:7.2%}  (n={self.field_counts[key]})")
        for key, seconds in sorted(self.seconds_per_document_by_type.items()):
            lines.append(f"  seconds {key:37s} {seconds:.2f}")
        return "\n".join(lines)


def evaluate_reading(
    samples_dir: Path,
    settings: Settings,
    *,
    ocr: OcrEngine | None = None,
    face: FaceEngine | None = None,
    limit: int | None = None,
) -> ReadingReport:
    """Read every dossier under ``samples_dir`` and compare types and fields with truth.json."""
    if ocr is None:
        from autopass.engines.registry import get_ocr_engine

        ocr = get_ocr_engine(settings)
    specs = load_document_specs(settings)
    hits: dict[str, list[bool]] = defaultdict(list)
    types: list[bool] = []
    seconds: dict[str, list[float]] = defaultdict(list)
    mismatches: list[Mismatch] = []
    cpu_seconds = 0.0
    dossiers = sorted(p.parent for p in Path(samples_dir).glob("*/truth.json"))
    for dossier in dossiers[:limit]:
        truth = json.loads((dossier / "truth.json").read_text(encoding="utf-8"))
        for file_name, expected in truth["documents"].items():
            expected_types = [expected] if isinstance(expected, str) else list(expected)
            pages = load_pages(dossier / file_name, settings)
            started = time.process_time()
            read = [doc for page in pages for doc in analyse_page(page.image, ocr=ocr, face=face, specs=specs)]
            cpu_seconds += time.process_time() - started
            for doc in read:
                seconds[str(doc.type)].append(doc.seconds)
            compare_documents(dossier.name, file_name, expected_types, read, truth.get("fields", {}),
                     types, hits, mismatches)
    all_seconds = [s for values in seconds.values() for s in values]
    return ReadingReport(
        documents=len(types),
        type_accuracy=sum(types) / len(types) if types else 0.0,
        field_accuracy={k: sum(v) / len(v) for k, v in hits.items()},
        field_counts={k: len(v) for k, v in hits.items()},
        seconds_per_document=sum(all_seconds) / len(all_seconds) if all_seconds else 0.0,
        seconds_per_document_by_type={k: sum(v) / len(v) for k, v in seconds.items()},
        cpu_seconds_per_document=cpu_seconds / len(all_seconds) if all_seconds else 0.0,
        mismatches=mismatches,
    )


def compare_documents(
    dossier: str,
    file_name: str,
    expected_types: list[str],
    read: Sequence[ReadDocument | DocumentResult],
    truth_fields: dict[str, dict[str, Any]],
    types: list[bool],
    hits: dict[str, list[bool]],
    mismatches: list[Mismatch],
) -> None:
    """Compare the documents read from one file with its truth, adding to the tallies.

    Works on the reading's documents and on the pipeline's results alike.
    """
    several = len(expected_types) > 1
    remaining = list(read)
    for expected_type in expected_types:
        key = f"{file_name}#{expected_type}" if several else file_name
        match = next((doc for doc in remaining if doc.type == expected_type), None)
        types.append(match is not None)
        if match is None:
            got = [str(doc.type) for doc in remaining] or None
            mismatches.append(Mismatch(dossier=dossier, key=key, field="type", expected=expected_type, got=got))
            continue
        remaining.remove(match)
        for name, expected_value in truth_fields.get(key, {}).items():
            field = match.fields.get(name)
            got = field.value if field else None
            ok = _same(expected_value, got)
            hits[f"{DocumentType(expected_type).value}.{name}"].append(ok)
            if not ok:
                mismatches.append(Mismatch(dossier=dossier, key=key, field=name, expected=expected_value,
                                           got=got, confidence=field.confidence if field else None))


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float | int) and not isinstance(expected, bool) and isinstance(got, float | int):
        return abs(float(expected) - float(got)) < 0.005
    return expected == got


def timed_reading(samples_dir: Path, settings: Settings, **kwargs: Any) -> tuple[ReadingReport, float]:
    """The report and the wall time it took (for the command line)."""
    started = time.perf_counter()
    report = evaluate_reading(samples_dir, settings, **kwargs)
    return report, time.perf_counter() - started
