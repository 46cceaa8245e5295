"""The lab's token (issue 11): on an address other machines reach (``--host``), every request — every route, the
static files, the WebSocket handshake — must carry the server's secret, as ``?token=`` (then a cookie), as
``Authorization: Bearer`` or as that cookie. The page's first request with the token is redirected to the same
address without it. The command line prints the address with the token once and says what is exposed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from losslab.lab import create_app
from losslab.lab._serve import RateLimitedLog, exposure_notice, is_loopback, machine_addresses, url_for

from .conftest import LabTestClient
from .test_security import HEADERS, error_of, http_routes, websocket_paths

TOKEN = "s3cret-token-for-the-tests_0123"
COOKIE = "losslab_token_8765"
BEARER = {"authorization": f"Bearer {TOKEN}"}
RUN = {"lr": 0.1, "epochs": 5, "data": {"name": "blobs", "n_samples": 60}}


@pytest.fixture(scope="module")
def guarded() -> Any:
    app = create_app(token=TOKEN, cookie=COOKIE)
    with LabTestClient(app) as c:
        yield app, c


def test_every_route_refuses_a_request_without_the_token(guarded):
    app, c = guarded
    c.cookies.clear()
    for method, path in http_routes(app):
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}, {"cookie": f"{COOKIE}=x"}):
            r = c.request(method, path, headers=headers, content=b"x,y\n1,2\n")
            assert r.status_code == 401, (method, path, headers, r.status_code)
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert all(h in r.headers for h in HEADERS[:3])
            assert "set-cookie" not in r.headers
            if method != "HEAD":
                err = error_of(r)
                assert err["argument"] == "token" and "?token=" in err["hint"] and TOKEN not in r.text
    for wrong in ("?token=wrong", "?token=", f"?token={TOKEN}x", f"?Token={TOKEN}"):
        assert c.get("/api/health" + wrong).status_code == 401


def test_a_foreign_host_is_refused_before_the_token_is_looked_at(guarded):
    _, c = guarded
    r = c.get(f"/api/health?token={TOKEN}", headers={"host": "evil.test"})
    assert r.status_code == 421 and "set-cookie" not in r.headers


def test_the_bearer_header_passes_on_every_kind_of_request(guarded):
    _, c = guarded
    c.cookies.clear()
    assert c.get("/api/health", headers=BEARER).json()["ok"] is True
    assert c.get("/static/lab.css", headers=BEARER).status_code == 200
    run = c.post("/api/runs", json=RUN, headers=BEARER)
    assert run.status_code == 201, run.text
    assert "set-cookie" not in run.headers  # a script's header is not turned into a cookie
    assert c.delete(f"/api/runs/{run.json()['id']}", headers=BEARER).status_code == 200


def test_the_token_in_the_address_becomes_a_cookie(guarded):
    _, c = guarded
    c.cookies.clear()
    r = c.get(f"/api/health?token={TOKEN}")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert c.get("/api/health").status_code == 200  # the client sends the cookie from now on
    assert c.get("/api/limits").status_code == 200
    c.cookies.clear()
    assert c.get("/api/health").status_code == 401


def test_the_page_is_reloaded_without_the_token_in_its_address(guarded):
    _, c = guarded
    c.cookies.clear()
    r = c.get(f"/?lang=ja&token={TOKEN}&panel=darts", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/?lang=ja&panel=darts"
    assert r.headers["set-cookie"].startswith(f"{COOKIE}={TOKEN};")
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "<html" in page.text and TOKEN not in page.text
    c.cookies.clear()
    assert c.get(f"/?token={TOKEN}", follow_redirects=False).headers["location"] == "/"


def test_the_websocket_needs_the_token_too(guarded):
    app, c = guarded
    c.cookies.clear()
    for path in websocket_paths(app):
        with pytest.raises(WebSocketDisconnect) as refused, c.websocket_connect(path):
            pass  # pragma: no cover
        assert refused.value.code == 1008 and refused.value.reason == "refused (401): token"
    run_id = c.post("/api/runs", json=RUN, headers=BEARER).json()["id"]
    for how in ({"headers": BEARER}, {"query": f"?token={TOKEN}"}, {"headers": {"cookie": f"{COOKIE}={TOKEN}"}}):
        path = f"/api/runs/{run_id}/stream" + str(how.get("query", ""))
        with c.websocket_connect(path, headers=dict(how.get("headers") or {})) as ws:  # type: ignore[call-overload]
            assert ws.receive_json()["id"] == run_id
        run_id = c.post("/api/runs", json=RUN, headers=BEARER).json()["id"]  # closing the stream ended the run
    c.delete(f"/api/runs/{run_id}", headers=BEARER)


def test_a_cross_site_request_with_the_token_is_still_refused(guarded):
    _, c = guarded
    r = c.post("/api/runs", json=RUN, headers={**BEARER, "origin": "http://evil.test"})
    assert r.status_code == 403 and error_of(r)["argument"] == "Origin"


def test_without_a_token_nothing_is_asked(client):
    assert client.get("/api/health").status_code == 200


def test_loopback_addresses_and_the_notice():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "lab.school.example", ""))
    assert url_for("0.0.0.0", 8000, "abc") == "http://127.0.0.1:8000/?token=abc"
    assert url_for("fe80::1", 80) == "http://[fe80::1]:80/"
    notice = exposure_notice("192.168.1.5")
    assert "192.168.1.5" in notice and "not encrypted" in notice and "token" in notice and "upload" in notice
    assert "--host" in exposure_notice("0.0.0.0")
    assert "192.168.1.5, [fd00::5], lab" in exposure_notice("0.0.0.0", ("192.168.1.5", "fd00::5", "lab"))
    assert url_for("0.0.0.0", 8000, "abc", shown="192.168.1.5") == "http://192.168.1.5:8000/?token=abc"
    assert url_for("0.0.0.0", 8000, shown="fd00::5") == "http://[fd00::5]:8000/"
    names = machine_addresses()
    assert all(isinstance(n, str) and n and not is_loopback(n) and n not in ("0.0.0.0", "::") for n in names)


def test_the_log_of_a_flood_is_rate_limited():
    import logging

    logger = logging.getLogger("losslab.test.flood")
    logger.propagate = False
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    flood = RateLimitedLog(burst=3, window=0.5)
    logger.addFilter(flood)
    try:
        for _ in range(10_000):
            logger.error("socket.accept() out of system resource\nsocket: <fd=%d>", 7)
        logger.error("another kind")
        assert len(records) == 4
        time.sleep(0.6)
        logger.error("socket.accept() out of system resource\nsocket: <fd=%d>", 8)
        assert "9997 more like this" in records[-1]
    finally:
        logger.removeFilter(flood)
        logger.removeHandler(handler)


# ------------------------------------------------------------------------------------------ the command line
def _get(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_lab_on_every_address_prints_the_token_once_and_asks_for_it():
    """``losslab lab --host 0.0.0.0``: the address with a fresh token on stdout, the notice on stderr; the lab
    refuses a request without the token and answers one with it (header or address)."""
    env = {**os.environ, "LOSSLAB_LAB_TOKEN": ""}
    env.pop("LOSSLAB_LAB_TOKEN")
    proc = subprocess.Popen([sys.executable, "-m", "losslab.cli", "lab", "--host", "0.0.0.0", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        # the address other machines type: this machine's own (the loopback one where it has no other)
        match = re.search(r"(http://([^/]+):(\d+)/)\?token=([A-Za-z0-9_-]{32})", line)
        assert match, line
        printed, shown, port, token = match.groups()
        assert shown in (*machine_addresses(), "127.0.0.1") or shown.strip("[]") in machine_addresses(), line
        for base in (printed, f"http://127.0.0.1:{port}/"):
            assert _get(base + "api/health") == 401
            assert _get(base + "api/health", {"Authorization": f"Bearer {token}"}) == 200
            assert _get(base + f"api/health?token={token}") == 200
        # a name that is not this machine's is still refused (DNS rebinding), token or not
        assert _get(f"http://127.0.0.1:{port}/api/health?token={token}", {"Host": f"rebind.test:{port}"}) == 421
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            _, err = proc.communicate()
    assert "not encrypted" in err and "Traceback" not in err
    assert err.count(token) == 0  # the token is printed once, on stdout


def test_a_short_or_odd_token_is_a_usage_error():
    from typer.testing import CliRunner

    from losslab.cli import app

    result = CliRunner().invoke(app, ["lab", "--no-browser", "--token", "short"])
    assert result.exit_code == 2 and "--token" in result.stderr and "see --help" in result.stderr


# ------------------------------------------------------------------------------------------------ in Chromium
TOKEN_PAGE_CHECK = """async () => {
  const health = (await fetch('/api/health')).status;
  const run = await fetch('/api/runs', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                        body: JSON.stringify({data: {name: 'moons', n_samples: 60}})});
  const id = (await run.json()).id;
  const frame = await new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/api/runs/${id}/stream`);
    ws.onmessage = (e) => { ws.close(); resolve(JSON.parse(e.data).id === id ? 'frame' : 'other'); };
    ws.onclose = (e) => resolve('closed ' + e.code);
    setTimeout(() => resolve('timeout'), 10000);
  });
  return {health, run: run.status, frame, cookie: document.cookie};
}"""


@pytest.mark.browser
def test_the_page_opened_with_its_token_works_and_without_it_is_refused(browser):
    import threading

    import uvicorn

    from losslab.lab._serve import free_port, server_config

    port = free_port()
    app = create_app(token=TOKEN, cookie=f"losslab_token_{port}")
    server = uvicorn.Server(server_config(app, "127.0.0.1", port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}/"
        context = browser.new_context()
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + f"?lang=ja&token={TOKEN}")
            assert page.url == base + "?lang=ja"  # the token left the address bar
            page.wait_for_load_state("networkidle")
            out = page.evaluate(TOKEN_PAGE_CHECK)
            assert out == {"health": 200, "run": 201, "frame": "frame", "cookie": ""}, out  # HttpOnly: unseen
            assert not errors, errors
        finally:
            context.close()
        stranger = browser.new_context()
        try:
            answer = stranger.new_page().goto(base)
            assert answer is not None and answer.status == 401
        finally:
            stranger.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
