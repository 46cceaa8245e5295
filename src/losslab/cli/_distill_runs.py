"""`losslab distill run | modes | lint`: the experiments and the checks of :mod:`losslab.distill` (issue 14).

``run`` trains a teacher MLP, a student alone and the same student distilled (:func:`distill_experiment`) and prints
the three side by side; ``modes`` fits a one-peaked student to a two-peaked teacher with forward and with reverse KL
(:func:`fit_modes`); ``lint`` reads a file or a few lines of code (never running them) and finds the eight known
distillation mistakes (:func:`lint`). Each takes ``--json`` and ``--lang``; errors are one line and exit code 2. The
commands join the ``distill`` group of :mod:`._distill`, which owns the words' section ``[distill]``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..distill import distill_experiment, fit_modes, lint
from ._app import JsonOpt, LangOpt, _out, _print_json, friendly
from ._distill import _cli_errors, _texts, distill_app
from ._inputs import UsageError

__all__ = ["register"]

MAX_LINT_BYTES = 1_000_000
"""The largest file ``lint`` reads (a distillation script, not a repository)."""


def register(app: typer.Typer) -> None:
    """Nothing to add to the app itself: the commands below join the `distill` group when this module loads."""


def _mlp(text: str, option: str) -> tuple[int, ...]:
    """``mlp:64,64`` (or ``64,64``) as hidden widths (64, 64)."""
    kind, _, widths = text.strip().rpartition(":")
    if kind not in ("", "mlp") or not widths:
        raise UsageError(f"{option}: expected mlp:WIDTHS such as mlp:64,64, got {text!r}")
    try:
        sizes = tuple(int(w) for w in widths.split(","))
    except ValueError:
        raise UsageError(f"{option}: expected mlp:WIDTHS such as mlp:64,64, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise UsageError(f"{option}: every hidden width must be at least 1, got {text!r}")
    return sizes


# ----------------------------------------------------------------------------------------------------------- run
@distill_app.command("run")
@friendly
@_cli_errors()
def run_command(
    teacher: Annotated[str, typer.Option("--teacher", help="The teacher: mlp:WIDTHS, e.g. mlp:64,64.")] = "mlp:64,64",
    student: Annotated[str, typer.Option("--student", help="The student: mlp:WIDTHS, e.g. mlp:8.")] = "mlp:8",
    data: Annotated[str, typer.Option("--data", help="A built-in classification data set: digits, iris, wine, "
                                      "breast_cancer ...")] = "digits",
    temperature: Annotated[float, typer.Option("--temperature", "-T", help="T > 0 for the soft targets.")] = 4.0,
    alpha: Annotated[float, typer.Option("--alpha", help="Weight of the hard-label CE, in [0, 1]; 1 − α goes to "
                                         "T² · KL(teacher_T ‖ student_T).")] = 0.5,
    seed: Annotated[int, typer.Option("--seed", help="Seeds the split, the weights and the shuffling.")] = 0,
    teacher_epochs: Annotated[int, typer.Option("--teacher-epochs", help="Epochs of the teacher.")] = 30,
    student_epochs: Annotated[int, typer.Option("--student-epochs", help="Epochs of each student.")] = 150,
    lr: Annotated[float, typer.Option("--lr", help="Adam's first learning rate (it falls linearly to 0).")] = 0.01,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Teacher, student alone and student distilled: validation loss and accuracy side by side."""
    language, words = _texts(lang)
    result = distill_experiment(data, _mlp(teacher, "--teacher"), _mlp(student, "--student"), temperature, alpha,
                                seed, teacher_epochs=teacher_epochs, student_epochs=student_epochs, lr=lr)
    if as_json:
        _print_json({"lang": language, **result.to_dict()})
        return
    s = result.settings
    table = Table(title=words["run_title"].format(
        data=s["data"], teacher=",".join(map(str, s["teacher"])), student=",".join(map(str, s["student"])),
        t=f"{temperature:g}", alpha=f"{alpha:g}", seed=seed), header_style="bold")
    for key in ("role", "hidden", "params", "train_loss", "val_loss", "val_accuracy", "val_kl"):
        table.add_column(words[key], justify="left" if key == "role" else "right")
    for row in result.rows:
        table.add_row(words[f"role_{row.role}"], ",".join(map(str, row.hidden)), str(row.n_params),
                      f"{row.train_loss:.4f}", f"{row.val_loss:.4f}", f"{row.val_accuracy:.4f}",
                      f"{row.val_kl_to_teacher:.4f}")
    out = _out()
    out.print(table)
    verdict = words["run_wins" if result.distilled_wins else "run_loses"]
    out.print(verdict.format(distilled=f"{result.row('distilled').val_loss:.4f}",
                             alone=f"{result.row('student').val_loss:.4f}", seconds=f"{result.seconds:.1f}"),
              markup=False)


# --------------------------------------------------------------------------------------------------------- modes
@distill_app.command("modes")
@friendly
@_cli_errors()
def modes_command(
    vocab: Annotated[int, typer.Option("--vocab", help="Number of tokens (at least 3); the peaks sit at 1/4 and "
                                       "3/4 of it.")] = 40,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forward KL covers both peaks of a two-peaked teacher, reverse KL sits on one: the fitted students."""
    language, words = _texts(lang)
    if vocab < 8:
        raise UsageError(f"--vocab: expected at least 8 tokens (room for two peaks), got {vocab}")
    peaks = (round(vocab / 4, 1), round(3 * vocab / 4, 1))
    result = fit_modes(vocab=vocab, peaks=peaks, width=max(vocab / 20, 0.5))
    if as_json:
        _print_json({"lang": language, **result.to_dict()})
        return
    p1, p2 = (f"{p:g}" for p in result.peaks)
    table = Table(title=words["modes_title"].format(p1=p1, p2=p2, vocab=vocab), header_style="bold")
    for column in (words["direction"], words["mu"], words["sigma"], words["kl_forward"], words["kl_reverse"],
                   words["mass"].format(p=p1), words["mass"].format(p=p2)):
        table.add_column(column, justify="right")
    for fit in (result.forward, result.reverse):
        table.add_row(words[f"kl_{fit.direction}"], f"{fit.mu:.2f}", f"{fit.sigma:.2f}", f"{fit.kl_forward:.4f}",
                      f"{fit.kl_reverse:.4f}", *(f"{m:.3f}" for m in fit.peak_mass))
    out = _out()
    out.print(table)
    top = max(range(2), key=lambda i: result.reverse.peak_mass[i])
    out.print(words["modes_note"].format(mass=f"{result.reverse.peak_mass[top]:.3f}", p=f"{result.peaks[top]:g}"),
              markup=False)


# ---------------------------------------------------------------------------------------------------------- lint
def _read_source(file_or_text: str) -> tuple[str, str]:
    """(the code, 'file' | 'stdin' | 'text'): a path that exists is read, '-' reads stdin, anything else is code."""
    if file_or_text == "-":
        return sys.stdin.read(), "stdin"
    if "\n" not in file_or_text and len(file_or_text) < 4096:
        path = Path(file_or_text)
        if path.is_file():
            if path.stat().st_size > MAX_LINT_BYTES:
                raise UsageError(f"{file_or_text}: {path.stat().st_size} bytes; lint reads files up to "
                                 f"{MAX_LINT_BYTES} bytes (give the distillation part)")
            return path.read_text(encoding="utf-8"), "file"
        if path.suffix == ".py" and "(" not in file_or_text:
            raise UsageError(f"{file_or_text}: no such file (give a path, '-' for stdin, or the code itself)")
    return file_or_text, "text"


@distill_app.command("lint")
@friendly
def lint_command(
    file_or_text: Annotated[str, typer.Argument(help="A Python file, '-' for stdin, or the code itself. It is "
                                                "read, never run.", metavar="FILE_OR_TEXT")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find the eight known distillation mistakes (T², kl_div's argument order and reduction, softmax twice,
    temperature on one side, the JSD mixture and β, the teacher's gradients and mode) in code, never running it."""
    language, words = _texts(lang)
    code, source = _read_source(file_or_text)
    findings = lint(code, lang=language)
    if as_json:
        _print_json({"lang": language, "source": source, "count": len(findings),
                     "findings": [f.to_dict() for f in findings]})
        return
    out = _out()
    if not findings:
        out.print(words["lint_none"], markup=False)
        return
    out.print(f"[bold]{escape(words['lint_title'].format(n=len(findings)))}[/]")
    for f in findings:
        where = words["lint_where_line"].format(line=f.line) if f.line else words["lint_where_key"].format(key=f.key)
        out.print(f"\n[bold yellow]{escape(where)}[/] [bold]{f.code}[/]")
        out.print(f.message, markup=False)
        out.print(f"{words['lint_fix']}: {f.fix}", markup=False)
        out.print(f"{words['lint_sources']}: {' '.join(f.sources)}", markup=False)
