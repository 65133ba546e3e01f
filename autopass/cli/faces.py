"""``autopass faces evaluate PAIRS_CSV``: how the configured face engine separates people.

Prints the same-person and different-person score distributions and, for candidate thresholds,
the false-accept and false-reject counts, so the bands in the standards rest on measurements.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from autopass.cli._app import app
from autopass.engines.base import Face, FaceEngine
from autopass.errors import AutopassError
from autopass.imaging import load_pages
from autopass.settings import Settings, get_settings

faces_app = typer.Typer(help="Face engine studies.", no_args_is_help=True)
app.add_typer(faces_app, name="faces")

DEFAULT_THRESHOLDS = tuple(round(0.30 + 0.05 * step, 2) for step in range(9))  # 0.30 .. 0.70
LABELS = ("same", "different")


@dataclass(frozen=True)
class ScoredPair:
    first: str
    second: str
    label: str  # "same" or "different"
    score: float | None  # None when either image shows no face


def score_pairs(pairs_csv: Path, engine: FaceEngine, settings: Settings) -> list[ScoredPair]:
    """Score every ``img1,img2,label`` row; image paths are relative to the CSV's folder."""
    with pairs_csv.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    missing = {"img1", "img2", "label"} - set(rows[0] if rows else {})
    if missing:
        raise AutopassError(f"{pairs_csv}: missing column(s) {', '.join(sorted(missing))}")
    faces: dict[str, Face | None] = {}
    for name in {row[key] for row in rows for key in ("img1", "img2")}:
        faces[name] = _largest_face(pairs_csv.parent / name, engine, settings)
    return [_score_row(row, faces, engine, pairs_csv) for row in rows]


def false_accepts_and_rejects(pairs: list[ScoredPair], threshold: float) -> tuple[int, int]:
    """Different-person pairs at/above ``threshold``; same-person pairs below it or faceless."""
    false_accepts = sum(
        1 for p in pairs if p.label == "different" and p.score is not None and p.score >= threshold
    )
    false_rejects = sum(
        1 for p in pairs if p.label == "same" and (p.score is None or p.score < threshold)
    )
    return false_accepts, false_rejects


def describe(scores: list[float]) -> str:
    """``n, min, p5, median, p95, max`` of a list of scores."""
    if not scores:
        return "n=0"
    values = np.asarray(scores)
    p5, median, p95 = np.percentile(values, [5, 50, 95])
    return (
        f"n={len(values)} min={values.min():.3f} p5={p5:.3f} median={median:.3f} "
        f"p95={p95:.3f} max={values.max():.3f}"
    )


@faces_app.command("evaluate")
def evaluate(
    pairs_csv: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="img1,img2,label")],
    thresholds: Annotated[
        str, typer.Option(help="Comma-separated candidate thresholds on the similarity.")
    ] = ",".join(str(t) for t in DEFAULT_THRESHOLDS),
) -> None:
    """Score distributions and false accepts / rejects of the configured face engine."""
    from autopass.engines.registry import get_face_engine

    settings = get_settings()
    engine = get_face_engine(settings)
    pairs = score_pairs(pairs_csv, engine, settings)
    typer.echo(f"engine: {engine.name}; pairs: {len(pairs)}")
    for label in LABELS:
        scores = [p.score for p in pairs if p.label == label and p.score is not None]
        faceless = sum(1 for p in pairs if p.label == label and p.score is None)
        typer.echo(f"{label:>9}: {describe(scores)} no_face={faceless}")
    same = sum(1 for p in pairs if p.label == "same")
    different = sum(1 for p in pairs if p.label == "different")
    typer.echo("threshold  false_accept  false_reject")
    for threshold in (float(t) for t in thresholds.split(",") if t.strip()):
        false_accepts, false_rejects = false_accepts_and_rejects(pairs, threshold)
        typer.echo(
            f"{threshold:9.2f}  {false_accepts:4d}/{different:<4d}     "
            f"{false_rejects:4d}/{same:<4d}"
        )
    closest = sorted(
        (p for p in pairs if p.label == "different" and p.score is not None),
        key=lambda p: p.score or 0.0,
        reverse=True,
    )[:3]
    for pair in closest:
        typer.echo(f"closest different: {pair.score:.3f} {pair.first} {pair.second}")


def _largest_face(path: Path, engine: FaceEngine, settings: Settings) -> Face | None:
    # Both engines take find_small_faces (a face is expected here); base.FaceEngine lacks it yet.
    faces = engine.embed(load_pages(path, settings)[0].image, find_small_faces=True)
    return faces[0] if faces else None


def _score_row(
    row: dict[str, str], faces: dict[str, Face | None], engine: FaceEngine, source: Path
) -> ScoredPair:
    label = row["label"].strip().lower()
    if label not in LABELS:
        raise AutopassError(f"{source}: label {row['label']!r} is neither same nor different")
    first, second = faces[row["img1"]], faces[row["img2"]]
    score = engine.similarity(first, second) if first and second else None
    return ScoredPair(row["img1"], row["img2"], label, score)
