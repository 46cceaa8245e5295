"""One browser test: JupyterLab in headless Chromium runs a cell that shows the loss explorer, a slider is moved
and the value shown is the catalog's. The screenshot is kept under /tmp/h/shots when that folder exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import losslab

from .jupyter_harness import MOVE_SLIDER, JupyterLab, chromium, open_notebook

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/h/shots")


def test_the_explorer_answers_a_slider_in_jupyterlab(tmp_path: Path, browser: Any) -> None:
    pytest.importorskip("anywidget")
    if chromium() is None:
        pytest.skip("the browser test needs Chromium (apt-get install chromium)")
    cell = "from losslab import notebook as nb\nw = nb.explorer(loss='huber', params={'delta': 1.0}, pred=2.0)\nw"
    huber = losslab.get("huber", delta=1.0)
    with JupyterLab(tmp_path) as lab:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        try:
            open_notebook(page, lab, "explorer.ipynb", [cell], ".ll-explorer [data-ll=value]")
            shown = page.locator(".ll-explorer [data-ll=value]")
            assert shown.text_content() == "1.5"  # huber(δ=1) of the error 2: 2 − 0.5
            result = page.evaluate(MOVE_SLIDER, ["pred", [0.5, 2.5]])
            expected = float(huber(np.array([2.5]), np.array([0.0])))
            assert float(result["value"]) == pytest.approx(expected)
            assert page.locator(".ll-explorer [data-ll=grad]").text_content() == "1"
            assert page.locator(".ll-explorer .ll-error").is_hidden()
            if SHOTS.is_dir():
                page.locator(".ll-explorer").screenshot(path=str(SHOTS / "explorer_jupyterlab.png"))
        finally:
            page.close()


# the canvas's pixels that are white mixed with one palette colour (the map's shading), per colour given
MAP_HUES = """([selector, colours]) => {
  const canvas = document.querySelector(selector);
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  const counts = colours.map(() => 0);
  for (let i = 0; i < px.length; i += 4) {
    rgb.forEach((c, k) => {
      const d = c.map((v) => v - 255), s = d.reduce((a, v, j) => a + v * (px[i + j] - 255), 0) /
        d.reduce((a, v) => a + v * v, 0);
      const off = Math.hypot(...d.map((v, j) => 255 + s * v - px[i + j]));
      if (s > 0.05 && off < 10) counts[k] += 1;
    });
  }
  return {counts, pixels: px.length / 4};
}"""


def test_the_live_widget_draws_the_decision_map_while_training(tmp_path: Path, browser: Any) -> None:
    pytest.importorskip("anywidget")
    if chromium() is None:
        pytest.skip("the browser test needs Chromium (apt-get install chromium)")
    from losslab._palette import PALETTE

    cell = "from losslab import notebook as nb\nlive = nb.live_fit('moons', model='mlp', epochs=100_000, seed=0)\nlive"
    with JupyterLab(tmp_path) as lab:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        try:
            open_notebook(page, lab, "live.ipynb", [cell], ".ll-live[data-map-epoch]")
            root = page.locator(".ll-live")
            first = int(root.get_attribute("data-map-epoch") or 0)
            page.wait_for_function(f"Number(document.querySelector('.ll-live').dataset.mapEpoch) > {first + 20}")
            assert root.get_attribute("data-status") == "running"  # drawn again while it trains
            assert page.locator(".ll-live [data-ll=map-note]").is_hidden()
            hues = page.evaluate(MAP_HUES, [".ll-live canvas[data-ll=map-canvas]", list(PALETTE[:2])])
            assert min(hues["counts"]) > 0.1 * hues["pixels"], hues  # both classes' regions are shaded
            if SHOTS.is_dir():
                root.screenshot(path=str(SHOTS / "live_map.png"))
            page.locator(".ll-live [data-ll=stop]").click()
            page.wait_for_selector(".ll-live[data-status=cancelled] .ll-diagnosis section", timeout=60_000)
            if SHOTS.is_dir():
                root.screenshot(path=str(SHOTS / "live_map_end.png"))
        finally:
            page.close()
