"""Panel 7 ("Choose a loss") and the classification lab's own files in real headless Chromium: upload a CSV, pick
the target, read the recommendation, run the evidence; Japanese at phone width with the keyboard."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from .test_browser import EPOCH, READY, open_page

pytestmark = pytest.mark.browser

FIRST = "document.querySelector('#panel-choose .candidate.first')"
INFO = "window.__lab.panels.get('classify').api.run.dataset.info"


def sales_csv(n: int = 100) -> bytes:
    """The target comes first (so it has to be picked): a line whose tenth of rows are outliers."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 10, n)
    sales = 5 * x + 20 + rng.normal(0, 2, n)
    sales[::10] += rng.uniform(60, 90, len(sales[::10]))
    rows = ["sales,price,shop"] + [f"{s:.2f},{p:.3f},s{i % 3}" for i, (s, p) in enumerate(zip(sales, x, strict=True))]
    return ("\n".join(rows) + "\n").encode()


def test_choose_a_loss_for_an_uploaded_csv_and_run_the_evidence(page, live_server):
    open_page(page, live_server, "?panel=choose")
    page.wait_for_selector("#panel-choose .candidate.first")  # an example is there from the start
    page.select_option("select[data-key='ch.data']", "upload")
    page.wait_for_selector("#choose-file", state="visible")
    page.set_input_files("#choose-file", files=[{"name": "sales.csv", "mimeType": "text/csv", "buffer": sales_csv()}])
    page.wait_for_function("document.querySelector('#panel-choose .data-info').textContent.includes('sales.csv')")
    # the file's last column is suggested; the user picks the real target
    page.select_option("select[data-key='ch.target']", "sales")
    page.wait_for_function(f"{FIRST} && {FIRST}.dataset.loss === 'huber'")
    first = page.locator("#panel-choose .candidate.first")
    assert "losslab.get('huber', delta=" in first.inner_text()
    assert page.locator("#panel-choose .candidate.avoid[data-loss='mse']").count() == 1
    assert "100 rows" in page.locator("#panel-choose .findings").inner_text()
    # the evidence, small: 2 folds of 5 epochs
    page.select_option("select[data-key='ch.folds']", "2")
    page.select_option("select[data-key='ch.epochs']", "5")
    page.click("button[data-key='ch.run']")
    page.wait_for_selector("#panel-choose .evidence-table tbody tr", timeout=60_000)
    rows = page.locator("#panel-choose .evidence-table tbody tr")
    assert rows.count() == 3 and "★" in page.locator("#panel-choose .evidence-table").inner_text()
    assert page.locator("#panel-choose .verdict").inner_text().strip()
    assert "Done" in page.locator("#panel-choose .progress-text").inner_text()
    page.wait_for_selector("#panel-choose .figure .chart svg", timeout=30_000)
    page.click("#panel-choose .figure-tools button:has-text('Data table')")
    assert page.locator("#panel-choose .figure .data-table tbody tr").count() >= 3 * 4
    query = parse_qs(urlparse(page.evaluate("window.__lab.state.link()")).query)
    assert query["ch.data"] == ["upload"] and query["ch.target"] == ["sales"]
    assert query["ch.folds"] == ["2"] and query["ch.epochs"] == ["5"] and query["ch.evidence"] == ["1"]
    # a changed setting makes the evidence stale: it is cleared, not shown for the wrong settings
    page.select_option("select[data-key='ch.priority']", "recall")
    page.wait_for_function("!document.querySelector('#panel-choose .evidence-table')")


def test_choose_in_japanese_at_phone_width_with_the_keyboard(browser, live_server):
    pg = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.goto(live_server.url + "?panel=choose&lang=ja&ch.data=counts")
        pg.wait_for_selector(READY, timeout=20_000)
        pg.wait_for_function(f"{FIRST} && {FIRST}.dataset.loss === 'poisson'")
        assert re.search(r"[\u3040-\u30ff]", pg.locator("#panel-choose h2").inner_text())
        assert re.search(r"[\u3040-\u30ff]", pg.locator("#panel-choose .candidate.first").inner_text())
        assert pg.evaluate("document.documentElement.scrollWidth") <= 400
        # the data set with the keyboard alone: the next example is the rare class
        pg.focus("select[data-key='ch.data']")
        pg.keyboard.press("ArrowDown")
        pg.wait_for_function(f"{FIRST} && {FIRST}.dataset.loss === 'binary_cross_entropy'")
        # the question the data cannot settle (raw scores or probabilities?) leads to its control
        pg.wait_for_selector("#panel-choose .questions a.answer")
        pg.click("#panel-choose .questions a.answer")
        assert pg.evaluate("document.activeElement.dataset.key") == "ch.output"
        pg.keyboard.press("ArrowDown")  # logits
        pg.wait_for_function("document.querySelector('#panel-choose .questions').hidden")
        assert pg.evaluate("document.documentElement.scrollWidth") <= 400
    finally:
        pg.close()
    assert not errors, errors


def classes_csv() -> bytes:
    rng = np.random.default_rng(2)
    rows = ["id,kind,width,height"]
    for i in range(120):
        c = i % 2
        rows.append(f"{i},{'wide' if c else 'tall'},{rng.normal(2 * c, 0.7):.3f},{rng.normal(-c, 0.7):.3f}")
    return ("\n".join(rows) + "\n").encode()


def test_the_classification_lab_trains_on_an_uploaded_file(page, live_server):
    open_page(page, live_server, "?panel=classify&c.speed=fast")
    page.wait_for_selector("#panel-classify canvas")
    page.check("fieldset[data-key='c.data'] input[value='upload']")
    page.wait_for_selector("#classify-file", state="visible")
    page.set_input_files("#classify-file",
                         files=[{"name": "shapes.csv", "mimeType": "text/csv", "buffer": classes_csv()}])
    page.wait_for_function(f"{INFO}.name === 'shapes.csv'")
    info = page.evaluate(INFO)
    # the class column is the one with few values; the row id is left out of the features (issue 16), and the
    # box says which class column was chosen and which column was left out
    assert info["target_name"] == "kind" and info["class_names"] == ["tall", "wide"]
    assert page.locator("select[data-key='c.target']").input_value() == "kind"
    features = page.eval_on_selector_all("select[data-key='c.features']", "xs => xs.map(x => x.value)")
    assert features == ["width", "height"]
    page.wait_for_function(f"{INFO}.feature_names.join() === 'width,height'")
    box = page.locator("#panel-classify .upload-box").inner_text()
    assert "The class column 'kind' was chosen" in box and "'id' is left out of the features" in box
    # the row id can still be chosen, and back
    page.select_option("select[data-key='c.features'] >> nth=0", "id")
    page.wait_for_function(f"{INFO}.feature_names.join() === 'id,height'")
    page.select_option("select[data-key='c.features'] >> nth=0", "width")
    page.wait_for_function(f"{INFO}.feature_names.join() === 'width,height'")
    assert "tall" in page.locator("#panel-classify .map-legend").inner_text()
    assert "shapes.csv" in page.locator("#panel-classify .upload-box").inner_text()
    page.click("button[data-key='c.playbtn']")
    page.wait_for_function(f"{EPOCH} >= 3")
    query = parse_qs(urlparse(page.evaluate("window.__lab.state.link()")).query)
    assert query["c.data"] == ["upload"] and query["c.target"] == ["kind"] and query["c.features"] == ["width,height"]
