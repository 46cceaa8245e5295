"""One view per kind of result: what a notebook shows for it, made of the blocks of :mod:`._blocks`.

Each view reads the result's public attributes and the words of the part that made it (the explanations, the
training texts, the advice, the LM texts); the few words of its own are in ``notebook/texts``. A result that fixed
its language when it was made (an :class:`~losslab.explain.Explanation`, a :class:`~losslab.training.Diagnosis`,
a formula :class:`~losslab.formula.Report`) is shown in that language.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._texts import load_toml_texts, normalize_lang
from ..advice import Recommendation
from ..advice._texts import loss_title, say
from ..distill import DistillRun, Divergence, LintFinding, ModeFits
from ..explain import Explanation
from ..explain import texts as explain_texts
from ..formula import Formula, Report
from ..lm import LMRun, TokenRow
from ..lm import texts as lm_texts
from ..losses import Loss
from ..training import Comparison, Diagnosis, History, Run
from ..training import texts as training_texts
from ._blocks import Code, Figure, Items, Pairs, Para, Raw, Table, View, number

__all__ = ["TYPES", "view"]

FIGURE_HEIGHT = 460
"""Pixels of the frame a figure is drawn in (the learning curves are 300 px high, with title and legend)."""


def _w(where: str, lang: str, /, **fmt: Any) -> str:
    """A word of the notebook's own texts (``"loss.parameters"``)."""
    section, _, name = where.partition(".")
    text = str(load_toml_texts("losslab.notebook", lang)[section][name])
    return text.format(**fmt) if fmt else text


def _ui(key: str, lang: str, **fmt: Any) -> str:
    return training_texts.ui(key, lang, **fmt)


def _plain(value: Any) -> str:
    """A setting as text: numbers shortened, lists joined, everything else as ``str``."""
    if isinstance(value, float | np.floating):
        return number(value)
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_plain(v) for v in value) + ")"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items())
    return str(value)


# ------------------------------------------------------------------------------------------------------ figures
def _figure(make: Callable[[Any], Any], lang: str) -> Figure | Para | None:
    """A figure drawn by ``make(figures)`` in a frame, or a sentence saying how to get it (no altair)."""
    if importlib.util.find_spec("altair") is None:
        return Para(_w("run.figure_missing", lang))
    try:
        from .. import figures

        chart = make(figures)
        page = figures.to_html(chart)
    except ImportError:
        return Para(_w("run.figure_missing", lang))
    except Exception as exc:  # a figure that fails must not hide the table above it
        return Para(_w("run.figure_failed", lang, error=f"{type(exc).__name__}: {exc}"))
    return Figure(page, FIGURE_HEIGHT, _ui("curve", lang), "")


# --------------------------------------------------------------------------------------------------------- loss
def _loss(loss: Loss, lang: str, figure: bool) -> View:
    d = loss.definition
    words = explain_texts.loss_text(d.name, lang)
    title = str(words["title"])
    view = View("loss", lang, title if title == d.name else f"{title} ({d.name})", [], str(words.get("idea", "")))
    pairs = [(_w("loss.task", lang), explain_texts.ui(d.task, lang))]
    if d.aliases:
        pairs.append((_w("loss.aliases", lang), ", ".join(d.aliases)))
    view.blocks.append(Pairs(tuple(pairs)))
    if d.plain or d.latex:
        view.blocks += [Para(_w("loss.formula", lang), strong=True), Code(d.plain or d.latex)]
    if d.params:
        meaning = words.get("params", {})
        rows = tuple((p.name, _plain(loss.params[p.name]), _plain(p.default), str(meaning.get(p.name, p.doc)))
                     for p in d.params)
        view.blocks.append(Table(_w("loss.parameters", lang), (_w("loss.name", lang), _w("loss.value", lang),
                                 _w("loss.default", lang), _w("loss.meaning", lang)), rows))
    else:
        view.blocks.append(Para(_w("loss.no_params", lang)))
    if d.equivalents:
        view.blocks.append(Table(_w("loss.equivalents", lang), (_w("loss.library", lang), _w("loss.call", lang)),
                                 tuple((k, str(v)) for k, v in d.equivalents.items())))
    if d.reference:
        view.blocks.append(Pairs(((_w("loss.reference", lang), d.reference),)))
    return view


def _explanation(e: Explanation, lang: str, figure: bool) -> Raw:
    return Raw(e.to_html(), safe_markdown(e.to_markdown()))


def safe_markdown(text: str) -> str:
    """Markdown written elsewhere made safe to show: ``<`` and ``>`` as entities (no raw HTML), and in a ``$$``
    math line as ``\\lt`` and ``\\gt`` (MathJax reads those; the math is never parsed as markup)."""
    out = []
    for line in text.split("\n"):
        if line.startswith("$$"):
            out.append(line.replace("<", r"\lt ").replace(">", r"\gt "))
        else:
            out.append(line.replace("<", "&lt;").replace(">", "&gt;"))
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------------ training
_SHOWN = ("train_loss", "val_loss", "penalty", "train_accuracy", "val_accuracy", "train_mae", "val_mae",
          "train_rmse", "val_rmse", "grad_norm", "lr")


def _history_blocks(h: History, lang: str) -> list[Any]:
    seconds = float(sum(h.epoch_seconds) + sum(h.eval_seconds))
    blocks: list[Any] = [Para(_ui("summary", lang, epochs=h.epochs, steps=h.steps_per_epoch, seconds=seconds))]
    pairs = [(_ui("stopped", lang), _ui(h.stopped, lang) if h.stopped in ("completed", "early_stopping", "diverged",
                                                                           "cancelled") else h.stopped)]
    blocks.append(Pairs(tuple(pairs)))
    if h.best_epoch is not None:
        best = _ui("best_epoch", lang, epoch=h.best_epoch)
        blocks.append(Para(best + ("; " + _ui("restored", lang, epoch=h.best_epoch) if h.restored_best else "")))
    picked: list[dict[str, Any]] = []
    if h.initial:
        picked.append({"epoch": 0, **h.initial})
    if h.best_epoch is not None and 0 < h.best_epoch < h.epochs:
        picked.append(h.records[h.best_epoch - 1])
    if h.records:
        picked.append(h.records[-1])
    keys = [k for k in _SHOWN if any(r.get(k) is not None for r in picked)]
    if picked:
        blocks.append(Table(_ui("training", lang), (_ui("epoch", lang), *(_ui(k, lang) for k in keys)),
                            tuple((str(r.get("epoch", "")), *(number(r.get(k)) for k in keys)) for r in picked)))
    return blocks


def _loss_name(name: str, lang: str) -> str:
    try:
        title = loss_title(name, lang)
    except (KeyError, ValueError):
        return name
    return name if title == name else f"{title} ({name})"


def _history(h: History, lang: str, figure: bool) -> View:
    view = View("history", lang, _loss_name(h.loss, lang), _history_blocks(h, lang), _ui(h.task, lang))
    if figure and h.records:
        shown = _figure(lambda figures: figures.training_curves(h, lang=lang), lang)
        if shown is not None:
            view.blocks.append(shown)
    return view


def _metrics_table(final: dict[str, dict[str, Any]], lang: str) -> Table:
    keys = [k for k in final.get("val", {}) | final.get("train", {}) if k not in ("n", "recall")]
    rows = tuple((_ui(split, lang), str(m.get("n", "")), *(number(m.get(k)) for k in keys))
                 for split, m in final.items() if m.get("n"))
    return Table(_ui("final", lang), (_w("run.split", lang), "n", *(_ui(k, lang) for k in keys)), rows)


def _diagnosis_blocks(d: Diagnosis, lang: str) -> list[Any]:
    blocks: list[Any] = []
    for f in d.findings:
        where = "" if f.epoch is None else " — " + _ui("from_epoch", d.lang, epoch=f.epoch)
        blocks.append(Para(f"{f.title}{where} ({_w('diagnosis.' + f.severity, d.lang)})", strong=True))
        blocks.append(Para(f.message))
        if f.certainty_note:  # it names the certainty ("Certainty: moderate (...)")
            blocks.append(Para(f.certainty_note))
        if f.advice:
            blocks.append(Items(tuple(f.advice), _ui("advice", d.lang)))
    return blocks


def _run(run: Run, lang: str, figure: bool) -> View:
    h = run.history
    view = View("run", lang, _loss_name(run.loss.name, lang), [], _ui(h.task, lang))
    config = run.config
    view.blocks.append(Pairs(((_ui("data", lang), str(run.dataset.name)), (_ui("model", lang), str(run.model)),
                              (_ui("optimizer", lang), str(run.optimizer)),
                              (_ui("loss", lang), repr(run.loss)))))
    view.blocks += _history_blocks(h, lang)
    view.blocks.append(_metrics_table({"train": run.evaluate("train"), "val": run.evaluate("val")}, lang))
    recovered = run.recovery()
    if recovered:
        view.blocks.append(Pairs(tuple((_ui(k, lang), number(v)) for k, v in recovered.items())))
    diagnosis = run.diagnose(lang)
    view.blocks.append(Para(_ui("diagnosis", lang), strong=True))
    view.blocks += _diagnosis_blocks(diagnosis, lang)
    if figure and h.records:
        shown = _figure(lambda figures: figures.training_curves(h, diagnosis=diagnosis, lang=lang), lang)
        if shown is not None:
            view.blocks.append(shown)
    if config:
        view.blocks.append(Table(_w("run.config", lang), (_w("run.setting", lang), _w("loss.value", lang)),
                                 tuple((str(k), _plain(v)) for k, v in config.items())))
    return view


def _diagnosis(d: Diagnosis, lang: str, figure: bool) -> View:
    return View("diagnosis", d.lang, _w("diagnosis.title", d.lang), _diagnosis_blocks(d, d.lang))


def _comparison(c: Comparison, lang: str, figure: bool) -> View:
    columns = list(c.columns)
    headers = (_w("comparison.label", lang), *(_ui(k, lang) for k in columns), _ui("epochs_to_converge", lang),
               _ui("seconds", lang), _ui("diagnosis", lang))
    rows = []
    for r in c.rows:
        try:
            finding = training_texts.get(f"diagnosis.{r.diagnosis}.title", lang)
        except KeyError:
            finding = r.diagnosis
        rows.append((r.label, *(number(r.metrics.get(k)) for k in columns), number(r.epochs_to_converge),
                     number(r.seconds, 3), finding))
    return View("comparison", lang, _w("comparison.title", lang, data=c.dataset.name),
                [Table("", headers, tuple(rows))])


# -------------------------------------------------------------------------------------------------------- advice
def _recommendation(r: Recommendation, lang: str, figure: bool) -> View:
    a = r.analysis
    view = View("recommendation", lang, say("ui.header", lang, target=", ".join(a.target_names), rows=a.n_rows))
    view.blocks.append(Items(tuple(n.text(lang) for n in [*a.data_notes, *a.findings]), say("ui.analysis", lang)))
    if r.ranked:
        view.blocks.append(Para(say("ui.recommendation", lang), strong=True))
        for i, c in enumerate(r.ranked, 1):
            tag = say("ui.first" if i == 1 else "ui.alternative", lang)
            notes = [f"+ {n.text(lang)}" for n in c.reasons] + [f"= {n.text(lang)}" for n in c.derived]
            notes += [f"! {n.text(lang)}" for n in c.pitfalls]
            view.blocks.append(Items(tuple(notes), f"{i}. {loss_title(c.loss, lang)} — {c.label} [{tag}]"))
    if r.avoid:
        view.blocks.append(Para(say("ui.avoid", lang), strong=True))
        for c in r.avoid:
            view.blocks.append(Items(tuple(f"! {n.text(lang)}" for n in c.pitfalls),
                                     f"× {loss_title(c.loss, lang)} — {c.label}"))
    if r.questions or r.notes:
        items = []
        for q in r.questions:
            assumed = "" if q.assumed is None else " " + say("ui.assumed", lang, value=q.assumed)
            items.append(f"? {q.note.text(lang)} ({q.key}: {' | '.join(map(str, q.options))}){assumed}")
        items += [n.text(lang) for n in r.notes]
        view.blocks.append(Items(tuple(items), say("ui.questions", lang)))
    if r.evidence is not None:
        lines = [line.strip() for line in r.evidence.text_lines(lang) if line.strip()]
        view.blocks.append(Items(tuple(lines[1:]), lines[0] if lines else ""))
    choice = r.choice
    if choice is not None:
        view.blocks += [Para(say("ui.code", lang), strong=True), Code(choice.code())]
    return view


# ------------------------------------------------------------------------------------------------------- formula
def _formula(f: Formula, lang: str, figure: bool) -> View:
    cli = load_toml_texts("losslab.notebook", lang)["loss"]
    d1, d2 = f.plain_derivatives()
    pairs = [(cli["task"], explain_texts.ui(f.task, lang)), ("L", f.plain), ("dL/dŷ", d1), ("d²L/dŷ²", d2)]
    if f.params:
        pairs.append((cli["parameters"], ", ".join(f"{k} = {number(v)}" for k, v in f.params.items())))
    return View("formula", lang, f.text, [Pairs(tuple(pairs))])


def _report(r: Report, lang: str, figure: bool) -> View:
    marks = {True: "✓", False: "✗", None: "·"}
    words = {True: _w("formula.holds", r.lang), False: _w("formula.fails", r.lang), None: _w("formula.note", r.lang)}
    rows = tuple((marks[p.ok], p.sentence, words[p.ok]) for p in r.items)
    return View("formula-report", r.lang, _w("formula.title", r.lang), [Table("", ("", "", ""), rows)])


# ------------------------------------------------------------------------------------------------------------ lm
def _lm_run(run: LMRun, lang: str, figure: bool) -> View:
    t = lm_texts.section("train", lang)
    title = t["title"].format(model=run.model.name, corpus=run.corpus, tokenizer=run.tokenizer.name,
                              vocab=run.tokenizer.vocab_size)
    v = run.val
    view = View("lm-run", lang, title, [
        Para(t["final"].format(loss=f"{v.nats_per_token:.4f}", ppl=f"{v.perplexity:.3f}")),
        Table(_w("lm.rates", lang), (_w("lm.unit", lang), _w("loss.value", lang)), tuple(
            (_w(f"lm.{k}", lang), f"{getattr(v, k):.4f}")
            for k in ("nats_per_token", "perplexity", "bits_per_token", "bits_per_char", "bits_per_byte")))])
    refs = tuple((t[label], f"{run.references[key]:.4f}") for key, label in (
        ("ln_v", "ln_v"), ("unigram_entropy", "unigram"), ("bigram_val_loss", "bigram"),
        ("true_nats_per_token", "true")) if isinstance(run.references.get(key), int | float))
    view.blocks.append(Table(t["references"], (_w("lm.reference", lang), t["nats"]), refs))
    if run.init is not None:
        view.blocks.append(Para(run.init.message(lang)))
    view.blocks.append(Para(_w("lm.steps", lang, steps=run.settings.get("steps", 0), seconds=f"{run.seconds:.2f}")))
    if figure and run.history.get("step"):
        shown = _figure(lambda figures: figures.lm_curves(run, lang=lang), lang)
        if shown is not None:
            view.blocks.append(shown)
    return view


def _token_rows(rows: Sequence[TokenRow], lang: str, figure: bool) -> View:
    e = lm_texts.section("explain", lang)
    headers = (e["position"], e["context"], e["token"], e["prob"], e["loss"], e["inv_p"], e["bits"], e["entropy"],
               e["top"].format(k=max((len(r.top) for r in rows), default=0)))
    body = []
    for i, r in enumerate(rows, 1):
        d = r.to_dict()
        top = ", ".join(f"{tok!r} {p:.3f}" for tok, p in r.top)
        body.append((str(i), repr(r.context), repr(r.token), f"{r.p:.4f}", number(d["loss"]), number(d["inv_p"]),
                     number(d["bits"]), number(r.entropy), top))
    losses = [r.loss for r in rows]
    blocks: list[Any] = [Table("", headers, tuple(body))]
    if losses and all(math.isfinite(x) for x in losses):
        mean, ent = float(np.mean(losses)), float(np.mean([r.entropy for r in rows]))
        blocks.append(Para(e["mean"].format(loss=f"{mean:.4f}", bits=f"{mean / math.log(2):.4f}",
                                            ppl=f"{math.exp(mean):.3f}", entropy=f"{ent:.4f}")))
    return View("lm-tokens", lang, _w("lm.token_view", lang), blocks)


# ------------------------------------------------------------------------------------------------------- distill
def _divergence(d: Divergence, lang: str, figure: bool) -> View:
    grad = np.asarray(d.grad, dtype=np.float64)
    pairs = [(_w("distill.value", lang), number(d.value, 6)), (_w("distill.rows", lang), str(np.size(d.rows))),
             (_w("distill.grad_norm", lang), number(float(np.abs(grad).sum()), 6))]
    pairs += [(str(k), _plain(v)) for k, v in d.settings.items()]
    return View("divergence", lang, _w("distill.divergence", lang, name=d.name), [Pairs(tuple(pairs))])


def _distill_run(r: DistillRun, lang: str, figure: bool) -> View:
    headers = tuple(_w(f"distill.{k}", lang) for k in ("role", "hidden", "n_params", "train_loss", "val_loss",
                                                       "val_accuracy", "val_kl"))
    rows = tuple((_w(f"distill.{row.role}", lang), _plain(row.hidden), str(row.n_params), number(row.train_loss),
                  number(row.val_loss), number(row.val_accuracy), number(row.val_kl_to_teacher)) for row in r.rows)
    blocks: list[Any] = [Table("", headers, rows)]
    if {row.role for row in r.rows} >= {"student", "distilled"}:
        blocks.append(Para(_w("distill.wins" if r.distilled_wins else "distill.loses", lang)))
    blocks.append(Table(_w("run.config", lang), (_w("distill.setting", lang), _w("loss.value", lang)),
                        tuple((str(k), _plain(v)) for k, v in r.settings.items())))
    return View("distill-run", lang, _w("distill.run_title", lang, data=r.settings.get("data", "")), blocks)


def _mode_fits(m: ModeFits, lang: str, figure: bool) -> View:
    peaks = [number(p) for p in m.peaks]
    headers = (_w("distill.direction", lang), _w("distill.mu", lang), _w("distill.sigma", lang),
               _w("distill.kl_forward", lang), _w("distill.kl_reverse", lang),
               *(_w("distill.mass", lang, peak=p) for p in peaks))
    rows = tuple((_w(f"distill.{f.direction}", lang) if f.direction in ("forward", "reverse") else f.direction,
                  number(f.mu), number(f.sigma), number(f.kl_forward), number(f.kl_reverse),
                  *(number(x, 3) for x in f.peak_mass)) for f in (m.forward, m.reverse))
    return View("mode-fits", lang, _w("distill.modes_title", lang, peaks=", ".join(peaks)), [Table("", headers, rows)])


def _lint(findings: Sequence[LintFinding], lang: str, figure: bool) -> View:
    title = _w("distill.lint_title", lang, n=len(findings))
    if not findings:
        return View("distill-lint", lang, title, [Para(_w("distill.lint_none", lang))])
    headers = tuple(_w(f"distill.{k}", lang) for k in ("code", "where", "message", "fix", "sources"))
    rows = tuple((f.code, _w("distill.line", lang, line=f.line) if f.line is not None
                  else _w("distill.key", lang, key=f.key) if f.key else "", f.message, f.fix, " ".join(f.sources))
                 for f in findings)
    return View("distill-lint", lang, title, [Table("", headers, rows)])


# ---------------------------------------------------------------------------------------------------- the table
TYPES: tuple[tuple[type, Callable[[Any, str, bool], Any]], ...] = (
    (Loss, _loss),
    (Explanation, _explanation),
    (Run, _run),
    (History, _history),
    (Diagnosis, _diagnosis),
    (Comparison, _comparison),
    (Recommendation, _recommendation),
    (Formula, _formula),
    (Report, _report),
    (LMRun, _lm_run),
    (TokenRow, lambda row, lang, figure: _token_rows([row], lang, figure)),
    (Divergence, _divergence),
    (DistillRun, _distill_run),
    (ModeFits, _mode_fits),
    (LintFinding, lambda finding, lang, figure: _lint([finding], lang, figure)),
)
"""Each kind of result and its view; a list of :class:`TokenRow` (the per-token view) or of
:class:`LintFinding` (what :func:`losslab.distill.lint` returns) is shown as one table."""

_LISTS: tuple[tuple[type, Callable[[Any, str, bool], Any]], ...] = ((TokenRow, _token_rows), (LintFinding, _lint))


def view(obj: Any, lang: str | None, figure: bool = True) -> View | Raw | None:
    """The view of ``obj`` in ``lang``, or None for an object losslab does not show."""
    code = normalize_lang(lang)
    for cls, make in TYPES:
        if isinstance(obj, cls):
            result: View | Raw = make(obj, code, figure)
            return result
    if isinstance(obj, list | tuple) and obj:
        for cls, many in _LISTS:
            if all(isinstance(item, cls) for item in obj):
                listed: View = many(list(obj), code, figure)
                return listed
    return None
