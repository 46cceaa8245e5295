"""The lab under a slowloris where the process may open only 1,024 files (issue 11's report: unreachable, 97% CPU,
5.6 MB/s of tracebacks in the log), and under uploads (issue 11: 47 MB of RSS per 2 MiB file).

Run: ``.venv/bin/python benchmarks/bench_lab_abuse.py`` (about 40 s). Prints one JSON object:
``slowloris``: for ``half_open`` connections that send half a request head, the answers to normal requests made
meanwhile (statuses, slowest seconds), the server's CPU share and its log's growth in bytes per second;
``uploads``: the server's RSS growth over the bytes of the ~2 MiB files it keeps.
"""

from __future__ import annotations

import json
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil

FILES = 1024
HALF_OPEN = 1100


def _start(log: Any, files: int | None = None) -> tuple[subprocess.Popen[str], str]:
    def bound() -> None:
        if files is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    proc = subprocess.Popen([sys.executable, "-m", "losslab.cli", "lab", "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=bound)
    assert proc.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
    assert match, "the lab did not start"
    return proc, match.group()


def _get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=15) as r:
            status = int(r.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError:
        status = 0
    return status, time.monotonic() - started


def slowloris() -> dict[str, Any]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * HALF_OPEN), hard))
    with tempfile.NamedTemporaryFile("w+b") as log:
        proc, url = _start(log, FILES)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        server = psutil.Process(proc.pid)
        sockets = []
        try:
            for _ in range(HALF_OPEN):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                sockets.append(s)
            server.cpu_percent(None)
            size = Path(log.name).stat().st_size
            started = time.monotonic()
            answers = [_get(url + "api/health") for _ in range(20)]
            time.sleep(max(0.0, 5.0 - (time.monotonic() - started)))
            elapsed = time.monotonic() - started
            cpu = server.cpu_percent(None)
            grown = Path(log.name).stat().st_size - size
        finally:
            for s in sockets:
                s.close()
            proc.terminate()
            proc.wait(timeout=15)
    return {"files": FILES, "half_open": HALF_OPEN, "statuses": sorted({a[0] for a in answers}),
            "answered_200": sum(a[0] == 200 for a in answers), "of": len(answers),
            "slowest_s": round(max(a[1] for a in answers), 3), "server_cpu_percent": round(cpu, 1),
            "log_bytes_per_s": round(grown / elapsed)}


def uploads() -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.lab.test_limits_uploads import _files, _post

    with tempfile.TemporaryFile() as log:
        proc, url = _start(log)
        try:
            server = psutil.Process(proc.pid)
            for body in _files(0):  # warm: every code path once
                done = _post(url, body)["id"]
                urllib.request.urlopen(urllib.request.Request(url + f"api/uploads/{done}", method="DELETE"))
            time.sleep(1.5)
            before = server.memory_info().rss
            sent = 0
            for seed in (1, 2):
                for body in _files(seed):
                    _post(url, body)
                    sent += len(body)
            time.sleep(1.5)
            growth = server.memory_info().rss - before
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return {"kept_mib": round(sent / 2**20, 2), "rss_growth_mib": round(growth / 2**20, 2),
            "ratio": round(growth / sent, 2)}


if __name__ == "__main__":
    print(json.dumps({"slowloris": slowloris(), "uploads": uploads()}, indent=1))
