"""Faces searched 1:N: every stored ID portrait and selfie, in an ANN index per face engine.

The store (``face_embeddings``) is the truth; the index (usearch's HNSW graph on the engine's
vectors, cosine, or squared euclidean for an engine whose similarity is a distance) is a cache of
it in this process. Before each search the index takes in the rows it lacks, by id: a face
committed by another process, or by this one just before it crashed, is found by the next search.
Rows deleted since (a dossier sent again) are dropped from the answer, which is read back from the
store. A search asks for every stored face at or above a similarity (``within``): the index's
nearest ones, widened while the farthest of them still reaches it, each then scored by the
engine's own similarity on the stored vector; ``scan_within`` reads every stored face instead (the
same answer the slow way, which ``autopass risk check-index`` and the tests compare it with).

A process does not rebuild the graph of a million faces at its first search: ``save`` writes a
snapshot (``autopass risk reindex``, the nightly batch) named by the highest row id it holds, and a
new process loads the newest snapshot and catches up from there. A snapshot is written to a
temporary file and renamed, so a process killed while writing leaves the previous one whole; one
that disagrees with the store (a sample of its vectors differs) is ignored and the index rebuilt.
Calls' voiceprints (``voice_embeddings``, same columns) are searched by the same machinery:
``face_index(..., table=VoiceEmbedding)``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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
EUCLIDEAN_ENGINES = frozenset({"dlib"})
"""Engines whose similarity falls with the euclidean distance of their (not unit-length) vectors:
indexed by that distance, so that the index's order is the similarity's."""
CONNECTIVITY = 32
"""HNSW's links per node (usearch's default is 16). At 1,000,000 random 128-d faces, 16 links,
adding at depth 64 and searching at 128 found the whole answer in 83.5% of the searches; 32, 128
and 256 in 100%, at 760 MiB and a search p95 of 7 ms, for a build 2.8 times as long
(``autopass bench-risk --entries 1000000``, README "Scaling the lookups")."""
EXPANSION_SEARCH = 256
"""HNSW's search depth (usearch's default is 64): recall against an exact search is what it buys."""
EXPANSION_ADD = 128
"""HNSW's depth when adding (usearch's default): the graph's quality at a million faces."""
INDEX_DTYPE = "f16"
"""The index keeps half-precision copies (half the memory); the answer is scored on the store's
float32 vectors."""
SNAPSHOT_SAMPLE = 64  # stored vectors compared with a loaded snapshot's
_HALF_PRECISION = 0.01  # how far a similarity on the index's copies may be from the store's
_BATCH = 10_000
_STALE_TEMPORARY_S = 3600


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
    """The faces one engine stored, searchable by nearest neighbour; safe across threads.

    ``snapshots``: a folder where ``save`` keeps the index and from which a new one starts (None:
    rebuilt from the store); ``database`` names the store the snapshots are of."""

    def __init__(self, engine: str, dimension: int, table: Embeddings = FaceEmbedding, *,
                 snapshots: Path | None = None, database: str = "") -> None:
        self.engine = engine
        self.dimension = dimension
        self.table = table
        self.metric = "l2sq" if engine in EUCLIDEAN_ENGINES else "cos"
        self.snapshots = snapshots
        digest = hashlib.sha256(database.encode()).hexdigest()[:12]
        self._prefix = f"{table.__tablename__}-{engine}-{dimension}-{self.metric}-{digest}-"
        self._index = self._empty()
        self._indexed_up_to = 0
        self._started = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._index)

    @property
    def memory_bytes(self) -> int:
        return int(self._index.memory_usage)

    def catch_up(self, session: Session) -> int:
        """Index the stored faces the index lacks; returns how many were added."""
        added = 0
        with self._lock:
            if not self._started:
                self._start(session)
            start = max(0, self._indexed_up_to - LATE_COMMITS)
            connection = session.connection()  # plain rows: no ORM objects on this path
            while True:
                # Ids first: the late window is read again at every search, its vectors only
                # when the index lacks them.
                ids = connection.execute(
                    sa.select(self.table.id).where(*self._rows(), self.table.id > start)  # type: ignore[operator]
                    .order_by(self.table.id).limit(_BATCH)
                ).scalars().all()
                if not ids:
                    return added
                present = self._index.contains(np.asarray(ids, dtype=np.uint64))
                missing = [row_id for row_id, known in zip(ids, present, strict=True)
                           if not known]
                if missing:
                    rows = connection.execute(
                        sa.select(self.table.id, self.table.vector)
                        .where(self.table.id.in_(missing))  # type: ignore[union-attr]
                        .order_by(self.table.id)
                    ).all()
                    if rows:
                        self._index.add(
                            np.array([row_id for row_id, _ in rows], dtype=np.uint64),
                            np.stack([as_vector(data, self.dimension) for _, data in rows]),
                            threads=1)
                        added += len(rows)
                start = ids[-1]
                self._indexed_up_to = max(self._indexed_up_to, start)
                if len(ids) < _BATCH:
                    return added

    def within(self, session: Session, vector: np.ndarray, *, similarity: Similarity,
               at: float, candidates: int = 10) -> list[tuple[StoredFace, float]]:
        """Every stored face whose similarity to ``vector`` is ``at`` or more, with it, as the
        store holds them now: the index's ``candidates`` nearest, doubled while the farthest of
        them (as indexed) still reaches ``at``."""
        self.catch_up(session)
        query = np.asarray(vector, dtype=np.float32)
        with self._lock:
            total = len(self._index)
            count = min(max(1, candidates), total)
            keys: list[int] = []
            while count:
                keys = [int(key) for key in self._index.search(query, count).keys]
                if len(keys) < count or count == total:
                    break
                if similarity(query, self._index.get(keys[-1])) < at - _HALF_PRECISION:
                    break
                count = min(total, count * 2)
        return _scored(_read(session, self.table, keys), query, similarity, at)

    def save(self, session: Session) -> Path:
        """Catch up, then write the index as this folder's newest snapshot (and drop the older
        ones); written aside and renamed, so a reader sees a whole snapshot or none."""
        if self.snapshots is None:
            raise ValueError("this index keeps no snapshots: give face_index a snapshots folder")
        self.catch_up(session)
        self.snapshots.mkdir(parents=True, exist_ok=True)
        with self._lock:
            target = self.snapshots / f"{self._prefix}{self._indexed_up_to}.usearch"
            temporary = self.snapshots / f".{target.name}.{os.getpid()}.{threading.get_ident()}"
            self._index.save(str(temporary))
            os.replace(temporary, target)
        for path in self.snapshots.glob(f"{self._prefix}*.usearch"):
            if path != target and _up_to(path, self._prefix) < self._indexed_up_to:
                path.unlink(missing_ok=True)
        for path in self.snapshots.glob(f".{self._prefix}*"):  # left by a writer that died
            if time.time() - path.stat().st_mtime > _STALE_TEMPORARY_S:
                path.unlink(missing_ok=True)
        return target

    def _start(self, session: Session) -> None:
        """Load the newest snapshot, when there is one the store agrees with."""
        self._started = True
        if self.snapshots is None or not self.snapshots.is_dir():
            return
        found = sorted(self.snapshots.glob(f"{self._prefix}*.usearch"),
                       key=lambda path: _up_to(path, self._prefix))
        if not found:
            return
        loaded = self._empty()
        try:
            loaded.load(str(found[-1]))
        except (RuntimeError, ValueError, OSError):  # unreadable: rebuilt from the store
            return
        if loaded.ndim != self.dimension or not self._agrees(session, loaded):
            return
        loaded.expansion_search = EXPANSION_SEARCH
        self._index = loaded
        self._indexed_up_to = _up_to(found[-1], self._prefix)

    def _agrees(self, session: Session, loaded: Index) -> bool:
        """The store holds the snapshot's vectors (to half precision) under the same ids, for a
        sample of them: a snapshot of another store of the same name (a database made again) is
        not taken."""
        keys = np.asarray(loaded.keys)
        if len(keys) == 0:
            return True
        picked = np.random.default_rng().choice(keys, min(SNAPSHOT_SAMPLE, len(keys)),
                                                replace=False)
        rows = session.execute(sa.select(self.table.id, self.table.vector).where(
            self.table.id.in_([int(key) for key in picked]))).all()  # type: ignore[union-attr]
        return all(np.allclose(as_vector(data, self.dimension), loaded.get(row_id),
                               rtol=1e-2, atol=1e-3) for row_id, data in rows)

    def _rows(self) -> tuple[sa.ColumnElement[bool], ...]:
        return (self.table.engine == self.engine,  # type: ignore[return-value]
                self.table.dimension == self.dimension)

    def _empty(self) -> Index:
        return Index(ndim=self.dimension, metric=self.metric, dtype=INDEX_DTYPE,
                     connectivity=CONNECTIVITY, expansion_add=EXPANSION_ADD,
                     expansion_search=EXPANSION_SEARCH)


def scan_within(session: Session, vector: np.ndarray, *, engine: str, dimension: int,
                similarity: Similarity, at: float,
                table: Embeddings = FaceEmbedding) -> list[tuple[StoredFace, float]]:
    """``FaceIndex.within`` without the index: every stored face of the engine, scored."""
    query = np.asarray(vector, dtype=np.float32)
    found: list[tuple[StoredFace, float]] = []
    start = 0
    while True:
        rows = session.connection().execute(
            _columns(table).where(table.engine == engine, table.dimension == dimension,
                                  table.id > start)  # type: ignore[operator]
            .order_by(table.id).limit(_BATCH)
        ).all()
        if not rows:
            return found
        found += _scored([_stored(row) for row in rows], query, similarity, at)
        start = rows[-1].id


def _scored(faces: list[StoredFace], query: np.ndarray, similarity: Similarity,
            at: float) -> list[tuple[StoredFace, float]]:
    scored = [(face, similarity(query, face.vector)) for face in faces]
    return sorted(((face, score) for face, score in scored if score >= at),
                  key=lambda pair: (-pair[1], pair[0].id))


def _read(session: Session, table: Embeddings, ids: list[int]) -> list[StoredFace]:
    if not ids:
        return []
    return [_stored(row) for row in session.connection().execute(
        _columns(table).where(table.id.in_(ids)))]  # type: ignore[union-attr]


def _columns(table: Embeddings) -> sa.Select:  # type: ignore[type-arg]
    channel = table.channel if table is VoiceEmbedding else sa.literal("")  # type: ignore[union-attr]
    return sa.select(table.id, table.dossier_id, table.id_number, table.cluster, table.vector,
                     table.dimension, channel.label("channel"))


def _stored(row: sa.Row) -> StoredFace:  # type: ignore[type-arg]
    return StoredFace(row.id, row.dossier_id, row.id_number, row.cluster,
                      as_vector(row.vector, row.dimension), row.channel)


def _up_to(path: Path, prefix: str) -> int:
    return int(path.name.removeprefix(prefix).removesuffix(".usearch"))


_INDEXES: dict[tuple[str, str, int, str], FaceIndex] = {}
_INDEXES_LOCK = threading.Lock()


def face_index(database: str, engine: str, dimension: int,
               table: Embeddings = FaceEmbedding, *, snapshots: Path | None = None) -> FaceIndex:
    """This process's index of ``engine``'s faces (or voices: ``table``) in the store at
    ``database`` (made on first use, from the newest snapshot in ``snapshots`` if any, and filled
    from the store at its first search)."""
    key = (database, engine, dimension, table.__tablename__)
    with _INDEXES_LOCK:
        if key not in _INDEXES:
            _INDEXES[key] = FaceIndex(engine, dimension, table, snapshots=snapshots,
                                      database=database)
        return _INDEXES[key]


def forget_indexes() -> None:
    """Drop every index of this process (as a restart would): the next search rebuilds it."""
    with _INDEXES_LOCK:
        _INDEXES.clear()
