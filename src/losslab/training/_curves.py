"""The curves of a run as the diagnosis reads them: windows, window means, the noise band, checkpoints, and the
thresholds of every rule (:class:`Thresholds`). See :mod:`losslab.training.diagnosis` for how they are used."""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .history import History

__all__ = ["TINY", "Curves", "DiagnosisMemo", "Thresholds", "checkpoints", "held", "mean_of", "noise_band",
           "noise_sd", "pct", "round4", "scale_of", "window"]

TINY = 1e-12


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
    floor_windows : int
        Oscillation also when, over the last this many windows, the training loss no longer improves ...
    floor_progress : float
        ... (the median of the last window is not below the lowest median of the windows before by this share) ...
    floor_jump : float
        ... yet at least twice it jumps up to this many times its lowest value there ...
    floor_jump_base : float
        ... and by at least this share of the baseline loss (of the whole fall when there is no baseline) ...
    overshoot : float
        ... and in its first descent (before it fell halfway) it already rose in one epoch by at least this share
        of the baseline (of the whole fall): steps too large from the start that never settle.
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
    floor_windows: int = 4
    floor_progress: float = 0.1
    floor_jump: float = 3.0
    floor_jump_base: float = 0.1
    overshoot: float = 0.1
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


# ------------------------------------------------------------------------------------------ the run, windowed
@dataclass(frozen=True)
class Curves:
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
    def of(cls, h: History) -> Curves:
        t, v = h.column("train_loss"), h.column("val_loss")
        key = "val_accuracy" if h.has_validation else "train_accuracy"
        start = h.initial.get("train_loss")
        return cls(t=t, v=v, acc=h.column(key), acc_key=key, rmse=h.column("val_rmse"), ratio=h.column("update_ratio"),
                   start=float(start) if start is not None and math.isfinite(start) else float(t[0]),
                   base=float(h.baseline.get("train_loss", math.nan)),
                   base_val=float(h.baseline.get("val_loss", math.nan)), has_val=h.has_validation,
                   restored_best=h.restored_best)

    def upto(self, m: int) -> Curves:
        return Curves(self.t[:m], self.v[:m], self.acc[:m], self.acc_key, self.rmse[:m], self.ratio[:m],
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


def pct(a: float, b: float) -> float:
    """The change from ``a`` to ``b`` in percent of ``a``, from the numbers exactly as quoted."""
    a, b = round4(a), round4(b)
    return 100 * (b - a) / abs(a) if a != 0 else math.inf


def scale_of(*values: float) -> float:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max([*finite, TINY])


def mean_of(x: np.ndarray) -> float:
    return float(np.mean(x))


def checkpoints(n: int, min_epochs: int = 5, keep: int = 40) -> list[int]:
    """The epochs at which :func:`held` replays the rules: every epoch up to 40, every 5th up to 200, then a
    spacing that doubles whenever the epoch count doubles. The set does not depend on ``n`` (only the last
    ``keep`` at or before ``n`` are used), so that the verdict at epoch n+1 replays what the verdict at n did."""
    out = list(range(min_epochs, min(n, 40) + 1))
    out += list(range(45, min(n, 200) + 1, 5))
    lo, step = 200, 10
    while lo < n:
        out += list(range(lo + step, min(n, 2 * lo) + 1, step))
        lo, step = 2 * lo, 2 * step
    return out[-keep:]


def held(rule: Any, c: Curves, th: Thresholds, memo: DiagnosisMemo | None = None,
         key: Hashable | None = None) -> dict[str, Any] | None:
    """Hysteresis: replay ``rule`` at fixed :func:`checkpoints`. A finding starts only where the rule fires with
    its full thresholds, and stays while it fires with relaxed ones (about half the evidence), so that a curve
    near a threshold does not flip the verdict from one epoch to the next. Between checkpoints the verdict does
    not change; the evidence is the latest that supports it.

    ``memo`` (a :class:`DiagnosisMemo` being read for ``c``) remembers the rule's answer at each checkpoint under
    ``key`` (the rule itself when None; a ``functools.partial`` needs a key naming its arguments, else it is not
    remembered): a rule reads only the curves up to the checkpoint, so a longer run gives the same answers there.
    """
    if memo is not None and key is None and not isinstance(rule, functools.partial):
        key = rule
    remember = memo is not None and key is not None

    def ask(m: int | None, relaxed: bool) -> dict[str, Any] | None:
        if remember:
            assert memo is not None
            return memo.recall((key, c.n if m is None else m, relaxed),
                               lambda: rule(c if m is None else c.upto(m), th, relaxed))
        return rule(c if m is None else c.upto(m), th, relaxed)

    held = False
    first: int | None = None
    evidence: dict[str, Any] | None = None
    for m in checkpoints(c.n, th.min_epochs):
        found = ask(m, held)
        if found is not None and not held:
            first = m
        held = found is not None
        evidence = found
    if not held or evidence is None:
        return None
    now = ask(None, True)  # the same finding on every epoch so far, when it still holds there
    out = dict(now if now is not None else evidence)  # a copy: the remembered evidence stays as the rule gave it
    out["found_at"] = first
    return out


# ------------------------------------------------------------------------------------------------ the memo
class DiagnosisMemo:
    """What :func:`held` found at each checkpoint of one run, kept between two diagnoses of that run.

    A live run is diagnosed again and again while its history grows (the lab: once a second while it plays), and
    each diagnosis replays every rule at up to 40 checkpoints. Records only grow, and a rule at a checkpoint reads
    only the curves up to it, so its answer there never changes: the memo keeps it, keyed by rule, checkpoint and
    hysteresis state, and the next diagnosis computes only what is new. The findings are the same, number for
    number, as without a memo.

    A memo never outlives the history it was built for: each diagnosis first checks that its curves continue the
    ones the memo saw (the same values, bit for bit, on every epoch the memo has seen; the same epoch 0, baselines,
    thresholds and kind of run) and forgets everything otherwise (a reset, a new run, a shorter history). Keep one
    per run and pass it as ``diagnose(history, memo=...)``; it is safe to share between threads (one diagnosis
    reads it at a time).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: Curves | None = None
        self._th: Thresholds | None = None
        self._found: dict[Hashable, dict[str, Any] | None] = {}

    def __len__(self) -> int:
        """How many answers it holds."""
        return len(self._found)

    def clear(self) -> None:
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self._found = {}
        self._seen = None
        self._th = None

    @contextmanager
    def reading(self, c: Curves, th: Thresholds) -> Iterator[DiagnosisMemo]:
        """Read (and fill) the memo for the curves ``c``; what it holds for other curves is forgotten first."""
        with self._lock:
            if not self._continues(c, th):
                self._forget()
            self._seen, self._th = c, th
            yield self

    def recall(self, key: Hashable, compute: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
        """The answer remembered under ``key``, computed (and remembered) the first time. Only inside
        :meth:`reading`."""
        try:
            return self._found[key]
        except KeyError:
            found = self._found[key] = compute()
            return found

    def _continues(self, c: Curves, th: Thresholds) -> bool:
        old = self._seen
        if old is None or self._th != th or c.n < old.n:
            return False
        for f in fields(Curves):  # the columns, and every number and flag beside them
            was, now = getattr(old, f.name), getattr(c, f.name)
            if isinstance(was, np.ndarray):
                if was.tobytes() != np.ascontiguousarray(now[:old.n]).tobytes():
                    return False
            elif not _same(was, now):
                return False
        return True


def _same(a: Any, b: Any) -> bool:
    """Equal, and for floats the very same number (NaN is NaN; -0.0 is not 0.0)."""
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and np.float64(a).tobytes() == np.float64(b).tobytes()
    return bool(a == b) and type(a) is type(b)
