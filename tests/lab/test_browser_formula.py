"""Panel 8 in headless Chromium: type a formula and see it read, drawn and checked; a refused one marks its character;
Japanese; the torch export copies; "Use in training" registers it, trains it beside a built-in and the regression
lab offers it. Screenshots at 1280 and 390 px wide, in English and Japanese, go to /tmp/formula_shots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from losslab.lab import _formula

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
PANEL = "#panel-formula"
SHOTS = Path("/tmp/formula_shots")


@pytest.fixture(autouse=True, scope="module")
def forget_lab_losses() -> Iterator[None]:
    yield
    _formula.LAB_LOSSES.clear()  # the catalog is one per process


def open_panel(page, live_server, query: str = "") -> None:
    page.goto(live_server.url + "?panel=formula" + query)
    page.wait_for_selector(READY, timeout=20_000)
    page.wait_for_selector(f"{PANEL}[data-ready=true]", timeout=20_000)


def type_formula(page, text: str, ready: str = "true") -> None:
    box = page.locator(f"{PANEL} textarea.formula-input")
    box.fill(text)
    page.wait_for_selector(f"{PANEL}[data-ready={ready}]", timeout=10_000)


def test_a_typed_formula_is_read_drawn_and_checked(page, live_server):
    open_panel(page, live_server)
    type_formula(page, "log(cosh(r))")
    reads = page.locator(f"{PANEL} .formula-reads").inner_text()
    assert "log(cosh(r))" in reads and "tanh(r)" in reads
    items = page.locator(f"{PANEL} .formula-report li")
    assert items.count() >= 5
    assert page.locator(f"{PANEL} .formula-report li[data-ok=true] .mark").first.inner_text() == "✓"
    assert "perfect prediction" in items.first.inner_text()
    # the curve: one line per series (yours, MSE, MAE, Huber) in the figure, and its data table holds the numbers
    lines = f"{PANEL} .chart svg path[aria-roledescription='line mark']"
    page.wait_for_function(f"document.querySelectorAll(\"{lines}\").length >= 4")
    page.locator(f"{PANEL} .formula-results .figure-tools button").first.click()
    table = page.locator(f"{PANEL} .formula-results .data-table table")
    assert "MSE" in table.inner_text() and table.locator("tbody tr").count() == 201
    # the delta of the default example is no longer in the formula: it is left out, not refused
    assert page.locator(f"{PANEL} .formula-error").inner_text() == ""
    assert "f.text=log" in page.url


def test_a_refused_formula_marks_its_character(page, live_server):
    open_panel(page, live_server)
    type_formula(page, "r^^2", ready="error")
    error = page.locator(f"{PANEL} .formula-error")
    assert error.get_attribute("data-code") == "unexpected" and "'^'" in error.inner_text()
    mirror = page.locator(f"{PANEL} .formula-mirror")
    assert mirror.is_visible() and mirror.get_attribute("data-position") == "2"
    assert mirror.locator("mark").inner_text() == "^"
    assert page.locator(f"{PANEL} textarea").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{PANEL} .formula-train button.primary").is_disabled()
    # an unknown name can become a parameter with one click
    type_formula(page, "k*r^2", ready="error")
    page.locator(f"{PANEL} .formula-error button").click()
    page.wait_for_selector(f"{PANEL}[data-ready=true]")
    assert page.locator(f"{PANEL} input[data-key='f.param.k']").count() == 1


def test_japanese(page, live_server):
    open_panel(page, live_server)
    page.locator("#lang button[data-lang=ja]").click()
    page.wait_for_function("document.documentElement.lang === 'ja'")
    assert page.locator(f"{PANEL} h2").inner_text() == "8. 損失関数を作る"
    page.wait_for_function(f"document.querySelector('{PANEL} .formula-report li').textContent.includes('完全な予測')")
    type_formula(page, "r^^2", ready="error")
    assert "文字目" in page.locator(f"{PANEL} .formula-error").inner_text()


def test_the_torch_export_copies(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_panel(page, live_server)
    page.locator(f"{PANEL} select[data-key='f.export']").select_option("torch")
    assert "import torch" in page.locator(f"{PANEL} pre.export-code").inner_text()
    page.locator(f"{PANEL} .export-row button").click()
    page.wait_for_function(f"document.querySelector('{PANEL} .export-row .note').textContent.length > 0")
    assert "import torch" in page.evaluate("navigator.clipboard.readText()")
    page.locator(f"{PANEL} select[data-key='f.export']").select_option("xgboost")
    assert "hess" in page.locator(f"{PANEL} pre.export-code").inner_text().lower()


def test_use_in_training_registers_trains_and_the_regression_lab_offers_it(page, live_server):
    open_panel(page, live_server)
    type_formula(page, "log(cosh(r))")
    page.locator(f"{PANEL} .formula-train button.primary").click()
    status = page.locator(f"{PANEL} .train-status")
    page.wait_for_function(f"document.querySelector('{PANEL} .train-status').textContent.includes('mine_')")
    link = page.locator(f"{PANEL} .train-actions a")
    name = link.get_attribute("data-name")
    assert name in status.inner_text()
    # side by side with MSE and MAE: the regression lab's fit on its points
    page.locator(f"{PANEL} .train-actions button").click()
    page.wait_for_selector(f"{PANEL} .formula-train .chart svg", timeout=20_000)
    # the regression lab (a fresh page: its catalog holds the new loss) offers it, chosen
    link.click()
    page.wait_for_selector(READY, timeout=20_000)
    offered = page.eval_on_selector_all("fieldset[data-key='r.losses'] input",
                                        "xs => xs.map(x => [x.value, x.checked])")
    assert [name, True] in offered


def test_a_binary_formula_trains_beside_the_default_loss(page, live_server):
    open_panel(page, live_server)
    page.get_by_role("button", name="BCE on logits").click()
    page.wait_for_selector(f"{PANEL}[data-ready=true]")
    assert page.locator(f"{PANEL} fieldset[data-key='f.label']").is_visible()
    page.locator(f"{PANEL} .formula-train button.primary").click()
    page.wait_for_selector(f"{PANEL} .train-actions:not([hidden]) button")
    page.locator(f"{PANEL} .train-actions button").click()
    page.wait_for_selector(f"{PANEL} .formula-train .chart svg", timeout=30_000)
    page.locator(f"{PANEL} .formula-train .figure-tools button").first.click()
    rows = page.locator(f"{PANEL} .formula-train .data-table tbody tr").count()
    assert rows > 100  # two runs of 150 epochs (the table shows its first rows)
    assert "panel=classify" in page.locator(f"{PANEL} .train-actions a").get_attribute("href")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_screenshots_fit_the_width(browser, live_server, width, lang):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        open_panel(page, live_server, "" if lang == "en" else "&lang=ja")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px wider than the window"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"formula_{lang}_{width}.png"), full_page=True)
        type_formula(page, "r^^2", ready="error")
        page.locator(f"{PANEL} .formula-box").screenshot(path=str(SHOTS / f"formula_error_{lang}_{width}.png"))
    finally:
        context.close()
