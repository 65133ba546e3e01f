"""The face index is a cache of the store: rebuilt on start, and in step after a crash between
the store's commit and the index's update (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from autopass.risk.faces import as_bytes, face_index, forget_indexes
from autopass.settings import Settings
from autopass.store import FaceEmbedding, session_scope
from tests.risk.helpers import ENGINE, NOW, application, cosine, person, photo_of, record


def store_face_only(settings: Settings, dossier_id: int, vector: np.ndarray) -> None:
    """A face committed by a process that died before it touched its index."""
    with session_scope(settings) as session:
        session.add(FaceEmbedding(dossier_id=dossier_id, role="selfie", engine=ENGINE,
                                  dimension=vector.size, vector=as_bytes(vector),
                                  id_number="370202198803129999", cluster="crashed",
                                  recorded_at=NOW))


def test_a_face_committed_before_a_crash_is_found_by_the_next_search(web_store: Settings) -> None:
    forget_indexes()
    first, _, _ = record(web_store, application(1), faces=[person(1)])
    # The second dossier's faces are committed with it; the index, which took in only what was
    # stored before its search, has not heard of them (a crash here loses nothing).
    record(web_store, application(2), faces=[person(2)])
    index = face_index(web_store.store_url, ENGINE, 128)
    assert len(index) == 1

    _, result, screening = record(web_store, application(3), faces=[photo_of(person(2), 3)])

    assert screening.kinds == ["face"] and result.decision == "review"
    assert screening.members == [application(3).application_id, application(2).application_id]
    store_face_only(web_store, first, person(4))  # committed by a process that died at once
    with session_scope(web_store) as session:
        assert [face.cluster for face, _ in index.within(session, person(4), similarity=cosine,
                                                         at=0.9)] == ["crashed"]


def test_a_new_process_rebuilds_the_index_from_the_store(web_store: Settings) -> None:
    forget_indexes()
    face = person(5)
    record(web_store, application(1), faces=[face])
    forget_indexes()  # as a restart does

    _, _, screening = record(web_store, application(2), faces=[photo_of(face, 2)])

    assert screening.kinds == ["face"]
    assert len(face_index(web_store.store_url, ENGINE, 128)) == 1  # rebuilt: the stored face


def test_a_face_deleted_from_the_store_is_not_found_any_more(web_store: Settings) -> None:
    forget_indexes()
    face = person(6)
    record(web_store, application(1), faces=[face])
    with session_scope(web_store) as session:
        face_index(web_store.store_url, ENGINE, 128).catch_up(session)
        session.execute(sa.delete(FaceEmbedding))

    _, _, screening = record(web_store, application(2), faces=[photo_of(face, 2)])
    assert screening.links == []
