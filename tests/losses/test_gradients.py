"""Every built-in loss's analytic gradient against 5-point central differences of its value, in float64.

Each configuration is one parameter path of one loss (logits or probabilities, label smoothing, pos_weight,
class weights, ignore_index, 1-D/2-D/3-D layouts, ...), with random inputs kept away from the kinks (|error| =
delta, margins, ties, 0 for the absolute value) and from the probability clip. Each is checked under every
reduction the loss has, with sample weights (one of them 0), and under "none" against the gradient of the sum.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import losslab

from ._cases import BoundLoss, index_rows, mean_divisor, slider_value

Data = tuple[np.ndarray, ...]  # (pred, target), or (pred, target, {input: array}) for a loss with extra inputs


@dataclass(frozen=True)
class Config:
    id: str
    loss: str
    params: dict[str, Any]
    make: Callable[[np.random.Generator], Data]
    weighted: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(zlib.crc32(self.id.encode()))


# --------------------------------------------------------------------------------------------------- inputs
def away(rng: np.random.Generator, shape: tuple[int, ...], kinks: tuple[float, ...] = (), lo: float = 0.05,
         hi: float = 3.0, gap: float = 0.1) -> np.ndarray:
    x = rng.uniform(lo, hi, size=shape)
    for _ in range(1000):
        bad = np.zeros(shape, dtype=bool)
        for k in kinks:
            bad |= np.abs(x - k) < gap
        if not bad.any():
            return x
        x[bad] = rng.uniform(lo, hi, size=int(bad.sum()))
    raise RuntimeError("could not avoid the kinks")


def errors(shape: tuple[int, ...], kinks: tuple[float, ...] = (0.0,), hi: float = 3.0) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        t = rng.normal(0.0, 2.0, size=shape)
        e = away(rng, shape, kinks, hi=hi) * rng.choice([-1.0, 1.0], size=shape)
        return t + e, t
    return make


def positive(shape: tuple[int, ...], lo: float = -0.5) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        return rng.uniform(lo, 4.0, size=shape), rng.uniform(lo, 4.0, size=shape)
    return make


def mape_data(shape: tuple[int, ...], small_targets: bool = False) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        t = rng.uniform(0.05, 0.4, size=shape) if small_targets else rng.uniform(0.5, 4.0, size=shape)
        t = t * rng.choice([-1.0, 1.0], size=shape)
        return t + away(rng, shape, (0.0,), hi=2.0) * rng.choice([-1.0, 1.0], size=shape), t
    return make


def counts(shape: tuple[int, ...], log_input: bool) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        p = rng.normal(0.3, 1.0, size=shape) if log_input else rng.uniform(0.1, 6.0, size=shape)
        return p, rng.poisson(2.0, size=shape).astype(np.float64)
    return make


def binary(shape: tuple[int, ...], logits: bool, soft: bool = False) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        x = rng.normal(0.0, 3.0, size=shape) if logits else rng.uniform(0.03, 0.97, size=shape)
        t = rng.uniform(0.0, 1.0, size=shape) if soft else rng.integers(0, 2, size=shape).astype(np.float64)
        return x, t
    return make


def clipped(make: Callable[..., Data], eps: float, rows: bool = False) -> Callable[..., Data]:
    """``make``'s probabilities with about a quarter moved below ``eps`` (into the clip), none near the clip edges.

    ``rows``: keep each row summing to 1 by giving the moved mass to the row's largest entry.
    """
    def wrapped(rng: np.random.Generator) -> Data:
        for _ in range(100):
            p, t = make(rng)
            low = rng.uniform(size=p.shape) < 0.25
            p = np.where(low, rng.uniform(0.3, 0.7, size=p.shape) * eps, p)
            if rows:
                top = np.argmax(p, axis=1)
                p[np.arange(p.shape[0]), top] += 1.0 - p.sum(axis=1)
            if low.any() and np.all(np.abs(p - eps) > 0.1 * eps) and np.all(np.abs(p - (1 - eps)) > 0.01):
                return p, t
        raise RuntimeError("could not place the probabilities")
    return wrapped


def hinge_data(shape: tuple[int, ...], signed: bool) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        t01 = rng.integers(0, 2, size=shape).astype(np.float64)
        s = 2 * t01 - 1
        margin = away(rng, shape, (1.0,), lo=-2.0, hi=3.0)
        return margin * s, s if signed else t01
    return make


def simplex(rng: np.random.Generator, n: int, c: int) -> np.ndarray:
    z = rng.normal(0.0, 1.0, size=(n, c))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def class_rows(n: int, c: int, logits: bool, target: str, ignore: bool = False) -> Callable[..., Data]:
    """Scores (N, C) and targets: "onehot", "soft" rows, "labels" (N,), or "one" example (C,)."""
    def make(rng: np.random.Generator) -> Data:
        x = rng.normal(0.0, 2.0, size=(n, c)) if logits else simplex(rng, n, c)
        y = rng.integers(0, c, size=n)
        if target == "labels":
            if ignore:
                y[[1, n - 2]] = -100
            return x, y
        t = simplex(rng, n, c) if target == "soft" else np.eye(c)[y]
        if target == "one":
            return x[0], t[0]
        return x, t
    return make


def margin_rows(n: int, c: int, kind: str, margin: float, onehot: bool) -> Callable[..., Data]:
    """Scores away from every kink of categorical_hinge ("ch") or multi_margin ("mm"), and without ties."""
    def make(rng: np.random.Generator) -> Data:
        y = rng.integers(0, c, size=n)
        z = rng.normal(0.0, 1.5, size=(n, c))
        for i in range(n):
            for _ in range(1000):
                wrong = np.delete(z[i], y[i])
                gaps = np.abs(np.subtract.outer(z[i], z[i]))[np.triu_indices(c, 1)]
                args = [margin + wrong.max() - z[i, y[i]]] if kind == "ch" else margin - z[i, y[i]] + wrong
                if gaps.min() > 0.05 and np.all(np.abs(args) > 0.1):
                    break
                z[i] = rng.normal(0.0, 1.5, size=c)
        return z, np.eye(c)[y] if onehot else y
    return make


def distributions(n: int, c: int, target_zeros: bool = False, floor: float = 0.0) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        p, t = simplex(rng, n, c), simplex(rng, n, c)
        if floor:
            p = (p + floor) / (1 + c * floor)
        if target_zeros:
            t[rng.uniform(size=t.shape) < 0.3] = 0.0
            t[:, 0] += 1e-3
            t /= t.sum(axis=1, keepdims=True)
        return p, t
    return make


def signed_scores(shape: tuple[int, ...], kink: float, signed: bool = True) -> Callable[..., Data]:
    """Scores whose margin t z stays clear of ``kink`` (the perceptron's 0), labels +-1 or 0/1."""
    def make(rng: np.random.Generator) -> Data:
        t01 = rng.integers(0, 2, size=shape).astype(np.float64)
        s = 2 * t01 - 1
        margin = away(rng, shape, (kink,), lo=-3.0, hi=3.0)
        return margin * s, s if signed else t01
    return make


def distance_pairs(shape: tuple[int, ...], margin: float) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        return away(rng, shape, (margin,), lo=0.05, hi=3.0), rng.choice([-1.0, 1.0], size=shape)
    return make


def away_from_zero(shape: tuple[int, ...]) -> Callable[..., Data]:
    """pred and target clear of 0 and of each other (smape's kinks: p = 0, p = t)."""
    def make(rng: np.random.Generator) -> Data:
        t = away(rng, shape, (), lo=0.2, hi=3.0) * rng.choice([-1.0, 1.0], size=shape)
        p = away(rng, shape, (), lo=0.2, hi=3.0) * rng.choice([-1.0, 1.0], size=shape)
        return np.where(np.abs(p - t) < 0.1, p + 0.3, p), t
    return make


def log_rows(n: int, c: int, ignore: bool = False) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        x, y = class_rows(n, c, False, "labels", ignore)(rng)
        return np.log(x), y
    return make


def masks(n: int, k: int, logits: bool, soft: bool = False) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        x = rng.normal(0.0, 2.0, size=(n, k)) if logits else rng.uniform(0.03, 0.97, size=(n, k))
        t = rng.uniform(0.0, 1.0, size=(n, k)) if soft else rng.integers(0, 2, size=(n, k)).astype(np.float64)
        return x, t
    return make


def sequences(n: int, t: int, c: int, logits: bool, blank: int = 0, impossible: bool = False,
              one: bool = False) -> Callable[..., Data]:
    """CTC: (n, t, c) log-probabilities (or logits), padded labels with a repeat (which needs a blank between) and an
    empty target, per-sequence lengths; ``impossible``: the last sequence's target does not fit its input."""
    def make(rng: np.random.Generator) -> Data:
        z = rng.normal(0.0, 1.5, size=(n, t, c))
        x = z if logits else z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        others = [k for k in range(c) if k != blank]
        labels = rng.choice(others, size=(n, 3))
        labels[0, 1] = labels[0, 0]  # a repeated label
        target_lengths = np.array([3, 0, *rng.integers(1, 4, max(n - 2, 0))])[:n]
        input_lengths = np.array([t, *rng.integers(t - 2, t + 1, n - 1)])[:n]
        if impossible:
            input_lengths[-1], target_lengths[-1] = 2, 3
        inputs = {"input_lengths": input_lengths, "target_lengths": target_lengths}
        if one:
            return x[0], labels[0], {"input_lengths": input_lengths[:1], "target_lengths": target_lengths[:1]}
        return x, labels, inputs
    return make


def triplets(n: int, d: int, margin: float, eps: float = 1e-6, p: float = 2.0, swap: bool = False
             ) -> Callable[..., Data]:
    """Anchors, positives and negatives clear of the hinge's corner (z = 0) and of the swap's tie."""
    def make(rng: np.random.Generator) -> Data:
        for _ in range(1000):
            a, pos, neg = (rng.normal(0.0, 1.0, size=(n, d)) for _ in range(3))
            dist = [np.sum(np.abs(x - y + eps) ** p, axis=1) ** (1 / p) for x, y in ((a, pos), (a, neg), (pos, neg))]
            z = margin + dist[0] - (np.minimum(dist[1], dist[2]) if swap else dist[1])
            if np.all(np.abs(z) > 0.05) and np.all(np.abs(dist[1] - dist[2]) > 0.05) and np.any(z > 0):
                return a, pos, {"negative": neg}
        raise RuntimeError("could not place the triplets")
    return make


def ranked_pairs(shape: tuple[int, ...], margin: float) -> Callable[..., Data]:
    """Scores x1, x2 and labels y = +-1 with y (x1 - x2) clear of the margin (margin_ranking's corner)."""
    def make(rng: np.random.Generator) -> Data:
        y = rng.choice([-1.0, 1.0], size=shape)
        x2 = rng.normal(0.0, 1.0, size=shape)
        lead = away(rng, shape, (margin,), lo=-2.0, hi=3.0)
        return x2 + y * lead, x2, {"y": y}
    return make


def labelled_pairs(n: int, d: int, labels: str, margin: float) -> Callable[..., Data]:
    """Pairs of vectors with one label per pair, clear of the margin: "cosine" (cos vs margin, y = +-1) or
    "distance" (contrastive: distance vs margin, y in {0, 1})."""
    def make(rng: np.random.Generator) -> Data:
        for _ in range(1000):
            x1, x2 = rng.normal(0.0, 1.0, size=(n, d)), rng.normal(0.0, 1.0, size=(n, d))
            if labels == "cosine":
                y = rng.choice([-1.0, 1.0], size=n)
                gap = np.sum(x1 * x2, axis=1) / np.sqrt(np.sum(x1 * x1, axis=1) * np.sum(x2 * x2, axis=1)) - margin
            else:
                y = rng.integers(0, 2, size=n).astype(np.float64)
                gap = np.linalg.norm(x1 - x2 + 1e-6, axis=1) - margin
            if np.all(np.abs(gap) > 0.05) and np.any((gap > 0) if labels == "cosine" else (gap < 0)):
                return x1, x2, {"y": y}
        raise RuntimeError("could not place the pairs")
    return make


def gaussian(shape: tuple[int, ...], var_shape: tuple[int, ...]) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        return (rng.normal(0.0, 2.0, size=shape), rng.normal(0.0, 2.0, size=shape),
                {"var": rng.uniform(0.2, 3.0, size=var_shape)})
    return make


def members(n: int, m: int) -> Callable[..., Data]:
    """Ensembles without ties and with no member equal to the observation."""
    def make(rng: np.random.Generator) -> Data:
        x = rng.normal(0.0, 1.0, size=(n, m)) + 0.01 * np.arange(m)
        return x, rng.normal(0.0, 1.0, size=n) + 0.003
    return make


def vectors(n: int, d: int) -> Callable[..., Data]:
    def make(rng: np.random.Generator) -> Data:
        return rng.normal(0.0, 2.0, size=(n, d)), rng.normal(0.0, 1.0, size=(n, d))
    return make


# ------------------------------------------------------------------------------------------- configurations
CONFIGS: list[Config] = [
    # regression
    Config("mse/1d", "mse", {}, errors((9,), ())),
    Config("mse/3d", "mse", {}, errors((5, 2, 3), ())),
    Config("sse/2d", "sse", {}, errors((6, 3), ())),
    Config("sse/1d/unweighted", "sse", {}, errors((8,), ()), weighted=False),
    Config("rmse/2d", "rmse", {}, errors((6, 3), ())),
    Config("rmse/1d/unweighted", "rmse", {}, errors((8,), ()), weighted=False),
    Config("mae/2d", "mae", {}, errors((6, 3))),
    Config("mae/3d/unweighted", "mae", {}, errors((4, 2, 2)), weighted=False),
    Config("huber/delta1/2d", "huber", {}, errors((6, 3), (0.0, 1.0))),
    Config("huber/delta0.3/3d", "huber", {"delta": 0.3}, errors((4, 3, 2), (0.0, 0.3))),
    Config("huber/delta2.5/1d", "huber", {"delta": 2.5}, errors((10,), (0.0, 2.5), hi=5.0)),
    Config("smooth_l1/beta1/2d", "smooth_l1", {}, errors((6, 3), (0.0, 1.0))),
    Config("smooth_l1/beta0.5/1d", "smooth_l1", {"beta": 0.5}, errors((10,), (0.0, 0.5))),
    Config("smooth_l1/beta0/2d", "smooth_l1", {"beta": 0.0}, errors((6, 3))),
    Config("log_cosh/2d", "log_cosh", {}, errors((6, 3), (), hi=6.0)),
    Config("log_cosh/3d", "log_cosh", {}, errors((4, 2, 3), (), hi=0.9)),
    Config("quantile/q0.1/2d", "quantile", {"q": 0.1}, errors((6, 3))),
    Config("quantile/q0.5/1d", "quantile", {}, errors((10,))),
    Config("quantile/q0.9/3d", "quantile", {"q": 0.9}, errors((4, 2, 2))),
    Config("msle/2d", "msle", {}, positive((6, 3))),
    Config("mape/2d", "mape", {}, mape_data((6, 3))),
    Config("mape/eps0.5/2d", "mape", {"eps": 0.5}, mape_data((6, 3), small_targets=True)),
    Config("poisson/rate/2d", "poisson", {}, counts((6, 3), False)),
    Config("poisson/log_input/2d", "poisson", {"log_input": True}, counts((6, 3), True)),
    Config("poisson/rate-eps0.5/1d", "poisson", {"eps": 0.5}, counts((10,), False)),
    # binary
    Config("bce/probs/1d", "binary_cross_entropy", {}, binary((10,), False)),
    Config("bce/probs/multilabel", "binary_cross_entropy", {}, binary((6, 3), False)),
    Config("bce/probs/soft", "binary_cross_entropy", {}, binary((6, 3), False, soft=True)),
    Config("bce/probs/label_smoothing", "binary_cross_entropy", {"label_smoothing": 0.1}, binary((6, 3), False)),
    Config("bce/probs/pos_weight", "binary_cross_entropy", {"pos_weight": 2.5}, binary((10,), False)),
    Config("bce/probs/pos_weight-per-label", "binary_cross_entropy", {"pos_weight": [0.5, 2.0, 3.0]},
           binary((6, 3), False)),
    Config("bce/probs/eps0.02-clipped", "binary_cross_entropy", {"eps": 0.02},
           clipped(binary((6, 3), False), 0.02)),
    Config("bce/logits/1d", "binary_cross_entropy", {"from_logits": True}, binary((10,), True)),
    Config("bce/logits/multilabel/soft", "binary_cross_entropy", {"from_logits": True},
           binary((6, 3), True, soft=True)),
    Config("bce/logits/label_smoothing", "binary_cross_entropy", {"from_logits": True, "label_smoothing": 0.2},
           binary((6, 3), True)),
    Config("bce/logits/pos_weight", "binary_cross_entropy", {"from_logits": True, "pos_weight": 3.0},
           binary((10,), True)),
    Config("bce/logits/pos_weight-per-label+smoothing", "binary_cross_entropy",
           {"from_logits": True, "pos_weight": [0.25, 1.0, 4.0], "label_smoothing": 0.1}, binary((6, 3), True)),
    Config("binary_focal/probs/gamma2", "binary_focal", {}, binary((10,), False)),
    Config("binary_focal/probs/gamma0.5-alpha0.25", "binary_focal", {"gamma": 0.5, "alpha": 0.25},
           binary((6, 3), False)),
    Config("binary_focal/probs/gamma0/soft", "binary_focal", {"gamma": 0.0, "alpha": 0.7},
           binary((6, 3), False, soft=True)),
    Config("binary_focal/logits/gamma2-alpha0.25", "binary_focal", {"from_logits": True, "alpha": 0.25},
           binary((10,), True)),
    Config("binary_focal/logits/gamma0.5/multilabel", "binary_focal", {"from_logits": True, "gamma": 0.5},
           binary((6, 3), True)),
    Config("binary_focal/logits/gamma3/soft", "binary_focal", {"from_logits": True, "gamma": 3.0, "alpha": 0.4},
           binary((6, 3), True, soft=True)),
    Config("hinge/pm1/1d", "hinge", {}, hinge_data((10,), True)),
    Config("hinge/01/multilabel", "hinge", {}, hinge_data((6, 3), False)),
    Config("squared_hinge/pm1/multilabel", "squared_hinge", {}, hinge_data((6, 3), True)),
    Config("squared_hinge/01/1d", "squared_hinge", {}, hinge_data((10,), False)),
    # multi-class
    Config("cce/logits/onehot", "categorical_cross_entropy", {"from_logits": True}, class_rows(6, 4, True, "onehot")),
    Config("cce/logits/soft", "categorical_cross_entropy", {"from_logits": True}, class_rows(6, 4, True, "soft")),
    Config("cce/logits/label_smoothing", "categorical_cross_entropy", {"from_logits": True, "label_smoothing": 0.2},
           class_rows(6, 4, True, "onehot")),
    Config("cce/logits/class_weight", "categorical_cross_entropy",
           {"from_logits": True, "class_weight": [1.0, 2.0, 0.5, 3.0]}, class_rows(6, 4, True, "onehot")),
    Config("cce/logits/class_weight-dict+smoothing", "categorical_cross_entropy",
           {"from_logits": True, "class_weight": {0: 2.0, 3: 0.5}, "label_smoothing": 0.1},
           class_rows(6, 4, True, "onehot")),
    Config("cce/logits/one-example", "categorical_cross_entropy", {"from_logits": True},
           class_rows(1, 5, True, "one"), weighted=False),
    Config("cce/probs/onehot", "categorical_cross_entropy", {}, class_rows(6, 4, False, "onehot")),
    Config("cce/probs/soft", "categorical_cross_entropy", {}, class_rows(6, 4, False, "soft")),
    Config("cce/probs/label_smoothing+class_weight", "categorical_cross_entropy",
           {"label_smoothing": 0.1, "class_weight": [0.5, 1.0, 2.0, 4.0]}, class_rows(6, 4, False, "onehot")),
    Config("cce/probs/one-example", "categorical_cross_entropy", {}, class_rows(1, 5, False, "one"), weighted=False),
    Config("cce/probs/eps0.05-clipped", "categorical_cross_entropy", {"eps": 0.05},
           clipped(class_rows(6, 4, False, "soft"), 0.05, rows=True)),
    Config("sparse_cce/logits", "sparse_categorical_cross_entropy", {"from_logits": True},
           class_rows(7, 4, True, "labels")),
    Config("sparse_cce/logits/ignore_index", "sparse_categorical_cross_entropy",
           {"from_logits": True, "ignore_index": -100}, class_rows(7, 4, True, "labels", ignore=True)),
    Config("sparse_cce/logits/class_weight+ignore_index", "sparse_categorical_cross_entropy",
           {"from_logits": True, "ignore_index": -100, "class_weight": [2.0, 1.0, 0.5, 1.5]},
           class_rows(7, 4, True, "labels", ignore=True)),
    Config("sparse_cce/logits/label_smoothing", "sparse_categorical_cross_entropy",
           {"from_logits": True, "label_smoothing": 0.15}, class_rows(7, 4, True, "labels")),
    Config("sparse_cce/probs", "sparse_categorical_cross_entropy", {}, class_rows(7, 4, False, "labels")),
    Config("sparse_cce/probs/ignore_index+class_weight-dict", "sparse_categorical_cross_entropy",
           {"ignore_index": -100, "class_weight": {1: 3.0}}, class_rows(7, 4, False, "labels", ignore=True)),
    Config("sparse_cce/probs/eps0.05-clipped", "sparse_categorical_cross_entropy", {"eps": 0.05},
           clipped(class_rows(7, 4, False, "labels"), 0.05, rows=True)),
    Config("categorical_focal/logits/gamma2", "categorical_focal", {"from_logits": True},
           class_rows(6, 4, True, "onehot")),
    Config("categorical_focal/logits/gamma0.5-alpha1/soft", "categorical_focal",
           {"from_logits": True, "gamma": 0.5, "alpha": 1.0}, class_rows(6, 4, True, "soft")),
    Config("categorical_focal/logits/gamma0", "categorical_focal", {"from_logits": True, "gamma": 0.0},
           class_rows(6, 4, True, "onehot")),
    Config("categorical_focal/probs/gamma2", "categorical_focal", {}, class_rows(6, 4, False, "onehot")),
    Config("categorical_focal/probs/gamma3-alpha0.5/soft", "categorical_focal", {"gamma": 3.0, "alpha": 0.5},
           class_rows(6, 4, False, "soft")),
    Config("categorical_hinge/labels", "categorical_hinge", {}, margin_rows(7, 4, "ch", 1.0, False)),
    Config("categorical_hinge/onehot", "categorical_hinge", {}, margin_rows(7, 4, "ch", 1.0, True)),
    Config("multi_margin/p1", "multi_margin", {}, margin_rows(7, 4, "mm", 1.0, False)),
    Config("multi_margin/p2-margin0.5/onehot", "multi_margin", {"p": 2, "margin": 0.5},
           margin_rows(7, 4, "mm", 0.5, True)),
    Config("multi_margin/p1-margin2", "multi_margin", {"margin": 2.0}, margin_rows(7, 4, "mm", 2.0, False)),
    Config("multi_margin/p2", "multi_margin", {"p": 2}, margin_rows(7, 4, "mm", 1.0, False)),
    # distributions
    Config("kl_divergence/dense", "kl_divergence", {}, distributions(6, 4)),
    Config("kl_divergence/target-zeros", "kl_divergence", {}, distributions(6, 4, target_zeros=True)),
    Config("kl_divergence/eps1e-3", "kl_divergence", {"eps": 1e-3}, distributions(6, 4, floor=3e-3)),
    Config("kl_divergence/eps0.05-clipped", "kl_divergence", {"eps": 0.05},
           clipped(distributions(6, 4), 0.05, rows=True)),
    Config("binary_focal/probs/clipped", "binary_focal", {"alpha": 0.25},
           clipped(binary((6, 3), False), 1e-7)),
    Config("js_divergence/dense", "js_divergence", {}, distributions(6, 4)),
    Config("js_divergence/target-zeros", "js_divergence", {}, distributions(6, 4, target_zeros=True)),
    # issue 17
    Config("rmsle/2d", "rmsle", {}, positive((6, 3))),
    Config("rmsle/1d/unweighted", "rmsle", {}, positive((8,)), weighted=False),
    Config("smape/2d", "smape", {}, away_from_zero((6, 3))),
    Config("wmape/2d", "wmape", {}, mape_data((6, 3))),
    Config("wmape/one-series", "wmape", {}, mape_data((9,)), weighted=False),
    Config("wmape/eps5-floored", "wmape", {"eps": 5.0}, mape_data((6, 3), small_targets=True)),
    Config("brier/probs/2d", "brier", {}, binary((6, 3), False)),
    Config("brier/logits/soft", "brier", {"from_logits": True}, binary((10,), True, soft=True)),
    Config("soft_margin/pm1", "soft_margin", {}, signed_scores((6, 3), 0.0)),
    Config("soft_margin/01", "soft_margin", {}, signed_scores((10,), 0.0, signed=False)),
    Config("perceptron/pm1", "perceptron", {}, signed_scores((6, 3), 0.0)),
    Config("perceptron/01", "perceptron", {}, signed_scores((10,), 0.0, signed=False)),
    Config("multilabel_soft_margin/soft", "multilabel_soft_margin", {}, binary((6, 3), True, soft=True)),
    Config("multilabel_soft_margin/label_weight", "multilabel_soft_margin", {"label_weight": [0.5, 2.0, 1.0]},
           binary((6, 3), True)),
    Config("hinge_embedding/margin1", "hinge_embedding", {}, distance_pairs((6, 3), 1.0)),
    Config("hinge_embedding/margin2", "hinge_embedding", {"margin": 2.0}, distance_pairs((10,), 2.0)),
    Config("nll/labels", "nll", {}, log_rows(7, 4)),
    Config("nll/class_weight+ignore_index", "nll", {"ignore_index": -100, "class_weight": [2.0, 1.0, 0.5, 1.5]},
           log_rows(7, 4, ignore=True)),
    Config("poly1/logits/onehot", "poly1", {"from_logits": True}, class_rows(6, 4, True, "onehot")),
    Config("poly1/logits/soft-eps-1", "poly1", {"from_logits": True, "epsilon": -1.0}, class_rows(6, 4, True, "soft")),
    Config("poly1/probs/labels-eps3", "poly1", {"epsilon": 3.0}, class_rows(7, 4, False, "labels")),
    Config("poly1/probs/eps0.05-clipped", "poly1", {"eps": 0.05},
           clipped(class_rows(6, 4, False, "onehot"), 0.05, rows=True)),
    Config("gce/logits/labels", "generalized_cross_entropy", {"from_logits": True}, class_rows(7, 4, True, "labels")),
    Config("gce/logits/soft-q0.2", "generalized_cross_entropy", {"from_logits": True, "q": 0.2},
           class_rows(6, 4, True, "soft")),
    Config("gce/probs/onehot-q1", "generalized_cross_entropy", {"q": 1.0}, class_rows(6, 4, False, "onehot")),
    Config("gce/probs/eps0.05-clipped", "generalized_cross_entropy", {"eps": 0.05},
           clipped(class_rows(6, 4, False, "onehot"), 0.05, rows=True)),
    Config("soft_dice/probs", "soft_dice", {}, masks(5, 6, False)),
    Config("soft_dice/logits/soft-smooth0", "soft_dice", {"from_logits": True, "smooth": 0.0}, masks(5, 6, True, True)),
    Config("soft_dice/one-mask", "soft_dice", {"smooth": 0.1}, masks(1, 9, False), weighted=False),
    Config("tversky/probs", "tversky", {}, masks(5, 6, False)),
    Config("tversky/logits/a0.9-b0.1", "tversky", {"from_logits": True, "alpha": 0.9, "beta": 0.1, "smooth": 0.0},
           masks(5, 6, True)),
    Config("soft_jaccard/probs/soft", "soft_jaccard", {"smooth": 0.5}, masks(5, 6, False, True)),
    Config("soft_jaccard/logits", "soft_jaccard", {"from_logits": True}, masks(5, 6, True)),
    Config("cosine_similarity/rows", "cosine_similarity", {}, vectors(6, 4)),
    Config("cosine_similarity/eps-floored", "cosine_similarity", {"eps": 1e6}, vectors(6, 4)),
    Config("focal_tversky/probs", "focal_tversky", {}, masks(5, 6, False)),
    Config("focal_tversky/logits/soft-g2", "focal_tversky",
           {"from_logits": True, "gamma": 2.0, "smooth": 0.0, "alpha": 0.8, "beta": 0.2}, masks(5, 6, True, True)),
    Config("multilabel_margin/index-rows", "multilabel_margin", {}, lambda rng: index_rows(rng, 6, 4)),
    Config("sparsemax/labels", "sparsemax", {}, class_rows(7, 4, True, "labels")),
    Config("sparsemax/soft", "sparsemax", {}, class_rows(6, 5, True, "soft")),
    Config("zero_one/probs/2d", "zero_one", {}, binary((6, 3), False)),
    Config("zero_one/logits", "zero_one", {"from_logits": True}, binary((10,), True)),
    Config("categorical_zero_one/labels", "categorical_zero_one", {}, class_rows(7, 4, True, "labels")),
    # extra inputs
    Config("triplet_margin/p2", "triplet_margin", {}, triplets(7, 3, 1.0)),
    Config("triplet_margin/p1-swap-margin0.5", "triplet_margin", {"p": 1.0, "swap": True, "margin": 0.5},
           triplets(7, 3, 0.5, p=1.0, swap=True)),
    Config("triplet_margin/p3-eps0", "triplet_margin", {"p": 3.0, "eps": 0.0}, triplets(7, 3, 1.0, eps=0.0, p=3.0)),
    Config("margin_ranking/1d", "margin_ranking", {}, ranked_pairs((10,), 0.0)),
    Config("margin_ranking/margin0.5/2d", "margin_ranking", {"margin": 0.5}, ranked_pairs((6, 3), 0.5)),
    Config("cosine_embedding/margin0", "cosine_embedding", {}, labelled_pairs(8, 3, "cosine", 0.0)),
    Config("cosine_embedding/margin0.3-eps1e-3", "cosine_embedding", {"margin": 0.3, "eps": 1e-3},
           labelled_pairs(8, 3, "cosine", 0.3)),
    Config("contrastive/margin1", "contrastive", {}, labelled_pairs(8, 3, "distance", 1.0)),
    Config("contrastive/margin2.5-eps0", "contrastive", {"margin": 2.5, "eps": 0.0},
           labelled_pairs(8, 3, "distance", 2.5)),
    Config("info_nce/t0.1", "info_nce", {}, vectors(6, 4)),
    Config("info_nce/t0.5", "info_nce", {"temperature": 0.5}, vectors(7, 3)),
    Config("nt_xent/t0.07", "nt_xent", {}, vectors(5, 4)),
    Config("nt_xent/t0.5", "nt_xent", {"temperature": 0.5}, vectors(6, 3)),
    Config("gaussian_nll/2d", "gaussian_nll", {}, gaussian((6, 3), (6, 3))),
    Config("gaussian_nll/per-example-var/full", "gaussian_nll", {"full": True}, gaussian((6, 3), (6,))),
    Config("gaussian_nll/column-var/eps0.1", "gaussian_nll", {"eps": 0.1}, gaussian((6, 3), (6, 1))),
    Config("crps_ensemble/m5", "crps_ensemble", {}, members(6, 5)),
    Config("crps_ensemble/fair/m4", "crps_ensemble", {"fair": True}, members(6, 4)),
    Config("triplet_margin/one", "triplet_margin", {"swap": True}, lambda rng: tuple(
        x[0] if not isinstance(x, dict) else {k: v[0] for k, v in x.items()}
        for x in triplets(1, 4, 1.0, swap=True)(rng)), weighted=False),
    # sequences: pred (N, T, C), padded labels, lengths; the mean divides each loss by max(S_n, 1)
    Config("ctc/log_probs", "ctc", {}, sequences(4, 7, 4, False)),
    Config("ctc/logits", "ctc", {"from_logits": True}, sequences(4, 7, 4, True)),
    Config("ctc/blank-last", "ctc", {"blank": 3}, sequences(3, 6, 4, False, blank=3)),
    Config("ctc/impossible-zero", "ctc", {"impossible": "zero"}, sequences(3, 6, 3, False, impossible=True)),
    Config("ctc/one-sequence", "ctc", {"from_logits": True}, sequences(1, 6, 3, True, one=True), weighted=False),
]


def _configs_from_metadata() -> list[Config]:
    """Built-in losses with no configuration above, from their metadata: errors away from every kink, and each
    parameter with a slider set inside its range (see tests/losses/_cases.py for the same rule)."""
    configured = {losslab.get(cfg.loss).name for cfg in CONFIGS}
    out = []
    for d in losslab.losses.definitions():
        if not d.builtin or d.name in configured or d.kind != "elementwise":
            continue
        defaults = {p.name: p.default for p in d.params}
        out.append(Config(f"{d.name}/2d", d.name, {}, _by_domain(d, defaults, (6, 3), (0.0,))))
        for p in d.params:
            if p.slider is not None:
                value = slider_value(p)
                kinks = (0.0, value) if p.kink else (0.0,)
                make = _by_domain(d, {**defaults, p.name: value}, (10,), kinks)
                out.append(Config(f"{d.name}/{p.name}{value:g}/1d", d.name, {p.name: value}, make))
    return out


def _by_domain(d: Any, params: dict[str, Any], shape: tuple[int, ...], kinks: tuple[float, ...]) -> Callable[..., Data]:
    """Errors away from the kinks for a loss on real numbers; a positive pred (a mean) with a target in its domain
    (zeros kept where allowed) for the deviances."""
    if d.pred_domain(params) != "positive":
        return errors(shape, kinks)
    zeros = d.target_domain(params) != "positive"

    def make(rng: np.random.Generator) -> Data:
        t = rng.uniform(0.3, 4.0, size=shape)
        if zeros:
            t[rng.uniform(size=shape) < 0.3] = 0.0
        return rng.uniform(0.3, 4.0, size=shape), t
    return make


CONFIGS += _configs_from_metadata()

CASES = [
    pytest.param(cfg, reduction, id=f"{cfg.id}/{reduction}")
    for cfg in CONFIGS
    for reduction in losslab.get(cfg.loss).definition.reductions
]


def setup(cfg: Config) -> tuple[losslab.Loss, np.ndarray, np.ndarray, np.ndarray | None]:
    loss, pred, target, w, _ = setup_inputs(cfg)
    return loss, pred, target, w


def setup_inputs(cfg: Config) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray | None, dict[str, np.ndarray]]:
    """As :func:`setup`, and the extra inputs (a ``make`` of a loss with inputs returns them third). The loss is
    bound to its inputs (``_cases.BoundLoss``), so the tests below call it with (pred, target) alone."""
    rng = cfg.rng()
    made = cfg.make(rng)
    pred, target = made[0], made[1]
    inputs: dict[str, np.ndarray] = made[2] if len(made) > 2 else {}  # type: ignore[misc]
    n = 1 if pred.ndim == 1 and losslab.get(cfg.loss).definition.kind != "elementwise" else pred.shape[0]
    w = None
    if cfg.weighted:
        w = rng.uniform(0.2, 3.0, size=n)
        w[rng.integers(n)] = 0.0
    loss = losslab.get(cfg.loss, **cfg.params)
    if inputs:
        loss = _Fixed(loss.definition, **loss.params)
        loss.fixed = inputs
    return loss, pred, target, w, inputs


class _Fixed(BoundLoss):
    """A loss with its extra inputs fixed to the configuration's arrays."""

    fixed: dict[str, np.ndarray]

    def _with(self, pred: Any, target: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {**self.fixed, **inputs}


def five_point(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        a = abs(float(x[idx]))
        h = min(1e-4 * max(1.0, a), 0.2 * a) if a > 0 else 1e-4  # tiny x (a clipped probability): stay in its zone

        def at(step: float, idx: tuple[int, ...] = idx) -> float:
            y = x.copy()
            y[idx] += step
            return f(y)

        g[idx] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
    return g


def test_every_builtin_loss_is_configured() -> None:
    builtin = {e["name"] for e in losslab.catalog() if e["builtin"]}
    assert builtin == {losslab.get(cfg.loss).name for cfg in CONFIGS}


def test_every_parameter_path_is_configured() -> None:
    changed: dict[str, set[str]] = {}
    for cfg in CONFIGS:
        changed.setdefault(losslab.get(cfg.loss).name, set()).update(cfg.params)
    missing = [f"{e['name']}.{p['name']}" for e in losslab.catalog() if e["builtin"] for p in e["params"]
               if p["name"] not in changed.get(e["name"], set())]
    assert not missing


@pytest.mark.parametrize(("cfg", "reduction"), CASES)
def test_gradient_matches_finite_differences(cfg: Config, reduction: str) -> None:
    loss, pred, target, w = setup(cfg)

    def f(x: np.ndarray) -> float:
        return float(np.sum(loss(x, target, reduction=reduction, sample_weight=w)))

    analytic = loss.grad(pred, target, reduction=reduction, sample_weight=w)
    assert analytic.shape == pred.shape
    numeric = five_point(f, pred)
    scale = 1.0 + abs(f(pred))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9 * scale)


WITH_INPUTS = [pytest.param(cfg, reduction, id=f"{cfg.id}/{reduction}") for cfg in CONFIGS
               if losslab.get(cfg.loss).definition.wrt != ("pred",) for reduction in ("mean", "sum", "none")]


@pytest.mark.parametrize(("cfg", "reduction"), WITH_INPUTS)
def test_gradients_wrt_every_argument_match_finite_differences(cfg: Config, reduction: str) -> None:
    """grad(..., wrt=[...]) for the target and the extra inputs, against 5-point differences of the value."""
    loss, pred, target, w, inputs = setup_inputs(cfg)
    args = {"target": target, **inputs}
    wrt = [k for k in loss.definition.wrt if k != "pred"]
    grads = loss.grad(pred, target, reduction=reduction, sample_weight=w, wrt=wrt)
    for name in wrt:
        def f(x: np.ndarray, name: str = name) -> float:
            call = {**args, name: x}
            t = call.pop("target")
            return float(np.sum(loss(pred, t, reduction=reduction, sample_weight=w, **call)))

        assert grads[name].shape == np.shape(args[name])
        numeric = five_point(f, np.asarray(args[name], dtype=float))
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-9 * (1.0 + abs(f(args[name]))),
                                   err_msg=name)
    # a single name gives the array; value_and_grad agrees
    np.testing.assert_array_equal(loss.grad(pred, target, reduction=reduction, sample_weight=w, wrt=wrt[0]),
                                  grads[wrt[0]])
    value, both = loss.value_and_grad(pred, target, reduction=reduction, sample_weight=w, wrt=["pred", *wrt])
    np.testing.assert_allclose(both["pred"], loss.grad(pred, target, reduction=reduction, sample_weight=w),
                               rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(value, loss(pred, target, reduction=reduction, sample_weight=w))


@pytest.mark.parametrize("cfg", [c for c in CONFIGS
                                 if {"none", "sum", "mean"} <= set(losslab.get(c.loss).definition.reductions)],
                         ids=lambda c: c.id)
def test_grad_under_none_is_the_gradient_of_the_sum(cfg: Config) -> None:
    loss, pred, target, w = setup(cfg)
    g_none = loss.grad(pred, target, reduction="none", sample_weight=w)
    g_sum = loss.grad(pred, target, reduction="sum", sample_weight=w)
    np.testing.assert_allclose(g_none, g_sum, rtol=1e-13, atol=0)
    # and the mean's gradient is the sum's divided by the total weight (ignored examples excluded)
    g_mean = loss.grad(pred, target, reduction="mean", sample_weight=w)
    d = loss.definition
    n = g_none.shape[0] if g_none.ndim > d.example_ndim or d.kind == "elementwise" else 1
    # the mean divides each example's loss by its divisor first (definition.mean_divisor: CTC's max(S_n, 1))
    divisor = mean_divisor(loss, pred, target)
    if g_none.ndim > 1 and divisor.shape[0] == g_none.shape[0]:
        g_mean = g_mean * divisor.reshape((-1,) + (1,) * (g_none.ndim - 1))
    else:
        g_mean = g_mean * divisor[0]
    total = np.ones(n) if w is None else w.copy()
    if "ignore_index" in cfg.params:
        total = total * (np.asarray(target) != cfg.params["ignore_index"])
    cw = cfg.params.get("class_weight")
    if cw is not None:
        c = pred.shape[-1]
        arr = np.ones(c)
        if isinstance(cw, dict):
            for k, v in cw.items():
                arr[k] = v
        else:
            arr = np.asarray(cw, dtype=float)
        y = np.asarray(target) if np.asarray(target).ndim == 1 else np.argmax(target, axis=1)
        total = total * arr[np.where(y >= 0, y, 0)]
    np.testing.assert_allclose(g_mean * total.sum(), g_sum, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "params", "pred", "target"), [
    ("binary_cross_entropy", {}, [1e-9, 0.5, 1 - 1e-9, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0, 0.0]),
    ("binary_focal", {"alpha": 0.3}, [1e-9, 0.5, 1 - 1e-9, 0.0, 1.0], [1.0, 1.0, 0.0, 1.0, 0.0]),
    ("categorical_cross_entropy", {}, [[1e-9, 0.5, 0.5 - 1e-9], [0.3, 0.7, 0.0]], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    ("kl_divergence", {}, [[1e-9, 0.5, 0.5 - 1e-9], [0.3, 0.7, 0.0]], [[0.2, 0.4, 0.4], [0.1, 0.1, 0.8]]),
])
def test_clipped_probabilities_have_zero_gradient(name: str, params: dict[str, Any], pred: list[Any],
                                                  target: list[Any]) -> None:
    """Below eps (or above 1 - eps) the clipped loss is flat, so its derivative there is 0."""
    loss = losslab.get(name, **params)
    p = np.asarray(pred)
    t = np.asarray(target)
    g = loss.grad(p, t, reduction="sum")
    clipped = (p < 1e-7) | (p > 1 - 1e-7)
    assert np.all(g[clipped] == 0.0)
    nudged = np.where(clipped, np.where(p < 0.5, p + 5e-8 * (p < 5e-8), p - 5e-8 * (p > 1 - 5e-8)), p)
    assert float(loss(nudged, t, reduction="sum")) == float(loss(p, t, reduction="sum"))
