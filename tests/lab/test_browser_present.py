"""Presentation mode for a classroom projector (issue 16): at 1920 × 1080 the decision map, the live curves and the
numbers are all on the screen at once, in larger text, and the mode is kept in the link (``c.present=1``).
Checked on the elements' boxes; a screenshot goes to /tmp/lab16_shots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
SHOTS = Path("/tmp/lab16_shots")
BOXES = """() => {
  const box = (sel) => { const n = document.querySelector(sel); const r = n.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height }; };
  const size = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
  return { map: box('#panel-classify .map-wrap canvas'), curves: box('#panel-classify .curves-wrap .chart canvas'),
           numbers: box('#panel-classify .numbers'), text: size('#panel-classify .numbers dd'),
           label: size('#panel-classify .numbers dt'), vw: innerWidth, vh: innerHeight,
           scroll: document.scrollingElement.scrollWidth };
}"""


def _inside(box: dict, vw: int, vh: int) -> bool:
    return box["width"] > 0 and box["left"] >= -0.5 and box["top"] >= -0.5 and box["right"] <= vw + 0.5 \
        and box["bottom"] <= vh + 0.5


def test_presentation_mode_puts_map_curves_and_numbers_on_one_projector_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(f"{live_server.url}?panel=classify")
    pg.wait_for_selector(READY, timeout=30_000)
    pg.click("button[data-key='c.stepbtn']")  # a run, so that the curves are drawn
    pg.wait_for_selector("#panel-classify .curves-wrap .chart canvas", timeout=15_000)
    pg.wait_for_function("window.__lab.panels.get('classify').api.run.epoch >= 1", timeout=15_000)
    pg.evaluate("window.scrollTo(0, 0)")
    before = pg.evaluate(BOXES)
    # without it, the projector shows the map but not the curves (they start below the screen)
    assert not _inside(before["curves"], 1920, 1080), before

    button = pg.locator("button[data-key='c.present']")
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    pg.wait_for_timeout(400)  # the chart refits to its new room (ResizeObserver), the map is drawn again
    pg.evaluate("window.scrollTo(0, 0)")
    got = pg.evaluate(BOXES)
    for part in ("map", "curves", "numbers"):
        assert _inside(got[part], 1920, 1080), (part, got)
    assert got["scroll"] <= 1920
    assert got["map"]["width"] >= 1.5 * before["map"]["width"], (before["map"], got["map"])  # the map is larger
    assert got["text"] >= 1.25 * before["text"] and got["label"] > before["label"], (before, got)  # and the text
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / "classify_present_1920.png"))

    # kept in the link: the address opens in presentation mode
    pg.wait_for_function("location.search.includes('c.present=1')", timeout=5_000)
    url = pg.url
    assert parse_qs(urlparse(url).query)["c.present"] == ["1"]
    other = context.new_page()
    other.goto(url)
    other.wait_for_selector(READY, timeout=30_000)
    assert other.locator("#panel-classify").evaluate("n => n.classList.contains('present')")
    assert other.locator("button[data-key='c.present']").get_attribute("aria-pressed") == "true"
    other.close()

    # and left: the usual layout again, and the link forgets the mode
    button.click()
    pg.wait_for_function("!location.search.includes('c.present')", timeout=5_000)
    assert pg.evaluate(BOXES)["text"] == pytest.approx(before["text"])
    context.close()
    assert not errors, errors


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_finished_run_keeps_map_curves_and_numbers_on_the_projector_screen(browser, live_server, lang):
    """The note of a run that reached its epochs takes a line above the map: the map still ends on the screen."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    pg.goto(f"{live_server.url}?panel=classify&lang={lang}&c.present=1&c.speed=max&c.epochs=120")
    pg.wait_for_selector(READY, timeout=30_000)
    pg.click("button[data-key='c.playbtn']")
    pg.wait_for_function("document.querySelector('#panel-classify .run-state').dataset.state === 'done'",
                         timeout=30_000)
    pg.wait_for_selector("#panel-classify .run-note:not([hidden])")
    pg.wait_for_timeout(400)
    pg.evaluate("window.scrollTo(0, 0)")
    got = pg.evaluate(BOXES)
    for part in ("map", "curves", "numbers"):
        assert _inside(got[part], 1920, 1080), (part, got)
    assert got["map"]["width"] >= 700, got["map"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"classify_present_done_{lang}.png"))
    context.close()
