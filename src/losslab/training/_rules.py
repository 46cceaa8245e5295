"""The rules of the diagnosis, one function per finding: each reads the windowed curves (:mod:`._curves`) and
returns the finding's evidence (numbers quoted in its message) or None. :mod:`losslab.training.diagnosis` runs them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._curves import TINY, Curves, Thresholds, mean_of, noise_band, pct, round4, scale_of, window
from .history import History


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
    ref = scale_of(series[low], 0.1 * base)
    last = series[-1]
    if low < len(series) - 1 and last - series[low] > th.explode * ref and last >= 0.5 * series[low:].max():
        above = np.flatnonzero(series[low + 1:] > series[low] + ref) + low + 1
        onset = int(above[0]) if len(above) else low + 1
        return {"epoch": max(onset, 1), "kind": "exploding", "min_loss": float(series[low]), "min_epoch": low,
                "last_loss": float(last), "factor": float((last - series[low]) / ref)}
    return None


def _collapse(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w = c.n, window(c.n)
    if n <= w or not (math.isfinite(c.base) and c.base > 0) or not np.isfinite(c.acc).all():
        return None
    last = c.acc[-w:]
    if float(last.max() - last.min()) > 1e-12:  # a model that gives every example one class scores one value
        return None
    before = c.acc[:n - w]
    best = int(np.argmax(before))
    f = 0.5 if relaxed else 1.0
    loss_mean = mean_of(c.t[-w:])
    floor = (0.9 if relaxed else 1.0) * th.collapse_loss * c.base
    if float(before[best] - last[-1]) < f * th.collapse_drop or loss_mean < floor:
        return None
    same = np.flatnonzero(np.abs(c.acc - last[-1]) > 1e-12)
    onset = int(same[-1]) + 2 if len(same) else 1
    return {"epoch": onset, "kind": "val" if c.acc_key == "val_accuracy" else "train", "last_epoch": n,
            "best_acc_pct": 100 * float(before[best]), "best_epoch": best + 1, "last_acc_pct": 100 * float(last[-1]),
            "last_from": n - w + 1, "last_mean": loss_mean, "baseline": c.base,
            "ratio_pct": 100 * round4(loss_mean) / round4(c.base)}


def _zigzag(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    """Oscillation: the training loss zig-zags in consecutive windows.

    The validation loss is not read by any oscillation rule: on a small validation part its epoch-to-epoch scatter
    is noise, not a sign that the steps are too large."""
    found = _zigzag_blocks(c.t, c.start, th.zigzag_step, th, relaxed)
    if found is not None:
        found["kind"] = "zigzag"
    return found


def _spikes(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    """Oscillation: the training loss jumps up sharply, again and again."""
    series = np.concatenate([[c.start], c.t])  # epoch 0 first
    if not np.isfinite(series).all() or len(series) < 3:
        return None
    low = float(series.min())
    fall = float(series[0]) - low
    if fall <= 0:
        return None
    d = np.diff(series)
    big = np.flatnonzero((d >= th.zigzag_spike * np.maximum(np.abs(series[:-1]), TINY))
                         & (d >= th.zigzag_spike_share * fall))
    if len(big) < (1 if relaxed else 2):  # once is an accident; again and again is a finding
        return None
    k = int(big[np.argmax(d[big])])
    return {"epoch": int(big[0]) + 1, "until": int(big[-1]) + 1, "kind": "spikes", "spikes": len(big),
            "start_loss": float(series[0]), "low": low, "big_from": float(series[k]), "big_from_epoch": k,
            "big_to": float(series[k + 1]), "big_epoch": k + 1, "big_pct": pct(series[k], series[k + 1])}


def _floor(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    """Oscillation: steps too large to settle. The training loss no longer improves, yet in the last
    ``floor_windows`` windows it jumps again and again far above its lowest value there, and already in its first
    descent (before it fell halfway) it rose. Minibatch jitter on a run that still improves, or that came down
    smoothly, is not this."""
    n, w, k = c.n, window(c.n), th.floor_windows
    series = np.concatenate([[c.start], c.t])  # epoch 0 first
    if n < k * w + 1 or not np.isfinite(series).all():
        return None
    f = 0.5 if relaxed else 1.0
    low = float(series.min())
    ref = c.base if math.isfinite(c.base) and c.base > 0 else float(series[0]) - low
    a = n - k * w  # the tail: epochs a + 1 .. n, k windows
    tail, before = c.t[a:], c.t[a - 1:n - 1]
    m = n // w  # windows aligned to the end of the run: is the last one lower than any before it?
    med = np.median(c.t[n - m * w:].reshape(m, w), axis=1)
    best = int(np.argmin(med[:-1]))
    if not ref > 0 or med[-1] < (1 - th.floor_progress / f) * med[best]:  # it still improves
        return None
    lo, ratio = int(np.argmin(tail)), 1 + f * (th.floor_jump - 1)
    up = (tail > before) & (tail >= ratio * tail[lo]) & (tail - tail[lo] >= f * th.floor_jump_base * ref)
    half = int(np.argmax(series <= series[0] - 0.5 * (series[0] - low)))  # the first epoch at half the fall
    rises = np.diff(series[:half + 1])
    if up.sum() < (1 if relaxed else 2) or not len(rises) or rises.max() < f * th.overshoot * ref:
        return None
    e, top = int(np.argmax(rises)), int(np.argmax(np.where(up, tail, -np.inf)))
    return {"epoch": a + int(np.flatnonzero(up)[0]) + 1, "until": n, "kind": "floor", "jumps": int(up.sum()),
            "jump_ratio": ratio, "tail_from": a + 1, "last_from": n - w + 1, "last_med": float(med[-1]),
            "best_from": n - (m - best) * w + 1, "best_to": n - (m - best - 1) * w, "best_med": float(med[best]),
            "floor": float(tail[lo]), "floor_epoch": a + lo + 1, "top": float(tail[top]), "top_epoch": a + top + 1,
            "top_pct": pct(tail[lo], tail[top]), "over_from": float(series[e]), "over_from_epoch": e,
            "over_to": float(series[e + 1]), "over_epoch": e + 1, "over_pct": pct(series[e], series[e + 1])}


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
    moving = np.abs(db) >= 0.1 * step * np.maximum(np.abs(level), TINY)[:, None]
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
    top = max(shaky, key=lambda b: jump[b] / max(abs(level[b]), TINY))
    return {"epoch": int(lo[runs[0][0]]) + 2, "until": int(lo[runs[-1][-1]]) + w + 1, "blocks": len(shaky),
            "window": w, "shown_from": int(lo[top]) + 1, "shown_to": int(lo[top]) + w + 1,
            "jump": float(jump[top]), "level": float(level[top]),
            "jump_pct": 100 * round4(float(jump[top])) / abs(round4(float(level[top]))), "flips": int(flips[top]),
            "steps": int(steps[top])}


# the kinds of oscillation, in the order they are reported; each is held on its own evidence (held)
OSCILLATION = (_zigzag, _spikes, _floor)


def _overfitting(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w, s = c.n, window(c.n), th.best_stretch
    if not c.has_val or n < 2 * w + s or not np.isfinite(c.v).all():
        return None
    early = c.v[:n - 2 * w]
    cs = np.concatenate([[0.0], np.cumsum(early)])
    ma = (cs[s:] - cs[:-s]) / s
    j = int(np.argmin(ma))
    best_mean, prev_mean, last_mean = float(ma[j]), mean_of(c.v[-2 * w:-w]), mean_of(c.v[-w:])
    band = noise_band(c.v[-w:])
    f = 0.5 if relaxed else 1.0
    rise = round4(last_mean) - round4(best_mean)
    rise_pct = pct(best_mean, last_mean)
    train_best, train_last = mean_of(c.t[j:j + s]), mean_of(c.t[-w:])
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


def _underfitting(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    if not (math.isfinite(c.base) and c.base > 0):
        return None
    n, w = c.n, window(c.n)
    if n < 2 * w:
        return None
    last, prev = mean_of(c.t[-w:]), mean_of(c.t[-2 * w:-w])
    band = noise_band(c.t[-w:])
    loose = 2.0 if relaxed else 1.0  # once found, it stays while the curve is flat within twice the tolerance
    flat = abs(last - prev) <= loose * max(band, th.tail_flat * abs(last))
    high = th.high
    last_val = mean_of(c.v[-w:]) if c.has_val else None
    high_val = last_val is None or not math.isfinite(c.base_val) or last_val >= high * c.base_val
    if not (flat and last >= high * c.base and high_val):
        return None
    level = max(abs(last), TINY)
    outside = np.flatnonzero(np.abs(c.t - last) > max(band, th.tail_flat * level))
    onset = int(outside[-1]) + 2 if len(outside) else 1
    return {"epoch": min(onset, n), "last_from": n - w + 1, "last_to": n, "last_mean": last, "band": band,
            "baseline": c.base, "ratio_pct": 100 * round4(last) / round4(c.base), "last_val": last_val}


def _reach_score(c: Curves, ref: Mapping[str, Any]) -> np.ndarray:
    """The run's validation score per epoch, in the reference's metric: accuracy, or R² = 1 − RMSE² / variance."""
    if ref["metric"] == "accuracy":
        return c.acc
    return 1.0 - c.rmse ** 2 / float(ref["val_var"])


def _underfitting_reach(c: Curves, th: Thresholds, relaxed: bool, ref: Mapping[str, Any]) -> dict[str, Any] | None:
    """The curves are flat while the validation score stays far below what a k-nearest-neighbours predictor
    reaches on the same validation rows (:func:`~losslab.training.facts.reachable`)."""
    n, w = c.n, window(c.n)
    if n < 2 * w or not c.has_val:
        return None
    score = _reach_score(c, ref)
    if not np.isfinite(score[-2 * w:]).all() or not np.isfinite(c.t[-2 * w:]).all():
        return None
    last, prev = mean_of(c.t[-w:]), mean_of(c.t[-2 * w:-w])
    band = noise_band(c.t[-w:])
    loose = 2.0 if relaxed else 1.0
    flat = abs(last - prev) <= loose * max(band, th.tail_flat * abs(last))
    acc = ref["metric"] == "accuracy"
    scale = 100.0 if acc else 1.0  # accuracy is quoted in percent, R² as it is
    mine, theirs = scale * mean_of(score[-w:]), scale * float(ref["score"])
    score_band = noise_band(scale * score[-w:])
    gap = (round(theirs, 1) - round(mine, 1)) if acc else (round4(theirs) - round4(mine))
    need = (0.5 if relaxed else 1.0) * scale * (th.reach_gap_accuracy if acc else th.reach_gap_r2)
    if not (flat and gap >= need and gap > score_band):
        return None
    level = max(abs(last), TINY)
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


def _still_improving(c: Curves, th: Thresholds, relaxed: bool) -> dict[str, Any] | None:
    n, w = c.n, window(c.n)
    if n < 2 * w:
        return None
    prev, last = mean_of(c.t[-2 * w:-w]), mean_of(c.t[-w:])
    band = noise_band(c.t[-w:])
    f = 0.5 if relaxed else 1.0
    drop_pct = -pct(prev, last)
    drop = round4(prev) - round4(last)
    share = drop / max(c.start - last, TINY)
    if drop_pct >= f * 100 * th.still_improving and drop > f * band and share >= f * th.still_improving_share:
        return {"epoch": n, "prev_from": n - 2 * w + 1, "prev_to": n - w, "prev_mean": prev, "last_from": n - w + 1,
                "last_to": n, "last_mean": last, "drop_pct": drop_pct, "band": band, "last_window": w}
    return None


def _healthy(c: Curves) -> dict[str, Any]:
    n, w = c.n, min(window(c.n), c.n)
    t = c.t
    last = mean_of(t[-w:])
    low = float(t.min())
    fall = c.start - low
    flat_from = int(np.argmax(t - low <= 0.1 * fall)) + 1 if fall > 0 else 1
    out = {"epoch": flat_from, "kind": "val" if c.has_val else "noval", "start_loss": c.start, "last_from": n - w + 1,
           "last_to": n, "last_mean": last, "drop_pct": -pct(c.start, last), "band": noise_band(t[-w:])}
    if c.has_val:
        out.update(last_val=mean_of(c.v[-w:]), val_band=noise_band(c.v[-w:]))
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
        x = t.tolist()  # the scan reads one epoch at a time: Python floats (the same doubles) are quicker to read
        while a + need <= n:
            b, lo, hi = a, x[a], x[a]
            while b + 1 < n and max(hi, x[b + 1]) - min(lo, x[b + 1]) <= th.plateau_band * span:
                b += 1
                lo, hi = min(lo, x[b]), max(hi, x[b])
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
    still = float(tail.max() - tail.min()) <= th.stall_band * scale_of(float(tail.mean()))
    high = math.isfinite(base) and base > 0 and t[-1] >= 0.9 * base
    if still and high and len(moves) and float(np.median(moves)) < th.stall_update:
        ratio = h.column("update_ratio")
        moving = np.flatnonzero(~(ratio < th.stall_update))
        onset = int(moving[-1]) + 2 if len(moving) else 1
        return {"epoch": min(onset, n), "kind": "stalled", "until": n, "level": float(tail.mean()),
                "update_ratio": float(np.median(moves)), "baseline": base}
    return None
