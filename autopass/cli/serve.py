"""``autopass serve``: the micro-task queue page and its JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from autopass.cli._app import app
from autopass.settings import get_settings


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the queue page: operators clear micro-tasks, supervisors watch the queue.

    Open http://HOST:PORT/ and log in with a user made by `autopass users add`. The store is the
    one of AUTOPASS_DATABASE_URL / AUTOPASS_DATA_DIR; sessions are signed with AUTOPASS_SECRET_KEY.
    """
    import uvicorn

    from autopass.web import create_app

    uvicorn.run(create_app(get_settings()), host=host, port=port, proxy_headers=False)
