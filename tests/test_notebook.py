"""The notebook displays (losslab.notebook): every result as well-formed, escaped HTML and as Markdown, in en and ja,
and their registration with IPython's display formatters (a stand-in shell: no Jupyter needed)."""

from __future__ import annotations

import html as html_lib
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import distill, lm, notebook
from losslab._texts import load_toml_texts
from losslab.formula import compile_formula, report
from losslab.training import compare, fit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
EVIL = "<script>alert('x')</script>"


class _Checker(HTMLParser):
    """Every tag closed, in order; what the page would run or load is collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def well_formed(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert not checker.problems, checker.problems
    assert not checker.stack, f"left open: {checker.stack}"
    assert not any(tag == "script" for tag, _ in checker.tags), "a script outside a figure's frame"
    assert all(not k.startswith("on") for _, attrs in checker.tags for k in attrs), "an event handler attribute"
    return checker


# ------------------------------------------------------------------------------------------------------ results
@pytest.fixture(scope="module")
def run() -> Any:
    return fit("outliers", loss="huber", epochs=4, seed=0)


@pytest.fixture(scope="module")
def lm_run() -> Any:
    return lm.train("en-synthetic", model="bigram", seed=0)


@pytest.fixture(scope="module")
def results(run: Any, lm_run: Any) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 200)
    y = 3 * x + 1 + rng.normal(0, 0.5, 200)
    y[:20] += 10
    f = compile_formula("where(r < 1, r^2, 2*|r| - 1)")
    return {
        "loss": losslab.get("huber", delta=2.0),
        "explanation": losslab.get("mae").explain([1.0, 2.0], [0.0, 0.0]),
        "run": run,
        "history": run.history,
        "diagnosis": run.diagnose("en"),
        "comparison": compare("outliers", ["mse", "mae"], epochs=3, seed=0),
        "recommendation": losslab.recommend(x[:, None], target=y),
        "formula": f,
        "report": report(f, "en"),
        "lm_run": lm_run,
        "token_view": lm.token_view(lm_run.model, lm_run.tokenizer, "the cat sat."),
        "token_row": lm.token_view(lm_run.model, lm_run.tokenizer, "ab")[0],
        "divergence": distill.kl_result([[0.6, 0.2, 0.2]], [[0.5, 0.3, 0.2]], temperature=2.0),
        "distill_run": distill.distill_experiment("moons", teacher=(8,), student=(2,), teacher_epochs=2,
                                                  student_epochs=2),
        "mode_fits": distill.fit_modes(steps=20),
        "lint": distill.lint({"t2": False, "temperature": 4.0}),
        "lint_none": distill.lint({"t2": True, "temperature": 4.0}),
    }


KINDS = ("loss", "explanation", "run", "history", "diagnosis", "comparison", "recommendation", "formula", "report",
         "lm_run", "token_view", "token_row", "divergence", "distill_run", "mode_fits", "lint")


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_result_is_well_formed_html_and_markdown(results: dict[str, Any], kind: str, lang: str) -> None:
    obj = results[kind]
    page = notebook.html(obj, lang=lang, figure=False)
    checker = well_formed(page)
    assert page.lstrip().startswith("<section") and "".join(checker.text).strip()
    text = notebook.markdown(obj, lang=lang)
    assert text.strip() and "<script" not in text and "<section" not in text


def test_the_words_follow_the_language(results: dict[str, Any], run: Any) -> None:
    assert "パラメータ" in notebook.html(results["loss"], lang="ja")
    assert "parameters" in notebook.html(results["loss"], lang="en")
    assert "最終" in notebook.html(run, lang="ja", figure=False) or "最終" in notebook.markdown(run, lang="ja")
    assert "蒸留" in notebook.html(results["distill_run"], lang="ja")
    # a result whose words were fixed when it was made keeps its own language
    assert 'lang="ja"' in notebook.html(run.diagnose("ja"), lang="en")
    ja_report = report(results["formula"], "ja")
    assert 'lang="ja"' in notebook.html(ja_report)
    assert 'lang="ja"' in notebook.html(losslab.get("mae").explain([1.0], [0.0], lang="ja"))
    assert "No known" in notebook.html(results["lint_none"]) if results["lint_none"] else True


def test_set_lang_sets_the_default_of_the_displays() -> None:
    try:
        losslab.set_lang("ja_JP.UTF-8")
        assert notebook.get_lang() == "ja"
        assert 'lang="ja"' in notebook.html(losslab.get("mse"))
    finally:
        losslab.set_lang(None)
    assert notebook.get_lang() == "en" and 'lang="en"' in notebook.html(losslab.get("mse"))
    with pytest.raises(losslab.LossInputError):
        losslab.set_lang("xx")


def test_something_else_is_refused() -> None:
    with pytest.raises(TypeError, match="supported"):
        notebook.html(object())
    with pytest.raises(TypeError):
        notebook.markdown([1, 2])


# ------------------------------------------------------------------------------------------------------ escaping
@pytest.fixture()
def evil_loss() -> Iterator[Any]:
    losslab.register("evil_loss", lambda xp, p, t, scale: scale * (p - t) ** 2, formula=EVIL + " | `x` $y$ & *z*",
                     latex=EVIL, summary="<b>bold</b> & " + EVIL, params={"scale": 1.0})
    try:
        yield losslab.get("evil_loss")
    finally:
        losslab.unregister("evil_loss")


def _no_markup_from_user(page: str) -> None:
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_what_a_user_typed_is_escaped(evil_loss: Any, lang: str) -> None:
    page = notebook.html(evil_loss, lang=lang)
    well_formed(page)
    _no_markup_from_user(page)
    explained = notebook.html(evil_loss.explain([1.0, 2.0], [0.0, 0.0], lang=lang), lang=lang)
    well_formed(explained)
    _no_markup_from_user(explained)
    for text in (notebook.markdown(evil_loss, lang=lang),
                 notebook.markdown(evil_loss.explain([1.0, 2.0], [0.0, 0.0], lang=lang))):
        outside_code = re.sub(r"```.*?```", "", text, flags=re.S)  # fenced code is shown verbatim, never run
        assert "<script" not in outside_code and "<b>" not in outside_code
        assert "&lt;script&gt;" in outside_code or "\\lt script" in outside_code


def test_a_formula_loss_with_comparisons_is_escaped() -> None:
    loss = losslab.custom("where(r < 1, r^2, 2*|r| - 1) + where(y > 0, 0, 0)", name="nb_formula_loss")
    try:
        page = notebook.html(loss)
        well_formed(page)
        assert "r &lt; 1" in page and "r < 1" not in page
        assert "r < 1" in notebook.markdown(loss)  # inside a fenced block, where Markdown shows it as typed
    finally:
        losslab.unregister("nb_formula_loss")


def test_markdown_escapes_markup_outside_code() -> None:
    from losslab.notebook._blocks import Code, Para, md

    assert md("a_b *c* <i> | $x$ & [l](u)") == r"a\_b \*c\* &lt;i&gt; \| \$x\$ &amp; \[l\](u)"
    assert Para("<script>").to_markdown() == "&lt;script&gt;"
    fenced = Code("x ``` y").to_markdown()
    assert fenced.startswith("````\n") and fenced.endswith("\n````")


# ------------------------------------------------------------------------------------------------------ figures
def test_the_curves_are_inline_with_the_vendored_vega(run: Any, lm_run: Any) -> None:
    pytest.importorskip("altair")
    from losslab.figures import static_file

    for obj in (run, run.history, lm_run):
        page = notebook.html(obj, lang="ja" if obj is lm_run else "en")
        checker = well_formed(page)
        frames = [attrs for tag, attrs in checker.tags if tag == "iframe"]
        assert len(frames) == 1
        inner = frames[0]["srcdoc"] or ""
        assert html_lib.escape(inner[:50]) in page
        doc = _Checker()
        doc.feed(inner)
        scripts = [attrs for tag, attrs in doc.tags if tag == "script"]
        assert len(scripts) >= 4 and not any("src" in attrs for attrs in scripts)  # inlined: no CDN
        assert static_file("vega-embed.min.js").read_text(encoding="utf-8")[200:400] in inner
        assert not any(tag == "link" for tag, _ in doc.tags)
    assert "<iframe" not in notebook.html(run, figure=False)
    assert "<iframe" not in notebook.markdown(run)


def test_without_altair_the_display_says_how_to_get_the_curves(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "altair" else real(name, *a))
    page = notebook.html(run.history)
    well_formed(page)
    assert "<iframe" not in page and "losslab[figures]" in page


# ------------------------------------------------------------------------------------------------ registration
class _Formatter:
    def __init__(self) -> None:
        self.printers: dict[type, Any] = {}

    def for_type(self, cls: type, func: Any) -> Any:
        old = self.printers.get(cls)
        self.printers[cls] = func
        return old

    def pop(self, cls: type, default: Any = None) -> Any:
        return self.printers.pop(cls, default)


class _Shell:
    def __init__(self) -> None:
        self.display_formatter = type("DisplayFormatter", (), {})()
        self.display_formatter.formatters = {m: _Formatter() for m in ("text/plain", "text/html", "text/markdown")}


def test_enable_registers_html_and_markdown_for_every_result(results: dict[str, Any]) -> None:
    shell = _Shell()
    try:
        assert notebook.enable("ja", shell=shell) is True
        assert notebook.get_lang() == "ja"
        formatters = shell.display_formatter.formatters
        assert not formatters["text/plain"].printers
        for mime in ("text/html", "text/markdown"):
            assert set(formatters[mime].printers) == set(notebook.supported())
        for kind in ("loss", "run", "recommendation", "lm_run", "distill_run", "mode_fits"):
            obj = results[kind]
            cls = next(c for c in formatters["text/html"].printers if isinstance(obj, c))
            shown = formatters["text/html"].printers[cls](obj)
            well_formed(shown)
            assert 'lang="ja"' in shown
            assert formatters["text/markdown"].printers[cls](obj).strip()
        assert notebook.disable(shell=shell) is True
        assert not formatters["text/html"].printers and not formatters["text/markdown"].printers
    finally:
        losslab.set_lang(None)


def _fresh(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_enable_outside_ipython_does_nothing() -> None:
    # in a fresh process: the widget tests load IPython (through anywidget) into this one
    assert _fresh("import losslab.notebook as nb; print(nb.enable())") == "False"


def test_import_losslab_registers_only_inside_a_running_kernel() -> None:
    # no IPython loaded: import losslab neither imports IPython nor the displays
    assert _fresh("import sys, losslab; print('IPython' in sys.modules, 'losslab.notebook' in sys.modules)") \
        == "False False"
    # a stand-in IPython whose get_ipython() answers a shell: import losslab registers the displays
    stand_in = (
        "import sys, types\n"
        "class F:\n"
        "    def __init__(self): self.p = {}\n"
        "    def for_type(self, cls, fn): self.p[cls] = fn\n"
        "shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(\n"
        "    formatters={'text/html': F(), 'text/markdown': F()}))\n"
        "m = types.ModuleType('IPython'); m.get_ipython = lambda: SHELL\n"
        "sys.modules['IPython'] = m\n"
        "import losslab\n"
        "html = shell.display_formatter.formatters['text/html'].p\n"
        "print(len(html), losslab.Loss in html)\n"
    )
    assert _fresh(stand_in.replace("SHELL", "shell")) == f"{len(notebook.supported())} True"
    assert _fresh(stand_in.replace("SHELL", "None")) == "0 False"  # IPython imported, no kernel running


def test_the_texts_have_the_same_keys_in_both_languages() -> None:
    def keys(node: Any, prefix: str = "") -> set[str]:
        if not isinstance(node, dict):
            return {prefix}
        return set().union(*(keys(v, f"{prefix}.{k}") for k, v in node.items()))

    assert keys(load_toml_texts("losslab.notebook", "en")) == keys(load_toml_texts("losslab.notebook", "ja"))
