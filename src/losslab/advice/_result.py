"""The answer of :func:`losslab.advice.recommend`: analysis, ranked losses, questions and evidence, shown three ways.

``to_dict()`` / ``to_json()`` give stable, documented data (docs/advice.md); ``to_text()`` plain text for logs and
terminals without colour; a :class:`Recommendation` is also a Rich renderable (``rich.print(result)``), which is
what ``losslab recommend`` prints. Every view takes ``lang`` to switch between English and Japanese.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._jsonable import jsonable
from ..losses import Loss
from ._analysis import Analysis, Question
from ._rules import Candidate, Hints
from ._texts import Note, loss_title, normalize_lang, say

__all__ = ["SCHEMA_VERSION", "Recommendation"]

SCHEMA_VERSION = 1


@dataclass
class Recommendation:
    """The advice for one data set.

    Attributes
    ----------
    analysis : Analysis
        What was measured on the data (task, label format, balance, outliers, skew, scale).
    ranked : list of Candidate
        The recommended losses, best first (empty when a question must be answered first).
    avoid : list of Candidate
        Losses one might reach for that this data argues against, each with its pitfalls.
    notes : list of Note
        Remarks about the hints (an option that does not apply to this task, ...).
    hints : Hints
        The hints the advice was given.
    evidence : Evidence or None
        The cross-validated comparison, when ``evidence=True``.
    lang : str
        The default language of the views.
    """

    analysis: Analysis
    ranked: list[Candidate]
    avoid: list[Candidate]
    notes: list[Note]
    hints: Hints
    evidence: Any = None
    lang: str = "en"
    source: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    # -- the answer -----------------------------------------------------------------------------------------
    @property
    def first(self) -> Candidate | None:
        """The rule-based first choice (None when the advice waits for an answer to a question)."""
        return self.ranked[0] if self.ranked else None

    @property
    def alternatives(self) -> list[Candidate]:
        return self.ranked[1:]

    @property
    def questions(self) -> list[Question]:
        return self.analysis.questions

    @property
    def choice(self) -> Candidate | None:
        """The loss to use: the evidence's pick when it overturned the rules, else the first choice."""
        if self.evidence is not None and self.evidence.recommended is not None:
            for c in [*self.ranked, *self.avoid]:
                if c.label == self.evidence.recommended:
                    return c
        return self.first

    def loss(self) -> Loss:
        """The chosen loss as a catalog object, ready to call or to train with."""
        c = self.choice
        if c is None:
            from ..errors import LossInputError

            q = self.questions[0] if self.questions else None
            raise LossInputError("recommend", q.key if q else "data", "an answer to the open question",
                                 "no recommendation yet", q.note.text("en") if q else None)
        return c.get()

    # -- data -----------------------------------------------------------------------------------------------
    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """Plain JSON-ready data; the keys are documented in docs/advice.md and only ever added to."""
        lang = normalize_lang(lang or self.lang)
        choice = self.choice
        return jsonable({  # NumPy numbers to Python ones, NaN/inf to None (JSON has neither)
            "schema": SCHEMA_VERSION,
            "lang": lang,
            "source": self.source,
            "hints": self.hints.to_dict(),
            "analysis": self.analysis.to_dict(lang),
            "recommendation": {
                "first": self.first.to_dict(lang) if self.first else None,
                "alternatives": [c.to_dict(lang) for c in self.alternatives],
                "avoid": [c.to_dict(lang) for c in self.avoid],
            },
            "ranked": [c.label for c in self.ranked],
            "questions": [q.to_dict(lang) for q in self.questions],
            "notes": [n.to_dict(lang) for n in self.notes],
            "choice": None if choice is None else {
                "loss": choice.loss, "label": choice.label, "params": choice.to_dict(lang)["params"],
                "code": choice.code(),
                "by": "evidence" if self.evidence is not None and self.evidence.overturned else "rules",
            },
            "evidence": self.evidence.to_dict(lang) if self.evidence is not None else None,
        })

    def to_json(self, lang: str | None = None, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(lang), ensure_ascii=False, indent=indent)

    # -- text -----------------------------------------------------------------------------------------------
    def to_text(self, lang: str | None = None) -> str:
        """The advice as plain text (no colour), in ``lang``."""
        lang = normalize_lang(lang or self.lang)
        return "\n".join(_lines(self, lang)) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        first = self.first.label if self.first else None
        return f"<Recommendation task={self.analysis.task!r} first={first!r} ranked={len(self.ranked)}>"

    def _repr_markdown_(self) -> str:  # Jupyter
        return "```\n" + self.to_text() + "```"

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        yield from _rich(self, normalize_lang(self.lang))

    def rich(self, lang: str | None = None) -> Any:
        """A Rich renderable of the advice in ``lang`` (``rich.print(result.rich("ja"))``)."""
        from rich.console import Group

        return Group(*_rich(self, normalize_lang(lang or self.lang)))


# ------------------------------------------------------------------------------------------------------- views
def _title(c: Candidate, lang: str) -> str:
    return f"{loss_title(c.loss, lang)} — {c.label}"


def _lines(r: Recommendation, lang: str) -> list[str]:
    a = r.analysis
    out = [say("ui.header", lang, target=", ".join(a.target_names), rows=a.n_rows), ""]
    out.append(say("ui.analysis", lang))
    for n in [*a.data_notes, *a.findings]:
        out.append(f"  - {n.text(lang)}")
    if r.ranked:
        out += ["", say("ui.recommendation", lang)]
        for i, c in enumerate(r.ranked, 1):
            tag = say("ui.first" if i == 1 else "ui.alternative", lang)
            out.append(f"  {i}. {_title(c, lang)}  [{tag}]")
            out += _candidate_lines(c, lang, "     ")
    if r.avoid:
        out += ["", say("ui.avoid", lang)]
        for c in r.avoid:
            out.append(f"  x {_title(c, lang)}")
            out += [f"     ! {n.text(lang)}" for n in c.pitfalls]
    if r.questions or r.notes:
        out += ["", say("ui.questions", lang)]
        for q in r.questions:
            assumed = "" if q.assumed is None else " " + say("ui.assumed", lang, value=q.assumed)
            out.append(f"  ? {q.note.text(lang)} (--{q.key.replace('_', '-')} {'|'.join(q.options)}){assumed}")
        out += [f"  - {n.text(lang)}" for n in r.notes]
    if r.evidence is not None:
        out += ["", *r.evidence.text_lines(lang)]
    choice = r.choice
    if choice is not None:
        out += ["", say("ui.code", lang) + " " + choice.code()]
    return out


def _candidate_lines(c: Candidate, lang: str, pad: str) -> list[str]:
    out = [f"{pad}+ {n.text(lang)}" for n in c.reasons]
    out += [f"{pad}= {n.text(lang)}" for n in c.derived]
    out += [f"{pad}! {n.text(lang)}" for n in c.pitfalls]
    return out


def _grid() -> Any:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def _bullets(items: list[tuple[str, str]]) -> Any:
    """Marker and text side by side, so that wrapped lines hang under the text (also for Japanese)."""
    from rich.text import Text

    grid = _grid()
    for marker, text in items:
        grid.add_row(Text.from_markup(marker), Text(text))
    return grid


def _candidate_block(c: Candidate, lang: str, number: str, tag: str, style: str) -> Any:
    from rich.console import Group
    from rich.text import Text

    head = Text.assemble((f"{number} {_title(c, lang)}", style), "  ", (tag, "dim"))
    items = [("[green]+[/]", n.text(lang)) for n in c.reasons]
    items += [("[cyan]=[/]", n.text(lang)) for n in c.derived]
    items += [("[yellow]![/]", n.text(lang)) for n in c.pitfalls]
    grid = _grid()
    grid.add_row("", _bullets(items))
    return Group(head, grid)


def _rich(r: Recommendation, lang: str) -> Iterator[Any]:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    a = r.analysis
    yield Text(say("ui.header", lang, target=", ".join(a.target_names), rows=a.n_rows), style="bold")
    yield Panel(_bullets([("•", n.text(lang)) for n in [*a.data_notes, *a.findings]]),
                title=say("ui.analysis", lang), title_align="left")
    if r.ranked:
        blocks = [_candidate_block(c, lang, f"{i}.", say("ui.first" if i == 1 else "ui.alternative", lang),
                                   "bold green" if i == 1 else "bold") for i, c in enumerate(r.ranked, 1)]
        yield Panel(Group(*blocks), title=say("ui.recommendation", lang), title_align="left", border_style="green")
    if r.avoid:
        blocks = [_candidate_block(c, lang, "x", "", "bold red") for c in r.avoid]
        yield Panel(Group(*blocks), title=say("ui.avoid", lang), title_align="left", border_style="red")
    if r.questions or r.notes:
        items = []
        for q in r.questions:
            assumed = "" if q.assumed is None else " " + say("ui.assumed", lang, value=q.assumed)
            items.append(("[bold magenta]?[/]", f"{q.note.text(lang)} --{q.key.replace('_', '-')} "
                                                f"{'|'.join(q.options)}{assumed}"))
        items += [("•", n.text(lang)) for n in r.notes]
        yield Panel(_bullets(items), title=say("ui.questions", lang), title_align="left", border_style="magenta")
    if r.evidence is not None:
        yield from r.evidence.rich_parts(lang)
    choice = r.choice
    if choice is not None:
        yield Text(say("ui.code", lang) + " " + choice.code(), style="bold")
