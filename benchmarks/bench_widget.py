"""The notebook widgets in JupyterLab, in headless Chromium: slider → new value p95, and live curves per second.

    .venv/bin/python benchmarks/bench_widget.py [--moves 200] [--shots DIR]

0. The Python side of a slider move alone (the widget model in this process, no front end).
1. The loss explorer (``losslab.notebook.explorer``): the prediction slider is moved ``--moves`` times; each move
   is timed in the page from the ``input`` event until the widget shows the answer to that move (the value, the
   gradient and the curve's marker drawn again). Reference in the same run: a bare anywidget that only echoes the
   move's number back from the kernel (the comm's round trip with nothing computed or drawn).
2. Live curves (``losslab.notebook.live_fit``): the MLP on moons; the page counts the curve updates it receives
   and the seconds from the first to the last.
Target (issue 18): slider → value p95 < 50 ms; live curves ≥ 20 updates/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "notebook"))

from jupyter_harness import MOVE_SLIDER, JupyterLab, launch, open_notebook

ECHO = '''import anywidget, traitlets
class Echo(anywidget.AnyWidget):
    _esm = """export default { render({ model, el }) {
      const root = document.createElement('div'); root.className = 'll-echo'; root.dataset.answered = '0';
      const input = document.createElement('input'); input.type = 'range'; input.dataset.ll = 'pred';
      input.min = -3; input.max = 3; input.step = 0.05; let seq = 0;
      input.addEventListener('input', () => {
        seq += 1; model.set({pred: Number(input.value), seq}); model.save_changes(); });
      model.on('change:answered', () => { root.dataset.answered = String(model.get('answered')); });
      root.append(input); el.append(root); } }"""
    pred = traitlets.Float(0.0).tag(sync=True)
    seq = traitlets.Int(0).tag(sync=True)
    answered = traitlets.Int(0).tag(sync=True)
    @traitlets.observe("seq")
    def _echo(self, change):
        self.answered = change["new"]
echo = Echo()
echo'''

LIVE = '''from losslab import notebook as nb
live = nb.live_fit("moons", model="mlp", epochs={epochs}, seed=0)
live'''

COUNT_UPDATES = """async () => {
  const root = document.querySelector('.ll-live');
  const seen = [];
  return await new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      seen.push(performance.now());
      if (root.dataset.status !== 'running' && root.dataset.status !== 'starting') {
        obs.disconnect();
        resolve({updates: seen.length, seconds: (seen[seen.length - 1] - seen[0]) / 1000, status: root.dataset.status});
      }
    });
    obs.observe(root, {attributes: true, attributeFilter: ['data-updates', 'data-status']});
  });
}"""


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(pct(times, 0.95), 2),
            "max_ms": round(max(times), 2), "n": len(times)}


def values(n: int) -> list[float]:
    return [round(-3 + ((i * 37) % 121) * 0.05, 2) for i in range(n)]


def python_side(n: int) -> dict[str, float]:
    """A slider move on the Python side alone (no comm): the catalog's value and gradient at the new point."""
    import time

    from losslab import notebook as nb

    w = nb.explorer(loss="huber")
    times = []
    for v in values(n):
        started = time.perf_counter()
        w.seq, w.pred = w.seq + 1, v
        times.append((time.perf_counter() - started) * 1e3)
    return summary(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=1500)
    ap.add_argument("--shots", type=Path, default=None, help="save screenshots of the widgets here")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"python_side": python_side(args.moves)}
    with tempfile.TemporaryDirectory(prefix="losslab-bench-widget-") as tmp, JupyterLab(Path(tmp)) as lab, \
            sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        cell = "from losslab import notebook as nb\nw = nb.explorer(loss='huber')\nw"
        open_notebook(page, lab, "bench.ipynb", [cell, ECHO], ".ll-echo")
        page.wait_for_selector(".ll-explorer [data-ll=value]")
        for selector, name in ((".ll-explorer", "explorer"), (".ll-echo", "echo"), (".ll-explorer", "explorer")):
            page.evaluate(MOVE_SLIDER, ["pred", values(10), selector])  # warm-up
            out[name] = summary(page.evaluate(MOVE_SLIDER, ["pred", values(args.moves), selector])["times"])
        out["ratio_p95_explorer_over_echo"] = round(out["explorer"]["p95_ms"] / out["echo"]["p95_ms"], 2)
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
            page.locator(".ll-explorer").screenshot(path=str(args.shots / "bench_explorer.png"))
        page2 = browser.new_page(viewport={"width": 1100, "height": 1000})
        write = LIVE.replace("{epochs}", str(args.epochs))
        open_notebook(page2, lab, "live.ipynb", [write], ".ll-live")
        counted = page2.evaluate(COUNT_UPDATES)
        counted["updates_per_s"] = round(counted["updates"] / max(counted["seconds"], 1e-9), 1)
        out["live"] = counted
        if args.shots:
            page2.wait_for_selector(".ll-live .ll-diagnosis section")
            page2.locator(".ll-live").screenshot(path=str(args.shots / "bench_live.png"))
        browser.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
