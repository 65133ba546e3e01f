"""``autopass process``: dossiers in, one result each (CONTRACT §3)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.cli._running import process_folders
from autopass.errors import ProcessingFailed

EXIT_UNREADABLE_DOSSIER = 2
EXIT_PROCESSING_FAILED = 3


@app.command()
def process(
    dossiers: Annotated[list[Path], typer.Argument(help="Dossier folders (application.json + images).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per dossier (JSON Lines).")
    ] = False,
    product: Annotated[
        str | None, typer.Option(help="Apply this standard instead of the application's product.")
    ] = None,
) -> None:
    """Check each dossier and record it in the store; models and Prefect start once.

    Exit code 0 when every dossier produced a result (also `review` and `reject`), 2 when any
    dossier could not be read at all, 3 when processing one broke (a fault of a service or of
    Autopass, not of the dossier); each is named on stderr and the others are still processed.
    """
    out = Console(highlight=False)
    exit_code = 0
    for processed in process_folders(dossiers, product=product):
        if processed.error is not None:
            print(f"autopass: {processed.error}", file=sys.stderr, flush=True)
            failed = isinstance(processed.error, ProcessingFailed)
            exit_code = max(exit_code,
                            EXIT_PROCESSING_FAILED if failed else EXIT_UNREADABLE_DOSSIER)
            continue
        result = processed.result
        assert result is not None
        if as_json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            out.print(
                f"{result['application_id']}: [bold]{result['decision']}[/bold] "
                f"({len(result['microtasks'])} micro-task(s), {result['elapsed_ms']} ms)"
            )
    raise typer.Exit(exit_code)
