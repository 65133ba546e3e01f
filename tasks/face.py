"""Compare the ID card portrait with the selfie."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from autopass.engines.base import Face
from autopass.engines.registry import get_face_engine
from autopass.face_match import FaceComparison, match_portrait_to_selfie
from autopass.settings import get_settings
from autopass.standards import Standard


@task(name="match-faces", cache_policy=NO_CACHE)
def match_faces(
    portrait_faces: list[Face] | None,
    selfie_faces: list[Face] | None,
    standard: Standard,
) -> FaceComparison:
    """Score the portrait against the selfie with the configured engine and the standard's band
    (the faces were found while the documents were read, in parallel)."""
    settings = get_settings()
    return match_portrait_to_selfie(
        portrait_faces,
        selfie_faces,
        engine=get_face_engine(settings),
        thresholds=standard.face_thresholds(settings.face_engine),
    )
