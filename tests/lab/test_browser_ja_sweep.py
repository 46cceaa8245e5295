"""The Japanese page shows no English prose (issue 16): every panel, with ``?lang=ja``, after one interaction that
gives a result and one that gives an error or a warning, read by ``_error_words.english_sentence`` (which already
passes names, code, paths and quoted values). The names the page offers are names in every language and are taken
out first: a loss's title where it is a proper name ("Pseudo-Huber", "Focal Tversky"), the value of a choice (a
corpus's id, "ja-synthetic"). Code (``code``, ``pre``, a typed ``textarea``) is not prose. One page, every panel."""

from __future__ import annotations

import re

import pytest

from losslab.explain import texts as T
from losslab.lab._error_words import english_sentence
from losslab.losses import catalog

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
BAD_CSV = b"x,y\n1,2\n"  # a header and one data row: too few rows for either panel

# the visible text of a panel: every text node shown (or the options of a select shown), code left out, and the
# placeholders of the fields shown; the values of the choices, which are names
SHOWN = """(sel) => {
  const root = document.querySelector(sel);
  const parts = [];
  const shown = (n) => n.getClientRects().length > 0 && !n.closest('[hidden]');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('code, pre, textarea, script, style')) continue;
    const select = parent.closest('select');
    if (select ? shown(select) : shown(parent)) parts.push(node.textContent);
  }
  for (const field of root.querySelectorAll('[placeholder]')) if (shown(field)) parts.push(field.placeholder);
  const names = [...root.querySelectorAll('option')].map((o) => o.value).filter((v) => /[A-Za-z]/.test(v));
  return { text: parts.join('\\n'), names };
}"""

RENDER_WARNING = """async () => {
  const { postJSON } = await import('/static/js/api.js');
  const { renderExplanation } = await import('/static/js/explain.js');
  const got = await postJSON('/api/explain', { loss: 'categorical_cross_entropy', pred: [[0.5, 0.3, 0.3]],
    target: [[1, 0, 0]], lang: 'ja' });
  const box = document.createElement('div');
  box.className = 'sweep-warning';
  box.append(renderExplanation(got));
  document.querySelector('#panel-explorer').append(box);
  return got.warnings;
}"""


def _proper_names() -> list[str]:
    """The English runs of the Japanese titles of the losses ("Pseudo-Huber損失" → "Pseudo-Huber"): names."""
    runs = set()
    for entry in catalog():
        words = T.loss_text(entry["name"], "ja")
        for key in ("title", "short"):
            runs.update(re.findall(r"[A-Za-z][A-Za-z0-9 .'-]*[A-Za-z0-9]", str(words.get(key) or "")))
    return sorted(runs, key=len, reverse=True)


# what a user can open is read too: each figure's data table, each folded "more" section
OPEN_ALL = """(sel) => {
  const root = document.querySelector(sel);
  const closed = root.querySelectorAll('.figure-tools button[aria-pressed=false]');
  for (const b of closed) if (b.getClientRects().length) b.click();
  for (const d of root.querySelectorAll('details')) d.open = true;
}"""


def _english(page, panel: str, names: list[str]) -> str | None:
    page.evaluate(OPEN_ALL, f"#panel-{panel}")
    got = page.evaluate(SHOWN, f"#panel-{panel}")
    text = got["text"]
    for name in sorted({*names, *got["names"]}, key=len, reverse=True):  # "log-cosh" names Log-cosh too
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    phrase = english_sentence(text)
    if phrase is None:
        return None
    at = text.find(phrase.split()[0])
    return f"{panel}: {phrase!r} in …{text[max(0, at - 80): at + 120]!r}…"


def _show(page, panel: str) -> None:
    page.evaluate("async (id) => { const e = await window.__lab.show(id, true); await e.api.ready; }", panel)


def test_every_panel_in_japanese_shows_no_english_prose(page, live_server):
    names = _proper_names()
    found: list[str] = []

    def check(panel: str) -> None:
        phrase = _english(page, panel, names)
        if phrase:
            found.append(phrase)

    def refused(panel: str) -> None:
        """The status line shows the server's refusal, in Japanese; then it is dismissed."""
        page.wait_for_selector("#status:not([hidden])")
        text = page.locator("#status").inner_text()
        phrase = english_sentence(text)
        if phrase or not JAPANESE.search(text):
            found.append(f"{panel}, refused: {phrase!r} in {text!r}")
        page.click("#status button")

    page.goto(f"{live_server.url}?lang=ja")
    page.wait_for_selector(READY, timeout=30_000)

    # 1. the explorer: a slider moved (the catalog's value), then numbers typed: a row that does not sum to 1,
    # a word that is no number, and the explanation of a loss with its (worded) warning
    panel = "#panel-explorer"
    page.locator(f"{panel} input[type=range]").first.fill("2")
    page.locator(f"{panel} #num-e-vpred").fill("0.5, 0.3, 0.3")
    page.locator(f"{panel} #num-e-vtarget").fill("1, 0, 0")
    page.wait_for_function("document.querySelector('#panel-explorer .vec-note').textContent.includes('1.1')")
    check("explorer")
    page.locator(f"{panel} #num-e-vpred").fill("0.5, abc")
    page.wait_for_function("document.querySelector('#panel-explorer .vec-note').textContent.includes('abc')")
    warnings = page.evaluate(RENDER_WARNING)
    assert warnings and all(english_sentence(w) is None for w in warnings), warnings
    check("explorer")
    page.check(f"{panel} [data-key='e.task'] input[value=classification]")
    page.wait_for_function("document.querySelector('#panel-explorer').innerText.includes('スコア')")
    check("explorer")

    # 2.–7.: each panel as it opens (its first result); the classifier trains one epoch, and two files it cannot
    # read are refused (the refusal shows in the page's status line)
    for name in ("darts", "regression", "accuracy"):
        _show(page, name)
        check(name)
    _show(page, "darts")
    throws = "document.querySelectorAll('#panel-darts .dart-table tbody tr').length"
    before = page.evaluate(throws)
    page.click("#panel-darts button[data-key='d.throw']")
    page.wait_for_function(f"{throws} > {before}")
    check("darts")
    _show(page, "classify")
    page.click("#panel-classify button[data-key='c.stepbtn']")
    page.wait_for_function("parseInt(document.querySelector('#panel-classify .epoch').textContent) === 1")
    check("classify")
    page.set_input_files("#classify-file", files=[{"name": "one.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    refused("classify")
    _show(page, "trace")
    page.click("button[data-key='c.tracebtn']")
    page.wait_for_selector("#panel-classify .trace-steps li")
    check("classify")
    _show(page, "choose")
    check("choose")
    page.select_option("#panel-choose select[data-key='ch.folds']", "2")  # the evidence, small: 2 folds of 5 epochs
    page.select_option("#panel-choose select[data-key='ch.epochs']", "5")
    page.click("#panel-choose button[data-key='ch.run']")
    page.wait_for_selector("#panel-choose .evidence-table tbody tr", timeout=60_000)
    check("choose")
    page.select_option("#panel-choose select[data-key='ch.data']", "diabetes")
    page.wait_for_function("document.querySelector('#panel-choose').innerText.includes('442')")
    check("choose")
    page.select_option("#panel-choose select[data-key='ch.data']", "upload")
    page.set_input_files("#choose-file", files=[{"name": "one.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    refused("choose")

    # 8. your own formula: one that reads, then one with a mistake
    _show(page, "formula")
    box = page.locator("#panel-formula textarea.formula-input")
    box.fill("(yhat - y)^2")
    page.wait_for_function("document.querySelector('#panel-formula .formula-reads')")
    check("formula")
    box.fill("(yhat - y)^^2")
    page.wait_for_function("document.querySelector('#panel-formula .formula-error').textContent.trim() !== ''")
    check("formula")

    # 9. the language model: the first screen, then a text its true model cannot read
    _show(page, "lm")
    check("lm")
    page.locator("#panel-lm textarea.lm-text").fill("hello world")
    page.locator("#panel-lm textarea.lm-text").press("Control+Enter")
    refused("lm")

    # 10. distillation: the numbers, then a teacher row that does not sum to 1
    _show(page, "distill")
    check("distill")
    page.locator("#panel-distill input[data-key='ds.teacher']").fill("0.6, 0.2, 0.3")
    page.wait_for_selector("#panel-distill[data-ready=error]")
    check("distill")

    assert not found, "\n".join(found)
