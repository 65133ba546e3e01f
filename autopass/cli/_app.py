"""The ``autopass`` command: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from autopass.private_data import secure_data_dir, use_private_umask
from autopass.settings import get_settings, prepare_prefect_environment

app = typer.Typer(
    name="autopass",
    help="Autopass: automated checks of auto-loan dossiers, with a human micro-task queue.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _main() -> None:
    """Runs before every command: what it creates is private, and Prefect must be configured
    before it is imported."""
    use_private_umask()
    settings = get_settings()
    secure_data_dir(settings)
    prepare_prefect_environment(settings)
