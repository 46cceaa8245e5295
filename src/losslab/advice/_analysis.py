"""What the data says about the loss: task and label format, class balance, outliers, skew and tails, scale.

Every number here is computed on the user's data and kept in :class:`Analysis` (JSON-ready through
``to_dict``), together with the sentences that report it (:class:`~losslab.advice._texts.Note`) and the
questions it could not answer from the data alone (:class:`Question`). The rules (``_rules.py``) read only this.

Outliers are found with robust z-scores, ``z = (y - median) / (1.4826 · MAD)``, flagged at ``|z| > 3.5``
(Iglewicz & Hoaglin): the median and the median absolute deviation (MAD) are not moved by the outliers
themselves, unlike the mean and the standard deviation. For regression with features the same test runs on the
residuals of a robust straight-line fit (Huber-weighted least squares), because what a loss sees is the error of
a model, and a value can be ordinary for the target as a whole yet far off the trend.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import get
from ._data import Table
from ._texts import Note

__all__ = ["MAD_SCALE", "TASK_HINTS", "Z_THRESHOLD", "Analysis", "Question", "analyze", "robust_scale"]

MAD_SCALE = 1.4826
"""1 / Φ⁻¹(3/4): the MAD times this estimates the standard deviation of normal data."""

Z_THRESHOLD = 3.5
"""|robust z| above this marks an outlier (Iglewicz & Hoaglin, 1993)."""

HUBER_K = 1.345
"""Huber's tuning constant: δ = 1.345 σ keeps 95% of the efficiency of least squares on normal errors."""

NORMAL_TAIL = 2 * 1.959964 / (2 * 0.6744898)
"""(q97.5 − q2.5) / (q75 − q25) of a normal distribution; the tail ratio divides by it (normal → 1)."""


def heavy_tail_threshold(n: int) -> float:
    """The tail ratio above which errors count as heavy-tailed: 1.25, or more for small samples, where the ratio of
    normal data scatters (``1 + 2.5 / sqrt(n)`` is about its 99th percentile)."""
    return max(1.25, 1.0 + 2.5 / math.sqrt(max(n, 1)))

TASK_HINTS: tuple[str, ...] = ("regression", "counts", "classification", "binary", "multiclass", "multilabel")
"""What ``task=`` accepts."""

_CLASS_WORDS = re.compile(r"(class|label|categor|species|kind|type|digit|cultivar|diagnos|grade|genre|group)",
                          re.IGNORECASE)
_COUNT_WORDS = re.compile(r"(count|^n_|_n$|^num|number|visits|clicks|calls|events|cases|freq|accidents|arrivals)",
                          re.IGNORECASE)
_MAX_TEXT_CLASSES = 100


@dataclass(frozen=True)
class Question:
    """Something the data cannot tell: the hint option that answers it, its choices and what was assumed meanwhile.

    ``assumed`` is None when nothing was assumed (the advice then waits for the answer).
    """

    key: str
    options: tuple[str, ...]
    note: Note
    assumed: str | None = None

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {"key": self.key, "options": list(self.options), "assumed": self.assumed,
                "cli": f"--{self.key.replace('_', '-')}", "text": self.note.text(lang), "note": self.note.key}


@dataclass
class Analysis:
    """Everything the advice measured on the data (see :meth:`to_dict` for the fields)."""

    n_rows: int
    n_features: int
    target_names: list[str]
    task: str | None
    label_format: str
    classes: list[dict[str, Any]] | None = None
    positive: str | None = None
    imbalance_ratio: float | None = None
    labels_per_row: float | None = None
    target: dict[str, Any] | None = None
    outliers: dict[str, Any] | None = None
    residuals: dict[str, Any] | None = None
    scale: dict[str, Any] = field(default_factory=dict)
    findings: list[Note] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    data_notes: list[Note] = field(default_factory=list)
    # what the rules and the evidence run need, not reported
    y_values: np.ndarray | None = field(default=None, repr=False)
    y_codes: np.ndarray | None = field(default=None, repr=False)
    y_matrix: np.ndarray | None = field(default=None, repr=False)
    X: np.ndarray | None = field(default=None, repr=False)
    baseline_pred: np.ndarray | None = field(default=None, repr=False)
    outlier_mask: np.ndarray | None = field(default=None, repr=False)
    ols_pred: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.classes else 0

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {
            "rows": self.n_rows,
            "features": self.n_features,
            "target": self.target_names[0] if len(self.target_names) == 1 else list(self.target_names),
            "task": self.task,
            "label_format": self.label_format,
            "classes": self.classes,
            "positive": self.positive,
            "imbalance_ratio": self.imbalance_ratio,
            "labels_per_row": self.labels_per_row,
            "target_stats": self.target,
            "outliers": self.outliers,
            "residuals": self.residuals,
            "scale": self.scale,
            "findings": [n.to_dict(lang) for n in [*self.data_notes, *self.findings]],
            "questions": [q.to_dict(lang) for q in self.questions],
        }


# ------------------------------------------------------------------------------------------------ robust numbers
def robust_scale(x: np.ndarray, floor: float = 0.0) -> tuple[float, float, str]:
    """(center, scale, method): the median and 1.4826·MAD, with fallbacks when more than half the values tie.

    Fallbacks, in order: the interquartile range / 1.349, the mean absolute deviation × 1.2533 (both estimate the
    standard deviation of normal data), then the standard deviation. A scale of 0 means a constant. A spread below
    ``floor`` (or 1e-9 of the values' size) counts as 0: the rounding noise of a fit through tied values.
    """
    center = float(np.median(x))
    dev = np.abs(x - center)
    tiny = max(floor, 1e-9 * (1.0 + float(np.max(np.abs(x)))))
    mad = float(np.median(dev))
    if mad > tiny:
        return center, MAD_SCALE * mad, "mad"
    q25, q75 = np.quantile(x, [0.25, 0.75])
    if q75 - q25 > tiny:
        return center, float(q75 - q25) / 1.349, "iqr"
    mean_abs = float(np.mean(dev))
    if mean_abs > tiny:
        return center, 1.2533 * mean_abs, "mean_abs"
    return center, float(np.std(x)), "std"


def _moments(x: np.ndarray) -> tuple[float, float]:
    """(skewness, excess kurtosis) from the sample's central moments (0 for a constant)."""
    d = x - x.mean()
    m2 = float(np.mean(d**2))
    if m2 <= 0:
        return 0.0, 0.0
    return float(np.mean(d**3)) / m2**1.5, float(np.mean(d**4)) / m2**2 - 3.0


def _tail_ratio(x: np.ndarray) -> float:
    """Spread of the outer 95% over the spread of the middle 50%, relative to a normal distribution (normal: 1)."""
    q = np.quantile(x, [0.025, 0.25, 0.75, 0.975])
    inner = q[2] - q[1]
    if inner <= 0:
        return math.inf if q[3] > q[0] else 1.0
    return float((q[3] - q[0]) / inner / NORMAL_TAIL)


def _standardize(X: np.ndarray) -> np.ndarray:
    sd = X.std(axis=0)
    keep = sd > 1e-12 * (1 + np.abs(X).max(axis=0))
    Z = (X[:, keep] - X[:, keep].mean(axis=0)) / sd[keep]
    return Z


def _design(X: np.ndarray) -> np.ndarray:
    Z = _standardize(X)
    return np.concatenate([np.ones((X.shape[0], 1)), Z], axis=1)


def _solve(A: np.ndarray, y: np.ndarray, w: np.ndarray, ridge: float) -> np.ndarray:
    Aw = A * w[:, None]
    G = A.T @ Aw
    G[np.diag_indices_from(G)] += ridge
    G[0, 0] -= ridge  # no penalty on the intercept
    return np.asarray(np.linalg.solve(G, Aw.T @ y))


def least_squares_fit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Predictions of a (slightly ridged) least-squares straight-line fit: what MSE would fit."""
    A = _design(X)
    beta = _solve(A, y, np.ones_like(y), 1e-6 * len(y))
    return A @ beta


def robust_fit(X: np.ndarray, y: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Predictions of a straight-line fit that outliers do not pull: Huber-weighted least squares (IRLS)."""
    A = _design(X)
    w = np.ones_like(y)
    ridge = 1e-6 * len(y)
    beta = _solve(A, y, w, ridge)
    for _ in range(iterations):
        r = y - A @ beta
        _, s, _ = robust_scale(r)
        if s <= 0:
            break
        a = np.abs(r)
        w = np.where(a <= HUBER_K * s, 1.0, HUBER_K * s / np.maximum(a, 1e-300))
        new = _solve(A, y, w, ridge)
        if np.allclose(new, beta, rtol=1e-8, atol=1e-10 * (1 + np.abs(beta).max())):
            beta = new
            break
        beta = new
    return A @ beta


# ---------------------------------------------------------------------------------------------- the target kind
def _integer_kind(values: np.ndarray, name: str, counts_of: tuple[np.ndarray, np.ndarray]) -> str | None:
    """"classes", "counts" or None (undecided) for a target of whole numbers with more than two values."""
    distinct = counts_of[0]
    counts = counts_of[1]
    k = len(distinct)
    shares = counts / counts.sum()
    contiguous = bool(np.all(np.diff(distinct) == 1))
    near_uniform = shares.min() >= 0.5 / k and shares.max() <= 2.0 / k
    if _CLASS_WORDS.search(name) and k <= 50:
        return "classes"
    if _COUNT_WORDS.search(name) and distinct[0] >= 0:
        return "counts"
    if near_uniform and contiguous and distinct[0] in (0, 1) and k <= 50:
        return "classes"
    if distinct[0] < 0:
        return "counts" if k > 20 else None  # whole numbers of either sign: a measurement, unless few values
    if k > 20 or (k >= 8 and not near_uniform):
        return "counts"
    return None


def _label_text(v: Any) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    return str(v)


def _class_table(labels: np.ndarray, names: list[str]) -> list[dict[str, Any]]:
    counts = np.bincount(labels, minlength=len(names))
    n = int(counts.sum())
    return [{"label": name, "count": int(c), "share": float(c) / n} for name, c in zip(names, counts, strict=True)]


# ------------------------------------------------------------------------------------------------------ analysis
def analyze(table: Table, *, task: str | None = None, positive: Any = None) -> Analysis:
    """Measure ``table`` (see the module docstring); ``task`` and ``positive`` are the user's hints."""
    if task is not None and task not in TASK_HINTS:
        raise LossInputError("recommend", "task", "one of " + ", ".join(TASK_HINTS), repr(task))
    n = table.n
    if n < 5:
        raise LossInputError("recommend", "data", "at least 5 rows with a target value", f"{n} rows",
                             "rows whose target is missing are left out")
    a = Analysis(n_rows=n, n_features=table.X.shape[1], target_names=list(table.target_names), task=None,
                 label_format="unknown", X=table.X)
    _data_notes(a, table)
    y = table.y
    if y.ndim == 2:
        _analyze_matrix(a, y, task)
    else:
        _analyze_column(a, y, task, positive)
    if a.task is not None:
        _scale(a, table)
    return a


def _data_notes(a: Analysis, table: Table) -> None:
    a.data_notes.append(Note("analysis.rows", {"rows": a.n_rows, "features": a.n_features, "source": table.source}))
    if table.dropped_rows:
        a.data_notes.append(Note("analysis.dropped_rows", {"count": table.dropped_rows}))
    if table.filled_values:
        a.data_notes.append(Note("analysis.filled_values", {"count": table.filled_values}))
    if table.encoded_columns:
        a.data_notes.append(Note("analysis.encoded_columns", {"columns": ", ".join(table.encoded_columns)}))
    if table.skipped_columns:
        a.data_notes.append(Note("analysis.skipped_columns", {"columns": ", ".join(table.skipped_columns)}))


def _analyze_column(a: Analysis, y: np.ndarray, task: str | None, positive: Any) -> None:
    name = a.target_names[0]
    if y.dtype == np.bool_ or y.dtype == object:
        labels = np.array([_label_text(v) for v in y], dtype=object)
        if task in ("regression", "counts"):
            raise LossInputError("recommend", "task", "a numeric target for regression",
                                 f"task={task!r} with text or True/False labels")
        names = sorted({str(v) for v in labels})
        if y.dtype == object and len(names) > max(_MAX_TEXT_CLASSES, a.n_rows // 2):
            raise LossInputError("recommend", "target", "class labels (a few distinct values)",
                                 f"{len(names)} distinct text values in {a.n_rows} rows",
                                 "this looks like an identifier or free text, not a target")
        codes = np.searchsorted(np.array(names, dtype=object), labels).astype(np.int64)
        fmt = "binary_01" if y.dtype == np.bool_ else "class_names"
        _classification(a, codes, names, fmt, task, positive)
        return
    values = y.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise LossInputError("recommend", "target", "finite numbers", "infinite values")
    distinct, counts = np.unique(values, return_counts=True)
    if len(distinct) < 2:
        raise LossInputError("recommend", "target", "at least two different values",
                             f"the constant {_label_text(distinct[0])}", "there is nothing to learn")
    integral = bool(np.all(distinct == np.round(distinct)))
    if task in ("binary", "multiclass", "classification"):
        if not integral and len(distinct) > 50:
            raise LossInputError("recommend", "task", "class labels for a classification task",
                                 f"task={task!r} with {len(distinct)} distinct non-integer values")
        names = [_label_text(v) for v in distinct]
        codes = np.searchsorted(distinct, values).astype(np.int64)
        _classification(a, codes, names, _number_format(distinct), task, positive, numeric=distinct)
        return
    if task in ("regression", "counts"):
        if task == "counts" and not (integral and distinct[0] >= 0):
            raise LossInputError("recommend", "task", "whole numbers >= 0 for counts",
                                 "negative or fractional values" if integral else "fractional values")
        _regression(a, values, integral, as_counts=task == "counts" or None)
        return
    if task == "multilabel":
        raise LossInputError("recommend", "task", "several 0/1 target columns for a multi-label task",
                             "a single target column", "pass target=[col1, col2, ...]")
    if len(distinct) == 2:
        names = [_label_text(v) for v in distinct]
        codes = np.searchsorted(distinct, values).astype(np.int64)
        _classification(a, codes, names, _number_format(distinct), "binary", positive, numeric=distinct)
        return
    if integral:
        kind = _integer_kind(values, name, (distinct, counts))
        if kind == "classes":
            names = [_label_text(v) for v in distinct]
            codes = np.searchsorted(distinct, values).astype(np.int64)
            _classification(a, codes, names, "integer_classes", None, positive, numeric=distinct)
            return
        if kind is None:
            _undecided_integers(a, values, distinct, counts)
            return
        _regression(a, values, True, as_counts=None)
        return
    _regression(a, values, False, as_counts=False)


def _number_format(distinct: np.ndarray) -> str:
    values = set(distinct.tolist())
    if values == {0.0, 1.0}:
        return "binary_01"
    if values == {-1.0, 1.0}:
        return "signed"
    if len(values) == 2:
        return "two_values"
    return "integer_classes" if bool(np.all(distinct == np.round(distinct))) else "class_names"


def _undecided_integers(a: Analysis, values: np.ndarray, distinct: np.ndarray, counts: np.ndarray) -> None:
    a.label_format = "integers"
    a.y_values = values
    shares = counts / counts.sum()
    a.classes = [{"label": _label_text(v), "count": int(c), "share": float(s)}
                 for v, c, s in zip(distinct, counts, shares, strict=True)]
    a.findings.append(Note("analysis.integers", {"k": len(distinct), "low": _label_text(distinct[0]),
                                                 "high": _label_text(distinct[-1])}))
    a.questions.append(Question("task", ("counts", "regression", "multiclass"),
                                Note("question.task", {"k": len(distinct)})))


# ------------------------------------------------------------------------------------------------ classification
def _classification(a: Analysis, codes: np.ndarray, names: list[str], fmt: str, task: str | None,
                    positive: Any, numeric: np.ndarray | None = None) -> None:
    k = len(names)
    if k < 2:
        raise LossInputError("recommend", "target", "at least two classes", f"the single class {names[0]!r}")
    if task == "binary" and k != 2:
        raise LossInputError("recommend", "task", "two classes for task='binary'", f"{k} classes")
    if task == "multiclass" and k == 2:
        task = "binary"
    a.task = "binary" if k == 2 else "multiclass"
    a.label_format = fmt
    counts = np.bincount(codes, minlength=k)
    if k == 2:
        pos = _positive_index(a, names, counts, fmt, positive)
        if pos == 0:  # the positive class is coded 1 from here on
            codes = 1 - codes
            names = [names[1], names[0]]
            counts = counts[::-1]
        a.positive = names[1]
    a.y_codes = codes
    a.classes = _class_table(codes, names)
    a.imbalance_ratio = float(counts.max() / max(counts.min(), 1))
    a.findings.append(Note(f"format.{fmt}", {"k": k, "labels": ", ".join(names[:12]) + (" ..." if k > 12 else "")}))
    minority = int(np.argmin(counts))
    a.findings.append(Note("analysis.balance" if a.imbalance_ratio >= 1.5 else "analysis.balanced", {
        "ratio": a.imbalance_ratio, "minority": names[minority], "minority_share": float(counts[minority]) / a.n_rows,
        "majority": names[int(np.argmax(counts))], "majority_share": float(counts.max()) / a.n_rows}))
    tiny = [names[i] for i in range(k) if counts[i] < 5]
    if tiny:
        a.findings.append(Note("analysis.tiny_classes", {"labels": ", ".join(tiny[:10]), "count": len(tiny)}))


def _positive_index(a: Analysis, names: list[str], counts: np.ndarray, fmt: str, positive: Any) -> int:
    """Which of the two sorted labels is the positive class (coded 1)."""
    if positive is not None:
        text = _label_text(positive)
        if text not in names:
            raise LossInputError("recommend", "positive", "one of the two labels " + " or ".join(map(repr, names)),
                                 repr(positive))
        return names.index(text)
    if fmt in ("binary_01", "signed"):
        return 1  # 1 (True, +1) is the positive class by convention
    rarer = 0 if counts[0] < counts[1] else 1
    a.questions.append(Question("positive", tuple(names), Note("question.positive", {"label": names[rarer]}),
                                assumed=names[rarer]))
    return rarer


def _analyze_matrix(a: Analysis, y: np.ndarray, task: str | None) -> None:
    n, k = y.shape
    if k < 2:
        _analyze_column(a, y[:, 0], task, None)
        return
    zero_one = bool(np.all((y == 0) | (y == 1)))
    sums = y.sum(axis=1)
    if zero_one and np.all(sums == 1) and task != "multilabel":
        codes = np.argmax(y, axis=1).astype(np.int64)
        names = list(a.target_names)
        if task == "binary" and k != 2:
            raise LossInputError("recommend", "task", "two one-hot columns for task='binary'", f"{k} columns")
        _classification(a, codes, names, "one_hot", None, None)
        a.y_matrix = y
        if a.task == "binary":  # two one-hot columns are a binary task; keep the second column as the positive
            a.y_codes = y[:, 1].astype(np.int64)
            a.positive = names[1]
            a.classes = _class_table(a.y_codes, names)
        return
    if zero_one:
        a.task = "multilabel"
        a.label_format = "multi_label"
        a.y_matrix = y
        pos = y.sum(axis=0)
        a.classes = [{"label": name, "count": int(c), "share": float(c) / n}
                     for name, c in zip(a.target_names, pos, strict=True)]
        a.labels_per_row = float(sums.mean())
        ratios = (n - pos) / np.maximum(pos, 1)
        a.imbalance_ratio = float(ratios.max())
        a.findings.append(Note("format.multi_label", {"k": k, "per_row": a.labels_per_row}))
        rare = int(np.argmin(pos))
        a.findings.append(Note("analysis.label_balance", {"label": a.target_names[rare],
                                                          "share": float(pos[rare]) / n, "ratio": a.imbalance_ratio}))
        return
    if np.all(y >= 0) and np.allclose(sums, 1.0, atol=1e-3):
        a.task = "distribution"
        a.label_format = "soft_labels"
        a.y_matrix = y
        a.classes = [{"label": name, "count": int(c), "share": float(c) / n}
                     for name, c in zip(a.target_names, np.bincount(np.argmax(y, axis=1), minlength=k), strict=True)]
        a.findings.append(Note("format.soft_labels", {"k": k}))
        return
    raise LossInputError("recommend", "target", "several target columns holding one-hot rows, 0/1 labels "
                         "(multi-label) or probability rows", "other numbers",
                         "for a numeric target pass a single column")


# ---------------------------------------------------------------------------------------------------- regression
def _regression(a: Analysis, y: np.ndarray, integral: bool, as_counts: bool | None) -> None:
    a.task = "regression"
    a.y_values = y
    center, scale, method = robust_scale(y)
    if scale <= 0:
        raise LossInputError("recommend", "target", "values that vary", "a constant target")
    skew, kurt = _moments(y)
    low, high = float(y.min()), float(y.max())
    median = float(np.median(y))
    zeros = int(np.sum(y == 0))
    negatives = int(np.sum(y < 0))
    counts = bool(integral and low >= 0) if as_counts is None else as_counts
    if counts and as_counts is None and median > 20 and skew <= 1.0:
        counts = False  # large whole numbers with a mild skew behave like a continuous quantity
        a.findings.append(Note("analysis.large_integers", {"median": median}))
    if counts:
        a.label_format = "counts"
    elif low >= 0:
        a.label_format = "non_negative"
    else:
        a.label_format = "continuous"
    positive = y[y > 0]
    orders = None
    if positive.size >= 2 and low >= 0:  # the spread of the positive values, 1st to 99th percentile
        p01, p99 = np.quantile(positive, [0.01, 0.99])
        orders = float(math.log10(p99 / p01))
    var = float(np.var(y))
    a.target = {
        "mean": float(y.mean()), "median": median, "std": float(np.std(y)), "mad": scale / MAD_SCALE
        if method == "mad" else None, "robust_scale": scale, "scale_method": method, "min": low, "max": high,
        "skew": skew, "excess_kurtosis": kurt, "tail_ratio": _tail_ratio(y), "integer": integral, "zeros": zeros,
        "negatives": negatives, "orders_of_magnitude": orders,
        "dispersion": var / float(y.mean()) if counts and y.mean() > 0 else None,
    }
    a.findings.append(Note(f"format.{a.label_format}", {"low": low, "high": high, "median": median}))
    z = (y - center) / scale
    mask = np.abs(z) > Z_THRESHOLD
    a.outliers = {"method": "robust_z", "threshold": Z_THRESHOLD, "center": center, "scale": scale,
                  "count": int(mask.sum()), "share": float(mask.mean()), "low": int(np.sum(z < -Z_THRESHOLD)),
                  "high": int(np.sum(z > Z_THRESHOLD))}
    a.findings.append(Note("analysis.target_outliers" if mask.any() else "analysis.no_target_outliers",
                           {"count": int(mask.sum()), "share": float(mask.mean()), "median": center,
                            "scale": scale, "threshold": Z_THRESHOLD}))
    # the residuals of a robust straight-line fit (or of the median when there are no usable features)
    p = a.n_features
    use_fit = p > 0 and a.n_rows >= 5 * (p + 1)
    base = robust_fit(a.X, y) if use_fit and a.X is not None else np.full_like(y, center)
    a.ols_pred = least_squares_fit(a.X, y) if use_fit and a.X is not None else np.full_like(y, float(y.mean()))
    r = y - base
    r_center, r_scale, r_method = robust_scale(r, floor=1e-6 * float(np.std(y)))
    if r_scale <= 0:
        r_scale = max(float(np.std(r)), 1e-12 * (1 + abs(center)))
    rz = (r - r_center) / r_scale
    rmask = np.abs(rz) > Z_THRESHOLD
    a.baseline_pred = base
    a.outlier_mask = rmask
    rskew, rkurt = _moments(r)
    shares = _cost_shares(base, y, rmask, HUBER_K * r_scale)
    y_spread = robust_scale(y)[1]
    a.residuals = {
        "baseline": "robust_linear" if use_fit else "median",
        "robust_r2": float(max(0.0, 1.0 - (r_scale / y_spread) ** 2)) if y_spread > 0 else None,
        "scale": r_scale, "scale_method": r_method, "count": int(rmask.sum()), "share": float(rmask.mean()),
        "skew": rskew, "excess_kurtosis": rkurt, "tail_ratio": _tail_ratio(r),
        "tail_threshold": heavy_tail_threshold(a.n_rows), **shares,
    }
    key = "analysis.residual_outliers" if rmask.any() else "analysis.no_residual_outliers"
    a.findings.append(Note(key if use_fit else key.replace("residual", "median"),
                           {"count": int(rmask.sum()), "share": float(rmask.mean()), "scale": r_scale,
                            "mse_share": shares["mse_share"], "threshold": Z_THRESHOLD}))
    tail = a.residuals["tail_ratio"]
    if abs(rskew) >= 1.0 or tail >= a.residuals["tail_threshold"]:
        a.findings.append(Note("analysis.shape", {"skew": rskew, "tail": tail, "kurtosis": rkurt}))
    elif abs(skew) >= 1.0:
        a.findings.append(Note("analysis.target_skew", {"skew": skew}))
    if counts:
        a.findings.append(Note("analysis.counts", {"mean": float(y.mean()), "dispersion": a.target["dispersion"]
                                                   or 0.0, "zeros": zeros, "zero_share": zeros / a.n_rows}))


def _cost_shares(pred: np.ndarray, y: np.ndarray, mask: np.ndarray, delta: float) -> dict[str, float]:
    """What the flagged rows supply on the baseline prediction, for MSE, MAE and Huber: their share of the total
    cost (``*_share``) and of the total gradient size, i.e. of the pull on the fit (``*_pull``)."""
    result: dict[str, float] = {}
    for key, loss in (("mse", get("mse")), ("mae", get("mae")), ("huber", get("huber", delta=max(delta, 1e-12)))):
        per = np.asarray(loss(pred, y, reduction="none"), dtype=np.float64)
        pull = np.abs(np.asarray(loss.grad(pred, y, reduction="none"), dtype=np.float64))
        total, total_pull = float(per.sum()), float(pull.sum())
        result[f"{key}_share"] = float(per[mask].sum()) / total if total > 0 else 0.0
        result[f"{key}_pull"] = float(pull[mask].sum()) / total_pull if total_pull > 0 else 0.0
    return result


# ---------------------------------------------------------------------------------------------------------- scale
def _scale(a: Analysis, table: Table) -> None:
    X = table.X
    info: dict[str, Any] = {"feature_spread": None, "widest": None, "narrowest": None}
    if X.shape[1] >= 2:
        sd = X.std(axis=0)
        live = np.flatnonzero(sd > 0)
        if live.size >= 2:
            wide, narrow = live[np.argmax(sd[live])], live[np.argmin(sd[live])]
            ratio = float(sd[wide] / sd[narrow])
            info.update(feature_spread=ratio, widest=table.feature_names[wide], narrowest=table.feature_names[narrow])
            if ratio >= 100:
                a.findings.append(Note("analysis.feature_scale", {"ratio": ratio, "wide": table.feature_names[wide],
                                                                  "narrow": table.feature_names[narrow]}))
    if a.task == "regression" and a.target is not None:
        orders = a.target["orders_of_magnitude"]
        info["target_orders"] = orders
        if orders is not None and orders >= 2:
            positive = a.y_values[a.y_values > 0] if a.y_values is not None else np.ones(2)
            low, high = np.quantile(positive, [0.01, 0.99])
            a.findings.append(Note("analysis.target_orders", {"orders": orders, "low": float(low),
                                                              "high": float(high)}))
    a.scale = info
