"""The sentences of the advice, in English and Japanese.

Every sentence the advice shows is a :class:`Note`: a key into ``texts/en.toml`` / ``texts/ja.toml`` plus the
numbers that fill it. The result object keeps the notes, not rendered strings, so the same recommendation can be
shown in either language (``result.to_text(lang="ja")``) and its JSON carries both the key and the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._texts import LANGS, load_toml_texts, normalize_lang
from ..explain import texts as _explain_texts

__all__ = ["LANGS", "Note", "Term", "loss_title", "normalize_lang", "say", "table"]


def _read(lang: str) -> dict[str, Any]:
    return load_toml_texts("losslab.advice", lang)


def table(section: str, lang: str | None = "en") -> dict[str, str]:
    """One ``[section]`` of the texts of ``lang`` (a fresh dict)."""
    return dict(_read(normalize_lang(lang))[section])


def say(key: str, lang: str | None = "en", **values: Any) -> str:
    """The sentence ``key`` ("section.name") in ``lang``, filled with ``values``."""
    section, _, name = key.partition(".")
    words: Mapping[str, Any] = _read(normalize_lang(lang))
    try:
        template = words[section][name]
    except KeyError:
        raise KeyError(f"no advice text {key!r}") from None
    return str(template).format(**values) if values else str(template)


def loss_title(name: str, lang: str | None = "en") -> str:
    """The loss's title from the explanation texts ("Mean squared error" / "平均二乗誤差")."""
    return str(_explain_texts.loss_text(name, lang)["title"])


@dataclass(frozen=True)
class Term:
    """A value of a note that is itself a text, translated when the note is rendered (a metric's name)."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = "en") -> str:
        return say(self.key, lang, **self.values)


@dataclass(frozen=True)
class Note:
    """One sentence of the advice: a text key and the values that fill it."""

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = "en") -> str:
        values = {k: (v.text(lang) if isinstance(v, Term) else v) for k, v in self.values.items()}
        return say(self.key, lang, **values)

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        values = {k: (v.key.partition(".")[2] if isinstance(v, Term) else v) for k, v in self.values.items()}
        return {"key": self.key, "values": values, "text": self.text(lang)}
