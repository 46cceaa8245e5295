"""The notebook widgets in JupyterLab, in headless Chromium: slider → new value p95, and live curves per second.

    .venv/bin/python benchmarks/bench_widget.py [--moves 200] [--epochs 1500] [--live-only] [--shots DIR]

0. The Python side of a slider move alone (the widget model in this process, no front end).
1. The loss explorer (``losslab.notebook.explorer``): the prediction slider is moved ``--moves`` times; each move
   is timed in the page from the ``input`` event until the widget shows the answer to that move (the value, the
   gradient and the curve's marker drawn again). Reference in the same run: a bare anywidget that only echoes the
   move's number back from the kernel (the comm's round trip with nothing computed or drawn).
2. Live curves (``losslab.notebook.live_fit``): the MLP on moons; the page counts the distinct updates it draws
   (``data-updates``; a redraw of one already shown is not counted), the distinct decision maps it draws (each
   update carries one) and the seconds from the first update to the last.
   Reference in the same run: the same widget with the map turned off (its ``on_start`` hook emptied), and in this
   process the milliseconds of one map (48 × 48) against one epoch of training. ``--live-only`` skips 0 and 1.
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

LIVE_NO_MAP = '''from losslab import notebook as nb
from losslab.notebook import _live
_live.LiveFit._on_start = lambda self, *args: None  # the reference: the same widget with no map
live = nb.live_fit("moons", model="mlp", epochs={epochs}, seed=0)
live'''

COUNT_UPDATES = """async () => {
  const root = document.querySelector('.ll-live');
  const seen = [], maps = new Set(), updates = new Set();
  return await new Promise((resolve) => {
    const obs = new MutationObserver((changes) => {
      for (const c of changes) {
        if (c.attributeName === 'data-map-epoch') maps.add(root.dataset.mapEpoch);
        else if (c.attributeName === 'data-updates' && !updates.has(root.dataset.updates)) {
          updates.add(root.dataset.updates);  // a draw that shows an update already shown is not counted
          seen.push(performance.now());
        }
      }
      if (root.dataset.status !== 'running' && root.dataset.status !== 'starting') {
        obs.disconnect();
        resolve({updates: seen.length, maps: maps.size, seconds: (seen[seen.length - 1] - seen[0]) / 1000,
                 status: root.dataset.status, epoch: Number(root.dataset.mapEpoch)});
      }
    });
    obs.observe(root, {attributes: true, attributeFilter: ['data-updates', 'data-status', 'data-map-epoch']});
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


def map_cost(repeats: int = 200) -> dict[str, float]:
    """One decision map of the MLP on moons against one epoch of its training, in this process (ms)."""
    import time

    from losslab.notebook._live import MAP_GRID
    from losslab.training import fit
    from losslab.training.decision_map import data_extent, decision_map

    run = fit("moons", model="mlp", epochs=50, seed=0)
    extent = data_extent(run.dataset)
    started = time.perf_counter()
    for _ in range(repeats):
        decision_map(run.model, run.objective, extent, MAP_GRID, 2)
    one_map = (time.perf_counter() - started) / repeats * 1e3
    epoch = statistics.median(run.history.epoch_seconds) * 1e3
    return {"map_ms": round(one_map, 3), "epoch_ms": round(epoch, 3), "ratio_map_over_epoch": round(one_map / epoch, 2)}


def live_part(browser: Any, lab: JupyterLab, source: str, name: str, epochs: int) -> dict[str, Any]:
    """Part 2: one live run in its own notebook, its updates counted in the page."""
    page = browser.new_page(viewport={"width": 1100, "height": 1000})
    open_notebook(page, lab, f"{name}.ipynb", [source.replace("{epochs}", str(epochs))], ".ll-live")
    counted = page.evaluate(COUNT_UPDATES)
    counted["updates_per_s"] = round(counted["updates"] / max(counted["seconds"], 1e-9), 1)
    counted["maps_per_s"] = round(counted["maps"] / max(counted["seconds"], 1e-9), 1)
    counted["page"] = page
    return dict(counted)


def explorer_part(browser: Any, lab: JupyterLab, args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Part 1: the explorer's slider and the echo's, timed in the page."""
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moves", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=1500)
    ap.add_argument("--live-only", action="store_true", help="only the live curves (part 2)")
    ap.add_argument("--shots", type=Path, default=None, help="save screenshots of the widgets here")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {} if args.live_only else {"python_side": python_side(args.moves)}
    with tempfile.TemporaryDirectory(prefix="losslab-bench-widget-") as tmp, JupyterLab(Path(tmp)) as lab, \
            sync_playwright() as p:
        browser = launch(p)
        if not args.live_only:
            explorer_part(browser, lab, args, out)
        out["live_no_map"] = live_part(browser, lab, LIVE_NO_MAP, "live_no_map", args.epochs)
        out["live"] = live = live_part(browser, lab, LIVE, "live", args.epochs)
        page2 = live.pop("page")
        out["live_no_map"].pop("page").close()
        out["ratio_updates_per_s_map_over_no_map"] = round(live["updates_per_s"] / out["live_no_map"]["updates_per_s"],
                                                          2)
        if args.shots:
            args.shots.mkdir(parents=True, exist_ok=True)
            page2.wait_for_selector(".ll-live .ll-diagnosis section")
            page2.locator(".ll-live").screenshot(path=str(args.shots / "bench_live.png"))
        browser.close()
    out["map_cost"] = map_cost()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
