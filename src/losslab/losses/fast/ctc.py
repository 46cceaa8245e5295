"""The CTC forward–backward recursion in log space, vectorized over the batch and the extended label sequence.

The extended sequence of a target ``y_1 .. y_S`` is ``l' = (blank, y_1, blank, y_2, ..., y_S, blank)``, L = 2S + 1
states. ``alpha_t(s)`` is the log-probability of all alignment prefixes that sit in state s at frame t (frame t's
own log-probability included), ``beta_t(s)`` the same for the suffixes (frame t included too, as in Graves et al.
2006 and PyTorch), so ``alpha_t(s) + beta_t(s) - lp_t(l'_s)`` is the log-probability of the alignments through
(t, s). One Python step per frame; each step is a dozen vectorized NumPy calls over (N, L), a log-sum-exp of the
(at most) three predecessors of every state shifted by their own maximum, so -1e4 log-probabilities and unreachable
states (held at a finite floor of -1e300 rather than -inf) stay exact.

Sequences of different lengths share the arrays: a shorter target is padded with blank states that no skip leads
into and that lead nowhere back, and a shorter input simply reads its result at its own last frame (forward) and
starts its backward recursion there (the frames after it keep beta = -inf, so they carry no occupancy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["CTCLattice", "ctc_lattice", "forward_backward"]


@dataclass(frozen=True)
class CTCLattice:
    """The batch's extended label sequences, laid out once for the recursions."""

    ext: np.ndarray  # (N, L) int: the class of each state (padding states hold the blank)
    skip: np.ndarray  # (N, L) float: 0 where s - 2 -> s is allowed (a label unlike the one two states back), else -inf
    labels: np.ndarray  # (N, S) int: the targets, padding set to the blank
    input_lengths: np.ndarray  # (N,) int, 1 .. T
    target_lengths: np.ndarray  # (N,) int, 0 .. S
    blank: int


def ctc_lattice(labels: np.ndarray, input_lengths: np.ndarray, target_lengths: np.ndarray, blank: int
                ) -> CTCLattice:
    """``labels``: (N, S) validated integer targets (entries at and after each target length are ignored)."""
    n, s_max = labels.shape
    positions = np.arange(s_max)
    inside = positions[None, :] < target_lengths[:, None]
    labels = np.where(inside, labels, blank).astype(np.intp)
    ext = np.full((n, 2 * s_max + 1), blank, dtype=np.intp)
    ext[:, 1::2] = labels
    skip = np.full(ext.shape, -np.inf)
    if s_max > 1:
        # state 2k+1 (label k) may be entered from state 2k-1 (label k-1) when the two labels differ
        differs = (labels[:, 1:] != labels[:, :-1]) & inside[:, 1:]
        skip[:, 3::2] = np.where(differs, 0.0, -np.inf)
    return CTCLattice(ext, skip, labels, input_lengths.astype(np.intp), target_lengths.astype(np.intp), blank)


_FLOOR = -1e300
"""log 0 as a finite number: a max-shift by it stays finite (no -inf - -inf), and -1e300 plus any log-probability
of a real frame is -1e300 again (they are below its spacing), so an unreachable state stays unreachable."""
_FLOOR64 = np.float64(_FLOOR)  # a NumPy scalar, so that the maximum with float32 input is taken in float64


def _sorted(lat: CTCLattice) -> tuple[CTCLattice, np.ndarray]:
    """The lattice with its sequences in order of decreasing input length, and that order.

    At frame t the sequences still running are then the first ``active[t]`` columns, and the states they use the
    first ``widths[t]`` rows: finished sequences and the padding states of short targets cost nothing (PyTorch
    too stops each sequence at its own length)."""
    order = np.argsort(-lat.input_lengths, kind="stable")
    return CTCLattice(lat.ext[order], lat.skip[order], lat.labels[order], lat.input_lengths[order],
                      lat.target_lengths[order], lat.blank), order


def _schedule(lat: CTCLattice, t_max: int) -> tuple[list[int], list[int], dict[int, np.ndarray]]:
    """Of a sorted lattice: active[t], the sequences still running at frame t (the first columns); widths[t], the
    states they use (the first rows); and ending[t], the columns of the sequences whose last frame is t."""
    n = lat.input_lengths.size
    active = n - np.searchsorted(lat.input_lengths[::-1], np.arange(t_max), side="right")
    longest = np.maximum.accumulate(2 * lat.target_lengths + 1)
    last = lat.input_lengths - 1
    ending = {int(t): np.flatnonzero(last == t) for t in np.unique(last)}
    return active.tolist(), longest[np.maximum(active - 1, 0)].tolist(), ending


def _gather_plan(lp: np.ndarray, lat: CTCLattice, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frames (T, N * C), flat (L * N,)): frame t's state log-probabilities are ``frames[t].take(flat)``."""
    t_max, n, classes = lp.shape
    return lp.reshape(t_max, n * classes), (lat.ext.T + classes * order[None, :]).ravel()


def _state_log_probs(lp: np.ndarray, lat: CTCLattice, order: np.ndarray) -> np.ndarray:
    """(T, L, N) float64: the log-probability of each state's class at each frame (-inf raised to the floor),
    sequences in ``order``.

    States before sequences: every step of the recursions then works on whole (L, N) blocks, one vectorized loop
    per NumPy call rather than one short loop per sequence. Gathered frame by frame (a frame's (N, C) block stays
    in cache; one fancy index over all frames is twice as slow), from float32 as well."""
    frames, flat = _gather_plan(lp, lat, order)
    lpe = np.empty((lp.shape[0], lat.ext.shape[1], lp.shape[1]))
    for t in range(lp.shape[0]):
        np.maximum(frames[t].take(flat), _FLOOR64, out=lpe[t].reshape(-1))
    return lpe


_EXP_FLOOR = -700.0
"""exp is taken of max(x, -700): NumPy's vectorized exp drops to a scalar path, 10 to 40 times slower, wherever the
result is subnormal or 0 (x below about -708, the floor, -inf). e^-700 = 1e-304 stands in for anything smaller: in
a log-sum-exp its term is 1e-304 beside a largest term of exactly 1, so the sum is the same float64 number, and a
posterior of 1e-304 is 0 to every sum it enters."""


def _before(a: np.ndarray) -> np.ndarray:
    """(..., 3, L, N) view of a (..., L + 2, N) array whose states start at row 2: [i] holds rows s + 2 - i, the
    state itself, the one before it and the one two before (no copy: the three overlap in memory)."""
    *lead, rows, n = a.shape
    *outer, row, col = a.strides
    return as_strided(a[..., 2:, :], shape=(*lead, 3, rows - 2, n), strides=(*outer, -row, row, col),
                      writeable=False)


def _after(a: np.ndarray) -> np.ndarray:
    """(3, L, N) view of a (L + 2, N) array whose states start at row 0: [i] holds rows s + i."""
    rows, n = a.shape
    row, col = a.strides
    return as_strided(a, shape=(3, rows - 2, n), strides=(row, row, col), writeable=False)


class _Step:
    """One frame of a recursion: ``out = log(e^x0 + e^x1 + e^x2) + lp`` with x_i = pred[i] + shift[i] (shift: 0, or
    the floor where a transition is not allowed), on the active (w, k) block, in nine NumPy calls.

    ``np.logaddexp`` is not vectorized in NumPy (about 11 ns an element here); ``exp`` and ``log`` are (about 1 ns),
    so a max-shift, three exps and a log are several times faster than two logaddexps, and as exact: the largest
    term is exp(0) = 1, the sum lies in [1, 3], and a term below e^-700 is below its resolution. The three
    predecessors are one (3, w, k) view, so each operation is one call over all three."""

    def __init__(self, shape: tuple[int, int], shift: np.ndarray) -> None:
        self.y = np.empty((3, *shape))
        self.m = np.empty(shape)
        self.total = np.empty(shape)
        self.shift = shift
        self._blocks: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}

    def block(self, w: int, k: int) -> tuple[np.ndarray, ...]:
        """The buffers' views of the active block (made once per block: at small sizes a slice costs as much as an
        operation on it)."""
        views = self._blocks.get((w, k))
        if views is None:
            views = self._blocks[w, k] = (self.y[:, :w, :k], self.m[:w, :k], self.total[:w, :k],
                                          self.shift[:, :w, :k])
        return views

    def __call__(self, w: int, k: int, pred: np.ndarray, lp: np.ndarray, out: np.ndarray) -> None:
        y, m, total, shift = self.block(w, k)
        np.add(pred, shift, out=y)
        np.maximum.reduce(y, axis=0, out=m)
        y -= m
        np.maximum(y, _EXP_FLOOR, out=y)
        np.exp(y, out=y)
        np.add.reduce(y, axis=0, out=total)
        np.log(total, out=total)
        total += m
        np.add(total, lp, out=out)


def _shifts(lat: CTCLattice, forward: bool) -> np.ndarray:
    """(3, L, N): 0 for staying and for moving one state, the skip's 0 or floor for moving two."""
    n, width = lat.skip.shape
    shift = np.zeros((3, width, n))
    if forward:
        shift[2] = lat.skip.T
    else:  # s -> s + 2 is allowed where s + 2 may be entered by a skip
        shift[2, : max(width - 2, 0)] = lat.skip.T[2:]
        shift[2, max(width - 2, 0):] = _FLOOR
    return shift


def _forward(lpe: np.ndarray, lat: CTCLattice) -> np.ndarray:
    """alpha with two floor rows before the states (so that s - 1 and s - 2 always exist): (T, L + 2, N)."""
    t_max, width, n = lpe.shape
    alpha = np.full((t_max, width + 2, n), _FLOOR)
    alpha[0, 2: 2 + min(2, width)] = lpe[0, : min(2, width)]
    preds = _before(alpha)
    step = _Step((width, n), _shifts(lat, forward=True))
    active, widths, _ = _schedule(lat, t_max)
    for t in range(1, t_max):
        k, w = active[t], widths[t]
        if k == 0:
            break
        step(w, k, preds[t - 1, :, :w, :k], lpe[t, :w, :k], alpha[t, 2: 2 + w, :k])
    return alpha


def _log_likelihood_only(lp: np.ndarray, lat: CTCLattice, order: np.ndarray) -> np.ndarray:
    """log p of each sequence (in ``order``) by the forward recursion alone, in two rolling (L + 2, N) buffers with
    each frame gathered as it comes: no (T, L, N) array is made, and each sequence's result is read at its last
    frame. (The active block only shrinks as t grows, so a buffer's rows and columns outside the block written at
    a step are never read at the next one.)"""
    t_max, n, _ = lp.shape
    width = lat.ext.shape[1]
    frames, flat = _gather_plan(lp, lat, order)
    bufs = (np.full((width + 2, n), _FLOOR), np.full((width + 2, n), _FLOOR))
    preds = tuple(_before(b) for b in bufs)
    lpe = np.empty((width, n))
    step = _Step((width, n), _shifts(lat, forward=True))
    active, widths, ending = _schedule(lat, t_max)
    end = 2 * lat.target_lengths
    ll = np.full(n, -np.inf)
    views: dict[tuple[int, int, int], tuple[np.ndarray, ...]] = {}
    cur = bufs[0]
    for t in range(t_max):
        k, w = active[t], widths[t]
        if k == 0:
            break
        np.maximum(frames[t].take(flat), _FLOOR64, out=lpe.reshape(-1))
        if t == 0:
            cur[2: 2 + min(2, width)] = lpe[: min(2, width)]
        else:
            cur = bufs[t % 2]
            block = views.get((w, k, t % 2))
            if block is None:
                block = views[w, k, t % 2] = (preds[(t - 1) % 2][:, :w, :k], lpe[:w, :k], cur[2: 2 + w, :k])
            step(w, k, *block)
        done = ending.get(t)
        if done is not None:
            e = end[done]
            last_label = np.where(e > 0, cur[2 + np.maximum(e - 1, 0), done], -np.inf)
            ll[done] = np.logaddexp(cur[2 + e, done], last_label)
    return np.where(ll < _FLOOR / 2, -np.inf, ll)


def _backward(lpe: np.ndarray, lat: CTCLattice, alpha: np.ndarray, ll: np.ndarray, order: np.ndarray,
              classes: int) -> np.ndarray:
    """The occupancy (T, N, C), sequences in their original order, from beta computed frame by frame backwards
    (beta_t has two floor rows after the states, so that s + 1 and s + 2 always exist).

    Each frame's posterior is summed into its classes as soon as beta_t is known, by one ``np.bincount`` over the
    frame's states, so beta is never stored whole and the frame's numbers are still in cache."""
    t_max, width, n = lpe.shape
    bufs = (np.full((width + 2, n), _FLOOR), np.full((width + 2, n), _FLOOR))
    succ = tuple(_after(b) for b in bufs)
    step = _Step((width, n), _shifts(lat, forward=False))
    scratch = np.empty((width, n))
    active, widths, ending = _schedule(lat, t_max)
    end = 2 * lat.target_lengths
    slot = order[None, :] * classes + lat.ext.T  # (L, N): where each state's posterior goes in a frame's (N, C)
    occupancy = np.zeros((t_max, n * classes))
    for t in range(t_max - 1, -1, -1):
        k, w = active[t], widths[t]
        if k == 0:
            continue
        # frame t writes one buffer and reads the other, which holds frame t + 1 (all floor before the last frame)
        cur = bufs[t % 2][:w, :k]
        step(w, k, succ[(t + 1) % 2][:, :w, :k], lpe[t, :w, :k], cur)
        done = ending.get(t)
        if done is not None:
            # the sequences whose input ends at frame t start here, in the last blank or the last label
            cur[:, done] = _FLOOR
            e = end[done]
            cur[e, done] = lpe[t, e, done]
            has_label = e > 0
            rows, e1 = done[has_label], e[has_label] - 1
            cur[e1, rows] = lpe[t, e1, rows]
        # alpha + beta counts frame t's log-probability twice; subtracting log p normalizes to a posterior (an
        # unvisited state sits at the floor, about -1e300, and its exp is 0)
        post = scratch[:w, :k]
        np.add(alpha[t, 2: 2 + w, :k], cur, out=post)
        post -= lpe[t, :w, :k]
        post -= ll[:k]
        np.maximum(post, _EXP_FLOOR, out=post)
        np.exp(post, out=post)
        occupancy[t] = np.bincount(slot[:w, :k].ravel(), weights=post.ravel(), minlength=n * classes)
    return occupancy.reshape(t_max, n, classes)


def log_likelihood(alpha: np.ndarray, lat: CTCLattice) -> np.ndarray:
    """log p(target | input) of each sequence: the mass in the last blank or the last label at its last frame."""
    rows = np.arange(alpha.shape[2])
    at_end = alpha[lat.input_lengths - 1, :, rows][:, 2:]  # (N, L)
    end = 2 * lat.target_lengths
    last_blank = at_end[rows, end]
    last_label = np.where(end > 0, at_end[rows, np.maximum(end - 1, 0)], -np.inf)
    ll = np.logaddexp(last_blank, last_label)
    return np.where(ll < _FLOOR / 2, -np.inf, ll)


def forward_backward(lp: np.ndarray, lat: CTCLattice, want_grad: bool
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """(log-likelihood (N,), occupancy (T, N, C) or None) of log-probabilities ``lp`` (T, N, C), float32 or 64
    (the recursion runs in float64 either way).

    The occupancy gamma_t(c) is the posterior probability that frame t emits class c, summed over the states of
    class c; each valid frame's row sums to 1, frames after a sequence's input length are 0. It is the negated
    derivative of log p with respect to ``lp``. Sequences with log p = -inf have an undefined occupancy: their
    rows are NaN, and the caller decides what they become.
    """
    lat, order = _sorted(lat)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if not want_grad:
            return _unsort(_log_likelihood_only(lp, lat, order), order), None
        lpe = _state_log_probs(lp, lat, order)
        alpha = _forward(lpe, lat)
        ll = log_likelihood(alpha, lat)
        occupancy = _backward(lpe, lat, alpha, ll, order, lp.shape[2])
    ll = _unsort(ll, order)
    occupancy[:, ~np.isfinite(ll), :] = np.nan
    return ll, occupancy


def _unsort(x: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    out[order] = x
    return out
