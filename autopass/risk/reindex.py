"""Rebuild the risk indexes from the store, and check them against the exhaustive lookups.

Both indexes are derived from rows the store keeps: a photo fingerprint's quarters from its hash
(written in its own row), a face index from the ``face_embeddings`` and ``voice_embeddings`` rows.
``reindex`` writes the quarters again and a fresh snapshot of each face and voice index (what a
new process starts from); ``check_faces`` and ``check_photos`` ask random stored entries both
ways, through the index and by reading every row, and list the answers that differ (there should
be none).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from autopass.risk.faces import Embeddings, FaceIndex, Similarity, as_vector, scan_within
from autopass.risk.image_reuse import BANDS, BAND_BITS, PageFingerprint, photo_links
from autopass.risk.links import Applicant
from autopass.store.models import FaceEmbedding, PhotoFingerprint, VoiceEmbedding

EMBEDDINGS: tuple[Embeddings, ...] = (FaceEmbedding, VoiceEmbedding)
_EVER = datetime(1970, 1, 1, tzinfo=UTC)
_NOBODY = Applicant("", "")  # differs from every stored applicant


@dataclass(frozen=True)
class Rebuilt:
    table: str
    engine: str
    dimension: int
    entries: int
    seconds: float
    memory_bytes: int
    snapshot: Path


def stored_engines(session: Session) -> list[tuple[Embeddings, str, int]]:
    """Every (table, engine, dimension) the store holds vectors of."""
    return [(table, engine, dimension) for table in EMBEDDINGS
            for engine, dimension in session.execute(
                sa.select(table.engine, table.dimension).distinct()
                .order_by(table.engine, table.dimension)).all()]


def reindex(session: Session, *, database: str, snapshots: Path) -> tuple[int, list[Rebuilt]]:
    """Write every fingerprint's quarters from its hash (returns how many were wrong) and a
    snapshot of each face and voice index built afresh from the store."""
    shift = BANDS * BAND_BITS
    quarters = {f"band{band}": sa.text(f"(phash >> {shift - BAND_BITS * (band + 1)}) & 65535")
                for band in range(BANDS)}
    fixed = session.execute(
        sa.update(PhotoFingerprint)
        .where(sa.or_(*(getattr(PhotoFingerprint, name) != value
                        for name, value in quarters.items())))
        .values(**quarters).execution_options(synchronize_session=False)
    ).rowcount
    rebuilt = []
    for table, engine, dimension in stored_engines(session):
        started = time.perf_counter()
        index = FaceIndex(engine, dimension, table, database=database)  # not from a snapshot
        index.catch_up(session)
        index.snapshots = snapshots
        saved = index.save(session)
        rebuilt.append(Rebuilt(table.__tablename__, engine, dimension, len(index),
                               time.perf_counter() - started, index.memory_bytes, saved))
    return fixed, rebuilt


@dataclass
class Agreement:
    """Random stored entries of one kind looked up both ways."""

    name: str
    asked: int = 0
    found: int = 0  # entries found (through the index) other than the one asked with
    differing: list[str] = field(default_factory=list)


def check_faces(session: Session, index: FaceIndex, *, similarity: Similarity, at: float,
                sample: int, seed: int = 0) -> Agreement:
    """``sample`` stored vectors of the index's engine, a little moved, searched through the
    index and by reading every stored one: the same faces must come back."""
    table = index.table
    rng = np.random.default_rng(seed)
    agreement = Agreement(f"{table.__tablename__}:{index.engine}")
    for row_id, data in _sample(session, table, sample, rng, table.engine == index.engine,
                                table.dimension == index.dimension):
        vector = as_vector(data, index.dimension)
        vector = vector + rng.normal(scale=0.01 * float(np.abs(vector).mean() or 1.0),
                                     size=vector.size).astype(np.float32)
        through = {face.id for face, _ in index.within(session, vector, similarity=similarity,
                                                       at=at)}
        scanned = {face.id for face, _ in scan_within(
            session, vector, engine=index.engine, dimension=index.dimension,
            similarity=similarity, at=at, table=table)}
        agreement.asked += 1
        agreement.found += len(through - {row_id})
        if through != scanned:
            agreement.differing.append(f"row {row_id}: index {sorted(through)}, every row "
                                       f"{sorted(scanned)}")
    return agreement


def check_photos(session: Session, *, within: int, sample: int, seed: int = 0) -> Agreement:
    """``sample`` stored fingerprints, with ``within`` random bits flipped, looked up through
    the quarters and by reading every stored fingerprint: the same dossiers must come back."""
    rng = np.random.default_rng(seed)
    agreement = Agreement("photo_fingerprints")
    rows = session.scalars(sa.select(PhotoFingerprint).where(PhotoFingerprint.id.in_(
        [row_id for row_id, _ in _sample(session, PhotoFingerprint, sample, rng)]))).all()  # type: ignore[union-attr]
    for row in rows:
        flipped = row.phash & 0xFFFF_FFFF_FFFF_FFFF
        for bit in rng.choice(64, size=within, replace=False):
            flipped ^= 1 << int(bit)
        other = int(rng.integers(0, 1 << 63)) << 1
        fp = PageFingerprint("check", 1, row.kind, (flipped, other, other ^ 1, other ^ 2))
        ask = {"within": within, "since": _EVER}
        through = _found(photo_links(session, [fp], _NOBODY, **ask))  # type: ignore[arg-type]
        scanned = _found(photo_links(session, [fp], _NOBODY, indexed=False, **ask))  # type: ignore[arg-type]
        agreement.asked += 1
        agreement.found += len(through)
        if through != scanned:
            agreement.differing.append(f"fingerprint {row.id}: index {sorted(through)}, every "
                                       f"row {sorted(scanned)}")
    return agreement


def _found(links: list) -> set[tuple[str, int]]:  # type: ignore[type-arg]
    return {(link.attribute.kind, link.dossier_id) for link in links}


def _sample(session: Session, table: Embeddings | type[PhotoFingerprint], count: int,
            rng: np.random.Generator, *where: sa.ColumnElement[bool]) -> list[tuple[int, bytes]]:
    """``count`` random rows (id, vector or None) of ``table``."""
    ids = session.scalars(sa.select(table.id).where(*where)).all()  # type: ignore[union-attr]
    picked = sorted(int(i) for i in rng.choice(ids, min(count, len(ids)), replace=False)) if ids else []
    if table is PhotoFingerprint:
        return [(row_id, b"") for row_id in picked]
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        sa.select(table.id, table.vector).where(table.id.in_(picked)).order_by(table.id)).all()]  # type: ignore[union-attr]


