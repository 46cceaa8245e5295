"""Valid inputs for every built-in loss, shared by the property, backend and registry tests.

A :class:`Case` is one loss with one set of parameters and a recipe for inputs that the loss accepts: ``make(rng,
n, k)`` returns float64 NumPy ``(pred, target)`` for ``n`` examples (elementwise losses: ``k`` elements per example,
``k=None`` for flat ``(n,)`` input; row losses: ``k`` classes). ``ints(rng, n, k)`` gives integer-valued input of
the same kind (for the "integer in, float64 out" contract), ``perfect(rng, n, k)`` an input whose loss is exactly 0
(``None`` where no such input exists). The recipes keep clear of kinks (hinge corners, |e| = delta, ties), so a
finite-difference or autograd gradient matches the analytic one.

A loss with extra inputs (``definition.inputs``: triplet's ``negative``, Gaussian NLL's ``var``) gets them from
:data:`INPUT_RECIPES`, by the input's declared shape and domain: ``case.loss`` is then a :class:`BoundLoss` that
fills them in from the target (never from pred, so a finite difference in pred leaves them unchanged), and every
registry-wide test calls it with (pred, target) as it calls the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import losslab
from losslab.losses import definition
from losslab.losses._core import fast_path

Arrays = tuple[np.ndarray, np.ndarray]


def generic_path(call: Callable[[], Any]) -> Any:
    """``call()`` with the NumPy fast path switched off: the array-API reference."""
    with fast_path(False):
        return call()

Maker = Callable[[np.random.Generator, int, "int | None"], Arrays]

ROWS_MIN_CLASSES = 2


def _shape(n: int, k: int | None) -> tuple[int, ...]:
    return (n,) if k is None else (n, k)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _classes(k: int | None) -> int:
    return max(ROWS_MIN_CLASSES, 4 if k is None else k)


# ---------------------------------------------------------------------------------------------- elementwise recipes
def real(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return 2.0 * rng.standard_normal(s), 2.0 * rng.standard_normal(s)


def real_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(-5, 6, s), rng.integers(-5, 6, s)


def real_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    t = 2.0 * rng.standard_normal(_shape(n, k))
    return t.copy(), t


def nonneg(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.uniform(0.0, 5.0, s), rng.uniform(0.0, 5.0, s)


def nonneg_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(0, 6, s), rng.integers(0, 6, s)


def nonneg_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    t = rng.uniform(0.0, 5.0, _shape(n, k))
    return t.copy(), t


def positive(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.uniform(0.2, 5.0, s), rng.uniform(0.2, 5.0, s)


def positive_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(1, 6, s), rng.integers(1, 6, s)


def positive_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    t = rng.uniform(0.2, 5.0, _shape(n, k))
    return t.copy(), t


def positive_counts(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """pred > 0 (a mean), target >= 0 with some exact zeros (counts, claim amounts)."""
    s = _shape(n, k)
    t = rng.uniform(0.0, 5.0, s)
    return rng.uniform(0.2, 5.0, s), np.where(t < 1.0, 0.0, t)


def positive_counts_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(1, 6, s), rng.integers(0, 6, s)


def mape_input(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return 2.0 * rng.standard_normal(s), rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 3.0, s)


def mape_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(-5, 6, s), rng.choice([-3, -2, -1, 1, 2, 3], s)


def mape_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    _, t = mape_input(rng, n, k)
    return t.copy(), t


def poisson_input(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.uniform(0.1, 5.0, s), rng.poisson(2.0, s).astype(float)


def poisson_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(1, 6, s), rng.integers(0, 6, s)


def log_poisson_input(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.standard_normal(s), rng.poisson(2.0, s).astype(float)


def log_poisson_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(-2, 3, s), rng.integers(0, 6, s)


def prob_hard(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.uniform(0.02, 0.98, s), rng.integers(0, 2, s).astype(float)


def prob_soft(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.uniform(0.02, 0.98, s), rng.uniform(0.0, 1.0, s)


def prob_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(0, 2, s), rng.integers(0, 2, s)


def logits_hard(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return 3.0 * rng.standard_normal(s), rng.integers(0, 2, s).astype(float)


def logits_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(-3, 4, s), rng.integers(0, 2, s)


def _away_from_margin(rng: np.random.Generator, s: tuple[int, ...], t: np.ndarray) -> np.ndarray:
    """Scores whose product with the sign label stays clear of the hinge's corner at t p = 1."""
    p = 2.0 * rng.standard_normal(s)
    near = np.abs(t * p - 1.0) < 1e-3
    return np.where(near, p + 0.01, p)


def signed(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    t = rng.choice([-1.0, 1.0], s)
    return _away_from_margin(rng, s, t), t


def zero_one(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    t01 = rng.integers(0, 2, s).astype(float)
    return _away_from_margin(rng, s, 2.0 * t01 - 1.0), t01


def signed_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(-3, 4, s), rng.choice([-1, 1], s)


def signed_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    t = rng.choice([-1.0, 1.0], s)
    return t * (1.0 + np.abs(rng.standard_normal(s))), t


# ------------------------------------------------------------------------------------------------------ row recipes
def _labels(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    return rng.integers(0, c, n)


def _onehot(y: np.ndarray, c: int) -> np.ndarray:
    return np.eye(c)[y]


def rows_prob_onehot(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return softmax(rng.standard_normal((n, c))), _onehot(_labels(rng, n, c), c)


def rows_prob_soft(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return softmax(rng.standard_normal((n, c))), softmax(rng.standard_normal((n, c)))


def rows_prob_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return _onehot(_labels(rng, n, c), c).astype(np.int64), _onehot(_labels(rng, n, c), c).astype(np.int64)


def rows_logits_onehot(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return 3.0 * rng.standard_normal((n, c)), _onehot(_labels(rng, n, c), c)


def rows_logits_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(-3, 4, (n, c)), _onehot(_labels(rng, n, c), c).astype(np.int64)


def rows_prob_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return softmax(rng.standard_normal((n, c))), _labels(rng, n, c)


def rows_logits_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return 3.0 * rng.standard_normal((n, c)), _labels(rng, n, c)


def rows_prob_ints_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return _onehot(_labels(rng, n, c), c).astype(np.int64), _labels(rng, n, c)


def rows_logit_ints_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(-3, 4, (n, c)), _labels(rng, n, c)


def _scores_clear_of_margin(rng: np.random.Generator, n: int, c: int, y: np.ndarray, margin: float) -> np.ndarray:
    """Scores whose true-minus-wrong differences stay clear of the margin and of ties between classes."""
    while True:
        p = 2.0 * rng.standard_normal((n, c))
        true = p[np.arange(n), y][:, None]
        gaps = np.abs(true - p - margin)
        others = np.sort(np.where(np.eye(c, dtype=bool)[y], -np.inf, p), axis=1)
        ties = np.diff(others[:, 1:], axis=1) if c > 2 else np.ones((n, 1))
        if gaps.min() > 1e-3 and (c <= 2 or np.abs(ties).min() > 1e-3):
            return p


def rows_margin_labels(margin: float) -> Maker:
    def make(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
        c = _classes(k)
        y = _labels(rng, n, c)
        return _scores_clear_of_margin(rng, n, c, y, margin), y

    return make


def rows_margin_onehot(margin: float) -> Maker:
    def make(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
        c = _classes(k)
        y = _labels(rng, n, c)
        return _scores_clear_of_margin(rng, n, c, y, margin), _onehot(y, c)

    return make


def rows_margin_perfect(margin: float) -> Maker:
    def make(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
        c = _classes(k)
        y = _labels(rng, n, c)
        p = 2.0 * rng.standard_normal((n, c))
        p[np.arange(n), y] = -np.inf
        best_wrong = p.max(axis=1)
        p[np.arange(n), y] = best_wrong + margin + np.abs(rng.standard_normal(n))
        return p, y

    return make


def rows_same(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    t = softmax(rng.standard_normal((n, c)))
    return t.copy(), t


# ------------------------------------------------------------------------------------------ recipes of issue 17
def prob_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    t = rng.integers(0, 2, _shape(n, k)).astype(float)
    return t.copy(), t


def distances(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Distances >= 0 clear of the margin 1 (the hinge embedding's corner), labels in {-1, +1}."""
    s = _shape(n, k)
    d = rng.uniform(0.0, 3.0, s)
    return np.where(np.abs(d - 1.0) < 1e-3, d + 0.01, d), rng.choice([-1.0, 1.0], s)


def distances_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    return rng.integers(0, 4, s), rng.choice([-1, 1], s)


def distances_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    s = _shape(n, k)
    t = rng.choice([-1.0, 1.0], s)
    return np.where(t > 0, 0.0, 1.0 + rng.uniform(0.01, 2.0, s)), t


def rows_real(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return 2.0 * rng.standard_normal((n, c)), rng.choice([-1.0, 1.0], (n, c)) * rng.uniform(0.5, 3.0, (n, c))


def rows_real_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(-5, 6, (n, c)), rng.choice([-3, -2, -1, 1, 2, 3], (n, c))


def rows_real_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    _, t = rows_real(rng, n, k)
    return t.copy(), t


def rows_logprob_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return np.log(softmax(rng.standard_normal((n, c)))), _labels(rng, n, c)


def rows_logprob_ints_labels(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return -rng.integers(0, 5, (n, c)), _labels(rng, n, c)


def rows_mask(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.uniform(0.02, 0.98, (n, c)), rng.integers(0, 2, (n, c)).astype(float)


def rows_mask_logits(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return 3.0 * rng.standard_normal((n, c)), rng.integers(0, 2, (n, c)).astype(float)


def rows_mask_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(0, 2, (n, c)), rng.integers(0, 2, (n, c))


def rows_mask_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    t = rng.integers(0, 2, (n, c)).astype(float)
    return t.copy(), t


def rows_vectors(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Embeddings and noisy copies (cosines away from 0, where float32's dot products cancel)."""
    c = _classes(k)
    t = rng.standard_normal((n, c))
    return t + 0.5 * rng.standard_normal((n, c)), t


def rows_vectors_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(1, 4, (n, c)), rng.integers(1, 4, (n, c))


# ------------------------------------------------------------------------- recipes of issue 17 (metrics, margins)
def index_rows(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Scores clear of the margin 1 between listed and unlisted classes; targets as PyTorch's multi-label margin
    loss takes them: each row's classes as indices, padded with -1 (some rows list none, some every class)."""
    c = _classes(k)
    t = np.full((n, c), -1, dtype=np.int64)
    for i in range(n):
        listed = rng.permutation(c)[: rng.integers(0, c + 1)]
        t[i, : len(listed)] = listed
    while True:
        p = 2.0 * rng.standard_normal((n, c))
        if np.abs(1.0 - p[:, :, None] + p[:, None, :]).min() > 1e-3:
            return p, t


def index_rows_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    p, t = index_rows(rng, n, k)
    return rng.integers(-3, 4, p.shape), t


def index_rows_perfect(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    p, t = index_rows(rng, n, k)
    listed = np.zeros(p.shape, dtype=bool)
    for i in range(n):
        listed[i, t[i][t[i] >= 0]] = True
    return np.where(listed, 3.0, 0.0) + 0.5 * rng.uniform(0.0, 1.0, p.shape), t


def ensemble(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Ensemble members (N, M) without ties and one observation per example (crps_ensemble)."""
    m = _classes(k)
    return rng.standard_normal((n, m)) + 0.001 * np.arange(m), rng.standard_normal(n)


def ensemble_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    m = _classes(k)
    return rng.integers(-5, 6, (n, m)), rng.integers(-5, 6, n)


# --------------------------------------------------------------------------------------------------- sequences (CTC)
SEQ_FRAMES = 8
SEQ_LABELS = 3  # at most 3 labels + 2 blanks between repeats = 5 frames needed; every input has >= 6


def _seq_labels(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    """(n, S) labels in 1..C-1 (the blank is 0), each row's tail padded with 0 (its target length: the labels
    before the padding, read back by :data:`LENGTH_RECIPES`)."""
    labels = rng.integers(1, c, (n, SEQ_LABELS))
    lengths = rng.integers(0, SEQ_LABELS + 1, n)
    return np.where(np.arange(SEQ_LABELS)[None, :] < lengths[:, None], labels, 0)


def seq_logprobs(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Log-probabilities (n, T, C) of frames, normalized per frame, and padded labels (kind="sequence")."""
    c = _classes(k)
    z = rng.standard_normal((n, SEQ_FRAMES, c))
    lp = z - z.max(axis=-1, keepdims=True)
    return lp - np.log(np.exp(lp).sum(axis=-1, keepdims=True)), _seq_labels(rng, n, c)


def seq_logits(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return 2.0 * rng.standard_normal((n, SEQ_FRAMES, c)), _seq_labels(rng, n, c)


def seq_logit_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    c = _classes(k)
    return rng.integers(-3, 4, (n, SEQ_FRAMES, c)), _seq_labels(rng, n, c)


def seq_logprob_ints(rng: np.random.Generator, n: int, k: int | None) -> Arrays:
    """Integer log-probabilities that are normalized: one class (the blank), log 1 = 0, empty targets."""
    return np.zeros((n, SEQ_FRAMES, 1), dtype=np.int64), np.zeros((n, SEQ_LABELS), dtype=np.int64)


# ----------------------------------------------------------------------------------------------------- extra inputs
def _plain(x: Any) -> np.ndarray:
    """NumPy float64 of a list, a NumPy / Dask / JAX array or a torch tensor (detached: recipes are constants)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _wave(t: np.ndarray) -> np.ndarray:
    """A fixed function of the target that changes sign often: labels that are not all alike."""
    return np.sin(7.0 * t + 0.3)


INPUT_RECIPES: dict[tuple[str, str], Callable[[np.ndarray], np.ndarray]] = {
    # t: the target laid out like pred (like_pred...) or the target's rows, one per example (per_example)
    # a negative near the target (triplet's positive): the margin is never met nor nearly met, so no value sits
    # on the hinge's corner or cancels to a few float32 ulps there
    ("like_pred", "real"): lambda t: 0.9 * t + 0.05,
    ("like_pred", "signed"): lambda t: np.where(_wave(t) > 0, 1.0, -1.0),
    ("like_pred_or_broadcast", "positive"): lambda t: 0.3 + 0.2 * t * t,
    ("per_example", "signed"): lambda t: np.where(_wave(t.sum(axis=-1)) > 0, 1.0, -1.0),
    ("per_example", "probability"): lambda t: np.where(_wave(t.sum(axis=-1)) > 0, 1.0, 0.0),
}


LENGTH_RECIPES: dict[str, Callable[[tuple[int, ...], np.ndarray], np.ndarray]] = {
    # (Input.length_of) -> f(pred's shape, the target's rows): whole numbers along axis 1 of pred or of the target;
    # from the target's values (never from the example's index, so a permutation of the batch permutes them too)
    "pred": lambda shape, t: shape[-2] - (t.reshape(-1, t.shape[-1]).sum(axis=-1) % 3),
    "target": lambda shape, t: (t.reshape(-1, t.shape[-1]) != 0).sum(axis=-1),  # labels before the 0 padding
}


def inputs_for_call(d: Any, pred: Any, target: Any) -> dict[str, np.ndarray]:
    """The extra inputs of ``d`` for a call on (pred, target), from :data:`INPUT_RECIPES` (lengths:
    :data:`LENGTH_RECIPES`)."""
    p, t = _plain(pred), _plain(target)
    if d.kind == "elementwise" and t.size == p.size:
        t = t.reshape(p.shape)
    out = {}
    for i in d.inputs:
        if i.length_of is not None:
            out[i.name] = LENGTH_RECIPES[i.length_of](p.shape, t)
            continue
        recipe = INPUT_RECIPES[(i.shape, i.domain)]
        out[i.name] = recipe(t.reshape(p.shape[0], -1) if i.shape == "per_example" and d.kind == "elementwise"
                             else t)
    return out


def mean_divisor(loss: Any, pred: Any, target: Any) -> np.ndarray:
    """(N,): what ``reduction="mean"`` divides each example's loss by before the weighted mean
    (``definition.mean_divisor``: CTC's max(S_n, 1)); ones for every other loss. ``loss``: a (bound) Loss."""
    d = loss.definition
    p = _plain(pred)
    n = p.shape[0] if p.ndim > d.example_ndim else 1
    if d.mean_divisor is None:
        return np.ones(n)
    batch = loss.prepare(pred, target)
    laid = {k: np.asarray(v, dtype=float) for k, v in batch.inputs.items()}
    return np.asarray(d.mean_divisor(np, np.asarray(batch.pred), np.asarray(batch.target), **laid,
                                     **loss.params), dtype=float)


class BoundLoss(losslab.Loss):
    """A loss with extra inputs that fills them in from the target whenever a call leaves them out."""

    def _with(self, pred: Any, target: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {**inputs_for_call(self.definition, pred, target), **inputs}

    def __call__(self, pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(pred, target, *args, **self._split(pred, target, kwargs))

    def grad(self, pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return super().grad(pred, target, *args, **self._split(pred, target, kwargs))

    def value_and_grad(self, pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return super().value_and_grad(pred, target, *args, **self._split(pred, target, kwargs))

    def prepare(self, pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return super().prepare(pred, target, *args, **self._split(pred, target, kwargs))

    def example_weights(self, pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return super().example_weights(pred, target, *args, **self._split(pred, target, kwargs))

    def explain(self, pred: Any, target: Any, lang: str | None = "en", **kwargs: Any) -> Any:
        return super().explain(pred, target, lang, **self._split(pred, target, kwargs))

    def with_params(self, **params: Any) -> BoundLoss:
        return BoundLoss(self.definition, **{**self.params, **params})

    def _split(self, pred: Any, target: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        names = {i.name for i in self.definition.inputs}
        given = {k: v for k, v in kwargs.items() if k in names}
        rest = {k: v for k, v in kwargs.items() if k not in names}
        return {**rest, **self._with(pred, target, given)}


# ------------------------------------------------------------------------------------------------------------ cases
@dataclass(frozen=True)
class Case:
    id: str
    name: str
    make: Maker
    ints: Maker
    params: dict[str, Any] = field(default_factory=dict)
    perfect: Maker | None = None
    nonnegative: bool = True

    @property
    def loss(self) -> losslab.Loss:
        loss = losslab.get(self.name, **self.params)
        return BoundLoss(loss.definition, **loss.params) if loss.definition.inputs else loss

    @property
    def kind(self) -> str:
        return definition(self.name).kind

    @property
    def elementwise(self) -> bool:
        return self.kind == "elementwise"

    @property
    def reductions(self) -> tuple[str, ...]:
        return definition(self.name).reductions

    @property
    def weighted_by_class(self) -> bool:
        return self.params.get("class_weight") is not None

    def __str__(self) -> str:
        return self.id


CASES: list[Case] = [
    # regression
    Case("mse", "mse", real, real_ints, perfect=real_perfect),
    Case("sse", "sse", real, real_ints, perfect=real_perfect),
    Case("rmse", "rmse", real, real_ints, perfect=real_perfect),
    Case("mae", "mae", real, real_ints, perfect=real_perfect),
    Case("huber", "huber", real, real_ints, perfect=real_perfect),
    Case("huber-delta2.5", "huber", real, real_ints, {"delta": 2.5}, perfect=real_perfect),
    Case("smooth_l1", "smooth_l1", real, real_ints, perfect=real_perfect),
    Case("smooth_l1-beta0.5", "smooth_l1", real, real_ints, {"beta": 0.5}, perfect=real_perfect),
    Case("smooth_l1-beta0", "smooth_l1", real, real_ints, {"beta": 0.0}, perfect=real_perfect),
    Case("log_cosh", "log_cosh", real, real_ints, perfect=real_perfect),
    Case("quantile", "quantile", real, real_ints, perfect=real_perfect),
    Case("quantile-q0.9", "quantile", real, real_ints, {"q": 0.9}, perfect=real_perfect),
    Case("msle", "msle", nonneg, nonneg_ints, perfect=nonneg_perfect),
    Case("mape", "mape", mape_input, mape_ints, perfect=mape_perfect),
    Case("poisson", "poisson", poisson_input, poisson_ints, nonnegative=False),
    Case("poisson-log", "poisson", log_poisson_input, log_poisson_ints, {"log_input": True}, nonnegative=False),
    # binary
    Case("bce", "binary_cross_entropy", prob_hard, prob_ints),
    Case("bce-soft", "binary_cross_entropy", prob_soft, prob_ints, {"label_smoothing": 0.1}),
    Case("bce-logits", "binary_cross_entropy", logits_hard, logits_ints, {"from_logits": True}),
    Case("bce-logits-posweight", "binary_cross_entropy", logits_hard, logits_ints,
         {"from_logits": True, "pos_weight": 2.0, "label_smoothing": 0.2}),
    Case("binary_focal", "binary_focal", prob_hard, prob_ints),
    Case("binary_focal-logits", "binary_focal", logits_hard, logits_ints,
         {"from_logits": True, "gamma": 0.5, "alpha": 0.25}),
    Case("hinge", "hinge", signed, signed_ints, perfect=signed_perfect),
    Case("hinge-01", "hinge", zero_one, logits_ints),
    Case("squared_hinge", "squared_hinge", signed, signed_ints, perfect=signed_perfect),
    # multiclass
    Case("cce", "categorical_cross_entropy", rows_prob_onehot, rows_prob_ints),
    Case("cce-soft", "categorical_cross_entropy", rows_prob_soft, rows_prob_ints),
    Case("cce-logits", "categorical_cross_entropy", rows_logits_onehot, rows_logits_ints, {"from_logits": True}),
    Case("cce-logits-smooth-cw", "categorical_cross_entropy", rows_logits_onehot, rows_logits_ints,
         {"from_logits": True, "label_smoothing": 0.1, "class_weight": {0: 2.0, 1: 0.5}}),
    Case("sparse_cce", "sparse_categorical_cross_entropy", rows_prob_labels, rows_prob_ints_labels),
    Case("sparse_cce-logits", "sparse_categorical_cross_entropy", rows_logits_labels, rows_logit_ints_labels,
         {"from_logits": True, "label_smoothing": 0.1}),
    Case("categorical_focal", "categorical_focal", rows_prob_onehot, rows_prob_ints),
    Case("categorical_focal-logits", "categorical_focal", rows_logits_onehot, rows_logits_ints,
         {"from_logits": True, "gamma": 1.5, "alpha": 1.0}),
    Case("categorical_hinge", "categorical_hinge", rows_margin_labels(1.0), rows_logit_ints_labels,
         perfect=rows_margin_perfect(1.0)),
    Case("categorical_hinge-onehot", "categorical_hinge", rows_margin_onehot(1.0), rows_logits_ints),
    Case("multi_margin", "multi_margin", rows_margin_labels(1.0), rows_logit_ints_labels,
         perfect=rows_margin_perfect(1.0)),
    Case("multi_margin-p2", "multi_margin", rows_margin_labels(0.5), rows_logit_ints_labels,
         {"p": 2, "margin": 0.5}, perfect=rows_margin_perfect(0.5)),
    # distributions
    Case("kl_divergence", "kl_divergence", rows_prob_soft, rows_prob_ints, perfect=rows_same),
    Case("js_divergence", "js_divergence", rows_prob_soft, rows_prob_ints, perfect=rows_same),
    # issue 17
    Case("rmsle", "rmsle", nonneg, nonneg_ints, perfect=nonneg_perfect),
    Case("wmape", "wmape", rows_real, rows_real_ints, perfect=rows_real_perfect),
    Case("brier", "brier", prob_hard, prob_ints, perfect=prob_perfect),
    Case("brier-logits", "brier", logits_hard, logits_ints, {"from_logits": True}),
    Case("soft_margin", "soft_margin", signed, signed_ints),
    Case("soft_margin-01", "soft_margin", zero_one, logits_ints),
    Case("perceptron", "perceptron", signed, signed_ints, perfect=signed_perfect),
    Case("multilabel_soft_margin", "multilabel_soft_margin", logits_hard, logits_ints),
    Case("multilabel_soft_margin-w", "multilabel_soft_margin", logits_hard, logits_ints, {"label_weight": 2.5}),
    Case("hinge_embedding", "hinge_embedding", distances, distances_ints),
    Case("nll", "nll", rows_logprob_labels, rows_logprob_ints_labels),
    Case("nll-cw", "nll", rows_logprob_labels, rows_logprob_ints_labels, {"class_weight": {0: 2.0, 1: 0.5}}),
    Case("poly1", "poly1", rows_prob_onehot, rows_prob_ints),
    Case("poly1-logits", "poly1", rows_logits_onehot, rows_logits_ints, {"from_logits": True, "epsilon": 2.0}),
    Case("poly1-labels", "poly1", rows_logits_labels, rows_logit_ints_labels, {"from_logits": True, "epsilon": -1.0}),
    Case("gce", "generalized_cross_entropy", rows_prob_onehot, rows_prob_ints),
    Case("gce-logits", "generalized_cross_entropy", rows_logits_labels, rows_logit_ints_labels,
         {"from_logits": True, "q": 0.3}),
    Case("soft_dice", "soft_dice", rows_mask, rows_mask_ints),
    Case("soft_dice-logits", "soft_dice", rows_mask_logits, rows_mask_ints, {"from_logits": True, "smooth": 0.0}),
    Case("tversky", "tversky", rows_mask, rows_mask_ints),
    Case("tversky-logits", "tversky", rows_mask_logits, rows_mask_ints,
         {"from_logits": True, "alpha": 0.8, "beta": 0.2, "smooth": 0.5}),
    Case("soft_jaccard", "soft_jaccard", rows_mask, rows_mask_ints),
    Case("cosine_similarity", "cosine_similarity", rows_vectors, rows_vectors_ints, nonnegative=False),
    # extra inputs (filled in from INPUT_RECIPES); the pair and batch losses on vectors come from the metadata
    Case("margin_ranking", "margin_ranking", real, real_ints),
    Case("margin_ranking-m0.5", "margin_ranking", real, real_ints, {"margin": 0.5}),
    Case("gaussian_nll", "gaussian_nll", real, real_ints, nonnegative=False),
    Case("gaussian_nll-full", "gaussian_nll", real, real_ints, {"full": True}, nonnegative=False),
    Case("crps_ensemble", "crps_ensemble", ensemble, ensemble_ints),
    Case("crps_ensemble-fair", "crps_ensemble", ensemble, ensemble_ints, {"fair": True}, nonnegative=False),
    Case("focal_tversky", "focal_tversky", rows_mask, rows_mask_ints),
    Case("focal_tversky-logits-g2", "focal_tversky", rows_mask_logits, rows_mask_ints,
         {"from_logits": True, "gamma": 2.0, "alpha": 0.7, "beta": 0.3}),
    Case("multilabel_margin", "multilabel_margin", index_rows, index_rows_ints, perfect=index_rows_perfect),
    Case("sparsemax", "sparsemax", rows_logits_labels, rows_logit_ints_labels, perfect=rows_margin_perfect(1.0)),
    Case("sparsemax-onehot", "sparsemax", rows_logits_onehot, rows_logits_ints),
    Case("zero_one", "zero_one", prob_hard, prob_ints, perfect=prob_perfect),
    Case("zero_one-logits", "zero_one", signed, signed_ints, {"from_logits": True}, perfect=signed_perfect),
    Case("categorical_zero_one", "categorical_zero_one", rows_logits_labels, rows_logit_ints_labels,
         perfect=rows_margin_perfect(1.0)),
    Case("categorical_zero_one-onehot", "categorical_zero_one", rows_logits_onehot, rows_logits_ints),
    # sequences: pred (N, T, C), padded labels, lengths from LENGTH_RECIPES
    Case("ctc", "ctc", seq_logprobs, seq_logprob_ints),
    Case("ctc-logits", "ctc", seq_logits, seq_logit_ints, {"from_logits": True}),
    Case("ctc-zero", "ctc", seq_logprobs, seq_logprob_ints, {"impossible": "zero"}),
]

# A built-in loss with no hand-written case above gets cases from its metadata (kind and domains), one more per
# parameter that has a slider (set inside the slider's range), so a new loss is tested like the rest without
# touching this file. A loss whose domains have no recipe here needs a hand-written Case.
_RECIPES: dict[tuple[str, str, str], tuple[Maker, Maker, Maker | None]] = {
    ("elementwise", "real", "real"): (real, real_ints, real_perfect),
    ("elementwise", "nonnegative", "nonnegative"): (nonneg, nonneg_ints, nonneg_perfect),
    ("elementwise", "positive", "positive"): (positive, positive_ints, positive_perfect),
    ("elementwise", "positive", "nonnegative"): (positive_counts, positive_counts_ints, positive_perfect),
    ("rows", "real", "real"): (rows_vectors, rows_vectors_ints, None),
    ("batch", "real", "real"): (rows_vectors, rows_vectors_ints, None),
}


def slider_value(p: Any) -> Any:
    """A value inside a parameter's slider range, away from its ends and its default (the tests' probe)."""
    low, high, _ = p.slider
    return p.convert(low + 0.37 * (high - low))


def _from_metadata(hand_written: set[str]) -> list[Case]:
    from losslab.losses import definitions

    cases = []
    for d in definitions():
        if not d.builtin or d.name in hand_written:
            continue
        defaults = {p.name: p.default for p in d.params}
        recipe = _RECIPES.get((d.kind, d.pred_domain(defaults), d.target_domain(defaults)))
        if recipe is None:  # no case: test_properties' test_every_builtin_loss_has_a_case names the loss
            continue
        make, ints, perfect = recipe
        cases.append(Case(d.name, d.name, make, ints, perfect=perfect))
        for p in d.params:
            if p.slider is not None:
                value = slider_value(p)
                cases.append(Case(f"{d.name}-{p.name}{value:g}", d.name, make, ints, {p.name: value}, perfect=perfect))
    return cases


CASES += _from_metadata({c.name for c in CASES})
CASE_IDS = [c.id for c in CASES]
ELEMENTWISE = [c for c in CASES if c.elementwise]
PERFECT = [c for c in CASES if c.perfect is not None]


def builtin_names() -> list[str]:
    from losslab.losses import definitions

    return sorted(d.name for d in definitions() if d.builtin)


def covered_names() -> set[str]:
    return {c.name for c in CASES}
