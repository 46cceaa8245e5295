"""The lab page in real headless Chromium (Debian's, driven by Playwright): sliders, training, languages, links,
the keyboard."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"


def open_page(page, live_server, query: str = "") -> None:
    page.goto(live_server.url + query)
    page.wait_for_selector(READY, timeout=20_000)


def figure_svg(page, selector: str) -> str:
    return page.eval_on_selector(f"{selector} .chart", "node => node.innerHTML")


def test_page_opens_with_the_explorer_and_its_figure(page, live_server):
    open_page(page, live_server)
    assert page.title().startswith("losslab lab")
    assert page.locator("#panel-explorer h2").inner_text().startswith("1.")
    page.wait_for_selector("#panel-explorer .chart svg")
    # the readout holds the catalog's numbers: MSE of 1.5 against 0 is 2.25
    assert "2.25" in page.locator("#panel-explorer .readout").inner_text()
    # every figure has a data table
    page.click("#panel-explorer .figure-tools button:has-text('Data table')")
    assert page.locator("#panel-explorer .data-table table tbody tr").count() > 50


def test_dragging_a_slider_changes_the_value_and_the_figure(page, live_server):
    open_page(page, live_server)
    page.wait_for_selector("#panel-explorer .chart svg")
    slider = page.locator("input[data-key='e.pred']")
    before_value = page.locator("#panel-explorer .readout").inner_text()
    before_svg = figure_svg(page, "#panel-explorer")
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.75, y)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.75 - 0.05 * i), y)
    page.mouse.up()
    page.wait_for_function("window.__labMetrics.slider.length > 0")
    value = float(slider.input_value())
    assert value < 0
    after_value = page.locator("#panel-explorer .readout").inner_text()
    assert after_value != before_value
    page.wait_for_function("s => document.querySelector('#panel-explorer .chart').innerHTML !== s", arg=before_svg)
    # the URL keeps the new position
    shown = str(value).rstrip("0").rstrip(".") if "." in str(value) else str(value)
    page.wait_for_function("v => new URL(location.href).searchParams.get('e.pred') === v", arg=shown)


EPOCH = "parseInt(document.querySelector('#panel-classify .epoch').textContent.replace(/,/g, ''))"


def epoch(page) -> int:
    return int(page.locator("#panel-classify .epoch").inner_text().replace(",", ""))


def test_training_grows_the_curves_and_pause_step_reset_work(page, live_server):
    open_page(page, live_server, "?panel=classify&c.speed=fast&c.n=120")
    page.wait_for_selector("#panel-classify canvas")
    assert epoch(page) == 0
    # no run before Play (issue 16): the curves say how to start one
    assert page.evaluate("window.__lab.panels.get('classify').api.run.id") is None
    page.wait_for_selector("#panel-classify .figure .chart p.help")
    page.click("button[data-key='c.playbtn']")
    page.wait_for_selector("#panel-classify .figure .chart canvas, #panel-classify .figure .chart svg")
    page.wait_for_function(f"{EPOCH} >= 5")
    rows = "window.__lab.panels.get('classify').api.run.records.length"
    n1 = page.evaluate(rows)
    page.wait_for_function(f"{rows} > {n1 + 3}")
    # the curves chart holds the rows drawn so far
    drawn = page.evaluate("window.__lab.panels.get('classify').api.run.records.length")
    assert drawn > n1
    assert page.locator("#panel-classify .run-state").inner_text() == "training"
    # pause: the counter stops
    page.click("button[data-key='c.playbtn']")
    page.wait_for_function("document.querySelector('#panel-classify .run-state').textContent === 'paused'")
    page.wait_for_timeout(300)
    stopped = epoch(page)
    page.wait_for_timeout(400)
    assert epoch(page) == stopped
    # one step: exactly one more epoch
    page.click("button[data-key='c.stepbtn']")
    page.wait_for_function(f"{EPOCH} === {stopped + 1}")
    # the diagnosis is in words
    page.wait_for_selector("#panel-classify .diagnosis h4")
    # reset: back to epoch 0 with the same initial weights
    first_loss = page.evaluate("window.__lab.panels.get('classify').api.run.initial.train_loss")
    page.click("button[data-key='c.resetbtn']")
    page.wait_for_function(f"{EPOCH} === 0")
    assert page.evaluate("window.__lab.panels.get('classify').api.run.initial.train_loss") == first_loss
    # one example, traced: click a point of the map
    page.fill("input[data-key='c.trace']", "3")
    page.click("button[data-key='c.tracebtn']")
    page.wait_for_selector("#panel-classify .trace-steps li")
    assert page.locator("#panel-classify .trace-steps li").count() == 8


def test_japanese_switch_and_back(page, live_server):
    open_page(page, live_server)
    page.click("button[data-lang='ja']")
    page.wait_for_function("document.documentElement.lang === 'ja'")
    heading = page.locator("#panel-explorer h2").inner_text()
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", heading)
    assert "損失" in page.locator("#nav").inner_text()
    page.wait_for_function("new URL(location.href).searchParams.get('lang') === 'ja'")
    # the explanation follows the language
    page.wait_for_function("/[\u3040-\u30ff]/.test(document.querySelector('.explanation').textContent)")
    page.click("button[data-lang='en']")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#panel-explorer h2").inner_text() == "1. Loss explorer"


def test_a_shared_link_reproduces_the_view(page, live_server, browser):
    open_page(page, live_server, "?lang=ja&panel=explorer&e.task=classification&e.losses=hinge,binary_focal"
              "&e.score=-1.5&e.label=0&e.gamma=3")
    assert page.locator("input[data-key='e.score']").input_value() == "-1.5"
    checked = page.eval_on_selector_all("fieldset[data-key='e.losses'] input:checked", "xs => xs.map(x => x.value)")
    assert checked == ["binary_focal", "hinge"]
    assert page.locator("input[data-key='e.gamma']").input_value() == "3"
    assert "分類" in page.locator("fieldset[data-key='e.task']").inner_text()
    # change something, take the page's own link, open it elsewhere: the same view
    page.locator("input[data-key='e.score']").fill("2")
    page.locator("input[data-key='e.score']").dispatch_event("input")
    link = page.evaluate("window.__lab.state.link()")
    query = parse_qs(urlparse(link).query)
    assert query["e.score"] == ["2"]
    other = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        other.goto(link)
        other.wait_for_selector(READY, timeout=20_000)
        assert other.locator("input[data-key='e.score']").input_value() == "2"
        assert other.evaluate("document.documentElement.lang") == "ja"
        assert other.locator("#panel-explorer .readout tbody tr").count() == 2
    finally:
        other.close()


def test_a_teacher_can_hide_controls_through_the_link(page, live_server):
    open_page(page, live_server, "?panel=classify&hide=c.loss,c.opt,lang,c.modelcol")
    assert page.locator("[data-key='c.loss']").first.is_hidden()
    assert page.locator("[data-key='c.opt']").first.is_hidden()
    assert page.locator("#lang").is_hidden()
    assert page.locator("[data-group='c.modelcol']").is_hidden()
    assert page.locator("[data-key='c.playbtn']").is_visible()


def test_keyboard_only(page, live_server):
    open_page(page, live_server)
    page.wait_for_selector("#panel-explorer .chart svg")
    # Tab through the page until the prediction slider has the focus, then move it with the arrow keys
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.key") == "e.pred":
            break
    else:
        pytest.fail("the prediction slider cannot be reached with Tab")
    before = float(page.locator("input[data-key='e.pred']").input_value())
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert float(page.locator("input[data-key='e.pred']").input_value()) == pytest.approx(before + 0.1)
    # the panels are links: Shift+Tab back to the navigation, Enter opens the classification lab
    page.focus("#nav a[data-panel='classify']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel-classify canvas")
    assert page.evaluate("document.activeElement.id") == "classify-h"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.key") == "c.playbtn":
            break
    else:
        pytest.fail("the play button cannot be reached with Tab")
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelector('#panel-classify .run-state').textContent === 'training'")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#panel-classify .run-state').textContent === 'paused'")
    # a regression point can be moved with the arrow keys
    page.focus("#nav a[data-panel='regression']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel-regression .pt")
    page.focus("#panel-regression .pt[data-index='0']")
    label = page.eval_on_selector("#panel-regression .pt[data-index='0']", "n => n.getAttribute('aria-label')")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        "l => document.querySelector('#panel-regression .pt[data-index=\"0\"]').getAttribute('aria-label') !== l",
        arg=label)


def test_closing_the_page_cancels_its_run(browser, live_server):
    import json
    import time
    import urllib.request

    pg = browser.new_page()
    pg.goto(live_server.url + "?panel=classify")
    pg.wait_for_selector(READY, timeout=20_000)
    pg.click("button[data-key='c.stepbtn']")  # a run exists once Play or one epoch is pressed
    pg.wait_for_function("window.__lab.panels.get('classify').api.run.id")
    run_id = pg.evaluate("window.__lab.panels.get('classify').api.run.id")
    url = f"{live_server.url}api/runs/{run_id}"
    assert json.load(urllib.request.urlopen(url))["id"] == run_id
    pg.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            return
        time.sleep(0.1)
    pytest.fail("the run outlived its page")


def test_every_panel_renders_at_phone_width(browser, live_server):
    pg = browser.new_page(viewport={"width": 390, "height": 844})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    for panel in ("explorer", "darts", "regression", "classify", "accuracy", "choose"):
        pg.goto(f"{live_server.url}?panel={panel}")
        pg.wait_for_selector(READY, timeout=20_000)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, (panel, width)
    pg.close()
    assert not errors, errors
