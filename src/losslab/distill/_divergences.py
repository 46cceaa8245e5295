r"""Teacher-student divergences on rows, with their gradient on the student's logits.

Notation, row by row: the teacher's and the student's logits a and z (for probability rows p, the logits are
log p), the temperature T, the softened distributions t = softmax(a / T) and s = softmax(z / T), u = z / T.
Every divergence D(t, s) is computed from the stable log-softmax (``losses._stable.softmax_parts``), so a logit of
±500 gives log-probabilities near -1000 rather than log 0, and 0 log 0 = 0 wherever a probability is exactly 0.

The gradient is taken on the student's logits: dD/dz = (1/T) dD/du, and with the softmax Jacobian
dD/du_j = s_j (g_j - sum_k s_k g_k) where g = dD/ds. Each gradient row sums to 0: adding a constant to a row of
logits changes nothing. For probability input it is the gradient on log p_student, which is the student's logit
up to a row constant.

The value is the mean over rows (torch's ``reduction="batchmean"``); with ``scale_t2=True`` value and gradient
are multiplied by T², which keeps the gradient's size about constant as T grows (Hinton et al. 2015, sec. 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LossInputError
from ._inputs import check_beta, check_direction, check_temperature, soften

__all__ = ["Divergence", "generalized_jsd", "kl", "total_variation", "value_and_grad"]


@dataclass(frozen=True)
class Divergence:
    """A divergence between teacher and student rows: its value, its rows and its gradient.

    Attributes
    ----------
    value : float
        The mean of ``rows`` ("batchmean"), times T² with ``scale_t2=True``.
    grad : numpy.ndarray
        d value / d (the student's logits), shaped like the student; for probability input the logits are log p.
    rows : numpy.ndarray
        The divergence of each row (N,), times T² with ``scale_t2=True``.
    name : str
        Which divergence (``"kl"``, ``"generalized_jsd"``, ``"total_variation"``).
    settings : dict
        The arguments it was computed with (temperature, direction, beta ...).
    """

    value: float
    grad: np.ndarray
    rows: np.ndarray
    name: str
    settings: dict[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return self.value


# ------------------------------------------------------------------------------------------------ row formulas
# Each takes the softened log-probabilities (N, C) and returns (rows (N,), dD/du (N, C)) at T = 1 in u.
def _probs(lt: np.ndarray, ls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.exp(lt), np.exp(ls)


def _softmax_backward(s: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dD/du from dD/ds for s = softmax(u): s_j (g_j - sum_k s_k g_k), 0 where s_j = 0 (no 0 * inf).

    g is first shifted by its value at the row's most probable class a (sum_k s_k = 1, so the result is the
    same): then g_a = 0 and the sum is carried by the other classes, so a confident row (s_a = 1 - 4e-31) keeps
    the small difference g_a - sum_k s_k g_k instead of rounding it to 0.
    """
    top = np.take_along_axis(g, np.argmax(s, axis=1)[:, None], axis=1)
    with np.errstate(invalid="ignore"):
        g = g - top
        sg = np.where(s > 0, s * g, 0.0)
        return np.where(s > 0, s * (g - sg.sum(axis=1, keepdims=True)), 0.0)


def _s_minus_t(lt: np.ndarray, ls: np.ndarray, t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """s - t to full relative precision: t expm1(log s - log t) where the two are close (two probabilities near 1
    at a small T: 1 - 4e-31 minus 1 - 7e-66 would round to 0), the plain difference elsewhere."""
    with np.errstate(invalid="ignore"):
        d = ls - lt
        close = np.abs(d) < 0.5  # False where d is NaN or infinite
        return np.where(close, t * np.expm1(np.where(close, d, 0.0)), s - t)


def _forward_kl(lt: np.ndarray, ls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KL(t || s) = sum_c t_c (log t_c - log s_c); dD/du = s - t."""
    t, s = _probs(lt, ls)
    with np.errstate(invalid="ignore"):
        rows = np.where(t > 0, t * (lt - ls), 0.0).sum(axis=1)
    return rows, _s_minus_t(lt, ls, t, s)


def _reverse_kl(lt: np.ndarray, ls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KL(s || t) = sum_c s_c (log s_c - log t_c); dD/du_j = s_j (log s_j - log t_j - KL(s || t))."""
    s = np.exp(ls)
    with np.errstate(invalid="ignore"):
        g = ls - lt  # dD/ds_j = log s_j - log t_j + 1; the 1 is a row constant, which the softmax removes
        rows = np.where(s > 0, s * g, 0.0).sum(axis=1)
    return rows, _softmax_backward(s, g)


def _log_mix(w: float, d: np.ndarray) -> np.ndarray:
    """log((1 - w) + w e^d) for 0 < w < 1, with full relative precision as w -> 0 (log1p(w expm1(d))) and no
    overflow for large d (d + log(w + (1 - w) e^-d)); d = -inf gives log(1 - w), d = +inf gives +inf."""
    with np.errstate(invalid="ignore", over="ignore"):
        small = d <= 30.0
        near = np.log1p(w * np.expm1(np.where(small, d, 0.0)))
        far = d + np.log(w + (1.0 - w) * np.exp(-np.where(small, 31.0, d)))
    return np.where(small, near, far)


def _jsd_rows(lt: np.ndarray, ls: np.ndarray, beta: float, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """TRL's generalised JSD for 0 < beta < 1, M = beta t + (1 - beta) s:

    JSD_beta = beta KL(t || M) + (1 - beta) KL(s || M),   dJSD_beta/ds = (1 - beta) log(s / M),

    divided by beta (1 - beta) when ``normalize``. log(M / s) and log(M / t) are computed from the log-ratio
    d = log t - log s by ``_log_mix``, so that KL(s || M) / beta keeps its digits as beta -> 0 (and
    KL(t || M) / (1 - beta) as beta -> 1).
    """
    t, s = _probs(lt, ls)
    with np.errstate(invalid="ignore"):
        d = lt - ls
        m_over_s = _log_mix(beta, d)  # log(M / s)
        m_over_t = _log_mix(1.0 - beta, -d)  # log(M / t)
        kl_tm = np.where(t > 0, -t * m_over_t, 0.0).sum(axis=1)
        kl_sm = np.where(s > 0, -s * m_over_s, 0.0).sum(axis=1)
    if normalize:
        rows = kl_tm / (1.0 - beta) + kl_sm / beta
        g = -m_over_s / beta
    else:
        rows = beta * kl_tm + (1.0 - beta) * kl_sm
        g = -(1.0 - beta) * m_over_s
    return rows, _softmax_backward(s, g)


def _tv_rows(lt: np.ndarray, ls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TV(t, s) = 1/2 sum_c |t_c - s_c|; dTV/ds = sign(s - t) / 2 (0 on a tie)."""
    t, s = _probs(lt, ls)
    diff = _s_minus_t(lt, ls, t, s)  # not 1 - 1 = 0 for two probabilities near 1
    return 0.5 * np.abs(diff).sum(axis=1), _softmax_backward(s, 0.5 * np.sign(diff))


def _finish(rows: np.ndarray, grad_u: np.ndarray, temperature: float, scale_t2: bool, shape: tuple[int, ...],
            name: str, settings: dict[str, Any]) -> Divergence:
    factor = temperature * temperature if scale_t2 else 1.0
    rows = np.maximum(rows, 0.0) * factor  # a divergence of normalised rows is >= 0; only rounding could say less
    grad = grad_u * (factor / temperature / rows.shape[0])
    return Divergence(value=float(rows.mean()), grad=grad.reshape(shape), rows=rows, name=name,
                      settings=settings)


# ------------------------------------------------------------------------------------------------- the API
def kl_result(teacher: Any, student: Any, *, temperature: float = 1.0, direction: str = "forward",
              scale_t2: bool = False, from_logits: bool = False) -> Divergence:
    """:func:`kl` with its gradient on the student's logits (a :class:`Divergence`)."""
    where = "distill.kl"
    temperature = check_temperature(where, temperature)
    direction = check_direction(where, direction)
    lt, ls, shape = soften(where, teacher, student, temperature, from_logits)
    rows, grad_u = (_forward_kl if direction == "forward" else _reverse_kl)(lt, ls)
    return _finish(rows, grad_u, temperature, scale_t2, shape, "kl",
                   {"temperature": temperature, "direction": direction, "scale_t2": bool(scale_t2),
                    "from_logits": bool(from_logits)})


def kl(teacher: Any, student: Any, *, temperature: float = 1.0, direction: str = "forward",
       scale_t2: bool = False, from_logits: bool = False) -> float:
    r"""Kullback-Leibler divergence between the softened teacher and student, mean over rows.

    .. math::
        t = \mathrm{softmax}(a / T),\quad s = \mathrm{softmax}(z / T),\qquad
        \text{forward: } \mathrm{KL}(t\,\|\,s) = \sum_c t_c \log\frac{t_c}{s_c},\qquad
        \text{reverse: } \mathrm{KL}(s\,\|\,t) = \sum_c s_c \log\frac{s_c}{t_c}

    with 0 log 0 = 0. The gradient on the student's logits z (see :func:`value_and_grad`) is (s - t) / T for the
    forward direction and s_j (log s_j - log t_j - KL(s || t)) / T for the reverse one; ``scale_t2=True``
    multiplies value and gradient by T² so that the gradient keeps its size as T grows.

    Parameters
    ----------
    teacher, student : array-like, (C,) or (N, C)
        Rows of probabilities (each row sums to 1 within 1e-6, no negative values), or logits with
        ``from_logits=True`` (-inf allowed for a masked class). Probabilities are softened as softmax(log p / T),
        i.e. p^(1/T) renormalised.
    temperature : float
        T > 0.
    direction : "forward" or "reverse"
        forward = KL(teacher || student): what torch's ``KLDivLoss(reduction="batchmean")(log s, t)`` computes,
        mass-covering; reverse = KL(student || teacher), mode-seeking.
    scale_t2 : bool
        Multiply by T² (Hinton et al. 2015).
    from_logits : bool
        Both inputs are logits.

    Returns
    -------
    float
        The mean over rows. Infinite where the first distribution puts mass on a class the second gives
        probability 0.

    Raises
    ------
    losslab.LossInputError
        Rows that do not sum to 1, negative probabilities, different shapes, T <= 0, an unknown direction.

    Examples
    --------
    >>> from losslab import distill
    >>> round(distill.kl([0.6, 0.2, 0.2], [0.5, 0.3, 0.2]), 5)
    0.0283
    >>> round(distill.kl([0.6, 0.2, 0.2], [0.5, 0.3, 0.2], direction="reverse"), 5)
    0.03048
    """
    return kl_result(teacher, student, temperature=temperature, direction=direction, scale_t2=scale_t2,
                     from_logits=from_logits).value


def generalized_jsd_result(teacher: Any, student: Any, beta: float = 0.5, *, temperature: float = 1.0,
                           scale_t2: bool = False, from_logits: bool = False,
                           normalize: bool = True) -> Divergence:
    """:func:`generalized_jsd` with its gradient on the student's logits (a :class:`Divergence`)."""
    where = "distill.generalized_jsd"
    beta = check_beta(where, beta)
    temperature = check_temperature(where, temperature)
    lt, ls, shape = soften(where, teacher, student, temperature, from_logits)
    if beta == 0.0:
        rows, grad_u = _forward_kl(lt, ls)
    elif beta == 1.0:
        rows, grad_u = _reverse_kl(lt, ls)
    else:
        rows, grad_u = _jsd_rows(lt, ls, beta, normalize)
    return _finish(rows, grad_u, temperature, scale_t2, shape, "generalized_jsd",
                   {"beta": beta, "temperature": temperature, "scale_t2": bool(scale_t2),
                    "from_logits": bool(from_logits), "normalize": bool(normalize)})


def generalized_jsd(teacher: Any, student: Any, beta: float = 0.5, *, temperature: float = 1.0,
                    scale_t2: bool = False, from_logits: bool = False, normalize: bool = True) -> float:
    r"""The generalised Jensen-Shannon divergence of TRL's ``generalized_jsd_loss`` (Agarwal et al. 2023, eq. 1),
    made continuous in beta: forward KL at beta = 0, reverse KL at beta = 1.

    .. math::
        M = \beta\,t + (1-\beta)\,s,\qquad
        \mathrm{JSD}_\beta = \beta\,\mathrm{KL}(t\,\|\,M) + (1-\beta)\,\mathrm{KL}(s\,\|\,M),\qquad
        D_\beta = \frac{\mathrm{JSD}_\beta}{\beta(1-\beta)}

    TRL (and ms-swift) return KL(t || s) at beta = 0 and KL(s || t) at beta = 1 but JSD_beta in between, which
    tends to 0 at both ends (JSD_beta ~ beta KL(t || s) as beta -> 0, ~ (1 - beta) KL(s || t) as beta -> 1):
    near the ends beta scales the loss instead of choosing its direction (ms-swift#10078). D_beta (the default,
    ``normalize=True``) divides by beta (1 - beta): the same divergence up to a constant for each beta, with the
    limits KL(t || s) and KL(s || t), which are the values at beta = 0 and 1. At beta = 1/2 it is 4 JSD (the
    catalog's ``js_divergence`` times 4). ``normalize=False`` gives TRL's numbers exactly, ends included.

    The gradient on the student's logits is s_j (g_j - sum_k s_k g_k) / T with g = (1 - beta) log(s / M)
    (g = log(s / M) / beta when normalised). Temperature, ``scale_t2`` and ``from_logits`` as in :func:`kl`.

    Raises
    ------
    losslab.LossInputError
        beta outside [0, 1], and the input errors of :func:`kl`.

    Examples
    --------
    >>> from losslab import distill
    >>> t, s = [0.6, 0.2, 0.2], [0.5, 0.3, 0.2]
    >>> round(distill.generalized_jsd(t, s, 0.0), 5), round(distill.generalized_jsd(t, s, 1e-9), 5)
    (0.0283, 0.0283)
    """
    return generalized_jsd_result(teacher, student, beta, temperature=temperature, scale_t2=scale_t2,
                                  from_logits=from_logits, normalize=normalize).value


def total_variation_result(teacher: Any, student: Any, *, temperature: float = 1.0,
                           from_logits: bool = False) -> Divergence:
    """:func:`total_variation` with its gradient on the student's logits (a :class:`Divergence`)."""
    where = "distill.total_variation"
    temperature = check_temperature(where, temperature)
    lt, ls, shape = soften(where, teacher, student, temperature, from_logits)
    rows, grad_u = _tv_rows(lt, ls)
    return _finish(rows, grad_u, temperature, False, shape, "total_variation",
                   {"temperature": temperature, "from_logits": bool(from_logits)})


def total_variation(teacher: Any, student: Any, *, temperature: float = 1.0, from_logits: bool = False) -> float:
    r"""Total variation distance, mean over rows: TV(t, s) = 1/2 sum_c |t_c - s_c|, in [0, 1].

    The largest difference in probability the two distributions give any set of classes; by Pinsker's inequality
    TV <= sqrt(KL / 2) in either direction. Its gradient on the student's logits uses sign(s - t) / 2 (0 on a
    tie) as dTV/ds. Temperature and ``from_logits`` as in :func:`kl`.

    >>> from losslab import distill
    >>> round(distill.total_variation([0.6, 0.2, 0.2], [0.5, 0.3, 0.2]), 6)
    0.1
    """
    return total_variation_result(teacher, student, temperature=temperature, from_logits=from_logits).value


_WITH_GRAD: dict[str, Callable[..., Divergence]] = {
    "kl": kl_result,
    "generalized_jsd": generalized_jsd_result,
    "total_variation": total_variation_result,
}


def value_and_grad(divergence: Callable[..., float] | str, teacher: Any, student: Any, *args: Any,
                   **kwargs: Any) -> Divergence:
    """The value and the gradient on the student's logits of one of :func:`kl`, :func:`generalized_jsd`,
    :func:`total_variation` (the function or its name), with the same arguments.

    >>> from losslab import distill
    >>> r = distill.value_and_grad(distill.kl, [0.6, 0.2, 0.2], [0.5, 0.3, 0.2])
    >>> [round(g, 6) for g in r.grad.tolist()], round(float(abs(r.grad).sum()), 3)
    ([-0.1, 0.1, 0.0], 0.2)
    """
    name = divergence if isinstance(divergence, str) else getattr(divergence, "__name__", "")
    if name not in _WITH_GRAD:
        raise LossInputError("distill.value_and_grad", "divergence", "one of " + ", ".join(_WITH_GRAD),
                             repr(divergence))
    return _WITH_GRAD[name](teacher, student, *args, **kwargs)
