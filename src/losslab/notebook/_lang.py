"""The language of the notebook's displays and widgets, set once for the session (``losslab.set_lang``)."""

from __future__ import annotations

from typing import Any

from .._texts import normalize_lang

__all__ = ["get_lang", "set_lang"]

_state: dict[str, Any] = {"lang": None}


def set_lang(lang: str | None) -> None:
    """The language of the displays from now on (``"en"``, ``"ja"`` or a locale name; None: English)."""
    _state["lang"] = normalize_lang(lang)


def get_lang() -> str:
    """The language of the displays (set by :func:`set_lang` or ``enable(lang=...)``; English by default)."""
    return normalize_lang(_state["lang"])
