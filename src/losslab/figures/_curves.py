"""Figure 4: training curves — train and validation loss per epoch, a metric beside, the diagnosis drawn on it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import altair as alt

from ..errors import LossInputError
from ._text import fig_text, normalize_lang, wrap
from ._theme import GREY, PALETTE, dataset, finish, records

__all__ = ["history_data", "training_curves"]

Metric = Literal["auto", "accuracy", "mae", "rmse", "none"]
_MARKED = ("divergence", "overfitting", "oscillation", "plateau")  # findings drawn as a line at their epoch
_KIND_COLOURS = {"train": PALETTE[0], "val": PALETTE[1], "penalty": PALETTE[2], "objective": GREY}


def _plain(obj: Any) -> Any:
    if obj is None or isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise LossInputError("training_curves", "history", "a History, its to_dict(), or a dict with 'records'",
                         type(obj).__name__)


def history_data(history: Any) -> dict[str, Any]:
    """A history as plain data: ``History.to_dict()`` layout (``records``, ``initial``, ``stopped``, ...).

    Also accepts a ``Run`` (its ``history``), a ``Run.to_dict()`` (its ``"history"`` key), or a dict of columns
    ``{"epoch": [...], "train_loss": [...], "val_loss": [...], ...}``.
    """
    if hasattr(history, "history") and not isinstance(history, Mapping):
        history = history.history
    data = _plain(history)
    if not isinstance(data, Mapping):
        raise LossInputError("training_curves", "history", "a History or a dict", type(history).__name__)
    if "history" in data and "records" not in data:
        data = _plain(data["history"])
    if "records" not in data:
        columns = {k: list(v) for k, v in data.items() if isinstance(v, Sequence) and not isinstance(v, str)}
        if "train_loss" not in columns:
            raise LossInputError("training_curves", "history", "records, or columns with 'train_loss'",
                                 "keys " + ", ".join(map(str, data)))
        n = len(columns["train_loss"])
        epochs = columns.get("epoch", list(range(1, n + 1)))
        recs = [{k: (v[i] if i < len(v) else None) for k, v in columns.items()} | {"epoch": epochs[i]}
                for i in range(n)]
        data = {"records": recs, "initial": {}, "stopped": data.get("stopped", "completed"),
                "best_epoch": data.get("best_epoch"), "task": data.get("task")}
    if not data["records"]:
        raise LossInputError("training_curves", "history", "at least one epoch", "none")
    return dict(data)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def training_curves(
    history: Any,
    *,
    diagnosis: Any = None,
    log_scale: bool | None = None,
    metric: Metric = "auto",
    title: str | None = None,
    lang: str | None = "en",
) -> alt.HConcatChart:
    """The learning curves of a training run, with what the diagnosis found drawn at its epoch.

    Parameters
    ----------
    history : History, Run, dict
        ``losslab.training.History`` (or its ``to_dict()``), a ``Run``, or plain columns
        ``{"epoch": [...], "train_loss": [...], "val_loss": [...], "penalty": [...], "val_accuracy": [...]}``.
    diagnosis : Diagnosis or dict, optional
        ``run.diagnose(lang)`` (or its ``to_dict()``): its findings with an epoch (divergence, overfitting,
        oscillation, plateau) are drawn as labelled lines, its main message becomes the subtitle. When omitted
        and ``history`` is a ``History`` (or ``Run``), it is computed with ``losslab.training.diagnose``.
    log_scale : bool, optional
        Loss axis on a log scale (for losses that span orders of magnitude); by default only when the loss
        values span more than a factor of 1000 (a run that diverges).
    metric : "auto", "accuracy", "mae", "rmse" or "none"
        The second panel: accuracy for classification and MAE for regression with ``"auto"``.
    title : str, optional
        Replaces the title.
    lang : "en" or "ja"

    Returns
    -------
    altair.HConcatChart
        Datasets ``"curves"`` (``epoch``, ``kind``: train / val / penalty / objective, ``series``, ``value``),
        ``"metric"`` (``epoch``, ``kind``, ``series``, ``value``), ``"marks"`` (``epoch``, ``code``: a finding
        of the diagnosis, ``early_stopping`` or ``best``; ``label``, ``colour``, ``side``, ``row``).
        Epoch 0 is the model before training (``history.initial``) when known.
    """
    lang = normalize_lang(lang)
    if metric not in ("auto", "accuracy", "mae", "rmse", "none"):
        raise LossInputError("training_curves", "metric", "auto, accuracy, mae, rmse or none", repr(metric))
    if diagnosis is None and not isinstance(history, Mapping):
        diagnosis = _diagnose(history, lang)
    data = history_data(history)
    recs = [dict(r) for r in data["records"]]
    initial = data.get("initial") or {}
    if _number(initial.get("train_loss")) is not None:
        recs = [{**initial, "epoch": 0}, *recs]
    task = data.get("task")
    if metric == "auto":
        has_accuracy = any(_number(r.get("val_accuracy", r.get("train_accuracy"))) is not None for r in recs)
        metric = "accuracy" if task in ("binary", "multiclass") or has_accuracy else "mae"
        if metric == "mae" and not any(_number(r.get("train_mae")) is not None for r in recs):
            metric = "none"

    if log_scale is None:
        values = [_number(r.get(k)) for r in recs for k in ("train_loss", "val_loss")]
        positive = [v for v in values if v is not None and v > 0]
        log_scale = bool(positive) and max(positive) > 1e3 * min(positive)
    names = {kind: fig_text(f"curves.{kind}", lang) for kind in ("train", "val", "penalty", "objective")}
    has_penalty = any((_number(r.get("penalty")) or 0.0) > 0 for r in recs)
    kinds = ["train", "val"] + (["penalty", "objective"] if has_penalty else [])
    key = {"train": "train_loss", "val": "val_loss", "penalty": "penalty", "objective": "objective"}
    loss_rows: list[dict[str, Any]] = []
    for kind in kinds:
        for r in recs:
            value = _number(r.get(key[kind]))
            if kind == "objective" and value is None:
                train, pen = _number(r.get("train_loss")), _number(r.get("penalty"))
                value = None if train is None else train + (pen or 0.0)
            if log_scale and value is not None and value <= 0:
                value = None
            if value is not None or kind in ("train", "val"):
                loss_rows += records(epoch=int(r["epoch"]), kind=kind, series=names[kind], value=value)
    loss_rows = [row for row in loss_rows if not (row["kind"] == "val" and all(
        x["value"] is None for x in loss_rows if x["kind"] == "val"))]
    shown_kinds = [k for k in kinds if any(row["kind"] == k for row in loss_rows)]

    metric_rows: list[dict[str, Any]] = []
    if metric != "none":
        scale = 100.0 if metric == "accuracy" else 1.0
        for part in ("train", "val"):
            for r in recs:
                value = _number(r.get(f"{part}_{metric}"))
                if value is not None and log_scale and metric != "accuracy" and value <= 0:
                    value = None
                metric_rows += records(epoch=int(r["epoch"]), kind=part, series=names[part],
                                       value=None if value is None else value * scale)
        if all(row["value"] is None for row in metric_rows):
            metric_rows, metric = [], "none"

    marks, headline = _marks(data, diagnosis, lang)
    last_epoch = int(recs[-1]["epoch"])
    domain = [names[k] for k in shown_kinds]
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=domain,
                                                               range=[_KIND_COLOURS[k] for k in shown_kinds]),
                       legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3))
    dash = alt.StrokeDash("series:N", title=None, scale=alt.Scale(
        domain=domain, range=[[1, 0], [7, 3], [2, 2], [5, 2, 1, 2]][: len(domain)]))
    x = alt.X("epoch:Q", title=fig_text("curves.axis_epoch", lang),
              scale=alt.Scale(domain=[0, max(1, last_epoch)], nice=False), axis=alt.Axis(tickMinStep=1))
    y_scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=False)
    loss_title = fig_text("curves.axis_loss_log" if log_scale else "curves.axis_loss", lang)
    tooltip = [alt.Tooltip("series:N", title=fig_text("curves.kind", lang)),
               alt.Tooltip("epoch:Q", title=fig_text("curves.axis_epoch", lang)),
               alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g")]
    point = alt.OverlayMarkDef(size=18, filled=True) if last_epoch <= 40 else False
    lines = alt.Chart(dataset("curves")).mark_line(point=point).encode(
        x=x, y=alt.Y("value:Q", title=loss_title, scale=y_scale), color=colour, strokeDash=dash, tooltip=tooltip)
    mark_colour = alt.Color("colour:N", scale=None)  # the colour is in the data: no scale, no legend
    rules = alt.Chart(dataset("marks")).mark_rule(strokeWidth=1.6, strokeDash=[3, 3]).encode(
        x="epoch:Q", color=mark_colour)
    labels = [
        alt.Chart(dataset("marks")).transform_filter(alt.datum.side == side).mark_text(
            align="left" if side == "right" else "right", baseline="top", dx=4 if side == "right" else -4,
            fontSize=11.5, fontWeight="bold", lineBreak="\n").encode(
            x="epoch:Q", y=alt.Y("row:Q", scale=None, axis=None), text="label:N", color=mark_colour)
        for side in ("right", "left")
    ]
    left = alt.layer(lines, rules, *labels).properties(width=380, height=270,
                                                       title=fig_text("curves.loss_panel", lang))
    panels: list[Any] = [left]
    if metric != "none":
        metric_domain = [names["train"], names["val"]]
        metric_colour = alt.Color("series:N", title=None, legend=None, scale=alt.Scale(
            domain=metric_domain, range=[_KIND_COLOURS["train"], _KIND_COLOURS["val"]]))
        metric_dash = alt.StrokeDash("series:N", title=None, legend=None, scale=alt.Scale(
            domain=metric_domain, range=[[1, 0], [7, 3]]))
        metric_axis = fig_text(f"curves.axis_{metric}", lang)
        right_lines = alt.Chart(dataset("metric")).mark_line(point=point).encode(
            x=x, y=alt.Y("value:Q", title=metric_axis,
                         scale=alt.Scale(type="log") if log_scale and metric != "accuracy" else alt.Scale(zero=False)),
            color=metric_colour,
            strokeDash=metric_dash,
            tooltip=[alt.Tooltip("series:N", title=fig_text("curves.kind", lang)),
                     alt.Tooltip("epoch:Q", title=fig_text("curves.axis_epoch", lang)),
                     alt.Tooltip("value:Q", title=metric_axis, format=".4g")])
        panels.append(alt.layer(right_lines, rules).properties(
            width=300, height=270, title=fig_text(f"curves.{metric}_panel", lang)))
    loss_name = data.get("loss")
    if title is None:
        title = fig_text("curves.title", lang) if not loss_name else fig_text("curves.title_loss", lang,
                                                                               loss=_loss_title(loss_name, lang))
    subtitle = wrap(headline, lang, 110 if lang == "en" else 60) if headline else [fig_text("curves.subtitle", lang)]
    chart = alt.hconcat(*panels).properties(
        title=alt.Title(title, subtitle=subtitle))
    return finish(chart, "curves", lang, {"curves": loss_rows, "metric": metric_rows, "marks": marks},
                  {"metric": metric, "log_scale": log_scale, "stopped": data.get("stopped"),
                   "best_epoch": data.get("best_epoch"), "findings": [m["code"] for m in marks]})


_MARK_COLOURS = {"early_stopping": PALETTE[6], "best": PALETTE[6], "overfitting": PALETTE[1], "divergence": "#C00000",
                 "oscillation": PALETTE[3], "plateau": GREY}  # black, vermillion, dark red, reddish purple, grey


def _loss_title(name: str, lang: str) -> str:
    from ..explain import texts as T
    from ..losses._registry import resolve_name

    try:
        return str(T.loss_text(resolve_name(name), lang)["short"])
    except (KeyError, ValueError):
        return str(name)


def _diagnose(history: Any, lang: str) -> Any:
    """The trainer's diagnosis of a History or Run (None when the trainer is not there)."""
    try:
        from ..training import History, diagnose
    except ImportError:  # pragma: no cover - the trainer ships with losslab
        return None
    source = getattr(history, "history", history)
    return diagnose(source, lang=lang) if isinstance(source, History) else None


def _marks(data: Mapping[str, Any], diagnosis: Any, lang: str) -> tuple[list[dict[str, Any]], str]:
    """The vertical lines (epoch, code, label) and the subtitle from the diagnosis and the history."""
    marks: list[dict[str, Any]] = []
    found = _plain(diagnosis) if diagnosis is not None else None
    headline = ""
    if found:
        findings = list(found.get("findings", []))
        if findings:
            headline = str(findings[0].get("message", ""))
        for f in findings:
            if f.get("code") in _MARKED and f.get("epoch") is not None:
                marks.append({"epoch": int(f["epoch"]), "code": f["code"],
                              "label": fig_text(f"curves.mark_{f['code']}", lang, epoch=int(f["epoch"]))})
    best = data.get("best_epoch")
    stopped = data.get("stopped")
    if stopped == "diverged" and not any(m["code"] == "divergence" for m in marks):
        last = int(data["records"][-1]["epoch"])
        marks.append({"epoch": last, "code": "divergence",
                      "label": fig_text("curves.mark_divergence", lang, epoch=last)})
    if best is not None and stopped != "diverged" and not any(m["code"] == "divergence" for m in marks):
        code = "early_stopping" if stopped == "early_stopping" else "best"
        label = fig_text(f"curves.mark_{code}", lang, epoch=int(best))
        marks.append({"epoch": int(best), "code": code, "label": label})
    marks.sort(key=lambda m: m["epoch"])
    last = max(1, int(data["records"][-1]["epoch"]))
    for i, m in enumerate(marks):  # stack the labels of lines that are close to each other
        m["row"] = 4 + 36 * (i % 3)
        m["colour"] = _MARK_COLOURS.get(m["code"], GREY)
        m["side"] = "right" if m["epoch"] <= 0.6 * last else "left"  # write the label where there is room
    return marks, headline
