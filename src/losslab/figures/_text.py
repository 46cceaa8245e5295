"""The words of the figures, in English and Japanese.

Figure-specific strings (titles, axis titles with units, region names) live in ``figures/texts/en.toml`` and
``ja.toml``, which have the same keys; the names of losses and the shared labels come from the explanation
catalog (:mod:`losslab.explain.texts`), so a loss is called the same in a figure as in ``losslab explain``.
"""

from __future__ import annotations

from typing import Any

from ..explain import texts as T
from ..losses import Loss, Param, get

__all__ = ["always_shown", "fig_text", "loss_label", "normalize_lang", "param_label", "symbols"]

normalize_lang = T.normalize_lang


def _table(lang: str) -> dict[str, Any]:
    return T.load_texts("losslab.figures", f"{lang}.toml")


def fig_text(key: str, lang: str, **fmt: Any) -> str:
    """The figure string ``key`` ("shapes.title", "axis.error") in ``lang``, formatted with ``fmt``."""
    node: Any = _table(normalize_lang(lang))
    for part in key.split("."):
        node = node[part]
    if not isinstance(node, str):
        raise KeyError(key)
    return node.format(**fmt) if fmt else node


def symbols(lang: str) -> dict[str, str]:
    """How parameters are written in a legend ("delta" -> "δ"), by parameter name; others by their name."""
    return dict(_table(normalize_lang(lang))["symbols"])


def keys(lang: str) -> set[str]:
    """Every dotted key of the figure texts of ``lang`` (for the tests that compare en and ja)."""
    found: set[str] = set()

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for k, value in node.items():
                walk(f"{prefix}.{k}" if prefix else k, value)
        else:
            found.add(prefix)

    walk("", _table(normalize_lang(lang)))
    return found


def _number(x: Any) -> str:
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, int | float):
        return f"{float(x):g}"
    return str(x)


def always_shown(p: Param) -> bool:
    """Whether a parameter is in a loss's label even at its default: a shape parameter that is on by default.

    That is one with ``role="shape"`` and a slider whose lowest position is not its default (Huber's delta,
    quantile's q, focal's gamma); a shape parameter that defaults to its lowest value is off by default
    (label smoothing 0) and shown, like every other parameter, only when set.
    """
    return p.role == "shape" and p.slider is not None and p.default != p.slider[0]


def param_label(loss: Loss, lang: str, *, skip: tuple[str, ...] = ()) -> str:
    """The loss's numeric parameters as "δ=2, q=0.9" (symbols from the figure texts).

    Shape parameters that are on by default (:func:`always_shown`) are always shown; the others only when they
    differ from their default; safety floors (``role="numerics"``, eps) and the reading of ``pred``
    (``role="input"``) never.
    """
    written = symbols(lang)
    parts = []
    for p in loss.definition.params:
        value = loss.params[p.name]
        if p.name in skip or p.type not in ("float", "int") or isinstance(value, bool) or value is None:
            continue
        if p.role in ("numerics", "input") or (not always_shown(p) and value == p.default):
            continue
        parts.append(f"{written.get(p.name, p.name)}={_number(value)}")
    return ", ".join(parts)


def loss_label(loss: Loss | str, lang: str, *, with_params: bool = True, skip: tuple[str, ...] = ()) -> str:
    """The short name of a loss with its parameters: "Huber (δ=2)", "分位点損失 (q=0.9)"."""
    loss = get(loss)
    short = str(T.loss_text(loss.name, lang)["short"])
    params = param_label(loss, lang, skip=skip) if with_params else ""
    if not params:
        return short
    for close, comma in ((")", ", "), ("）", "、")):
        if short.endswith(close):  # "Focal (binary)" -> "Focal (binary, γ=2)"
            return f"{short[: -len(close)]}{comma}{params}{close}"
    return f"{short} ({params})"


def wrap(text: str, lang: str, width: int | None = None) -> list[str]:
    """``text`` cut into lines for a subtitle: at spaces for English, after 、 or 。 (else anywhere) for Japanese."""
    import textwrap

    if normalize_lang(lang) != "ja":
        return textwrap.wrap(text, width or 100) or [""]
    limit = width or 52
    lines: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("。", 0, limit), rest.rfind("、", 0, limit))
        cut = cut + 1 if cut >= limit // 2 else limit
        lines.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        lines.append(rest)
    return lines
