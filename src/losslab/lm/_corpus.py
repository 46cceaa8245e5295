"""Corpora: the synthetic languages, the shipped English excerpt, and the user's own text file — all offline.

:func:`load_corpus` takes a built-in name (:data:`CORPORA`) or a path; :func:`load_text` reads a user's file and
refuses, with a :class:`~losslab.errors.LossInputError` that says what to do, an empty file, a binary file, a file
longer than :data:`MAX_CHARS` characters and a text with more than :data:`MAX_VOCAB` distinct characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import LossInputError
from ._synthetic import SyntheticLanguage, synthetic_language

__all__ = ["CORPORA", "MAX_CHARS", "MAX_VOCAB", "Corpus", "load_corpus", "load_text"]

CORPORA: tuple[str, ...] = ("ja-synthetic", "en-synthetic", "en-hamlet")
MAX_CHARS = 2_000_000
"""The longest text accepted (characters): the models here are NumPy on a CPU."""
MAX_VOCAB = 5000
"""The most distinct characters accepted: a character model's output layer has one logit per character."""
SYNTHETIC_SENTENCES = 3000
"""Sentences of a synthetic corpus by default (about 37,000 characters in Japanese, 74,000 in English)."""
VAL_FRACTION = 0.1

_NAME = "lm corpus"


@dataclass(frozen=True)
class Corpus:
    """A text with its name; ``language`` is set for a synthetic corpus (its true distribution is known)."""

    name: str
    text: str
    language: SyntheticLanguage | None = None
    credit: str | None = None

    def split(self, val_fraction: float = VAL_FRACTION) -> tuple[str, str]:
        """(training text, validation text): the last ``val_fraction`` of the text, cut at a line break."""
        cut = int(len(self.text) * (1.0 - val_fraction))
        line = self.text.rfind("\n", 0, cut)
        cut = line + 1 if line > len(self.text) // 2 else cut
        return self.text[:cut], self.text[cut:]


def _refuse(path: str, expected: str, got: str, hint: str) -> LossInputError:
    return LossInputError(_NAME, path, expected, got, hint)


def load_text(path: str | Path) -> str:
    """The UTF-8 text of the file ``path``, checked for what the language models here can learn from."""
    where = str(path)
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise _refuse(where, "a text file with some text", "an empty file", "write some sentences into it")
    if b"\x00" in raw[:65536]:
        raise _refuse(where, "a text file", "a binary file (it contains NUL bytes)",
                      "give a plain UTF-8 .txt file, not a compressed or binary one")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(where, "UTF-8 text", f"byte 0x{raw[exc.start]:02x} at position {exc.start} that is not UTF-8",
                      "save the file as UTF-8 (not Shift-JIS or UTF-16)") from None
    if len(text) > MAX_CHARS:
        raise _refuse(where, f"at most {MAX_CHARS:,} characters", f"{len(text):,}",
                      "cut the file: the models here train on a CPU, 100 KB is plenty")
    distinct = len(set(text))
    if distinct > MAX_VOCAB:
        raise _refuse(where, f"at most {MAX_VOCAB:,} distinct characters", f"{distinct:,}",
                      "a character model needs one output per character; use a shorter or less varied text")
    return text.replace("\r\n", "\n")


def load_corpus(name: str, *, seed: int = 0, sentences: int = SYNTHETIC_SENTENCES) -> Corpus:
    """A built-in corpus by name (:data:`CORPORA`), or the text file at the path ``name``."""
    if name.endswith("-synthetic") and name in CORPORA:
        language = synthetic_language(name.split("-", 1)[0])
        return Corpus(name, language.sample(sentences, seed), language=language)
    if name in CORPORA:
        source = resources.files(__package__ or "losslab.lm").joinpath("corpora").joinpath(f"{name}.txt")
        credit = "Shakespeare, Hamlet (public domain; Project Gutenberg via the Open Shakespeare package)"
        return Corpus(name, source.read_text(encoding="utf-8"), credit=credit)
    if not Path(name).is_file():
        raise LossInputError(_NAME, "corpus", "one of " + ", ".join(CORPORA) + ", or a path to a UTF-8 text file",
                             repr(name), "no such file" if ("/" in name or "." in name) else None)
    return Corpus(Path(name).name, load_text(name))
