"""Reading the learning curves: what went wrong (or right), from which epoch, and what to try.

:func:`diagnose` looks at a :class:`~losslab.training.History` and reports findings, most serious first:

==================  ========================================================================================
``divergence``      the loss became NaN / infinite, or exploded far above its lowest value
``oscillation``     the training loss zig-zags up and down by large amounts (learning rate too high)
``overfitting``     the validation loss turned upward while the training loss kept falling
``plateau``         the loss stood still for a long stretch: stalled (tiny updates) or later escaped
``underfitting``    training and validation loss both stay high (near the trivial baseline) and flat
``still_improving`` nothing wrong, but the loss was still falling when training stopped
``healthy``         a sharp drop, then flattening, with validation following training
``too_short``       too few epochs to judge
==================  ========================================================================================

Every finding carries the epoch where it starts, the numbers it rests on (``evidence``) and advice, in English or
Japanese. The rules are plain comparisons with the thresholds of :class:`Thresholds`, documented in
``docs/training.md``; "high" means compared with the loss of a model that ignores the features
(``history.baseline``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import texts as T
from ._common import jsonable
from .history import History

__all__ = ["CODES", "Diagnosis", "Finding", "Thresholds", "diagnose"]

CODES: tuple[str, ...] = ("divergence", "oscillation", "overfitting", "plateau", "underfitting", "still_improving",
                          "healthy", "too_short")
SEVERITY: dict[str, str] = {"divergence": "error", "oscillation": "warning", "overfitting": "warning",
                            "plateau": "warning", "underfitting": "warning", "still_improving": "info",
                            "healthy": "ok", "too_short": "info"}
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
    zigzag_step : float
        Oscillation: the median epoch-to-epoch change of the training loss, relative to its level, is at least this.
    zigzag_alternation : float
        ... and at least this share of consecutive changes flip direction.
    zigzag_rise_share : float
        ... and the rises add up to at least this share of the falls.
    overfit_rise : float
        Overfitting: the (smoothed) validation loss ends at least this much above its minimum, relative ...
    overfit_rise_baseline : float
        ... and by at least this share of the baseline loss (so that tiny losses do not trigger it).
    overfit_min_epochs : int
        ... at least this many epochs after the minimum.
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
        Underfitting: training and validation loss at least this share of the baseline ...
    tail_flat : float
        ... while the last stretch of epochs varies by less than this, relative.
    still_improving : float
        The last stretch of epochs (a fifth of them) lowered the training loss by at least this, relative ...
    still_improving_share : float
        ... and by at least this share of the whole fall since epoch 0.
    """

    min_epochs: int = 5
    explode: float = 10.0
    zigzag_step: float = 0.05
    zigzag_alternation: float = 0.5
    zigzag_rise_share: float = 0.3
    overfit_rise: float = 0.1
    overfit_rise_baseline: float = 0.02
    overfit_min_epochs: int = 3
    plateau_length: float = 0.1
    plateau_band: float = 0.05
    plateau_escape: float = 0.25
    stall_band: float = 0.01
    stall_update: float = 1e-4
    high: float = 0.8
    tail_flat: float = 0.05
    still_improving: float = 0.05
    still_improving_share: float = 0.1


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
    """

    code: str
    epoch: int | None
    severity: str
    title: str
    message: str
    advice: tuple[str, ...]
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"code": self.code, "epoch": self.epoch, "severity": self.severity, "title": self.title,
                         "message": self.message, "advice": list(self.advice), "evidence": dict(self.evidence)})


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
            lines.extend(f"  - {a}" for a in f.advice)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


# -------------------------------------------------------------------------------------------------------- rules
def _smooth(x: np.ndarray, window: int = 3) -> np.ndarray:
    if len(x) < window:
        return x.copy()
    pad = window // 2
    padded = np.concatenate([np.repeat(x[:1], pad), x, np.repeat(x[-1:], pad)])
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def _scale(*values: float) -> float:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max([*finite, _TINY])


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


def _zigzag(x: np.ndarray, step: float, th: Thresholds) -> dict[str, Any] | None:
    d = np.diff(x)
    if len(d) < 4:
        return None
    level = np.maximum(np.abs(x[:-1]), _TINY)
    rel = np.abs(d) / level
    moving = d[rel >= 0.1 * step]
    if len(moving) < 4:
        return None
    alternation = float(np.mean(np.sign(moving[1:]) != np.sign(moving[:-1])))
    rises, falls = float(d[d > 0].sum()), float(-d[d < 0].sum())
    median_step = float(np.median(rel))
    if median_step >= step and alternation >= th.zigzag_alternation and rises >= th.zigzag_rise_share * falls:
        big_rises = np.flatnonzero((d > 0) & (rel >= step))
        onset = int(big_rises[0]) + 2 if len(big_rises) else 2
        return {"epoch": onset, "median_change_pct": 100 * median_step, "alternation_pct": 100 * alternation,
                "rise_share": rises / max(falls, _TINY)}
    return None


def _overfitting(h: History, t: np.ndarray, v: np.ndarray, base_val: float, th: Thresholds) -> dict[str, Any] | None:
    if not h.has_validation or len(v) < th.overfit_min_epochs + 2:
        return None
    vs = _smooth(v)
    best = int(np.argmin(vs))
    rise = float(vs[-1] - vs[best])
    rel = rise / _scale(vs[best])
    base_ok = not math.isfinite(base_val) or rise >= th.overfit_rise_baseline * abs(base_val)
    if (len(v) - 1 - best >= th.overfit_min_epochs and rel >= th.overfit_rise and base_ok
            and t[-1] <= t[best] and v[-1] - t[-1] > v[best] - t[best]):  # the gap between the curves widened
        return {"epoch": best + 2, "best_epoch": best + 1, "best_val": float(v[best]), "last_val": float(v[-1]),
                "rise_pct": 100 * rel, "train_at_best": float(t[best]), "last_train": float(t[-1]),
                "restored_best": h.restored_best}
    return None


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
                if level - later >= th.plateau_escape * span:
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


def _underfitting(h: History, t: np.ndarray, v: np.ndarray, base: float, base_val: float,
                  th: Thresholds) -> dict[str, Any] | None:
    if not (math.isfinite(base) and base > 0):
        return None
    n = len(t)
    tail = t[-max(5, math.ceil(0.2 * n)):]
    level = _scale(float(np.mean(tail)))
    flat = float(tail.max() - tail.min()) / level < th.tail_flat
    high_train = t[-1] >= th.high * base
    high_val = not h.has_validation or not math.isfinite(base_val) or v[-1] >= th.high * base_val
    if flat and high_train and high_val:
        band = np.abs(t - t[-1]) <= th.tail_flat * level
        outside = np.flatnonzero(~band)
        onset = int(outside[-1]) + 2 if len(outside) else 1
        return {"epoch": min(onset, n), "last_train": float(t[-1]), "baseline": base,
                "ratio_pct": 100 * float(t[-1]) / base,
                "last_val": float(v[-1]) if h.has_validation else None}
    return None


def _still_improving(h: History, t: np.ndarray, th: Thresholds) -> dict[str, Any] | None:
    n = len(t)
    w = max(3, math.ceil(0.2 * n))
    if n <= w:
        return None
    start = h.initial.get("train_loss")
    start = float(start) if start is not None and math.isfinite(start) else float(t[0])
    recent = float(t[-w - 1] - t[-1])
    drop = recent / _scale(float(t[-1]))
    share = recent / max(start - float(t[-1]), _TINY)  # the last stretch's part of the whole fall
    falling = float(np.mean(np.diff(t[-w - 1:]) < 0))
    if drop >= th.still_improving and share >= th.still_improving_share and falling >= 0.7:
        return {"epoch": n, "last_window": w, "drop_pct": 100 * drop, "share_pct": 100 * share}
    return None


def _healthy(h: History, t: np.ndarray) -> dict[str, Any]:
    start = h.initial.get("train_loss")
    start = float(start) if start is not None and math.isfinite(start) else float(t[0])
    low = float(t.min())
    drop = start - low
    if drop <= 0:
        return {"epoch": 1, "start_loss": start, "last_loss": float(t[-1]), "drop_pct": 0.0}
    flat_from = int(np.argmax(t - low <= 0.1 * drop)) + 1
    return {"epoch": flat_from, "start_loss": start, "last_loss": float(t[-1]),
            "drop_pct": 100 * drop / _scale(start)}


def _show(key: str, value: Any) -> Any:
    """A number as the messages quote it: percentages whole, other floats with 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, float | np.floating):
        return value
    if key.endswith("_pct"):
        return f"{value:.0f}"
    return f"{value:.4g}"


def _finding(code: str, evidence: dict[str, Any], lang: str) -> Finding:
    fmt = {k: _show(k, v) for k, v in evidence.items()}
    kind = evidence.get("kind")
    key = f"diagnosis.{code}"
    message = T.get(f"{key}.message_{kind}" if kind else f"{key}.message", lang, **fmt)
    advice = T.items(f"{key}.advice_{kind}" if kind else f"{key}.advice", lang, **fmt)
    if code == "overfitting" and evidence.get("restored_best"):
        message += " " + T.get(f"{key}.restored", lang, **fmt)
    return Finding(code=code, epoch=evidence.get("epoch"), severity=SEVERITY[code],
                   title=T.get(f"{key}.title", lang), message=message, advice=tuple(advice),
                   evidence=jsonable(evidence))


def diagnose(history: History, lang: str | None = "en", *, thresholds: Thresholds | None = None) -> Diagnosis:
    """Read a run's curves and say what they show, in ``lang`` ("en" or "ja").

    Parameters
    ----------
    history : History
        From :func:`~losslab.training.fit` (``run.history``).
    lang : str
        Language of the titles, messages and advice.
    thresholds : Thresholds, optional
        The numbers behind the rules.

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
    t, v = history.column("train_loss"), history.column("val_loss")
    base = float(history.baseline.get("train_loss", math.nan))
    base_val = float(history.baseline.get("val_loss", math.nan))
    if len(t) == 0:
        return Diagnosis((_finding("too_short", {"epoch": None, "epochs": 0, "min_epochs": th.min_epochs}, lang),),
                         lang)
    found = _divergence(history, t, v, base, th)
    if found is not None:
        return Diagnosis((_finding("divergence", found, lang),), lang)
    if len(t) < th.min_epochs:
        return Diagnosis((_finding("too_short", {"epoch": None, "epochs": len(t), "min_epochs": th.min_epochs},
                                   lang),), lang)
    findings: list[Finding] = []
    zig = _zigzag(t, th.zigzag_step, th)
    if zig is None and history.has_validation:
        zig = _zigzag(v, 2 * th.zigzag_step, th)
    if zig is not None:
        findings.append(_finding("oscillation", zig, lang))
    over = _overfitting(history, t, v, base_val, th)
    if over is not None:
        findings.append(_finding("overfitting", over, lang))
    plateau = _plateau(history, t, base, th)
    if plateau is not None:
        findings.append(_finding("plateau", plateau, lang))
    if over is None and zig is None and (plateau is None or plateau["kind"] != "stalled"):
        under = _underfitting(history, t, v, base, base_val, th)
        if under is not None:
            findings.append(_finding("underfitting", under, lang))
    if not findings:
        still = _still_improving(history, t, th)
        findings.append(_finding("still_improving", still, lang) if still is not None
                        else _finding("healthy", _healthy(history, t), lang))
    return Diagnosis(tuple(findings), lang)
