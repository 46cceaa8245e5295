"""The checks of ``losslab.distill``: teacher and student rows, temperature, direction and beta.

Every refusal is a :class:`losslab.errors.LossInputError` naming the function (``"distill.kl"`` ...), the
argument, what was expected, what was given, and the likely fix. Accepted probability rows are renormalised by the
softening ``softmax(log p / T)``, so a divergence is never computed on unnormalised rows (and is never negative).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses._stable import softmax_parts

ROW_SUM_TOLERANCE = 1e-6  # |sum of a probability row - 1| allowed, relative to 1
DIRECTIONS = ("forward", "reverse")

__all__ = ["DIRECTIONS", "ROW_SUM_TOLERANCE", "check_beta", "check_direction", "check_temperature", "soften"]


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        return None
    return float(x)


def check_temperature(where: str, temperature: Any) -> float:
    t = _number(temperature)
    if t is None or not math.isfinite(t) or t <= 0:
        raise LossInputError(where, "temperature", "a positive finite number (T > 0)", repr(temperature),
                             "T = 1 leaves the distributions as they are, T > 1 softens them (2 to 4 is usual "
                             "for distillation)")
    return t


def check_direction(where: str, direction: Any) -> str:
    if direction not in DIRECTIONS:
        raise LossInputError(where, "direction", "'forward' or 'reverse'", repr(direction),
                             "forward = KL(teacher || student), the usual distillation loss and what torch's "
                             "KLDivLoss computes; reverse = KL(student || teacher), mode-seeking")
    return str(direction)


def check_beta(where: str, beta: Any) -> float:
    b = _number(beta)
    if b is None or not (0.0 <= b <= 1.0):
        raise LossInputError(where, "beta", "a number in [0, 1]", repr(beta),
                             "beta = 0 is forward KL(teacher || student), beta = 1 reverse KL(student || teacher), "
                             "0.5 the symmetric Jensen-Shannon divergence")
    return b


def _as_rows(where: str, argument: str, x: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor, possibly requiring grad
        x = x.detach().cpu().numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise LossInputError(where, argument, "an array of numbers, one row per example",
                             f"a {type(x).__name__} that is not numeric") from None
    if a.ndim not in (1, 2) or a.size == 0 or a.shape[-1] == 0:
        raise LossInputError(where, argument, "one row (C,) or rows (N, C) with C >= 1",
                             f"shape {a.shape}",
                             "for (batch, sequence, vocabulary) reshape to (-1, vocabulary) first" if a.ndim > 2
                             else None)
    return (a.reshape(1, -1) if a.ndim == 1 else a), a.shape


def _check_probabilities(where: str, argument: str, p: np.ndarray) -> None:
    logits_hint = "these look like logits: pass from_logits=True"
    bad = ~np.isfinite(p)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise LossInputError(where, argument, "probabilities (finite numbers in [0, 1])",
                             f"{int(bad.sum())} non-finite value(s), the first {p[i, j]} at row {i}, class {j}")
    if (p < 0).any():
        i, j = np.argwhere(p < 0)[0]
        raise LossInputError(where, argument, "probabilities (no negative values)",
                             f"{int((p < 0).sum())} negative value(s), the first {p[i, j]:.6g} at row {i}, "
                             f"class {j}", logits_hint)
    sums = p.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOLERANCE
    if off.any():
        i = int(np.argmax(off))
        if np.all(np.abs(sums - 100.0) <= 100.0 * ROW_SUM_TOLERANCE):
            hint = "these look like percentages: divide by 100"
        elif (p > 1).any():
            hint = logits_hint
        else:
            hint = ("normalise each row (divide it by its sum), or, if these are scores rather than "
                    "probabilities, pass from_logits=True")
        raise LossInputError(where, argument,
                             f"rows of probabilities that sum to 1 (within {ROW_SUM_TOLERANCE:g})",
                             f"{int(off.sum())} row(s) that do not, the first row {i} summing to {sums[i]:.9g}",
                             hint)


def _check_logits(where: str, argument: str, z: np.ndarray) -> None:
    bad = np.isnan(z) | (z == np.inf)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise LossInputError(where, argument, "logits (finite numbers, or -inf for a masked class)",
                             f"{int(bad.sum())} NaN or +inf value(s), the first {z[i, j]} at row {i}, class {j}")
    dead = ~np.isfinite(z).any(axis=1)
    if dead.any():
        i = int(np.argmax(dead))
        raise LossInputError(where, argument, "at least one finite logit per row",
                             f"row {i} with every class masked (-inf)")


def soften(where: str, teacher: Any, student: Any, temperature: float,
           from_logits: bool) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """(log teacher, log student, the student's shape): the rows' log-probabilities after the temperature.

    Logits z become log softmax(z / T); probabilities p become log softmax(log p / T), i.e. p^(1/T) renormalised
    (T = 1 gives p back). Computed as a stable log-softmax: a logit of -500 gives a log-probability near -1000, not
    log(0).
    """
    t, t_shape = _as_rows(where, "teacher", teacher)
    s, shape = _as_rows(where, "student", student)
    if t_shape != shape:
        raise LossInputError(where, "student", f"the teacher's shape {t_shape} (the same vocabulary, row by row)",
                             f"shape {shape}",
                             "teacher and student must score the same classes in the same order; align the "
                             "vocabularies first")
    check = _check_logits if from_logits else _check_probabilities
    check(where, "teacher", t)
    check(where, "student", s)
    with np.errstate(divide="ignore"):
        zt, zs = (t, s) if from_logits else (np.log(t), np.log(s))
    return softmax_parts(np, zt / temperature).log_prob(), softmax_parts(np, zs / temperature).log_prob(), shape
