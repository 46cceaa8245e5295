"""The property report of a formula loss: each statement measured on a grid, then said in a sentence (en/ja).

Every number in a sentence is the number measured here. Regression formulas are read along the residual r with
the target at :data:`TARGETS`; binary ones along the prediction (p in (0, 1), or the score ŷ) with y = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._errors import texts
from ._formula import Formula
from ._nodes import OPS

__all__ = ["Property", "Report", "report"]

TARGETS = (1.0, 3.0)
"""Targets the regression statements are measured at (two, so that a formula that reads y on its own shows it)."""
SPAN = 5.0
FAR = 100.0
TOL = 1e-9


@dataclass(frozen=True)
class Property:
    key: str  # the statement measured: zero, minimum, symmetric, convex, bounded, smooth, finite, stable, derivative
    ok: bool | None  # True: the good property holds; False: it does not; None: only informative
    sentence: str
    numbers: dict[str, Any]


@dataclass(frozen=True)
class Report:
    items: tuple[Property, ...]
    lang: str

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "items": [{"key": p.key, "ok": p.ok, "sentence": p.sentence,
                                              "numbers": p.numbers} for p in self.items]}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)


@dataclass(frozen=True)
class _Axis:
    name: str  # how the sentences call the axis: r, p or ŷ
    grid: np.ndarray
    far: tuple[float, ...]  # the far points (outliers)
    near: float

    def inputs(self, f: Formula, x: np.ndarray, y: float) -> tuple[np.ndarray, np.ndarray]:
        if f.task == "regression":
            return y + x, np.full_like(x, y)
        return x, np.full_like(x, y)


def _axis(f: Formula) -> _Axis:
    if f.task == "regression":
        return _Axis("r", np.linspace(-SPAN, SPAN, 1001), (-FAR, FAR), 1.0)
    if f.uses_probability:
        return _Axis("p", np.linspace(0.001, 0.999, 999), (1e-6,), 0.5)
    return _Axis("ŷ", np.linspace(-2 * SPAN, 2 * SPAN, 1001), (-FAR,), -1.0)


def _compute(f: Formula, axis: _Axis, x: np.ndarray, y: float, orders: tuple[int, ...]) -> list[np.ndarray]:
    pred, target = axis.inputs(f, np.asarray(x, dtype=np.float64), y)
    with np.errstate(all="ignore"):
        return [np.asarray(v, dtype=np.float64) for v in f.compute(np, pred, target, orders=orders)]


def _g(v: float) -> float:
    return float(f"{v:.6g}")


def report(f: Formula, lang: str | None = "en") -> Report:
    """Measure and say what ``f`` does: zero at a perfect prediction, minimum, symmetry, convexity, bounded gradient
    (robustness), kinks, overflow, the stable rewrites applied and a finite-difference check of the derivative."""
    words = texts(lang)["properties"]
    axis = _axis(f)
    x = axis.grid
    ys = TARGETS if f.task == "regression" else (1.0,)
    items: list[Property] = []

    def say(key: str, ok: bool | None, text_key: str, **numbers: Any) -> None:
        items.append(Property(key, ok, words[text_key].format(x=axis.name, **numbers),
                              {k: v for k, v in numbers.items() if isinstance(v, int | float | str)}))

    if f.task == "binary":
        say("axis", None, "binary_axis")
    # zero at a perfect prediction
    if f.task == "regression":
        perfect = max(abs(float(_compute(f, axis, np.zeros(1), y, (0,))[0][0])) for y in ys)
    else:
        best = np.array([1.0 - 1e-9]) if f.uses_probability else np.array([30.0])
        perfect = abs(float(_compute(f, axis, best, 1.0, (0,))[0][0]))
    at = 0.0 if f.task == "regression" else float(best[0])
    ok = bool(perfect <= 1e-6)
    say("zero", ok, "zero" if ok else "not_zero", value=_g(perfect), at=at)

    value, slope, curve = _compute(f, axis, x, ys[0], (0, 1, 2))
    finite = np.isfinite(value)
    if f.task == "regression" and finite.any():
        i = int(np.nanargmin(np.where(finite, value, np.inf)))
        at = float(x[i])
        left, zero_slope, right = _compute(f, axis, np.array([-1e-7, 0.0, 1e-7]), ys[0], (1,))[0]
        if (abs(at) < 1e-12 or value[i] >= value[len(x) // 2] - TOL) and left < -1e-6 and right > 1e-6:
            say("minimum", True, "minimum_corner", left=_g(left), right=_g(right))
        elif abs(at) < 1e-12 or value[i] >= value[len(x) // 2] - TOL:
            say("minimum", True, "minimum", slope=_g(zero_slope))
        else:
            say("minimum", False, "not_minimum", at=_g(at))
        mirrored = value[::-1]
        both = finite & np.isfinite(mirrored)
        diff = float(np.max(np.abs(value - mirrored)[both])) if both.any() else float("nan")
        scale = max(1.0, float(np.max(np.abs(value[both])))) if both.any() else 1.0
        if diff <= 1e-9 * scale:
            say("symmetric", True, "symmetric", diff=_g(diff))
        else:
            plus, minus = _compute(f, axis, np.array([2.0, -2.0]), ys[0], (0,))[0]
            say("symmetric", False, "asymmetric", at=2, plus=_g(plus), minus=_g(minus))
    # convexity: second differences of the value (kinks and all), relative to the curve's size
    second = value[:-2] - 2 * value[1:-1] + value[2:]
    ok_second = np.isfinite(second)
    scale = max(1.0, float(np.nanmax(np.abs(value[finite])))) if finite.any() else 1.0
    low = float(np.min(second[ok_second])) / (x[1] - x[0]) ** 2 if ok_second.any() else float("nan")
    if ok_second.any() and low >= -1e-7 * scale / (x[1] - x[0]) ** 2:
        say("convex", True, "convex", lo=_g(x[0]), hi=_g(x[-1]), low=_g(max(low, 0.0)))
    elif ok_second.any():
        j = int(np.argmin(np.where(ok_second, second, np.inf))) + 1
        say("convex", False, "not_convex", at=_g(x[j]), low=_g(low))
    # bounded gradient (robustness to outliers)
    near_g = abs(float(_compute(f, axis, np.array([axis.near]), ys[0], (1,))[0][0]))
    far_g = np.abs(_compute(f, axis, np.array(axis.far), ys[0], (1,))[0])
    far_at = axis.far[int(np.argmax(np.where(np.isfinite(far_g), far_g, np.inf)))]
    far = float(np.max(far_g))
    inside = np.abs(slope[np.isfinite(slope)])
    biggest = float(inside.max()) if inside.size else float("nan")
    if np.isfinite(far) and far <= 1.01 * biggest + 1e-9:
        say("bounded", True, "bounded", max=_g(max(biggest, far)), far=_g(far), far_at=_g(far_at),
            near_at=_g(axis.near))
    else:
        say("bounded", False, "unbounded", near=_g(near_g), far=_g(far), near_at=_g(axis.near), far_at=_g(far_at))
    # kinks: where the slope jumps between neighbouring grid points
    jumps = _kinks(f, x, slope, curve)
    if jumps:
        say("smooth", False, "kinks", points=", ".join(f"{v:g}" for v in jumps[:6]))
    else:
        say("smooth", True, "smooth")
    # overflow at the far points
    far_v, far_d = _compute(f, axis, np.array(axis.far), ys[0], (0, 1))
    bad = ~(np.isfinite(far_v) & np.isfinite(far_d))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        what = ", ".join(f"{v}" for v in (far_v[k], far_d[k]))
        say("finite", False, "overflow", at=_g(axis.far[k]), what=what)
    else:
        say("finite", True, "finite", far_at=_g(axis.far[-1]))
    for name in f.rewrites:
        say("stable", None, "rewrite_" + name)
    _derivative_check(f, axis, x, ys[0], set(jumps), say)
    return Report(tuple(items), lang or "en")


def _kinks(f: Formula, x: np.ndarray, slope: np.ndarray, curve: np.ndarray) -> list[float]:
    """Grid points where the slope jumps by more than its curvature explains (a corner, not a bend)."""
    if not any(OPS[n.op].kink for n in f.computed.walk() if n.op in OPS):
        return []
    h = float(x[1] - x[0])
    step = np.abs(np.diff(slope))
    explained = np.maximum(np.abs(curve[:-1]), np.abs(curve[1:])) * h
    size = max(1.0, float(np.nanmax(np.abs(slope)))) if np.isfinite(slope).any() else 1.0
    jump = np.flatnonzero(np.isfinite(step) & (step > 3 * np.nan_to_num(explained) + 1e-6 * size))
    points: list[float] = []
    for i in jump:
        mid = float(x[i] + x[i + 1]) / 2
        snapped = float(f"{round(mid / h) * h:.3g}")
        if not points or abs(points[-1] - snapped) > 2 * h:
            points.append(snapped)
    return points


def _derivative_check(f: Formula, axis: _Axis, x: np.ndarray, y: float, kinks: set[float], say: Any) -> None:
    pts = x[5:-5:10]
    pts = pts[[all(abs(p - k) > 0.05 for k in kinks) for p in pts]]
    h = 1e-6 * np.maximum(1.0, np.abs(pts))
    plus = _compute(f, axis, pts + h, y, (0,))[0]
    minus = _compute(f, axis, pts - h, y, (0,))[0]
    numeric = (plus - minus) / (2 * h)
    analytic = _compute(f, axis, pts, y, (1,))[0]
    ok = np.isfinite(numeric) & np.isfinite(analytic)
    err = np.abs(numeric - analytic) / np.maximum(1.0, np.abs(analytic))
    worst = float(np.max(err[ok])) if ok.any() else 0.0
    if worst <= 1e-5:
        say("derivative", True, "fd_ok", err=worst, n=int(ok.sum()))
    else:
        say("derivative", False, "fd_bad", err=worst, at=_g(float(pts[ok][np.argmax(err[ok])])))
