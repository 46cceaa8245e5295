"""One browser test: JupyterLab in headless Chromium runs a cell that shows the loss explorer, a slider is moved
and the value shown is the catalog's. The screenshot is kept under /tmp/h/shots when that folder exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import losslab

from .jupyter_harness import MOVE_SLIDER, JupyterLab, chromium, launch, open_notebook

pytestmark = pytest.mark.slow
SHOTS = Path("/tmp/h/shots")


def test_the_explorer_answers_a_slider_in_jupyterlab(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("anywidget")
    if chromium() is None:
        pytest.skip("the browser test needs Chromium (apt-get install chromium)")
    cell = "from losslab import notebook as nb\nw = nb.explorer(loss='huber', params={'delta': 1.0}, pred=2.0)\nw"
    huber = losslab.get("huber", delta=1.0)
    with JupyterLab(tmp_path) as lab, sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
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
            browser.close()
