"""The words of the training tools — diagnoses and advice, data set descriptions, table headers — in en and ja.

They live in ``texts/en.toml`` and ``texts/ja.toml`` inside the package (the same approach as
:mod:`losslab.explain.texts`): one file per language with exactly the same keys, read once per process. The
command line, the figures and the browser lab all read them from here.

>>> from losslab.training import texts
>>> texts.get("diagnosis.overfitting.title", "ja")
'過学習'
>>> texts.ui("val_loss", "en")
'val loss'
"""

from __future__ import annotations

from typing import Any

from .._texts import LANGS, load_toml_texts, normalize_lang

__all__ = ["LANGS", "bundle", "get", "items", "normalize_lang", "ui"]

_PACKAGE = "losslab.training"


def _read(lang: str) -> dict[str, Any]:
    return load_toml_texts(_PACKAGE, lang)


def _lookup(key: str, lang: str | None) -> Any:
    node: Any = _read(normalize_lang(lang))
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no training text {key!r}")
        node = node[part]
    return node


def get(key: str, lang: str | None = "en", **fmt: Any) -> str:
    """The text at a dotted ``key`` (``"diagnosis.plateau.message"``), formatted with ``fmt`` when given.

    Raises
    ------
    KeyError
        For a key the files do not have.
    """
    text = _lookup(key, lang)
    if not isinstance(text, str):
        raise KeyError(f"the training text {key!r} is not a single string")
    return text.format(**fmt) if fmt else text


def items(key: str, lang: str | None = "en", **fmt: Any) -> list[str]:
    """A list of texts (e.g. the advice of a diagnosis), each formatted with ``fmt`` when given."""
    value = _lookup(key, lang)
    if not isinstance(value, list):
        raise KeyError(f"the training text {key!r} is not a list")
    return [str(v).format(**fmt) if fmt else str(v) for v in value]


def ui(key: str, lang: str | None = "en", **fmt: Any) -> str:
    """A label of the training displays (table headers, status words): ``get("ui." + key)``."""
    return get(f"ui.{key}", lang, **fmt)


def bundle(lang: str | None = "en") -> dict[str, Any]:
    """Every training text of one language as plain JSON-ready data (for the browser lab)."""
    import copy

    return {"lang": normalize_lang(lang), **copy.deepcopy(_read(normalize_lang(lang)))}
