"""The `losslab` command line (Typer + Rich): list, show, compute, explain, score.

Every command reads the catalog and the explanation texts; nothing about a loss is written here. Errors are one
friendly line on stderr and exit code 2; `--json` prints stable, documented data for scripts (see docs/cli.md).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from .._jsonable import jsonable
from .._tables import TableError
from ..errors import LossInputError
from ..explain import texts as T
from ..losses import TASKS, catalog, definition
from ..losses._spec import split_specs
from ._inputs import UsageError, detect_lang, make_loss, parse_values

# Click's exceptions: Typer >= 0.20 carries its own copy of Click, older Typer uses Click itself
_click = importlib.import_module("typer._click.exceptions" if importlib.util.find_spec("typer._click") else
                                 "click.exceptions")
_ClickException: type[Exception] = _click.ClickException
_ClickUsageError: type[Exception] = _click.UsageError

MESSAGE_LIMIT = 600
"""The longest error line (its quotes of user input are clipped to ~200 characters where they are written)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message as one short, printable line: whitespace runs (newlines too) become one space, control characters
    (a file's escape sequences) are shown as ``\\xNN``, and the end is cut with an ellipsis past ``limit``."""
    line = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", " ".join(message.split()))
    return line if len(line) <= limit else line[:limit] + "…"


def _print_error(message: str) -> None:
    _err().print(f"[bold red]error:[/] {escape(_one_line(message))}", markup=True)


def _report(exc: Exception) -> int:
    """Print one line for a failure and return the exit code: 2 for input or usage that losslab refuses, 1 for a
    file that cannot be read, and 1 (with the way to see the traceback) for anything unexpected."""
    if isinstance(exc, UnicodeDecodeError):  # a reader below that did not say which file: say what to do
        _print_error(f"the input is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}, "
                     "Shift-JIS or UTF-16?): save the file as UTF-8")
        return 2
    if isinstance(exc, (LossInputError, UsageError, TableError, UnicodeError)):
        _print_error(str(exc))
        return 2
    if isinstance(exc, OSError):
        if exc.strerror and exc.filename is not None:
            _print_error(f"{exc.filename}: {exc.strerror}")
        else:
            _print_error(str(exc) or type(exc).__name__)
        return 1
    _print_error(f"unexpected {type(exc).__name__}: {exc} (LOSSLAB_DEBUG=1 shows the traceback; please report it)")
    return 1


def _report_usage(exc: Exception, command: str = "losslab") -> int:
    """Click's usage errors (unknown option, missing option, a value of the wrong type) in one line plus where the
    help is, instead of Typer's boxed usage; the exit code is Click's (2). ``command`` names the command whose help
    to point at when the error does not carry its context."""
    code = int(getattr(exc, "exit_code", 2))
    if type(exc).__name__ == "NoArgsIsHelpError":  # `losslab` alone: the help is already printed
        return code
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if isinstance(exc, _ClickUsageError):
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else command
        message = f"{_one_line(message, MESSAGE_LIMIT - 40).rstrip('.')}; see '{command} --help'"
    _print_error(message)
    return code


class _Group(TyperGroup):
    """The `losslab` group: every failure ends as one line on stderr and an exit code, never a traceback or a box
    (``LOSSLAB_DEBUG=1`` lets unexpected errors through with their traceback)."""

    def _command_path(self, args: Sequence[str] | None) -> str:
        """``losslab plot shapes`` for ``plot shapes --bogus``: the (sub)command that the words name."""
        words = ["losslab"]
        group: Any = self
        for arg in sys.argv[1:] if args is None else args:
            command = getattr(group, "commands", {}).get(arg)
            if command is None:
                break
            words.append(arg)
            group = command
        return " ".join(words)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(_Group, self).main(args, prog_name, complete_var, standalone_mode=False,
                                            windows_expand_args=windows_expand_args, **extra)

        if not standalone_mode:
            return run()
        try:
            rv = run()  # an Exit inside comes back as its code
        except _ClickException as exc:
            sys.exit(_report_usage(exc, self._command_path(args)))
        except typer.Abort:
            _print_error("aborted")
            sys.exit(1)
        except Exception as exc:
            if os.environ.get("LOSSLAB_DEBUG"):
                raise
            sys.exit(_report(exc))
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_Group,
    name="losslab",
    help="losslab: loss functions you can see, check and compare.\n\n"
    "Prediction first, target second (as in PyTorch). Try: losslab explain mse --pred 1,2,4 --target 1,2,3",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def friendly(fn: F) -> F:
    """Turn every failure of a command into one readable line (never a traceback) and an exit code: 2 for input
    or usage that losslab refuses (a loss's error, a bad option value, a file that is not a table), 1 for a file
    that cannot be read and for anything unexpected (``LOSSLAB_DEBUG=1`` shows its traceback instead)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, _ClickException):
            raise
        except Exception as exc:
            if os.environ.get("LOSSLAB_DEBUG") and not isinstance(exc, (LossInputError, UsageError)):
                raise
            raise typer.Exit(_report(exc)) from None

    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


LangOpt = Annotated[str | None, typer.Option("--lang", help="en or ja (default: from LANG, else en).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ParamOpt = Annotated[list[str] | None, typer.Option("--param", "-p", help="A loss parameter, NAME=VALUE (repeatable).")]
PredOpt = Annotated[str, typer.Option("--pred", help="Predictions: 0.1,0.7 | rows 0.7,0.2,0.1;0.2,0.5,0.3 | a.npy | "
                                       "data.csv:col[,col...] | data.parquet:col")]
TargetOpt = Annotated[str, typer.Option("--target", help="Targets, in the same forms as --pred.")]
InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", help="An extra input of the loss, NAME=VALUES in the forms of --pred (triplet_margin's negative, "
    "gaussian_nll's var: `losslab show NAME` lists them; repeatable).")]
ReductionOpt = Annotated[str | None, typer.Option("--reduction", "-r", help="mean, sum or none (default: the loss's).")]
WeightsOpt = Annotated[str | None, typer.Option("--weights", "-w", help="One non-negative weight per example.")]


# -------------------------------------------------------------------------------------------------------- list
@app.command("list")
@friendly
def list_losses(
    task: Annotated[str | None, typer.Option("--task", help="regression, binary, multiclass or distribution.")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List every loss in the catalog."""
    lang = T.normalize_lang(detect_lang(lang))
    if task is not None and task not in TASKS:
        raise UsageError(f"--task must be one of {', '.join(TASKS)}, not {task!r}")
    entries = catalog(task)
    if as_json:
        _print_json([{**e, "title": T.loss_text(e["name"], lang)["title"]} for e in entries])
        return
    table = Table(title="losslab", header_style="bold")
    table.add_column(T.ui("name", lang), no_wrap=True)
    table.add_column(T.ui("title", lang) if "title" in T.UI_KEYS else "", overflow="fold")
    table.add_column(T.ui("task", lang), no_wrap=True)
    table.add_column(T.ui("params", lang), overflow="fold")
    for e in entries:
        text = T.loss_text(e["name"], lang)
        params = ", ".join(f"{p['name']}={p['default']}" for p in e["params"])
        table.add_row(f"[bold]{e['name']}[/]", escape(text["title"]), T.ui(e["task"], lang), escape(params))
    _out().print(table)


# -------------------------------------------------------------------------------------------------------- show
@app.command()
@friendly
def show(
    name: Annotated[str, typer.Argument(help="A loss name or alias, e.g. mse, huber, bce.")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a loss: formula, idea, when to use it, parameters, and its PyTorch / Keras / scikit-learn names."""
    lang = T.normalize_lang(detect_lang(lang))
    d = definition(name)
    info = d.info()
    text = T.loss_text(d.name, lang)
    if as_json:
        _print_json({**info, "lang": lang, "text": text, "related": T.related(d.name)})
        return
    out = _out()
    out.print(f"[bold]{escape(text['title'])}[/] ([cyan]{d.name}[/])"
              + (f"  aliases: {', '.join(d.aliases)}" if d.aliases else ""))
    out.print(text["idea"], markup=False)
    out.print(f"\n[bold]{T.ui('formula', lang)}[/]: {escape(d.plain)}")
    out.print(f"  LaTeX: {d.latex}", markup=False)
    for key in ("how", "when_to_use", "avoid_when", "outliers", "gradient", "pitfall"):
        out.print(f"\n[bold]{T.ui(key, lang)}[/]: {escape(text[key])}")
    if d.params:
        table = Table(title=T.ui("params", lang), header_style="bold")
        table.add_column(T.ui("name", lang), no_wrap=True)
        table.add_column(T.ui("default", lang), no_wrap=True)
        table.add_column(T.ui("description", lang), overflow="fold")
        for p in d.params:
            table.add_row(p.name, escape(repr(p.default)), escape(text.get("params", {}).get(p.name, p.doc)))
        out.print(table)
    if d.inputs:  # arrays beyond pred and target (definition.inputs): --input NAME=VALUES, name=... in Python
        sentences = text.get("inputs", {})  # [losses.NAME.inputs] in the language asked for
        out.print(f"\n[bold]{T.ui('inputs', lang)}[/]: "
                  + "; ".join(f"{i.name} ({escape(sentences.get(i.name, i.doc))})" for i in d.inputs))
    table = Table(title=T.ui("equivalents", lang), header_style="bold")
    table.add_column("library")
    table.add_column("")
    for lib, eq in d.equivalents.items():
        table.add_row(lib, escape(eq))
    out.print(table)
    related = T.related(d.name)
    if related:
        out.print(f"{T.ui('related', lang)}: {', '.join(related)}")


# ----------------------------------------------------------------------------------------------------- compute
def _call_inputs(
    name: str, param: list[str] | None, pred: str, target: str, weights: str | None
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None]:
    """The loss and the numbers of a `compute` or `explain` command line."""
    loss = make_loss(name, param or [])
    w = parse_values(weights, "weights") if weights else None
    return loss, parse_values(pred, "pred"), parse_values(target, "target"), w


def _extra_inputs(items: list[str] | None, loss: Any) -> dict[str, Any]:
    """``--input negative=1,2;3,4``: the loss's extra inputs by name (the loss checks the names and values; a
    required one left out is named here, in the command line's words rather than the library's keyword)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--input takes NAME=VALUES, not {item!r} (e.g. --input var=0.5,1.0)")
        out[key.strip()] = parse_values(text, "input")
    for i in loss.definition.inputs:
        if i.required and i.name not in out:
            raise LossInputError(loss.name, i.name, f"an array: {i.doc}", "nothing (it was not passed)",
                                 f"add --input {i.name}=VALUES, written as --pred is")
    return out


@app.command()
@friendly
def compute(
    name: Annotated[str, typer.Argument(help="A loss name or alias.")],
    pred: PredOpt,
    target: TargetOpt,
    param: ParamOpt = None,
    reduction: ReductionOpt = None,
    weights: WeightsOpt = None,
    grad: Annotated[bool, typer.Option("--grad", help="Also print d(loss)/d(pred).")] = False,
    as_json: JsonOpt = False,
    extra: InputOpt = None,
) -> None:
    """Compute a loss (and optionally its gradient) on numbers you give."""
    loss, p, t, w = _call_inputs(name, param, pred, target, weights)
    inputs = _extra_inputs(extra, loss)
    red = reduction or loss.definition.default_reduction
    value = loss(p, t, reduction=red, sample_weight=w, **inputs)
    g = loss.grad(p, t, reduction=red, sample_weight=w, **inputs) if grad else None
    if as_json:
        _print_json({"loss": loss.name, "params": dict(loss.params), "reduction": red,
                     "value": np.asarray(value).tolist(), "grad": None if g is None else np.asarray(g).tolist()})
        return
    out = _out()
    shown = np.array2string(np.asarray(value), precision=10) if red == "none" else repr(float(value))
    out.print(f"{escape(repr(loss))} \\[{red}] = [bold green]{escape(shown)}[/]")
    if g is not None:
        out.print(f"grad = {np.array2string(np.asarray(g), precision=8)}")


# ----------------------------------------------------------------------------------------------------- explain
@app.command()
@friendly
def explain(
    name: Annotated[str, typer.Argument(help="A loss name or alias.")],
    pred: PredOpt,
    target: TargetOpt,
    param: ParamOpt = None,
    reduction: ReductionOpt = None,
    weights: WeightsOpt = None,
    lang: LangOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="rich, text, markdown or html.")] = "rich",
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows to show for large inputs.")] = 20,
    as_json: JsonOpt = False,
    extra: InputOpt = None,
) -> None:
    """Explain a loss step by step on your numbers: the table of intermediate values, then the value."""
    from ..explain import explain as run_explain

    loss, p, t, w = _call_inputs(name, param, pred, target, weights)
    e = run_explain(loss, p, t, lang=detect_lang(lang), reduction=reduction,  # type: ignore[arg-type]
                    sample_weight=w, max_rows=max_rows, **_extra_inputs(extra, loss))
    if as_json:
        sys.stdout.write(e.to_json() + "\n")
    elif output_format == "rich":
        Console(highlight=False).print(e)
    elif output_format in {"text", "markdown", "html"}:
        sys.stdout.write({"text": e.to_text, "markdown": e.to_markdown, "html": e.to_html}[output_format]() + "\n")
    else:
        raise UsageError(f"--format must be rich, text, markdown or html, not {output_format!r}")


# ------------------------------------------------------------------------------------------------------- score
@app.command()
@friendly
def score(
    files: Annotated[list[str], typer.Argument(help="CSV or Parquet files, directories of them, or globs.")],
    pred: Annotated[str, typer.Option("--pred", help="Prediction column(s); several for class probabilities.")],
    target: Annotated[str, typer.Option("--target", help="Target column(s).")],
    loss: Annotated[str, typer.Option("--loss", "-l", help="Losses to compute, comma-separated, e.g. "
                                      "mse,huber(delta=2).")] = "mse,mae",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="LOSS.NAME=VALUE, e.g. huber.delta=2.")]
    = None,
    by: Annotated[str | None, typer.Option("--by", help="Also score each group of this column.")] = None,
    weight: Annotated[str | None, typer.Option("--weight", help="Column of sample weights.")] = None,
    batch_rows: Annotated[int, typer.Option("--batch-rows", min=1, help="Rows per streamed batch.")] = 1 << 18,
    lang: LangOpt = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Score a file of predictions with several losses in one streaming pass (bounded memory)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ._score import expand_paths
    from ._score import score as run_score

    lang = T.normalize_lang(detect_lang(lang))
    losses = [make_loss(n, param or [], qualified=True) for n in split_specs(loss)]
    if not losses:
        raise UsageError("--loss names no loss")
    paths = expand_paths(files)
    cols = [c.strip() for c in pred.split(",")], [c.strip() for c in target.split(",")]
    show_bar = progress and not as_json and _err().is_terminal
    if show_bar:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=_err(), transient=True) as bar:
            task = bar.add_task("rows", total=None)
            result = run_score(paths, *cols, losses, by=by, weight=weight, batch_rows=batch_rows,
                               on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    else:
        result = run_score(paths, *cols, losses, by=by, weight=weight, batch_rows=batch_rows)
    if as_json:
        _print_json(result.to_dict())
        return
    table = Table(title=f"{result.rows:,} rows · {result.seconds:.2f} s", header_style="bold")
    table.add_column(by or "")
    for lo in losses:
        table.add_column(lo.name, justify="right")
    table.add_row(T.ui("total", lang), *(f"{result.losses[lo.name]:.6g}" for lo in losses))
    for key, values in result.groups.items():
        table.add_row(key, *(f"{values[lo.name]:.6g}" for lo in losses))
    _out().print(table)


# Commands of the other parts of losslab (training, figures, the lab, advice) live beside their code's CLI module
# and add themselves here; each module has `register(app)`.
_COMMAND_MODULES = ("_train", "_plot", "_lab", "_recommend", "_distill", "_distill_runs", "_custom", "_lm")


def _register_commands() -> None:
    import importlib

    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{module_name}":
                raise
            continue
        module.register(app)


_register_commands()


def main() -> None:
    """Entry point of the `losslab` command."""
    if os.environ.get("LOSSLAB_DEBUG"):
        app.pretty_exceptions_enable = True
    app()
