"""``autopass calibrate``: per-field ``min_confidence`` from what people answered, as a proposal."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from autopass.cli._app import app
from autopass.quality.calibrate import (
    FieldCalibration,
    calibrate as calibrate_fields,
    check_proposal,
    proposed_yaml,
    reliability_svg,
    unified_diff,
)
from autopass.quality.measure import observations
from autopass.settings import get_settings
from autopass.standards import load_standard
from autopass.store import session_scope


@app.command()
def calibrate(
    product: Annotated[str, typer.Option(help="The standard to calibrate.")] = "new_car_loan",
    target_error: Annotated[float, typer.Option(
        min=0.0001, max=0.5, help="Largest error among trusted values (upper end of its 95% "
        "Wilson interval) a threshold may leave.")] = 0.01,
    since: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Only answers given from this day (UTC) on.")] = None,
    write: Annotated[bool, typer.Option(help="Write the proposal as a unified diff of the "
                                             "standard's YAML, to review and apply.")] = False,
    out: Annotated[Path | None, typer.Option(help="Where --write puts the diff (default "
                                                  "calibration-<product>.diff).")] = None,
    charts: Annotated[Path | None, typer.Option(help="Write one reliability SVG per field "
                                                     "into this folder.")] = None,
) -> None:
    """Per field, confidence against observed accuracy (QA reviews, confirm_field and
    resolve_mismatch answers in the store), and the lowest threshold that keeps the error among
    trusted values under --target-error; prints the proposed min_confidence changes and, where
    the answers are too few, how many are missing. Nothing is applied: --write writes a diff."""
    settings = get_settings()
    standard = load_standard(product, settings)
    start = datetime.combine(since.date(), time(), UTC) if since else None
    with session_scope(settings) as session:
        seen = observations(session, standards={product: standard}, since=start)
    found = calibrate_fields(standard, seen, target=target_error)
    console = Console(width=None if sys.stdout.isatty() else 160)  # a pipe: the whole table
    console.print(_table(found, target_error, since.date() if since else None))
    if charts is not None:
        charts.mkdir(parents=True, exist_ok=True)
        for calibration in found:
            (charts / f"{calibration.field}.svg").write_text(reliability_svg(calibration),
                                                             encoding="utf-8")
        console.print(f"reliability pictures: {charts}/<field>.svg ({len(found)})")
    changes = {c.field: c.proposed for c in found if c.changed and c.proposed is not None}
    if not changes:
        console.print("no change proposed")
        return
    for c in found:
        if c.field in changes:
            console.print(f"  {c.field}: min_confidence {c.current:.2f} -> {c.proposed:.2f}")
    if not write:
        console.print("(--write writes these as a diff of the standard to review)")
        return
    path = settings.standards_dir / f"{product}.yaml"
    before = path.read_text(encoding="utf-8")
    notes = {c.field: f"calibrated: {c.then.errors}/{c.then.n} wrong among trusted, target "
                      f"{target_error:.1%}" for c in found if c.field in changes and c.then}
    after = proposed_yaml(before, changes, notes)  # type: ignore[arg-type]
    check_proposal(after, changes)  # type: ignore[arg-type]
    target = out or Path(f"calibration-{product}.diff")
    target.write_text(unified_diff(before, after, f"{settings.standards_dir.name}/{product}.yaml"),
                      encoding="utf-8")
    console.print(f"wrote {target}: review it, then apply it from "
                  f"{settings.standards_dir.parent} with `git apply {target.resolve()}`")


def _table(found: list[FieldCalibration], target: float, since: date | None) -> Table:
    table = Table(title=f"calibration to {target:.1%} trusted-value error"
                        + (f", answers since {since}" if since else ""))
    for column in ("field", "answers", "now", "error now", "trusted now", "proposed",
                   "error then", "trusted then", "missing answers"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for c in found:
        table.add_row(
            c.field, str(c.observations), f"{c.current:.2f}",
            _error(c.now.errors, c.now.n, c.now.high), f"{c.trusted_share_now:.0%}",
            f"{c.proposed:.2f}" if c.proposed is not None else "-",
            _error(c.then.errors, c.then.n, c.then.high) if c.then else "-",
            f"{c.trusted_share_then:.0%}" if c.trusted_share_then is not None else "-",
            str(c.missing) if c.missing else "")
    return table


def _error(errors: int, n: int, high: float | None) -> str:
    return f"{errors}/{n} (<= {high:.1%})" if n and high is not None else "0/0"
