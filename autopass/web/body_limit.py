"""``RequestBodyLimit``: request bodies over a size are refused with 413, not read whole first.

The app reads a body before it knows who sent it (a form or JSON body is parsed before the
handler, the session check included, runs), so an anonymous POST of 200 MB sat whole in the
server's memory before its 401. A declared ``Content-Length`` over the limit is refused before
anything is read; a body sent without one (chunked) is counted as it arrives and refused the
moment it passes the limit. A route that takes uploads (the dealer API's dossiers) has its own,
larger limit, by exact path: every other route keeps the small one.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import status
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


CLOSE = {"Connection": "close"}
"""A refusal closes the connection: the server would otherwise read the rest of the body (to throw
it away) before the connection could serve another request."""


class BodyTooLarge(HTTPException):
    """Raised to the app by ``receive`` when a streamed body passes the limit. An HTTPException:
    FastAPI and Starlette pass it on from their body parsing, and answer it with its 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, too_large(max_bytes), headers=CLOSE)


def too_large(max_bytes: int) -> str:
    return f"request body larger than {max_bytes} bytes"


class RequestBodyLimit:
    """Pure ASGI middleware: at most ``max_bytes`` of request body reach the app, or the limit
    ``by_path`` gives the request's path."""

    def __init__(self, app: ASGIApp, max_bytes: int,
                 by_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.by_path = dict(by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.by_path.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await _refuse(max_bytes, scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        async def noting_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, noting_send)
        except BodyTooLarge:
            if started:  # an app that read its body while answering: nothing more to say
                raise
            await _refuse(max_bytes, scope, receive, send)


async def _refuse(max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": too_large(max_bytes)},
                            status_code=status.HTTP_413_CONTENT_TOO_LARGE, headers=CLOSE)
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    """The declared body size; None when there is none (a chunked body) or it is not a number
    (the server refuses that one itself)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
