"""A run socket the server refuses (issue 16), in headless Chromium: a lab started for the network (a token) whose
page lost its cookie, its HTTP calls still carrying the token as a header, presses Play. The request guard closes
the socket's handshake (1008) and the browser tells the page nothing but that it closed, so the page says in its
own words, in its language, what happened and what to do."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from losslab.lab import _texts, create_app

from .conftest import _free_port

pytestmark = pytest.mark.browser

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
TOKEN = secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def token_server() -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(token=TOKEN), host="127.0.0.1", port=port,
                                          log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the lab server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


def _open_without_cookie(browser: Any, url: str) -> tuple[Any, Any, list[str]]:
    """A page opened from the printed address (the token sets the cookie), then the cookie gone: its HTTP calls
    carry the token as a header, its sockets nothing."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    context.clear_cookies()

    def with_token(route: Any) -> None:
        route.continue_(headers={**route.request.headers, "authorization": f"Bearer {TOKEN}"})

    page.route("**/api/**", with_token)
    return context, page, errors


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_refused_run_socket_is_said_in_the_pages_language(browser: Any, token_server: str, lang: str) -> None:
    context, page, errors = _open_without_cookie(browser, f"{token_server}?token={TOKEN}&lang={lang}"
                                                          "&panel=classify&c.n=120")
    page.click("button[data-key='c.playbtn']")
    page.wait_for_selector("#status:not([hidden])", timeout=20_000)
    shown = page.locator("#status").inner_text()
    expected = _texts.bundle(lang)["lab"]["socket.refused"]
    assert expected in shown, shown
    assert bool(JAPANESE.search(shown)) == (lang == "ja")
    # the run the page asked for exists (its POST passed): only the socket was refused
    assert page.evaluate("window.__lab.panels.get('classify').api.run.id")
    context.close()
    assert not errors, errors


def test_a_refused_lm_socket_is_said_in_the_panel(browser: Any, token_server: str) -> None:
    context, page, errors = _open_without_cookie(browser, f"{token_server}?token={TOKEN}&lang=ja&panel=lm")
    panel = "#panel-lm"
    page.wait_for_selector(f"{panel}[data-ready=true]", timeout=30_000)
    page.fill(f"{panel} input[data-key='l.steps']", "1")  # the run the POST starts ends at once
    page.locator(f"{panel} button.lm-start").click()
    page.wait_for_selector(f"{panel} .lm-train[data-state=failed]", timeout=20_000)
    assert page.locator(f"{panel} .lm-status").inner_text() == _texts.bundle("ja")["lab"]["socket.refused"]
    assert not page.locator(f"{panel} button.lm-start").is_disabled()  # the user can try again
    context.close()
    assert not errors, errors
