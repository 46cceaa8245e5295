"""How fast the next-token panel's per-token view answers (issue 13: a 200-token text in < 100 ms).

    .venv/bin/python benchmarks/bench_lm_lab.py [--repeat 30] [--json]

``POST /api/lm/tokens`` through the whole lab app (request guard, body limit, validation, JSON) with FastAPI's
TestClient, for a text of 200 tokens: the synthetic corpus's true distribution (200 words), and the bigram and
unigram on character tokens (201 characters). The count models are fitted once beforehand (cached by the lab, as
after the page's first request). Median and p95 wall time per request, and the server's own time (``seconds``).

Then live training: an MLP run of 600 steps streamed over ``/api/lm/runs/{id}/stream``, the frames received per
second while it trains (target ≥ 20 updates a second; the lab paces frames at ``Limits.frames_per_second``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from lab.conftest import LabTestClient
from losslab import lm
from losslab.lab import create_app


def texts() -> dict[str, str]:
    """A 200-word text of the Japanese grammar, and its first 201 characters (200 predicted characters)."""
    language = lm.synthetic_language("ja")
    sample = language.sample(100, seed=1)
    words = [step.word for step in language.read(sample)]
    return {"true": "".join(words[:200]), "char": sample[:201]}


def measure(client: Any, body: dict[str, Any], repeat: int) -> dict[str, Any]:
    answer = client.post("/api/lm/tokens", json=body).json()  # warm: the fit and the first request
    walls, server = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.post("/api/lm/tokens", json=body).json()
        walls.append(time.perf_counter() - started)
        server.append(answer["seconds"])
    walls.sort()
    return {"positions": len(answer["tokens"]), "median_ms": 1000 * statistics.median(walls),
            "p95_ms": 1000 * walls[int(0.95 * (len(walls) - 1))], "server_median_ms": 1000 * statistics.median(server)}


def stream_rate(client: Any, steps: int = 600) -> dict[str, Any]:
    run = client.post("/api/lm/runs", json={"steps": steps, "hidden": 64}).json()
    stamps: list[float] = []
    with client.websocket_connect(f"/api/lm/runs/{run['id']}/stream") as ws:
        while True:
            msg = ws.receive_json()
            if msg["state"] != "running":
                break
            stamps.append(time.perf_counter())
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else float("nan")
    return {"frames": len(stamps), "seconds": span, "per_second": (len(stamps) - 1) / span if span else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    text = texts()
    cases = {"true distribution, 200 words": {"text": text["true"], "model": "true"},
             "bigram, 200 characters": {"text": text["char"], "model": "bigram"},
             "unigram, 200 characters": {"text": text["char"], "model": "unigram"}}
    results = {}
    with LabTestClient(create_app()) as client:
        for name, body in cases.items():
            results[name] = measure(client, {"corpus": "ja-synthetic", "tokenizer": "char", **body}, args.repeat)
        stream = stream_rate(client)
    if args.json:
        print(json.dumps({**results, "stream": stream}, indent=1))
        return
    for name, r in results.items():
        print(f"{name:32s} {r['positions']:4d} positions: median {r['median_ms']:6.1f} ms, p95 {r['p95_ms']:6.1f} ms "
              f"(server {r['server_median_ms']:.1f} ms); target < 100 ms")
    print(f"live training: {stream['frames']} frames in {stream['seconds']:.1f} s = {stream['per_second']:.1f} per "
          "second while training; target >= 20")


if __name__ == "__main__":
    main()
