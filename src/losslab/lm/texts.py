"""The words of :mod:`losslab.lm` and of ``losslab lm`` in English and Japanese (``texts/{en,ja}.toml``).

>>> from losslab.lm import texts
>>> texts.get("init.ok", "en", first="3.689", ln_v="3.689", gap="0.0")[:9]
'The first'
"""

from __future__ import annotations

from typing import Any

from .._texts import load_toml_texts, normalize_lang

__all__ = ["get", "section"]

_PACKAGE = "losslab.lm"


def section(name: str, lang: str | None = "en") -> dict[str, Any]:
    """The table ``[name]`` of the texts in ``lang``."""
    node: dict[str, Any] = load_toml_texts(_PACKAGE, normalize_lang(lang))[name]
    return node


def get(key: str, lang: str | None = "en", **fmt: Any) -> str:
    """The text at the dotted ``key`` (``"init.far"``), formatted with ``fmt``."""
    node: Any = load_toml_texts(_PACKAGE, normalize_lang(lang))
    for part in key.split("."):
        node = node[part]
    return str(node).format(**fmt) if fmt else str(node)
