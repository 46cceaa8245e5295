"""The evidence: every ranked candidate trained with :mod:`losslab.training` under k-fold cross-validation.

Each candidate sees the same folds, the same model, the same initial weights and the same number of epochs; only
the loss differs. The metrics are the ones users care about and none of them is a candidate's own loss, so they
compare across losses: MAE, RMSE, median absolute error and R² for regression; accuracy, balanced accuracy, recall
and precision per class, log loss and calibration error (ECE, 10 bins on the top-class probability) for
classification.

One metric decides (``Evidence.primary``), chosen from what the rules optimized for and the user's priority:
RMSE for a clean regression and counts, MAE for outliers and heavy tails, the pinball loss for an asymmetric cost,
RMSLE for relative errors; accuracy for balanced classes, balanced accuracy for imbalanced ones, the positive
class's recall or precision for ``priority="recall"`` / ``"precision"`` (macro-averaged for several classes).
The evidence overturns the rule-based first choice only when another candidate is better on the mean over the
folds by more than twice the standard error of the per-fold differences and by at least 1% (relative), and only
when both fits converged: a fit whose training loss was still falling over its last epochs (the mean of the last
tenth of the epochs, at least 3, below the tenth before by more than 1% and more than the noise band) has no final
score yet, and a note says so. Each metric is shown with its standard error over the folds (``se``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._jsonable import jsonable
from ._result import Recommendation
from ._rules import Candidate
from ._texts import Note, Term, say

__all__ = ["CandidateResult", "Evidence", "run_evidence"]

_LOWER_IS_BETTER = frozenset({"mae", "rmse", "median_ae", "log_loss", "ece", "pinball", "rmsle"})
_TASKS = ("regression", "binary", "multiclass")


@dataclass
class CandidateResult:
    """One candidate's cross-validated metrics: the mean and the standard deviation over the folds."""

    label: str
    loss: str
    params: dict[str, Any]
    metrics: dict[str, float | None] = field(default_factory=dict)
    spread: dict[str, float | None] = field(default_factory=dict)
    per_fold: list[dict[str, float | None]] = field(default_factory=list)
    per_class: list[dict[str, Any]] | None = None
    seconds: float = 0.0
    error: str | None = None
    ranked: bool = True
    se: dict[str, float | None] = field(default_factory=dict)
    unconverged: int = 0

    @property
    def converged(self) -> bool:
        """Whether the fit of every fold had stopped improving by its last epochs."""
        return self.unconverged == 0

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "loss": self.loss, "params": self.params, "ranked": self.ranked,
                "metrics": self.metrics,
                "std": self.spread, "se": self.se, "per_fold": self.per_fold, "per_class": self.per_class,
                "seconds": self.seconds, "error": self.error, "converged": self.converged,
                "unconverged_folds": self.unconverged}


@dataclass
class Evidence:
    """The cross-validated comparison of the ranked candidates, and what it concludes."""

    task: str
    folds: int
    epochs: int
    model: str
    rows: int
    total_rows: int
    seed: int
    primary: str
    primary_values: dict[str, Any]
    columns: list[str]
    results: list[CandidateResult]
    first: str | None
    winner: str | None
    overturned: bool
    recommended: str | None
    verdict: Note | None
    notes: list[Note] = field(default_factory=list)
    figure: Any = None
    figure_note: Note | None = None
    seconds: float = 0.0
    batch_size: int = 0
    lr: float = 0.0

    @property
    def available(self) -> bool:
        return bool(self.results)

    def metric_name(self, key: str, lang: str) -> str:
        return say(f"metric.{key}", lang, **self.primary_values)

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {
            "task": self.task, "folds": self.folds, "epochs": self.epochs, "batch_size": self.batch_size,
            "lr": self.lr, "optimizer": "adam", "model": self.model, "rows": self.rows,
            "total_rows": self.total_rows, "seed": self.seed, "seconds": self.seconds,
            "primary": self.primary, "primary_name": self.metric_name(self.primary, lang or "en")
            if self.primary else None, "higher_is_better": self.primary not in _LOWER_IS_BETTER,
            "columns": self.columns, "results": [r.to_dict() for r in self.results],
            "first": self.first, "winner": self.winner, "overturned": self.overturned,
            "recommended": self.recommended,
            "verdict": self.verdict.to_dict(lang) if self.verdict else None,
            "notes": [n.to_dict(lang) for n in self.notes],
            "figure": self.figure_note.to_dict(lang) if self.figure_note else (
                {"available": True} if self.figure is not None else None),
        }

    # -- views ----------------------------------------------------------------------------------------------
    def _header(self, lang: str) -> str:
        return say("ui.evidence", lang, folds=self.folds, model=self.model, epochs=self.epochs, rows=self.rows,
                   batch=self.batch_size)

    def _cell(self, r: CandidateResult, key: str, lang: str) -> str:
        if r.error:
            return "—"
        v = r.metrics.get(key)
        if v is None:
            return say("ui.no_probabilities", lang) if key in ("log_loss", "ece") else "—"
        s = r.se.get(key)
        return f"{v:.4g} ± {s:.2g}" if s is not None and self.folds > 1 else f"{v:.4g}"

    def text_lines(self, lang: str) -> list[str]:
        out = [self._header(lang)]
        if self.results and self.folds > 1:
            out.append("  " + say("ui.se", lang))
        if self.results:
            out.append("  " + say("ui.primary", lang, metric=self.metric_name(self.primary, lang)))
            names = [say("ui.loss", lang), *[self.metric_name(c, lang) for c in self.columns]]
            rows = [[r.label, *[self._cell(r, c, lang) for c in self.columns]] for r in self.results]
            widths = [max(_width(x) for x in col) for col in zip(names, *rows, strict=True)]
            out.append("  " + "  ".join(_pad(x, w) for x, w in zip(names, widths, strict=True)))
            for row in rows:
                out.append("  " + "  ".join(_pad(x, w) for x, w in zip(row, widths, strict=True)))
        for r in self.results:
            if r.error:
                out.append("  ! " + say("evidence.failed", lang, label=r.label, error=r.error))
        out += [f"  - {n.text(lang)}" for n in self.notes]
        if self.verdict is not None:
            out.append(f"  => {self.verdict.text(lang)}")
        if self.figure_note is not None:
            out.append(f"  - {self.figure_note.text(lang)}")
        return out

    def rich_parts(self, lang: str) -> Iterator[Any]:
        from rich.markup import escape
        from rich.panel import Panel
        from rich.table import Table

        parts: list[Any] = []
        if self.results:
            table = Table(header_style="bold", caption=say("ui.primary", lang,
                                                           metric=self.metric_name(self.primary, lang))
                          + ("; " + say("ui.se", lang) if self.folds > 1 else ""))
            table.add_column(say("ui.loss", lang), overflow="fold")
            for c in self.columns:
                table.add_column(self.metric_name(c, lang), justify="right",
                                 style="bold" if c == self.primary else None)
            for r in self.results:
                style = "green" if r.label == self.recommended else None
                table.add_row(escape(r.label), *[escape(self._cell(r, c, lang)) for c in self.columns], style=style)
            parts.append(table)
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        for r in self.results:
            if r.error:
                grid.add_row(Text("!", style="yellow"), Text(say("evidence.failed", lang, label=r.label,
                                                                  error=r.error)))
        for n in self.notes:
            grid.add_row("•", Text(n.text(lang)))
        if self.verdict is not None:
            grid.add_row(Text("=>", style="bold"), Text(self.verdict.text(lang),
                                                        style="bold red" if self.overturned else "bold green"))
        if self.figure_note is not None:
            grid.add_row("•", Text(self.figure_note.text(lang), style="dim"))
        parts.append(grid)
        from rich.console import Group

        yield Panel(Group(*parts), title=self._header(lang), title_align="left", border_style="blue")


def _width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


# ------------------------------------------------------------------------------------------------------ metrics
def _ece(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error on the top-class probability, with ``bins`` equal-width bins."""
    conf = proba.max(axis=1)
    hit = (proba.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(float(hit[m].mean()) - float(conf[m].mean()))
    return total


def _regression_metrics(y: np.ndarray, pred: np.ndarray, q: float | None, logs: bool) -> dict[str, float | None]:
    err = pred - y
    sst = float(np.sum((y - y.mean()) ** 2))
    out: dict[str, float | None] = {
        "mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2))),
        "median_ae": float(np.median(np.abs(err))), "r2": 1.0 - float(np.sum(err**2)) / sst if sst > 0 else None,
    }
    if q is not None:
        out["pinball"] = float(np.mean(np.maximum(q * (y - pred), (q - 1.0) * (y - pred))))
    if logs:
        out["rmsle"] = float(np.sqrt(np.mean((np.log1p(np.maximum(pred, 0.0)) - np.log1p(y)) ** 2)))
    return out


def _classification_metrics(y: np.ndarray, labels: np.ndarray, proba: np.ndarray | None, k: int,
                            positive: int | None) -> tuple[dict[str, float | None], list[dict[str, float | None]]]:
    recalls, precisions = [], []
    for c in range(k):
        members, chosen = y == c, labels == c
        recalls.append(float(np.mean(labels[members] == c)) if members.any() else math.nan)
        precisions.append(float(np.mean(y[chosen] == c)) if chosen.any() else math.nan)
    present = [r for r in recalls if not math.isnan(r)]
    out: dict[str, float | None] = {
        "accuracy": float(np.mean(labels == y)),
        "balanced_accuracy": float(np.mean(present)) if present else None,
        "macro_precision": float(np.mean([0.0 if math.isnan(p) else p for p in precisions])),
    }
    if positive is not None:
        out["minority_recall"] = _none(recalls[positive])
        out["minority_precision"] = _none(precisions[positive])
    if proba is not None:
        p = np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0)
        out["log_loss"] = float(-np.mean(np.log(p)))
        out["ece"] = _ece(y, proba)
    else:
        out["log_loss"] = out["ece"] = None
    per_class = [{"recall": _none(r), "precision": _none(p)} for r, p in zip(recalls, precisions, strict=True)]
    return out, per_class


def _none(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


# ------------------------------------------------------------------------------------------------- primary metric
def _primary(r: Recommendation) -> tuple[str, dict[str, Any]]:
    a, first = r.analysis, r.first
    assert first is not None
    if a.task == "regression":
        if first.loss == "quantile":
            return "pinball", {"q": first.params["q"]}
        if first.loss == "msle":
            return "rmsle", {}
        if first.loss in ("huber", "mae"):
            return "mae", {}
        return "rmse", {}
    priority = r.hints.priority or "balanced"
    label = a.positive or ""
    if a.task == "binary":
        if priority == "recall":
            return "minority_recall", {"label": label}
        if priority == "precision":
            return "minority_precision", {"label": label}
    elif priority == "precision":
        return "macro_precision", {}
    if (a.imbalance_ratio or 1.0) >= 3.0 or priority == "recall":
        return "balanced_accuracy", {}
    return "accuracy", {}


def _columns(task: str, primary: str, has_q: bool, logs: bool) -> list[str]:
    if task == "regression":
        cols = ["mae", "rmse", "median_ae", "r2"]
        if has_q:
            cols.append("pinball")
        if logs:
            cols.append("rmsle")
        return cols
    cols = ["accuracy", "balanced_accuracy"]
    if task == "binary":
        cols += ["minority_recall", "minority_precision"]
    elif primary == "macro_precision":
        cols.append("macro_precision")
    return [*cols, "log_loss", "ece"]


# ------------------------------------------------------------------------------------------------------ the run
def _default_batch(n_train: int) -> int:
    """32 rows per step for small data, up to 256 for large data (about 40 steps per epoch)."""
    return int(min(256, max(32, math.ceil(n_train / 40))))


def _default_epochs(n_train: int, batch: int) -> int:
    """About 2,000 steps per fit, between 20 and 200 epochs."""
    steps = max(1, math.ceil(n_train / batch))
    return int(min(200, max(20, round(2000 / steps))))


def _unavailable(r: Recommendation, key: str, folds: int, model: str, seed: int, **values: Any) -> Evidence:
    return Evidence(task=str(r.analysis.task), folds=folds, epochs=0, model=model, rows=0,
                    total_rows=r.analysis.n_rows, seed=seed, primary="", primary_values={}, columns=[], results=[],
                    first=r.first.label if r.first else None, winner=None, overturned=False, recommended=None,
                    verdict=None, notes=[Note(key, values)])


def run_evidence(r: Recommendation, *, folds: int = 5, epochs: int | None = None, model: str = "linear",
                 max_rows: int | None = 5000, seed: int = 0, lr: float = 0.01, batch_size: int | None = None,
                 figure: bool = True, also: Sequence[Any] = ()) -> Evidence:
    """Cross-validate the ranked candidates of ``r`` (see the module docstring), and the losses in ``also`` (names
    or :class:`~losslab.Loss` objects, your own formula losses too) beside them on the same folds."""
    from ..errors import LossInputError

    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        raise LossInputError("recommend", "folds", "an integer >= 2", repr(folds))
    if epochs is not None and (not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1):
        raise LossInputError("recommend", "epochs", "an integer >= 1", repr(epochs))
    if model not in ("linear", "mlp"):
        raise LossInputError("recommend", "model", "'linear' or 'mlp'", repr(model))
    if max_rows is not None and (not isinstance(max_rows, int) or max_rows < 20):
        raise LossInputError("recommend", "max_rows", "an integer >= 20 (or None for all rows)", repr(max_rows))
    a = r.analysis
    if not r.ranked:
        return _unavailable(r, "evidence.unavailable_question", folds, model, seed)
    if a.task not in _TASKS:
        return _unavailable(r, "evidence.unavailable_task", folds, model, seed, task=a.task)
    if a.X is None or a.X.shape[1] == 0:
        return _unavailable(r, "evidence.unavailable_features", folds, model, seed)
    try:
        from ..training import TrainingError, fit, from_arrays
    except ImportError as exc:  # pragma: no cover - the trainer ships with losslab
        return _unavailable(r, "evidence.unavailable_trainer", folds, model, seed, error=str(exc))

    started = time.perf_counter()
    notes: list[Note] = []
    rng = np.random.default_rng(seed)
    X = a.X
    y = a.y_values if a.task == "regression" else a.y_codes
    assert y is not None
    idx = np.arange(a.n_rows)
    if max_rows is not None and a.n_rows > max_rows:
        idx = np.sort(rng.choice(a.n_rows, size=max_rows, replace=False))
        notes.append(Note("evidence.subsampled", {"rows": max_rows, "total": a.n_rows}))
    X, y = X[idx], y[idx]
    k = folds
    positive: int | None = None
    if a.task != "regression":
        counts = np.bincount(y.astype(np.int64), minlength=a.n_classes)
        smallest = int(counts.min())
        if smallest < 2:
            assert a.classes is not None
            return _unavailable(r, "evidence.too_few", folds, model, seed, smallest=smallest,
                                label=a.classes[int(np.argmin(counts))]["label"])
        if smallest < k:
            k = smallest
            notes.append(Note("evidence.folds_reduced", {"folds": k, "smallest": smallest}))
        positive = 1 if a.task == "binary" else None
    task = "regression" if a.task == "regression" else ("binary" if a.task == "binary" else "multiclass")
    class_names = [c["label"] for c in a.classes] if a.classes and a.task != "regression" else None
    try:
        ds = from_arrays(X, y, task=task, seed=seed, class_names=class_names)  # type: ignore[arg-type]
    except TrainingError as exc:
        return _unavailable(r, "evidence.setup_failed", folds, model, seed, error=str(exc).splitlines()[0])
    n_train = int(len(y) * (k - 1) / k)
    batch = batch_size if batch_size is not None else _default_batch(n_train)
    n_epochs = epochs if epochs is not None else _default_epochs(n_train, batch)
    primary, primary_values = _primary(r)
    q = next((c.params["q"] for c in r.ranked if c.loss == "quantile"), None)
    logs = any(c.loss == "msle" for c in r.ranked)
    primary_values = {"q": q if q is not None else 0.5, "label": a.positive or "", **primary_values}
    columns = _columns(a.task, primary, q is not None, logs)
    if primary not in columns:
        columns.insert(0, primary)

    candidates = [*r.ranked, *[c for c in r.avoid if c.label not in {x.label for x in r.ranked}]]
    candidates += [c for c in _extra_candidates(also) if c.label not in {x.label for x in candidates}]
    results = [CandidateResult(label=c.label, loss=c.loss, params=dict(c.params), ranked=c in r.ranked)
               for c in candidates]
    per_class_runs: list[list[list[dict[str, float | None]]]] = [[] for _ in candidates]
    for fold in ds.kfold(k, seed=seed):
        for i, c in enumerate(candidates):
            res = results[i]
            if res.error:
                continue
            t0 = time.perf_counter()
            try:
                run = fit(fold, model=model, loss=c.loss, loss_params=_fit_params(c, fold), epochs=n_epochs,
                          lr=lr, batch_size=batch, seed=seed)
            except (TrainingError, LossInputError, ValueError, FloatingPointError) as exc:
                res.error = str(exc).splitlines()[0]
                continue
            res.seconds += time.perf_counter() - t0
            res.unconverged += 0 if _converged(run.history.column("train_loss")) else 1
            with np.errstate(all="ignore"):
                pred = run.predict(fold.X_val)
                if a.task == "regression":
                    m = _regression_metrics(fold.y_val.astype(np.float64), pred.astype(np.float64), q, logs)
                else:
                    proba = run.predict_proba(fold.X_val)
                    m, pc = _classification_metrics(fold.y_val.astype(np.int64), pred.astype(np.int64), proba,
                                                    a.n_classes, positive)
                    per_class_runs[i].append(pc)
            res.per_fold.append({key: _finite(v) for key, v in m.items()})
    for i, res in enumerate(results):
        if res.error or not res.per_fold:
            continue
        keys = res.per_fold[0].keys()
        for key in keys:
            vals = [float(v) for f in res.per_fold if (v := f.get(key)) is not None]
            res.metrics[key] = float(np.mean(vals)) if vals else None
            res.spread[key] = float(np.std(vals, ddof=1)) if len(vals) > 1 else None
            res.se[key] = float(np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else None
        if per_class_runs[i] and class_names is not None:
            res.per_class = []
            for c_i, name in enumerate(class_names):
                rec = [float(v) for f in per_class_runs[i] if (v := f[c_i]["recall"]) is not None]
                pre = [float(v) for f in per_class_runs[i] if (v := f[c_i]["precision"]) is not None]
                res.per_class.append({"label": name, "recall": float(np.mean(rec)) if rec else None,
                                      "precision": float(np.mean(pre)) if pre else None})
        res.seconds = round(res.seconds, 3)
    ev = Evidence(task=str(a.task), folds=k, epochs=n_epochs, model=model, rows=len(y), total_rows=a.n_rows,
                  seed=seed, primary=primary, primary_values=primary_values, columns=columns, results=results,
                  first=r.ranked[0].label, winner=None, overturned=False, recommended=r.ranked[0].label,
                  verdict=None, notes=notes, batch_size=batch, lr=lr)
    for res in results:
        if res.unconverged and not res.error:
            notes.append(Note("evidence.unconverged", {"label": res.label, "count": res.unconverged,
                                                       "folds": len(res.per_fold), "epochs": n_epochs}))
    _decide(ev)
    ev.seconds = round(time.perf_counter() - started, 3)
    if figure:
        ev.figure_note = _figure(ev, r.lang)
    return ev


def _converged(t: np.ndarray) -> bool:
    """False when the training loss was still falling at the end: the mean of the last tenth of the epochs (at
    least 3) lies below the tenth before by more than 1% and by more than the noise band of the last one."""
    from ..training.diagnosis import noise_band

    w = max(3, math.ceil(len(t) / 10))
    if len(t) < 2 * w or not np.isfinite(t[-2 * w:]).all():
        return True  # too short to tell, or diverged (its scores say so)
    prev, last = float(t[-2 * w:-w].mean()), float(t[-w:].mean())
    return not (prev - last > 0.01 * abs(last) and prev - last > noise_band(t[-w:]))


def _finite(v: float | None) -> float | None:
    """A metric as a float, or None when missing or not finite (the JSON policy of :mod:`losslab._jsonable`)."""
    return None if v is None else jsonable(float(v))


def _extra_candidates(also: Sequence[Any]) -> list[Candidate]:
    """The user's own candidates, by name or as Loss objects (parameters that differ from the defaults kept)."""
    from ..errors import LossInputError
    from ..losses import Loss, get

    out = []
    for item in also:
        if not isinstance(item, str | Loss):
            raise LossInputError("recommend", "also", "loss names or losslab.Loss objects", repr(item)[:80],
                                 "e.g. also=[losslab.custom('log(cosh(r))', name='mine')] or also=['mine']")
        loss = get(item)
        params = {p.name: loss.params[p.name] for p in loss.definition.params
                  if loss.params[p.name] != p.default}
        out.append(Candidate(loss=loss.name, params=params))
    return out


def _fit_params(c: Candidate, fold: Any) -> dict[str, Any] | None:
    """The candidate's parameters as the trainer takes them: in the target's own units (the trainer rescales
    thresholds such as Huber's delta itself when it standardizes the target)."""
    return dict(c.params) or None


def _primary_value(res: CandidateResult, key: str, fold: int | None = None) -> float | None:
    v = res.metrics.get(key) if fold is None else res.per_fold[fold].get(key)
    if v is None and key in ("minority_precision", "macro_precision"):
        return 0.0  # no row predicted as the class: no useful precision
    return v


def _decide(ev: Evidence) -> None:
    key = ev.primary
    metric = Term("metric." + key, ev.primary_values)
    sign = -1.0 if key in _LOWER_IS_BETTER else 1.0
    scored = [r for r in ev.results if not r.error and _primary_value(r, key) is not None]
    if not scored:
        return
    best = max(scored, key=lambda r: sign * float(_primary_value(r, key) or 0.0))
    ev.winner = best.label
    first = ev.results[0]
    if first.error or _primary_value(first, key) is None:
        ev.overturned, ev.recommended = True, best.label
        ev.verdict = Note("evidence.overturned", {"winner": best.label, "first": first.label,
                                                  "metric": metric, "win_value": _primary_value(best, key) or 0.0,
                                                  "first_value": math.nan, "wins": ev.folds, "folds": ev.folds})
        return
    f_val = float(_primary_value(first, key) or 0.0)
    b_val = float(_primary_value(best, key) or 0.0)
    if best is first:
        ev.verdict = Note("evidence.agrees", {"label": first.label, "metric": metric, "value": f_val})
        return
    n = min(len(first.per_fold), len(best.per_fold))
    diffs = []
    for i in range(n):
        fv, bv = _primary_value(first, key, i), _primary_value(best, key, i)
        if fv is not None and bv is not None:
            diffs.append(sign * (bv - fv))
    d = np.asarray(diffs, dtype=np.float64)
    wins = int(np.sum(d > 0))
    se = float(np.std(d, ddof=1) / math.sqrt(len(d))) if len(d) > 1 else math.inf
    mean = float(d.mean()) if len(d) else 0.0
    relative = mean / max(abs(f_val), 1e-12)
    if not (first.converged and best.converged):
        ev.verdict = Note("evidence.unconverged_stands", {"winner": best.label, "first": first.label,
                                                          "metric": metric, "win_value": b_val, "first_value": f_val,
                                                          "epochs": ev.epochs})
    elif mean > 2.0 * se and relative >= 0.01:
        ev.overturned, ev.recommended = True, best.label
        ev.verdict = Note("evidence.overturned", {"winner": best.label, "first": first.label, "metric": metric,
                                                  "win_value": b_val, "first_value": f_val, "wins": wins,
                                                  "folds": len(d)})
    else:
        ev.verdict = Note("evidence.close", {"winner": best.label, "first": first.label, "metric": metric,
                                             "win_value": b_val, "first_value": f_val})


def _figure(ev: Evidence, lang: str) -> Note | None:
    """The evidence figure, when :mod:`losslab.figures` offers one; otherwise a note saying why there is none.

    The figure is drawn by ``losslab.figures.evidence(data, lang=...)`` from the plain data of
    :meth:`Evidence.to_dict` (the layout in docs/advice.md), so the figures need nothing from this module.
    """
    try:
        from .. import figures
    except ImportError:
        return Note("evidence.figure_not_installed", {})
    draw = getattr(figures, "evidence", None)
    if draw is None:
        return Note("evidence.figure_missing", {})
    try:
        data = ev.to_dict(lang)
        data["column_names"] = {c: ev.metric_name(c, lang) for c in ev.columns}  # the panels' titles, in lang
        ev.figure = draw(data, lang=lang)
    except Exception as exc:  # a figure must never sink the advice
        return Note("evidence.figure_failed", {"error": f"{type(exc).__name__}: {exc}"})
    return None
