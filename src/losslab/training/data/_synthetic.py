"""The generated data sets: one generator per name with its defaults, the checks of its parameters, its task,
and what is known about its rows by construction (the ``truth``: a slope, the planted outliers, the centres).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._common import DataTask


@dataclass(frozen=True)
class _Generated:
    X: np.ndarray
    y: np.ndarray
    class_names: list[str] | None
    truth: dict[str, Any]
    outliers: np.ndarray | None = None
    feature_names: list[str] | None = None


def _count(low: int, high: int) -> Callable[[Any], str | None]:
    def check(x: Any) -> str | None:
        ok = isinstance(x, int | np.integer) and not isinstance(x, bool) and low <= x <= high
        return None if ok else f"an integer from {low} to {high}"

    return check


def _real(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[Any], str | None]:
    words = f"a number {'>' if low_open else '>='} {low:g}" + (
        "" if math.isinf(high) else f" and {'<' if high_open else '<='} {high:g}")

    def check(x: Any) -> str | None:
        if not isinstance(x, int | float | np.integer | np.floating) or isinstance(x, bool):
            return words
        v = float(x)
        if math.isnan(v) or (v <= low if low_open else v < low) or (v >= high if high_open else v > high):
            return words
        return None

    return check


_N = _count(10, 2_000_000)
_NOISE = _real(0.0, math.inf)
_ANY = _real(-math.inf, math.inf)


def _gen_outliers(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    x = rng.uniform(-3.0, 3.0, n)
    y = p["slope"] * x + p["intercept"] + p["noise"] * rng.standard_normal(n)
    n_out = round(p["fraction"] * n)
    right = np.flatnonzero(x > 0.0)
    pool = right if len(right) >= n_out else np.arange(n)
    chosen = rng.choice(pool, size=n_out, replace=False)
    y[chosen] += p["size"] * rng.uniform(0.75, 1.25, n_out)
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    truth = {"slope": p["slope"], "intercept": p["intercept"], "noise": p["noise"], "fraction": p["fraction"],
             "size": p["size"], "n_outliers": int(n_out)}
    return _Generated(x.reshape(-1, 1), y, None, truth, mask, ["x"])


def _gen_sine(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    x = rng.uniform(-math.pi, math.pi, n)
    y = p["amplitude"] * np.sin(p["frequency"] * x) + p["noise"] * rng.standard_normal(n)
    truth = {"function": "amplitude * sin(frequency * x)", "amplitude": p["amplitude"],
             "frequency": p["frequency"], "noise": p["noise"]}
    return _Generated(x.reshape(-1, 1), y, None, truth, None, ["x"])


def _gen_moons(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    n_out = n // 2
    t_out = np.linspace(0.0, math.pi, n_out)
    t_in = np.linspace(0.0, math.pi, n - n_out)
    X = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)], np.c_[1.0 - np.cos(t_in), 0.5 - np.sin(t_in)]])
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n_out, np.int64), np.ones(n - n_out, np.int64)]
    return _Generated(X, y, ["upper", "lower"], {"noise": p["noise"]})


def _gen_circles(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    n_out = n // 2
    t_out = rng.uniform(0.0, 2 * math.pi, n_out)
    t_in = rng.uniform(0.0, 2 * math.pi, n - n_out)
    X = np.concatenate([np.c_[np.cos(t_out), np.sin(t_out)], p["factor"] * np.c_[np.cos(t_in), np.sin(t_in)]])
    X += p["noise"] * rng.standard_normal(X.shape)
    y = np.r_[np.zeros(n_out, np.int64), np.ones(n - n_out, np.int64)]
    return _Generated(X, y, ["outer", "inner"], {"noise": p["noise"], "factor": p["factor"]})


def _gen_xor(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n = p["n_samples"]
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    which = rng.integers(0, 4, n)
    X = corners[which] + p["noise"] * rng.standard_normal((n, 2))
    y = (which >= 2).astype(np.int64)  # class 1 where the signs of the corner differ
    return _Generated(X, y, ["same sign", "different sign"], {"noise": p["noise"]})


def _gen_spirals(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, c = p["n_samples"], p["n_classes"]
    sizes = [n // c + (1 if k < n % c else 0) for k in range(c)]
    parts, labels = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * math.pi * k / c + p["turns"] * 2 * math.pi * r + p["noise"] * rng.standard_normal(m)
        parts.append(np.c_[r * np.cos(angle), r * np.sin(angle)])
        labels.append(np.full(m, k, np.int64))
    names = [f"arm {k}" for k in range(c)]
    return _Generated(np.concatenate(parts), np.concatenate(labels), names,
                      {"noise": p["noise"], "turns": p["turns"], "n_classes": c})


def _gen_blobs(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, c, d = p["n_samples"], p["n_classes"], p["n_features"]
    centers = np.zeros((c, d))
    angles = 2 * math.pi * np.arange(c) / c + math.pi / 2
    centers[:, 0] = p["distance"] * np.cos(angles)
    if d > 1:
        centers[:, 1] = p["distance"] * np.sin(angles)
    y = np.arange(n, dtype=np.int64) % c
    X = centers[y] + p["spread"] * rng.standard_normal((n, d))
    truth = {"centers": centers.tolist(), "spread": p["spread"], "distance": p["distance"]}
    return _Generated(X, y, [f"blob {k}" for k in range(c)], truth)


def _gen_imbalanced(rng: np.random.Generator, p: dict[str, Any]) -> _Generated:
    n, d = p["n_samples"], p["n_features"]
    n_pos = max(2, round(p["ratio"] * n))
    shift = np.full(d, p["separation"] / math.sqrt(d))
    X = rng.standard_normal((n, d))
    y = np.zeros(n, np.int64)
    y[:n_pos] = 1
    X[:n_pos] += shift
    truth = {"ratio": p["ratio"], "separation": p["separation"], "minority_class": 1, "n_minority": int(n_pos)}
    return _Generated(X, y, ["majority", "minority"], truth)


@dataclass(frozen=True)
class _Generator:
    make: Callable[[np.random.Generator, dict[str, Any]], _Generated]
    defaults: dict[str, Any]
    checks: dict[str, Callable[[Any], str | None]]
    task: Callable[[dict[str, Any]], DataTask]


def _fixed(task: DataTask) -> Callable[[dict[str, Any]], DataTask]:
    return lambda params: task


def _by_classes(params: dict[str, Any]) -> DataTask:
    return "binary" if params["n_classes"] == 2 else "multiclass"


GENERATORS: dict[str, _Generator] = {
    "outliers": _Generator(
        _gen_outliers,
        {"n_samples": 200, "slope": 2.0, "intercept": 1.0, "noise": 0.5, "fraction": 0.1, "size": 10.0},
        {"n_samples": _N, "slope": _ANY, "intercept": _ANY, "noise": _NOISE, "fraction": _real(0.0, 0.5),
         "size": _ANY},
        _fixed("regression")),
    "sine": _Generator(
        _gen_sine, {"n_samples": 200, "noise": 0.2, "frequency": 1.0, "amplitude": 1.0},
        {"n_samples": _N, "noise": _NOISE, "frequency": _real(0.0, 100.0, low_open=True), "amplitude": _ANY},
        _fixed("regression")),
    "moons": _Generator(_gen_moons, {"n_samples": 200, "noise": 0.2}, {"n_samples": _N, "noise": _NOISE},
                        _fixed("binary")),
    "circles": _Generator(
        _gen_circles, {"n_samples": 200, "noise": 0.1, "factor": 0.5},
        {"n_samples": _N, "noise": _NOISE, "factor": _real(0.0, 1.0, low_open=True, high_open=True)},
        _fixed("binary")),
    "xor": _Generator(_gen_xor, {"n_samples": 200, "noise": 0.35}, {"n_samples": _N, "noise": _NOISE},
                      _fixed("binary")),
    "spirals": _Generator(
        _gen_spirals, {"n_samples": 300, "n_classes": 2, "noise": 0.2, "turns": 1.0},
        {"n_samples": _N, "n_classes": _count(2, 10), "noise": _NOISE, "turns": _real(0.0, 5.0, low_open=True)},
        _by_classes),
    "blobs": _Generator(
        _gen_blobs, {"n_samples": 300, "n_classes": 3, "n_features": 2, "spread": 1.0, "distance": 4.0},
        {"n_samples": _N, "n_classes": _count(2, 20), "n_features": _count(1, 1000), "spread": _NOISE,
         "distance": _real(0.0, math.inf)},
        _by_classes),
    "imbalanced": _Generator(
        _gen_imbalanced, {"n_samples": 1000, "ratio": 0.1, "n_features": 2, "separation": 2.0},
        {"n_samples": _N, "ratio": _real(0.0, 0.5, low_open=True), "n_features": _count(1, 1000),
         "separation": _real(0.0, math.inf)},
        _fixed("binary")),
}
