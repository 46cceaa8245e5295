"""losslab's results shown in notebooks (Jupyter, JupyterLab, Colab, VS Code): HTML and Markdown, en and ja.

>>> from losslab import notebook, get
>>> page = notebook.html(get("huber", delta=2.0), lang="ja")
>>> page.startswith('<section class="losslab-view losslab-loss" lang="ja">')
True

:func:`html` and :func:`markdown` show a loss, an explanation, a training run or its history (with the learning
curves drawn by losslab's own Vega scripts, no CDN, when altair is installed), a diagnosis, a comparison, a
recommendation, a formula and its property report, a language-model run and its per-token view, and the
distillation results. :func:`enable` registers them with IPython's display formatters, so that a result left as
the last line of a cell shows itself; ``import losslab`` calls it when it runs inside an IPython kernel, and
``losslab.set_lang("ja")`` switches the language of every display.

Every string a user typed (a loss's name, formula or summary) is escaped: shown as text, never run as markup.
This module is light: the views (and the parts of losslab they read) are imported on the first display.
"""

from __future__ import annotations

from typing import Any

from ._lang import get_lang, set_lang

__all__ = ["disable", "enable", "explorer", "formula_editor", "get_lang", "html", "live_fit", "markdown", "set_lang",
           "supported", "token_widget"]

_MIME = ("text/html", "text/markdown")


def html(obj: Any, lang: str | None = None, *, figure: bool = True) -> str:
    """``obj`` as an HTML fragment (a ``<section>``), in ``lang`` (default: :func:`get_lang`).

    ``figure=False`` leaves out the learning curves (each carries the Vega scripts, about 0.8 MB).

    Raises
    ------
    TypeError
        For an object losslab does not show (see :func:`supported`).
    """
    return _view(obj, lang, figure).to_html()


def markdown(obj: Any, lang: str | None = None) -> str:
    """``obj`` as Markdown (tables, lists, fenced code; figures are left out), in ``lang``."""
    return _view(obj, lang, False).to_markdown()


def supported() -> tuple[type, ...]:
    """The classes :func:`html` and :func:`markdown` show (and lists of ``TokenRow`` or ``LintFinding``)."""
    from ._views import TYPES

    return tuple(cls for cls, _ in TYPES)


# ------------------------------------------------------------------------------------------------------ widgets
# Each factory imports its widget (and anywidget) on first use: `import losslab` loads none of them.
def explorer(task: str = "regression", loss: str | None = None, params: dict[str, Any] | None = None, *,
             pred: float = 1.0, target: float = 0.0, lang: str | None = None) -> Any:
    """The loss explorer widget: a catalog loss by task, its shape sliders, prediction and target → value,
    gradient and curve (see docs/notebook.md). Needs ``losslab[notebook]`` (anywidget)."""
    from ._explorer import LossExplorer

    return LossExplorer(task, loss, params, pred=pred, target=target, lang=lang)


def live_fit(data: Any, *, lang: str | None = None, start: bool = True, **fit_kwargs: Any) -> Any:
    """Train with :func:`losslab.training.fit` in the background while a widget shows the curves, the progress,
    Pause/Resume/Stop and, at the end, the diagnosis. Returns the widget at once; ``widget.wait()`` blocks for
    the :class:`~losslab.training.Run` (``widget.run`` once it ended)."""
    from ._live import LiveFit

    widget = LiveFit(data, lang=lang, **fit_kwargs)
    return widget.start() if start else widget


def token_widget(source: Any, text: str, *, top: int = 5, lang: str | None = None) -> Any:
    """The per-token next-token view of ``text`` as a widget: ``source`` is an :class:`~losslab.lm.LMRun` (its
    model and tokenizer) or a :class:`~losslab.lm.SyntheticLanguage` (its true distribution)."""
    from ._token_widget import TokenWidget

    return TokenWidget(source, text, top=top, lang=lang)


def formula_editor(formula: str = "log(cosh(yhat - y))", params: str = "", *, task: str = "regression",
                   lang: str | None = None) -> Any:
    """The custom-loss editor: type a formula (``losslab.custom``'s language) and read how it parses, its
    derivative, its curve and the property report, or the error, in en/ja."""
    from ._editor import FormulaEditor

    return FormulaEditor(formula, params, task=task, lang=lang)


def _view(obj: Any, lang: str | None, figure: bool) -> Any:
    from ._views import view

    shown = view(obj, lang if lang is not None else get_lang(), figure)
    if shown is None:
        raise TypeError(f"losslab.notebook shows losslab's results, not {type(obj).__name__}; "
                        f"see losslab.notebook.supported()")
    return shown


def _html_formatter(obj: Any) -> str:
    return html(obj)


def _markdown_formatter(obj: Any) -> str:
    return markdown(obj)


def _shell(shell: Any) -> Any:
    if shell is not None:
        return shell
    try:
        from IPython import get_ipython  # the optional extra losslab[notebook]
    except ImportError:
        return None
    return get_ipython()


def enable(lang: str | None = None, *, shell: Any = None) -> bool:
    """Show losslab's results as HTML (and Markdown) in this IPython session.

    Parameters
    ----------
    lang : str, optional
        The language of the displays (as :func:`set_lang`); None keeps the current one.
    shell : IPython shell, optional
        The shell to register with; by default ``IPython.get_ipython()``.

    Returns
    -------
    bool
        True when the formatters were registered, False outside IPython (nothing to do).
    """
    if lang is not None:
        set_lang(lang)
    ip = _shell(shell)
    if ip is None:
        return False
    formatters = ip.display_formatter.formatters
    for cls in supported():
        formatters["text/html"].for_type(cls, _html_formatter)
        formatters["text/markdown"].for_type(cls, _markdown_formatter)
    return True


def disable(*, shell: Any = None) -> bool:
    """Undo :func:`enable`: the results show as their plain ``repr`` again."""
    ip = _shell(shell)
    if ip is None:
        return False
    for mime in _MIME:
        formatter = ip.display_formatter.formatters[mime]
        for cls in supported():
            pop = getattr(formatter, "pop", None)
            if pop is not None:
                pop(cls, None)
    return True
