"""The widgets' Python side: traitlets in and out, en and ja, and bad input as words in the widget's error line
(never a traceback). No front end: the numbers are checked against the catalog and the parts they come from."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest

pytest.importorskip("anywidget")

import losslab
from losslab import lm
from losslab import notebook as nb
from losslab._texts import load_toml_texts
from losslab.lab import _compute as C
from losslab.notebook._widget_base import asset, esm

JS = ("_common.js", "explorer.js", "live.js", "tokens.js", "editor.js", "widgets.css")


def one(loss: Any, pred: float, target: float) -> tuple[float, float]:
    p, t = np.array([pred]), np.array([target])
    return float(loss(p, t, reduction="none")[0]), float(loss.grad(p, t, reduction="none")[0])


# ------------------------------------------------------------------------------------------------ assets
def test_the_modules_are_local_files_with_no_network() -> None:
    for name in JS:
        text = asset(name)
        assert text.strip()
        for banned in ("http://", "https://", "cdn", "import(", "fetch(", "XMLHttpRequest", "eval(", "Function("):
            if name != "_common.js" or banned != "http://":  # the SVG namespace is a name, not a request
                assert banned not in text, (name, banned)
    for name in JS[1:5]:
        module = esm(name)
        assert module.count("export default") == 1 and "function plot(" in module


def test_import_losslab_loads_no_widget_library() -> None:
    code = "import sys, losslab, losslab.notebook; print(sorted(m for m in ('anywidget', 'IPython', 'ipywidgets', " \
           "'traitlets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_widget_texts_have_the_same_keys_in_en_and_ja() -> None:
    en, ja = (load_toml_texts("losslab.notebook", lang)["widget"] for lang in ("en", "ja"))
    assert {k: sorted(v) if isinstance(v, dict) else None for k, v in en.items()} == \
        {k: sorted(v) if isinstance(v, dict) else None for k, v in ja.items()}


# ---------------------------------------------------------------------------------------------- explorer
def test_the_explorer_offers_the_catalogs_losses_and_answers_with_its_numbers() -> None:
    w = nb.explorer(loss="huber", pred=2.0, target=0.5)
    assert [item["name"] for item in w.losses] == list(C.offered("regression"))
    assert [s["name"] for s in w.sliders] == ["delta"] and w.sliders[0]["min"] == 0.1  # Param.slider
    assert (w.value, w.grad) == pytest.approx(one(losslab.get("huber"), 2.0, 0.5))
    w.params = {"delta": 0.3}
    assert (w.value, w.grad) == pytest.approx(one(losslab.get("huber", delta=0.3), 2.0, 0.5))
    w.seq, w.pred, w.target = 7, -1.25, 0.75
    assert w.answered == 7
    assert (w.value, w.grad) == pytest.approx(one(losslab.get("huber", delta=0.3), -1.25, 0.75))
    # the curve is the lab's explorer curve, on its grid
    lab = C.curves("regression", [("huber", {"delta": 0.3})], "en")["series"][0]
    assert w.curve["value"] == lab["value"] and w.curve["n"] == len(lab["value"]) == 241
    assert w.error == ""


def test_the_explorer_reads_scores_for_classification() -> None:
    w = nb.explorer(task="classification", pred=1.0, target=0.0)
    assert w.loss == C.EXPLORER_DEFAULTS["classification"][0]
    bce = C.explorer_loss("classification", w.loss, {})
    assert w.value == pytest.approx(np.log1p(np.e))  # −ln(1 − σ(1)) = ln(1 + e)
    assert (w.value, w.grad) == pytest.approx(one(bce, 1.0, 0.0))
    w.target = 1.0
    assert w.curve["value"] == C.curves("classification", [(w.loss, w.params)], "en")["series"][0]["value"]["1"]
    assert w.value == pytest.approx(np.log1p(np.exp(-1.0)))
    w.loss = "binary_focal"
    assert [s["name"] for s in w.sliders] == ["gamma"] and w.params == {"gamma": 2.0}
    w.task = "regression"
    assert w.loss == "mse" and w.pred_slider == [-3.0, 3.0, 0.05]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_explorer_words_bad_input_in_its_language(lang: str) -> None:
    w = nb.explorer(loss="huber", lang=lang)
    w.params = {"delta": -1.0}
    assert w.value is None and "delta" in w.error and "Traceback" not in w.error
    assert ("引数" in w.error) == (lang == "ja")
    w.params = {"delta": 1.0}
    assert w.error == "" and w.value is not None
    bad = nb.explorer(loss="mape", lang=lang)  # not a loss of the error alone: refused in words
    assert "mape" in bad.error and bad.loss != "mape"
    assert nb.explorer(task="ranking", lang=lang).error


def test_the_explorer_switches_language() -> None:
    w = nb.explorer(loss="huber")
    assert w.words["title"] == "Loss explorer"
    w.lang = "ja"
    assert w.words["title"] == "損失関数エクスプローラー"
    assert w.sliders[0]["doc"] == losslab.explain.texts.loss_text("huber", "ja")["params"]["delta"]
    assert next(t["label"] for t in w.tasks if t["id"] == "regression") == "回帰"


def test_a_registered_loss_is_offered(restore_catalog: None) -> None:
    losslab.custom("abs(r)^1.5", name="mine_power")
    w = nb.explorer(loss="mine_power", pred=2.0)
    assert w.value == pytest.approx(2.0 ** 1.5)


# ------------------------------------------------------------------------------------------- live curves
def test_live_fit_trains_in_the_background_and_ends_with_the_diagnosis() -> None:
    w = nb.live_fit("moons", model="mlp", epochs=60, seed=0)
    run = w.wait(120)
    same = losslab.training.fit("moons", model="mlp", epochs=60, seed=0)
    assert w.status == "completed" and w.epoch == 60 and w.curves["epoch"] == list(range(1, 61))
    assert w.curves["train_loss"] == pytest.approx(list(same.history.column("train_loss")))
    assert w.updates >= 1 and "<section" in w.diagnosis_html
    assert run.config["loss"] in w.title
    w.lang = "ja"
    assert 'lang="ja"' in w.diagnosis_html and w.words["stop"] == "停止"


def test_live_fit_pauses_resumes_and_stops() -> None:
    w = nb.live_fit("moons", model="mlp", epochs=100_000, seed=0)
    deadline = time.monotonic() + 60
    while w.status != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    w._on_message(w, {"action": "pause"}, [])  # what the Pause button sends
    assert w.status == "paused"
    time.sleep(0.2)
    done = len(w._records["epoch"])
    time.sleep(0.3)
    assert len(w._records["epoch"]) <= done + 1  # at most the epoch that was under way
    w._on_message(w, {"action": "resume"}, [])
    assert w.status == "running"
    w._on_message(w, {"action": "stop"}, [])
    run = w.wait(60)
    assert run.history.stopped == "cancelled" and w.status == "cancelled"


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_live_fit_words_a_bad_setting(lang: str) -> None:
    w = nb.live_fit("moons", model="nope", lang=lang)
    with pytest.raises(ValueError, match="nope"):
        w.wait(30)
    assert w.status == "failed" and "nope" in w.error and "Traceback" not in w.error
    assert w.error.startswith("計算できませんでした") == (lang == "ja")


def test_live_fit_wait_times_out_in_words() -> None:
    w = nb.live_fit("moons", model="mlp", epochs=100_000, seed=0)
    with pytest.raises(TimeoutError, match=r"0\.05 s"):
        w.wait(0.05)
    w.stop()
    assert w.wait(60).history.stopped == "cancelled"


# -------------------------------------------------------------------------------------------- next token
def test_the_token_widget_shows_the_true_view_in_ja() -> None:
    w = nb.token_widget(lm.synthetic_language("ja"), "今日はいい天気", lang="ja")
    last = w.rows[-1]
    assert last["token"] == "天気" and last["p"] == pytest.approx(0.6)
    assert last["loss"] == pytest.approx(0.5108256237659907) and last["entropy"] == pytest.approx(0.9503, abs=1e-4)
    mean = np.mean([r["loss"] for r in w.rows])
    assert w.summary["perplexity"] == pytest.approx(np.exp(mean))
    assert w.words["title"] == "次トークンの損失"


def test_the_token_widget_reads_a_trained_model_and_words_errors() -> None:
    run = lm.train("en-synthetic", model="bigram", seed=0)
    w = nb.token_widget(run, "the cat")
    rows = lm.token_view(run.model, run.tokenizer, "the cat")
    assert [r["token"] for r in w.rows] == [r.token for r in rows]
    assert [r["loss"] for r in w.rows] == pytest.approx([r.loss for r in rows])
    w.text = "x"  # one token: no next token to score
    assert w.rows == [] and "text" in w.error
    w.text = "the dog"
    assert w.error == "" and len(w.rows) == 6
    with pytest.raises(TypeError, match="LMRun"):
        nb.token_widget("not a model", "abc")


# --------------------------------------------------------------------------------------- custom-loss editor
def test_the_editor_reads_a_formula_with_its_derivative_curve_and_report() -> None:
    w = nb.formula_editor("log(cosh(yhat - y))")
    assert w.reads["derivative"] == "tanh(yhat - y)" and w.error == ""
    x = np.array(w.curve["x"])
    assert w.curve["value"] == pytest.approx(list(np.log(np.cosh(x))))
    assert w.curve["slope"] == pytest.approx(list(np.tanh(x)))
    assert {"zero", "minimum"} <= {p["key"] for p in w.report}
    w.formula, w.params = "delta*abs(r)", "delta=2"
    assert w.error == "" and w.curve["value"][0] == pytest.approx(10.0)
    w.formula = "(yhat - y)^2"  # the parameter line is kept while typing: delta is left out and said
    assert w.error == "" and w.reads["unused"] == ["delta"] and w.curve["value"][0] == pytest.approx(25.0)


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("formula, params, where", [
    ("__import__('os').system('x')", "", "formula"),
    ("log(cosh(yhat - y)", "", "formula"),
    ("delta*abs(r)", "", "formula"),
    ("abs(r)", "delta=abc", "params"),
    ("abs(r)", "1x=2", "params"),
])
def test_the_editor_words_a_bad_formula(lang: str, formula: str, params: str, where: str) -> None:
    w = nb.formula_editor(formula, params, lang=lang)
    assert w.error and "Traceback" not in w.error and w.reads == {} and w.curve == {}
    assert where in w.error
    if lang == "ja":
        assert "引数" in w.error


def test_the_editor_registers_its_formula(restore_catalog: None) -> None:
    w = nb.formula_editor("(yhat - y)^2", task="regression")
    loss = w.loss("mine_editor")
    assert float(loss(np.array([3.0]), np.array([1.0]))) == pytest.approx(4.0)
    w.formula = "(("
    with pytest.raises(losslab.LossInputError):
        w.loss("mine_editor_2")
