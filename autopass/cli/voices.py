"""``autopass voices ...``: voiceprint measurements on a folder of labelled speech."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from autopass.cli._app import app
from autopass.settings import get_settings

voices_app = typer.Typer(help="Voiceprint measurements (README \"Recorded calls\").",
                         no_args_is_help=True)
app.add_typer(voices_app, name="voices")
Folder = Annotated[Path, typer.Argument(help="Labelled speech, e.g. ../shared/datasets/voices-dev.")]


@voices_app.command("measure")
def voices_measure(folder: Folder) -> None:
    """Equal-error rate and its threshold per channel, and seconds per 60 s call."""
    from autopass.devtools.voices import measure
    from autopass.engines.registry import get_voice_engine

    print(json.dumps(measure(get_voice_engine(get_settings()), folder), indent=1))


@voices_app.command("speed")
def voices_speed(
    folder: Folder,
    calls: Annotated[int, typer.Option(help="60 s calls timed (one applicant each).")] = 3,
    product: Annotated[str, typer.Option(help="Standard whose thresholds apply.")] = "new_car_loan",
) -> None:
    """CPU seconds to check a 60 s telephone call with the agent in it, per way of making the
    voiceprint (a bench: run it on a quiet machine)."""
    from autopass.devtools.voices import call_check_speed
    from autopass.engines.registry import get_voice_engine
    from autopass.standards import load_standard

    settings = get_settings()
    engine = get_voice_engine(settings)
    search = load_standard(product, settings).risk.voices[engine.name]
    print(json.dumps(call_check_speed(engine, folder, search, calls=calls), indent=1))


@voices_app.command("rings")
def voices_rings(
    folder: Folder,
    seeds: Annotated[int, typer.Option(help="Independent draws (agent, rings, clean).")] = 3,
    product: Annotated[str, typer.Option(help="Standard whose thresholds apply.")] = "new_car_loan",
    first: Annotated[int, typer.Option(help="The first draw's seed (draws first, first+1, ...).")] = 1,
    pool_windows: Annotated[bool, typer.Option(
        "--pool-windows/--embed-again",
        help="The applicant's voiceprint as the mean of the kept 2 s windows' (no second pass), "
             "or their speech embedded again.")] = False,
    stride: Annotated[int, typer.Option(
        min=1, help="Embed one 2 s window in STRIDE to tell the agent (all where a turn changes "
                    "hands).")] = 1,
) -> None:
    """Planted same-voice rings among telephone calls with an agent: found and clean flagged."""
    from autopass.devtools.voices import ring_evaluation
    from autopass.engines.registry import get_voice_engine
    from autopass.standards import load_standard

    settings = get_settings()
    engine = get_voice_engine(settings)
    search = load_standard(product, settings).risk.voices[engine.name]
    for seed in range(first, first + seeds):
        print(json.dumps(ring_evaluation(engine, folder, search, seed=seed,
                                         pool_windows=pool_windows, stride=stride)),
              flush=True)
