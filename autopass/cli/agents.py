"""``autopass agents ...``: the centre's agents enrolled by voice, whose turns are dropped from
recorded calls before the applicant's voiceprint is made."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.cli.db import store_errors_exit
from autopass.engines.registry import get_voice_engine
from autopass.settings import get_settings
from autopass.store import session_scope, utc_now
from autopass.voice.agents import enrol, enrolled_agents
from autopass.voice.audio import AudioError, decode

agents_app = typer.Typer(help="Agents of the centre, enrolled by voice.", no_args_is_help=True)
app.add_typer(agents_app, name="agents")
_console = Console(stderr=True)


@agents_app.command("enrol")
def agents_enrol(
    name: Annotated[str, typer.Argument(help="The agent's name or staff id.")],
    files: Annotated[list[Path], typer.Argument(
        help="Recordings of the agent alone (.wav, .flac, .mp3, .m4a); 30 s or more in all.")],
) -> None:
    """Enrol (or enrol again) an agent from recordings of their voice alone."""
    settings = get_settings()
    try:
        recordings = [decode(path).samples for path in files]
    except AudioError as exc:
        _console.print(f"error: {exc}")
        raise typer.Exit(2) from None
    engine = get_voice_engine(settings)
    with store_errors_exit() as session:
        try:
            _agent, seconds = enrol(session, engine, name, recordings, now=utc_now())
        except ValueError as exc:
            _console.print(f"error: {exc}")
            raise typer.Exit(2) from None
    _console.print(f"agent {name} enrolled from {seconds:.1f} s of speech"
                   + (" (under 30 s: enrol more for a steadier voiceprint)" if seconds < 30 else ""))


@agents_app.command("list")
def agents_list() -> None:
    """The agents enrolled with the configured speaker engine."""
    settings = get_settings()
    with session_scope(settings) as session:
        for agent in enrolled_agents(session, settings.voice_engine):
            print(agent.name)
