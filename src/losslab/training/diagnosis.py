"""Reading the learning curves: what went wrong (or right), from which epoch, how sure, and what to try.

:func:`diagnose` looks at a :class:`~losslab.training.History` and reports findings, most serious first:

==================  ========================================================================================
``divergence``      the loss became NaN / infinite, or exploded far above its lowest value
``collapse``        the accuracy fell to one fixed value (every example given the same class) while the
                    training loss stays at or above the loss of a model that ignores the features
``oscillation``     the training loss zig-zags up and down by large amounts (learning rate too high)
``overfitting``     the validation loss rose beyond its noise band while the training loss kept falling
``plateau``         the loss stood still for a long stretch: stalled (tiny updates) or later escaped
``underfitting``    the curves are flat far below what these data allow (a k-nearest-neighbours reference,
                    when :class:`~losslab.training.facts.RunFacts` give one), else near the loss of a model
                    that ignores the features
``still_improving`` nothing wrong, but the loss was still falling when training stopped
``healthy``         none of the above, beyond the noise
``too_short``       too few epochs to judge (fewer than 5; or fewer than two windows, 10 epochs, and no warning)
``dead_units``      (beside the verdict, from the model) ReLU units that output 0 on every training row
==================  ========================================================================================

Each finding says how sure it is (``certainty``: ``high``, ``moderate`` or ``low``, with the reason in words).

How signal is told from noise
-----------------------------
The rules compare *window means*, not single epochs. A window is a tenth of the run, at least 5 epochs
(:func:`window`); the lowest stretch of the validation loss is the lowest mean of ``best_stretch`` (5) consecutive
epochs, never one noisy minimum. The noise band of a curve is ``±2 s``, where ``s`` is the standard deviation of
its residuals about a straight line over the last window (:func:`noise_band`): the run's own scatter. A warning
needs its evidence in the last *two* windows (it must persist), and :func:`_held` replays the rules at fixed
:func:`checkpoints` (every epoch up to 40, every 5th up to 200, coarser later) so that a finding starts only at a
checkpoint with its full evidence and stays until its evidence falls below about half of that (hysteresis): a
curve flat within its noise does not flip the verdict.

Every number in a message is quoted to 4 significant digits and says what it is (which epochs a mean covers);
every percentage is computed from exactly the two quoted numbers beside it.

What the history cannot show comes as :class:`~losslab.training.facts.RunFacts` (``Run.diagnose`` reads them
from the model and the data): the dead ReLU units, and what a k-nearest-neighbours predictor reaches on the same
validation rows. Without them (``diagnose(history)`` alone), ``underfitting`` compares with the trivial baseline
(``history.baseline``) and says so, and dead units are not counted.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import texts as T
from ._common import jsonable
from .facts import RunFacts
from .history import History

__all__ = ["CODES", "Diagnosis", "Finding", "Thresholds", "checkpoints", "diagnose", "noise_band", "noise_sd", "round4",
           "window"]

CODES: tuple[str, ...] = ("divergence", "collapse", "oscillation", "overfitting", "plateau", "underfitting",
                          "still_improving", "healthy", "too_short", "dead_units")
SEVERITY: dict[str, str] = {"divergence": "error", "collapse": "error", "oscillation": "warning",
                            "overfitting": "warning", "plateau": "warning", "underfitting": "warning",
                            "still_improving": "info", "healthy": "ok", "too_short": "info", "dead_units": "warning"}
CERTAINTY: tuple[str, ...] = ("high", "moderate", "low")
_TINY = 1e-12


@dataclass(frozen=True)
class Thresholds:
    """The numbers behind the rules (relative changes are fractions: 0.1 is 10%).

    Attributes
    ----------
    min_epochs : int
        Fewer epochs than this give ``too_short`` (divergence is still reported).
    explode : float
        Divergence when the training loss ends more than ``explode`` times its own scale above its minimum.
    collapse_drop : float
        Collapse: the accuracy fell by at least this (0.1 = 10 points) from its best and stays at one value over
        the last window ...
    collapse_loss : float
        ... while the mean training loss over that window is at least this share of the baseline.
    zigzag_step : float
        Oscillation, in a window of epoch-to-epoch changes: the median change is at least this share of the
        window's mean level ...
    zigzag_alternation : float
        ... at least this share of consecutive changes flip direction ...
    zigzag_rise_share : float
        ... the rises add up to at least this share of the falls ...
    zigzag_progress : float
        ... and the median change is at least this share of how far the loss has fallen since epoch 0; two
        consecutive windows must show it.
    zigzag_spike : float
        Oscillation also when, at least twice, the training loss jumps up in one epoch by this share of its level
        (0.5: to 1.5 times) ...
    zigzag_spike_share : float
        ... and by at least this share of its whole fall (from epoch 0 to its lowest value).
    overfit_rise : float
        Overfitting: the mean validation loss of the last window is at least this much above its lowest stretch,
        relative, and above it by more than the noise band, in each of the last two windows ...
    overfit_rise_baseline : float
        ... and by at least this share of the baseline loss (so that tiny losses do not trigger it).
    overfit_min_epochs : int
        Kept for compatibility (the two-window persistence replaces it).
    best_stretch : int
        The length of the stretch whose mean is the validation loss's lowest level.
    plateau_length : float
        Plateau: a flat stretch spans at least this share of the epochs (and at least 5 epochs).
    plateau_band : float
        An escaped plateau: the stretch stays within a band of this share of the run's whole fall ...
    plateau_escape : float
        ... and afterwards the loss falls by at least this share of the whole fall.
    stall_band : float
        A stalled plateau: over the last stretch the loss varies by less than this, relative ...
    stall_update : float
        ... the parameters move less than this per epoch (``update_ratio``) ...
    high : float
        Underfitting: the mean training and validation loss of the last window at least this share of the
        baseline ...
    tail_flat : float
        ... while the last two windows' means differ by no more than the noise band or this share, relative.
    still_improving : float
        The mean training loss of the last window is below that of the window before by at least this,
        relative, and by more than the noise band ...
    still_improving_share : float
        ... and by at least this share of the whole fall since epoch 0.
    reach_gap_accuracy, reach_gap_r2 : float
        Underfitting against the reference: the mean validation accuracy (R²) of the last window falls short of
        the k-nearest-neighbours reference by at least this (0.1 = 10 points), and by more than its noise band.
    dead_share : float
        Dead units are reported when at least this share of a hidden layer's units are dead.
    """

    min_epochs: int = 5
    explode: float = 10.0
    collapse_drop: float = 0.1
    collapse_loss: float = 0.95
    zigzag_step: float = 0.05
    zigzag_alternation: float = 0.5
    zigzag_rise_share: float = 0.3
    zigzag_progress: float = 0.05
    zigzag_spike: float = 0.5
    zigzag_spike_share: float = 0.25
    overfit_rise: float = 0.1
    overfit_rise_baseline: float = 0.02
    overfit_min_epochs: int = 3
    best_stretch: int = 5
    plateau_length: float = 0.1
    plateau_band: float = 0.05
    plateau_escape: float = 0.25
    stall_band: float = 0.01
    stall_update: float = 1e-4
    high: float = 0.8
    tail_flat: float = 0.05
    still_improving: float = 0.05
    still_improving_share: float = 0.1
    reach_gap_accuracy: float = 0.1
    reach_gap_r2: float = 0.15
    dead_share: float = 0.25


@dataclass(frozen=True)
class Finding:
    """One thing the curves show.

    Attributes
    ----------
    code : str
        One of :data:`CODES`.
    epoch : int or None
        The epoch where it starts (1-based), None when it has no start (``too_short``).
    severity : {"error", "warning", "info", "ok"}
    title, message : str
        In the diagnosis's language; the message quotes the numbers.
    advice : tuple of str
        What to try, most useful first.
    evidence : mapping
        The numbers the rule used (JSON-ready).
    certainty : {"high", "moderate", "low"}
        How sure the finding is; ``certainty_note`` says why, in the diagnosis's language.
    """

    code: str
    epoch: int | None
    severity: str
    title: str
    message: str
    advice: tuple[str, ...]
    evidence: Mapping[str, Any] = field(default_factory=dict)
    certainty: str = "moderate"
    certainty_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"code": self.code, "epoch": self.epoch, "severity": self.severity, "title": self.title,
                         "message": self.message, "advice": list(self.advice), "evidence": dict(self.evidence),
                         "certainty": self.certainty, "certainty_note": self.certainty_note})


@dataclass(frozen=True)
class Diagnosis:
    """The findings about one run, most serious first (there is always at least one)."""

    findings: tuple[Finding, ...]
    lang: str

    @property
    def primary(self) -> Finding:
        return self.findings[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def healthy(self) -> bool:
        """True when nothing went wrong (``healthy`` or ``still_improving``)."""
        return all(f.severity in ("ok", "info") for f in self.findings) and "too_short" not in self.codes

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "primary": self.primary.code, "healthy": self.healthy,
                "findings": [f.to_dict() for f in self.findings]}

    def to_text(self) -> str:
        """Plain text: each finding's title, epoch, message and advice."""
        lines = []
        for f in self.findings:
            where = "" if f.epoch is None else " — " + T.ui("from_epoch", self.lang, epoch=f.epoch)
            lines.append(f"{f.title}{where}")
            lines.append(f"  {f.message}")
            if f.certainty_note:
                lines.append(f"  {f.certainty_note}")
            lines.extend(f"  - {a}" for a in f.advice)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


# ------------------------------------------------------------------------------------------ the run, windowed
@dataclass(frozen=True)
class _Curves:
    """The columns the rules read, cut at some epoch (the rules see the run as it was then)."""

    t: np.ndarray                 # training loss, epochs 1..n
    v: np.ndarray                 # validation loss (NaN without a validation part)
    acc: np.ndarray               # validation accuracy (training accuracy without a validation part; NaN if none)
    acc_key: str                  # which accuracy
    rmse: np.ndarray              # validation RMSE in the target's units (NaN for classes or without validation)
    ratio: np.ndarray             # update_ratio
    start: float                  # training loss before the first step (epoch 0)
    base: float
    base_val: float
    has_val: bool
    restored_best: bool

    @classmethod
    def of(cls, h: History) -> _Curves:
        t, v = h.column("train_loss"), h.column("val_loss")
        key = "val_accuracy" if h.has_validation else "train_accuracy"
        start = h.initial.get("train_loss")
        return cls(t=t, v=v, acc=h.column(key), acc_key=key, rmse=h.column("val_rmse"), ratio=h.column("update_ratio"),
                   start=float(start) if start is not None and math.isfinite(start) else float(t[0]),
                   base=float(h.baseline.get("train_loss", math.nan)),
                   base_val=float(h.baseline.get("val_loss", math.nan)), has_val=h.has_validation,
                   restored_best=h.restored_best)

    def upto(self, m: int) -> _Curves:
        return _Curves(self.t[:m], self.v[:m], self.acc[:m], self.acc_key, self.rmse[:m], self.ratio[:m],
                       self.start, self.base, self.base_val, self.has_val, self.restored_best)

    @property
    def n(self) -> int:
        return len(self.t)


def window(n: int) -> int:
    """The length of the windows the rules compare: a tenth of the run, at least 5 epochs."""
    return max(5, math.ceil(n / 10))


def round4(x: float) -> float:
    """A number as the messages quote it (4 significant digits); percentages are computed from these."""
    return float(f"{x:.4g}") if math.isfinite(x) else x


def noise_sd(x: np.ndarray) -> float:
    """The scatter of a curve over a window: the standard deviation of its residuals about a straight line
    (least squares, ``n - 2`` degrees of freedom)."""
    n = len(x)
    if n < 3:
        return 0.0
    i = np.arange(n, dtype=np.float64) - (n - 1) / 2
    xc = x - x.mean()
    sii = float(i @ i)
    ss = float(xc @ xc) - float(i @ xc) ** 2 / sii
    return math.sqrt(max(ss, 0.0) / (n - 2))


def noise_band(x: np.ndarray) -> float:
    """± this much is noise: twice :func:`noise_sd` of the window, as quoted (4 significant digits)."""
    return round4(2 * noise_sd(x))


def _pct(a: float, b: float) -> float:
    """The change from ``a`` to ``b`` in percent of ``a``, from the numbers exactly as quoted."""
    a, b = round4(a), round4(b)
    return 100 * (b - a) / abs(a) if a != 0 else math.inf


def _scale(*values: float) -> float:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max([*finite, _TINY])


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x))


def checkpoints(n: int, min_epochs: int = 5, keep: int = 40) -> list[int]:
    """The epochs at which :func:`_held` replays the rules: every epoch up to 40, every 5th up to 200, then a
    spacing that doubles whenever the epoch count doubles. The set does not depend on ``n`` (only the last
    ``keep`` at or before ``n`` are used), so that the verdict at epoch n+1 replays what the verdict at n did."""
    out = list(range(min_epochs, min(n, 40) + 1))
    out += list(range(45, min(n, 200) + 1, 5))
    lo, step = 200, 10
    while lo < n:
        out += list(range(lo + step, min(n, 2 * lo) + 1, step))
        lo, step = 2 * lo, 2 * step
    return out[-keep:]


def _held(rule: Any, c: _Curves, th: Thresholds) -> dict[str, Any] | None:
    """Hysteresis: replay ``rule`` at fixed :func:`checkpoints`. A finding starts only where the rule fires with
    its full thresholds, and stays while it fires with relaxed ones (about half the evidence), so that a curve
    near a threshold does not flip the verdict from one epoch to the next. Between checkpoints the verdict does
    not change; the evidence is the latest that supports it."""
    held = False
    first: int | None = None
    evidence: dict[str, Any] | None = None
    for m in checkpoints(c.n, th.min_epochs):
        found = rule(c.upto(m), th, held)
        if found is not None and not held:
            first = m
        held = found is not None
        evidence = found
    if not held or evidence is None:
        return None
    now = rule(c, th, True)  # the same finding on every epoch so far, when it still holds there
    out = now if now is not None else evidence
    out["found_at"] = first
    return out


# -------------------------------------------------------------------------------------------------------- rules
def _divergence(h: History, t: np.ndarray, v: np.ndarray, base: float, th: Thresholds) -> dict[str, Any] | None:
    bad = ~np.isfinite(t) | (~np.isfinite(v) & h.has_validation)
    if h.stopped == "diverged" or bad.any():
        first = int(np.argmax(bad)) if bad.any() else len(t) - 1
        finite = t[:first]
        # the climb that ended in NaN began after the lowest point
        climbing = len(finite) >= 2 and finite[-1] > finite.min()
        onset = int(np.argmin(finite)) + 2 if climbing else first + 1
        return {"epoch": min(onset, first + 1), "kind": "nonfinite", "nonfinite_epoch": first + 1,
                "min_loss": float(np.min(finite)) if len(finite) else None}
    start = h.initial.get("train_loss")
    # the loss before training (epoch 0) counts: a run can explode in its very first epoch
    series = np.concatenate([[start], t]) if start is not None and math.isfinite(start) else np.concatenate(
        [[t[0]], t])
    low = int(np.argmin(series))
    ref = _scale(series[low], 0.1 * base)
    last = series[-1]
    if low < len(series) - 1 and last - series[low] > th.explode * ref and last >= 0.5 * series[low:].max():
        above = np.flatnonzero(series[low + 1:] > series[low] + ref) + low + 1
        onset = int(above[0]) if len(above) else low + 1
        return {"epoch": max(onset, 1), "kind": "exploding", "min_loss": float(series[low]), "min_epoch": low,
                "last_loss": float(last), "factor": float((last - series[low]) / ref)}
    return None


def _collapse(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w = c.n, window(c.n)
    if n <= w or not (math.isfinite(c.base) and c.base > 0) or not np.isfinite(c.acc).all():
        return None
    last = c.acc[-w:]
    if float(last.max() - last.min()) > 1e-12:  # a model that gives every example one class scores one value
        return None
    before = c.acc[:n - w]
    best = int(np.argmax(before))
    f = 0.5 if relaxed else 1.0
    loss_mean = _mean(c.t[-w:])
    floor = (0.9 if relaxed else 1.0) * th.collapse_loss * c.base
    if float(before[best] - last[-1]) < f * th.collapse_drop or loss_mean < floor:
        return None
    same = np.flatnonzero(np.abs(c.acc - last[-1]) > 1e-12)
    onset = int(same[-1]) + 2 if len(same) else 1
    return {"epoch": onset, "kind": "val" if c.acc_key == "val_accuracy" else "train", "last_epoch": n,
            "best_acc_pct": 100 * float(before[best]), "best_epoch": best + 1, "last_acc_pct": 100 * float(last[-1]),
            "last_from": n - w + 1, "last_mean": loss_mean, "baseline": c.base,
            "ratio_pct": 100 * round4(loss_mean) / round4(c.base)}


def _blocks(n_changes: int, w: int) -> list[tuple[int, int]]:
    """Blocks of ``w`` epoch-to-epoch changes, aligned to the end of the run, oldest first."""
    out = []
    hi = n_changes
    while hi - w >= 0:
        out.append((hi - w, hi))
        hi -= w
    return out[::-1]


def _oscillation(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    """The training loss zig-zags in consecutive windows, or jumps up sharply again and again.

    The validation loss is not read: on a small validation part its epoch-to-epoch scatter is noise, not a sign
    that the steps are too large."""
    found = _zigzag_blocks(c.t, c.start, th.zigzag_step, th, relaxed)
    if found is not None:
        found["kind"] = "zigzag"
        return found
    return _spikes(c, th, relaxed)


def _spikes(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    series = np.concatenate([[c.start], c.t])  # epoch 0 first
    if not np.isfinite(series).all() or len(series) < 3:
        return None
    low = float(series.min())
    fall = float(series[0]) - low
    if fall <= 0:
        return None
    d = np.diff(series)
    big = np.flatnonzero((d >= th.zigzag_spike * np.maximum(np.abs(series[:-1]), _TINY))
                         & (d >= th.zigzag_spike_share * fall))
    if len(big) < (1 if relaxed else 2):  # once is an accident; again and again is a finding
        return None
    k = int(big[np.argmax(d[big])])
    return {"epoch": int(big[0]) + 1, "until": int(big[-1]) + 1, "kind": "spikes", "spikes": len(big),
            "start_loss": float(series[0]), "low": low, "big_from": float(series[k]), "big_from_epoch": k,
            "big_to": float(series[k + 1]), "big_epoch": k + 1, "big_pct": _pct(series[k], series[k + 1])}


def _zigzag_blocks(x: np.ndarray, start: float, step: float, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n = len(x)
    w = window(n)
    if not np.isfinite(x).all() or n < 2 * w + 1:
        return None
    d = np.diff(x)
    f = 0.5 if relaxed else 1.0
    k = len(d) // w
    lo = len(d) - k * w + w * np.arange(k)  # blocks of w changes aligned to the end; block b: d[lo[b]:lo[b] + w]
    db = d[lo[0]:].reshape(k, w)
    idx = lo[:, None] + np.arange(w + 1)[None, :]
    level = x[idx].mean(axis=1)  # the mean of the w + 1 epochs a block's changes join
    jump = np.median(np.abs(db), axis=1)
    moving = np.abs(db) >= 0.1 * step * np.maximum(np.abs(level), _TINY)[:, None]
    pair = moving[:, 1:] & moving[:, :-1]  # consecutive changes that both move: does the direction flip?
    steps = pair.sum(axis=1)
    flips = (pair & (np.sign(db[:, 1:]) != np.sign(db[:, :-1]))).sum(axis=1)
    rises, falls = np.where(db > 0, db, 0).sum(axis=1), np.where(db < 0, -db, 0).sum(axis=1)
    fall_so_far = np.maximum(start - np.minimum.accumulate(x)[lo + w], 0.0)
    ok = ((steps >= 3) & (flips >= th.zigzag_alternation * steps) & (rises >= th.zigzag_rise_share * falls)
          & (jump >= f * step * np.abs(level)) & (jump >= f * th.zigzag_progress * fall_so_far))
    need = 1 if relaxed else 2  # it must persist: two consecutive windows (one, once found)
    runs: list[list[int]] = []
    for b in np.flatnonzero(ok):
        if runs and runs[-1][-1] == b - 1:
            runs[-1].append(int(b))
        else:
            runs.append([int(b)])
    runs = [r for r in runs if len(r) >= need]
    if not runs:
        return None
    shaky = [b for r in runs for b in r]
    top = max(shaky, key=lambda b: jump[b] / max(abs(level[b]), _TINY))
    return {"epoch": int(lo[runs[0][0]]) + 2, "until": int(lo[runs[-1][-1]]) + w + 1, "blocks": len(shaky),
            "window": w, "shown_from": int(lo[top]) + 1, "shown_to": int(lo[top]) + w + 1,
            "jump": float(jump[top]), "level": float(level[top]),
            "jump_pct": 100 * round4(float(jump[top])) / abs(round4(float(level[top]))), "flips": int(flips[top]),
            "steps": int(steps[top])}


def _overfitting(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w, s = c.n, window(c.n), th.best_stretch
    if not c.has_val or n < 2 * w + s or not np.isfinite(c.v).all():
        return None
    early = c.v[:n - 2 * w]
    cs = np.concatenate([[0.0], np.cumsum(early)])
    ma = (cs[s:] - cs[:-s]) / s
    j = int(np.argmin(ma))
    best_mean, prev_mean, last_mean = float(ma[j]), _mean(c.v[-2 * w:-w]), _mean(c.v[-w:])
    band = noise_band(c.v[-w:])
    f = 0.5 if relaxed else 1.0
    rise = round4(last_mean) - round4(best_mean)
    rise_pct = _pct(best_mean, last_mean)
    train_best, train_last = _mean(c.t[j:j + s]), _mean(c.t[-w:])
    base_ok = not math.isfinite(c.base_val) or rise >= f * th.overfit_rise_baseline * abs(c.base_val)
    if not (rise > f * band and round4(prev_mean) - round4(best_mean) > f * band
            and rise_pct >= f * 100 * th.overfit_rise and base_ok and train_last < train_best):
        return None
    best_epoch = j + int(np.argmin(c.v[j:j + s])) + 1
    # "clear": the rise is beyond the noise band now; "held": it was when found, and still is beyond half of it
    kind = "clear" if rise > band and round4(prev_mean) - round4(best_mean) > band else "held"
    return {"epoch": best_epoch + 1, "kind": kind, "best_epoch": best_epoch, "best_from": j + 1, "best_to": j + s,
            "best_mean": best_mean, "stretch": s, "prev_from": n - 2 * w + 1, "prev_to": n - w,
            "prev_mean": prev_mean, "last_from": n - w + 1, "last_to": n, "last_mean": last_mean, "window": w,
            "rise_pct": rise_pct, "band": band, "train_best_mean": train_best, "train_last_mean": train_last,
            "restored_best": c.restored_best}


def _underfitting(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    if not (math.isfinite(c.base) and c.base > 0):
        return None
    n, w = c.n, window(c.n)
    if n < 2 * w:
        return None
    last, prev = _mean(c.t[-w:]), _mean(c.t[-2 * w:-w])
    band = noise_band(c.t[-w:])
    loose = 2.0 if relaxed else 1.0  # once found, it stays while the curve is flat within twice the tolerance
    flat = abs(last - prev) <= loose * max(band, th.tail_flat * abs(last))
    high = th.high
    last_val = _mean(c.v[-w:]) if c.has_val else None
    high_val = last_val is None or not math.isfinite(c.base_val) or last_val >= high * c.base_val
    if not (flat and last >= high * c.base and high_val):
        return None
    level = max(abs(last), _TINY)
    outside = np.flatnonzero(np.abs(c.t - last) > max(band, th.tail_flat * level))
    onset = int(outside[-1]) + 2 if len(outside) else 1
    return {"epoch": min(onset, n), "last_from": n - w + 1, "last_to": n, "last_mean": last, "band": band,
            "baseline": c.base, "ratio_pct": 100 * round4(last) / round4(c.base), "last_val": last_val}


def _reach_score(c: _Curves, ref: Mapping[str, Any]) -> np.ndarray:
    """The run's validation score per epoch, in the reference's metric: accuracy, or R² = 1 − RMSE² / variance."""
    if ref["metric"] == "accuracy":
        return c.acc
    return 1.0 - c.rmse ** 2 / float(ref["val_var"])


def _underfitting_reach(c: _Curves, th: Thresholds, relaxed: bool, ref: Mapping[str, Any]) -> dict[str, Any] | None:
    """The curves are flat while the validation score stays far below what a k-nearest-neighbours predictor
    reaches on the same validation rows (:func:`~losslab.training.facts.reachable`)."""
    n, w = c.n, window(c.n)
    if n < 2 * w or not c.has_val:
        return None
    score = _reach_score(c, ref)
    if not np.isfinite(score[-2 * w:]).all() or not np.isfinite(c.t[-2 * w:]).all():
        return None
    last, prev = _mean(c.t[-w:]), _mean(c.t[-2 * w:-w])
    band = noise_band(c.t[-w:])
    loose = 2.0 if relaxed else 1.0
    flat = abs(last - prev) <= loose * max(band, th.tail_flat * abs(last))
    acc = ref["metric"] == "accuracy"
    scale = 100.0 if acc else 1.0  # accuracy is quoted in percent, R² as it is
    mine, theirs = scale * _mean(score[-w:]), scale * float(ref["score"])
    score_band = noise_band(scale * score[-w:])
    gap = (round(theirs, 1) - round(mine, 1)) if acc else (round4(theirs) - round4(mine))
    need = (0.5 if relaxed else 1.0) * scale * (th.reach_gap_accuracy if acc else th.reach_gap_r2)
    if not (flat and gap >= need and gap > score_band):
        return None
    level = max(abs(last), _TINY)
    outside = np.flatnonzero(np.abs(c.t - last) > max(band, th.tail_flat * level))
    onset = int(outside[-1]) + 2 if len(outside) else 1
    out: dict[str, Any] = {"epoch": min(onset, n), "kind": "accuracy" if acc else "r2", "last_from": n - w + 1,
                           "last_to": n, "prev_from": n - 2 * w + 1, "prev_to": n - w, "last_mean": last,
                           "prev_mean": prev, "band": band, "k": int(ref["k"]), "n_train": int(ref["n_train"]),
                           "n_val": int(ref["n_val"]), "gap_need": need, "sure": gap >= 2 * need}
    if acc:
        out.update(score_pct=mine, ref_pct=theirs, gap_pts=gap, band_pts=score_band)
    else:
        out.update(score_r2=mine, ref_r2=theirs, gap_r2=gap, band_r2=score_band)
    return out


def _dead(dead: Mapping[str, Any] | None, th: Thresholds) -> dict[str, Any] | None:
    """Hidden layers in which at least ``dead_share`` of the ReLU units output 0 on every training row."""
    if not dead:
        return None
    layers = [dict(x) for x in dead["layers"] if x["dead"] and x["dead"] >= th.dead_share * x["units"]]
    if not layers:
        return None
    worst = max(layers, key=lambda x: x["dead"] / x["units"])
    return {"epoch": None, "kind": "all" if worst["dead"] == worst["units"] else "some", "rows": dead["rows"],
            "layer": worst["layer"], "dead": worst["dead"], "units": worst["units"],
            "dead_pct": 100 * worst["dead"] / worst["units"], "layers": layers,
            "total_dead": sum(x["dead"] for x in dead["layers"]),
            "total_units": sum(x["units"] for x in dead["layers"])}


def _still_improving(c: _Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w = c.n, window(c.n)
    if n < 2 * w:
        return None
    prev, last = _mean(c.t[-2 * w:-w]), _mean(c.t[-w:])
    band = noise_band(c.t[-w:])
    f = 0.5 if relaxed else 1.0
    drop_pct = -_pct(prev, last)
    drop = round4(prev) - round4(last)
    share = drop / max(c.start - last, _TINY)
    if drop_pct >= f * 100 * th.still_improving and drop > f * band and share >= f * th.still_improving_share:
        return {"epoch": n, "prev_from": n - 2 * w + 1, "prev_to": n - w, "prev_mean": prev, "last_from": n - w + 1,
                "last_to": n, "last_mean": last, "drop_pct": drop_pct, "band": band, "last_window": w}
    return None


def _healthy(c: _Curves) -> dict[str, Any]:
    n, w = c.n, min(window(c.n), c.n)
    t = c.t
    last = _mean(t[-w:])
    low = float(t.min())
    fall = c.start - low
    flat_from = int(np.argmax(t - low <= 0.1 * fall)) + 1 if fall > 0 else 1
    out = {"epoch": flat_from, "kind": "val" if c.has_val else "noval", "start_loss": c.start, "last_from": n - w + 1,
           "last_to": n, "last_mean": last, "drop_pct": -_pct(c.start, last), "band": noise_band(t[-w:])}
    if c.has_val:
        out.update(last_val=_mean(c.v[-w:]), val_band=noise_band(c.v[-w:]))
    return out


def _plateau(h: History, t: np.ndarray, base: float, th: Thresholds) -> dict[str, Any] | None:
    n = len(t)
    need = max(5, math.ceil(th.plateau_length * n))
    if n < need:
        return None
    start = h.initial.get("train_loss")
    top = max(float(t.max()), float(start) if start is not None and math.isfinite(start) else -math.inf)
    span = top - float(t.min())  # the whole fall of the run
    # escaped: a long stretch that stays within a small band of the whole fall, followed by a big further fall
    if span > 0:
        a = 0
        while a + need <= n:
            b, lo, hi = a, t[a], t[a]
            while b + 1 < n and max(hi, t[b + 1]) - min(lo, t[b + 1]) <= th.plateau_band * span:
                b += 1
                lo, hi = min(lo, t[b]), max(hi, t[b])
            if b - a + 1 >= need and b + 1 < n:
                level = float(np.mean(t[a:b + 1]))
                later = float(t[b + 1:].min())
                # a plateau is flat against what follows: a steady decline that merely fits in the band is not one
                rate = (float(t[a]) - float(t[b])) / (b - a)
                after = (float(t[b]) - later) / (int(np.argmin(t[b + 1:])) + 1)
                if level - later >= th.plateau_escape * span and rate <= 0.5 * after:
                    return {"epoch": a + 1, "kind": "escaped", "until": b + 1, "level": level, "later_min": later}
            a += max(1, (b - a) // 2)
    # stalled: at the end the loss has not moved, stays near the baseline, and the parameters barely move
    tail = t[-need:]
    moves = h.column("update_ratio")[-need:]
    moves = moves[np.isfinite(moves)]
    still = float(tail.max() - tail.min()) <= th.stall_band * _scale(float(tail.mean()))
    high = math.isfinite(base) and base > 0 and t[-1] >= 0.9 * base
    if still and high and len(moves) and float(np.median(moves)) < th.stall_update:
        ratio = h.column("update_ratio")
        moving = np.flatnonzero(~(ratio < th.stall_update))
        onset = int(moving[-1]) + 2 if len(moving) else 1
        return {"epoch": min(onset, n), "kind": "stalled", "until": n, "level": float(tail.mean()),
                "update_ratio": float(np.median(moves)), "baseline": base}
    return None


def _show(key: str, value: Any) -> Any:
    """A number as the messages quote it: percentages with one decimal, other floats with 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, float | np.floating):
        return value
    if key.endswith(("_acc_pct", "_pts")):
        return f"{value:.1f}"
    if key.endswith("_pct"):
        return f"{value:.1f}"
    return f"{value:.4g}"


def _certainty(code: str, ev: Mapping[str, Any], facts: RunFacts | None) -> str:
    """How sure a finding is, from how far its evidence lies beyond its thresholds (the reasons are in the texts,
    ``diagnosis.certainty.<code>_<level>``)."""
    kind = ev.get("kind")
    if code in ("divergence", "collapse", "dead_units") or (code == "plateau" and kind == "stalled"):
        return "high"
    if code == "too_short":
        return "low"
    if code == "oscillation":
        return "high" if max(ev.get("blocks", 0), ev.get("spikes", 0)) >= 3 else "moderate"
    if code == "overfitting":
        return "high" if kind == "clear" and ev["last_mean"] - ev["best_mean"] > 2 * ev["band"] else "moderate"
    if code == "underfitting":
        return "high" if ev.get("sure") else "moderate"
    if code == "healthy":
        return "high" if ev.get("kind") == "val" and facts is not None and facts.reference is not None else "moderate"
    return "moderate"


def _finding(code: str, evidence: dict[str, Any], lang: str, facts: RunFacts | None = None) -> Finding:
    fmt = {k: _show(k, v) for k, v in evidence.items()}
    kind = evidence.get("kind")
    key = f"diagnosis.{code}"
    message = T.get(f"{key}.message_{kind}" if kind else f"{key}.message", lang, **fmt)
    try:
        advice = T.items(f"{key}.advice_{kind}" if kind else f"{key}.advice", lang, **fmt)
    except KeyError:
        advice = T.items(f"{key}.advice", lang, **fmt)
    if code == "overfitting" and evidence.get("restored_best"):
        message += " " + T.get(f"{key}.restored", lang, **fmt)
    sure = _certainty(code, evidence, facts)
    severity = "info" if code == "dead_units" and kind == "some" else SEVERITY[code]
    return Finding(code=code, epoch=evidence.get("epoch"), severity=severity,
                   title=T.get(f"{key}.title", lang), message=message, advice=tuple(advice),
                   evidence=jsonable(evidence), certainty=sure,
                   certainty_note=T.get(f"diagnosis.certainty.{_certainty_key(code, evidence)}_{sure}", lang))


def _certainty_key(code: str, ev: Mapping[str, Any]) -> str:
    """Which reason the certainty note gives: the code, and for underfitting whether a reference was known."""
    return "underfitting_baseline" if code == "underfitting" and ev.get("kind") is None else code


def diagnose(history: History, lang: str | None = "en", *, thresholds: Thresholds | None = None,
             facts: RunFacts | None = None) -> Diagnosis:
    """Read a run's curves and say what they show, in ``lang`` ("en" or "ja").

    Parameters
    ----------
    history : History
        From :func:`~losslab.training.fit` (``run.history``).
    lang : str
        Language of the titles, messages and advice.
    thresholds : Thresholds, optional
        The numbers behind the rules.
    facts : RunFacts, optional
        What the history does not record (``Run.diagnose`` passes them): a reachable reference score, which
        ``underfitting`` is then judged against, and the dead ReLU units (a ``dead_units`` finding).

    Returns
    -------
    Diagnosis
        Findings most serious first; ``diagnosis.primary.code`` is the headline.

    Examples
    --------
    >>> from losslab.training import fit
    >>> run = fit("outliers", loss="mse", optimizer="sgd", lr=1.5, epochs=40, seed=0)
    >>> diagnose(run.history).primary.code
    'divergence'
    """
    th = thresholds or Thresholds()
    lang = T.normalize_lang(lang)
    findings = _verdict(history, th, facts, lang)
    dead = _dead(facts.dead if facts is not None else None, th)
    if dead is not None:
        findings.append(_finding("dead_units", dead, lang, facts))
    return Diagnosis(tuple(findings), lang)


def _verdict(history: History, th: Thresholds, facts: RunFacts | None, lang: str) -> list[Finding]:
    """The findings of the curves, most serious first (without dead units, which come from the model)."""
    t, v = history.column("train_loss"), history.column("val_loss")
    base = float(history.baseline.get("train_loss", math.nan))
    if len(t) == 0:
        return [_finding("too_short", {"epoch": None, "epochs": 0, "min_epochs": th.min_epochs}, lang)]
    found = _divergence(history, t, v, base, th)
    if found is not None:
        return [_finding("divergence", found, lang)]
    if len(t) < th.min_epochs:
        return [_finding("too_short", {"epoch": None, "epochs": len(t), "min_epochs": th.min_epochs}, lang)]
    c = _Curves.of(history)
    findings: list[Finding] = []
    collapse = _held(_collapse, c, th)
    if collapse is not None:
        findings.append(_finding("collapse", collapse, lang))
    zig = _held(_oscillation, c, th)
    if zig is not None:
        findings.append(_finding("oscillation", zig, lang))
    over = _held(_overfitting, c, th)
    if over is not None:
        findings.append(_finding("overfitting", over, lang))
    plateau = _plateau(history, t, base, th)
    if plateau is not None:
        findings.append(_finding("plateau", plateau, lang))
    if collapse is None and over is None and zig is None and (plateau is None or plateau["kind"] != "stalled"):
        ref = facts.reference if facts is not None else None
        if ref is not None and c.has_val:  # what these data allow is known: judge against it, not the baseline
            under = _held(functools.partial(_underfitting_reach, ref=ref), c, th)
        else:
            under = _held(_underfitting, c, th)
        if under is not None:
            findings.append(_finding("underfitting", under, lang))
    if not findings and c.n < 2 * window(c.n):  # "healthy" needs two windows to compare, like every warning
        return [_finding("too_short", {"epoch": None, "epochs": c.n, "min_epochs": 2 * window(c.n)}, lang)]
    if not findings:
        still = _held(_still_improving, c, th)
        findings.append(_finding("still_improving", still, lang) if still is not None
                        else _finding("healthy", _healthy(c), lang, facts))
    return findings
