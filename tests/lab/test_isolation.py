"""Issue 11: the lab's answers under concurrency and odd input — warnings per request, JSON-safe errors, the
WebSocket's malformed messages, the run-slot accounting, slow clients and the evidence worker's kill."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from losslab.errors import LossInputWarning
from losslab.lab import _compute as C

from .conftest import make_client

UNNORMALIZED = {"loss": "kl_divergence", "pred": [[0.2, 0.2]], "target": [[0.5, 0.5]]}
NORMALIZED = {"loss": "kl_divergence", "pred": [[0.5, 0.5]], "target": [[0.5, 0.5]]}


def test_warnings_are_collected_per_request_under_concurrency() -> None:
    """40 concurrent requests (several rounds), half of which warn: each answer carries its own warning only."""
    leaks = losses = 0
    with make_client() as client:
        for _ in range(5):
            barrier = threading.Barrier(40)

            def call(i: int, barrier: threading.Barrier = barrier) -> tuple[bool, list[str]]:
                warns = i % 2 == 0
                barrier.wait(timeout=30)
                r = client.post("/api/compute", json=UNNORMALIZED if warns else NORMALIZED)
                assert r.status_code == 200, r.text
                return warns, r.json()["warnings"]

            with ThreadPoolExecutor(40) as pool:
                for warns, got in pool.map(call, range(40)):
                    if warns and len(got) != 1:
                        losses += 1
                    if not warns and got:
                        leaks += 1
    assert (leaks, losses) == (0, 0)


def test_collected_warnings_do_not_reach_the_process_and_others_pass_through() -> None:
    import numpy as np

    from losslab.losses import get

    loss = get("kl_divergence")
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        with C.collect_warnings() as caught:
            loss(np.array([[0.2, 0.2]]), np.array([[0.5, 0.5]]))
            warnings.warn("not the catalog's", UserWarning, stacklevel=1)
        assert len(caught) == 1 and "do not sum to 1" in caught[0]
        assert [str(w.message) for w in outside] == ["not the catalog's"]
        assert outside[0].filename == __file__  # the wrapper keeps the caller's line
        # outside a collection the catalog's warning is an ordinary warning again
        with pytest.warns(LossInputWarning):
            loss(np.array([[0.2, 0.2]]), np.array([[0.5, 0.5]]))


def _noop(*_: Any) -> None:
    return None


# ---------------------------------------------------------------------------------------- JSON-safe error bodies
JSON = {"content-type": "application/json"}
ODD_BODIES = {
    "surrogate in a parameter name": b'{"loss":"mse","pred":[1],"target":[1],"params":{"\\ud800":1}}',
    "surrogate as the loss": b'{"loss":"\\ud800","pred":[1],"target":[1]}',
    "surrogate in the numbers": b'{"loss":"mse","pred":["\\udfff"],"target":[1]}',
    "surrogate as a key": b'{"\\udfff":1}',
    "control characters": b'{"loss":"\\u0000\\u001b[31m\\u0085","pred":[1],"target":[1]}',
    "invalid UTF-8": b'{"loss":"\xed\xa0\x80","pred":[1],"target":[1]}',
    "800 deep (list)": b'{"loss":"mse","pred":' + b"[" * 800 + b"]" * 800 + b',"target":[1]}',
    "800 deep (object)": b'{"loss":"mse","params":' + b'{"a":' * 800 + b"1" + b"}" * 800 + b',"pred":[1],"target":[1]}',
    "800 deep (top)": b"[" * 800 + b"]" * 800,
}
POSTS = ("/api/compute", "/api/explain", "/api/fit", "/api/darts", "/api/explorer/curves", "/api/explorer/figure",
         "/api/advice", "/api/runs", "/api/datasets")


@pytest.mark.parametrize("name", list(ODD_BODIES))
def test_odd_bodies_get_a_json_4xx_never_a_500(name: str) -> None:
    with make_client() as client:
        for path in POSTS:
            r = client.post(path, content=ODD_BODIES[name], headers=JSON)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
            error = r.json()["error"]
            text = json.dumps(r.json(), ensure_ascii=False)
            text.encode("utf-8")  # no lone surrogate reached the answer
            assert "\x1b" not in text and "\x00" not in text
            assert error["message"]


def test_deep_json_is_refused_before_parsing_with_a_hint() -> None:
    with make_client() as client:
        r = client.post("/api/compute", content=b"[" * 100_000 + b"]" * 100_000, headers=JSON)
        assert r.status_code == 400
        error = r.json()["error"]
        assert error["argument"] == "body" and "64" in error["expected"] and error["hint"]
        # rows of numbers are three deep: well inside the bound
        ok = client.post("/api/compute", json={"loss": "categorical_cross_entropy", "pred": [[0.5, 0.5]],
                                               "target": [[1.0, 0.0]]})
        assert ok.status_code == 200, ok.text


def test_json_depth_and_json_safe() -> None:
    from losslab.lab._errors import json_depth, json_safe

    assert json_depth(b'{"a": "[[[[", "b": [[1], {"c": "\\"]]"}]}') == 3
    assert json_depth(b'"\\"' * 50_000 + b"\\") == 0  # unclosed strings: linear, no backtracking
    assert json_safe({"\ud800k": ["a\x1bb", "\udfff", "ok\n\t\u00e9"]}) == {"\ufffdk": ["a\\x1bb", "\ufffd",
                                                                                        "ok\n\t\u00e9"]}


def test_odd_query_strings_get_json_answers() -> None:
    with make_client() as client:
        for url in ("/api/texts?lang=%ED%A0%80", "/api/catalog?task=%ED%A0%80%00%1b", "/api/nothere%ED%A0%80",
                    "/api/runs/%ED%A0%80/history"):
            r = client.get(url)
            assert r.status_code < 500, (url, r.status_code)
            r.json()


# ------------------------------------------------------------------------------------- the run's WebSocket
RUN = {"data": {"name": "xor", "n_samples": 80}, "model": {"kind": "logistic"}, "loss": "binary_cross_entropy"}


def _until(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        msg: dict[str, Any] = ws.receive_json()
        if msg["type"] == kind:
            return msg


def test_malformed_socket_messages_are_answered_and_the_run_is_kept() -> None:
    with make_client() as client:
        rid = client.post("/api/runs", json=RUN).json()["id"]
        with client.websocket_connect(f"/api/runs/{rid}/stream") as ws:
            assert ws.receive_json()["type"] == "state"
            for bad, argument in (("not json {", "message"), ("[1, 2]", "body"), ('{"action": "dance"}', "action"),
                                  ('"\\ud800"', "body"), ("[" * 500 + "]" * 500, "message"),
                                  ('{"action": "play", "lr": "\\ud800\\u0000"}', "lr"), ("x" * 10_000, "message")):
                ws.send_text(bad)
                error = _until(ws, "error")["error"]
                assert error["argument"] == argument, (bad[:40], error)
                json.dumps(error, ensure_ascii=False).encode("utf-8")
            ws.send_bytes(b"\xff\xfe")
            assert _until(ws, "error")["error"]["argument"] == "message"
            # the run is still there and still obeys
            assert client.get(f"/api/runs/{rid}").status_code == 200
            ws.send_json({"action": "step"})
            # a frame of the model as it was (epoch 0) may still be on its way; the step's frame follows it
            for _ in range(3):
                epoch = _until(ws, "frame")["epoch"]
                if epoch >= 1:
                    break
            assert epoch >= 1
        client.delete(f"/api/runs/{rid}")


# ------------------------------------------------------------------------------------------- the run slots
def test_sixteen_clients_each_get_their_first_run_at_once() -> None:
    """Slots reserved while runs are built count against their own client only (and the server's total)."""
    from losslab.lab import Limits
    from losslab.lab._models import RunRequest
    from losslab.lab._runs import RunManager

    manager = RunManager(Limits(max_runs_per_client=4, max_runs_total=16))
    req = RunRequest.model_validate({**RUN, "data": {"name": "moons", "n_samples": 400}})
    barrier = threading.Barrier(16)

    def create(i: int) -> str:
        barrier.wait(timeout=30)
        try:
            return manager.create(req, f"client-{i}").id
        except Exception as exc:  # counted below
            return f"refused: {exc}"

    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(create, range(16)))
    try:
        assert [g for g in got if g.startswith("refused")] == []
        assert len(manager.runs) == 16 and not manager._building
        # the bounds still hold: the server is full, and one client's fifth run is refused
        with pytest.raises(Exception, match="on this server"):
            manager.create(req, "client-16")
    finally:
        for rid in list(manager.runs):
            manager.cancel(rid)
    one = RunManager(Limits(max_runs_per_client=4, max_runs_total=16))
    barrier = threading.Barrier(8)

    def mine(_: int) -> str:
        barrier.wait(timeout=30)
        try:
            return one.create(req, "me").id
        except Exception as exc:  # counted below
            return f"refused: {exc}"

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(mine, range(8)))
    try:
        assert sum(not g.startswith("refused") for g in got) == 4
        assert all("per client" in g for g in got if g.startswith("refused"))
    finally:
        for rid in list(one.runs):
            one.cancel(rid)


# ------------------------------------------------------------------------------------------------- slow clients
def test_port_probe_ignores_a_stopped_servers_time_wait_sockets() -> None:
    from losslab.lab._serve import free_port, port_in_use

    port = free_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    assert port_in_use("127.0.0.1", port)
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its side of the connection waits in TIME_WAIT
    listener.close()
    time.sleep(0.1)
    client.close()
    assert not port_in_use("127.0.0.1", port)


@contextlib.contextmanager
def _serving(limits: Any) -> Iterator[tuple[Any, int]]:
    """The lab served by uvicorn in a thread on a free port of 127.0.0.1, stopped on the way out."""
    import uvicorn

    from losslab.lab import create_app
    from losslab.lab._serve import free_port, server_config

    port = free_port()
    server = uvicorn.Server(server_config(create_app(limits), "127.0.0.1", port, limits))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "the lab did not start"
            time.sleep(0.02)
        yield server, port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_half_open_connections_neither_block_others_nor_stay_for_ever() -> None:
    """A bounded slowloris on 127.0.0.1: 1,000 sockets that send half a request head; a normal request is answered
    at once, and the half-open sockets are closed by the server after ``header_seconds``."""
    import http.client

    from losslab.lab import Limits

    half_open = 1000
    _allow_open_files(2 * half_open + 256)  # both ends of every socket live in this process
    limits = Limits(header_seconds=3.0, body_seconds=1.0)
    sockets: list[socket.socket] = []
    with _serving(limits) as (_server, port):
        deadline = time.monotonic() + 30
        for _ in range(half_open):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(s)
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/health")
        assert conn.getresponse().status == 200
        conn.close()
        assert time.monotonic() - started < 2
        # a body sent too slowly is answered with 408
        slow_body = socket.create_connection(("127.0.0.1", port), timeout=5)
        slow_body.sendall(b"POST /api/compute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{")
        assert slow_body.recv(100).startswith(b"HTTP/1.1 408")
        slow_body.close()
        # the half-open sockets are closed by the server (recv sees the end) after the head deadline
        closed = 0
        for s in sockets:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                closed += s.recv(1) == b""
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass
        assert closed == half_open
        for s in sockets:
            s.close()


def test_more_half_open_connections_than_the_server_may_hold_shed_the_oldest() -> None:
    """With room for 200 connections (as a process with few files would have), 1,000 half-open ones: the server
    closes the oldest waiting ones to stay below its bound, long before their head deadline, and a normal request
    is answered at once (not 503, not after the deadline)."""
    import http.client

    from losslab.lab import Limits

    _allow_open_files(1000 + 512)
    limits = Limits(header_seconds=60.0, max_connections=200)
    sockets: list[socket.socket] = []
    with _serving(limits) as (server, port):
        for _ in range(1000):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sockets.append(s)
        time.sleep(0.5)
        assert len(server.server_state.connections) <= 200
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/health")
        assert conn.getresponse().status == 200
        conn.close()
        assert time.monotonic() - started < 2
        shed = 0
        for s in sockets[:800]:  # the oldest: closed by the server, 60 s before their deadline
            s.settimeout(2.0)
            try:
                shed += s.recv(1) == b""
            except ConnectionResetError:
                shed += 1
            except TimeoutError:
                pass
        assert shed == 800
        for s in sockets:
            s.close()


def _allow_open_files(wanted: int) -> None:
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"this test needs {wanted} open files; the hard bound is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# ------------------------------------------------------------------------------------------ the evidence worker
IGNORES_SIGTERM = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                   "sys.stdin.buffer.read(); time.sleep(120)")


def test_an_evidence_worker_that_ignores_sigterm_is_killed_after_its_wall_time(monkeypatch: Any) -> None:
    import subprocess
    import sys

    from losslab.lab import _advice

    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def stubborn(args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        process = real([sys.executable, "-c", IGNORES_SIGTERM], **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(_advice.subprocess, "Popen", stubborn)
    with make_client(max_evidence_seconds=1.0, evidence_attach_seconds=60) as client:
        job = client.post("/api/advice/evidence", json={"example": "line", "folds": 2, "epochs": 1}).json()
        begin = time.monotonic()
        state = "running"
        while state == "running" and time.monotonic() - begin < 10:
            time.sleep(0.1)
            state = client.get(f"/api/advice/evidence/{job['id']}").json()["state"]
        assert state == "timeout"
        assert started and started[0].wait(timeout=5) == -9  # SIGKILL
        assert time.monotonic() - begin < 1.0 + 1.0 + _advice.KILL_GRACE_SECONDS + 2.0
