"""`losslab plot KIND ... --out FILE`: the figures of :mod:`losslab.figures`, written to PNG, SVG, PDF, HTML or JSON.

The format comes from the extension of ``--out``. Losses are named as positional arguments (``mse mae huber``),
with parameters as ``--param huber.delta=2`` (or ``delta=2`` for every loss that has one), or inline as
``huber:delta=2`` so that the same loss can appear with several settings (``huber:delta=1 huber:delta=3``).
Errors are one line on stderr with exit code 2, like every losslab command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..explain import texts as T
from ..losses import Loss, definition
from ..losses._spec import split_specs
from ._inputs import UsageError, detect_lang, make_loss, parse_params, parse_values

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

__all__ = ["register"]

plot_app = typer.Typer(
    name="plot",
    help="Draw a figure: loss shapes, classification losses, the dart board, per-example contributions, "
    "training curves, landscapes, fits, decision boundaries, loss vs accuracy.\n\n"
    "The format comes from --out's extension: png, svg, pdf, html (self-contained, works offline) or json "
    "(the Vega-Lite spec).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

OutOpt = Annotated[str, typer.Option("--out", "-o", help="The file to write: .png, .svg, .pdf, .html or .json.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="en or ja (default: from LANG, else en).")]
ParamOpt = Annotated[list[str] | None, typer.Option(
    "--param", "-p", help="LOSS.NAME=VALUE (or NAME=VALUE for every loss that has it), e.g. huber.delta=2.")]
ScaleOpt = Annotated[float, typer.Option("--scale", help="PNG only: pixels per nominal pixel.")]


def _figures() -> ModuleType:
    try:
        from .. import figures
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return figures


def _losses(specs: Sequence[str], assignments: list[str]) -> list[Loss]:
    """``mse``, ``huber(delta=2)``, ``huber`` with ``--param huber.delta=2``, or the older ``huber:delta=2``."""
    result = []
    for spec in specs:
        for item in split_specs(spec) if ":" not in spec else [spec]:
            name, colon, inline = item.partition(":")
            if colon:  # the older inline form, huber:delta=2,beta=1
                item = f"{name.strip()}({inline})"
            result.append(make_loss(item, assignments, qualified=True))
    return result


def _write(chart: Any, out: str, scale: float) -> None:
    figures = _figures()
    path = Path(out)
    if path.parent and not path.parent.exists():
        raise UsageError(f"--out: the folder {path.parent} does not exist")
    written = figures.save(chart, path, scale=scale)
    sys.stdout.write(f"{written}\n")


def _lang(lang: str | None) -> str:
    return T.normalize_lang(detect_lang(lang))


def _pair(text: str, option: str) -> tuple[float, float]:
    values = parse_values(text, option.lstrip("-")).astype(float).reshape(-1)
    if values.size != 2:
        raise UsageError(f"{option} takes two numbers, e.g. -3,3")
    return float(values[0]), float(values[1])


# --------------------------------------------------------------------------------------------------------- shapes
@plot_app.command("shapes")
def shapes(
    losses: Annotated[list[str] | None, typer.Argument(
        help="Regression losses (default: mse mae huber log_cosh quantile); huber:delta=2 sets a parameter.")]
    = None,
    out: OutOpt = "shapes.png",
    param: ParamOpt = None,
    error_range: Annotated[str, typer.Option("--range", help="The errors shown, LOW,HIGH.")] = "-3,3",
    target: Annotated[float, typer.Option("--target", help="The target the errors are added to.")] = 0.0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Loss and gradient against the error, for regression losses (figure 1)."""
    figures = _figures()
    chosen = _losses(losses or ["mse", "mae", "huber", "log_cosh", "quantile"], param or [])
    chart = figures.shapes(chosen, error_range=_pair(error_range, "--range"), target=target, lang=_lang(lang))
    _write(chart, out, scale)


# ------------------------------------------------------------------------------------------------- classification
@plot_app.command("classification")
def classification(
    losses: Annotated[list[str] | None, typer.Argument(
        help="Binary losses (default: bce binary_focal hinge squared_hinge); binary_focal:gamma=5 sets a parameter.")]
    = None,
    out: OutOpt = "classification.png",
    param: ParamOpt = None,
    axis: Annotated[str, typer.Option("--axis", help="probability or margin.")] = "probability",
    confident: Annotated[float, typer.Option("--confident", help="Probability from which a prediction is "
                                             "'confident' (the regions).")] = 0.8,
    y_max: Annotated[float, typer.Option("--y-max", help="Top of the loss axis.")] = 5.0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Classification losses against the probability (or margin) of the true class (figure 2)."""
    figures = _figures()
    if axis not in ("probability", "margin"):
        raise UsageError(f"--axis must be probability or margin, not {axis!r}")
    chosen = _losses(losses or ["binary_cross_entropy", "binary_focal", "hinge", "squared_hinge"], param or [])
    chart = figures.classification(chosen, axis=axis, confident=confident, y_max=y_max, lang=_lang(lang))
    _write(chart, out, scale)


# ---------------------------------------------------------------------------------------------------------- darts
@plot_app.command("darts")
def darts(
    losses: Annotated[list[str] | None, typer.Argument(help="Regression losses, one board each "
                                                        "(default: mse mae huber).")] = None,
    out: OutOpt = "darts.png",
    param: ParamOpt = None,
    pred: Annotated[str | None, typer.Option("--pred", help="The darts, x,y;x,y;... (default: a built-in "
                                             "board with one far dart).")] = None,
    target: Annotated[str, typer.Option("--target", help="The bullseye, x,y.")] = "0,0",
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """The dart board: 2-D predictions, rings of equal loss, each dart's loss (figure 3)."""
    figures = _figures()
    chosen = _losses(losses or ["mse", "mae", "huber"], param or [])
    points = None
    if pred is not None:
        points = parse_values(pred, "pred").astype(float)
        if points.ndim == 1:
            points = points.reshape(-1, 2) if points.size % 2 == 0 else points
        if points.ndim != 2 or points.shape[1] != 2:
            raise UsageError("--pred: give the darts as x,y pairs separated by ';', e.g. 0.5,0.2;-1,1.5")
    chart = figures.darts(points, _pair(target, "--target"), losses=chosen, lang=_lang(lang))
    _write(chart, out, scale)


# -------------------------------------------------------------------------------------------------- contributions
@plot_app.command("contributions")
def contributions(
    pred: Annotated[str, typer.Option("--pred", help="Predictions: 0.1,0.7 | rows 0.7,0.2;0.1,0.9 | a.npy | "
                                      "data.csv:col")],
    target: Annotated[str, typer.Option("--target", help="Targets, in the same forms as --pred.")],
    loss: Annotated[str, typer.Option("--loss", "-l", help="Loss(es), comma-separated: one panel each.")] = "mse",
    out: OutOpt = "contributions.png",
    param: ParamOpt = None,
    weights: Annotated[str | None, typer.Option("--weights", "-w", help="One weight per example.")] = None,
    top: Annotated[int, typer.Option("--top", help="Bars drawn per panel (the largest).")] = 25,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Each example's share of the total loss, sorted (figure 9)."""
    figures = _figures()
    chosen = _losses([loss], param or [])
    p = parse_values(pred, "pred")
    t = parse_values(target, "target")
    w = parse_values(weights, "weights") if weights else None
    chart = figures.contributions(p, t, chosen, sample_weight=w, top=top, lang=_lang(lang))
    _write(chart, out, scale)


# ------------------------------------------------------------------------------------- figures that need training
DataOpt = Annotated[str, typer.Option("--data", help="A built-in data set of losslab.training (see `losslab train "
                                      "--help`), e.g. outliers, moons.")]
DataParamOpt = Annotated[list[str] | None, typer.Option(
    "--data-param", "-d", help="A parameter of a synthetic data set, NAME=VALUE (repeatable), e.g. fraction=0.2.")]
EpochsOpt = Annotated[int, typer.Option("--epochs", help="Passes over the training data.")]
LrOpt = Annotated[float, typer.Option("--lr", help="Learning rate.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seeds the data, the initial weights and the batches.")]


def _training() -> ModuleType:
    try:
        from .. import training
    except ImportError as exc:  # pragma: no cover - the trainer ships with losslab
        raise UsageError(f"this figure needs losslab.training: {exc}") from None
    return training


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _dataset(name: str, data_params: list[str] | None, seed: int) -> Any:
    training = _training()
    params: dict[str, Any] = {}
    for item in data_params or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--data-param {item!r}: write NAME=VALUE, e.g. fraction=0.2")
        params[key.strip()] = _number(value.strip())
    try:
        return training.load_dataset(name, seed=seed, **params)
    except training.TrainingError as exc:
        raise UsageError(str(exc)) from None


def _trained(call: Any, *args: Any, **kwargs: Any) -> Any:
    training = _training()
    try:
        return call(*args, **kwargs)
    except training.TrainingError as exc:
        raise UsageError(str(exc)) from None


def _hidden(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise UsageError(f"--hidden takes layer widths like 16,16, not {text!r}") from None


@plot_app.command("curves")
def curves(
    out: OutOpt = "curves.png",
    history: Annotated[str | None, typer.Option("--history", help="A JSON file from `losslab train --json` (or "
                                                "History.to_dict()); without it, a model is trained here.")] = None,
    data: Annotated[str, typer.Option("--data", help="A built-in data set, when training here.")] = "moons",
    data_param: DataParamOpt = None,
    model: Annotated[str, typer.Option("--model", help="linear, logistic, softmax or mlp.")] = "mlp",
    hidden: Annotated[str | None, typer.Option("--hidden", help="Hidden layer widths, e.g. 16,16.")] = None,
    loss: Annotated[str | None, typer.Option("--loss", "-l", help="The loss (default: the task's usual one).")]
    = None,
    param: ParamOpt = None,
    optimizer: Annotated[str, typer.Option("--optimizer", help="sgd, momentum or adam.")] = "adam",
    lr: LrOpt = 0.01,
    epochs: EpochsOpt = 100,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Examples per step; 0 for the full batch.")] = 32,
    l2: Annotated[float, typer.Option("--l2", help="L2 penalty weight.")] = 0.0,
    patience: Annotated[int | None, typer.Option("--patience", help="Early stopping patience.")] = None,
    seed: SeedOpt = 0,
    log_scale: Annotated[bool | None, typer.Option("--log-scale/--linear", help="Loss axis scale (default: log "
                                                   "only when the loss spans orders of magnitude).")] = None,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Training curves: train and validation loss per epoch, the metric, the diagnosis (figure 4)."""
    import json

    figures = _figures()
    language = _lang(lang)
    if history is not None:
        path = Path(history)
        if not path.exists():
            raise UsageError(f"--history: no such file {path}")
        try:
            data_json = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"--history: {path} is not JSON ({exc})") from None
        diagnosis = data_json.get("diagnosis") if isinstance(data_json, dict) else None
        chart = figures.training_curves(data_json, diagnosis=diagnosis, log_scale=log_scale, lang=language)
    else:
        training = _training()
        dataset = _dataset(data, data_param, seed)
        loss_params = parse_params(definition(loss).name, param or []) if loss else None
        run = _trained(training.fit, dataset, model=model, hidden=_hidden(hidden), loss=loss,
                       loss_params=loss_params, optimizer=optimizer, lr=lr, epochs=epochs,
                       batch_size=batch_size or None, l2=l2, patience=patience, seed=seed)
        chart = figures.curves_from_run(run, lang=language, log_scale=log_scale)
    _write(chart, out, scale)


@plot_app.command("landscape")
def landscape(
    losses: Annotated[list[str] | None, typer.Argument(help="Regression losses, one map each (default: mse mae).")]
    = None,
    out: OutOpt = "landscape.png",
    param: ParamOpt = None,
    data: Annotated[str, typer.Option("--data", help="A one-feature regression data set (outliers, sine) ...")]
    = "outliers",
    data_param: DataParamOpt = None,
    x: Annotated[str | None, typer.Option("--x", help="... or the feature values (e.g. 0,1,2,3 or a.csv:x).")] = None,
    y: Annotated[str | None, typer.Option("--y", help="The target values, with --x.")] = None,
    steps: Annotated[int, typer.Option("--steps", help="Steps of gradient descent drawn on the map.")] = 80,
    grid: Annotated[int, typer.Option("--grid", help="Grid points per axis.")] = 51,
    seed: SeedOpt = 0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """The loss landscape of a line (slope, intercept) with a gradient-descent path, per loss (figure 5)."""
    figures = _figures()
    chosen = _losses(losses or ["mse", "mae"], param or [])
    if (x is None) != (y is None):
        raise UsageError("--x and --y go together")
    if x is not None and y is not None:
        chart = figures.landscape(parse_values(x, "x"), parse_values(y, "y"), chosen, steps=steps, grid=grid,
                                  lang=_lang(lang))
    else:
        chart = figures.landscape_from_dataset(_dataset(data, data_param, seed), chosen, steps=steps, grid=grid,
                                               lang=_lang(lang))
    _write(chart, out, scale)


@plot_app.command("fits")
def fits(
    losses: Annotated[list[str] | None, typer.Argument(help="Regression losses, one fitted line each "
                                                       "(default: mse mae huber).")] = None,
    out: OutOpt = "fits.png",
    param: ParamOpt = None,
    data: Annotated[str, typer.Option("--data", help="A one-feature regression data set.")] = "outliers",
    data_param: DataParamOpt = None,
    epochs: EpochsOpt = 200,
    lr: LrOpt = 0.05,
    measure: Annotated[str, typer.Option("--measure", help="loss, gradient or both: what the lower panels share "
                                         "out among the points.")] = "both",
    seed: SeedOpt = 0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Data with outliers, the line each loss fits (trained here), each point's share (figure 6)."""
    figures = _figures()
    training = _training()
    if measure not in ("loss", "gradient", "both"):
        raise UsageError(f"--measure must be loss, gradient or both, not {measure!r}")
    chosen = _losses(losses or ["mse", "mae", "huber"], param or [])
    dataset = _dataset(data, data_param, seed)
    comparison = _trained(training.compare, dataset, chosen, model="linear", epochs=epochs, lr=lr, seed=seed)
    _write(figures.fits_from_comparison(comparison, lang=_lang(lang), measure=measure), out, scale)


@plot_app.command("boundary")
def boundary(
    out: OutOpt = "boundary.png",
    data: Annotated[str, typer.Option("--data", help="A two-feature binary data set (moons, circles, xor, "
                                      "spirals, imbalanced).")] = "moons",
    data_param: DataParamOpt = None,
    model: Annotated[str, typer.Option("--model", help="linear, logistic or mlp.")] = "mlp",
    hidden: Annotated[str | None, typer.Option("--hidden", help="Hidden layer widths, e.g. 16,16.")] = None,
    loss: Annotated[str | None, typer.Option("--loss", "-l", help="A binary loss with probabilities "
                                             "(default: binary_cross_entropy).")] = None,
    param: ParamOpt = None,
    lr: LrOpt = 0.02,
    epochs: EpochsOpt = 100,
    seed: SeedOpt = 0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """The decision boundary of a classifier trained here, as a probability map with the points (figure 7)."""
    figures = _figures()
    training = _training()
    dataset = _dataset(data, data_param, seed)
    loss_params = parse_params(definition(loss).name, param or []) if loss else None
    run = _trained(training.fit, dataset, model=model, hidden=_hidden(hidden), loss=loss, loss_params=loss_params,
                   lr=lr, epochs=epochs, seed=seed)
    _write(figures.boundary_from_run(run, lang=_lang(lang)), out, scale)


@plot_app.command("accuracy")
def accuracy(
    out: OutOpt = "accuracy.png",
    n: Annotated[int, typer.Option("--n", help="Examples.")] = 200,
    level: Annotated[float, typer.Option("--accuracy", help="The accuracy both models share.")] = 0.85,
    seed: SeedOpt = 0,
    lang: LangOpt = None,
    scale: ScaleOpt = 2.0,
) -> None:
    """Loss vs accuracy: two models with the same accuracy and very different log loss (figure 8)."""
    figures = _figures()
    training = _training()
    demo = _trained(training.loss_vs_accuracy, n, level, seed=seed)
    _write(figures.loss_vs_accuracy(demo, lang=_lang(lang)), out, scale)


def _friendly_commands() -> None:
    from ._app import friendly

    for command in plot_app.registered_commands:
        if command.callback is not None and not getattr(command.callback, "_losslab_friendly", False):
            wrapped = friendly(command.callback)
            wrapped._losslab_friendly = True  # type: ignore[attr-defined]
            command.callback = wrapped


def register(app: typer.Typer) -> None:
    """Add the ``plot`` command group to the ``losslab`` app."""
    _friendly_commands()
    app.add_typer(plot_app, name="plot")
