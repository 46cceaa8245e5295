"""Corpora and models: the user's file refused in clear words, reproducible training, the reference lines, the
initialisation check, the MLP below the bigram, the MLP's gradient, sampling and the per-token view."""

from __future__ import annotations

import math

import numpy as np
import pytest

import losslab
from losslab import lm
from losslab.errors import LossInputError

SMALL = {"steps": 600, "context": 6, "hidden": 64, "batch": 64, "lr": 0.01}


# ----------------------------------------------------------------------------------------------------- corpora
def test_load_text_refuses_what_cannot_be_learned(tmp_path, monkeypatch):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    sjis = tmp_path / "sjis.txt"
    sjis.write_bytes("今日は".encode("shift_jis"))
    cases = [(empty, "empty"), (binary, "binary"), (sjis, "UTF-8")]
    for path, words in cases:
        with pytest.raises(LossInputError, match=words) as info:
            lm.load_text(path)
        assert info.value.hint
    monkeypatch.setattr(lm._corpus, "MAX_CHARS", 10)
    long = tmp_path / "long.txt"
    long.write_text("a" * 11)
    with pytest.raises(LossInputError, match="at most 10 characters"):
        lm.load_text(long)
    monkeypatch.setattr(lm._corpus, "MAX_VOCAB", 3)
    varied = tmp_path / "varied.txt"
    varied.write_text("abcd")
    with pytest.raises(LossInputError, match="distinct characters"):
        lm.load_text(varied)


def test_corpora_load_offline(tmp_path):
    hamlet = lm.load_corpus("en-hamlet")
    assert hamlet.text.startswith("HAMLET") and 90_000 < len(hamlet.text) <= 100_000 and hamlet.credit
    own = tmp_path / "mine.txt"
    own.write_text("今日はいい天気です。\n" * 20, encoding="utf-8")
    corpus = lm.load_corpus(str(own))
    assert corpus.name == "mine.txt" and corpus.language is None
    train_text, val_text = corpus.split()
    assert train_text + val_text == corpus.text and val_text
    with pytest.raises(LossInputError, match="ja-synthetic"):
        lm.load_corpus("no-such-corpus")


# ------------------------------------------------------------------------------------------------------ models
def test_count_models_have_closed_forms():
    ids = np.array([0, 1, 0, 1, 0, 2])
    uni = lm.Unigram.fit(ids, 3, alpha=1.0)
    np.testing.assert_allclose(np.exp(uni.log_probs), [4 / 9, 3 / 9, 2 / 9])
    bi = lm.Bigram.fit(ids, 3, alpha=1.0)
    np.testing.assert_allclose(np.exp(bi.log_probs[0]), [1 / 6, 3 / 6, 2 / 6])  # after 0: 1 twice, 2 once
    assert bi.log_probs.shape == (4, 3)  # the padding row is the unigram


def test_the_mlp_gradient_is_the_chain_rule_of_the_catalog_loss():
    net = lm.MLPModel(vocab_size=7, context_size=3, embed=4, hidden=5, seed=1, output_scale=1.0)
    rng = np.random.default_rng(0)
    ctx, y = rng.integers(0, 8, (6, 3)), rng.integers(0, 7, 6)
    loss = losslab.get("sparse_categorical_cross_entropy", from_logits=True)
    x, h, z = net.forward(ctx)
    grad = net.backward(ctx, x, h, loss.grad(z, y))
    eps = 1e-6
    for i in rng.choice(net.params.size, 40, replace=False):
        old = net.params[i]
        net.params[i] = old + eps
        up = loss(net.logits(ctx), y)
        net.params[i] = old - eps
        down = loss(net.logits(ctx), y)
        net.params[i] = old
        assert (up - down) / (2 * eps) == pytest.approx(grad[i], abs=1e-7)


def test_training_is_reproducible_by_seed():
    a = lm.train("ja-synthetic", model="mlp", steps=30, seed=3, hidden=16)
    b = lm.train("ja-synthetic", model="mlp", steps=30, seed=3, hidden=16)
    c = lm.train("ja-synthetic", model="mlp", steps=30, seed=4, hidden=16)
    assert a.history == b.history and a.history != c.history


def test_the_callback_sees_each_step_and_each_validation_loss():
    seen: list[tuple[int, float, float | None]] = []
    run = lm.train("ja-synthetic", model="mlp", steps=40, seed=3, hidden=16, eval_every=10,
                   callback=lambda step, loss, val: seen.append((step, loss, val)))
    assert [s for s, _, _ in seen] == list(range(40))
    assert [loss for _, loss, _ in seen] == run.history["train_loss"]
    assert [(s, v) for s, _, v in seen if v is not None] == list(zip(run.history["val_step"][:-1],
                                                                       run.history["val_loss"][:-1], strict=True))


def test_the_mlp_beats_the_bigram_on_the_synthetic_corpus():
    run = lm.train("ja-synthetic", model="mlp", seed=0, **SMALL)
    refs = run.references
    assert run.init is not None and run.init.ok
    assert refs["ln_v"] == pytest.approx(math.log(run.tokenizer.vocab_size))
    assert refs["ln_v"] > refs["unigram_entropy"] > refs["bigram_val_loss"] > run.val.nats_per_token
    assert run.val.nats_per_token > refs["true_nats_per_token"] * 0.9
    assert run.val.bits_per_char == pytest.approx(run.val.nats_per_token / math.log(2))  # char tokens
    payload = run.to_dict("ja")
    assert payload["init_check"]["message"].startswith("最初の損失")


def test_the_init_check_flags_a_confident_start():
    bad = lm.train("en-synthetic", model="mlp", steps=2, hidden=32, output_scale=20.0)
    assert bad.init is not None and not bad.init.ok and bad.init.first_loss > 1.1 * bad.init.ln_v
    assert "ln V" in bad.init.message("en") and "ln V" in bad.init.message("ja")
    assert f"{bad.init.first_loss:.3f}" in bad.init.message("en")
    assert lm.init_check(math.log(50) * 1.05, 50).ok and not lm.init_check(math.log(50) * 0.85, 50).ok


def test_count_models_on_every_tokenizer():
    for tokenizer in lm.TOKENIZERS:
        run = lm.train("en-synthetic", tokenizer=tokenizer, model="bigram", vocab_size=300)
        assert run.init is None and math.isfinite(run.val.bits_per_char)
        assert run.references["true_bits_per_char"] == pytest.approx(lm.true_entropy("en").bits_per_char)


# ---------------------------------------------------------------------------------------------- sampling, view
def test_sampling_settings_and_errors():
    z = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    np.testing.assert_allclose(lm.filter_probs(z, top_k=2), [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(lm.filter_probs(z, top_p=0.8), [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(lm.filter_probs(z, top_p=0.81), [0.5, 0.3, 0.15, 0] / np.float64(0.95))
    cold = lm.filter_probs(z, temperature=0.5)
    assert cold[0] > 0.5 and cold.sum() == pytest.approx(1.0)
    for kwargs, argument in (({"temperature": 0}, "temperature"), ({"temperature": -1}, "temperature"),
                             ({"top_p": 0}, "top_p"), ({"top_p": 1.5}, "top_p"), ({"top_k": 0}, "top_k")):
        with pytest.raises(LossInputError) as info:
            lm.filter_probs(z, **kwargs)
        assert info.value.argument == argument


def test_sampling_is_reproducible_and_does_not_change_the_loss():
    run = lm.train("en-synthetic", model="bigram")
    one = lm.sample(run.model, run.tokenizer, "The ", 50, temperature=0.8, top_k=5, seed=2)
    assert one == lm.sample(run.model, run.tokenizer, "The ", 50, temperature=0.8, top_k=5, seed=2)
    assert len(one) == 50
    assert lm.mean_loss(run.model, run.tokenizer.encode("The weather today is sunny.\n")) > 0


def test_the_per_token_view_of_a_model():
    run = lm.train("ja-synthetic", model="bigram")
    rows = lm.token_view(run.model, run.tokenizer, "今日はいい天気", top=3)
    assert [r.token for r in rows] == list("日はいい天気")
    for r in rows:
        d = r.to_dict()
        assert d["loss"] == pytest.approx(-math.log(r.p)) and d["inv_p"] == pytest.approx(1 / r.p)
        assert d["bits"] == pytest.approx(d["loss"] / math.log(2)) and len(r.top) == 3
        grads = dict(r.grad)
        assert grads[r.token] == pytest.approx(r.p - 1)
    with pytest.raises(LossInputError):
        lm.token_view(run.model, run.tokenizer, "今", top=3)
