"""`losslab train` and `losslab compare`: the training loop and loss comparisons from the command line.

Both take `--data` as a built-in name or a CSV / Parquet path with `--target COL`, and the same model and optimizer
options. Without `--json` they show a live progress display (on a terminal), then a summary and the diagnosis; with
`--json` they print the documented data of docs/training.md. Ctrl-C stops training gracefully: the run so far is
reported (stopped: cancelled).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..losses._spec import split_specs
from ..training import Comparison, Run, TrainingError, load_dataset
from ..training import compare as run_compare
from ..training import fit as run_fit
from ..training import texts as TT
from ._app import _err, _out, _print_json, friendly
from ._inputs import UsageError, detect_lang, make_loss, name_values

F = TypeVar("F", bound=Callable[..., Any])

_SPARKS = "▁▂▃▄▅▆▇█"


# ------------------------------------------------------------------------------------------------------- options
DataOpt = Annotated[str, typer.Option("--data", help="A built-in data set (iris, wine, breast_cancer, digits, "
                                      "diabetes, outliers, sine, moons, circles, xor, spirals, blobs, imbalanced) "
                                      "or a .csv / .parquet file.")]
TargetOpt = Annotated[str | None, typer.Option("--target", help="The target column of a CSV / Parquet file.")]
DataParamOpt = Annotated[list[str] | None, typer.Option(
    "--data-param", "-d", help="A parameter of a synthetic data set, NAME=VALUE (repeatable), e.g. fraction=0.2.")]
ModelOpt = Annotated[str, typer.Option("--model", help="linear, logistic, softmax or mlp.")]
HiddenOpt = Annotated[str | None, typer.Option("--hidden", help="Hidden layer widths of an MLP, e.g. 16,16.")]
ActivationOpt = Annotated[str, typer.Option("--activation", help="relu, tanh, sigmoid or linear (MLP).")]
OutputOpt = Annotated[str, typer.Option("--output", help="Output layer: auto, logits, sigmoid, softmax, softplus.")]
OptimizerOpt = Annotated[str, typer.Option("--optimizer", help="sgd, momentum or adam.")]
LrOpt = Annotated[float, typer.Option("--lr", help="Learning rate.")]
EpochsOpt = Annotated[int, typer.Option("--epochs", help="Passes over the training data.")]
BatchOpt = Annotated[int, typer.Option("--batch-size", help="Examples per step; 0 for the full batch.")]
SplitOpt = Annotated[float, typer.Option("--val-split", help="Share of rows held out for validation.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seeds the data, the initial weights and the batches.")]
L1Opt = Annotated[float, typer.Option("--l1", help="L1 penalty weight.")]
L2Opt = Annotated[float, typer.Option("--l2", help="L2 penalty weight.")]
PatienceOpt = Annotated[int | None, typer.Option("--patience", help="Early stopping after this many epochs "
                                                 "without improvement (best parameters restored).")]
StandardizeOpt = Annotated[bool, typer.Option("--standardize/--no-standardize", help="Standardize the features.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="en or ja (default: from LANG, else en).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON (see docs/training.md).")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Show the live progress display.")]


def _training_errors(fn: F) -> F:
    """The library's TrainingError is a usage error on the command line (one line, exit code 2)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TrainingError as exc:
            raise UsageError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------------------ parsing
def _data_params(items: list[str] | None) -> dict[str, Any]:
    return name_values(items, "--data-param", "fraction=0.2")


def _hidden(text: str | None, model: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(f"--hidden must be positive integers separated by commas (e.g. 16,16), not {text!r}")
    if model.strip().lower() != "mlp":
        raise UsageError(f"--hidden is for --model mlp (the {model} model has no hidden layers)")
    return tuple(int(p) for p in parts)


def split_losses(text: str) -> list[str]:
    """``"mse, huber(delta=2), bce(pos_weight=9,label_smoothing=0.1)"`` -> one item per loss (commas inside
    parentheses stay); the loss-spec syntax of every command (``losses._spec``)."""
    if text.count("(") != text.count(")"):
        raise UsageError(f"--losses: unbalanced parentheses in {text!r}")
    return split_specs(text)


def _loss_spec(item: str, qualified: list[str]) -> tuple[str, str, dict[str, Any]]:
    """One --losses item -> (label, canonical name, params): inline ``name(k=v,...)`` plus ``--param name.k=v``."""
    loss = make_loss(item, qualified, qualified=True)
    params = {p.name: loss.params[p.name] for p in loss.definition.params if loss.params[p.name] != p.default}
    label = item.strip()
    return label, loss.name, params


def _load(data: str, target: str | None, data_param: list[str] | None, seed: int, val_split: float,
          standardize: bool) -> Any:
    return load_dataset(data, target, seed=seed, val_split=val_split, standardize=standardize,
                        **_data_params(data_param))


# ----------------------------------------------------------------------------------------------------- display
def sparkline(values: list[float], width: int = 48) -> str:
    """A curve in one line of block characters (NaN and infinity as spaces)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[min(int(i * step), len(values) - 1)] for i in range(width)]
    lo, hi = min(finite), max(finite)
    out = []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(" ")
        elif hi == lo:
            out.append(_SPARKS[0])
        else:
            out.append(_SPARKS[min(int((v - lo) / (hi - lo) * len(_SPARKS)), len(_SPARKS) - 1)])
    return "".join(out)


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


@contextlib.contextmanager
def _ctrl_c_stops(event: threading.Event) -> Iterator[None]:
    """While training, Ctrl-C sets ``event`` (the run stops after the current step) instead of killing it."""
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: event.set())
    except ValueError:  # not the main thread: leave the signal alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Live:
    """The live progress display on stderr: epoch bar, train / val loss and the headline metric."""

    def __init__(self, enabled: bool, lang: str, total: int, title: str) -> None:
        self.enabled = enabled and _err().is_terminal
        self.lang = lang
        self.progress: Progress | None = None
        if self.enabled:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=_err(), transient=True)
            self.task = self.progress.add_task(title, total=total, status="")

    def __enter__(self) -> _Live:
        if self.progress is not None:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(None, None, None)

    def epoch(self, event: dict[str, Any]) -> None:
        if self.progress is None:
            return
        lang = self.lang
        parts = [f"{TT.ui('train_loss', lang)} {_fmt(event.get('train_loss'))}"]
        if event.get("val_loss") is not None:
            parts.append(f"{TT.ui('val_loss', lang)} {_fmt(event['val_loss'])}")
        if event.get("val_accuracy") is not None or event.get("train_accuracy") is not None:
            acc = event.get("val_accuracy", event.get("train_accuracy"))
            parts.append(f"{TT.ui('accuracy', lang)} {_fmt(acc, 3)}")
        elif event.get("val_rmse") is not None or event.get("train_rmse") is not None:
            parts.append(f"{TT.ui('rmse', lang)} {_fmt(event.get('val_rmse') or event.get('train_rmse'))}")
        self.progress.update(self.task, advance=1, status=" · ".join(parts))

    def retitle(self, title: str, total: int) -> None:
        if self.progress is not None:
            self.progress.reset(self.task, total=total, description=title, status="")


def _print_diagnosis(console: Console, run: Run, lang: str) -> None:
    diagnosis = run.diagnose(lang)
    styles = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan", "ok": "bold green"}
    console.print(f"\n[bold]{escape(TT.ui('diagnosis', lang))}[/]")
    for finding in diagnosis.findings:
        where = "" if finding.epoch is None else f" ({escape(TT.ui('from_epoch', lang, epoch=finding.epoch))})"
        console.print(f"[{styles[finding.severity]}]{escape(finding.title)}[/]{where}")
        console.print(f"  {escape(finding.message)}")
        console.print(f"  [bold]{escape(TT.ui('advice', lang))}[/]:")
        for item in finding.advice:
            console.print(f"   • {escape(item)}")


def _epoch_rows(n: int, best: int | None, limit: int = 12) -> list[int]:
    if n <= limit:
        return list(range(1, n + 1))
    picks = {1, n, *(round(1 + i * (n - 1) / (limit - 2)) for i in range(limit - 1))}
    if best is not None:
        picks.add(best)
    return sorted(picks)


def _print_run(run: Run, lang: str) -> None:
    out = _out()
    ds, h = run.dataset, run.history
    out.print(f"[bold]{escape(TT.ui('data', lang))}[/]: " + escape(TT.ui(
        "data_line", lang, name=ds.name, n_train=ds.n_train, n_val=ds.n_val, n_features=ds.n_features)))
    arch = "-".join(str(s) for s in run.model.sizes)
    act = f" {run.model.activation}" if run.model.hidden else ""
    out.print(f"[bold]{escape(TT.ui('model', lang))}[/]: {run.model.kind} {arch}{act} · "
              f"[bold]{escape(TT.ui('loss', lang))}[/]: {escape(repr(run.loss))} ({run.objective.head}) · "
              f"[bold]{escape(TT.ui('optimizer', lang))}[/]: {escape(repr(run.optimizer))}")
    regression = h.task == "regression"
    cols = ["epoch", "train_loss", "val_loss"] + (["train_rmse", "val_rmse"] if regression else
                                                 ["train_accuracy", "val_accuracy"])
    if run.config.get("l1") or run.config.get("l2"):
        cols.insert(3, "penalty")
    cols += ["grad_norm", "lr"]
    if not h.has_validation:
        cols = [c for c in cols if not c.startswith("val_")]
    table = Table(header_style="bold")
    for c in cols:
        table.add_column(TT.ui(c, lang), justify="right")
    for e in _epoch_rows(h.epochs, h.best_epoch):
        record = h.records[e - 1]
        style = "bold" if e == h.best_epoch else None
        table.add_row(*(_fmt(record[c]) for c in cols), style=style)
    out.print(table)
    if h.epochs:
        curves = [("train_loss", h["train_loss"])] + ([("val_loss", h["val_loss"])] if h.has_validation else [])
        width = max(cell_len(TT.ui(key, lang)) for key, _ in curves)
        for key, values in curves:
            label = TT.ui(key, lang)
            out.print(f"{escape(label)}:{' ' * (width - cell_len(label) + 1)}{sparkline(values)}")
    seconds = sum(h.epoch_seconds) + sum(h.eval_seconds)
    status = TT.ui(h.stopped, lang)
    extra = []
    if h.best_epoch is not None:
        extra.append(TT.ui("best_epoch", lang, epoch=h.best_epoch))
    if h.restored_best:
        extra.append(TT.ui("restored", lang, epoch=h.best_epoch))
    out.print(escape(TT.ui("summary", lang, epochs=h.epochs, steps=h.steps_per_epoch, seconds=seconds))
              + f" · {escape(TT.ui('stopped', lang))}: {escape(status)}"
              + "".join(f" · {escape(x)}" for x in extra))
    final = run.evaluate("val" if ds.n_val else "train")
    keys = ["mae", "rmse", "r2"] if regression else ["accuracy", "balanced_accuracy", "log_loss"]
    shown = [f"{TT.ui(k, lang)} {_fmt(final.get(k))}" for k in keys if k in final]
    recovery = run.recovery()
    if recovery:
        shown += [f"{TT.ui('slope', lang)} {_fmt(recovery['slope'])}",
                  f"{TT.ui('intercept', lang)} {_fmt(recovery['intercept'])}"]
    part = TT.ui("val" if ds.n_val else "train", lang)
    out.print(f"[bold]{escape(TT.ui('final', lang))} ({escape(part)})[/]: " + escape(" · ".join(shown)))
    _print_diagnosis(out, run, lang)


PlotOpt = Annotated[str | None, typer.Option("--plot", help="Also save a figure (png, svg, pdf, html or json, from "
                                              "the extension).")]


# ----------------------------------------------------------------------------------------------------- commands
@friendly
@_training_errors
def train(
    data: DataOpt = "iris",
    target: TargetOpt = None,
    data_param: DataParamOpt = None,
    model: ModelOpt = "linear",
    hidden: HiddenOpt = None,
    activation: ActivationOpt = "relu",
    loss: Annotated[str | None, typer.Option("--loss", "-l", help="The loss (default: mse, "
                                             "binary_cross_entropy or sparse_categorical_cross_entropy).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A loss parameter, NAME=VALUE.")] = None,
    output: OutputOpt = "auto",
    optimizer: OptimizerOpt = "adam",
    lr: LrOpt = 0.01,
    epochs: EpochsOpt = 100,
    batch_size: BatchOpt = 32,
    val_split: SplitOpt = 0.2,
    seed: SeedOpt = 0,
    l1: L1Opt = 0.0,
    l2: L2Opt = 0.0,
    patience: PatienceOpt = None,
    standardize: StandardizeOpt = True,
    lang: LangOpt = None,
    progress: ProgressOpt = True,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a model on a data set with any loss; watch the curves; read the diagnosis."""
    lang = TT.normalize_lang(detect_lang(lang))
    ds = _load(data, target, data_param, seed, val_split, standardize)
    loss_name = None
    params: dict[str, Any] = {}
    if loss is not None:
        chosen = make_loss(loss, param or [])
        loss_name = chosen.name
        params = {p.name: chosen.params[p.name] for p in chosen.definition.params
                  if chosen.params[p.name] != p.default}
    elif param:
        raise UsageError("--param sets a parameter of --loss; name the loss too")
    stop = threading.Event()
    with _Live(progress and not as_json, lang, epochs, TT.ui("training", lang)) as live, _ctrl_c_stops(stop):
        run = run_fit(ds, model=model, loss=loss_name, loss_params=params or None, hidden=_hidden(hidden, model),
                      activation=activation, output=output, optimizer=optimizer, lr=lr, epochs=epochs,
                      batch_size=batch_size or None, l1=l1, l2=l2, patience=patience, seed=seed,
                      on_epoch=live.epoch if live.enabled else None, cancel=stop)
    if plot:
        from .. import figures

        figures.save(figures.curves_from_run(run, lang=lang), plot)
    if as_json:
        _print_json({"lang": lang, **run.to_dict(lang)})
        return
    _print_run(run, lang)


@friendly
@_training_errors
def compare(
    data: DataOpt = "outliers",
    losses: Annotated[str, typer.Option("--losses", help="Losses, comma-separated; parameters inline: "
                                        "mse,mae,huber(delta=0.5) or bce,bce(pos_weight=9).")] = "mse,mae,huber",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="LOSS.NAME=VALUE for one loss, e.g. "
                                                    "huber.delta=2 (repeatable).")] = None,
    target: TargetOpt = None,
    data_param: DataParamOpt = None,
    model: ModelOpt = "linear",
    hidden: HiddenOpt = None,
    activation: ActivationOpt = "relu",
    optimizer: OptimizerOpt = "adam",
    lr: LrOpt = 0.01,
    epochs: EpochsOpt = 100,
    batch_size: BatchOpt = 32,
    val_split: SplitOpt = 0.2,
    seed: SeedOpt = 0,
    l1: L1Opt = 0.0,
    l2: L2Opt = 0.0,
    patience: PatienceOpt = None,
    standardize: StandardizeOpt = True,
    lang: LangOpt = None,
    progress: ProgressOpt = True,
    history: Annotated[bool, typer.Option("--history/--no-history", help="Include every run's history in "
                                          "--json output.")] = True,
    plot: PlotOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train the same model on the same split with several losses; compare validation metrics, epochs and time."""
    lang = TT.normalize_lang(detect_lang(lang))
    ds = _load(data, target, data_param, seed, val_split, standardize)
    specs = [_loss_spec(item, param or []) for item in split_losses(losses)]
    if not specs:
        raise UsageError("--losses names no loss")
    stop = threading.Event()
    with _Live(progress and not as_json, lang, epochs * len(specs), TT.ui("training", lang)) as live, \
            _ctrl_c_stops(stop):
        result = run_compare(ds, [(canonical, params) for _, canonical, params in specs], model=model,
                             hidden=_hidden(hidden, model), activation=activation, optimizer=optimizer, lr=lr,
                             epochs=epochs, batch_size=batch_size or None, l1=l1, l2=l2, patience=patience,
                             seed=seed, on_epoch=live.epoch if live.enabled else None, cancel=stop)
    labels = [label for label, _, _ in specs]
    if plot:
        from .. import figures

        figures.save(figures.fits_from_comparison(result, lang=lang), plot)
    if as_json:
        data_out = result.to_dict(history=history)
        for row, label in zip(data_out["results"], labels, strict=False):
            row["label"] = label
        _print_json({"lang": lang, **data_out})
        return
    _print_comparison(result, labels, lang)


def _print_comparison(result: Comparison, labels: list[str], lang: str) -> None:
    out = _out()
    ds = result.dataset
    out.print(escape(TT.ui("data_line", lang, name=ds.name, n_train=ds.n_train, n_val=ds.n_val,
                           n_features=ds.n_features)))
    first = result.rows[0].run
    arch = "-".join(str(s) for s in first.model.sizes)
    title = TT.ui("comparison", lang, data=ds.name, model=f"{first.model.kind} {arch}", epochs=first.config["epochs"])
    # one column per loss, one row per metric: side by side, and narrow enough for a terminal
    table = Table(title=title, header_style="bold")
    table.add_column(TT.ui("loss", lang), no_wrap=True)
    for label in labels[:len(result.rows)]:
        table.add_column(escape(label), justify="right")
    extra = ["slope", "intercept"] if first.recovery() else []
    for c in [*extra, *result.columns]:
        table.add_row(TT.ui(c, lang), *(_fmt(row.metrics.get(c)) for row in result.rows))
    table.add_row(TT.ui("epochs_to_converge", lang), *(_fmt(row.epochs_to_converge) for row in result.rows))
    table.add_row(TT.ui("seconds", lang), *(f"{row.seconds:.2f}" for row in result.rows))
    table.add_row(TT.ui("diagnosis", lang),
                  *(escape(TT.get(f"diagnosis.{row.diagnosis}.title", lang)) for row in result.rows))
    out.print(table)
    truth = {k: v for k, v in ds.truth.items() if k in ("slope", "intercept", "fraction", "size", "ratio")}
    if truth:
        out.print(f"{escape(TT.ui('truth', lang))}: " + ", ".join(f"{k} = {_fmt(v)}" for k, v in truth.items()))


def register(app: typer.Typer) -> None:
    """Add `train` and `compare` to the losslab command line."""
    app.command("train")(train)
    app.command("compare")(compare)
