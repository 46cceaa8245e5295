"""What every losslab widget shares: anywidget, the page's words in en/ja, the palette and the worded errors.

The widgets are anywidget models (one implementation for JupyterLab, Notebook 7, VS Code and Colab). Their
JavaScript is read from files shipped in ``losslab/notebook/static`` (no CDN, no network): each module is the
shared prelude ``_common.js`` followed by the widget's own file. The page draws numbers it is given; every loss,
gradient, curve and sentence is computed here, in Python, by the same functions the lab calls.

This module imports anywidget: it is loaded only when a widget is made (``losslab.notebook.explorer()``...).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import anywidget
import traitlets

from .._palette import PALETTE
from .._texts import load_toml_texts, normalize_lang
from ..errors import LossInputError
from ..formula import FormulaError
from ._lang import get_lang

__all__ = ["CAUGHT", "Widget", "asset", "esm", "worded", "words"]

CAUGHT: tuple[type[Exception], ...] = (LossInputError, ValueError, TypeError, ArithmeticError, KeyError)
"""What a widget turns into words in its error line: bad numbers, settings or formulas (TrainingError and the
catalog's errors are ValueErrors). Anything else is a bug and is raised."""


@functools.cache
def asset(name: str) -> str:
    """A file of ``losslab/notebook/static`` as text (read once per process)."""
    return resources.files("losslab.notebook").joinpath("static", name).read_text(encoding="utf-8")


def esm(name: str) -> str:
    """The ES module of one widget: the shared prelude, then the widget's file (which holds ``export default``)."""
    return asset("_common.js") + "\n" + asset(name)


def words(section: str, lang: str | None) -> dict[str, str]:
    """The page's words of one widget (``[widget.<section>]`` of the notebook texts) and the shared ones."""
    table = load_toml_texts("losslab.notebook", normalize_lang(lang))["widget"]
    shared = {k: str(v) for k, v in table.items() if not isinstance(v, dict)}
    return {**shared, **{k: str(v) for k, v in table[section].items()}}


def worded(error: Exception, lang: str | None) -> str:
    """An error as one sentence in ``lang``: a formula's error already is; the catalog's four questions are framed
    in the language (their parts stay the catalog's words); anything else is said as the failure it is."""
    lang = normalize_lang(lang)
    w = words("explorer", lang)
    if isinstance(error, FormulaError) or (isinstance(error, LossInputError) and lang == "en"):
        return str(error)
    if isinstance(error, LossInputError):
        hint = w["hint"].format(hint=error.hint) if error.hint else ""
        return w["input_error"].format(loss=error.loss, argument=error.argument, expected=error.expected,
                                       got=error.got, hint=hint)
    return w["failed"].format(error=str(error) or type(error).__name__)


class Widget(anywidget.AnyWidget):
    """The traits every losslab widget has: its language, its words, the palette and one error line."""

    SECTION = ""
    lang = traitlets.Unicode("en").tag(sync=True)
    words = traitlets.Dict().tag(sync=True)
    palette = traitlets.List(list(PALETTE)).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    _css = asset("widgets.css")

    def __init__(self, lang: str | None = None, **kwargs: Any) -> None:
        lang = get_lang() if lang is None else normalize_lang(lang)
        super().__init__(lang=lang, words=words(self.SECTION, lang), **kwargs)

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: dict[str, Any]) -> str:
        return normalize_lang(proposal["value"])

    @traitlets.observe("lang")
    def _new_lang(self, change: dict[str, Any]) -> None:
        self.words = words(self.SECTION, change["new"])
        self.refresh()

    def refresh(self) -> None:
        """Compute everything shown again (after the language changed)."""

    def _fail(self, error: Exception) -> None:
        self.error = worded(error, self.lang)
