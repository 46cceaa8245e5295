"""Fixtures of the lab's tests: the app under FastAPI's TestClient, a live uvicorn server, headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient warns about its httpx dependency
    from fastapi.testclient import TestClient

from losslab.lab import Limits, create_app

# The lab answers only requests sent to its own address (127.0.0.1, localhost, [::1]): not TestClient's "testserver".
BASE_URL = "http://127.0.0.1:8765"


class LabTestClient(TestClient):
    """TestClient on the lab's own address, for HTTP and for WebSockets (whose URLs TestClient resolves against
    ws://testserver whatever its base_url)."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, base_url=BASE_URL, **kwargs)

    def websocket_connect(self, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().websocket_connect(urljoin(BASE_URL.replace("http", "ws", 1), url), *args, **kwargs)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with LabTestClient(create_app()) as c:
        yield c


def make_client(**limits: Any) -> TestClient:
    return LabTestClient(create_app(Limits(**limits)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The lab under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, limits: Limits | None = None) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(create_app(limits), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the lab server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    with LiveServer() as server:
        yield server


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert not errors, errors


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "browser: drives the lab page in headless Chromium")
