"""The lab's request checks (losslab.lab._security): no web page can use the lab on the user's behalf.

Through the TestClient: a foreign ``Host`` on every route and the WebSocket (DNS rebinding) is refused with 421; a
foreign ``Origin`` or ``Sec-Fetch-Site: cross-site``/``same-site`` on every state-changing route and on the WebSocket
handshake with 403; an upload that is not ``text/csv`` with 415; every answer carries the security headers. In
headless Chromium: a page served from another local port tries fetch, a form POST, a no-cors upload and the
WebSocket, and a rebound name (``--host-resolver-rules``) tries the lab; all are refused and nothing changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.server
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIWebSocketRoute
from starlette.routing import Mount
from starlette.websockets import WebSocketDisconnect

from losslab.lab import create_app
from losslab.lab._security import RequestGuard
from losslab.lab._serve import _has_sansio

from ..conftest import CHROMIUM_ARGS
from .conftest import BASE_URL, LabTestClient, make_client

OWN_ORIGIN = BASE_URL  # http://127.0.0.1:8765: the TestClient's requests go to this address
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
FOREIGN_HOSTS = ["evil.test", "evil.test:8765", "127.0.0.1.evil.test", "localhost.evil.test:8765", "127.0.0.2",
                 "0.0.0.0:8765", "[::2]:8765", "[::1", "localhost:port", "localhost:1:2", "[::1]x", "localhost."]
OWN_HOSTS = ["127.0.0.1", "127.0.0.1:8765", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8765"]
FOREIGN_ORIGINS = ["http://evil.test", "http://127.0.0.1:9999", "http://localhost:8765", "https://127.0.0.1:8765",
                   "null", "http://127.0.0.1:8765.evil.test"]
HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "cross-origin-opener-policy")


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def http_routes(app: Any) -> list[tuple[str, str]]:
    """``(method, path)`` of every HTTP route of the app, path parameters filled in, a mount's files included."""
    out = []
    for route in app.routes:
        if isinstance(route, APIWebSocketRoute):
            continue
        if isinstance(route, Mount):
            out.append(("GET", route.path + "/css/lab.css"))
            continue
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            out.append((method, _concrete(route.path)))  # type: ignore[attr-defined]
    return out


def websocket_paths(app: Any) -> list[str]:
    return [_concrete(r.path) for r in app.routes if isinstance(r, APIWebSocketRoute)]


@pytest.fixture(scope="module")
def app_client() -> Iterator[tuple[Any, LabTestClient]]:
    app = create_app()
    with LabTestClient(app) as c:
        yield app, c


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"loss", "argument", "expected", "got", "hint", "message"}, err
    assert "Traceback" not in response.text
    return err


# ------------------------------------------------------------------------------------------------------ Host
def test_the_app_has_the_routes_these_tests_walk(app_client):
    app, _ = app_client
    routes = http_routes(app)
    assert len(routes) > 30
    assert ("POST", "/api/uploads") in routes and ("DELETE", "/api/runs/x") in routes
    assert sorted(websocket_paths(app)) == ["/api/lm/runs/x/stream", "/api/runs/x/stream"]  # lm: live LM training


def test_every_route_refuses_a_foreign_host(app_client):
    app, c = app_client
    for method, path in http_routes(app):
        for host in ("evil.test", "evil.test:8765"):
            r = c.request(method, path, headers={"host": host}, content=b"x,y\n1,2\n")
            assert r.status_code == 421, (method, path, host, r.status_code)
            assert all(h in r.headers for h in HEADERS[:3])
            if method == "HEAD":
                continue  # an answer to HEAD has no body
            err = error_of(r)
            assert err["argument"] == "Host" and err["hint"] and "evil.test" in err["got"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_foreign_and_malformed_hosts_are_refused(client, host):
    r = client.get("/api/health", headers={"host": host})
    assert r.status_code == 421 and error_of(r)["argument"] == "Host"


@pytest.mark.parametrize("host", OWN_HOSTS)
def test_the_loopback_names_are_answered_with_or_without_a_port(client, host):
    assert client.get("/api/health", headers={"host": host}).status_code == 200


def test_the_host_the_server_was_started_with_is_answered():
    with LabTestClient(create_app(hosts=("Lab.Example", "::1", "0.0.0.0"))) as c:
        assert c.get("/api/health", headers={"host": "lab.example:8765"}).status_code == 200
        assert c.get("/api/health", headers={"host": "[::1]:8765"}).status_code == 200
        # a wildcard bind address is no name anyone is reached by
        assert c.get("/api/health", headers={"host": "0.0.0.0:8765"}).status_code == 421
        assert c.get("/api/health", headers={"host": "other.example"}).status_code == 421


def run_in_a_thread(coroutine: Any) -> None:
    """``asyncio.run`` in a thread of its own (Playwright's event loop may be running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result(timeout=10)


def test_a_request_with_no_host_header_is_refused():
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - must not be reached
        raise AssertionError("the request reached the app")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/health", "headers": [], "scheme": "http"}
    run_in_a_thread(RequestGuard(app)(scope, receive, send))
    assert sent[0]["status"] == 421
    assert json.loads(sent[1]["body"])["error"]["got"] == "no Host header"


def test_the_websocket_refuses_a_foreign_host(app_client):
    app, c = app_client
    for path in websocket_paths(app):
        foreign = {"host": "evil.test:8765"}
        with pytest.raises(WebSocketDisconnect) as refused, c.websocket_connect(path, headers=foreign):
            pass  # pragma: no cover
        assert refused.value.code == 1008 and refused.value.reason == "refused (421): Host"


# ---------------------------------------------------------------------------------------- cross-site requests
def test_every_state_changing_route_refuses_a_foreign_origin_and_cross_site_fetches(app_client):
    app, c = app_client
    routes = [(m, p) for m, p in http_routes(app) if m in STATE_CHANGING]
    assert len(routes) >= 15
    for method, path in routes:
        for origin in ("http://evil.test", "http://127.0.0.1:9999"):
            r = c.request(method, path, headers={"origin": origin, "content-type": "text/csv"}, content=b"x\n1\n")
            assert r.status_code == 403, (method, path, origin, r.status_code)
            err = error_of(r)
            assert err["argument"] == "Origin" and err["hint"]
        for site in ("cross-site", "same-site"):
            r = c.request(method, path, headers={"sec-fetch-site": site, "content-type": "text/csv"},
                          content=b"x\n1\n")
            assert r.status_code == 403, (method, path, site, r.status_code)
            assert error_of(r)["argument"] == "Sec-Fetch-Site"


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_foreign_origins_are_refused(client, origin):
    r = client.post("/api/compute", json={"loss": "mse", "pred": [1.0], "target": [0.0]},
                    headers={"origin": origin})
    assert r.status_code == 403 and error_of(r)["argument"] == "Origin"


def test_the_labs_own_page_and_scripts_pass(client):
    body = {"loss": "mse", "pred": [1.0], "target": [0.0]}
    for headers in ({}, {"origin": OWN_ORIGIN, "sec-fetch-site": "same-origin"}, {"sec-fetch-site": "none"}):
        r = client.post("/api/compute", json=body, headers=headers)
        assert r.status_code == 200, (headers, r.text)
    # reading is not refused for its Origin (the Host check keeps rebound pages out; the browser keeps the answer)
    assert client.get("/api/health", headers={"origin": "http://evil.test",
                                              "sec-fetch-site": "cross-site"}).status_code == 200
    # the page at localhost is its own origin too
    r = client.post("/api/compute", json=body, headers={"host": "localhost:8765", "origin": "http://localhost:8765"})
    assert r.status_code == 200


def test_the_websocket_refuses_a_foreign_origin_or_a_cross_site_handshake(app_client):
    app, c = app_client
    for path in websocket_paths(app):
        for headers, argument in (({"origin": "http://evil.test"}, "Origin"),
                                  ({"origin": "http://127.0.0.1:9999"}, "Origin"),
                                  ({"sec-fetch-site": "cross-site"}, "Sec-Fetch-Site")):
            with pytest.raises(WebSocketDisconnect) as refused, c.websocket_connect(path, headers=headers):
                pass  # pragma: no cover
            assert refused.value.code == 1008 and refused.value.reason == f"refused (403): {argument}"
    # the lab's own page gets through to the run manager (which knows no run "x")
    with c.websocket_connect("/api/runs/x/stream", headers={"origin": OWN_ORIGIN}) as ws:
        assert ws.receive_json()["type"] == "error"


# ---------------------------------------------------------------------------------------------------- uploads
@pytest.mark.parametrize("content_type", [None, "text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "application/octet-stream", "text/csvx"])
def test_an_upload_that_is_not_text_csv_is_refused(content_type):
    with make_client(max_uploads_per_client=1) as c:
        first = c.post("/api/uploads?name=mine.csv", content=b"x,y\n1,2\n3,4\n",
                       headers={"content-type": "text/csv"})
        assert first.status_code == 201
        headers = {} if content_type is None else {"content-type": content_type}
        r = c.post("/api/uploads?name=evil.csv", content=b"x,y\n5,6\n7,8\n", headers=headers)
        assert r.status_code == 415, r.text
        err = error_of(r)
        assert err["argument"] == "body" and "text/csv" in err["expected"] and "text/csv" in err["hint"]
        # the user's own file was not evicted
        assert c.get(f"/api/uploads/{first.json()['id']}").status_code == 200


@pytest.mark.parametrize("content_type", ["text/csv", "text/csv; charset=utf-8", "Text/CSV;charset=Shift_JIS"])
def test_an_upload_as_text_csv_is_taken(client, content_type):
    r = client.post("/api/uploads?name=ok.csv", content=b"x,y\n1,2\n3,4\n", headers={"content-type": content_type})
    assert r.status_code == 201, r.text


def test_the_page_uploads_as_text_csv():
    api = (Path(__file__).resolve().parents[2] / "src/losslab/lab/static/js/api.js").read_text(encoding="utf-8")
    upload = api[api.index("export async function uploadCSV"):]
    upload = upload[: upload.index("\n}\n")]
    assert "'Content-Type': 'text/csv'" in upload


# ---------------------------------------------------------------------------------------------------- headers
def test_every_answer_carries_the_security_headers(client):
    c = client
    answers = [c.get("/"), c.get("/static/js/main.js"), c.get("/vendor/vega.min.js"), c.get("/api/health"),
               c.get("/nope"), c.post("/api/compute", content=b"{"), c.get("/openapi.json"),
               c.get("/api/health", headers={"host": "evil.test"}),
               c.post("/api/runs", json={}, headers={"origin": "http://evil.test"})]
    for r in answers:
        for name in HEADERS[:3]:
            assert name in r.headers, (r.request.url, name)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    page = c.get("/")
    csp = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self' 'unsafe-eval'"  # Vega compiles its expressions with Function
    assert directives["connect-src"] == "'self' ws://127.0.0.1:8765"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'" and directives["img-src"] == "'self' data: blob:"
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    # the route's own headers are kept
    assert page.headers["cache-control"] == "no-cache"


def test_the_docs_pages_that_load_a_cdn_are_off_and_the_schema_stays(client):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "losslab lab"


# -------------------------------------------------------------------------------------- in a real browser
class Recorder:
    """ASGI wrapper that notes every request the lab received and how it answered."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        entry = {"type": scope["type"], "method": scope.get("method", "WS"), "path": scope["path"],
                 "origin": headers.get("origin"), "site": headers.get("sec-fetch-site"), "answer": None}
        with self.lock:
            self.seen.append(entry)

        async def noting(message: Any) -> None:
            if entry["answer"] is None:
                if message["type"] in ("http.response.start", "websocket.http.response.start"):
                    entry["answer"] = message["status"]
                elif message["type"] in ("websocket.accept", "websocket.close"):
                    entry["answer"] = message["type"]
            await send(message)

        await self.app(scope, receive, noting)

    def from_origin(self, origin: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self.seen if e["origin"] == origin]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RecordedLab:
    def __init__(self) -> None:
        import uvicorn

        self.recorder = Recorder(create_app())
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.recorder, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", ws="websockets-sansio" if _has_sansio() else "auto")  # as `serve`
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> RecordedLab:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the lab did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


ATTACK_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>attacker</title></head><body>
<form id="upload-form" method="POST" action="LAB/api/uploads?name=form.csv" enctype="text/plain" target="sink1">
  <input name="x,y&#10;1" value="2"></form>
<form id="run-form" method="POST" action="LAB/api/runs" enctype="text/plain" target="sink2">
  <input name='{"data": {"name": "moons"}, "x": "' value='"}'></form>
<form id="delete-form" method="POST" action="LAB/api/runs/RUN/control" enctype="text/plain" target="sink3">
  <input name='{"action": "play", "x": "' value='"}'></form>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<script>
window.attack = async function () {
  const lab = 'LAB', out = {};
  const tryFetch = async (key, url, init) => {
    try { const r = await fetch(url, init); out[key] = r.type === 'opaque' ? 'opaque' : 'status ' + r.status; }
    catch (e) { out[key] = 'blocked'; }
  };
  await tryFetch('nocors_upload', lab + '/api/uploads?name=a.csv',
                 {method: 'POST', mode: 'no-cors', body: 'x,y\\n1,2\\n3,4\\n'});
  await tryFetch('nocors_upload_csv', lab + '/api/uploads?name=b.csv',
                 {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/csv'}, body: 'x,y\\n1,2\\n'});
  await tryFetch('nocors_upload_blob', lab + '/api/uploads?name=c.csv',
                 {method: 'POST', mode: 'no-cors', body: new Blob(['x,y\\n1,2\\n'], {type: 'text/csv'})});
  await tryFetch('cors_run', lab + '/api/runs',
                 {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'});
  await tryFetch('nocors_run', lab + '/api/runs', {method: 'POST', mode: 'no-cors', body: '{}'});
  await tryFetch('nocors_control', lab + '/api/runs/RUN/control',
                 {method: 'POST', mode: 'no-cors', body: '{"action": "play"}'});
  await tryFetch('cors_delete', lab + '/api/runs/RUN', {method: 'DELETE'});
  out.websocket = await new Promise((resolve) => {
    const ws = new WebSocket(lab.replace('http:', 'ws:') + '/api/runs/RUN/stream');
    ws.onopen = () => { ws.send(JSON.stringify({action: 'play'})); resolve('open'); };
    ws.onclose = (e) => resolve('closed ' + e.code);
    setTimeout(() => resolve('timeout'), 8000);
  });
  for (const id of ['upload-form', 'run-form', 'delete-form']) document.getElementById(id).submit();
  return out;
};
</script></body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def attacker_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web site on another port of 127.0.0.1 (another origin, the same site)."""
    handler = lambda *a, **k: QuietHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.browser
def test_a_page_of_another_origin_cannot_upload_start_or_drive_a_run(browser, attacker_site):
    import httpx

    site, root = attacker_site
    with RecordedLab() as lab:
        run = httpx.post(lab.url + "/api/runs", json={"data": {"name": "moons", "n_samples": 60}}, timeout=30)
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]
        (root / "index.html").write_text(ATTACK_PAGE.replace("LAB", lab.url).replace("RUN", run_id),
                                         encoding="utf-8")
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(site + "/index.html")
            out = page.evaluate("window.attack()")
            deadline = time.monotonic() + 15
            while (sum(e["method"] == "POST" and e["answer"] is not None for e in lab.recorder.from_origin(site)) < 8
                   and time.monotonic() < deadline):
                time.sleep(0.1)
        finally:
            context.close()
        seen = lab.recorder.from_origin(site)
        # every attack reached the lab, and the lab refused each before any route ran
        assert out["websocket"].startswith("closed") and out["websocket"] != "closed 1000", out
        assert out["cors_run"] == "blocked" and out["cors_delete"] == "blocked", out
        posts = [e for e in seen if e["method"] == "POST"]
        uploads = [e for e in posts if e["path"] == "/api/uploads"]
        assert len(uploads) == 4, seen  # three fetches and a form
        assert sum(e["path"] == "/api/runs" for e in posts) == 2, seen  # a no-cors fetch and a form
        assert sum(e["path"].endswith("/control") for e in posts) == 2, seen
        assert all(e["answer"] == 403 for e in posts), seen
        sockets = [e for e in seen if e["type"] == "websocket"]
        assert [e["answer"] for e in sockets] == ["websocket.close"], seen  # closed before it was accepted
        # preflights of the CORS requests find no CORS answer: the browser sends nothing more
        assert all(e["answer"] in (403, 405) for e in seen if e["type"] == "http"), seen
        # nothing changed: the user's run is still at epoch 0, paused; no upload was stored
        state = httpx.get(f"{lab.url}/api/runs/{run_id}", timeout=10).json()
        assert state["epoch"] == 0 and state["state"] == "paused", state
        assert not any(e["answer"] == 201 for e in lab.recorder.seen if e["path"] == "/api/uploads"), lab.recorder.seen


@pytest.mark.browser
def test_a_name_rebound_to_127_0_0_1_is_refused(browser):
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    with RecordedLab() as lab:
        rebinding = browser.browser_type.launch(
            executable_path=path, args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.test 127.0.0.1"])
        try:
            page = rebinding.new_page()
            response = page.goto(f"http://rebind.test:{lab.port}/")
            assert response is not None and response.status == 421
            assert json.loads(page.inner_text("body"))["error"]["argument"] == "Host"
            # the same browser reaches the lab under its own name
            ok = page.goto(f"{lab.url}/api/health")
            assert ok is not None and ok.status == 200
        finally:
            rebinding.close()
        hosts = [e for e in lab.recorder.seen if e["path"] == "/"]
        assert hosts and all(e["answer"] == 421 for e in hosts)
