"""``create_app(settings)``: the queue page, its JSON API and its static files, as one FastAPI app.

Nothing is fetched from the internet (production networks are closed): no CDN, and no Swagger UI
(it loads from a CDN); the OpenAPI schema itself is served at ``/openapi.json``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autopass.settings import Settings, get_settings
from autopass.store import ensure_store
from autopass.web.auth import SESSION_COOKIE, SESSION_MAX_AGE_SECONDS
from autopass.web.body_limit import RequestBodyLimit
from autopass.web.deps import LoginRequired
from autopass.web.finalize import DossierSettled, start_finalize
from autopass.web.processing import DossierSubmitted, start_processing
from autopass.web.routes import (
    api,
    calls,
    capture_page,
    captures,
    channels,
    crops,
    dashboard,
    dealer_api,
    dossiers,
    pages,
    qa,
    quality,
)
from autopass.web.templating import WEB_DIR

SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; img-src 'self'; style-src 'self'; "
    b"script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}
STATIC_PATH = "/static"
NO_STORE = {b"cache-control": b"no-store"}
"""Pages and API answers show full ID and bank-card numbers: no browser or proxy cache keeps them
(a response that says how it may be cached, a crop's, keeps its own). Static files may be cached."""


def create_app(
    settings: Settings | None = None, *, on_dossier_settled: DossierSettled | None = None,
    on_dossier_submitted: DossierSubmitted | None = None,
) -> FastAPI:
    """The web app on ``settings``' store; ``on_dossier_settled(settings, dossier_id)`` runs
    after the answer that settles a dossier (default: the finalize flow), and
    ``on_dossier_submitted(settings, submission_id, folder)`` after the 202 of a dossier a
    dealer's system sent (default: the process flow)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ensure_store(settings)  # migrate a fresh store before the first request, not during it
        yield

    app = FastAPI(
        title="Autopass micro-task queue and dealer API",
        summary="Claim, answer and release the micro-tasks machines could not settle; dealers' "
        "systems submit dossiers and follow their decisions (/api/v1).",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.on_dossier_settled = on_dossier_settled or start_finalize
    app.state.on_dossier_submitted = on_dossier_submitted or start_processing
    app.state.password_checks = threading.BoundedSemaphore(settings.login_concurrent_checks)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        same_site="lax",
        https_only=settings.environment == "production",
    )
    app.add_middleware(RequestBodyLimit, max_bytes=settings.max_request_bytes,
                       by_path={dealer_api.DOSSIERS_PATH: settings.max_upload_bytes,
                                # one photo, base64 (4/3 of its bytes), in a small JSON body
                                captures.CAPTURES_PATH: settings.max_file_bytes * 4 // 3 + 65536})
    app.add_middleware(SecurityHeaders)  # outermost: a refused body's 413 gets the headers too
    app.mount(STATIC_PATH, StaticFiles(directory=WEB_DIR / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(crops.router)
    app.include_router(calls.router)
    app.include_router(dashboard.router)
    app.include_router(dossiers.router)
    app.include_router(dealer_api.router)
    app.include_router(captures.router)
    app.include_router(capture_page.router)
    app.include_router(channels.router)
    app.include_router(qa.router)
    app.include_router(qa.api)
    app.include_router(quality.router)
    app.include_router(quality.api)
    app.add_exception_handler(LoginRequired, _to_login)
    return app


async def _to_login(request: Request, _: Exception) -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


class SecurityHeaders:
    """Pure ASGI middleware: a strict CSP (no inline script or style, nothing from elsewhere), and
    ``no-store`` on everything but static files (``NO_STORE``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope["path"].startswith(f"{STATIC_PATH}/")
        headers = SECURITY_HEADERS if static else {**SECURITY_HEADERS, **NO_STORE}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (name, value) for name, value in headers.items() if name not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
