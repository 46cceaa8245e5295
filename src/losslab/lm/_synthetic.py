"""Synthetic corpora with a known next-word distribution, so the entropy floor is exact.

A :class:`SyntheticLanguage` samples sentences from a grammar of :mod:`._grammars` with a seed, reads a text back
into its words with the true probability of each (:meth:`SyntheticLanguage.read`), and computes the true entropy
in closed form. With :math:`\\pi(s)` the expected number of visits of state :math:`s` per sentence,

.. math:: H_\\text{sentence} = \\sum_s \\pi(s)\\, H(p(\\cdot \\mid s)), \\qquad
          H_\\text{per word} = \\frac{H_\\text{sentence}}{\\mathbb E[\\text{words}]}, \\qquad
          H_\\text{per char} = \\frac{H_\\text{sentence}}{\\mathbb E[\\text{chars}]}

— the long-run loss per word (per character) of the best possible model, averaged over the generating process
(a ratio of expectations, by the renewal theorem: sentences are independent).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import LossInputError
from ._grammars import GRAMMARS, Grammar
from ._measures import entropy

__all__ = ["SyntheticLanguage", "TrueEntropy", "TrueStep", "synthetic_language", "true_entropy"]

START = "start"


@dataclass(frozen=True)
class TrueEntropy:
    """The entropy floor of a synthetic language, per sentence, per word, per character and per UTF-8 byte."""

    nats_per_sentence: float
    words_per_sentence: float
    chars_per_sentence: float
    bytes_per_sentence: float

    @property
    def nats_per_word(self) -> float:
        return self.nats_per_sentence / self.words_per_sentence

    @property
    def bits_per_char(self) -> float:
        return self.nats_per_sentence / (math.log(2) * self.chars_per_sentence)

    @property
    def bits_per_byte(self) -> float:
        return self.nats_per_sentence / (math.log(2) * self.bytes_per_sentence)


@dataclass(frozen=True)
class TrueStep:
    """One word of a text read by the grammar: its context, the true distribution there, and its probability."""

    context: str
    word: str
    p: float
    distribution: dict[str, float]

    @property
    def loss(self) -> float:
        return -math.log(self.p)

    @property
    def entropy(self) -> float:
        return float(entropy(list(self.distribution.values())))


@dataclass(frozen=True)
class SyntheticLanguage:
    """A grammar with its name and language; sample it, read texts with it, and know its entropy."""

    lang: str
    grammar: Grammar

    @property
    def name(self) -> str:
        return f"{self.lang}-synthetic"

    def next_distribution(self, state: str) -> dict[str, float]:
        """The true distribution of the next word in ``state``."""
        return {word: p for word, _, p in self.grammar[state]}

    def sample(self, n_sentences: int, seed: int = 0) -> str:
        """``n_sentences`` sentences drawn with ``numpy.random.default_rng(seed)`` (same seed, same text)."""
        rng = np.random.default_rng(seed)
        cumulative = {s: np.cumsum([p for _, _, p in rules]) for s, rules in self.grammar.items()}
        words: list[str] = []
        for _ in range(n_sentences):
            state: str | None = START
            while state is not None:
                rules = self.grammar[state]
                k = min(int(np.searchsorted(cumulative[state], rng.random(), side="right")), len(rules) - 1)
                words.append(rules[k][0])
                state = rules[k][1]
        return "".join(words)

    def read(self, text: str) -> list[TrueStep]:
        """Each word of ``text`` with its context (the sentence so far) and true probability; ``text`` starts a
        sentence."""
        steps: list[TrueStep] = []
        state: str | None = START
        pos = begin = 0
        while pos < len(text):
            if state is None:
                state, begin = START, pos
            rules = self.grammar[state]
            match = next((r for r in rules if text.startswith(r[0], pos)), None)
            if match is None:
                expected = " | ".join(repr(w) for w, _, _ in rules)
                raise LossInputError(f"lm {self.name}", "text", f"after {text[:pos]!r} one of {expected}",
                                     repr(text[pos:pos + 12]),
                                     "the synthetic language only has the sentences of its grammar (losslab lm "
                                     "sample shows some); use --model bigram or mlp for any text")
            steps.append(TrueStep(text[begin:pos], match[0], match[2], self.next_distribution(state)))
            pos += len(match[0])
            state = match[1]
        return steps

    def true_entropy(self) -> TrueEntropy:
        """The exact entropy floor (see the module docstring)."""
        g = self.grammar

        @functools.cache
        def expect(state: str | None) -> tuple[float, float, float, float]:
            """(entropy, words, chars, bytes) expected from ``state`` to the end of the sentence."""
            if state is None:
                return 0.0, 0.0, 0.0, 0.0
            h = float(entropy([p for _, _, p in g[state]]))
            out = [h, 1.0, 0.0, 0.0]
            for word, nxt, p in g[state]:
                rest = expect(nxt)
                out[1] += p * rest[1]
                out[0] += p * rest[0]
                out[2] += p * (len(word) + rest[2])
                out[3] += p * (len(word.encode("utf-8")) + rest[3])
            return out[0], out[1], out[2], out[3]

        h, words, chars, n_bytes = expect(START)
        return TrueEntropy(h, words, chars, n_bytes)


def synthetic_language(lang: str) -> SyntheticLanguage:
    """The synthetic language in ``lang`` ("en" or "ja")."""
    if lang not in GRAMMARS:
        raise LossInputError("lm", "lang", "'en' or 'ja'", repr(lang))
    return SyntheticLanguage(lang, GRAMMARS[lang])


def true_entropy(lang: str) -> TrueEntropy:
    """The exact entropy floor of the synthetic language in ``lang``.

    >>> round(true_entropy("ja").bits_per_char, 4)
    0.3248
    """
    return synthetic_language(lang).true_entropy()
