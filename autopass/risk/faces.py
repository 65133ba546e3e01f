"""Faces searched 1:N: every stored ID portrait and selfie, in an ANN index per face engine.

The store (``face_embeddings``) is the truth; the index (usearch, cosine on the engine's vectors)
is a cache of it in this process. Before each search the index takes in the rows it lacks, by id:
a process that starts finds every stored face, and a face committed by another process, or by
this one just before it crashed, is found by the next search. Rows deleted since (a dossier sent
again) are dropped from the answer, which is read back from the store. The index only proposes
the nearest faces; the engine's own similarity decides. Calls' voiceprints (``voice_embeddings``,
same columns) are searched by the same machinery: ``face_index(..., table=VoiceEmbedding)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# onnxruntime (1.32) crashes the process (SIGSEGV) when it is first imported after usearch
# (2.26): loaded first, both work. The engines need it anyway.
import onnxruntime  # noqa: F401, I001
import sqlalchemy as sa
from sqlmodel import Session
from usearch.index import Index

from autopass.store.models import FaceEmbedding, VoiceEmbedding

Embeddings = type[FaceEmbedding] | type[VoiceEmbedding]

Similarity = Callable[[np.ndarray, np.ndarray], float]
LATE_COMMITS = 1000
"""Ids below the highest indexed one that are looked at again at each search: on PostgreSQL a
transaction that took an id earlier may commit after one that took a later id."""
_BATCH = 10_000


@dataclass(frozen=True)
class StoredFace:
    id: int
    dossier_id: int
    id_number: str
    cluster: str
    vector: np.ndarray
    channel: str = ""  # a call's (telephone | wideband); faces have none


def as_vector(data: bytes, dimension: int) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4", count=dimension)


def as_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


class FaceIndex:
    """The faces one engine stored, searchable by nearest neighbour; safe across threads."""

    def __init__(self, engine: str, dimension: int, table: Embeddings = FaceEmbedding) -> None:
        self.engine = engine
        self.dimension = dimension
        self.table = table
        self._index = Index(ndim=dimension, metric="cos", dtype="f32")
        self._indexed_up_to = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    def catch_up(self, session: Session) -> int:
        """Index the stored faces the index lacks; returns how many were added."""
        added = 0
        with self._lock:
            start = max(0, self._indexed_up_to - LATE_COMMITS)
            while True:
                rows = session.execute(
                    sa.select(self.table.id, self.table.vector)
                    .where(self.table.engine == self.engine,
                           self.table.dimension == self.dimension,
                           self.table.id > start)  # type: ignore[operator]
                    .order_by(self.table.id).limit(_BATCH)
                ).all()
                if not rows:
                    return added
                new = [(row_id, data) for row_id, data in rows if row_id not in self._index]
                if new:
                    keys = np.array([row_id for row_id, _ in new], dtype=np.uint64)
                    vectors = np.stack([as_vector(data, self.dimension) for _, data in new])
                    self._index.add(keys, vectors)
                    added += len(new)
                start = rows[-1][0]
                self._indexed_up_to = max(self._indexed_up_to, start)

    def nearest(self, session: Session, vector: np.ndarray, count: int) -> list[StoredFace]:
        """The stored faces nearest ``vector`` (after catching up), as the store holds them now."""
        self.catch_up(session)
        if len(self._index) == 0:
            return []
        with self._lock:
            matches = self._index.search(np.asarray(vector, dtype=np.float32), count)
        ids = [int(key) for key in matches.keys]
        if not ids:
            return []
        rows = session.scalars(
            sa.select(self.table).where(self.table.id.in_(ids))  # type: ignore[union-attr]
        ).all()
        return [StoredFace(row.id, row.dossier_id, row.id_number, row.cluster,
                           as_vector(row.vector, row.dimension), getattr(row, "channel", ""))
                for row in rows]


_INDEXES: dict[tuple[str, str, int, str], FaceIndex] = {}
_INDEXES_LOCK = threading.Lock()


def face_index(database: str, engine: str, dimension: int,
               table: Embeddings = FaceEmbedding) -> FaceIndex:
    """This process's index of ``engine``'s faces (or voices: ``table``) in the store at
    ``database`` (made on first use, filled from the store at its first search)."""
    key = (database, engine, dimension, table.__tablename__)
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = FaceIndex(engine, dimension, table)
        return _INDEXES[key]


def forget_indexes() -> None:
    """Drop every index of this process (as a restart would): the next search rebuilds it."""
    with _INDEXES_LOCK:
        _INDEXES.clear()
