"""Command-line entry point; importing a command module registers its commands on ``app``.

``main`` (the ``autopass`` command) imports the module of the command it is asked for and no
other: a command does not wait for every other command's imports (the web app, the sample
generator, SciPy, the benches: about 2 s of CPU), and ``autopass process`` starts Prefect's server
that much sooner. ``app`` is every command, loaded on first use (``from autopass.cli import app``).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

COMMAND_MODULES: dict[str, str] = {
    "samples": "samples",
    "faces": "faces",
    "db": "db",
    "users": "db",
    "standards": "standards",
    "process": "process",
    "serve": "serve",
    "bench": "bench",
    "bench-a4": "bench",
    "bench-captures": "bench",
    "bench-risk": "bench",
    "evaluate": "evaluate",
    "demo": "demo",
    "dealers": "dealers",
    "intake": "operations",
    "nightly": "operations",
    "notify-dealers": "operations",
    "cluster": "cluster",
    "agents": "agents",
    "voices": "voices",
    "calibrate": "calibrate",
    "risk": "risk",
}
"""Each command (or command group) of ``autopass`` and the module under ``autopass.cli`` that
registers it."""


def load_commands(modules: set[str] | None = None) -> Any:
    """The Typer app with the commands of ``modules`` registered (every command: None)."""
    from autopass.cli._app import app

    for module in sorted(set(COMMAND_MODULES.values()) if modules is None else modules):
        importlib.import_module(f"autopass.cli.{module}")
    return app


def main() -> None:
    """The ``autopass`` command: the command named on the command line loaded alone (every
    command for ``--help``, or a name it does not know, which Typer then refuses)."""
    command = next((argument for argument in sys.argv[1:] if not argument.startswith("-")), None)
    module = COMMAND_MODULES.get(command or "")
    load_commands(None if module is None else {module})(prog_name="autopass")


def __getattr__(name: str) -> Any:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMAND_MODULES", "app", "load_commands", "main"]
