"""Rings planted among sample dossiers (``autopass samples --fraud-rate R``), with their truth.

Which dossiers form which ring is decided once from the run's seed, count and rate, so every
worker process that draws one dossier knows its part without asking the others. Kinds:

- ``face``: one person's face (several photos of one identity) on the ID cards and selfies of 2-5
  dossiers with different names and ID numbers;
- ``phone_and_card``: 2-3 applicants giving one phone number and one bank card;
- ``vin``: one car (one VIN) financed by two applicants;
- ``invoice_photo``: one invoice photo sent for two applicants, re-compressed, cropped, turned;
- ``selfie_recapture``: a selfie that is a photo of the ID card's portrait (one dossier);
- ``invoice_qr_mismatch``: an invoice whose printed total was raised while its QR code still
  carries the original amount (one dossier).

The planted dossiers are each ring member after the first (the first is the ring's first
application: nothing earlier links it), and the single-dossier kinds themselves.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from autopass.devtools.samples.faces import detect_face_in

RING_KINDS = ("face", "phone_and_card", "vin", "invoice_photo", "selfie_recapture",
              "invoice_qr_mismatch")
SINGLE_KINDS = frozenset({"selfie_recapture", "invoice_qr_mismatch"})
# The finding kinds (``RiskFinding.kinds``) that find a planted dossier of each ring kind.
EXPECTED_FINDINGS: dict[str, tuple[str, ...]] = {
    "face": ("face",),
    "phone_and_card": ("phone", "bank_card"),
    "vin": ("vin",),
    "invoice_photo": ("invoice_photo",),
    "selfie_recapture": ("selfie_recapture",),
    "invoice_qr_mismatch": ("invoice_qr_mismatch",),
}
NEW_CAR_KINDS = frozenset({"vin", "invoice_photo", "invoice_qr_mismatch"})
SHARED_VEHICLE_KINDS = frozenset({"vin", "invoice_photo"})


@dataclass(frozen=True)
class Ring:
    id: str
    kind: str
    indices: tuple[int, ...]  # dossier indices, in the order they are processed
    seed: int

    def rng(self, what: str = "") -> random.Random:
        """The ring's own random source: the same in every worker."""
        return random.Random(f"autopass-ring:{self.seed}:{self.id}:{what}")


@dataclass(frozen=True)
class Role:
    """One dossier's part in a ring."""

    ring: Ring
    position: int  # 0: the ring's first application

    @property
    def planted(self) -> bool:
        return self.position > 0 or self.ring.kind in SINGLE_KINDS


@lru_cache(maxsize=16)
def plan_rings(seed: int, count: int, fraud_rate: float) -> dict[int, Role]:
    """Dossier index -> its role, for about ``fraud_rate`` x ``count`` planted dossiers, the kinds
    taken in turn so that a small run still holds each kind."""
    if not 0.0 <= fraud_rate <= 1.0:
        raise ValueError(f"fraud rate must be between 0 and 1, got {fraud_rate}")
    rng = random.Random(f"autopass-rings:{seed}:{count}:{fraud_rate}")
    target = round(fraud_rate * count)
    free = list(range(1, count + 1))
    rng.shuffle(free)
    roles: dict[int, Role] = {}
    planted, turn = 0, 0
    while planted < target:
        kind = RING_KINDS[turn % len(RING_KINDS)]
        turn += 1
        size = (1 if kind in SINGLE_KINDS else rng.randint(2, 5) if kind == "face"
                else rng.randint(2, 3) if kind == "phone_and_card" else 2)
        if len(free) < size:
            break
        ring = Ring(f"R{turn:04d}", kind, tuple(sorted(free.pop() for _ in range(size))),
                    seed)
        roles.update({index: Role(ring, position) for position, index in enumerate(ring.indices)})
        planted += size if kind in SINGLE_KINDS else size - 1
    return roles


def ring_identities(roles: dict[int, Role], identities: list[str],
                    photos: dict[str, list[Path]]) -> dict[str, str]:
    """Ring id -> the identity whose face every member of a ``face`` ring shows: people with
    several photos first, each ring its own person while there are enough."""
    face_rings = sorted({role.ring for role in roles.values() if role.ring.kind == "face"},
                        key=lambda ring: ring.id)
    several = [i for i in identities if len(photos[i]) >= 2] or identities
    chosen: dict[str, str] = {}
    for ring in face_rings:
        unused = [i for i in several if i not in chosen.values()] or several
        chosen[ring.id] = ring.rng("identity").choice(unused)
    return chosen


def fraud_truth(role: Role, application_ids: list[str]) -> dict[str, Any]:
    """The ``fraud`` section of a ring member's truth.json."""
    return {
        "ring": role.ring.id,
        "kind": role.ring.kind,
        "members": application_ids,
        "position": role.position,
        "planted": role.planted,
        "expected_findings": list(EXPECTED_FINDINGS[role.ring.kind]),
    }


def reused_photo(photo: Image.Image, rng: random.Random) -> bytes:
    """The same photo sent again: cropped a little at each side, turned by a quarter or two,
    re-compressed at another JPEG quality."""
    width, height = photo.size
    box = (int(width * rng.uniform(0.01, 0.03)), int(height * rng.uniform(0.01, 0.03)),
           width - int(width * rng.uniform(0.01, 0.03)),
           height - int(height * rng.uniform(0.01, 0.03)))
    turned = photo.convert("RGB").crop(box).rotate(rng.choice((0, 90, 180, 270)), expand=True)
    buffer = io.BytesIO()
    turned.save(buffer, "JPEG", quality=rng.randint(60, 85))
    return buffer.getvalue()


def card_portrait_shot(card: Image.Image, size: tuple[int, int], ring: Ring) -> Image.Image:
    """The ID card's portrait photographed for a selfie: the face framed as a selfie frames it
    (about 3.4 face widths), the card's print around it, resized to the selfie's size."""
    flat = Image.new("RGB", card.size, (200, 200, 196))
    flat.paste(card, (0, 0), card if card.mode == "RGBA" else None)
    box = detect_face_in(flat)
    if box is None:  # no face found on the card: the right third, where the portrait sits
        box_width, centre = card.width * 0.12, (card.width * 0.78, card.height * 0.4)
    else:
        box_width, centre = box.width, box.centre
    width = box_width * ring.rng("framing").uniform(3.2, 3.6)
    height = width * size[1] / size[0]
    left, top = centre[0] - width / 2, centre[1] - height * 0.42
    return flat.crop((int(left), int(top), int(left + width), int(top + height))).resize(
        size, Image.LANCZOS)
