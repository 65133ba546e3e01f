"""``autopass faces evaluate PAIRS``: how the configured face engine separates people.

PAIRS is a ``img1,img2,label`` CSV, or a folder of ``<identity>/<photo>`` in which every two photos
of one identity are a same-person pair and every two of different identities a different-person
pair. Each photo goes through what the pipeline runs (``embed(find_small_faces=True)``, the
largest face, ``similarity``). Printed: the score distributions, ROC AUC, equal error rate, how
many same-person pairs score above every different-person pair, and false accepts and rejects at
candidate thresholds, so the bands in the standards rest on measurements.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from autopass.cli._app import app
from autopass.engines.base import Face, FaceEngine
from autopass.errors import AutopassError, ImageError
from autopass.imaging import load_pages
from autopass.devtools.samples.faces import load_face_source
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


@dataclass(frozen=True)
class Separation:
    """How far apart the same-person and different-person scores lie (faceless pairs left out)."""

    roc_auc: float
    equal_error_rate: float
    highest_different: float
    same_above_every_different: int  # same-person pairs that pass where no different one does
    same: int
    different: int


def score_pairs(pairs_csv: Path, engine: FaceEngine, settings: Settings) -> list[ScoredPair]:
    """Score every ``img1,img2,label`` row (paths relative to the CSV's folder), but those with
    a photo left out by ``_faces_of``."""
    with pairs_csv.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    missing = {"img1", "img2", "label"} - set(rows[0] if rows else {})
    if missing:
        raise AutopassError(f"{pairs_csv}: missing column(s) {', '.join(sorted(missing))}")
    faces = _faces_of({row[key] for row in rows for key in ("img1", "img2")}, pairs_csv.parent,
                      engine, settings)
    return [_score_row(row, faces, engine, pairs_csv) for row in rows
            if row["img1"] in faces and row["img2"] in faces]


def identity_pairs(folder: Path) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """Every two photos of ``folder`` as ``(photo, photo, label)`` (paths relative to it), and
    each photo's identity: a sub-folder per person, or ``identities.csv`` (``file,identity``)."""
    source = load_face_source(folder)
    identity_of = {str(path.relative_to(folder)): identity
                   for identity, paths in source.by_identity.items() for path in paths}
    pairs = [(first, second, "same" if identity_of[first] == identity_of[second] else "different")
             for first, second in itertools.combinations(sorted(identity_of), 2)]
    return pairs, identity_of


def score_identity_pairs(folder: Path, engine: FaceEngine,
                         settings: Settings) -> tuple[list[ScoredPair], dict[str, str]]:
    """``identity_pairs`` of ``folder`` scored, each photo embedded once (pairs with a photo left
    out by ``_faces_of`` are left out too); and the photos' identities."""
    pairs, identity_of = identity_pairs(folder)
    faces = _faces_of(identity_of, folder, engine, settings)
    scored = [ScoredPair(first, second, label, _similarity(faces[first], faces[second], engine))
              for first, second, label in pairs if first in faces and second in faces]
    return scored, identity_of


def false_accepts_and_rejects(pairs: list[ScoredPair], threshold: float) -> tuple[int, int]:
    """Different-person pairs at/above ``threshold``; same-person pairs below it or faceless."""
    false_accepts = sum(
        1 for p in pairs if p.label == "different" and p.score is not None and p.score >= threshold
    )
    false_rejects = sum(
        1 for p in pairs if p.label == "same" and (p.score is None or p.score < threshold)
    )
    return false_accepts, false_rejects


def separation(pairs: Iterable[ScoredPair]) -> Separation | None:
    """ROC AUC and equal error rate of the scored pairs, and the same-person pairs above the
    highest different-person score (of all same-person pairs: a faceless one passes no band);
    None without scored pairs of both kinds."""
    from scipy.stats import mannwhitneyu  # scikit-image's dependency; slow to import

    pairs = list(pairs)
    scored = [p for p in pairs if p.score is not None]
    same = np.asarray([p.score for p in scored if p.label == "same"], dtype=float)
    different = np.sort(
        np.asarray([p.score for p in scored if p.label == "different"], dtype=float))
    if not len(same) or not len(different):
        return None
    roc_auc = float(mannwhitneyu(same, different).statistic) / (len(same) * len(different))
    return Separation(
        roc_auc=roc_auc,
        equal_error_rate=_equal_error_rate(same, different),
        highest_different=float(different[-1]),
        same_above_every_different=int((same > different[-1]).sum()),
        same=sum(1 for p in pairs if p.label == "same"),
        different=len(different),
    )


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


def describe_separation(found: Separation | None) -> str:
    if found is None:
        return "needs scored same- and different-person pairs"
    return (
        f"roc_auc={found.roc_auc:.4f} eer={found.equal_error_rate:.2%} "
        f"highest_different={found.highest_different:.3f} "
        f"same_above_it={found.same_above_every_different}/{found.same}"
    )


@faces_app.command("evaluate")
def evaluate(
    pairs_source: Annotated[Path, typer.Argument(
        exists=True, metavar="PAIRS",
        help="img1,img2,label CSV, or a folder of <identity>/<photo> (every pair of its photos).",
    )],
    thresholds: Annotated[
        str, typer.Option(help="Comma-separated candidate thresholds on the similarity.")
    ] = ",".join(str(t) for t in DEFAULT_THRESHOLDS),
    groups: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False,
        help="CSV with identity and group columns (a folder's manifest): figures per group too.",
    )] = None,
) -> None:
    """Score distributions, separation and false accepts / rejects of the configured face engine."""
    from autopass.engines.registry import get_face_engine

    settings = get_settings()
    engine = get_face_engine(settings)
    if pairs_source.is_dir():
        pairs, identity_of = score_identity_pairs(pairs_source, engine, settings)
    else:
        pairs, identity_of = score_pairs(pairs_source, engine, settings), {}
    typer.echo(f"engine: {engine.name}; pairs: {len(pairs)}")
    for label in LABELS:
        scores = [p.score for p in pairs if p.label == label and p.score is not None]
        faceless = sum(1 for p in pairs if p.label == label and p.score is None)
        typer.echo(f"{label:>9}: {describe(scores)} no_face={faceless}")
    subsets = [("all pairs", pairs)]
    for group, members in (_groups(groups) if groups is not None else {}).items():
        subsets.append((f"group {group}", [
            p for p in pairs
            if identity_of.get(p.first) in members and identity_of.get(p.second) in members]))
    candidates = [float(t) for t in thresholds.split(",") if t.strip()]
    for title, subset in subsets:
        typer.echo(f"{title}: {describe_separation(separation(subset))}")
        _echo_errors(subset, candidates)
    closest = sorted(
        (p for p in pairs if p.label == "different" and p.score is not None),
        key=lambda p: p.score or 0.0,
        reverse=True,
    )[:3]
    for pair in closest:
        typer.echo(f"closest different: {pair.score:.3f} {pair.first} {pair.second}")


def _echo_errors(pairs: list[ScoredPair], thresholds: list[float]) -> None:
    same = sum(1 for p in pairs if p.label == "same")
    different = sum(1 for p in pairs if p.label == "different")
    typer.echo("threshold  false_accept  false_reject")
    for threshold in thresholds:
        false_accepts, false_rejects = false_accepts_and_rejects(pairs, threshold)
        typer.echo(
            f"{threshold:9.2f}  {false_accepts:4d}/{different:<4d}     "
            f"{false_rejects:4d}/{same:<4d}"
        )


def _equal_error_rate(same: np.ndarray, different_sorted: np.ndarray) -> float:
    """Where false accepts (different >= t) and false rejects (same < t) meet, over every t."""
    candidates = np.unique(np.concatenate([same, different_sorted]))
    accepted = len(different_sorted) - np.searchsorted(different_sorted, candidates, side="left")
    false_accept = accepted / len(different_sorted)
    false_reject = np.searchsorted(np.sort(same), candidates, side="left") / len(same)
    closest = int(np.argmin(np.abs(false_accept - false_reject)))
    return float((false_accept[closest] + false_reject[closest]) / 2)


def _groups(path: Path) -> dict[str, set[str]]:
    """Identities per group, from a CSV with ``identity`` and ``group`` columns."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    missing = {"identity", "group"} - set(rows[0] if rows else {})
    if missing:
        raise AutopassError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["group"], set()).add(row["identity"])
    return dict(sorted(found.items()))


def _faces_of(names: Iterable[str], folder: Path, engine: FaceEngine,
              settings: Settings) -> dict[str, Face | None]:
    """The largest face of each photo (None: no face), as the pipeline takes it; a photo the
    pipeline refuses to open (a WebP named .jpg) is named and left out."""
    found: dict[str, Face | None] = {}
    for name in sorted(names):
        try:
            image = load_pages(folder / name, settings)[0].image
        except ImageError as error:
            typer.echo(f"left out: {error}")
            continue
        faces = engine.embed(image, find_small_faces=True)
        found[name] = faces[0] if faces else None
    return found


def _similarity(first: Face | None, second: Face | None, engine: FaceEngine) -> float | None:
    return engine.similarity(first, second) if first and second else None


def _score_row(
    row: dict[str, str], faces: dict[str, Face | None], engine: FaceEngine, source: Path
) -> ScoredPair:
    label = row["label"].strip().lower()
    if label not in LABELS:
        raise AutopassError(f"{source}: label {row['label']!r} is neither same nor different")
    return ScoredPair(row["img1"], row["img2"], label,
                      _similarity(faces[row["img1"]], faces[row["img2"]], engine))
