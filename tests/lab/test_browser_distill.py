"""Panel 10 (teacher and student) in headless Chromium: the seed example's bars and numbers, the temperature
slider (its answer time measured over 50 moves and printed), the T² toggle that keeps the
gradient norm near 0.2, the library box, the modes figure, the experiment, Japanese, 390 px with no sideways
scroll. Screenshots at 1280 and 390 px, en and ja, go to /tmp/distill_shots/."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PANEL = "#panel-distill"
SHOTS = Path("/tmp/distill_shots")

# 50 moves of the temperature slider, each timed from the input event to the panel showing that temperature's numbers
SLIDER_TIMES = """async () => {
  const section = document.querySelector('#panel-distill');
  const input = section.querySelector('input[data-key="ds.t"]');
  const times = [];
  for (let i = 0; i < 50; i += 1) {
    const v = (1 + (i % 40) * 0.2).toFixed(1);
    const shown = new Promise((resolve) => {
      const done = () => section.dataset.shownT === String(Number(v)) && section.dataset.ready === 'true';
      const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(); } });
      obs.observe(section, { attributes: true });
    });
    const t0 = performance.now();
    input.value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await shown;
    await new Promise((r) => requestAnimationFrame(r));
    times.push(performance.now() - t0);
  }
  return times;
}"""


def open_panel(page, live_server, query: str = "") -> None:
    page.goto(live_server.url + "?panel=distill" + query)
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.wait_for_selector(f"{PANEL}[data-ready=true]", timeout=30_000)


def number(page, key: str) -> str:
    return page.locator(f"{PANEL} [data-distill='{key}']").inner_text()


def test_the_first_screen_is_the_seed_example(page, live_server):
    open_panel(page, live_server)
    assert page.locator(f"{PANEL} h2").inner_text().startswith("10. Teacher and student")
    assert page.locator(f"{PANEL} .distill-bar-row").count() == 3
    assert number(page, "kl_forward") == "0.0283" and number(page, "kl_reverse") == "0.03048"
    assert number(page, "tv") == "0.1" and number(page, "grad-l1") == "0.2"
    widths = page.locator(f"{PANEL} .distill-bar.teacher > span").evaluate_all("s => s.map(x => x.style.width)")
    assert widths == ["60%", "20%", "20%"]
    libs = page.locator(f"{PANEL} .distill-lib")
    assert libs.count() == 5 and "F.kl_div(" in page.locator(f"{PANEL} [data-library=PyTorch] code").inner_text()
    assert page.locator(f"{PANEL} [data-distill-lib=PyTorch]").inner_text() == "0.0283"
    assert not page.errors


def test_temperature_moves_the_numbers_quickly_and_t2_keeps_the_gradient(page, live_server):
    open_panel(page, live_server)
    slider = page.locator(f"{PANEL} input[data-key='ds.t']")
    slider.fill("2")
    page.wait_for_function(f"document.querySelector('{PANEL}').dataset.shownT === '2'")
    assert number(page, "kl_forward") == "0.007576"
    assert round(float(number(page, "grad-l1")), 3) == 0.054
    assert "T = 2" in page.locator("#distill-bars-h").inner_text()
    page.locator(f"{PANEL} div[data-key='ds.t2'] input").check()
    assert round(float(number(page, "grad-l1")), 3) == 0.215  # about 0.2 again with T²
    slider.fill("4")
    page.wait_for_function(f"document.querySelector('{PANEL}').dataset.shownT === '4'")
    assert round(float(number(page, "grad-l1")), 3) == 0.219 and number(page, "kl_forward") == "0.001905"
    page.locator(f"{PANEL} div[data-key='ds.t2'] input").uncheck()
    assert round(float(number(page, "grad-l1")), 3) == 0.014
    times = sorted(page.evaluate(SLIDER_TIMES))
    p95 = times[int(0.95 * len(times)) - 1]
    print(f"slider: 50 moves, median {times[len(times) // 2]:.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
    assert len(times) == 50  # speed is reported, not asserted (target p95 < 50 ms; benchmarks measure it)


def test_bad_rows_are_explained_in_place(page, live_server):
    open_panel(page, live_server)
    page.locator(f"{PANEL} input[data-key='ds.teacher']").fill("0.6, 0.2, 0.3")
    page.wait_for_selector(f"{PANEL}[data-ready=error]")
    assert "sum to 1" in page.locator(f"{PANEL} .distill-problem").inner_text()
    page.locator(f"{PANEL} input[data-key='ds.teacher']").fill("0.6, 0.2, 0.2")
    page.wait_for_selector(f"{PANEL}[data-ready=true]")
    assert not page.locator(f"{PANEL} .distill-problem").is_visible()


def test_the_modes_figure_and_the_experiment(page, live_server):
    open_panel(page, live_server)
    page.wait_for_selector(f"{PANEL} .distill-modes[data-ready=true] .chart svg", timeout=30_000)
    assert page.locator(f"{PANEL} .distill-modes .chart svg path").count() > 2
    assert page.locator(f"{PANEL} .distill-modes-table tbody tr").count() == 2
    page.locator(f"{PANEL} button.distill-run-go").click()
    page.wait_for_selector(f"{PANEL} .distill-run[data-state=done]", timeout=60_000)
    rows = page.locator(f"{PANEL} .distill-run-table tbody tr")
    assert rows.count() == 3 and "610" in rows.nth(1).inner_text()
    assert page.locator(f"{PANEL} .distill-verdict").get_attribute("data-wins") == "true"


def test_japanese_page_speaks_japanese(page, live_server):
    open_panel(page, live_server, "&lang=ja")
    assert page.locator(f"{PANEL} h2").inner_text().startswith("10. 教師と生徒")
    assert "順方向" in page.locator(f"{PANEL} .distill-numbers").inner_text()
    assert number(page, "kl_forward") == "0.0283"
    page.wait_for_selector(f"{PANEL} .distill-modes[data-ready=true] .chart svg", timeout=30_000)
    assert "教師" in page.locator(f"{PANEL} .distill-modes .chart").inner_text() or \
        "教師" in page.locator(f"{PANEL} .distill-modes-table").inner_text()
    page.locator(f"{PANEL} input[data-key='ds.student']").fill("0.5, 0.5")
    page.wait_for_selector(f"{PANEL}[data-ready=error]")
    assert "が必要ですが" in page.locator(f"{PANEL} .distill-problem").inner_text()


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(browser, live_server, lang, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_panel(page, live_server, "&lang=ja" if lang == "ja" else "")
    page.wait_for_selector(f"{PANEL} .distill-modes[data-ready=true] .chart svg", timeout=30_000)
    page.wait_for_timeout(400)  # the figure is fitted to its width once drawn
    SHOTS.mkdir(exist_ok=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width + 1, f"the page scrolls sideways at {width} px"
    page.screenshot(path=str(SHOTS / f"distill-{lang}-{width}.png"), full_page=True)
    context.close()
    assert not errors, errors
