r"""Forward and reverse KL side by side: a one-peaked student fitted to a two-peaked teacher.

The teacher is a distribution over a vocabulary of V tokens 0..V-1 with two peaks (a mixture of two discretised
Gaussians). The student can only make one peak: a discretised Gaussian, logits

.. math::
    z_k = -\frac{(k - \mu)^2}{2\sigma^2},\qquad s = \mathrm{softmax}(z),

with two parameters, mu and log sigma. Fitting it with each direction shows the difference:

- forward KL(t ‖ s) = sum_k t_k log(t_k / s_k) is infinite-averse where t > 0 and s ≈ 0, so s must cover both
  peaks: **mass-covering** (a wide peak between them);
- reverse KL(s ‖ t) = sum_k s_k log(s_k / t_k) is infinite-averse where s > 0 and t ≈ 0, so s stays where the
  teacher has mass: **mode-seeking** (one peak).

Each fit starts from the best point of a grid over (mu, log sigma), then takes Adam steps with the gradient of
:func:`losslab.distill.kl_result` on the student's logits, carried to the two parameters by the chain rule:
dD/dmu = sum_k g_k (k - mu) / sigma², dD/dlog sigma = sum_k g_k (k - mu)² / sigma².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..training import Adam
from ._divergences import kl_result

__all__ = ["ModeFit", "ModeFits", "fit_modes"]

WHERE = "distill.fit_modes"


@dataclass(frozen=True)
class ModeFit:
    """One fitted student: its parameters, its distribution and both KLs to the teacher.

    ``peak_mass`` is the student's probability within ``window`` tokens of each teacher peak (in peak order).
    """

    direction: str
    mu: float
    sigma: float
    probs: np.ndarray
    kl_forward: float
    kl_reverse: float
    peak_mass: tuple[float, ...]


@dataclass(frozen=True)
class ModeFits:
    """The teacher, and the students fitted by forward and by reverse KL."""

    teacher: np.ndarray
    peaks: tuple[float, ...]
    window: float
    forward: ModeFit
    reverse: ModeFit

    def to_dict(self) -> dict[str, Any]:
        def one(f: ModeFit) -> dict[str, Any]:
            return {"direction": f.direction, "mu": f.mu, "sigma": f.sigma, "kl_forward": f.kl_forward,
                    "kl_reverse": f.kl_reverse, "peak_mass": list(f.peak_mass), "probs": f.probs}

        return {"teacher": self.teacher, "peaks": list(self.peaks), "window": self.window,
                "forward": one(self.forward), "reverse": one(self.reverse)}


def _logits(mu: float, log_sigma: float, k: np.ndarray) -> np.ndarray:
    return -((k - mu) ** 2) / (2.0 * np.exp(2.0 * log_sigma))


def _grid_start(log_t: np.ndarray, k: np.ndarray, direction: str) -> np.ndarray:
    """The best (mu, log sigma) on a grid: mu every half token, sigma from 0.5 to V/2 (all rows at once)."""
    v = k.size
    mus = np.arange(0.0, v - 0.5, 0.5)
    log_sigmas = np.linspace(np.log(0.5), np.log(v / 2.0), 24)
    mm, ll = np.meshgrid(mus, log_sigmas, indexing="ij")
    z = -((k[None, :] - mm.reshape(-1, 1)) ** 2) / (2.0 * np.exp(2.0 * ll.reshape(-1, 1)))
    teacher = np.broadcast_to(log_t, z.shape)
    rows = kl_result(teacher, z, direction=direction, from_logits=True).rows
    best = int(np.argmin(rows))
    return np.array([mm.reshape(-1)[best], ll.reshape(-1)[best]])


def _fit(log_t: np.ndarray, k: np.ndarray, direction: str, steps: int, lr: float) -> np.ndarray:
    theta = _grid_start(log_t, k, direction)
    opt = Adam(lr)
    for _ in range(steps):
        mu, log_sigma = theta
        r = kl_result(log_t, _logits(mu, log_sigma, k), direction=direction, from_logits=True)
        g = r.grad
        var = np.exp(2.0 * log_sigma)
        grad = np.array([np.sum(g * (k - mu)) / var, np.sum(g * (k - mu) ** 2) / var])
        opt.step(theta, grad)
    return theta


def _teacher(vocab: int, peaks: tuple[float, ...], width: float, weights: tuple[float, ...]) -> np.ndarray:
    k = np.arange(vocab, dtype=np.float64)
    bumps = [np.exp(-((k - p) ** 2) / (2 * width**2)) for p in peaks]
    t = np.sum([w * b / b.sum() for b, w in zip(bumps, weights, strict=True)], axis=0)
    return np.asarray(t / t.sum())


def fit_modes(*, vocab: int = 40, peaks: tuple[float, float] = (10.0, 30.0), width: float = 2.0,
              weights: tuple[float, float] = (0.55, 0.45), steps: int = 300, lr: float = 0.05) -> ModeFits:
    r"""Fit a one-peaked student to a two-peaked teacher with forward and with reverse KL.

    .. math::
        t_k \propto \sum_i w_i\, e^{-(k - p_i)^2 / (2 w^2)},\qquad
        \hat\theta_{\text{fwd}} = \arg\min_\theta \mathrm{KL}(t\,\|\,s_\theta),\qquad
        \hat\theta_{\text{rev}} = \arg\min_\theta \mathrm{KL}(s_\theta\,\|\,t)

    over the discretised Gaussians s_theta (theta = (mu, log sigma)) on tokens 0..vocab-1.

    Returns
    -------
    ModeFits
        The teacher and both fitted students (``mu``, ``sigma``, ``probs``, both KLs, and ``peak_mass``: the mass
        within ±2 ``width`` of each peak). Forward spreads over both peaks; reverse sits on one.

    Examples
    --------
    >>> from losslab import distill
    >>> m = distill.fit_modes()
    >>> m.reverse.peak_mass[0] > 0.9, min(m.forward.peak_mass) > 0.2
    (True, True)
    """
    if isinstance(vocab, bool) or not isinstance(vocab, int) or vocab < 3:
        raise LossInputError(WHERE, "vocab", "an integer >= 3", repr(vocab))
    if len(peaks) != 2 or not all(0 <= p <= vocab - 1 for p in peaks) or peaks[0] == peaks[1]:
        raise LossInputError(WHERE, "peaks", f"two different positions in [0, {vocab - 1}]", repr(peaks))
    if not (isinstance(width, int | float) and width > 0):
        raise LossInputError(WHERE, "width", "a positive number", repr(width))
    if len(weights) != 2 or not all(w > 0 for w in weights):
        raise LossInputError(WHERE, "weights", "two positive weights", repr(weights))
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise LossInputError(WHERE, "steps", "an integer >= 0", repr(steps))
    t = _teacher(vocab, tuple(float(p) for p in peaks), float(width), tuple(float(w) for w in weights))
    log_t = np.log(t)
    k = np.arange(vocab, dtype=np.float64)
    window = 2.0 * float(width)
    fits = {}
    for direction in ("forward", "reverse"):
        mu, log_sigma = _fit(log_t, k, direction, steps, lr)
        z = _logits(mu, log_sigma, k)
        s = np.exp(z - z.max())
        s /= s.sum()
        near = tuple(float(s[np.abs(k - p) <= window].sum()) for p in peaks)
        fits[direction] = ModeFit(
            direction=direction, mu=float(mu), sigma=float(np.exp(log_sigma)), probs=s,
            kl_forward=kl_result(log_t, z, from_logits=True).value,
            kl_reverse=kl_result(log_t, z, direction="reverse", from_logits=True).value, peak_mass=near)
    return ModeFits(teacher=t, peaks=tuple(float(p) for p in peaks), window=window, forward=fits["forward"],
                    reverse=fits["reverse"])
