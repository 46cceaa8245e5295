"""Training a next-token model on a corpus, with the reference lines that say how good its loss is.

:func:`train` tokenizes a corpus, fits a model of :mod:`._models` and reports per step the training loss (the
mini-batch's) and the validation loss, and at the end the validation loss in every unit (:class:`~._measures.Rates`)
beside four reference lines:

- ``ln V``: the loss of a uniform guess, and what a well-initialised model starts at;
- the unigram entropy of the training tokens: the best loss without context;
- the bigram's validation loss: the best with one token of context (counts, add-α);
- the true entropy, for a synthetic corpus: the floor no model can beat (exact per character).

The MLP is trained with the catalog's ``sparse_categorical_cross_entropy(from_logits=True)``: its
``value_and_grad`` gives the loss and :math:`\\partial L/\\partial z = (\\operatorname{softmax}(z) - y)/B`, and the
model back-propagates that. Same ``seed``, same losses, bit for bit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import Loss, get
from ..training import make_optimizer
from ._corpus import Corpus, load_corpus
from ._measures import Rates, entropy, rates
from ._models import MODELS, Bigram, LanguageModel, MLPModel, Unigram, windows
from ._tokenizers import Tokenizer, count_units, make_tokenizer
from .texts import get as text

__all__ = ["InitCheck", "LMRun", "init_check", "mean_loss", "train"]

Callback = Callable[[int, float, float | None], None]
"""``callback(step, train_loss, val_loss or None)`` of :func:`train`."""

INIT_TOLERANCE = 0.10
"""The first loss may be this far from ln V (relative) before :func:`init_check` calls the start bad."""
_EVAL_ROWS = 4096


def _ce() -> Loss:
    return get("sparse_categorical_cross_entropy", from_logits=True)


@dataclass(frozen=True)
class InitCheck:
    """The first loss against ln V, the loss of a uniform prediction over V tokens."""

    first_loss: float
    ln_v: float

    @property
    def gap(self) -> float:
        return (self.first_loss - self.ln_v) / self.ln_v

    @property
    def ok(self) -> bool:
        return abs(self.gap) <= INIT_TOLERANCE

    def message(self, lang: str | None = "en") -> str:
        words = {"first": f"{self.first_loss:.3f}", "ln_v": f"{self.ln_v:.3f}", "gap": f"{100 * self.gap:+.1f}"}
        return text("init.ok" if self.ok else "init.far", lang, **words)

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {"first_loss": self.first_loss, "ln_v": self.ln_v, "gap": self.gap, "ok": self.ok,
                "message": self.message(lang)}


def init_check(first_loss: float, vocab_size: int) -> InitCheck:
    """Compare the first loss with :math:`\\ln V`: a model whose first logits are near 0 starts there."""
    return InitCheck(float(first_loss), math.log(vocab_size))


def mean_loss(model: LanguageModel, ids: np.ndarray) -> float:
    """The model's mean next-token loss on ``ids`` (every token from the second on), in chunks of rows."""
    ctx, y = windows(ids, model.context_size, model.pad)
    loss = _ce()
    total = math.fsum(float(loss(model.logits(ctx[i:i + _EVAL_ROWS]), y[i:i + _EVAL_ROWS], reduction="sum"))
                      for i in range(0, y.size, _EVAL_ROWS))
    return total / y.size


@dataclass
class LMRun:
    """A trained model with its tokenizer, history, final validation rates and reference lines."""

    corpus: str
    tokenizer: Tokenizer
    model: LanguageModel
    history: dict[str, list[float]]
    val: Rates
    references: dict[str, float | None]
    init: InitCheck | None
    settings: dict[str, Any]
    seconds: float
    language: Any = field(default=None, repr=False)

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {"corpus": self.corpus, "tokenizer": self.tokenizer.name, "vocab_size": self.tokenizer.vocab_size,
                "model": self.model.describe(), "settings": self.settings, "history": self.history,
                "val": self.val.to_dict(), "references": self.references,
                "init_check": self.init.to_dict(lang) if self.init else None, "seconds": self.seconds}


def _fit_mlp(model: MLPModel, train_ids: np.ndarray, val_ids: np.ndarray, *, steps: int, batch: int, lr: float,
             optimizer: str, seed: int, eval_every: int,
             callback: Callback | None) -> tuple[dict[str, list[float]], float]:
    ctx, y = windows(train_ids, model.context_size, model.pad)
    rng = np.random.default_rng(seed)
    opt = make_optimizer(optimizer, lr=lr)
    loss = _ce()
    history: dict[str, list[float]] = {"step": [], "train_loss": [], "val_step": [], "val_loss": []}
    first = math.nan
    for step in range(steps):
        rows = rng.integers(0, y.size, size=min(batch, y.size))
        x, h, z = model.forward(ctx[rows])
        value, dz = loss.value_and_grad(z, y[rows])
        if step == 0:
            first = float(value)
        history["step"].append(step)
        history["train_loss"].append(float(value))
        val = None
        if step % eval_every == 0:
            val = mean_loss(model, val_ids)
            history["val_step"].append(step)
            history["val_loss"].append(val)
        opt.step(model.params, model.backward(ctx[rows], x, h, np.asarray(dz)))
        if callback is not None:
            callback(step, float(value), val)
    history["val_step"].append(steps)
    history["val_loss"].append(mean_loss(model, val_ids))
    return history, first


def train(
    corpus: Corpus | str = "en-synthetic",
    *,
    tokenizer: str = "char",
    model: str = "bigram",
    steps: int = 1000,
    seed: int = 0,
    context: int = 4,
    embed: int = 16,
    hidden: int = 128,
    batch: int = 64,
    lr: float = 0.01,
    optimizer: str = "adam",
    alpha: float = 0.1,
    vocab_size: int = 512,
    output_scale: float = 0.01,
    eval_every: int | None = None,
    callback: Callback | None = None,
) -> LMRun:
    """Train ``model`` ("unigram", "bigram" or "mlp") on ``corpus`` tokenized by ``tokenizer``.

    ``steps`` Adam (or ``optimizer``) steps on mini-batches of ``batch`` contexts of ``context`` tokens for the
    MLP; the count models are fitted in one pass. The validation text is the corpus's last 10 %.
    ``callback(step, train_loss, val_loss)`` is called after every MLP step; ``val_loss`` is the validation loss
    when it was measured at that step (every ``eval_every`` steps), else None.
    """
    started = time.perf_counter()
    corpus = load_corpus(corpus, seed=seed) if isinstance(corpus, str) else corpus
    if model not in MODELS:
        raise LossInputError("lm train", "model", "one of " + ", ".join(MODELS), repr(model))
    train_text, val_text = corpus.split()
    tok = make_tokenizer(tokenizer, corpus.text if tokenizer == "char" else train_text, vocab_size)
    train_ids, val_ids = tok.encode(train_text), tok.encode(val_text)
    v = tok.vocab_size
    unigram, bigram = Unigram.fit(train_ids, v, alpha), Bigram.fit(train_ids, v, alpha)
    counts = np.bincount(train_ids, minlength=v)
    init = None
    fitted: LanguageModel
    if model == "mlp":
        net = MLPModel(v, context, embed, hidden, seed, output_scale)
        history, first = _fit_mlp(net, train_ids, val_ids, steps=steps, batch=batch, lr=lr, optimizer=optimizer,
                                  seed=seed, eval_every=eval_every or max(1, steps // 20), callback=callback)
        init, fitted = init_check(first, v), net
    else:
        fitted = unigram if model == "unigram" else bigram
        val_loss = mean_loss(fitted, val_ids)
        history = {"step": [0], "train_loss": [mean_loss(fitted, train_ids)], "val_step": [0],
                   "val_loss": [val_loss]}
    targets = val_ids[1:]
    chars, n_bytes = count_units(tok, targets)
    val = rates(history["val_loss"][-1] * targets.size, targets.size, chars, n_bytes)
    references: dict[str, float | None] = {
        "ln_v": math.log(v), "unigram_entropy": float(entropy(counts / counts.sum())),
        "bigram_val_loss": mean_loss(bigram, val_ids), "true_nats_per_token": None, "true_bits_per_char": None}
    if corpus.language is not None:
        floor = corpus.language.true_entropy()
        references["true_bits_per_char"] = floor.bits_per_char
        references["true_nats_per_token"] = floor.bits_per_char * math.log(2) * chars / targets.size
    settings = {"steps": steps if model == "mlp" else 0, "seed": seed, "context": fitted.context_size,
                "batch": batch, "lr": lr, "optimizer": optimizer, "smoothing": alpha,
                "train_tokens": int(train_ids.size), "val_tokens": int(val_ids.size)}
    return LMRun(corpus.name, tok, fitted, history, val, references, init, settings,
                 time.perf_counter() - started, corpus.language)
