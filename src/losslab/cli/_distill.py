"""`losslab distill ...`: teacher and student divergences (issue 14) from the command line.

``kl``, ``jsd`` and ``tv`` print a divergence of :mod:`losslab.distill` on the rows you give (the mean over rows,
each row's value, the gradient on the student's logits and its L1 norm); ``temperatures`` prints the T² table
(KL and the gradient's L1 norm without and with T² at several temperatures). Teacher first, student second, as in
the library. Inputs are read by the CLI's :func:`parse_values` (``0.6,0.2,0.2``, rows ``a,b;c,d``, ``x.npy``,
``data.csv:c0,c1``). The words come from ``cli/texts/{en,ja}.toml``; errors are one line and exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from .._texts import load_toml_texts, normalize_lang
from ..distill import Divergence, generalized_jsd_result, kl_result, total_variation_result
from ..errors import LossInputError
from ._app import JsonOpt, LangOpt, _out, _print_json, friendly
from ._inputs import UsageError, detect_lang, parse_values

__all__ = ["register"]

F = TypeVar("F", bound=Callable[..., Any])

SHOWN_CLASSES = 8
"""The most gradient entries of a row shown in the table (all of them are in --json)."""

distill_app = typer.Typer(
    name="distill",
    help="Teacher and student: KL divergence (forward or reverse), generalised JSD and total variation on rows "
    "of probabilities or logits, with the gradient on the student's logits, and the T² table.\n\n"
    "Teacher first, student second. Try: losslab distill temperatures --teacher 0.6,0.2,0.2 "
    "--student 0.5,0.3,0.2",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

TeacherOpt = Annotated[str, typer.Option("--teacher", help="The teacher's rows: 0.6,0.2,0.2 | rows 0.7,0.3;0.4,0.6 "
                                         "| t.npy | data.csv:c0,c1,c2 (probabilities, or logits with "
                                         "--from-logits).")]
StudentOpt = Annotated[str, typer.Option("--student", help="The student's rows, in the same forms and shape as "
                                         "--teacher.")]
TemperatureOpt = Annotated[float, typer.Option("--temperature", "-T", help="T > 0: both sides are softened as "
                                               "softmax(logits / T); probabilities as softmax(log p / T).")]
DirectionOpt = Annotated[str, typer.Option("--direction", help="forward = KL(teacher ‖ student), the usual "
                                           "distillation loss; reverse = KL(student ‖ teacher).")]
T2Opt = Annotated[bool, typer.Option("--t2", help="Multiply value and gradient by T² (Hinton et al. 2015).")]
LogitsOpt = Annotated[bool, typer.Option("--from-logits", help="Both inputs are logits, not probabilities.")]

_OPTIONS = {"teacher": "--teacher", "student": "--student", "temperature": "--temperature",
            "direction": "--direction"}


def _texts(lang: str | None) -> tuple[str, dict[str, str]]:
    language = normalize_lang(detect_lang(lang))
    return language, load_toml_texts("losslab.cli", language)["distill"]


def _cli_errors(options: dict[str, str] | None = None) -> Callable[[F], F]:
    """The library's refusals in the command line's words: the option instead of the argument, --from-logits
    instead of from_logits=True (still one line and exit code 2)."""
    names = {**_OPTIONS, **(options or {})}

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except LossInputError as exc:
                option = names.get(exc.argument, f"--{exc.argument.replace('_', '-')}")
                hint = f". Hint: {exc.hint.replace('from_logits=True', '--from-logits')}" if exc.hint else ""
                raise UsageError(f"{option}: expected {exc.expected}, got {exc.got}{hint}") from None

        return wrapper  # type: ignore[return-value]

    return decorate


def _rows(text: str, option: str) -> np.ndarray:
    values = np.asarray(parse_values(text, option))
    if values.dtype.kind not in "iuf":
        raise UsageError(f"--{option}: expected numbers, got values of type {values.dtype}")
    return values.astype(np.float64)


def _direction(direction: str) -> str:
    key = direction.strip().lower()
    if key not in ("forward", "reverse"):
        raise UsageError(f"--direction must be forward or reverse, not {direction!r}")
    return key


def _temperatures(text: str) -> list[float]:
    values = _rows(text, "t").reshape(-1)
    bad = [v for v in values.tolist() if not (np.isfinite(v) and v > 0)]
    if bad:
        raise UsageError(f"--t: every temperature must be a positive finite number (T > 0), got {bad[0]:g}. "
                         "Hint: T = 1 leaves the distributions as they are; 2 to 4 is usual for distillation")
    return [float(v) for v in values]


def _number(x: float) -> str:
    return f"{x:.6g}"


def _kl_cell(x: float) -> str:
    """0.02830, 0.00758, 0.00191 as in docs/distill.md; smaller values with three significant digits."""
    return f"{x:.5f}" if x >= 1e-3 or x == 0 else f"{x:.3g}"


def _vector(g: np.ndarray) -> str:
    shown = ", ".join(f"{v:+.6f}" for v in g[:SHOWN_CLASSES])
    return f"[{shown}{', …' if g.size > SHOWN_CLASSES else ''}]"


def _l1(grad: np.ndarray) -> float:
    return float(np.abs(grad).sum())


def _as_dict(r: Divergence, title: str, lang: str) -> dict[str, Any]:
    return {"divergence": r.name, "title": title, "lang": lang, "settings": r.settings, "value": r.value,
            "rows": r.rows, "grad": r.grad, "grad_l1": _l1(r.grad)}


def _show(r: Divergence, title: str, words: dict[str, str], lang: str, as_json: bool,
          at_t1: Divergence | None = None) -> None:
    """One divergence, as JSON or as a headline, a table of rows and the gradient's L1 norm."""
    if as_json:
        _print_json(_as_dict(r, title, lang))
        return
    out = _out()
    out.print(f"[bold]{escape(title)}[/]")
    out.print(f"{words['value']} = [bold green]{_number(r.value)}[/]")
    grad = r.grad.reshape(r.rows.shape[0], -1)
    table = Table(header_style="bold")
    table.add_column(words["row"], justify="right")
    table.add_column(words["divergence"], justify="right")
    table.add_column(words["grad"])
    table.add_column(words["l1"], justify="right")
    for i, (value, g) in enumerate(zip(r.rows.tolist(), grad, strict=True)):
        table.add_row(str(i), _number(value), _vector(g), f"{_l1(g):.4g}")
    out.print(table)
    out.print(f"{words['grad_l1']} = [bold]{_l1(r.grad):.4g}[/]")
    if at_t1 is not None and _l1(at_t1.grad) > 0:
        temperature = r.settings["temperature"]
        ratio = f"{_l1(r.grad) / _l1(at_t1.grad):.3g}"
        out.print(words["no_t2_note"].format(t=f"{temperature:g}", ratio=ratio), markup=False)


def _headline(words: dict[str, str], name: str, temperature: float, t2: bool, from_logits: bool) -> str:
    parts = [name, words["temperature"].format(t=f"{temperature:g}")]
    if t2:
        parts.append(words["t2"])
    if from_logits:
        parts.append(words["logits"])
    return " · ".join(parts)


def register(app: typer.Typer) -> None:
    """Add the `distill` command group to the `losslab` app."""
    app.add_typer(distill_app, name="distill")


# ------------------------------------------------------------------------------------------------------------ kl
@distill_app.command("kl")
@friendly
@_cli_errors()
def kl_command(
    teacher: TeacherOpt,
    student: StudentOpt,
    temperature: TemperatureOpt = 1.0,
    direction: DirectionOpt = "forward",
    t2: T2Opt = False,
    from_logits: LogitsOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """KL divergence between teacher and student (mean over rows, "batchmean"), with its gradient."""
    language, words = _texts(lang)
    way = _direction(direction)
    t, s = _rows(teacher, "teacher"), _rows(student, "student")
    r = kl_result(t, s, temperature=temperature, direction=way, scale_t2=t2, from_logits=from_logits)
    at_t1 = None
    if not t2 and temperature != 1.0 and not as_json:
        at_t1 = kl_result(t, s, direction=way, from_logits=from_logits)
    title = _headline(words, words[f"kl_{way}"], temperature, t2, from_logits)
    _show(r, title, words, language, as_json, at_t1)


# ----------------------------------------------------------------------------------------------------------- jsd
@distill_app.command("jsd")
@friendly
@_cli_errors({"beta": "--beta"})
def jsd_command(
    teacher: TeacherOpt,
    student: StudentOpt,
    beta: Annotated[float, typer.Option("--beta", help="In [0, 1]: 0 is forward KL(teacher ‖ student), 1 reverse "
                                        "KL(student ‖ teacher), 0.5 the symmetric Jensen-Shannon divergence.")]
    = 0.5,
    temperature: TemperatureOpt = 1.0,
    t2: T2Opt = False,
    from_logits: LogitsOpt = False,
    normalize: Annotated[bool, typer.Option("--normalize/--raw", help="Divide by β(1 − β) so that the ends are "
                                            "forward and reverse KL (default), or TRL's raw value.")] = True,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generalised Jensen-Shannon divergence with β (TRL's, made continuous from forward to reverse KL)."""
    language, words = _texts(lang)
    t, s = _rows(teacher, "teacher"), _rows(student, "student")
    r = generalized_jsd_result(t, s, beta, temperature=temperature, scale_t2=t2, from_logits=from_logits,
                               normalize=normalize)
    at_t1 = None
    if not t2 and temperature != 1.0 and not as_json:
        at_t1 = generalized_jsd_result(t, s, beta, from_logits=from_logits, normalize=normalize)
    name = words["jsd" if normalize else "jsd_raw"].format(beta=f"{beta:g}")
    _show(r, _headline(words, name, temperature, t2, from_logits), words, language, as_json, at_t1)


# ------------------------------------------------------------------------------------------------------------ tv
@distill_app.command("tv")
@friendly
@_cli_errors()
def tv_command(
    teacher: TeacherOpt,
    student: StudentOpt,
    temperature: TemperatureOpt = 1.0,
    from_logits: LogitsOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Total variation distance ½ Σ |teacher − student| (mean over rows), with its gradient."""
    language, words = _texts(lang)
    t, s = _rows(teacher, "teacher"), _rows(student, "student")
    r = total_variation_result(t, s, temperature=temperature, from_logits=from_logits)
    _show(r, _headline(words, words["tv"], temperature, False, from_logits), words, language, as_json)


# -------------------------------------------------------------------------------------------------- temperatures
@distill_app.command("temperatures")
@friendly
@_cli_errors({"temperature": "--t"})
def temperatures_command(
    teacher: TeacherOpt,
    student: StudentOpt,
    t: Annotated[str, typer.Option("--t", "--temperatures", help="Temperatures, comma-separated, each > 0.")]
    = "1,2,4",
    direction: DirectionOpt = "forward",
    from_logits: LogitsOpt = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The T² table: KL and the L1 norm of its gradient on the student's logits, without and with T²."""
    language, words = _texts(lang)
    way = _direction(direction)
    temps = _temperatures(t)
    tt, s = _rows(teacher, "teacher"), _rows(student, "student")
    table_rows = []
    settings: dict[str, Any] = {}
    for temperature in temps:
        plain = kl_result(tt, s, temperature=temperature, direction=way, from_logits=from_logits)
        scaled = kl_result(tt, s, temperature=temperature, direction=way, scale_t2=True, from_logits=from_logits)
        settings = {k: v for k, v in plain.settings.items() if k not in ("temperature", "scale_t2")}
        table_rows.append({"temperature": temperature, "kl": plain.value, "grad_l1": _l1(plain.grad),
                           "kl_t2": scaled.value, "grad_l1_t2": _l1(scaled.grad)})
    name = words[f"kl_{way}"]
    if as_json:
        _print_json({"divergence": "kl", "title": name, "lang": language, "settings": settings,
                     "temperatures": table_rows})
        return
    table = Table(title=words["table_title"].format(name=name), header_style="bold")
    table.add_column("T", justify="right")
    for key in ("kl", "l1_plain", "kl_t2", "l1_t2"):
        table.add_column(words[key], justify="right")
    for row in table_rows:
        table.add_row(f"{row['temperature']:g}", _kl_cell(row["kl"]), f"{row['grad_l1']:.3f}",
                      _kl_cell(row["kl_t2"]), f"{row['grad_l1_t2']:.3f}")
    out = _out()
    out.print(table)
    out.print(words["t2_note"], markup=False)
