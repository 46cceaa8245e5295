"""Formulas typeset offline (issue 16): each loss's formula (the catalog's ``latex``) is drawn by KaTeX, vendored in
the package (lab/static/vendor/katex), in the explorer and in the step-by-step explanation; the page asks nothing of
any server but the lab's own, logs no error, keeps its CSP (no exception for the test), and axe-core still finds
no violation on the typeset formulas."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TYPESET = "#panel-explorer .formulas .katex"


def _watch(pg, live_server) -> dict:
    seen: dict = {"requests": [], "console": [], "errors": []}
    pg.on("request", lambda r: seen["requests"].append(r.url))
    pg.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def test_formulas_are_typeset_from_the_lab_only(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    seen = _watch(pg, live_server)
    pg.goto(f"{live_server.url}?panel=explorer&e.losses=mse,mae,huber")
    pg.wait_for_selector(READY, timeout=30_000)
    pg.wait_for_selector(TYPESET, timeout=15_000)
    pg.wait_for_selector("#panel-explorer .explained .formula .katex", timeout=15_000)  # the explanation's too
    pg.evaluate("document.fonts.ready")
    got = pg.evaluate("""() => ({
      formulas: document.querySelectorAll('#panel-explorer .formulas .katex').length,
      mathml: document.querySelectorAll('#panel-explorer .formulas .katex math').length,
      fraction: document.querySelectorAll('#panel-explorer .formulas .katex .mfrac').length,
      fonts: [...document.fonts].filter((f) => f.family.startsWith('KaTeX') && f.status === 'loaded')
        .map((f) => f.family),
      plainLeft: document.querySelectorAll('#panel-explorer .formulas .tex:not(.typeset)').length,
    })""")
    assert got["formulas"] == 3 and got["mathml"] == 3 and got["plainLeft"] == 0, got  # MathML for screen readers
    assert got["fraction"] >= 2, got  # \\frac{1}{K}: typeset, not the LaTeX source
    assert "KaTeX_Main" in got["fonts"] and "KaTeX_Math" in got["fonts"], got  # the vendored fonts, loaded
    # Japanese: the same formulas, with the losses' Japanese titles
    pg.click("button[data-lang=ja]")
    pg.wait_for_function("document.documentElement.lang === 'ja'")
    pg.wait_for_function(f"document.querySelectorAll('{TYPESET}').length === 3")
    origin = live_server.url.rstrip("/")
    outside = [u for u in seen["requests"] if not (u.startswith(origin + "/") or u.startswith("data:"))]
    assert not outside, outside
    assert any("/static/vendor/katex/katex.min.js" in u for u in seen["requests"])
    assert any(u.endswith(".woff2") for u in seen["requests"])
    assert not seen["console"], seen["console"]
    assert not seen["errors"], seen["errors"]
    context.close()


def test_axe_finds_nothing_on_the_typeset_formulas(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    pg.goto(f"{live_server.url}?panel=explorer&e.losses=mse,mae,huber")
    pg.wait_for_selector(READY, timeout=30_000)
    pg.wait_for_selector("#panel-explorer .explained .formula .katex", timeout=15_000)
    pg.wait_for_selector(TYPESET, timeout=15_000)
    pg.add_script_tag(path=str(AXE))
    violations = pg.evaluate("""async () => (await window.axe.run(document.querySelector('#panel-explorer'),
      { resultTypes: ['violations'] })).violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)""")
    assert not violations, violations
    context.close()


def test_the_csp_still_allows_only_the_pages_own_files(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server.url) as r:
        csp = r.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'" and "font-src" not in directives  # fonts: from 'self' only
    assert "http" not in directives["script-src"] and "http" not in directives["style-src"]
