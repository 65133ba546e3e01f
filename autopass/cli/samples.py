"""``autopass samples``: writes sample dossiers with ground truth (CONTRACT §1 and §4)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autopass.cli._app import app
from autopass.devtools.samples.calls import CallChannel
from autopass.devtools.samples.capture import Difficulty
from autopass.devtools.samples.faces import BUILTIN_NOTE
from autopass.devtools.samples.generator import CallOptions, generate_samples
from autopass.devtools.samples.templates import TemplateSelection
from autopass.errors import MissingFontError


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
    voices: Annotated[
        Path | None,
        typer.Option(
            "--voices",
            help="Folder of labelled speech (e.g. ../shared/datasets/voices-dev): each dossier gets a verification call answered by a speaker of its own, as far as the speakers go; `call` in truth.json says who.",
        ),
    ] = None,
    voice_rings: Annotated[
        int,
        typer.Option("--voice-rings", min=0, help="With --voices: rings of 2-5 dossiers whose calls one speaker answers."),
    ] = 0,
    call_agent: Annotated[
        bool,
        typer.Option("--call-agent", help="With --voices: a centre agent speaks before each of the applicant's turns (mono); their enrolment recording goes to OUT/agents/."),
    ] = False,
    call_channel: Annotated[
        CallChannel,
        typer.Option("--call-channel", case_sensitive=False, help="With --voices: wideband, or telephone (8 kHz, 300-3400 Hz, G.711 mu-law)."),
    ] = CallChannel.WIDEBAND,
) -> None:
    """Write sample loan dossiers: phone photos and scans of Chinese documents, application.json
    and truth.json (what each file is, what it says, which defect was planted)."""
    console = Console(stderr=True)
    if voices is None and (voice_rings or call_agent):
        console.print("[red]error:[/red] --voice-rings and --call-agent need --voices DIR")
        raise typer.Exit(2)
    calls = (CallOptions(voices, voice_rings, call_agent, call_channel)
             if voices is not None else None)
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
                calls=calls,
                on_dossier=lambda folder: progress.update(task, advance=1, description=folder.name),
            )
    except (MissingFontError, FileNotFoundError, ValueError) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    if faces is None:
        console.print(f"[dim]{BUILTIN_NOTE}[/dim]")
    if calls is not None:
        cast = calls.cast(seed, count, fraud_rate)
        if len(cast.calls) < count:
            console.print(f"{count - len(cast.calls)} dossiers have no call: {voices} holds "
                          f"{cast.speakers} speakers (agent, ring speakers, then one dossier "
                          "each), and a --fraud-rate ring's dossiers get none")
    elapsed = time.perf_counter() - started
    typer.echo(f"wrote {len(folders)} dossiers to {Path(out).resolve()} in {elapsed:.1f} s")
