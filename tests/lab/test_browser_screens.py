"""The lab on real screens (issue 16): on a phone (390 × 844) and on a classroom projector (1920 × 1080) every panel
fits its width — no sideways scrolling of the page, every chart inside the screen, every table either inside the
screen or in a scroll box that is itself inside and that the keyboard can reach. Measured on the elements' boxes;
screenshots go to /tmp/lab16_shots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
PANELS = ("explorer", "darts", "regression", "classify", "trace", "accuracy", "choose", "formula", "lm", "distill")
SHOTS = Path("/tmp/lab16_shots")

# every visible chart and table of the page, with what is wrong with it (an empty list when all is well)
GEOMETRY = """() => {
  const vw = window.innerWidth;
  const shown = (n) => n.getClientRects().length > 0 && !n.closest('[hidden]');
  const out = { scroll: document.scrollingElement.scrollWidth, width: vw, charts: 0, tables: 0, bad: [] };
  const inside = (r) => r.left >= -0.5 && r.right <= vw + 0.5;
  for (const node of document.querySelectorAll('main .chart svg, main .chart canvas')) {
    if (!shown(node)) continue;
    out.charts += 1;
    const r = node.getBoundingClientRect();
    const box = node.closest('.chart').getBoundingClientRect(); // not clipped by its own chart either
    if (!inside(r) || r.right > box.right + 1) {
      const key = node.closest('.figure').dataset.key;
      out.bad.push(`chart ${key}: ${Math.round(r.left)}..${Math.round(r.right)} in ${Math.round(box.right)}`);
    }
  }
  for (const node of document.querySelectorAll('main table')) {
    if (!shown(node)) continue;
    out.tables += 1;
    const r = node.getBoundingClientRect();
    if (inside(r)) continue;
    let box = node.parentElement;
    while (box && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    const name = node.className || (node.caption ? node.caption.textContent.slice(0, 30) : 'table');
    if (!box) {
      out.bad.push(`table ${name}: ${Math.round(r.left)}..${Math.round(r.right)}, in no scroll box`);
      continue;
    }
    if (!inside(box.getBoundingClientRect())) out.bad.push(`scroll box of table ${name} outside the screen`);
    if (box.tabIndex !== 0 || !box.getAttribute('aria-label')) out.bad.push(`scroll box of ${name}: no focus or name`);
  }
  return out;
}"""

# the charts that are on the page have been drawn (a chart waiting for a run or for the evidence is hidden)
DRAWN = """() => [...document.querySelectorAll('main .chart')]
  .filter((n) => n.getClientRects().length && !n.closest('[hidden]'))
  .every((n) => n.getAttribute('aria-busy') === 'false')"""


def _check(pg, where: str) -> dict:
    got = pg.evaluate(GEOMETRY)
    assert got["scroll"] <= got["width"], (where, "the page scrolls sideways", got)
    assert not got["bad"], (where, got["bad"])
    return got


@pytest.mark.parametrize("size", [(390, 844), (1920, 1080)], ids=["phone", "projector"])
def test_every_panel_fits_the_screen(browser, live_server, size):
    width, height = size
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    charts = 0
    for panel in PANELS:
        pg.goto(f"{live_server.url}?panel={panel}")
        pg.wait_for_selector(READY, timeout=30_000)
        if panel == "classify":  # its curves exist once a run does: one epoch
            pg.click("button[data-key='c.stepbtn']")
            pg.wait_for_selector("#panel-classify .figure .chart canvas", timeout=15_000)
        pg.wait_for_function(DRAWN, timeout=15_000)
        pg.wait_for_timeout(300)  # a refit after the first drawing (ResizeObserver, debounced)
        # every data table opened too: they are the widest things on a page
        for button in pg.locator("main .panel-host:not([hidden]) .figure-tools button[aria-pressed=false]").all():
            if button.is_visible():
                button.click()
        pg.wait_for_timeout(200)
        got = _check(pg, f"{panel} at {width}px")
        charts += got["charts"]
        pg.screenshot(path=str(SHOTS / f"{panel}_{width}.png"), full_page=True)
    context.close()
    assert charts >= 6  # explorer, darts, regression, classify, accuracy, formula: one each at least
    assert not errors, errors


def test_a_chart_refits_when_its_window_narrows_and_widens(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(live_server.url)
    pg.wait_for_selector(READY, timeout=30_000)
    pg.wait_for_function(DRAWN)
    side_by_side = "document.querySelector('#panel-explorer .chart svg').getBoundingClientRect()"
    wide = pg.evaluate(f"{side_by_side}.width")
    assert wide > 600, wide  # loss and gradient side by side
    pg.set_viewport_size({"width": 390, "height": 844})
    pg.wait_for_function(f"{side_by_side}.right <= window.innerWidth", timeout=5_000)
    narrow = pg.evaluate(f"[{side_by_side}.width, {side_by_side}.height]")
    assert narrow[0] < 380 and narrow[1] > 400  # stacked: narrower and taller
    _check(pg, "explorer narrowed to 390px")
    pg.set_viewport_size({"width": 1280, "height": 900})
    pg.wait_for_function(f"{side_by_side}.width > 600", timeout=5_000)
    context.close()
