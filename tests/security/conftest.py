"""The web app on a store of either dialect (``tests.stores``), seen from any client address."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from autopass.settings import Settings
from autopass.web import create_app

ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(web_store: Settings) -> Iterator[ClientFor]:
    """``client_for(address="10.0.0.1", **settings)``: a client of the app on ``web_store``,
    seen from ``address``, with some settings changed; clients of one test share one app per
    settings, as browsers share one server."""
    apps: dict[str, FastAPI] = {}
    clients: list[TestClient] = []

    def make(address: str = "testclient", **changes: object) -> TestClient:
        key = repr(sorted(changes.items()))
        if key not in apps:
            apps[key] = create_app(web_store.model_copy(update=changes))
        client = TestClient(apps[key], base_url="http://testserver", client=(address, 50000))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def web_client(client_for: ClientFor) -> TestClient:
    return client_for()
