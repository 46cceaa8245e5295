"""Numerical stability against mpmath: extreme logits, extreme regression errors, and the worked examples.

References are the textbook formulas (softmax, sigmoid, chain rule; no log-sum-exp or softplus tricks), evaluated
with mpmath at enough digits that nothing cancels: e^-1000 next to 1 needs ~435 digits, so the working precision
grows with the largest |logit| (never below mp.dps = 50). losslab must match them to rtol 1e-6 with atol = 0
wherever the reference is a normal float64 number, however small (e.g. log(1 + 2 e^-500) ~ 1.4e-217). Where the
exact value lies below float64's normal range (e^-1000 ~ 5e-435) the only correct float64 answer is 0 or a
subnormal, and that is what is checked there.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import pytest
from mpmath import mp, mpf

import losslab
from losslab import LossInputWarning

mp.dps = 50
TINY = sys.float_info.min  # smallest normal float64, 2.2e-308
RTOL = 1e-6


def digits_for(z: Any) -> int:
    """Working digits that resolve e^-d next to 1 for the widest spread d of the logits (d = |z| for one logit:
    sigmoid(z) against 1 - sigmoid(z); max - min of a row for softmax). log10(e) = 0.434."""
    z = np.asarray(z, dtype=float)
    spread = float(np.max(np.abs(z))) if z.ndim < 2 else float(np.max(z.max(axis=1) - z.min(axis=1)))
    return max(mp.dps, 60 + int(0.44 * spread))


def assert_rel(got: Any, reference: Sequence[Any], rtol: float = RTOL) -> None:
    got = np.asarray(got, dtype=float).ravel()
    refs = [mpf(r) for r in np.asarray(reference, dtype=object).ravel()]
    assert got.size == len(refs)
    for i, (g, r) in enumerate(zip(got, refs, strict=True)):
        assert math.isfinite(g), f"[{i}] got {g}"
        if abs(r) >= TINY:
            assert abs(mpf(g) - r) <= rtol * abs(r), f"[{i}] got {g!r}, reference {mpmath.nstr(r, 17)}"
        else:  # the exact value underflows float64: only 0 (or a subnormal) is right
            assert abs(g) < TINY, f"[{i}] got {g!r}, reference {mpmath.nstr(r, 17)} (below float64's range)"


# --------------------------------------------------------------------------------------- mpmath references
def sigmoid(z: Any) -> Any:
    return 1 / (1 + mp.exp(-z))


def bce_ref(z: float, t: float, a: float = 1.0, ls: float = 0.0) -> tuple[Any, Any]:
    """Value and d/dz of -(a t log s + (1 - t) log(1 - s)), s = sigmoid(z), t smoothed."""
    t = mpf(t) * (1 - mpf(ls)) + mpf(ls) / 2
    s = sigmoid(mpf(z))
    value = -(a * t * mp.log(s) + (1 - t) * mp.log(1 - s))
    grad = -a * t * (1 - s) + (1 - t) * s
    return value, grad


def binary_focal_ref(z: float, t: float, gamma: float, alpha: float | None) -> tuple[Any, Any]:
    """alpha_t (1 - p_t)^gamma CE and its derivative by the chain rule through p = sigmoid(z)."""
    t, g = mpf(t), mpf(gamma)
    p = sigmoid(mpf(z))
    ce = -(t * mp.log(p) + (1 - t) * mp.log(1 - p))
    dce = -t / p + (1 - t) / (1 - p)
    q = t * (1 - p) + (1 - t) * p  # 1 - p_t
    dq = 1 - 2 * t
    at = 1 if alpha is None else alpha * t + (1 - alpha) * (1 - t)
    m = q**g
    dm = g * q ** (g - 1) if g != 0 else 0
    value = at * m * ce
    dvalue_dp = at * (dm * dq * ce + m * dce)
    return value, dvalue_dp * p * (1 - p)


def softmax(z: Sequence[float]) -> list[Any]:
    e = [mp.exp(mpf(v)) for v in z]
    s = mp.fsum(e)
    return [v / s for v in e]


def cce_ref(z: Sequence[float], t: Sequence[float], ls: float = 0.0) -> tuple[Any, list[Any]]:
    c = len(z)
    t = [mpf(v) * (1 - mpf(ls)) + mpf(ls) / c for v in t]
    p = softmax(z)
    value = -mp.fsum(tc * mp.log(pc) for tc, pc in zip(t, p, strict=True))
    total = mp.fsum(t)
    return value, [pc * total - tc for pc, tc in zip(p, t, strict=True)]


def categorical_focal_ref(z: Sequence[float], t: Sequence[float], gamma: float, alpha: float) -> tuple[Any, list]:
    """-alpha sum_c t_c (1 - p_c)^gamma log p_c; gradient dl/dz_k = sum_c dl/dp_c p_c (delta_ck - p_k)."""
    p = softmax(z)
    g = mpf(gamma)
    value = -alpha * mp.fsum(mpf(tc) * (1 - pc) ** g * mp.log(pc) for tc, pc in zip(t, p, strict=True))
    dl_dp = []
    for tc, pc in zip(t, p, strict=True):
        dm = g * (1 - pc) ** (g - 1) if g != 0 else 0
        dl_dp.append(-alpha * mpf(tc) * (-dm * mp.log(pc) + (1 - pc) ** g / pc))
    grad = [mp.fsum(dl_dp[c] * p[c] * ((1 if c == k else 0) - p[k]) for c in range(len(z))) for k in range(len(z))]
    return value, grad


def rowwise(ref: Callable[..., tuple[Any, list]], z: np.ndarray, t: np.ndarray, **kw: Any) -> tuple[list, list]:
    with mp.workdps(digits_for(z)):
        out = [ref(list(zi), list(ti), **kw) for zi, ti in zip(z.tolist(), t.tolist(), strict=True)]
        return [+v for v, _ in out], [[+x for x in g] for _, g in out]


def elementwise(ref: Callable[..., tuple[Any, Any]], z: np.ndarray, t: np.ndarray, **kw: Any) -> tuple[list, list]:
    with mp.workdps(digits_for(z)):
        out = [ref(zi, ti, **kw) for zi, ti in zip(z.ravel().tolist(), t.ravel().tolist(), strict=True)]
        return [+v for v, _ in out], [+g for _, g in out]


# --------------------------------------------------------------------------------------------- extreme logits
Z_BINARY = np.array([500.0, -500.0, 500.0, -500.0, 40.0, -40.0, 300.0, 0.25, -3.0, 700.0])
T_BINARY = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.3, 1.0, 0.0, 1.0])
Z_ROWS = np.array([
    [500.0, 0.0, 0.0],
    [500.0, 0.0, 0.0],
    [0.0, 500.0, 0.0],
    [-500.0, 500.0, 0.0],
    [-500.0, 500.0, 0.0],
    [-500.0, 500.0, -500.0],
    [40.0, 0.0, -40.0],
    [1.0, 2.0, 3.0],
    [-500.0, -500.0, -499.0],
])
Y_ROWS = np.array([0, 1, 1, 1, 0, 2, 0, 2, 2])
T_SOFT = np.array([[0.9, 0.05, 0.05], [0.0, 0.5, 0.5], [0.2, 0.8, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0],
                   [1 / 3, 1 / 3, 1 / 3], [0.7, 0.2, 0.1], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])

BINARY_CASES = [
    pytest.param("binary_cross_entropy", {"from_logits": True}, bce_ref, {}, id="bce"),
    pytest.param("binary_cross_entropy", {"from_logits": True, "pos_weight": 2.5}, bce_ref, {"a": 2.5},
                 id="bce-pos_weight"),
    pytest.param("binary_cross_entropy", {"from_logits": True, "label_smoothing": 0.1}, bce_ref, {"ls": 0.1},
                 id="bce-label_smoothing"),
    pytest.param("binary_focal", {"from_logits": True}, binary_focal_ref, {"gamma": 2.0, "alpha": None},
                 id="binary_focal-gamma2"),
    pytest.param("binary_focal", {"from_logits": True, "gamma": 0.5, "alpha": 0.25}, binary_focal_ref,
                 {"gamma": 0.5, "alpha": 0.25}, id="binary_focal-gamma0.5-alpha0.25"),
    pytest.param("binary_focal", {"from_logits": True, "gamma": 0.0, "alpha": 0.75}, binary_focal_ref,
                 {"gamma": 0.0, "alpha": 0.75}, id="binary_focal-gamma0"),
]


@pytest.mark.parametrize(("name", "params", "ref", "kw"), BINARY_CASES)
def test_binary_logits_at_500(name: str, params: dict[str, Any], ref: Callable[..., Any], kw: dict[str, Any]) -> None:
    loss = losslab.get(name, **params)
    values, grads = elementwise(ref, Z_BINARY, T_BINARY, **kw)
    assert_rel(loss(Z_BINARY, T_BINARY, reduction="none"), values)
    assert_rel(loss.grad(Z_BINARY, T_BINARY, reduction="sum"), grads)
    assert_rel([loss(Z_BINARY, T_BINARY, reduction="sum")], [mp.fsum(values)])
    # the same numbers as a multi-label (N, K) batch: per-example mean over K
    z2, t2 = Z_BINARY.reshape(5, 2), T_BINARY.reshape(5, 2)
    assert_rel(loss(z2, t2, reduction="none"), [(values[2 * i] + values[2 * i + 1]) / 2 for i in range(5)])
    assert_rel(loss.grad(z2, t2, reduction="sum"), [g / 2 for g in grads])


def test_binary_focal_tiny_but_representable() -> None:
    """At z = 40, t = 1: CE ~ 4e-18 and (1 - p_t)^2 ~ 2e-35, so the loss ~ 7.5e-53 must keep its digits."""
    loss = losslab.get("binary_focal", from_logits=True)
    z, t = np.array([40.0, -40.0, 100.0]), np.array([1.0, 0.0, 1.0])
    values, grads = elementwise(binary_focal_ref, z, t, gamma=2.0, alpha=None)
    assert all(TINY < abs(v) < 1e-50 for v in values)
    assert_rel(loss(z, t, reduction="none"), values)
    assert_rel(loss.grad(z, t, reduction="sum"), grads)


ROW_CASES = [
    pytest.param("categorical_cross_entropy", {"from_logits": True}, "onehot", cce_ref, {}, id="cce"),
    pytest.param("categorical_cross_entropy", {"from_logits": True}, "soft", cce_ref, {}, id="cce-soft"),
    pytest.param("categorical_cross_entropy", {"from_logits": True, "label_smoothing": 0.1}, "onehot", cce_ref,
                 {"ls": 0.1}, id="cce-label_smoothing"),
    pytest.param("sparse_categorical_cross_entropy", {"from_logits": True}, "labels", cce_ref, {}, id="sparse_cce"),
    pytest.param("sparse_categorical_cross_entropy", {"from_logits": True, "label_smoothing": 0.2}, "labels",
                 cce_ref, {"ls": 0.2}, id="sparse_cce-label_smoothing"),
    pytest.param("categorical_focal", {"from_logits": True}, "onehot", categorical_focal_ref,
                 {"gamma": 2.0, "alpha": 0.25}, id="categorical_focal-gamma2"),
    pytest.param("categorical_focal", {"from_logits": True, "gamma": 0.0, "alpha": 1.0}, "onehot",
                 categorical_focal_ref, {"gamma": 0.0, "alpha": 1.0}, id="categorical_focal-gamma0"),
    pytest.param("categorical_focal", {"from_logits": True, "gamma": 0.5, "alpha": 0.5}, "soft",
                 categorical_focal_ref, {"gamma": 0.5, "alpha": 0.5}, id="categorical_focal-gamma0.5-soft"),
]


@pytest.mark.parametrize(("name", "params", "targets", "ref", "kw"), ROW_CASES)
def test_softmax_logits_at_500(name: str, params: dict[str, Any], targets: str, ref: Callable[..., Any],
                               kw: dict[str, Any]) -> None:
    loss = losslab.get(name, **params)
    onehot = np.eye(3)[Y_ROWS]
    dense = T_SOFT if targets == "soft" else onehot
    target = Y_ROWS if targets == "labels" else dense
    values, grads = rowwise(ref, Z_ROWS, dense, **kw)
    assert_rel(loss(Z_ROWS, target, reduction="none"), values)
    assert_rel(loss.grad(Z_ROWS, target, reduction="sum"), grads)
    assert_rel([loss(Z_ROWS, target, reduction="mean")], [mp.fsum(values) / len(values)])


@pytest.mark.parametrize(("name", "params", "ref", "kw"), [
    pytest.param("sparse_cce", {"from_logits": True}, cce_ref, {}, id="sparse_cce"),
    pytest.param("cce", {"from_logits": True, "label_smoothing": 0.05}, cce_ref, {"ls": 0.05}, id="cce-smoothing"),
    pytest.param("categorical_focal", {"from_logits": True, "gamma": 0.0}, categorical_focal_ref,
                 {"gamma": 0.0, "alpha": 0.25}, id="categorical_focal-gamma0"),
    pytest.param("categorical_focal", {"from_logits": True, "gamma": 1.0, "alpha": 1.0}, categorical_focal_ref,
                 {"gamma": 1.0, "alpha": 1.0}, id="categorical_focal-gamma1"),
])
def test_two_class_rows_at_500(name: str, params: dict[str, Any], ref: Callable[..., Any], kw: dict[str, Any]) -> None:
    z = np.array([[-500.0, 500.0], [-500.0, 500.0], [500.0, -500.0], [250.0, 0.0], [0.0, 0.0]])
    y = np.array([1, 0, 0, 0, 1])
    loss = losslab.get(name, **params)
    target = y if name.startswith("sparse") else np.eye(2)[y]
    values, grads = rowwise(ref, z, np.eye(2)[y], **kw)
    assert_rel(loss(z, target, reduction="none"), values)
    assert_rel(loss.grad(z, target, reduction="sum"), grads)


def test_cce_row_500_0_0_keeps_its_digits() -> None:
    """The classic: [500, 0, 0] with label 0 costs log(1 + 2 e^-500) ~ 1.43e-217, not 0; its gradient too."""
    loss = losslab.get("sparse_cce", from_logits=True)
    z = np.array([[500.0, 0.0, 0.0]])
    with mp.workdps(1000):
        expected = mp.log(1 + 2 * mp.exp(-500))
        grad = [-2 * mp.exp(-500) / (1 + 2 * mp.exp(-500)), mp.exp(-500) / (1 + 2 * mp.exp(-500)),
                mp.exp(-500) / (1 + 2 * mp.exp(-500))]
    assert 1e-218 < expected < 1e-216
    assert_rel(loss(z, [0], reduction="none"), [expected])
    assert_rel(loss.grad(z, [0], reduction="sum"), grad)


def test_sparse_logits_at_500_with_class_weight_and_ignore_index() -> None:
    cw = [2.0, 0.5, 3.0]
    loss = losslab.get("sparse_cce", from_logits=True, class_weight=cw, ignore_index=-100)
    y = Y_ROWS.copy()
    y[3] = -100
    w = np.linspace(0.5, 2.0, len(y))
    values, grads = rowwise(cce_ref, Z_ROWS, np.eye(3)[np.where(y >= 0, y, 0)])
    weight = [0.0 if yi < 0 else wi * cw[yi] for yi, wi in zip(y, w, strict=True)]
    weighted = [wi * v for wi, v in zip(weight, values, strict=True)]
    assert_rel(loss(Z_ROWS, y, reduction="none", sample_weight=w), weighted)
    assert_rel([loss(Z_ROWS, y, reduction="mean", sample_weight=w)], [mp.fsum(weighted) / mp.fsum(weight)])
    g = loss.grad(Z_ROWS, y, reduction="sum", sample_weight=w)
    assert np.all(g[3] == 0.0)
    keep = [i for i in range(len(y)) if y[i] >= 0]
    assert_rel(g[keep], [[weight[i] * x for x in grads[i]] for i in keep])


def test_bce_logits_up_to_1e4() -> None:
    z = np.array([1e4, -1e4, 1e4, -1e4, 5e3, -2e3, 1e3])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25, 1.0])
    loss = losslab.get("bce", from_logits=True)
    values, grads = elementwise(bce_ref, z, t)
    got = loss(z, t, reduction="none")
    assert np.all(np.isfinite(got))
    assert_rel(got, values, rtol=1e-15)
    assert_rel(loss.grad(z, t, reduction="sum"), grads, rtol=1e-15)
    assert float(loss(z, t, reduction="sum")) == pytest.approx(float(mp.fsum(values)), rel=1e-15)


# --------------------------------------------------------------------------------------- extreme regression
def regression_ref(name: str, e: Any, **kw: Any) -> tuple[Any, Any]:
    a = abs(e)
    sign = mp.sign(e)
    if name == "mse":
        return e * e, 2 * e
    if name == "mae":
        return a, sign
    if name == "huber":
        d = mpf(kw.get("delta", 1.0))
        return (e * e / 2, e) if a <= d else (d * (a - d / 2), d * sign)
    if name == "smooth_l1":
        b = mpf(kw.get("beta", 1.0))
        return (e * e / (2 * b), e / b) if a < b else (a - b / 2, sign)
    if name == "log_cosh":
        return mp.log(mp.cosh(e)), mp.tanh(e)
    if name == "quantile":
        q = mpf(kw.get("q", 0.5))
        d = -e  # t - p
        return max(q * d, (q - 1) * d), (-q if d > 0 else 1 - q)
    raise AssertionError(name)


REGRESSION = [
    ("mse", {}), ("mae", {}), ("huber", {}), ("huber", {"delta": 3.0}), ("smooth_l1", {}),
    ("smooth_l1", {"beta": 0.1}), ("log_cosh", {}), ("quantile", {"q": 0.1}), ("quantile", {"q": 0.9}),
]


@pytest.mark.parametrize(("name", "params"), REGRESSION,
                         ids=[f"{n}-" + "-".join(f"{k}{v}" for k, v in p.items()) if p else n for n, p in REGRESSION])
@pytest.mark.parametrize("scale", [1e6, 1e-8])
def test_regression_errors_far_and_near(name: str, params: dict[str, Any], scale: float) -> None:
    target = np.array([0.0, 3.0, -2.0, 1.5, 0.0, -7.0])
    pred = target + scale * np.array([1.0, -1.0, 1.5, -2.0, -1.0, 1.25])
    loss = losslab.get(name, **params)
    with mp.workdps(60):
        out = [regression_ref(name, mpf(p) - mpf(t), **params) for p, t in zip(pred, target, strict=True)]
    assert_rel(loss(pred, target, reduction="none"), [v for v, _ in out])
    assert_rel(loss.grad(pred, target, reduction="sum"), [g for _, g in out])
    assert_rel([loss(pred, target, reduction="mean")], [mp.fsum(v for v, _ in out) / len(out)])


@pytest.mark.parametrize("e", [1e3, -1e3, 1e300, -1e300, 800.0])
def test_log_cosh_of_huge_errors_is_exact(e: float) -> None:
    loss = losslab.get("log_cosh")
    value = float(loss([e], [0.0], reduction="sum"))
    assert math.isfinite(value)
    with mp.workdps(60):
        exact = abs(mpf(e)) - mp.log(2) + mp.log1p(mp.exp(-2 * abs(mpf(e))))
    assert value == pytest.approx(float(exact), rel=1e-15, abs=0)
    assert value == pytest.approx(abs(e) - math.log(2), rel=1e-15, abs=0)
    assert float(loss.grad([e], [0.0], reduction="sum")[0]) == math.copysign(1.0, e)


# ------------------------------------------------------------------------------------------ worked examples
T5 = [0, 1, 0, 1, 0]
Y1 = [0.01, 0.65, 0.13, 0.70, 0.15]
Y2 = [0.34, 0.21, 0.91, 0.33, 0.22]


def test_sse_worked_example() -> None:
    assert float(losslab.sse(Y1, T5)) == pytest.approx(0.252, rel=1e-12)
    assert float(losslab.sse(Y2, T5)) == pytest.approx(2.0651, rel=1e-12)
    assert float(losslab.get("sse")(Y1, T5)) == pytest.approx(0.252, rel=1e-12)  # "sum" is sse's default


def test_categorical_cross_entropy_worked_example() -> None:
    # one example (C,) of probabilities that do not sum to 1: used as given, with a warning
    with pytest.warns(LossInputWarning, match="do not sum to 1"):
        v1 = float(losslab.cce(Y1, T5, reduction="sum"))
    with pytest.warns(LossInputWarning, match="do not sum to 1"):
        v2 = float(losslab.cce(Y2, T5, reduction="sum"))
    assert v1 == pytest.approx(0.7874578600311867, rel=1e-15)
    assert v2 == pytest.approx(2.6693103727862795, rel=1e-15)
    assert v1 == pytest.approx(-math.log(0.65) - math.log(0.70), rel=1e-15)


def test_binary_cross_entropy_worked_example() -> None:
    assert float(losslab.bce(0.8, 1)) == pytest.approx(-math.log(0.8), rel=1e-15)
    assert float(losslab.bce(0.2, 1)) == pytest.approx(1.6094379124341003, rel=1e-15)
    assert float(losslab.bce([0.8, 0.2], [1, 1], reduction="sum")) == pytest.approx(
        -math.log(0.8) - math.log(0.2), rel=1e-15)


def test_sparse_categorical_cross_entropy_worked_example() -> None:
    assert float(losslab.sparse_cce([0.6, 0.2, 0.2], 0)) == pytest.approx(-math.log(0.6), rel=1e-15)
    assert float(losslab.sparse_cce([[0.6, 0.2, 0.2]], [0])) == pytest.approx(-math.log(0.6), rel=1e-15)
