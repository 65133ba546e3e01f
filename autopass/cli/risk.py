"""``autopass risk reindex|check-index``: the indexes of the lookups across dossiers."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer
from rich.console import Console

from autopass.cli._app import app
from autopass.settings import get_settings

risk_app = typer.Typer(help="Lookups across dossiers: faces, voices, photos (README \"Fraud\").",
                       no_args_is_help=True)
app.add_typer(risk_app, name="risk")
_out = Console()


@risk_app.command("reindex")
def risk_reindex() -> None:
    """Rebuild the indexes from the store: every photo fingerprint's quarters from its hash, and
    a fresh snapshot of each face and voice index, which a new process then starts from (run it
    nightly; safe at any time, and after deleting the snapshots folder)."""
    from autopass.risk.reindex import reindex
    from autopass.store import session_scope

    settings = get_settings()
    with session_scope(settings) as session:
        fixed, rebuilt = reindex(session, database=settings.store_url,
                                 snapshots=settings.indexes_dir)
    _out.print(f"photo fingerprints: {fixed} row(s) whose quarters disagreed with the hash")
    for one in rebuilt:
        _out.print(f"{one.table} {one.engine} ({one.dimension}-d): {one.entries} entries in "
                   f"{one.seconds:.1f} s, {one.memory_bytes / 2**20:.0f} MiB -> {one.snapshot}")


@risk_app.command("check-index")
def risk_check_index(
    sample: Annotated[int, typer.Option(min=1, help="Random stored entries per index.")] = 300,
    product: Annotated[str, typer.Option(help="Standard whose thresholds apply.")] = "new_car_loan",
    seed: Annotated[int, typer.Option(help="Seed of the draw.")] = 0,
) -> None:
    """Look random stored entries up through each index and by reading every stored row: exit 1
    when an answer differs (faces of the configured engine, voices, photos)."""
    from autopass.engines.base import Face
    from autopass.engines.registry import get_face_engine, get_voice_engine
    from autopass.risk.faces import face_index
    from autopass.risk.reindex import check_faces, check_photos, stored_engines
    from autopass.standards import load_standard
    from autopass.store import FaceEmbedding, session_scope

    settings = get_settings()
    policy = load_standard(product, settings).risk
    results = []
    with session_scope(settings) as session:
        for table, engine_name, dimension in stored_engines(session):
            index = face_index(settings.store_url, engine_name, dimension, table,
                               snapshots=settings.indexes_dir)
            if table is FaceEmbedding and engine_name == settings.face_engine \
                    and engine_name in policy.faces:
                engine = get_face_engine(settings)

                def similarity(a: np.ndarray, b: np.ndarray) -> float:
                    return engine.similarity(Face((0, 0, 0, 0), a, 1.0), Face((0, 0, 0, 0), b, 1.0))

                at = policy.faces[engine_name].same_person_at
            elif table is not FaceEmbedding and engine_name == settings.voice_engine \
                    and engine_name in policy.voices:
                similarity = get_voice_engine(settings).similarity  # type: ignore[assignment]
                at = min(policy.voices[engine_name].same_voice_at.values())
            else:
                _out.print(f"{table.__tablename__} {engine_name}: not the configured engine of "
                           f"{product}, not checked")
                continue
            results.append(check_faces(session, index, similarity=similarity, at=at,
                                       sample=sample, seed=seed))
        results.append(check_photos(session, within=policy.photos.same_photo_within,
                                    sample=sample, seed=seed))
    for result in results:
        _out.print(f"{result.name}: {result.asked} looked up both ways, {result.found} other "
                   f"entries found, {len(result.differing)} answer(s) differ")
        for line in result.differing[:10]:
            _out.print(f"  {line}")
    raise typer.Exit(1 if any(result.differing for result in results) else 0)
