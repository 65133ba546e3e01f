"""The risk indexes give the exhaustive lookups' answers (a few hundred random entries, SQLite and
PostgreSQL), and are rebuilt from the store: photo quarters by ``reindex``, face indexes from a
snapshot a new process starts from, or from the store when the snapshot is unusable."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from sqlmodel import Session

from autopass.risk.faces import FaceIndex, as_bytes, face_index, forget_indexes
from autopass.risk.image_reuse import _signed, bands
from autopass.risk.reindex import check_faces, check_photos, reindex
from autopass.settings import Settings
from autopass.store import Dossier, FaceEmbedding, PhotoFingerprint, session_scope
from tests.risk.helpers import ENGINE, NOW, cosine

PHOTOS = 150  # each stored twice: as sent and with 0-13 bits flipped (some past the 10 allowed)
PEOPLE = 60  # faces: one person photographed 30 times (more than the 10 candidates asked first)


def fill(session: Session, *, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    dossiers = []
    for number in range(100):
        dossier = Dossier(application_id=f"IDX{seed}-{number:04d}", product="new_car_loan",
                          dealer_id="D1", salesperson_id="S1", application={}, received_at=NOW,
                          sla_deadline=NOW, updated_at=NOW)
        session.add(dossier)
        dossiers.append(dossier)
    session.flush()
    for number in range(PHOTOS):
        value = int(rng.integers(0, 1 << 62)) << 2 | int(rng.integers(0, 4))
        copy = value
        for bit in rng.choice(64, size=int(rng.integers(0, 14)), replace=False):
            copy ^= 1 << int(bit)
        for offset, stored in enumerate((value, copy)):
            session.add(PhotoFingerprint(
                dossier_id=dossiers[(2 * number + offset) % 100].id, file="page.jpg", page=1,
                kind="id_photo", phash=_signed(stored), content="", id_number=f"ID{number}-{offset}",
                name="n", recorded_at=NOW, **dict(zip(("band0", "band1", "band2", "band3"),
                                                      bands(stored), strict=True))))
    people = rng.normal(size=(PEOPLE, 128))
    photos_of = [30, *rng.integers(1, 6, size=PEOPLE - 1)]
    for person, count in enumerate(photos_of):
        for _ in range(count):
            vector = people[person] + rng.normal(scale=0.25, size=128)
            session.add(FaceEmbedding(
                dossier_id=dossiers[int(rng.integers(0, 100))].id, role="selfie", engine=ENGINE,
                dimension=128, vector=as_bytes(vector / np.linalg.norm(vector)),
                id_number=f"P{person}", cluster=f"c{person}", recorded_at=NOW))


def test_indexed_lookups_give_the_exhaustive_answers(web_store: Settings) -> None:
    forget_indexes()
    with session_scope(web_store) as session:
        fill(session)
    with session_scope(web_store) as session:
        index = face_index(web_store.store_url, ENGINE, 128)
        faces = check_faces(session, index, similarity=cosine, at=0.85, sample=300)
        photos = check_photos(session, within=10, sample=300)
        person = session.scalars(sa.select(FaceEmbedding).where(
            FaceEmbedding.cluster == "c0")).first()
        assert person is not None
        vector = np.frombuffer(person.vector, dtype="<f4")
        same_person = index.within(session, vector, similarity=cosine, at=0.85, candidates=10)
        total = session.scalar(sa.select(sa.func.count()).select_from(FaceEmbedding))

    assert (faces.asked, faces.differing) == (total, [])
    assert faces.found > 100
    assert {face.cluster for face, _ in same_person} == {"c0"} and len(same_person) == 30
    assert (photos.asked, photos.differing) == (300, [])
    assert photos.found > 50


def test_reindex_puts_right_what_disagrees_with_the_store(web_store: Settings) -> None:
    with session_scope(web_store) as session:
        fill(session, seed=1)
        session.execute(sa.update(PhotoFingerprint).values(band0=0, band1=0, band2=0, band3=0))
    with session_scope(web_store) as session:
        broken = check_photos(session, within=10, sample=300)
        fixed, rebuilt = reindex(session, database=web_store.store_url,
                                 snapshots=web_store.indexes_dir)
    with session_scope(web_store) as session:
        mended = check_photos(session, within=10, sample=300)

    assert broken.differing and fixed == 2 * PHOTOS
    assert mended.differing == [] and mended.found > 50
    assert [(one.table, one.engine, one.entries) for one in rebuilt] == [
        ("face_embeddings", ENGINE, rebuilt[0].entries)]
    assert rebuilt[0].entries > 100 and rebuilt[0].snapshot.is_file()


def store_face(settings: Settings, vector: np.ndarray, cluster: str) -> None:
    with session_scope(settings) as session:
        dossier_id = session.scalars(sa.select(Dossier.id)).first()
        session.add(FaceEmbedding(dossier_id=dossier_id, role="selfie", engine=ENGINE,
                                  dimension=128, vector=as_bytes(vector), id_number="X",
                                  cluster=cluster, recorded_at=NOW))


def started(settings: Settings) -> tuple[FaceIndex, int]:
    """A new process's index (from the snapshots) and how many rows its first search read."""
    index = FaceIndex(ENGINE, 128, snapshots=settings.indexes_dir, database=settings.store_url)
    with session_scope(settings) as session:
        return index, index.catch_up(session)


def test_a_new_process_starts_from_the_snapshot_and_catches_up(web_store: Settings) -> None:
    with session_scope(web_store) as session:
        fill(session, seed=2)
        total = session.scalar(sa.select(sa.func.count()).select_from(FaceEmbedding))
        reindex(session, database=web_store.store_url, snapshots=web_store.indexes_dir)
    later = np.random.default_rng(7).normal(size=128).astype(np.float32)
    store_face(web_store, later / np.linalg.norm(later), "later")  # after the snapshot

    index, read = started(web_store)
    with session_scope(web_store) as session:
        found = index.within(session, later, similarity=cosine, at=0.99)

    assert (len(index), read) == (total + 1, 1)  # the snapshot's, and the one face after it
    assert [face.cluster for face, _ in found] == ["later"]


def test_an_unusable_snapshot_is_not_taken(web_store: Settings) -> None:
    with session_scope(web_store) as session:
        fill(session, seed=3)
        reindex(session, database=web_store.store_url, snapshots=web_store.indexes_dir)
        total = session.scalar(sa.select(sa.func.count()).select_from(FaceEmbedding))
        # The store changed under the snapshot's ids (a database made again under one name).
        moved = np.random.default_rng(8).normal(size=128).astype(np.float32)
        session.execute(sa.update(FaceEmbedding).values(vector=as_bytes(moved)))
    (snapshot,) = web_store.indexes_dir.glob("*.usearch")

    index, read = started(web_store)
    assert (len(index), read) == (total, total)  # rebuilt from the store

    newer = snapshot.with_name(f"{snapshot.name.rsplit('-', 1)[0]}-{10**9}.usearch")
    newer.write_bytes(b"cut short")  # as a writer killed half-way would, were it not renamed
    index, read = started(web_store)
    assert (len(index), read) == (total, total)
