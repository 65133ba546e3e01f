"""``autopass standards check|schema``: validate the standards files, regenerate their JSON Schema."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from autopass.cli._app import app
from autopass.settings import get_settings
from autopass.standards import check_all, write_schema

standards_app = typer.Typer(
    help="Product standards (standards/*.yaml) and document specs (standards/documents/*.yaml).",
    no_args_is_help=True,
)
app.add_typer(standards_app, name="standards")


@standards_app.command("check")
def check() -> None:
    """Load every standards file and say OK or what is wrong (exit code 1 on any error)."""
    console = Console(highlight=False, soft_wrap=True)
    results = check_all(get_settings())
    for file, error in results.items():
        if error is None:
            console.print(f"[green]OK[/green]    {escape(file)}")
        else:
            console.print(f"[red]ERROR[/red] {escape(error)}")
    errors = sum(error is not None for error in results.values())
    if errors:
        console.print(f"{errors} of {len(results)} files have errors")
        raise typer.Exit(1)
    console.print(f"all {len(results)} files OK")


@standards_app.command("schema")
def schema() -> None:
    """Regenerate standards/schema.json from the models (editors validate YAML with it)."""
    path = write_schema(get_settings())
    typer.echo(f"wrote {path}")
