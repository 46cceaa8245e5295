"""A classroom on one lab server (issue 16): 40 simulated students, each training its own run over the WebSocket.

    .venv/bin/python benchmarks/bench_classroom.py [--clients 40] [--seconds 10] [--speed normal] [--json]

One server, started as a teacher starts it for a class: ``losslab lab --host 0.0.0.0 --max-runs N
--max-runs-per-client N`` (N = the number of clients) with its access token, in a process of its own; the clients
reach it at the address it prints (this machine's own address, not loopback) with the token. Each client does what
the page does when a student presses Play: ``POST /api/runs`` (the classification lab's
default: the MLP on moons), opens ``/api/runs/{id}/stream``, sends the speed and ``play``, and reads the frames.
Over ``--seconds`` s (after a second of warm-up) each client counts the frames that carry a new decision map and
the epochs its run trained; the clients come once the server has finished building what it prepares at start
(its CPU at rest), as a class arrives at a server started beforehand. Reported: per client, map updates per
second (minimum, 10th percentile, median) and the gaps between two maps (p95 over all clients), epochs per second
(median per client, and all together), the diagnoses each client receives per second (median), and the server's
CPU time per second.

Target: every student's map >= 10 updates/s. The clients all come from this one machine, so the bound per client
is raised to the number of clients (in a class each student has an address of their own), and they share its CPUs
with the server (in a class they do not).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any

SPEEDS = {"slow": 5, "normal": 30, "fast": 120, "max": 1000}  # epochs per second (lab/static/js/classify-state.js)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


TOKEN = secrets.token_urlsafe(24)


def start_server(port: int, clients: int) -> tuple[subprocess.Popen[str], str]:
    """The lab as ``losslab lab --host 0.0.0.0`` serves a class, and the address it prints (without its token)."""
    proc = subprocess.Popen([sys.executable, "-m", "losslab.cli", "lab", "--host", "0.0.0.0", "--port", str(port),
                             "--no-browser", "--max-runs", str(clients), "--max-runs-per-client", str(clients),
                             "--token", TOKEN], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    found = re.search(r"(http://[^/]+/)", proc.stdout.readline())
    if found is None:
        proc.kill()
        raise RuntimeError("the lab did not print its address")
    base = found.group(1)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}api/health?token={TOKEN}", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the lab server did not start") from None
            time.sleep(0.2)
    _settle(proc.pid, deadline)
    return proc, base


def _settle(pid: int, deadline: float) -> None:
    """Wait until the server has built what it prepares at start (the page and its figures, ``lab._app``): a
    teacher starts the server before the class arrives, so the count starts with a server at rest."""
    while time.monotonic() < deadline:
        before = _cpu_seconds(pid)
        time.sleep(0.5)
        if _cpu_seconds(pid) - before < 0.05:
            return


def _create_run(base: str) -> str:
    body = json.dumps({"data": {"name": "moons"}}).encode()
    request = urllib.request.Request(f"{base}api/runs", data=body, headers={"Content-Type": "application/json",
                                                                            "Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as r:
        return str(json.load(r)["id"])


async def student(base: str, speed: int, start: float, stop: float) -> dict[str, Any]:
    import websockets

    run_id = await asyncio.to_thread(_create_run, base)
    maps: list[float] = []
    diagnoses = 0
    epochs: list[tuple[float, int]] = []
    socket_url = f"ws://{base[len('http://'):]}api/runs/{run_id}/stream?token={TOKEN}"
    async with websockets.connect(socket_url, max_size=None) as ws:
        await ws.recv()  # the run's state
        await ws.send(json.dumps({"action": "set", "speed": speed}))
        await ws.send(json.dumps({"action": "play"}))
        while time.monotonic() < stop:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=max(0.01, stop - time.monotonic()))
            except TimeoutError:
                break
            now = time.monotonic()
            if now < start or not isinstance(text, str) or not text.startswith('{"type":"frame"'):
                continue
            if '"map":' in text:
                maps.append(now)
            if '"diagnosis":' in text:
                diagnoses += 1
            found = text.find('"epoch":')
            if found >= 0:
                end = text.find(",", found)
                epochs.append((now, int(text[found + 8:end])))
    span = stop - start
    gaps = [b - a for a, b in itertools.pairwise(maps)]
    trained = epochs[-1][1] - epochs[0][1] if len(epochs) > 1 else 0
    return {"maps_per_s": len(maps) / span, "gaps": gaps, "epochs_per_s": trained / span,
            "diagnoses_per_s": diagnoses / span}


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def classroom(base: str, clients: int, seconds: float, speed: int, pid: int) -> dict[str, Any]:
    begin = time.monotonic()
    # the students arrive within a few seconds, as a class does; the counting starts once all are playing
    start = begin + 2.0 + clients * 0.05
    stop = start + seconds
    tasks = [asyncio.create_task(student(base, speed, start, stop)) for _ in range(clients)]
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu0 = _cpu_seconds(pid)
    done = await asyncio.gather(*tasks)
    cpu = (_cpu_seconds(pid) - cpu0) / seconds
    rss = _rss_mb(pid)  # with every run still open
    rates = [d["maps_per_s"] for d in done]
    gaps = [g for d in done for g in d["gaps"]]
    return {"clients": clients, "seconds": seconds, "speed_epochs_per_s": speed,
            "maps_per_s_min": min(rates), "maps_per_s_p10": percentile(rates, 0.1),
            "maps_per_s_median": statistics.median(rates),
            "map_gap_p95_ms": 1000 * percentile(gaps, 0.95) if gaps else float("nan"),
            "epochs_per_s_median": statistics.median(d["epochs_per_s"] for d in done),
            "epochs_per_s_total": sum(d["epochs_per_s"] for d in done),
            "diagnoses_per_s_median": statistics.median(d["diagnoses_per_s"] for d in done),
            "server_cpu_per_s": cpu, "server_rss_mb": rss, "cpus": os.cpu_count(), "address": base}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--speed", choices=sorted(SPEEDS), default="normal")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    port = _port()
    server, base = start_server(port, args.clients)
    try:
        result = asyncio.run(classroom(base, args.clients, args.seconds, SPEEDS[args.speed], server.pid))
    finally:
        server.terminate()
        server.wait(timeout=10)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['clients']} students, {args.speed} speed ({result['speed_epochs_per_s']} epochs/s asked), "
          f"{result['seconds']:g} s, losslab lab --host 0.0.0.0 at {base} with its token, {result['cpus']} CPUs:")
    print(f"  map updates per student: min {result['maps_per_s_min']:.1f}/s, p10 {result['maps_per_s_p10']:.1f}/s, "
          f"median {result['maps_per_s_median']:.1f}/s; gap p95 {result['map_gap_p95_ms']:.0f} ms   (target >= 10/s)")
    print(f"  epochs per student: median {result['epochs_per_s_median']:.1f}/s, "
          f"all {result['epochs_per_s_total']:.0f}/s; server CPU {result['server_cpu_per_s']:.2f} s per s, "
          f"memory {result['server_rss_mb']:.0f} MB")
    print(f"  diagnoses per student: median {result['diagnoses_per_s_median']:.2f}/s   (the page's verdict, asked 1/s)")


if __name__ == "__main__":
    main()
