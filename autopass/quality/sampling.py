"""Which straight-through dossiers get a blind QA review: a seeded draw per dossier, and every
dossier of a dealer under watch (the standard's ``qa`` section).

The draw is a hash of the seed and the application id, so it is the same on every worker and in
every test: a dossier is drawn, or not, whoever processes it and however often.
"""

from __future__ import annotations

import hashlib

from autopass.standards import QaPolicy

SAMPLED = "sampled"
WATCHED_DEALER = "watched_dealer"


def draw(seed: str, application_id: str) -> float:
    """A number in [0, 1) fixed by ``seed`` and ``application_id`` (uniform over ids)."""
    digest = hashlib.sha256(f"{seed}\x00{application_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def qa_reason(policy: QaPolicy, *, application_id: str, dealer_id: str) -> str | None:
    """Why a straight-through dossier is QA-reviewed (``watched_dealer`` or ``sampled``), or None
    when it is not."""
    if dealer_id in policy.watched_dealers:
        return WATCHED_DEALER
    if draw(policy.seed, application_id) < policy.sample_rate:
        return SAMPLED
    return None
