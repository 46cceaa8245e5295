"""Tokenizers: round trips (Japanese, emoji), BPE's merges and speed, and bits per character that do not depend on
the tokenizer."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from losslab import lm
from losslab.errors import LossInputError
from losslab.lm._tokenizers import _apply_merge

MIXED = "今日はいい天気です。😀👍🏽 The weather today is sunny! café\n"


@pytest.mark.parametrize("make", [lambda t: lm.CharTokenizer.train(t), lambda t: lm.ByteTokenizer(),
                                  lambda t: lm.BPETokenizer.train(t * 20, 300)])
def test_round_trip(make):
    tok = make(MIXED)
    ids = tok.encode(MIXED)
    assert tok.decode(ids) == MIXED
    assert ids.min() >= 0 and ids.max() < tok.vocab_size


def test_vocab_sizes():
    assert lm.ByteTokenizer().vocab_size == 256
    assert lm.CharTokenizer.train("abca").vocab_size == 3
    bpe = lm.BPETokenizer.train(MIXED * 20, 300)
    assert 256 < bpe.vocab_size <= 300 and len(lm.ByteTokenizer().encode(MIXED)) > len(bpe.encode(MIXED))


def test_bpe_on_japanese_learns_characters_and_round_trips():
    text = lm.load_corpus("ja-synthetic", sentences=300).text
    bpe = lm.BPETokenizer.train(text, 320)
    assert bpe.decode(bpe.encode(text)) == text
    assert any("天気" in bpe.token_text(t) for t in range(bpe.vocab_size))
    assert bpe.decode(bpe.encode("😀未知の文字")) == "😀未知の文字"  # unseen text still round-trips (bytes)


def test_bpe_trains_on_100_kb_in_under_a_second():
    text = lm.load_corpus("en-hamlet").text
    assert len(text.encode()) > 99_000
    started = time.perf_counter()
    bpe = lm.BPETokenizer.train(text, 512)
    assert time.perf_counter() - started < 1.0
    assert bpe.vocab_size == 512 and bpe.decode(bpe.encode(text[:5000])) == text[:5000]


def test_merges_of_runs_are_left_to_right_and_deterministic():
    assert _apply_merge(np.array([1, 1, 1, 1, 1, 2, 1, 1]), 1, 1, 9).tolist() == [9, 9, 1, 2, 9]
    assert _apply_merge(np.array([1, 2, 1, 2]), 1, 2, 7).tolist() == [7, 7]
    assert lm.BPETokenizer.train("abab" * 50, 260).merges == lm.BPETokenizer.train("abab" * 50, 260).merges


def test_bits_per_char_are_the_same_whatever_the_tokenizer():
    """Characters and bytes are counted from the tokens' bytes, so one total loss in nats gives one bits per
    character for every tokenizer; the true model's total over a text does not depend on how it is cut."""
    language = lm.synthetic_language("ja")
    text = language.sample(200, seed=5)
    total = math.fsum(step.loss for step in language.read(text))
    found = set()
    for tok in (lm.CharTokenizer.train(text), lm.ByteTokenizer(), lm.BPETokenizer.train(text, 400)):
        ids = tok.encode(text)
        chars, n_bytes = lm.count_units(tok, ids)
        assert (chars, n_bytes) == (len(text), len(text.encode()))
        found.add(round(lm.rates(total, ids.size, chars, n_bytes).bits_per_char, 12))
    assert len(found) == 1


def test_errors():
    with pytest.raises(LossInputError, match="byte or bpe"):
        lm.CharTokenizer.train("abc").encode("abd")
    with pytest.raises(LossInputError):
        lm.BPETokenizer.train("abc", 100)
    with pytest.raises(LossInputError):
        lm.make_tokenizer("word", "abc")
