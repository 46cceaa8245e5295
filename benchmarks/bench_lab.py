"""How fast the lab page feels, measured in the browser (headless Chromium driven by Playwright).

    .venv/bin/python benchmarks/bench_lab.py [--moves 200] [--seconds 5] [--json]

Three numbers, each measured inside the page (``window.__labMetrics``):

1. **Slider → updated value and figure**: the prediction slider of the loss explorer is dragged with the mouse
   (one step of the slider per move, a move every 16 ms, as a real drag sends them); for each ``input`` event,
   the time from the event to the first painted frame after the readout and the figure were updated. p50 and
   p95 over ``--moves`` moves (target: p95 < 50 ms).
2. **Training updates drawn per second** with the MLP on moons (the classification lab's default network),
   counted over ``--seconds`` seconds of training, at the page's default speed (30 epochs/s) and as fast as
   possible (target: >= 20 per second).
3. **Fluid training** (issue 16) with the MLP on moons as fast as possible: the page's frame rate (every
   ``requestAnimationFrame`` callback counted in the page over ``--seconds`` s; target >= 55 frames/s), and for
   the decision map and for the curves their redraws per second and the gaps between two redraws (p50, p95,
   max; target p95 < 40 ms).
4. **Page load to interactive**: from navigation start to the moment the first panel's controls work, and to its
   first figure drawn, median of 5 loads in fresh browser contexts (target: < 1 s).

The server is the real one (uvicorn on 127.0.0.1); Chromium is Debian's (``shutil.which("chromium")``).

``--baseline SRC`` measures the fluid training of another version of the lab too (``SRC``: the ``src`` folder of
a checkout, for example ``git archive HEAD src | tar -x -C /tmp/before``), in a server of its own, alternating
with this version ``--rounds`` times, so that both see the same load of the machine; the medians are reported.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import shutil
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import CHROMIUM_ARGS  # tests/conftest.py: the flags every browser test uses
from lab.conftest import LiveServer


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def page_load(browser: Any, url: str, runs: int = 5) -> dict[str, float]:
    ready, drawn = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=30_000)
        page.wait_for_function("window.__labMetrics.figure !== null", timeout=30_000)
        m = page.evaluate("window.__labMetrics")
        ready.append(m["ready"])
        drawn.append(m["figure"])
        context.close()
    return {"interactive_ms": statistics.median(ready), "figure_ms": statistics.median(drawn)}


def slider(browser: Any, url: str, moves: int) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector("#panel-explorer .chart svg")
    page.wait_for_timeout(300)
    box = page.locator("input[data-key='e.pred']").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    steps = 120  # the slider's positions: -3 .. 3 in steps of 0.05
    thumb = 8.0  # the range input's thumb half-width, in pixels
    left, width = box["x"] + thumb, box["width"] - 2 * thumb
    direction = 1
    page.mouse.move(left + width * 0.5, y)
    page.mouse.down()
    page.evaluate("window.__labMetrics.slider = []")
    target = 60
    for _ in range(moves):
        target += direction
        if target in (0, steps):
            direction = -direction
        page.mouse.move(left + width * target / steps, y)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.wait_for_timeout(300)
    values = page.evaluate("window.__labMetrics.slider")
    page.close()
    return {"moves": len(values), "p50_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95),
            "max_ms": max(values)}


def training(browser: Any, url: str, seconds: float, speed: str) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}?panel=classify&c.data=moons&c.model=mlp&c.speed={speed}&c.epochs=10000")  # (as fluid)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.click("button[data-key='c.playbtn']")  # no run (and no curves) before Play
    page.wait_for_function("document.querySelector('#panel-classify .run-state').textContent === 'training'")
    page.wait_for_timeout(1000)
    start = page.evaluate("[performance.now(), window.__lab.panels.get('classify').api.run.epoch]")
    page.wait_for_timeout(seconds * 1000)
    end = page.evaluate("[performance.now(), window.__lab.panels.get('classify').api.run.epoch]")
    frames = page.evaluate(f"window.__labMetrics.frames.filter(t => t >= {start[0]} && t <= {end[0]}).length")
    page.click("button[data-key='c.playbtn']")
    page.close()
    elapsed = (end[0] - start[0]) / 1000
    return {"updates_per_s": frames / elapsed, "epochs_per_s": (end[1] - start[1]) / elapsed}


FLUID = """(ms) => new Promise((resolve) => {
  const frames = [];
  const from = performance.now();
  const tick = (now) => { frames.push(now); if (now - from < ms) requestAnimationFrame(tick); else resolve(frames); };
  requestAnimationFrame(tick);
})"""


def _gaps(times: list[float]) -> dict[str, float]:
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if not gaps:
        return {"per_s": 0.0, "gap_p50_ms": float("nan"), "gap_p95_ms": float("nan"), "gap_max_ms": float("nan")}
    return {"per_s": 1000 * len(gaps) / (times[-1] - times[0]), "gap_p50_ms": percentile(gaps, 0.5),
            "gap_p95_ms": percentile(gaps, 0.95), "gap_max_ms": max(gaps)}


def fluid(browser: Any, url: str, seconds: float) -> dict[str, Any]:
    """Frames per second of the page and the map's and curves' redraws while the MLP trains on moons at max speed."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # 10,000 epochs per Play: at max speed the default 1,000 end within the window, and the end of a run (the
    # curves redrawn with the final diagnosis) is not a gap in its training
    page.goto(f"{url}?panel=classify&c.data=moons&c.model=mlp&c.speed=max&c.epochs=10000")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.click("button[data-key='c.playbtn']")
    page.wait_for_function("document.querySelector('#panel-classify .run-state').textContent === 'training'")
    page.wait_for_timeout(1000)
    start = page.evaluate("[performance.now(), window.__lab.panels.get('classify').api.run.epoch]")
    frames = page.evaluate(FLUID, seconds * 1000)
    end = page.evaluate("[performance.now(), window.__lab.panels.get('classify').api.run.epoch]")
    drawn = page.evaluate(f"""[(window.__labMetrics.mapDraws || []).filter(t => t >= {start[0]} && t <= {end[0]}),
                              (window.__labMetrics.curveDraws || []).filter(t => t >= {start[0]} && t <= {end[0]})]""")
    if page.evaluate("window.__lab.panels.get('classify').api.run.state") != "playing":
        raise RuntimeError("the run stopped within the measured window: measure fewer --seconds")
    page.click("button[data-key='c.playbtn']")
    page.close()
    page_frames = _gaps(frames)
    return {"fps": page_frames["per_s"], "frame_gap_p95_ms": page_frames["gap_p95_ms"],
            "frame_gap_max_ms": page_frames["gap_max_ms"], "map": _gaps(drawn[0]), "curves": _gaps(drawn[1]),
            "epochs_per_s": (end[1] - start[1]) / ((end[0] - start[0]) / 1000)}


class BaselineServer:
    """The lab of another source tree (``--baseline``), under uvicorn in a process of its own on 127.0.0.1."""

    def __init__(self, src: str) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.src = src

    def __enter__(self) -> BaselineServer:
        import os
        import subprocess
        import time
        import urllib.request

        code = ("import uvicorn; from losslab.lab import create_app; "
                f"uvicorn.run(create_app(), host='127.0.0.1', port={self.port}, log_level='warning')")
        env = {**os.environ, "PYTHONPATH": self.src}
        self.proc = subprocess.Popen([sys.executable, "-c", code], env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "api/health", timeout=1).read()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the baseline server did not start") from None
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _median_fluid(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(path: tuple[str, ...]) -> float:
        values = []
        for r in runs:
            node: Any = r
            for key in path:
                node = node[key]
            values.append(node)
        return statistics.median(values)

    out: dict[str, Any] = {k: med((k,)) for k in ("fps", "frame_gap_p95_ms", "frame_gap_max_ms", "epochs_per_s")}
    for part in ("map", "curves"):
        out[part] = {k: med((part, k)) for k in ("per_s", "gap_p50_ms", "gap_p95_ms", "gap_max_ms")}
    out["rounds"] = len(runs)
    return out


def _print_fluid(f: dict[str, Any], label: str) -> None:
    print(f"fluid training ({label}), MLP on moons, as fast as possible: {f['fps']:.1f} frames/s "
          f"(frame gap p95 {f['frame_gap_p95_ms']:.1f} ms, max {f['frame_gap_max_ms']:.0f} ms; "
          f"{f['epochs_per_s']:.0f} epochs/s)   (target >= 55 frames/s)")
    for part in ("map", "curves"):
        g = f[part]
        print(f"  {part}: {g['per_s']:.1f} redraws/s, gap p50 {g['gap_p50_ms']:.1f} ms, p95 {g['gap_p95_ms']:.1f} ms, "
              f"max {g['gap_max_ms']:.0f} ms   (target p95 < 40 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--only-fluid", action="store_true", help="measure only the fluid training (item 3)")
    parser.add_argument("--baseline", metavar="SRC", help="another version's src folder, measured alternately")
    parser.add_argument("--rounds", type=int, default=3, help="fluid measurements of each version (median)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium")
    if path is None:
        sys.exit("bench_lab needs Chromium: apt-get install chromium")
    results: dict[str, Any] = {}
    with LiveServer() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        warm = browser.new_page()  # the server builds its first page and figure once
        warm.goto(server.url)
        warm.wait_for_selector("body[data-ready=true]", timeout=30_000)
        warm.close()
        runs, before = [], []
        with contextlib.ExitStack() as stack:
            base = stack.enter_context(BaselineServer(args.baseline)) if args.baseline else None
            for _ in range(args.rounds):
                if base is not None:
                    before.append(fluid(browser, base.url, args.seconds))
                runs.append(fluid(browser, server.url, args.seconds))
        results["fluid"] = _median_fluid(runs)
        if before:
            results["fluid_baseline"] = _median_fluid(before)
        if not args.only_fluid:
            results["page_load"] = page_load(browser, server.url)
            results["slider"] = slider(browser, server.url, args.moves)
            results["training_normal"] = training(browser, server.url, args.seconds, "normal")
            results["training_max"] = training(browser, server.url, args.seconds, "max")
        browser.close()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    if "fluid_baseline" in results:
        _print_fluid(results["fluid_baseline"], f"baseline {args.baseline}, median of {args.rounds}")
    _print_fluid(results["fluid"], f"this version, median of {args.rounds}")
    if args.only_fluid:
        return
    s, pl = results["slider"], results["page_load"]
    print(f"slider -> value and figure: p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, max {s['max_ms']:.1f} ms "
          f"over {s['moves']} moves   (target p95 < 50 ms)")
    for key, label in (("training_normal", "30 epochs/s"), ("training_max", "as fast as possible")):
        t = results[key]
        print(f"training updates drawn, MLP on moons, {label}: {t['updates_per_s']:.1f} /s "
              f"({t['epochs_per_s']:.0f} epochs/s)   (target >= 20/s)")
    print(f"page load to interactive: {pl['interactive_ms']:.0f} ms (first figure drawn: {pl['figure_ms']:.0f} ms)   "
          "(target < 1000 ms)")


if __name__ == "__main__":
    main()
