"""The same photo in another applicant's dossier, and a selfie that is a photo of the ID card.

Each page a dossier sent is fingerprinted with a 64-bit perceptual hash (imagehash's pHash) of
the page as sent, with the kind of document found on it. Why the page and not the straightened
document: documents of one template share their layout, which dominates a perceptual hash of the
document alone (two different invoices of one template came out as close as one invoice cropped
and re-compressed), while a photo's background, light and framing are its own. A quarter turn is
found by hashing the page turned four ways; a crop of a few per cent and another JPEG quality move
the hash by a few bits (measured: <= 14 of 64 for crops up to 3.5% a side, against >= 14 between
different photos of one kind). The hashes are stored (``photo_fingerprints``) and compared within
the standard's window by Hamming distance.

The lookup reads only candidates (multi-index hashing): each row also holds its hash's four 16-bit
quarters in indexed columns, and two hashes within k bits have, by the pigeonhole principle, at
least one quarter within k // 4 bits of each other; so the rows whose quarters are within k // 4
of the wanted hash's (137 values a quarter for k = 10) are all that can match, and each is then
measured whole. The answer is exactly the one of comparing every stored hash (``indexed=False``,
which ``autopass risk check-index`` and the tests compare it with). The quarters are written in
the fingerprint's own row, in the dossier's transaction: there is no index to fall out of step.

A selfie shot of the ID card is found by comparing the selfie's face, with what surrounds it, to
the card's printed portrait with what surrounds it there: photographed off the card, the two
windows hold the same pixels (the card's print around the face); a selfie taken of the person
shows another background.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import cv2
import imagehash
import numpy as np
import sqlalchemy as sa
from PIL import Image
from sqlmodel import Session

from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.risk.attributes import Attribute
from autopass.risk.links import Applicant, Link, differ
from autopass.store.models import Dossier, PhotoFingerprint

PHOTO_KINDS: dict[DocumentType, str] = {
    DocumentType.ID_CARD_FRONT: "id_photo",
    DocumentType.VEHICLE_INVOICE: "invoice_photo",
    DocumentType.VEHICLE_REGISTRATION: "registration_photo",
    DocumentType.SELFIE: "selfie_photo",
}
CONTENT_FIELDS: dict[DocumentType, str] = {
    DocumentType.ID_CARD_FRONT: "id_number",
    DocumentType.VEHICLE_INVOICE: "invoice_number",
    DocumentType.VEHICLE_REGISTRATION: "registration_number",
}
"""The number that tells two documents of one form apart. A flat scan of a form has no
background of its own: two scans of one template are as close in pHash as one photo sent twice,
so a document's page is the same photo only if it also carries the same number (when both were
read); a selfie has no such number and its own background."""
_NOT_IN_NUMBERS = re.compile(r"[^0-9A-Za-z]+")
RECAPTURE = "selfie_recapture"
_HASH_SIDE = 32  # pHash's own working size: turning the thumbnail is turning the page
_WINDOWS = (1.6, 2.0)  # windows around a face, in face widths: the face and what surrounds it


@dataclass(frozen=True)
class PageFingerprint:
    """One page's perceptual hash, turned by 0, 90, 180 and 270 degrees (the first is stored)."""

    file: str
    page: int
    kind: str
    turns: tuple[int, int, int, int]
    content: str = ""  # the document's own number as read ("" for a selfie, or unread)


def fingerprint(image: np.ndarray) -> tuple[int, int, int, int]:
    """The pHash of a BGR page and of the page turned by each quarter."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    small = Image.fromarray(cv2.resize(grey, (_HASH_SIDE, _HASH_SIDE),
                                       interpolation=cv2.INTER_AREA))
    hashes = [_as_int(imagehash.phash(small.rotate(90 * turn))) for turn in range(4)]
    return hashes[0], hashes[1], hashes[2], hashes[3]


def page_fingerprint(file: str, page: int, image: np.ndarray,
                     documents: Iterable[tuple[DocumentType, dict[str, FieldValue]]],
                     ) -> PageFingerprint | None:
    """The page's fingerprint as its first document whose photo is looked up, with that
    document's number as read; None when the page holds no such document."""
    for document_type, fields in documents:
        if document_type in PHOTO_KINDS:
            number = fields.get(CONTENT_FIELDS.get(document_type, ""))
            content = _NOT_IN_NUMBERS.sub("", str(number.value)).upper() if number and number.value else ""
            return PageFingerprint(file, page, PHOTO_KINDS[document_type], fingerprint(image),
                                   content[:64])
    return None


def distance(one: int, other: int) -> int:
    return (one ^ other).bit_count()


BANDS = 4
BAND_BITS = 16
_BAND_MASK = (1 << BAND_BITS) - 1
MAX_QUARTER_RADIUS = 3
MAX_INDEXED_WITHIN = (MAX_QUARTER_RADIUS + 1) * BANDS - 1
"""Past this distance a quarter's neighbourhood (2,517 values at 4 bits, against 697 at 3) costs
more than it saves: the lookup compares every stored hash of the kind instead (the standard allows
up to 32)."""


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit quarters of a 64-bit hash, highest first."""
    value &= 0xFFFF_FFFF_FFFF_FFFF
    return (value >> 48 & _BAND_MASK, value >> 32 & _BAND_MASK, value >> 16 & _BAND_MASK,
            value & _BAND_MASK)


@cache
def _flips(radius: int) -> tuple[int, ...]:
    """Every 16-bit mask of at most ``radius`` bits set."""
    return tuple(mask for mask in range(1 << BAND_BITS) if mask.bit_count() <= radius)


def photo_links(session: Session, fingerprints: Iterable[PageFingerprint], applicant: Applicant,
                *, within: int, since: datetime, excluding: Collection[int] = (),
                indexed: bool = True) -> list[Link]:
    """The stored dossiers of other applicants holding one of these photos (any quarter turn).

    ``indexed=False`` compares every stored fingerprint of the kinds instead of the candidates
    the quarters give: the same answer, read the slow way (to check the index with)."""
    wanted = {fp.kind: [] for fp in fingerprints}  # type: dict[str, list[PageFingerprint]]
    for fp in fingerprints:
        wanted[fp.kind].append(fp)
    if not wanted:
        return []
    # Two steps: the hashes of the candidates (plain rows: cheap, however many), then the whole
    # rows of those within reach.
    query = (
        sa.select(PhotoFingerprint.id, PhotoFingerprint.kind, PhotoFingerprint.phash)
        .where(PhotoFingerprint.kind.in_(list(wanted)),  # type: ignore[attr-defined]
               PhotoFingerprint.recorded_at >= since,  # type: ignore[operator]
               PhotoFingerprint.dossier_id.not_in(list(excluding)))  # type: ignore[attr-defined]
    )
    if indexed and within <= MAX_INDEXED_WITHIN:
        query = query.where(_near_bands(
            [turn for fps in wanted.values() for fp in fps for turn in fp.turns], within))
    near_ids = [row_id for row_id, kind, phash in session.connection().execute(query)
                if any(distance(turn, phash & 0xFFFF_FFFF_FFFF_FFFF) <= within
                       for fp in wanted[kind] for turn in fp.turns)]
    if not near_ids:
        return []
    rows = session.execute(
        sa.select(PhotoFingerprint, Dossier.application_id)
        .join(Dossier, Dossier.id == PhotoFingerprint.dossier_id)  # type: ignore[arg-type]
        .where(PhotoFingerprint.id.in_(near_ids))  # type: ignore[union-attr]
        .order_by(PhotoFingerprint.id)
    ).all()
    links: dict[tuple[str, int], Link] = {}
    for row, application_id in rows:
        stored = row.phash & 0xFFFF_FFFF_FFFF_FFFF
        near = [fp for fp in wanted[row.kind]
                if min(distance(turn, stored) for turn in fp.turns) <= within
                and not (fp.content and row.content and fp.content != row.content)]
        if near and differ(row.kind, applicant, Applicant(row.id_number, row.name)):
            links.setdefault((row.kind, row.dossier_id), Link(
                Attribute(row.kind, f"{stored:016x}"), row.dossier_id, application_id))
    return list(links.values())


def _near_bands(hashes: list[int], within: int) -> sa.ColumnElement[bool]:
    """Rows one of whose quarters is within ``within // 4`` bits of the same quarter of one of
    ``hashes``: every row within ``within`` bits of one of them is among these."""
    flips = _flips(within // BANDS)
    columns = (PhotoFingerprint.band0, PhotoFingerprint.band1, PhotoFingerprint.band2,
               PhotoFingerprint.band3)
    terms = []
    for band, column in enumerate(columns):
        values = sorted({bands(value)[band] ^ mask for value in hashes for mask in flips})
        # Inlined (integers we computed): thousands of values stay under the drivers' limits on
        # bound parameters.
        terms.append(column.in_(sa.bindparam(f"band{band}", values, expanding=True,  # type: ignore[attr-defined]
                                             literal_execute=True)))
    return sa.or_(*terms)


def store_fingerprints(session: Session, *, dossier_id: int, applicant: Applicant,
                       fingerprints: Iterable[PageFingerprint], now: datetime) -> None:
    """Keep the dossier's fingerprints for later dossiers to be compared with."""
    for fp in fingerprints:
        session.add(PhotoFingerprint(
            dossier_id=dossier_id, file=fp.file[:255], page=fp.page, kind=fp.kind,
            phash=_signed(fp.turns[0]), content=fp.content, id_number=applicant.id_number[:32],
            **{f"band{band}": value for band, value in enumerate(bands(fp.turns[0]))},
            name=applicant.name[:64], recorded_at=now))


def forget_fingerprints(session: Session, dossier_id: int) -> None:
    session.execute(sa.delete(PhotoFingerprint).where(PhotoFingerprint.dossier_id == dossier_id))


def recapture_distance(portrait: np.ndarray, portrait_box: tuple[int, int, int, int],
                       selfie: np.ndarray, selfie_box: tuple[int, int, int, int]) -> int:
    """How far the selfie's face window is from the card portrait's (bits of 64): small when the
    selfie is the card's portrait photographed again."""
    return min(distance(fingerprint(_window(portrait, portrait_box, faces))[0],
                        fingerprint(_window(selfie, selfie_box, faces))[0]) for faces in _WINDOWS)


def _window(image: np.ndarray, box: tuple[int, int, int, int], faces: float) -> np.ndarray:
    """A square ``faces`` face widths wide around the face (edges repeated past the image), so
    that both windows frame the face alike whatever the photo's size; two sizes, since the face
    boxes of a card and of a photo of it are not found exactly alike."""
    x, y, width, height = box
    side = max(8, int(max(width, height) * faces))
    centre_x, centre_y = x + width // 2, y + height // 2
    pad = side
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    left, top = centre_x - side // 2 + pad, centre_y - side // 2 + pad
    return padded[top:top + side, left:left + side]


def _as_int(value: imagehash.ImageHash) -> int:
    return int("".join("1" if bit else "0" for bit in value.hash.flatten()), 2)


def _signed(value: int) -> int:
    """The 64 bits as a signed BIGINT (PostgreSQL and SQLite have no unsigned 64-bit integer)."""
    return value - (1 << 64) if value >= 1 << 63 else value
