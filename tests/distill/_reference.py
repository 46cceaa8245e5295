"""A 50-digit mpmath reference for the distillation divergences, written from the definitions only.

Each function takes teacher and student logits (lists of rows) and returns the mean over rows; gradients come from
``mpmath.diff`` on these values, never from the analytic formulas of ``losslab.distill``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath

DPS = 50
Rows = Sequence[Sequence[float]]


def soften(z: Sequence[mpmath.mpf], temperature: mpmath.mpf) -> list[mpmath.mpf]:
    e = [mpmath.exp(x / temperature) for x in z]
    total = mpmath.fsum(e)
    return [x / total for x in e]


def kl(p: Sequence[mpmath.mpf], q: Sequence[mpmath.mpf]) -> mpmath.mpf:
    """KL(p || q) with 0 log 0 = 0."""
    return mpmath.fsum(a * mpmath.log(a / b) for a, b in zip(p, q, strict=True) if a != 0)


def divergence(name: str, t: list[mpmath.mpf], s: list[mpmath.mpf], beta: float = 0.5,
               normalize: bool = True) -> mpmath.mpf:
    if name == "forward":
        return kl(t, s)
    if name == "reverse":
        return kl(s, t)
    if name == "tv":
        return mpmath.fsum(abs(a - b) for a, b in zip(t, s, strict=True)) / 2
    b = mpmath.mpf(beta)
    m = [b * a + (1 - b) * c for a, c in zip(t, s, strict=True)]
    raw = b * kl(t, m) + (1 - b) * kl(s, m)
    return raw / (b * (1 - b)) if normalize else raw


def value(name: str, teacher: Rows, student: Rows, temperature: float = 1.0, scale_t2: bool = False,
          **kwargs: float | bool) -> float:
    with mpmath.workdps(DPS):
        return float(_value_mp(name, teacher, student, temperature, scale_t2, **kwargs)(None, 0, 0))


def _value_mp(name: str, teacher: Rows, student: Rows, temperature: float, scale_t2: bool,
              **kwargs: float | bool) -> Callable[[mpmath.mpf | None, int, int], mpmath.mpf]:
    T = mpmath.mpf(temperature)

    def f(x: mpmath.mpf | None, row: int, col: int) -> mpmath.mpf:
        total = mpmath.mpf(0)
        for i, (a, z) in enumerate(zip(teacher, student, strict=True)):
            zz = [mpmath.mpf(float(v)) for v in z]
            if x is not None and i == row:
                zz[col] = x
            t = soften([mpmath.mpf(float(v)) for v in a], T)
            total += divergence(name, t, soften(zz, T), **kwargs)  # type: ignore[arg-type]
        out = total / len(student)
        return out * T * T if scale_t2 else out

    return f


def grad(name: str, teacher: Rows, student: Rows, temperature: float = 1.0, scale_t2: bool = False,
         **kwargs: float | bool) -> list[list[float]]:
    """d value / d student logit, by mpmath's numerical differentiation at 50 digits."""
    with mpmath.workdps(DPS):
        f = _value_mp(name, teacher, student, temperature, scale_t2, **kwargs)
        return [[float(mpmath.diff(lambda x, i=i, j=j: f(x, i, j), mpmath.mpf(float(student[i][j]))))
                 for j in range(len(student[i]))] for i in range(len(student))]
