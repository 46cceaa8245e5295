"""The issue's numbers: the seed example, entropy, perplexity and bits, the exact entropy floor, the accumulation
trap and the size of the logits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import lm
from losslab.errors import LossInputError


def test_the_seed_example_in_japanese_and_english():
    ja = lm.synthetic_language("ja").read("今日はいい天気")[-1]
    en = lm.synthetic_language("en").read("The weather today is sunny")[-1]
    for step in (ja, en):
        assert step.p == 0.6 and sorted(step.distribution.values()) == [0.2, 0.2, 0.6]
        assert round(step.loss, 4) == 0.5108
        assert round(-math.log(0.2), 4) == 1.6094
        assert round(step.entropy, 4) == 0.9503
        assert round(lm.perplexity(step.entropy), 3) == 2.586
    assert ja.context == "今日はいい" and ja.word == "天気"
    assert lm.synthetic_language("ja").read("今日はいい電車")[-1].loss == pytest.approx(math.log(5), abs=0)


def test_entropy_perplexity_bits():
    assert lm.entropy([0.6, 0.2, 0.2]) == pytest.approx(0.9502705392332347, rel=1e-15)
    assert lm.entropy([1.0, 0.0]) == 0.0  # 0 log 0 = 0
    rows = lm.entropy(np.full((2, 4), 0.25))
    np.testing.assert_allclose(rows, math.log(4))
    assert lm.perplexity(math.log(7)) == pytest.approx(7)
    assert lm.perplexity(1e4) == math.inf
    assert lm.bits(math.log(2)) == 1.0
    with pytest.raises(LossInputError, match="non-negative"):
        lm.entropy([0.5, -0.1])


def test_rates_are_one_total_in_every_unit():
    r = lm.rates(total_nats=10 * math.log(2), tokens=5, chars=10, n_bytes=20)
    assert r.bits_per_token == pytest.approx(2.0) and r.bits_per_char == pytest.approx(1.0)
    assert r.bits_per_byte == pytest.approx(0.5) and r.perplexity == pytest.approx(4.0)
    with pytest.raises(LossInputError):
        lm.rates(1.0, 0, 1, 1)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_true_entropy_is_exact_and_matches_a_long_sample(lang):
    language = lm.synthetic_language(lang)
    floor = lm.true_entropy(lang)
    assert floor.nats_per_word == pytest.approx(floor.nats_per_sentence / floor.words_per_sentence)
    text = language.sample(20000, seed=1)
    steps = language.read(text)
    nats = math.fsum(s.loss for s in steps)
    # the empirical loss of the true model converges to the exact floor
    assert nats / len(steps) == pytest.approx(floor.nats_per_word, rel=0.01)
    assert nats / (math.log(2) * len(text)) == pytest.approx(floor.bits_per_char, rel=0.01)
    assert nats / (math.log(2) * len(text.encode())) == pytest.approx(floor.bits_per_byte, rel=0.01)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_grammars_are_distributions_and_prefix_free(lang):
    for state, rules in lm.synthetic_language(lang).grammar.items():
        assert math.fsum(p for _, _, p in rules) == pytest.approx(1.0, abs=1e-12), state
        words = [w for w, _, _ in rules]
        assert not any(a != b and b.startswith(a) for a in words for b in words), state


def test_the_same_seed_gives_the_same_corpus():
    ja = lm.synthetic_language("ja")
    assert ja.sample(50, seed=3) == ja.sample(50, seed=3) != ja.sample(50, seed=4)


def test_the_accumulation_trap():
    trap = lm.accumulation_trap([np.full(10, 1.0), np.full(1000, 3.0)])
    assert trap.mean_of_means == pytest.approx(2.0)
    assert trap.token_mean == pytest.approx((10 + 3000) / 1010)
    assert trap.gap != 0 and trap.counts == (10, 1000)
    equal = lm.accumulation_trap([[1.0, 2.0], [3.0, 6.0]])
    assert equal.mean_of_means == pytest.approx(equal.token_mean)
    with pytest.raises(LossInputError):
        lm.accumulation_trap([[1.0], []])


def test_logits_memory_and_presets():
    assert lm.logits_memory(8192, 32000) == 8192 * 32000 * 4
    assert lm.logits_memory(10, 10, bytes_per=2) == 200
    assert lm.MEMORY_PRESETS["gpt2"]["vocab"] == 50257 and lm.MEMORY_PRESETS["llama2"]["vocab"] == 32000
    assert all(p["source"] for p in lm.MEMORY_PRESETS.values())
    for bad in (0, -1, 2.5, True):
        with pytest.raises(LossInputError):
            lm.logits_memory(bad, 10)
