"""The explanation texts of every loss, in English and Japanese.

The words live in TOML files shipped inside the package, one per language (``texts/en.toml``,
``texts/ja.toml``), plus ``texts/meta.toml`` for language-neutral facts (the related losses). They are the single
source the command line, the figures and the browser lab read, so a sentence is fixed in one place for all of them.

>>> from losslab.explain import texts
>>> texts.loss_text("l2", "ja")["title"]
'平均二乗誤差'
>>> texts.ui("shown_rows", "en", shown=3, total=10)
'showing 3 of 10 examples'
>>> texts.normalize_lang("ja_JP.UTF-8")
'ja'

Losses registered by the user have no hand-written texts; :func:`loss_text` then builds them from the definition's
summary, formula and parameter docs, in the requested language, rather than failing.
"""

from __future__ import annotations

import difflib
from typing import Any

from .._texts import LANGS, load_toml_texts, normalize_lang
from ..losses import definition, definitions

__all__ = [
    "LANGS",
    "TEXT_FIELDS",
    "UI_KEYS",
    "bundle",
    "load_texts",
    "loss_text",
    "normalize_lang",
    "related",
    "ui",
]

TEXT_FIELDS: tuple[str, ...] = (
    "title",
    "short",
    "idea",
    "how",
    "when_to_use",
    "avoid_when",
    "outliers",
    "gradient",
    "pitfall",
)
"""The keys every loss has in every language (besides ``params``, one sentence per parameter)."""

UI_KEYS: tuple[str, ...] = (
    "pred", "target", "error", "abs_error", "squared_error", "branch", "quadratic", "linear", "log1p_pred",
    "log1p_target", "log_diff", "percent_error", "rate", "prob", "target_smoothed", "prob_true", "neg_log_prob",
    "modulation", "alpha_t", "margin", "hinge", "inside_margin", "outside_margin", "label", "true_class",
    "score_true", "best_wrong", "kl_term", "js_term", "term", "class", "element", "element_loss", "loss", "weight",
    "weighted_loss", "share", "example", "step", "value", "total", "sum", "mean", "weighted_mean", "sqrt",
    "reduction", "formula", "idea", "how", "when_to_use", "avoid_when", "outliers", "gradient", "pitfall", "related",
    "params", "equivalents", "final_value", "shown_rows", "largest_rows", "task", "regression", "binary",
    "multiclass", "distribution", "name", "aliases", "default", "description", "warning", "error_message", "hint",
    "true_positive", "false_positive", "false_negative", "pred_norm", "target_norm", "cosine",
    "distance_positive", "distance_negative", "difference", "distance", "variance", "spread", "inputs",
    "max", "median",
    "input_length", "target_length", "frames_needed", "log10_alignments", "log_likelihood", "probability",
)
"""The labels of the ``[ui]`` table: column headers, section headings and words shown around the numbers.

``error`` is the prediction error (a column header); the heading of an error message is ``error_message``.
``shown_rows`` is a template with ``{shown}`` and ``{total}``.
"""

_PACKAGE = "losslab.explain"
_USER_PARAM_DOC = "user parameter"  # what losslab.register writes for a parameter it knows nothing about


def load_texts(package: str, filename: str) -> dict[str, Any]:
    """``package``'s ``texts/<filename>`` parsed, read once per process: :func:`losslab._texts.load_toml_texts`,
    the package's one text reader (``filename`` such as ``"ja.toml"``)."""
    return load_toml_texts(package, filename.removesuffix(".toml"))


def _catalog(lang: str) -> dict[str, Any]:
    return load_toml_texts(_PACKAGE, lang)


def _meta() -> dict[str, Any]:
    return load_toml_texts(_PACKAGE, "meta")


def ui(key: str, lang: str | None = "en", **fmt: Any) -> str:
    """A label of the user interface (column header, section heading, word), in ``lang``.

    Parameters
    ----------
    key : str
        A key of the ``[ui]`` table, see :data:`UI_KEYS`.
    lang : str or None
        Language code or locale, see :func:`normalize_lang`.
    **fmt
        Values for the template's placeholders (``shown_rows`` takes ``shown`` and ``total``). Without them the
        text is returned as stored, braces included.

    Returns
    -------
    str
        The label.

    Raises
    ------
    KeyError
        For a key that the table does not have (with the closest keys in the message).
    """
    table: dict[str, str] = _catalog(normalize_lang(lang))["ui"]
    try:
        text = table[key]
    except KeyError:
        close = difflib.get_close_matches(str(key), list(table), n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no ui text {key!r}{hint}") from None
    return text.format(**fmt) if fmt else text


def _fallback(name: str, lang: str) -> dict[str, Any]:
    """Texts for a loss that has none written: built from its definition, in ``lang``."""
    d = definition(name)
    words: dict[str, str] = _catalog(lang)["fallback"]
    formula = d.plain or d.latex
    if d.grad is not None:
        gradient = words["gradient_given"]
    elif d.kind == "elementwise":
        gradient = words["gradient_numeric"]
    else:
        gradient = words["gradient_none"]
    params = {
        p.name: p.doc if p.doc and p.doc != _USER_PARAM_DOC else words["param"].format(default=repr(p.default))
        for p in d.params
    }
    return {
        "title": d.name,
        "short": d.name,
        "idea": d.summary or words["idea"],
        "how": words["how"].format(formula=formula) if formula else words["how_unknown"],
        "when_to_use": words["when_to_use"].format(task=ui(d.task, lang)),
        "avoid_when": words["avoid_when"],
        "outliers": words["outliers"],
        "gradient": gradient,
        "pitfall": words["pitfall"],
        "params": params,
        "inputs": {i.name: i.doc for i in d.inputs},
    }


def loss_text(name: str, lang: str | None = "en") -> dict[str, Any]:
    """Everything written about one loss, in ``lang``.

    Parameters
    ----------
    name : str
        The loss's canonical name or one of its aliases (``"l2"`` is ``"mse"``).
    lang : str or None
        Language code or locale, see :func:`normalize_lang`.

    Returns
    -------
    dict
        A fresh dict (safe to modify) with a string for every key of :data:`TEXT_FIELDS`; ``params``, a dict
        with one sentence per parameter of the loss (empty for a loss without parameters); ``inputs``, one sentence
        per extra input (``definition.inputs``; empty for most losses); and ``generated``,
        ``True`` when the texts were built from the definition because none were written for this loss (losses
        registered by the user).

    Raises
    ------
    LossInputError
        For an unknown loss name or language.

    Examples
    --------
    >>> loss_text("huber")["params"]["delta"].startswith("The error size")
    True
    """
    lang = normalize_lang(lang)
    d = definition(name)
    written: dict[str, Any] | None = _catalog(lang)["losses"].get(d.name) if d.builtin else None
    if written is None:
        return {**_fallback(d.name, lang), "generated": True}
    result: dict[str, Any] = {field: written[field] for field in TEXT_FIELDS if field in written}
    params: dict[str, str] = dict(written.get("params", {}))
    missing = [field for field in TEXT_FIELDS if field not in result]
    if missing or any(p.name not in params for p in d.params):
        filler = _fallback(d.name, lang)
        result.update({field: filler[field] for field in missing})
        params = {p.name: params.get(p.name, filler["params"][p.name]) for p in d.params}
    result["params"] = params
    # one sentence per extra input ([losses.NAME.inputs]); the definition's English doc where none is written
    written_inputs: dict[str, str] = dict(written.get("inputs", {}))
    result["inputs"] = {i.name: written_inputs.get(i.name, i.doc) for i in d.inputs}
    result["generated"] = False
    return result


def related(name: str) -> list[str]:
    """The catalog losses worth comparing with ``name``, closest first.

    Parameters
    ----------
    name : str
        The loss's canonical name or one of its aliases.

    Returns
    -------
    list of str
        2 to 4 canonical names for a built-in loss; an empty list for a loss registered by the user.

    Raises
    ------
    LossInputError
        For an unknown loss name.
    """
    d = definition(name)
    if not d.builtin:
        return []
    return list(_meta()["related"].get(d.name, []))


def bundle(lang: str | None = "en") -> dict[str, Any]:
    """All texts of one language for every registered loss, as plain JSON-ready data (for the browser lab).

    Parameters
    ----------
    lang : str or None
        Language code or locale, see :func:`normalize_lang`.

    Returns
    -------
    dict
        ``{"lang": ..., "ui": {key: label}, "losses": {name: loss_text(name, lang)},
        "related": {name: related(name)}}``.
    """
    lang = normalize_lang(lang)
    names = [d.name for d in definitions()]
    return {
        "lang": lang,
        "ui": dict(_catalog(lang)["ui"]),
        "losses": {name: loss_text(name, lang) for name in names},
        "related": {name: related(name) for name in names},
    }
