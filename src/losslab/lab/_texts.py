"""The words of the lab page, in English and Japanese: ``lab/texts/{en,ja}.toml`` plus the shared catalogs.

The page shows no string of its own: every label, heading and sentence comes from the bundle built here, which
joins the lab's own texts with the explanation catalog (names of the losses, column headers) and the trainer's
texts, so a word is written once for the command line, the figures and the page.
"""

from __future__ import annotations

import functools
from typing import Any

from .._texts import LANGS, load_toml_texts
from ..explain import texts as T
from ..losses import catalog

__all__ = ["LANGS", "bundle", "flat", "lab_text", "preferred_lang"]


def _table(lang: str) -> dict[str, Any]:
    return load_toml_texts("losslab.lab", lang)


def flat(lang: str) -> dict[str, str]:
    """The lab's texts of ``lang`` as ``{"section.key": text}``."""
    out: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else key, value)
        else:
            out[prefix] = str(node)

    walk("", _table(T.normalize_lang(lang)))
    return out


def lab_text(key: str, lang: str, **fmt: Any) -> str:
    text = flat(lang)[key]
    return text.format(**fmt) if fmt else text


@functools.lru_cache(maxsize=4)
def bundle(lang: str) -> dict[str, Any]:
    """Everything the page needs to speak ``lang``: lab texts, catalog labels, loss titles and texts."""
    lang = T.normalize_lang(lang)
    losses = {}
    for entry in catalog():
        text = T.loss_text(entry["name"], lang)
        losses[entry["name"]] = {"title": text["title"], "short": text["short"], "idea": text["idea"],
                                 "params": text["params"], "task": entry["task"]}
    training: dict[str, Any] = {}
    try:
        from ..training import texts as training_texts

        training = dict(training_texts.bundle(lang)) if hasattr(training_texts, "bundle") else {}
    except ImportError:
        training = {}
    # the error patterns are the server's (lab/_error_words.py writes each message): the page needs none of them
    lab = {k: v for k, v in flat(lang).items() if not k.startswith("errors.")}
    return {"lang": lang, "lab": lab, "ui": dict(T.bundle(lang)["ui"]), "losses": losses,
            "training": training}


def preferred_lang(accept_language: str | None) -> str:
    """The page's language for a browser that sent ``Accept-Language`` (``"ja-JP,ja;q=0.9,en;q=0.8"``): the first
    of the browser's languages, in order of preference, that the lab speaks; English if none is."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "")[:1000].split(",")[:32]):
        code, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = code.strip().lower().split("-")[0]
        if base in LANGS and q > 0:
            ranked.append((-q, i, base))
    return min(ranked)[2] if ranked else "en"
