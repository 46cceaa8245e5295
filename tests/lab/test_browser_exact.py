"""Issue 16, "the lab for real screens and real classrooms": the seeds' exact numbers in the explorer (vectors,
probability rows with a class picker, KL, an exact probability and score), Play past the epoch limit, and a dart
board whose numbers are the darts' distances — in English and in Japanese, in headless Chromium."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from losslab.lab import Limits

from .conftest import LiveServer

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
LANGS = ["en", "ja"]


def open_page(page, url: str, query: str) -> None:
    page.goto(url + query)
    page.wait_for_selector(READY, timeout=20_000)


def vec_value(page, loss: str) -> str:
    return page.locator(f"#panel-explorer .vec-table tr[data-loss='{loss}'] .vec-value").inner_text()


def wait_vec(page, loss: str, text: str) -> None:
    page.wait_for_function(
        "([loss, text]) => { const c = document.querySelector(`#panel-explorer .vec-table tr[data-loss='${loss}'] "
        ".vec-value`); return c && c.textContent === text; }", arg=[loss, text], timeout=10_000)


@pytest.mark.parametrize("lang", LANGS)
def test_vectors_give_the_seeds_exact_sse_cross_entropy_and_kl(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}")
    # the first numbers are the good prediction y1 against t = [0, 1, 0, 1, 0]
    wait_vec(page, "sse", "0.252")
    wait_vec(page, "categorical_cross_entropy", "0.7874578600311867")
    # typing the poor prediction y2 (pasted with spaces, not commas) gives the seeds' other numbers
    page.fill("input[data-key='e.vpred']", "0.34 0.21 0.91 0.33 0.22")
    wait_vec(page, "sse", "2.0651")
    wait_vec(page, "categorical_cross_entropy", "2.6693103727862795")
    page.wait_for_function("() => (new URL(location.href).searchParams.get('e.vpred') || '').startsWith('0.34')")
    # the rows do not sum to 1: the page says the catalog uses them as given
    assert "2.01" in page.locator("#panel-explorer .vec-note").inner_text()
    # probability rows with a class picker: dog 70 %, cat 20 %, fish 10 %; the true class picked from a list
    pets = {"en": "Dog 70 %", "ja": "犬 70 %"}[lang]
    page.click(f"#panel-explorer .vec-box button:has-text('{pets}')")
    wait_vec(page, "categorical_cross_entropy", repr(-math.log(0.7)))
    cat = {"en": "cat", "ja": "猫"}[lang]
    page.select_option("select[data-key='e.vclass']", label=cat)
    assert page.input_value("input[data-key='e.vtarget']") == "0, 1, 0"
    wait_vec(page, "categorical_cross_entropy", repr(-math.log(0.2)))  # 1.6094379124341003
    # KL between two probability rows: teacher (0.6, 0.2, 0.2), student (0.5, 0.3, 0.2)
    kl = {"en": "Teacher and student", "ja": "教師と生徒"}[lang]
    page.click(f"#panel-explorer .vec-box button:has-text('{kl}')")
    wait_vec(page, "kl_divergence", "0.028299912454739895")
    # a word that is no number is named, in the page's language
    page.fill("input[data-key='e.vpred']", "0.5 abc 0.2")
    note = page.locator("#panel-explorer .vec-note")
    page.wait_for_function("() => document.querySelector('#panel-explorer .vec-note').textContent.includes('abc')")
    assert ("not a number" in note.inner_text()) == (lang == "en")


FIRST = "() => document.querySelector('#panel-explorer .readout tbody td').textContent"
NOTE = "document.querySelector('#panel-classify .run-note').textContent"


@pytest.mark.parametrize("lang", LANGS)
def test_an_exact_probability_and_a_confident_mistake(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}&e.task=classification")
    page.wait_for_selector("#panel-explorer .chart svg")
    # p = 0.8 exactly: z = ln 4, and binary cross-entropy -ln 0.8 = 0.22314 everywhere
    page.fill("input[data-key='e.p']", "0.8")
    page.press("input[data-key='e.p']", "Enter")
    page.wait_for_function(f"{FIRST} === '0.22314'")
    assert page.locator("#panel-explorer .control.slider[data-key='e.score'] output").inner_text() == "1.386 (p = 0.8)"
    assert re.search(r"= 0\.8[^0-9]", page.locator("#panel-explorer .summary").inner_text() + " ")
    assert page.input_value("input[data-key='e.score_exact']") == f"{math.log(4):.12g}"  # 1.38629436112
    page.wait_for_function("() => document.querySelector('#panel-explorer .explanation')"
                           ".textContent.includes('0.2231')")
    assert "0.802" not in page.locator("#panel-explorer .summary").inner_text()
    page.wait_for_function("() => new URL(location.href).searchParams.get('e.p') === '0.8'")
    # a confident mistake: 99 % for class 1 when the truth is 0 (z = 4.595, beyond the old ±3): -ln 0.01 = 4.6052
    page.click("#panel-explorer fieldset[data-key='e.label'] label:nth-of-type(2)")
    page.fill("input[data-key='e.p']", "0.99")
    page.press("input[data-key='e.p']", "Enter")
    page.wait_for_function(f"{FIRST} === '4.6052'")
    # the score box takes any value too; the slider goes to ±6
    page.fill("input[data-key='e.score_exact']", "-5.5")
    page.press("input[data-key='e.score_exact']", "Enter")
    assert page.input_value("input[data-key='e.p']") == f"{1 / (1 + math.exp(5.5)):.12g}"
    assert float(page.input_value("input[data-key='e.score']")) == -5.5


@pytest.mark.parametrize("lang", LANGS)
def test_play_goes_on_past_the_epoch_limit_and_says_why_it_stopped(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}&panel=classify&c.speed=max&c.n=80&c.epochs=30")
    page.click("button[data-key='c.playbtn']")
    note = page.locator("#panel-classify .run-note")
    note.wait_for(state="visible", timeout=20_000)
    words = {"en": "limit of 30 epochs", "ja": "上限の 30 エポック"}[lang]
    assert words in note.inner_text()
    assert {"en": "another 30", "ja": "さらに 30"}[lang] in note.inner_text()
    # Play does something: another 30 epochs
    page.click("button[data-key='c.playbtn']")
    page.wait_for_function("window.__lab.panels.get('classify').api.run.records.length >= 60", timeout=20_000)
    page.wait_for_function(f"() => {NOTE}.includes('60')")
    assert not page.locator("button[data-key='c.stepbtn']").is_disabled()


@pytest.mark.parametrize("lang", LANGS)
def test_the_servers_own_limit_is_said_in_words(browser, lang):
    with LiveServer(Limits(max_epochs=40)) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        try:
            open_page(page, server.url, f"?lang={lang}&panel=classify&c.speed=max&c.n=80&c.epochs=30")
            page.click("button[data-key='c.playbtn']")
            # the first stop is said (and Play is ready again) before the second press
            page.locator("#panel-classify .run-note").wait_for(state="visible", timeout=30_000)
            records = "window.__lab.panels.get('classify').api.run.records.length"
            for _ in range(3):  # a press in the instant the stop is being drawn can be missed: press again
                page.click("button[data-key='c.playbtn']")  # 30 more, up to the server's 40
                try:
                    page.wait_for_function(f"{records} > 30", timeout=10_000)
                    break
                except PlaywrightTimeout:
                    continue
            page.wait_for_function(f"{records} >= 40", timeout=30_000)
            page.wait_for_function(f"() => {NOTE}.includes('40')", timeout=30_000)
            assert page.evaluate("window.__lab.panels.get('classify').api.run.records.length") == 40
            assert {"en": "cannot go further", "ja": "これ以上は続けられません"}[lang] in page.locator(
                "#panel-classify .run-note").inner_text()
            assert page.locator("button[data-key='c.stepbtn']").is_disabled()
        finally:
            context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_dart_board_numbers_are_the_distances_and_the_board_stays(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}&panel=darts&d.darts=3.85:0,0:-1.2")
    page.wait_for_selector("#panel-darts .chart svg")
    first = page.locator("#panel-darts .dart-table tbody tr").first.locator("td")
    cells = [first.nth(i).inner_text() for i in range(6)]  # x, y, distance, MSE, MAE, Huber
    assert cells[2] == "3.85" and cells[4] == "3.85"  # absolute error is the distance itself
    assert cells[3] == "14.82"  # squared error: 3.85² = 14.8225
    # the board writes the same numbers beside the darts
    page.wait_for_function("() => [...document.querySelectorAll('#panel-darts .chart svg text')]"
                           ".some((n) => n.textContent === '3.85')")
    svg_text = page.eval_on_selector("#panel-darts .chart svg", "n => n.textContent")
    assert "14.82" in svg_text and "1.20" in svg_text
    # removing every dart keeps the board (a click there throws the next one)
    clear = {"en": "Remove all darts", "ja": "ダーツをすべて取り除く"}[lang]
    page.click(f"#panel-darts button:has-text('{clear}')")
    page.wait_for_function("() => document.querySelectorAll('#panel-darts .dart-table tbody tr').length === 0")
    page.wait_for_timeout(600)
    assert page.locator("#panel-darts .chart svg").count() == 1
    assert page.locator("#panel-darts .verdict").inner_text() != ""
    page.click("#panel-darts button[data-key='d.throw']")
    page.wait_for_function("() => document.querySelectorAll('#panel-darts .dart-table tbody tr').length === 1")


@pytest.mark.parametrize("lang", LANGS)
def test_loss_cost_objective_are_defined_and_the_explorer_links_on(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}")
    terms = page.locator("#panel-explorer details.terms")
    terms.locator("summary").click()
    words = terms.locator("dl").inner_text()
    expected = {"en": ["Loss", "Cost", "Objective", "penalty"], "ja": ["損失", "コスト", "目的関数", "ペナルティ"]}
    assert all(word in words for word in expected[lang])
    page.click("#panel-explorer a[data-goto='lm']")
    page.wait_for_selector("#panel-lm", state="visible", timeout=20_000)
    page.wait_for_function("() => new URL(location.href).searchParams.get('panel') === 'lm'")
    page.goto(live_server.url + f"?lang={lang}")
    page.wait_for_selector(READY)
    page.click("#panel-explorer a[data-goto='distill']")
    page.wait_for_selector("#panel-distill", state="visible", timeout=20_000)
    assert page.evaluate("document.documentElement.lang") == lang


@pytest.mark.parametrize("lang", LANGS)
def test_an_exact_prediction_off_the_sliders_grid(page, live_server, lang):
    open_page(page, live_server.url, f"?lang={lang}")
    page.wait_for_selector("#panel-explorer .chart svg")
    page.fill("input[data-key='e.pred_exact']", "0.013")
    page.press("input[data-key='e.pred_exact']", "Enter")
    rows = "#panel-explorer .readout tbody tr"
    # MSE, MAE, Huber at error 0.013 (not a node of the 0.05 grid): the catalog's values at that exact point
    page.wait_for_function(f"() => document.querySelector('{rows} td').textContent === '0.000169'")
    assert page.locator(rows).nth(1).locator("td").first.inner_text() == "0.013"
    assert "0.013" in page.locator("#panel-explorer .summary").inner_text()
    assert page.locator("#panel-explorer .control.slider[data-key='e.pred'] output").inner_text() == "0.013"
    page.wait_for_function("() => new URL(location.href).searchParams.get('e.pred') === '0.013'")
