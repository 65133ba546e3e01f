"""The URL of a dossier's page and documents, for any application id a dealer's system may send.

The id is the dealer's to spell: ``A/1``, ``A%2F1``, ``a b``, ``青岛/01`` and ``..`` are all ids.
Put in a path as it is, an id's ``/`` splits it in two (the router decodes ``%2F`` before it
matches), and an id ``..`` or ``.`` is "the folder above" or "this one" to a browser, even as
``%2E%2E``. So the id's own ``%`` and ``/``, and the dots of an id ``.`` or ``..``, are
percent-encoded first, then the whole as any path segment is: once the server has decoded the
path, one segment is left, and ``application_id_of`` decodes that to the id.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

DOSSIERS = "/dossiers"
DOT_SEGMENTS = (".", "..")


def dossier_url(application_id: str, document_id: int | None = None, *,
                base: str = DOSSIERS) -> str:
    """The dossier's page, or the picture of one of its documents; under ``base``, the dossier's
    resource elsewhere (the dealer API's)."""
    escaped = application_id.replace("%", "%25").replace("/", "%2F")
    if escaped in DOT_SEGMENTS:
        escaped = escaped.replace(".", "%2E")
    url = f"{base}/{quote(escaped, safe='')}"
    return url if document_id is None else f"{url}/documents/{document_id}"


def application_id_of(segment: str) -> str:
    """The application id a ``dossier_url`` names, from its path segment as the router gives it."""
    return unquote(segment)
