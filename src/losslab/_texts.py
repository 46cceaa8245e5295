"""The one reader of losslab's texts: ``<package>/texts/<lang>.toml``, parsed once per process, and the languages.

Every part of losslab keeps its words in TOML files beside its code (``losslab/<part>/texts/en.toml``, ``ja.toml``;
the explanations also ``meta.toml``). :func:`load_toml_texts` reads all of them, from a wheel as well as from a
checkout, and :func:`normalize_lang` turns a language code or locale name into one of :data:`LANGS`. This module
sits at the bottom of the package (it imports only :mod:`losslab.errors`), so that the trainer, the advice, the
figures and the lab read their own words without importing the explanations.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Any

from .errors import LossInputError

__all__ = ["LANGS", "load_toml_texts", "normalize_lang"]

LANGS: tuple[str, ...] = ("en", "ja")
"""The languages with a complete set of texts; the first is the default."""

_FOLDER = "texts"
_LOCALE_SEPARATORS = re.compile(r"[-_.@]")
_UNTRANSLATED_LOCALES = ("c", "posix")  # the POSIX locales mean "no translation": English


@functools.lru_cache(maxsize=32)
def load_toml_texts(package: str, lang: str) -> dict[str, Any]:
    """``package``'s ``texts/<lang>.toml`` parsed, read once per process (the same dict on every call: copy it
    before changing it).

    ``lang`` is the file's stem: a language of :data:`LANGS`, or the name of a language-neutral file such as
    ``"meta"``. ``load_toml_texts("losslab.training", "ja")`` reads ``losslab/training/texts/ja.toml``.
    """
    source = resources.files(package).joinpath(_FOLDER).joinpath(f"{lang}.toml")
    with source.open("rb") as handle:
        return tomllib.load(handle)


def normalize_lang(lang: str | None) -> str:
    """The language code losslab uses for ``lang``.

    Parameters
    ----------
    lang : str or None
        A language code (``"en"``, ``"JA"``) or a locale name (``"ja_JP.UTF-8"``, ``"en-US"``). ``None``, an empty
        string and the untranslated POSIX locales ``"C"`` / ``"POSIX"`` mean English.

    Returns
    -------
    str
        One of :data:`LANGS`.

    Raises
    ------
    LossInputError
        For any other language, naming the argument ``lang``.

    Examples
    --------
    >>> normalize_lang("ja_JP.UTF-8"), normalize_lang("EN"), normalize_lang(None)
    ('ja', 'en', 'en')
    """
    if lang is None:
        return LANGS[0]
    if not isinstance(lang, str):
        raise LossInputError("losslab", "lang", "'en' or 'ja'", f"{type(lang).__name__} {lang!r}")
    key = lang.strip().lower()
    if not key:
        return LANGS[0]
    base = _LOCALE_SEPARATORS.split(key, maxsplit=1)[0]
    if base in LANGS:
        return base
    if base in _UNTRANSLATED_LOCALES:
        return LANGS[0]
    raise LossInputError("losslab", "lang", "'en' or 'ja'", repr(lang),
                         "texts exist in English ('en') and Japanese ('ja'); locale names such as "
                         "'ja_JP.UTF-8' are accepted too")
