"""Command-line entry point; importing a command module registers its commands on ``app``."""

from autopass.cli._app import app

__all__ = ["app"]
