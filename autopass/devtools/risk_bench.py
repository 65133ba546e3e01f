"""``autopass bench-risk``: the lookups across dossiers at 10,000 to 1,000,000 stored entries.

Synthetic entries in a throwaway store (SQLite file, PostgreSQL database), inserted in bulk:
faces as 128-d unit vectors, four photos of each person (a person's direction plus noise, so that
two photos of one person score about 0.8 and strangers below 0.5), half a face per dossier; photo
fingerprints as random 64-bit hashes, one in fifty a near copy (up to 8 bits flipped) of another
applicant's. Then, per kind:

- faces: the index built from the store as a new process builds it (seconds, MiB), saved as a
  snapshot and loaded again as the next process does; searches (``FaceIndex.within`` at 0.6, as
  sface's same_person_at) of a new photo of a stored person or of a stranger, timed with the
  catch-up and the read-back from the store; recall@1 against an exact search of every vector in
  memory, and the share of searches whose whole answer (every face at or above 0.6) is the exact
  one; one more face added after the build (its insert and index time);
- photos: lookups through the quarters of 4 hashes (a page and its 3 quarter turns) within 10
  bits, and through every stored fingerprint, timed; the share of lookups both ways agree on.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from autopass.risk.faces import FaceIndex, as_bytes
from autopass.risk.image_reuse import PageFingerprint, _signed, bands, photo_links
from autopass.risk.links import Applicant
from autopass.settings import Settings
from autopass.store import Dossier, FaceEmbedding, PhotoFingerprint
from autopass.store.db import (
    get_engine,
    session_scope,
    temporary_postgres_database,
    temporary_sqlite_database,
    upgrade,
)

DIMENSION = 128
SAME_PERSON_AT = 0.6
WITHIN = 10
ENGINE = "bench"
_NOW = datetime(2026, 12, 1, tzinfo=UTC)
_BATCH = 20_000
_NOBODY = Applicant("", "")


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """sface's similarity: the cosine, clipped to [0, 1]."""
    cosine = float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
    return min(1.0, max(0.0, cosine))


@contextmanager
def throwaway_store(kind: str, postgres_admin_url: str) -> Iterator[str]:
    if kind == "postgresql":
        with temporary_postgres_database(postgres_admin_url, "autopass_riskbench") as url:
            yield url
        return
    with temporary_sqlite_database("autopass-riskbench") as url:
        yield url


def run_risk_bench(*, store: str, entries: int, kinds: tuple[str, ...], queries: int,
                   exhaustive_queries: int, postgres_admin_url: str, seed: int = 0,
                   say: Callable[[str], None] = print) -> dict[str, object]:
    """The figures of one store at one size (see the module's doc)."""
    figures: dict[str, object] = {"store": store, "entries": entries}
    with throwaway_store(store, postgres_admin_url) as url:
        folder = Path(tempfile.mkdtemp(prefix="autopass-riskbench-data-"))
        try:
            upgrade(Settings(data_dir=folder, database_url=url))
            dossiers = _insert_dossiers(url, entries // 2 + 1)
            rng = np.random.default_rng(seed)
            if "faces" in kinds:
                figures |= _bench_faces(url, folder, entries, dossiers, rng, queries, say)
            if "photos" in kinds:
                figures |= _bench_photos(url, entries, dossiers, rng, queries,
                                         exhaustive_queries, say)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return figures


def _bench_faces(url: str, folder: Path, entries: int, dossiers: int, rng: np.random.Generator,
                 queries: int, say: Callable[[str], None]) -> dict[str, object]:
    people = _unit(rng.normal(size=(entries // 4 + 1, DIMENSION)).astype(np.float32))
    vectors = np.empty((entries, DIMENSION), dtype=np.float32)
    started = time.perf_counter()
    with get_engine(url).begin() as connection:
        for first in range(0, entries, _BATCH):
            count = min(_BATCH, entries - first)
            batch = _photos(people[np.arange(first, first + count) // 4], rng)
            vectors[first:first + count] = batch
            connection.execute(sa.insert(FaceEmbedding), [
                {"dossier_id": 1 + (first + i) // 2, "role": "selfie", "engine": ENGINE,
                 "dimension": DIMENSION, "vector": as_bytes(vector),
                 "id_number": f"P{(first + i) // 4}",
                 "cluster": f"c{(first + i) // 4}", "recorded_at": _NOW}
                for i, vector in enumerate(batch)])
    insert_s = time.perf_counter() - started
    say(f"  faces: {entries} stored in {insert_s:.1f} s")
    snapshots = folder / "indexes"
    rss_before = _rss_mib()
    index = FaceIndex(ENGINE, DIMENSION, database=url)
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(Settings(data_dir=folder, database_url=url)) as session:
        index.catch_up(session)
        build_s = time.perf_counter() - started
        build_cpu_s = time.process_time() - cpu
        say(f"  faces: index built from the store in {build_s:.1f} s")
        index.snapshots = snapshots
        started = time.perf_counter()
        index.save(session)
        save_s = time.perf_counter() - started
    rss_after = _rss_mib()
    settings = Settings(data_dir=folder, database_url=url)
    started = time.perf_counter()
    loaded = FaceIndex(ENGINE, DIMENSION, snapshots=snapshots, database=url)
    with session_scope(settings) as session:
        read = loaded.catch_up(session)
    load_s = time.perf_counter() - started
    assert len(loaded) == entries and read == 0, (len(loaded), read)
    del loaded
    known = rng.integers(0, len(people), size=queries // 2)
    asked = np.concatenate([_photos(people[known], rng),
                            _unit(rng.normal(size=(queries - len(known), DIMENSION)))])
    timings, cpu_timings, exact_answers = [], [], 0
    recall_hits = {"known": 0, "stranger": 0}
    with session_scope(settings) as session:
        for number, vector in enumerate(asked):
            started, cpu = time.perf_counter(), time.process_time()
            found = index.within(session, vector, similarity=cosine, at=SAME_PERSON_AT)
            timings.append(time.perf_counter() - started)
            cpu_timings.append(time.process_time() - cpu)
            scores = vectors @ vector
            nearest = int(np.argmax(scores)) + 1  # row ids start at 1, in insertion order
            first = int(index._index.search(vector.astype(np.float32), 1).keys[0])  # noqa: SLF001
            recall_hits["known" if number < len(known) else "stranger"] += first == nearest
            exact = {int(i) + 1 for i in np.flatnonzero(np.clip(scores, 0, 1) >= SAME_PERSON_AT)}
            exact_answers += {face.id for face, _ in found} == exact
    added = _photos(people[:1], rng)[0]
    with session_scope(settings) as session:
        started = time.perf_counter()
        session.add(FaceEmbedding(dossier_id=1, role="selfie", engine=ENGINE, dimension=DIMENSION,
                                  vector=as_bytes(added), id_number="P0", cluster="c0",
                                  recorded_at=_NOW))
        session.commit()
        stored_s = time.perf_counter() - started
        started = time.perf_counter()
        index.catch_up(session)
        indexed_s = time.perf_counter() - started
    return {
        "face_insert_rows_per_s": round(entries / insert_s),
        "face_index_build_s": round(build_s, 1),
        "face_index_build_cpu_s": round(build_cpu_s, 1),
        "face_index_memory_mib": round(index.memory_bytes / 2**20),
        "face_process_rss_growth_mib": round(rss_after - rss_before),
        "face_snapshot_save_s": round(save_s, 1),
        "face_snapshot_load_s": round(load_s, 2),
        "face_snapshot_mib": round(sum(p.stat().st_size for p in snapshots.glob("*")) / 2**20),
        "face_search_ms_p50": _ms(timings, 50),
        "face_search_ms_p95": _ms(timings, 95),
        "face_search_cpu_ms_p50": _ms(cpu_timings, 50),  # this process's CPU (a shared machine)
        # recall@1: the index's nearest face is the exact nearest, for a new photo of a stored
        # person and for a stranger (whose nearest is one of many near-ties far below 0.6).
        "face_recall_at_1_known": round(recall_hits["known"] / len(known), 4),
        "face_recall_at_1_stranger": round(recall_hits["stranger"] / (len(asked) - len(known)), 4),
        "face_exact_answer_share": round(exact_answers / len(asked), 4),
        "face_add_one_store_ms": round(stored_s * 1000, 1),
        "face_add_one_index_ms": round(indexed_s * 1000, 1),
    }


def _bench_photos(url: str, entries: int, dossiers: int, rng: np.random.Generator, queries: int,
                  exhaustive_queries: int, say: Callable[[str], None]) -> dict[str, object]:
    hashes = rng.integers(0, 1 << 63, size=entries, dtype=np.int64).astype(np.uint64)
    hashes <<= np.uint64(1)
    hashes |= rng.integers(0, 2, size=entries, dtype=np.int64).astype(np.uint64)
    copies = rng.choice(entries, size=entries // 50, replace=False)
    for row in copies:  # a near copy of an earlier applicant's photo
        value = int(hashes[rng.integers(0, entries)])
        for bit in rng.choice(64, size=int(rng.integers(0, 9)), replace=False):
            value ^= 1 << int(bit)
        hashes[row] = value
    started = time.perf_counter()
    with get_engine(url).begin() as connection:
        for first in range(0, entries, _BATCH):
            rows = []
            for i in range(first, min(entries, first + _BATCH)):
                value = int(hashes[i])
                rows.append({"dossier_id": 1 + i // 2, "file": "page.jpg", "page": 1,
                             "kind": "id_photo", "phash": _signed(value), "content": "",
                             "id_number": f"P{i}", "name": "n", "recorded_at": _NOW,
                             **dict(zip(("band0", "band1", "band2", "band3"), bands(value),
                                        strict=True))})
            connection.execute(sa.insert(PhotoFingerprint), rows)
    insert_s = time.perf_counter() - started
    with get_engine(url).connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    say(f"  photos: {entries} stored in {insert_s:.1f} s")
    asked = []
    for number in range(queries):
        value = (int(hashes[rng.integers(0, entries)]) if number % 2
                 else int(rng.integers(0, 1 << 62)))
        for bit in rng.choice(64, size=int(rng.integers(0, WITHIN + 1)), replace=False):
            value ^= 1 << int(bit)
        one, two, three = (int(rng.integers(0, 1 << 62)) for _ in range(3))
        asked.append(PageFingerprint("page.jpg", 1, "id_photo", (value, one, two, three)))
    indexed, indexed_cpu, scanned, agree, found = [], [], [], 0, 0
    settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url=url)
    with session_scope(settings) as session:
        for number, fp in enumerate(asked):
            started, cpu = time.perf_counter(), time.process_time()
            through = photo_links(session, [fp], _NOBODY, within=WITHIN, since=_NOW)
            indexed.append(time.perf_counter() - started)
            indexed_cpu.append(time.process_time() - cpu)
            found += len(through)
            if number < exhaustive_queries:
                started = time.perf_counter()
                every = photo_links(session, [fp], _NOBODY, within=WITHIN, since=_NOW,
                                    indexed=False)
                scanned.append(time.perf_counter() - started)
                agree += ({link.dossier_id for link in through}
                          == {link.dossier_id for link in every})
    return {
        "photo_insert_rows_per_s": round(entries / insert_s),
        "photo_lookup_ms_p50": _ms(indexed, 50),
        "photo_lookup_ms_p95": _ms(indexed, 95),
        "photo_lookup_cpu_ms_p50": _ms(indexed_cpu, 50),
        "photo_exhaustive_ms_p50": _ms(scanned, 50),
        "photo_lookups_found": found,
        "photo_agree": f"{agree}/{len(scanned)}",
        **_photo_store_size(url),
    }


def _photo_store_size(url: str) -> dict[str, object]:
    with get_engine(url).connect() as connection:
        if connection.dialect.name != "postgresql":
            return {}
        table, indexes = connection.execute(sa.text(
            "SELECT pg_table_size('photo_fingerprints'), pg_indexes_size('photo_fingerprints')"
        )).one()
        quarters = connection.execute(sa.text(
            "SELECT sum(pg_relation_size(indexrelid)) FROM pg_index JOIN pg_class c "
            "ON c.oid = indexrelid WHERE c.relname LIKE 'ix_photo_fingerprints_band%'")).scalar()
    return {"photo_table_mib": round(table / 2**20), "photo_indexes_mib": round(indexes / 2**20),
            "photo_quarter_indexes_mib": round(int(quarters or 0) / 2**20)}


def _insert_dossiers(url: str, count: int) -> int:
    with get_engine(url).begin() as connection:
        for first in range(0, count, _BATCH):
            connection.execute(sa.insert(Dossier), [
                {"id": i + 1, "application_id": f"B{i:09d}", "product": "new_car_loan",
                 "dealer_id": "D1", "salesperson_id": "S1", "application": {},
                 "received_at": _NOW, "sla_deadline": _NOW, "status": "decided",
                 "updated_at": _NOW} for i in range(first, min(count, first + _BATCH))])
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('dossiers', 'id'), "
                "(SELECT max(id) FROM dossiers))")
    return count


def _photos(people: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A new photo of each person: its direction plus noise (cosine about 0.8 to another)."""
    noise = rng.normal(scale=0.5 / np.sqrt(DIMENSION), size=people.shape).astype(np.float32)
    return _unit(people + noise)


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _ms(seconds: list[float], percentile: int) -> float | None:
    return round(float(np.percentile(seconds, percentile)) * 1000, 2) if seconds else None


def _rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
