"""``autopass samples``: writes sample dossiers with ground truth (CONTRACT §1 and §4)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autopass.cli._app import app
from autopass.errors import MissingFontError
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import BUILTIN_NOTE
from autopass.devtools.samples.generator import generate_samples
from autopass.devtools.samples.templates import TemplateSelection


@app.command("samples")
def samples(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the dossiers into (dossier_0001, ...).")
    ],
    count: Annotated[int, typer.Option("--count", min=1, help="How many dossiers to write.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files, byte for byte.")] = 0,
    defect_rate: Annotated[
        float,
        typer.Option(
            "--defect-rate",
            min=0.0,
            max=1.0,
            help="Share (0 to 1) of dossiers with one planted defect: selfie of another person, ID or card number wrong in the application, invoice name or VIN mismatch, loan above 80% of the price, expired ID, missing document, unsigned contract.",
        ),
    ] = 0.0,
    difficulty: Annotated[
        Difficulty,
        typer.Option(
            "--difficulty",
            case_sensitive=False,
            help="Capture damage: easy (clean photos), normal, hard (low light, motion blur, glare, a finger, 600 px, JPEG 25).",
        ),
    ] = Difficulty.NORMAL,
    faces: Annotated[
        Path | None,
        typer.Option(
            "--faces",
            help="Folder of face photos (identities.csv with file,identity, or one sub-folder per person). Default: photos shipped by scikit-image.",
        ),
    ] = None,
    templates: Annotated[
        TemplateSelection,
        typer.Option(
            "--templates",
            case_sensitive=False,
            help="Which document templates to draw from: tuning (the ones the reader was adjusted on), holdout (never looked at while tuning) or all (each dossier from one group or the other).",
        ),
    ] = TemplateSelection.ALL,
    fraud_rate: Annotated[
        float,
        typer.Option(
            "--fraud-rate",
            min=0.0,
            max=1.0,
            help="Share (0 to 1) of dossiers planted in fraud rings, described under `fraud` in truth.json: one face under several names, a shared phone and bank card, one VIN on two loans, one invoice photo sent twice, a selfie shot of the ID card, an invoice whose total differs from its QR code.",
        ),
    ] = 0.0,
) -> None:
    """Write sample loan dossiers: phone photos and scans of Chinese documents, application.json
    and truth.json (what each file is, what it says, which defect was planted)."""
    console = Console(stderr=True)
    started = time.perf_counter()
    columns = (
        TextColumn("[bold]samples"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("", total=count)
            folders = generate_samples(
                out,
                count,
                seed,
                defect_rate=defect_rate,
                difficulty=difficulty,
                faces_dir=faces,
                templates=templates,
                fraud_rate=fraud_rate,
                on_dossier=lambda folder: progress.update(task, advance=1, description=folder.name),
            )
    except (MissingFontError, FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    if faces is None:
        console.print(f"[dim]{BUILTIN_NOTE}[/dim]")
    elapsed = time.perf_counter() - started
    typer.echo(f"wrote {len(folders)} dossiers to {Path(out).resolve()} in {elapsed:.1f} s")
