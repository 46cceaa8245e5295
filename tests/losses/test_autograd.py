"""Autograd through every built-in loss gives ``loss.grad``, on exactly the inputs where formulas tend to break it.

On torch tensors a loss is made of torch operations, so ``backward()`` differentiates the *value* formula. That
equals the analytic ``loss.grad`` only if the value is written for it: a max that passes a gradient to every tied
entry, a ``where`` whose untaken branch is inf or NaN, a power at 0, a clip or max whose derivative at its corner is
not the subgradient ``loss.grad`` takes there. Random inputs never land on those points (``test_backends`` covers
them), so this file builds them on purpose, for every built-in loss and every parameter path: ties and all-zero
logits, zero error, saturated scores (+-50, +-500, +-800), inputs exactly on a kink or margin, one-class rows,
probabilities 0 and 1 and the clip edges.

In the spirit of scikit-learn's ``test_common``: every built-in loss has its parameter paths, in ``PATHS`` or taken
from its metadata (``paths``), and anything left out is listed in ``EXCLUDED`` with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import losslab
from losslab.losses import definitions
from losslab.losses._core import fast_path

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-9, 1e-12
EPS = 1e-7  # the default probability clip of the cross-entropy and focal losses

EXCLUDED: dict[str, str] = {
    d.name: "computed in NumPy (definition.autograd=False): no autograd graph flows through its value; its "
            "loss.grad is compared with the library's own autograd in a test of its own below"
    for d in definitions() if d.builtin and not d.autograd
}
"""Built-in losses (or ``"loss/case"``) left out of the comparison, with the reason: by metadata, the losses whose
value is computed outside the array library (ctc: test_ctc_grad_equals_torch_autograd_through_log_softmax)."""

Params = dict[str, Any]
Inputs = tuple[str, np.ndarray, np.ndarray]  # (case id, pred, target)

# Parameter paths: every branch a parameter selects (from_logits, gamma 0 / < 1 / 1 / > 1, label smoothing,
# smoothing beta = 0, log_input, p = 1 / 2, ...). Kinks sit at the parameter values, so those vary too.
PATHS: dict[str, list[Params]] = {
    "mse": [{}],
    "sse": [{}],
    "rmse": [{}],
    "mae": [{}],
    "huber": [{"delta": 1.0}, {"delta": 0.5}, {"delta": 2.0}],
    "smooth_l1": [{"beta": 1.0}, {"beta": 0.5}, {"beta": 0.0}],
    "log_cosh": [{}],
    "quantile": [{"q": 0.5}, {"q": 0.1}, {"q": 0.9}],
    "msle": [{}],
    "mape": [{}, {"eps": 1e-3}],
    "poisson": [{"log_input": False}, {"log_input": True}, {"log_input": False, "eps": 1e-3}],
    "binary_cross_entropy": [
        {"from_logits": fl, "label_smoothing": ls, "pos_weight": pw}
        for fl, ls, pw in itertools.product((False, True), (0.0, 0.1), (None, 2.0))
    ] + [{"eps": 1e-3}],
    "binary_focal": [
        {"gamma": g, "alpha": a, "from_logits": fl}
        for g, a, fl in itertools.product((0.0, 0.5, 1.0, 2.0), (None, 0.25), (False, True))
    ],
    "hinge": [{}],
    "squared_hinge": [{}],
    "categorical_cross_entropy": [
        {"from_logits": fl, "label_smoothing": ls} for fl, ls in itertools.product((False, True), (0.0, 0.1))
    ] + [{"from_logits": True, "class_weight": {0: 2.0}}, {"eps": 1e-3}],
    "sparse_categorical_cross_entropy": [
        {"from_logits": fl, "label_smoothing": ls} for fl, ls in itertools.product((False, True), (0.0, 0.1))
    ] + [{"from_logits": True, "ignore_index": 1}, {"from_logits": False, "class_weight": {0: 2.0}}],
    "categorical_focal": [
        {"gamma": g, "from_logits": fl} for g, fl in itertools.product((0.0, 0.5, 1.0, 2.0), (False, True))
    ] + [{"gamma": 0.5, "alpha": 1.0, "from_logits": True}],
    "categorical_hinge": [{}],
    "multi_margin": [{"margin": m, "p": p} for m, p in itertools.product((1.0, 0.5), (1, 2))],
    "kl_divergence": [{}, {"eps": 1e-3}],
    "js_divergence": [{}],
    "wmape": [{}, {"eps": 10.0}],
    "nll": [{}, {"class_weight": {0: 2.0}}, {"ignore_index": 1}],
    "poly1": [{"from_logits": fl, "epsilon": e} for fl, e in itertools.product((False, True), (1.0, -1.0, 3.0))],
    "generalized_cross_entropy": [{"from_logits": fl, "q": q} for fl, q in itertools.product((False, True),
                                                                                             (0.7, 0.05, 1.0))],
    "soft_dice": [{"from_logits": fl, "smooth": s} for fl, s in itertools.product((False, True), (1.0, 0.0))],
    "tversky": [{"from_logits": fl, "alpha": a, "beta": b, "smooth": s}
                for fl, (a, b, s) in itertools.product((False, True), ((0.3, 0.7, 1.0), (1.0, 0.0, 0.0)))],
    "soft_jaccard": [{"from_logits": fl, "smooth": s} for fl, s in itertools.product((False, True), (1.0, 0.0))],
    "focal_tversky": [{"from_logits": fl, "gamma": g, "alpha": a, "beta": b, "smooth": s}
                      for fl, g, (a, b, s) in itertools.product((False, True), (0.75, 1.0, 2.0),
                                                                ((0.3, 0.7, 1.0), (1.0, 0.0, 0.0)))],
    "cosine_similarity": [{}, {"eps": 1.0}],
    "triplet_margin": [{}, {"swap": True}, {"p": 1.0}, {"p": 3.0, "swap": True}, {"eps": 0.0, "margin": 1.0},
                       {"eps": 0.0, "swap": True, "margin": 0.0}],
    "margin_ranking": [{}, {"margin": 0.5}, {"margin": 1.0}],
    "cosine_embedding": [{}, {"margin": 0.5}, {"margin": -0.5, "eps": 1e-6}],
    "contrastive": [{}, {"margin": 2.0}, {"eps": 0.0, "margin": 1.0}],
    "info_nce": [{}, {"temperature": 0.02}, {"temperature": 1.0}],
    "nt_xent": [{}, {"temperature": 0.02}, {"temperature": 1.0}],
    "gaussian_nll": [{}, {"full": True}, {"eps": 0.1}],
    "crps_ensemble": [{}, {"fair": True}],
}




def paths(d: Any) -> list[Params]:
    """The paths of a loss: its entry in PATHS, else from its metadata (the defaults; each slider parameter at the
    ends of its slider; each boolean switch flipped), so a new loss is checked without editing this file."""
    if d.name in PATHS:
        return PATHS[d.name]
    out: list[Params] = [{}]
    for p in d.params:
        if p.slider is not None:
            out += [{p.name: p.convert(v)} for v in (p.slider[0], p.slider[1]) if v != p.default]
        elif p.type == "bool":
            out.append({p.name: not p.default})
    return out


# ------------------------------------------------------------------------------------------------- edge inputs
def _pairs(preds: list[float], targets: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Every pred against every target, flat (an elementwise loss's elements are independent)."""
    p, t = zip(*itertools.product(preds, targets), strict=True)
    return np.array(p, dtype=np.float64), np.array(t, dtype=np.float64)


def _errors(kinks: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """pred = target + e, with e exactly 0, exactly on each kink (+-), tiny, ordinary and saturated (+-50, +-500)."""
    errors = [0.0, 1e-9, -1e-9, 0.5, -0.5, 1.0, -1.0, 3.0, -3.0, 50.0, -50.0, 500.0, -500.0]
    errors += [s * k for k in kinks for s in (1.0, -1.0)]
    targets = [0.0, 1.0, -2.0]  # exact in binary: t + e - t == e for these errors, so a kink is hit exactly
    e, t = _pairs(errors, targets)
    return t + e, t


VECTOR_ROWS = [
    [0.0, 0.0, 0.0],  # a zero vector: Keras's normalization gives cos = 0
    [1e-8, 0.0, -1e-8],  # below the squared-length floor
    [1.0, 2.0, -2.0],
    [-1.0, -2.0, 2.0],
    [2.0, 4.0, -4.0],
    [0.0, 0.0, 5.0],
    [1e6, -1e6, 3.0],
    [1e-3, 1.0, 0.0],
]


def regression_inputs(name: str, params: Params) -> Iterator[Inputs]:
    if name == "cosine_similarity":  # rows of vectors: zero, tiny, parallel, opposite, orthogonal, huge
        pairs = list(itertools.product(VECTOR_ROWS, VECTOR_ROWS))
        yield "vectors", np.array([p for p, _ in pairs]), np.array([t for _, t in pairs])
        return
    if name == "wmape":  # rows of series: zero error, ties, all-zero targets (the floor), huge values
        t = np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 0.0], [1e-9, 0.0, -1e-9], [500.0, 3.0, -1.0], [1.0, 1.0, 1.0]])
        yield "series", np.concatenate([t, t + 1.0, t - 0.5, np.zeros_like(t)]), np.concatenate([t, t, t, t])
        return
    if name in ("msle", "rmsle"):  # pred, target > -1
        values = [0.0, 1e-9, 0.5, 3.0, 50.0, 500.0, -0.5, -0.999]
        yield "zero_error", np.array(values), np.array(values)
        yield "pairs", *_pairs(values, values)
        return
    if name == "poisson" and not params["log_input"]:  # a rate >= 0
        yield "zero_error", np.array([0.0, 1.0, 2.5]), np.array([0.0, 1.0, 2.5])
        yield "pairs", *_pairs([0.0, 1e-12, 0.5, 3.0, 50.0, 500.0], [0.0, 1.0, 2.5])
        return
    if name == "poisson":  # log-rates: e^500 is finite, e^800 is not
        yield "log_rates", *_pairs([0.0, 1e-9, -1.0, 2.0, 50.0, -50.0, 500.0, -500.0, -800.0], [0.0, 1.0, 2.5])
        return
    loss = losslab.get(name, **params)
    if loss.definition.pred_domain(loss.params) == "positive":  # a mean > 0 (deviances), from the metadata
        target_domain = loss.definition.target_domain(loss.params)
        targets = [1e-9, 0.5, 1.0, 3.0, 500.0] + ([0.0] if target_domain != "positive" else [])
        targets += [-2.0] if target_domain == "real" else []
        # zero error away from tiny values: there d/dp of the separate terms (t p^-q vs p^(1-q)) cancels in
        # rounding far above ATOL, though each is exact to rtol
        values = [0.5, 1.0, 3.0, 50.0]
        yield "zero_error", np.array(values), np.array(values)
        yield "pairs", *_pairs([1e-12, 1e-3, 0.5, 1.0, 3.0, 50.0, 500.0], targets)
        return
    kinks = tuple(v for k, v in params.items() if k in ("delta", "beta") and v > 0)
    yield "zero_error", np.array([0.0, 1.5, -2.0, 1e3]), np.array([0.0, 1.5, -2.0, 1e3])
    yield "errors", *_errors(kinks)
    if name == "mape":  # |target| below the eps floor, and 0
        yield "small_targets", *_pairs([0.0, 1e-9, 1.0, -1.0], [0.0, 1e-9, -1e-9, 1e-3])


LOGITS = [0.0, 1e-3, -1e-3, 2.0, -2.0, 50.0, -50.0, 500.0, -500.0, 800.0, -800.0]
PROBABILITIES = [0.0, 1.0, EPS, 1.0 - EPS, EPS / 2, 1.0 - EPS / 2, 1e-3, 1.0 - 1e-3, 0.5, 0.3, 1e-300]


MASK_ROWS = [
    ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]),  # an empty mask predicted empty
    ([1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]),  # a full mask, perfect
    ([1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]),  # perfect, hard
    ([0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]),  # predicted where the mask is empty
    ([0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.0, 1.0]),  # nothing predicted
    ([1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]),  # no overlap at all
    ([0.9, 0.2, 1e-300, 0.6], [1.0, 0.0, 1.0, 0.3]),
    ([1.0 - EPS, EPS, 0.5, 1.0], [1.0, 0.0, 1.0, 1.0]),
]
MASK_LOGITS = [
    ([-800.0, -800.0, -800.0, -800.0], [0.0, 0.0, 0.0, 0.0]),
    ([800.0, 800.0, 800.0, 800.0], [1.0, 1.0, 1.0, 1.0]),
    ([50.0, -50.0, 500.0, -500.0], [1.0, 0.0, 1.0, 0.0]),
    ([0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0]),
    ([2.0, -2.0, 1e-3, -800.0], [1.0, 0.0, 0.3, 1.0]),
]


def binary_inputs(name: str, params: Params) -> Iterator[Inputs]:
    loss = losslab.get(name, **params)
    d, params = loss.definition, dict(loss.params)
    if d.kind == "rows":  # masks, one per row (soft_dice, tversky, soft_jaccard)
        rows = MASK_LOGITS if params.get("from_logits") else MASK_ROWS
        yield "masks", np.array([p for p, _ in rows]), np.array([t for _, t in rows])
        return
    if d.target_domain(params) == "signed_or_binary" and d.pred_domain(params) == "nonnegative":  # distances
        m = params.get("margin", 1.0)
        distances = [0.0, m, m + 1e-9, m - 1e-9, 0.5, 2.0, 50.0, 500.0]  # m: exactly on the corner
        yield "signed", *_pairs(distances, [-1.0, 1.0])
        yield "zero_one", *_pairs(distances, [0.0, 1.0])
        return
    if name == "zero_one":  # exactly on the threshold (a tie predicts the negative class), saturated, both encodings
        ties = [1e-300, -1e-300] if params.get("from_logits") else [0.5 + 1e-16, 0.5 - 1e-16]
        values = [*(LOGITS if params.get("from_logits") else PROBABILITIES), *ties]
        yield "signed", *_pairs(values, [-1.0, 1.0])
        yield "zero_one", *_pairs(values, [0.0, 1.0])
        return
    if d.target_domain(params) == "signed_or_binary" and name not in ("hinge", "squared_hinge"):
        scores = [0.0, 1e-300, -1e-300, 1.0, -1.0, 0.5, -2.0, 50.0, -50.0, 500.0, -500.0, 800.0, -800.0]  # 0: z = 0
        yield "signed", *_pairs(scores, [-1.0, 1.0])
        yield "zero_one", *_pairs(scores, [0.0, 1.0])
        return
    if name in ("hinge", "squared_hinge"):
        scores = [1.0, -1.0, 0.0, 0.5, -0.5, 2.0, -2.0, 50.0, -50.0, 500.0, -500.0]  # +-1: exactly on the margin
        yield "signed", *_pairs(scores, [-1.0, 1.0])
        yield "zero_one", *_pairs(scores, [0.0, 1.0])
        return
    targets = [0.0, 1.0, 0.25]
    if params.get("from_logits"):
        yield "logits", *_pairs(LOGITS, targets)
        yield "all_zero", np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])
    else:
        yield "probabilities", *_pairs(PROBABILITIES, targets)


LOGIT_ROWS = [
    [0.0, 0.0, 0.0],  # a zero-initialised output layer
    [2.0, 2.0, -1.0],  # tied top logits
    [-1.0, 2.0, 2.0],
    [2.0, -1.0, 2.0],
    [1.0, 1.0, 1.0],
    [500.0, 0.0, 0.0],
    [-500.0, 0.0, 0.0],
    [0.0, 500.0, -500.0],
    [500.0, 500.0, 0.0],
    [50.0, -50.0, 0.0],
    [800.0, 0.0, -800.0],
    [0.3, -1.2, 2.0],
]
PROBABILITY_ROWS = [
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [1 / 3, 1 / 3, 1 / 3],
    [EPS, 1.0 - 2 * EPS, EPS],
    [1.0 - EPS, EPS, 0.0],
    [0.5, 0.5, 0.0],
    [0.2, 0.3, 0.5],
    [1e-3, 1.0 - 2e-3, 1e-3],
]
SCORE_ROWS = [
    [0.0, 0.0, 0.0],  # ties everywhere
    [1.0, 0.0, 0.0],  # class 0 leads by exactly the margin 1
    [2.0, 1.0, 1.0],  # ... and the wrong classes tie
    [1.0, 1.0, 0.0],
    [0.5, 0.0, -0.5],  # margin 0.5 exactly
    [1.0, 0.5, 0.5],
    [2.0, 2.0, 2.0],
    [50.0, -50.0, 0.0],
    [-500.0, 500.0, 0.0],
]
SOFT_TARGETS = [[0.2, 0.3, 0.5], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]


def _rows_by_label(rows: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Every row against every class as the true one: (pred rows, integer labels)."""
    c = len(rows[0])
    pred = np.array([row for row in rows for _ in range(c)], dtype=np.float64)
    labels = np.array([y for _ in rows for y in range(c)], dtype=np.int64)
    return pred, labels


def rows_inputs(name: str, params: Params) -> Iterator[Inputs]:
    if name == "multilabel_margin":  # index rows padded with -1: none, one, some and every class listed
        lists = [[0, -1, -1], [2, 0, -1], [-1, -1, -1], [1, 2, 0], [1, -1, 0]]  # (after the first -1: ignored)
        yield "index_rows", *_rows_by_list(SCORE_ROWS + LOGIT_ROWS, lists)
        yield "one_class", np.array([[0.0], [2.0]]), np.array([[0], [-1]])
        return
    if name in ("sparsemax", "categorical_zero_one"):  # ties, saturation, a score exactly on the support's edge
        rows = LOGIT_ROWS + SCORE_ROWS + [[1.0, 0.0, -5.0], [0.5, 0.0, -0.5], [1e6, 1e6 - 0.5, -1e6]]
        yield "labels", *_rows_by_label(rows)
        scores, labels = _rows_by_label(rows)
        yield "one_hot", scores, np.eye(3)[labels]
        yield "soft_targets", np.array([r for r in rows for _ in SOFT_TARGETS]), np.array(
            [t for _ in rows for t in SOFT_TARGETS])
        yield "one_class", np.array([[0.0], [3.0], [-500.0]]), np.zeros(3, dtype=np.int64)
        return
    sparse = name == "sparse_categorical_cross_entropy"
    margin = name in ("categorical_hinge", "multi_margin")
    loss = losslab.get(name, **params)
    if loss.definition.pred_domain(loss.params) == "nonpositive":  # log-probabilities (nll)
        z = np.array(LOGIT_ROWS) - np.max(LOGIT_ROWS, axis=1, keepdims=True)
        logs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # log_softmax, every entry <= 0
        yield "labels", *_rows_by_label([list(r) for r in logs] + [[0.0, -800.0, -1600.0], [0.0, 0.0, 0.0]])
        yield "one_class", np.array([[0.0], [0.0]]), np.array([0, 0])
        return
    if name in ("kl_divergence", "js_divergence"):
        pairs = list(itertools.product(PROBABILITY_ROWS, PROBABILITY_ROWS))
        yield "zeros", np.array([p for p, _ in pairs]), np.array([t for _, t in pairs])
        yield "one_class", np.array([[1.0], [1.0]]), np.array([[1.0], [1.0]])
        return
    if margin:
        rows = SCORE_ROWS
        one_class = np.array([[0.0], [2.0], [-500.0]])
    elif params.get("from_logits"):
        rows = LOGIT_ROWS
        one_class = np.array([[0.0], [3.0], [-500.0], [800.0]])
    else:
        rows = PROBABILITY_ROWS
        one_class = np.array([[1.0], [1.0]])
    scores, labels = _rows_by_label(rows)
    if sparse or margin:
        yield "labels", scores, labels
    if not sparse:
        yield "one_hot", scores, np.eye(3)[labels]
    if not sparse and not margin:
        soft = np.array([t for _ in rows for t in SOFT_TARGETS])
        yield "soft_targets", np.array([row for row in rows for _ in SOFT_TARGETS]), soft
    yield "one_class", one_class, (np.zeros(len(one_class), dtype=np.int64) if sparse else np.ones_like(one_class))
    yield "two_classes", *_two_class_rows(params, sparse, margin)


def _rows_by_list(rows: list[list[float]], lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Every row of scores against every list of classes (index rows padded with -1)."""
    return (np.array([r for r in rows for _ in lists], dtype=np.float64),
            np.array([t for _ in rows for t in lists], dtype=np.int64))


def _two_class_rows(params: Params, sparse: bool, margin: bool) -> tuple[np.ndarray, np.ndarray]:
    if margin or params.get("from_logits"):
        pred = np.array([[0.0, 0.0], [500.0, -500.0], [-800.0, 800.0], [1.0, 0.0]])
    else:
        pred = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [EPS, 1.0 - EPS]])
    labels = np.array([0, 0, 0, 1])
    return pred, (labels if sparse or margin else np.eye(2)[labels])


# Losses with extra inputs (definition.inputs): (case id, pred, target, {input: array}) on their own edges.
Extra = tuple[str, np.ndarray, np.ndarray, dict[str, np.ndarray]]
TRIPLET_ROWS = [  # (anchor, positive, negative): equal vectors (distance 0 with eps = 0), the margin met exactly,
    # the swap's tie d(a, n) = d(p, n), zero vectors, saturated sizes
    ([0.0, 0.0], [0.0, 0.0], [0.0, 0.0]),
    ([0.0, 0.0], [1.0, 0.0], [2.0, 0.0]),
    ([0.0, 0.0], [2.0, 0.0], [1.0, 0.0]),
    ([1.0, 1.0], [1.0, 1.0], [3.0, -1.0]),
    ([0.0, 1.0], [0.0, -1.0], [1.0, 0.0]),
    ([1e6, -1e6], [1e6, 1e6], [-1e6, 0.0]),
    ([0.3, -1.2], [0.5, 2.0], [0.4, -1.0]),
    ([1e-9, 0.0], [0.0, 1e-9], [0.0, 0.0]),
]


BATCH_ROWS = [  # a batch of embeddings: a zero vector, ties (equal rows), opposite rows, saturated sizes
    [0.0, 0.0, 0.0], [1.0, 2.0, -2.0], [1.0, 2.0, -2.0], [-1.0, -2.0, 2.0], [1e6, -1e6, 3.0], [1e-9, 0.0, 1e-9],
    [0.3, -1.2, 2.0],
]


def extra_inputs(name: str, params: Params) -> Iterator[Extra]:
    """The edges of the losses with extra inputs, batch losses and ensembles (EDGES names them)."""
    if name == "triplet_margin":
        a, p, n = (np.array([row[j] for row in TRIPLET_ROWS]) for j in range(3))
        yield "triplets", a, p, {"negative": n}
    elif name == "margin_ranking":  # x1 - x2 exactly 0, on the margin (+-0.5, +-1), tiny, saturated
        diffs = [0.0, 0.5, -0.5, 1.0, -1.0, 1e-9, 3.0, -3.0, 500.0, -500.0]
        d, y = _pairs(diffs, [-1.0, 1.0])
        yield "pairs", d + 1.0, np.ones_like(d), {"y": y}
    elif name == "cosine_embedding":  # parallel, opposite, orthogonal (cos = 0 = margin), zero, tiny, huge
        pairs = list(itertools.product(VECTOR_ROWS, VECTOR_ROWS))
        y = np.where(np.arange(len(pairs)) % 2 == 0, 1.0, -1.0)
        yield "vectors", np.array([p for p, _ in pairs]), np.array([t for _, t in pairs]), {"y": y}
    elif name == "contrastive":  # equal vectors (d = 0 with eps = 0), d exactly on the margin 1 and 2, far
        x1 = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [3.0, -4.0], [1e6, 0.0], [0.5, 0.5]] * 2)
        x2 = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 2.0], [0.0, 0.0], [-1e6, 0.0], [0.5, 0.4]] * 2)
        yield "pairs", x1, x2, {"y": np.repeat([1.0, 0.0], 7)}
    elif name in ("info_nce", "nt_xent"):
        rows = np.array(BATCH_ROWS)
        yield "batch", rows, rows[::-1].copy(), {}
        yield "identical", rows[1:], rows[1:].copy(), {}
        yield "one", rows[1:2], rows[3:4], {}
    elif name == "gaussian_nll":  # var below, at and above eps (and 0.1), errors 0, tiny and huge
        e, v = _pairs([0.0, 1e-9, 1.0, -3.0, 500.0], [1e-8, 1e-6, 2e-6, 0.05, 0.1, 1.0, 1e6])
        yield "elements", e, np.zeros_like(e), {"var": v}
        mean = np.array([[0.0, 1.0, -2.0], [5.0, 0.0, 1e-9]])
        yield "per_example_var", mean, np.zeros_like(mean), {"var": np.array([1e-7, 0.5])}
    elif name == "crps_ensemble":  # tied members, members equal to the target, a large offset
        x = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 2.0], [0.0, 1.0, 2.0], [1e8, 1e8 + 1.0, 1e8 - 1.0],
                      [-500.0, 500.0, 0.0], [2.0, 1.0, 0.0]])
        yield "members", x, np.array([0.0, 1.0, 1.0, 1e8, 0.0, 3.0]), {}


EDGES = {"triplet_margin", "margin_ranking", "cosine_embedding", "contrastive", "info_nce", "nt_xent",
         "gaussian_nll", "crps_ensemble"}


def inputs_for(name: str, task: str, params: Params) -> Iterator[Inputs]:
    if name in EDGES:
        yield from ((i, p, t) for i, p, t, _ in extra_inputs(name, params))
        return
    if task == "regression":
        yield from regression_inputs(name, params)
    elif task == "binary":
        yield from binary_inputs(name, params)
    else:
        yield from rows_inputs(name, params)


# -------------------------------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class AutogradCase:
    name: str
    params: Params
    inputs: str
    pred: np.ndarray
    target: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def id(self) -> str:
        shown = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({shown})-{self.inputs}"


def _builtins() -> list[Any]:
    return [d for d in definitions() if d.builtin]


def _cases() -> list[AutogradCase]:
    cases = []
    for d in _builtins():
        if d.name in EXCLUDED:
            continue
        for params in paths(d):
            if d.name in EDGES:
                for inputs, pred, target, extra in extra_inputs(d.name, params):
                    cases.append(AutogradCase(d.name, params, inputs, pred, target, extra))
                continue
            for inputs, pred, target in inputs_for(d.name, d.task, params):
                if f"{d.name}/{inputs}" not in EXCLUDED:
                    cases.append(AutogradCase(d.name, params, inputs, pred, target))
    return cases


CASES = _cases()


def test_every_builtin_loss_has_paths() -> None:
    missing = [d.name for d in _builtins() if not any(c.name == d.name for c in CASES) and d.name not in EXCLUDED]
    assert not missing, f"no autograd case for {missing}: add paths to PATHS or an input recipe to inputs_for"
    unknown = set(PATHS) - {d.name for d in _builtins()}
    assert not unknown, f"PATHS names losses that are not built in: {sorted(unknown)}"


def test_every_parameter_is_exercised() -> None:
    # a parameter that no path sets is a branch nobody checked: each one appears in some path (or is "weighting"
    # / "numerics" with its default exercised, which every path does)
    for d in _builtins():
        if d.name in EXCLUDED:
            continue
        set_somewhere = {k for params in paths(d) for k in params}
        unset = [p.name for p in d.params if p.name not in set_somewhere and p.role not in ("weighting", "numerics")]
        assert not unset, f"{d.name}: no path in PATHS sets {unset}"


def _autograd(
    loss: Any, pred: np.ndarray, target: np.ndarray, reduction: Any, extra: dict[str, np.ndarray] | None = None
) -> tuple[Any, np.ndarray, np.ndarray]:
    """(the value on tensors, autograd's gradient, loss.grad on the same tensors), in float64. With extra inputs,
    every differentiable argument (``definition.wrt``) is compared, the gradients concatenated flat."""
    extra = extra or {}
    wrt = loss.definition.wrt
    p = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(target, requires_grad="target" in wrt) if "target" in wrt else torch.from_numpy(target)
    xs = {k: torch.tensor(a, dtype=torch.float64, requires_grad=k in wrt) for k, a in extra.items()}
    value = loss(p, t, reduction=reduction, **xs)
    assert isinstance(value, torch.Tensor) and value.dtype == torch.float64
    assert value.grad_fn is not None, "the value does not depend on pred: no gradient flows back"
    args = {"pred": p, "target": t, **xs}
    got = torch.autograd.grad(value, [args[k] for k in wrt], grad_outputs=torch.ones_like(value))
    plain = {k: torch.from_numpy(a) for k, a in extra.items()}
    if wrt == ("pred",):
        expected = [loss.grad(torch.from_numpy(pred), torch.from_numpy(target), reduction=reduction, **plain)]
    else:
        grads = loss.grad(torch.from_numpy(pred), torch.from_numpy(target), reduction=reduction, wrt=list(wrt),
                          **plain)
        expected = [grads[k] for k in wrt]
    flat = np.concatenate([g.numpy().ravel() for g in got])
    return value.detach(), flat, np.concatenate([g.numpy().ravel() for g in expected])


def _check(case: AutogradCase, reduction: Any) -> None:
    loss = losslab.get(case.name, **case.params)
    value, got, expected = _autograd(loss, case.pred, case.target, reduction, case.extra)
    finite = np.isfinite(expected)
    where = case.pred.ravel() if got.size == case.pred.size else np.arange(got.size)  # flat positions with inputs
    assert finite.all(), f"loss.grad itself is not finite at {where[~finite]}"
    bad = ~np.isfinite(got)
    assert not bad.any(), f"autograd gives {got[bad]} where loss.grad is finite, at {where[bad]}"
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=f"{case.id} reduction={reduction}")
    # the value on tensors is the value on NumPy (terms that exist only for autograd add exactly 0)
    with fast_path(False):
        reference = loss(case.pred, case.target, reduction=reduction, **case.extra)
    np.testing.assert_allclose(value.numpy(), reference, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_autograd_equals_grad(case: AutogradCase) -> None:
    reductions = losslab.get(case.name).definition.reductions
    for reduction in ("mean", "none", "max", "median"):  # (max, median: the metrics' order statistics)
        if reduction in reductions:
            _check(case, reduction)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_autograd_float32_is_finite_and_close(case: AutogradCase) -> None:
    # float32 saturates sooner (e^-104 is 0): the guards must hold there too, to float32's precision
    loss = losslab.get(case.name, **case.params)
    pred = case.pred.astype(np.float32)
    target = torch.from_numpy(case.target if case.target.dtype.kind == "i" else case.target.astype(np.float32))
    extra = {k: torch.from_numpy(a.astype(np.float32) if a.dtype.kind == "f" else a) for k, a in case.extra.items()}
    p = torch.tensor(pred, requires_grad=True)
    (got,) = torch.autograd.grad(loss(p, target, **extra), p)
    expected = loss.grad(torch.from_numpy(pred), target, **extra).numpy()
    finite = np.isfinite(expected)  # e^500 overflows float32 in poisson(log_input=True): inf in both
    np.testing.assert_allclose(got.numpy()[finite], expected[finite], rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------------------ the reported cases, by name
def _grad_of(name: str, pred: list[Any], target: list[Any], **params: Any) -> np.ndarray:
    p = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    value = losslab.get(name, **params)(p, torch.tensor(target))
    (g,) = torch.autograd.grad(value, p)
    return g.numpy()


@pytest.mark.parametrize("name", ["categorical_cross_entropy", "sparse_categorical_cross_entropy", "categorical_focal"])
def test_zero_initialised_output_layer(name: str) -> None:
    # all-zero logits: softmax is uniform, so the gradient of -log p_0 is [-2/3, 1/3, 1/3] (was [-0.889, 0.444, 0.444])
    target: list[Any] = [0] if name.startswith("sparse") else [[1.0, 0.0, 0.0]]
    params: dict[str, Any] = {"from_logits": True}
    if name == "categorical_focal":
        params.update(gamma=0.0, alpha=1.0)
    np.testing.assert_allclose(_grad_of(name, [[0.0, 0.0, 0.0]], target, **params), [[-2 / 3, 1 / 3, 1 / 3]],
                               rtol=1e-12)


def test_rmse_at_zero_error_has_gradient_zero() -> None:
    # sqrt has an infinite slope at 0; the analytic gradient takes 0 there, and so does autograd (not NaN)
    np.testing.assert_array_equal(_grad_of("rmse", [1.0, 2.0], [1.0, 2.0]), [0.0, 0.0])


def test_one_class_categorical_hinge_has_a_gradient() -> None:
    np.testing.assert_array_equal(_grad_of("categorical_hinge", [[3.0], [-1.0]], [0, 0]), [[0.0], [0.0]])


@pytest.mark.parametrize("gamma", [0.25, 0.5, 0.75])
def test_focal_with_gamma_below_one_at_saturation(gamma: float) -> None:
    g = _grad_of("binary_focal", [800.0, -800.0, 0.0], [1.0, 0.0, 1.0], gamma=gamma, from_logits=True)
    assert np.isfinite(g).all()
    g = _grad_of("categorical_focal", [[800.0, 0.0, -800.0]], [[1.0, 0.0, 0.0]], gamma=gamma, from_logits=True)
    assert np.isfinite(g).all()


def test_cases_cover_every_builtin_loss() -> None:
    covered = {c.name for c in CASES}
    assert covered == {d.name for d in _builtins()} - set(EXCLUDED)
    assert len(CASES) > 100


# ------------------------------------------------------------------------------------------------------------ ctc
def _ctc_edges() -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(id, logits (N, T, C), padded labels, input lengths, target lengths) where CTC tends to break: saturated
    logits, ties (all-zero logits), repeated labels that need a blank between them, a target that fills its input
    exactly, empty targets, one frame."""
    rng = np.random.default_rng(17)
    labels = np.array([[1, 1, 2], [2, 3, 0], [3, 0, 0]])
    z = rng.standard_normal((3, 7, 4))
    yield "random", z, labels, np.array([7, 6, 5]), np.array([3, 2, 1])
    yield "ties", np.zeros((3, 7, 4)), labels, np.array([7, 7, 7]), np.array([3, 2, 1])
    yield "saturated50", 50.0 * np.sign(z), labels, np.array([7, 6, 5]), np.array([3, 2, 1])
    yield "saturated500", 500.0 * np.sign(z), labels, np.array([7, 6, 5]), np.array([3, 2, 1])
    # aa needs a blank between: 1, blank, 1, 2 fills 4 frames exactly (one alignment)
    yield "tight", z, labels, np.array([4, 2, 1]), np.array([3, 2, 1])
    yield "empty", z, labels, np.array([7, 1, 3]), np.array([0, 0, 0])


@pytest.mark.parametrize("from_logits", [True, False], ids=["logits", "log_probs"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("edge", list(_ctc_edges()), ids=lambda e: e[0] if isinstance(e, tuple) else str(e))
def test_ctc_grad_equals_torch_autograd_through_log_softmax(edge: Any, reduction: str, from_logits: bool) -> None:
    # torch's CTC backward is the gradient with respect to the logits under log_probs = log_softmax(logits);
    # losslab's grad is with respect to the array passed: the logits (from_logits) or the log-probabilities, whose
    # gradient autograd carries back through log_softmax to the logits
    _, z, labels, il, tl = edge
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    lp = torch.log_softmax(zt, dim=-1)
    ref = torch.nn.functional.ctc_loss(lp.permute(1, 0, 2), torch.from_numpy(labels), torch.from_numpy(il),
                                       torch.from_numpy(tl), reduction=reduction)
    (ref_grad,) = torch.autograd.grad(ref.sum(), zt)
    loss = losslab.get("ctc", from_logits=from_logits)
    x = zt.detach() if from_logits else lp.detach()
    value, g = loss.value_and_grad(x, torch.from_numpy(labels), reduction=reduction, input_lengths=il,
                                   target_lengths=tl)
    np.testing.assert_allclose(np.asarray(value), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not from_logits:
        lp2 = torch.log_softmax(zt, dim=-1)
        (g,) = torch.autograd.grad(lp2, zt, grad_outputs=torch.as_tensor(g))
    assert np.isfinite(np.asarray(g)).all()
    np.testing.assert_allclose(np.asarray(g), ref_grad.numpy(), rtol=1e-9, atol=1e-12)
