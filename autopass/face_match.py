"""Compare the ID card portrait with the selfie taken at signing.

Anything that makes the comparison unsure (no face, several faces in the selfie, a face too small
to trust) is a ``review``: a person compares the two photos. Thresholds come from the standard,
per face engine, because each engine's similarity has its own scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from autopass.dossier import FaceResult, Status
from autopass.engines.base import Face, FaceEngine
from autopass.rules import FaceThresholds

MIN_FACE_SIDE = 40  # pixels; smaller faces give embeddings too noisy to decide on
BACKGROUND_FACE_SHARE = 0.5
"""A face on the selfie less than this share of its largest face's height is background (a poster,
a painting, a passer-by far behind): not a second person at the signing. An outside check's
selfie of one man before a painting showed three faces and was refused; a second person beside
the customer shows a face of about the same size and still makes the comparison a review."""


@dataclass(frozen=True)
class FaceComparison:
    """The portrait-to-selfie verdict and the two face boxes it compared (crops for a person)."""

    result: FaceResult
    portrait_box: tuple[int, int, int, int] | None
    selfie_box: tuple[int, int, int, int] | None


def match_portrait_to_selfie(
    portrait_faces: list[Face] | None,
    selfie_faces: list[Face] | None,
    *,
    engine: FaceEngine,
    thresholds: FaceThresholds,
) -> FaceComparison:
    """Score the ID card's portrait against the selfie and say pass, review or fail.

    The faces were found while the documents were read (``find_small_faces=True``, in parallel);
    None means the dossier has no such document.
    """
    if portrait_faces is None or selfie_faces is None:
        missing = "ID card portrait side" if portrait_faces is None else "selfie"
        return _review(f"no {missing} to compare")
    selfie_faces = _subjects(selfie_faces)
    problem = _face_problem("ID card", portrait_faces) or _face_problem("selfie", selfie_faces)
    if problem:
        return FaceComparison(
            FaceResult(score=None, status=Status.REVIEW, detail=problem),
            portrait_faces[0].box if portrait_faces else None,
            selfie_faces[0].box if selfie_faces else None,
        )
    portrait, selfie = portrait_faces[0], selfie_faces[0]
    score = round(engine.similarity(portrait, selfie), 4)
    status, detail = thresholds.judge(score)
    return FaceComparison(FaceResult(score=score, status=status, detail=detail), portrait.box, selfie.box)


def _subjects(faces: list[Face]) -> list[Face]:
    """The faces of people at the signing: the largest (the engine gives it first) and any about
    its size."""
    if not faces:
        return faces
    height = faces[0].box[3]
    return [face for face in faces if face.box[3] >= BACKGROUND_FACE_SHARE * height]


def _face_problem(where: str, faces: list[Face]) -> str | None:
    if not faces:
        return f"no face found on the {where}"
    if where == "selfie" and len(faces) > 1:
        return f"{len(faces)} faces on the selfie"
    if min(faces[0].box[2], faces[0].box[3]) < MIN_FACE_SIDE:
        return f"face on the {where} too small ({faces[0].box[2]} px)"
    return None


def _review(detail: str) -> FaceComparison:
    return FaceComparison(FaceResult(score=None, status=Status.REVIEW, detail=detail), None, None)
