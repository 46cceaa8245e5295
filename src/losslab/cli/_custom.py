"""`losslab custom "FORMULA"`: your own loss from a formula — its derivatives, what it does, training, export.

The formula is read by losslab's own grammar (``losslab.formula``); nothing is evaluated as Python. Without
options the command prints the formula as computed, its first and second derivative and the property report;
``--train DATASET`` trains it beside a built-in (``--against``, default mse or binary_cross_entropy) on the same
split and initial weights and says who carries each loss; ``--export TARGET`` prints the code to copy (alone, so
``> my_loss.py`` works). ``--json`` prints all of it as data (docs/cli.md).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from .._texts import load_toml_texts, normalize_lang
from ..formula import EXPORT_TARGETS, TASKS, compile_formula, custom, export, report
from ._app import JsonOpt, LangOpt, _out, _print_json, friendly
from ._inputs import UsageError, detect_lang, name_values

__all__ = ["register"]

_MARK = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[dim]·[/]"}


def _params(assignments: list[str] | None) -> dict[str, float]:
    return {k: float(v) for k, v in name_values(assignments, "--param", "delta=1").items()}


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _train(loss: Any, task: str, dataset: str, against: str | None, epochs: int, seed: int) -> dict[str, Any]:
    from ..training import compare, default_loss, loss_shares

    other = against or default_loss(task)  # type: ignore[arg-type]
    result = compare(dataset, [loss, other], epochs=epochs, seed=seed)
    rows = []
    for row in result.rows:
        rows.append({"label": row.label, "metrics": row.metrics, "shares": loss_shares(row.run),
                     "history": row.run.history.to_dict()})
    return {"dataset": dataset, "epochs": epochs, "seed": seed, "results": rows}


def register(app: typer.Typer) -> None:
    """Add the `custom` command to the `losslab` app."""
    app.command("custom")(custom_command)


@friendly
def custom_command(
    formula: Annotated[str, typer.Argument(help="Your loss, e.g. \"log(cosh(r))\" or \"where(|r| <= delta, "
                                           "0.5*r^2, delta*(|r| - 0.5*delta))\". Variables: yhat (ŷ), y, r = ŷ − y, "
                                           "p (ŷ as a probability).")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="A parameter, NAME=VALUE "
                                                    "(repeatable).")] = None,
    task: Annotated[str, typer.Option("--task", help="regression, or binary (0/1 target).")] = "regression",
    name: Annotated[str | None, typer.Option("--name", help="The catalog name (default custom_<hash>).")] = None,
    train: Annotated[str | None, typer.Option("--train", help="Train it on a data set (e.g. outliers, moons) "
                                              "beside a built-in.")] = None,
    against: Annotated[str | None, typer.Option("--against", help="The built-in to train beside it (default "
                                                "mse, or binary_cross_entropy).")] = None,
    epochs: Annotated[int, typer.Option("--epochs", min=1, max=2000, help="Epochs for --train.")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split and initial weights.")] = 0,
    export_to: Annotated[str | None, typer.Option("--export", help="Print code for: " + ", ".join(EXPORT_TARGETS)
                                                  + ".")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Your own loss from a formula: derivatives, a property report, training beside a built-in, and export."""
    language = normalize_lang(detect_lang(lang))
    words = load_toml_texts("losslab.cli", language)["custom"]
    if task not in TASKS:
        raise UsageError(f"--task must be one of {', '.join(TASKS)}, not {task!r}")
    f = compile_formula(formula, _params(param), task, language)
    loss = custom(formula, name=name, params=f.params, task=task, lang=language)
    code = export(f, export_to, loss.name, language) if export_to else None
    trained = _train(loss, task, train, against, epochs, seed) if train else None
    rep = report(f, language)
    if as_json:
        (d1, d2), (l1, l2) = f.plain_derivatives(), f.latex_derivatives()
        _print_json({"name": loss.name, "formula": f.text, "params": dict(f.params), "task": task, "lang": language,
                     "plain": f.plain, "latex": f.latex, "derivative": {"plain": d1, "latex": l1},
                     "second_derivative": {"plain": d2, "latex": l2}, "rewrites": list(f.rewrites),
                     "report": rep.to_dict(), "export": None if code is None else {"target": export_to,
                                                                                   "code": code},
                     "training": trained})
        return
    if code is not None:
        typer.echo(code, nl=False)
        return
    out = _out()
    d1, d2 = f.plain_derivatives()
    out.print(f"[bold]{words['formula']}[/]: {escape(f.plain)}")
    if f.rewrites:
        from ..formula._print import PLAIN, render

        out.print(f"{words['computed']}: {escape(render(f.computed, PLAIN))}")
    out.print(f"{words['d1']} = {escape(d1)}")
    out.print(f"{words['d2']} = {escape(d2)}")
    out.print(f"\n[bold]{words['report']}[/]")
    for item in rep:
        out.print(f" {_MARK[item.ok]} {escape(item.sentence)}")
    out.print("\n" + escape(words["registered"].format(name=loss.name)))
    if trained is not None:
        _print_training(trained, words, task)


def _print_training(trained: dict[str, Any], words: dict[str, str], task: str) -> None:
    out = _out()
    table = Table(title=words["train_title"].format(dataset=trained["dataset"], epochs=trained["epochs"]),
                  header_style="bold")
    from ..training import metric_columns

    first = trained["results"][0]["shares"]
    metrics = metric_columns(task, outliers=first["outlier_share"] is not None)
    table.add_column(words["loss"])
    for m in metrics:
        table.add_column(words["val"].format(metric=m), justify="right")
    table.add_column(words["top_share"].format(pct=5), justify="right")
    if first["outlier_share"] is not None:
        table.add_column(words["outlier_share"].format(n=first["outliers"]), justify="right")
    for row in trained["results"]:
        cells = [f"{row['metrics'][m]:.4g}" if isinstance(row["metrics"].get(m), int | float) else "-"
                 for m in metrics]
        cells.append(_percent(row["shares"]["top_share"]))
        if first["outlier_share"] is not None:
            cells.append(_percent(row["shares"]["outlier_share"]))
        table.add_row(escape(row["label"]), *cells)
    out.print(table)
    mine, other = trained["results"]
    out.print(escape(words["dominance"].format(
        mine=mine["label"], other=other["label"], k=mine["shares"]["top"],
        mine_share=_percent(mine["shares"]["top_share"]), other_share=_percent(other["shares"]["top_share"]))))
    if first["outlier_share"] is not None:
        out.print(escape(words["outliers_note"].format(
            n=first["outliers"], mine=mine["label"], other=other["label"],
            mine_share=_percent(mine["shares"]["outlier_share"]),
            other_share=_percent(other["shares"]["outlier_share"]))))
