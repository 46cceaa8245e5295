r"""Sequence losses: CTC (connectionist temporal classification), as pure functions on PyTorch's layout.

CTC scores an unsegmented label sequence ``y`` (length S) against per-frame class log-probabilities (T frames,
C classes, one of them the *blank*). An alignment is a path of T classes that becomes ``y`` after merging repeats
and then dropping blanks; the loss is :math:`-\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_t p_t(\pi_t)`, summed
by the forward–backward recursion in log space (:mod:`losslab.losses.fast.ctc`), never in probabilities, so
log-probabilities of -1e4 stay exact.

Layout and reductions are those of ``torch.nn.functional.ctc_loss``: ``log_probs`` (T, N, C) (or (T, C) for one
sequence), ``targets`` padded (N, S) or concatenated 1-D, ``input_lengths`` and ``target_lengths`` (N,).
``reduction="mean"`` divides each sequence's loss by its target length (at least 1), then averages over the batch;
``"sum"`` adds the losses; ``"none"`` gives one per sequence.

``impossible`` says what a sequence without any alignment becomes (a target that needs more frames than its input
has: S plus one blank between each pair of equal neighbours; or log-probability -inf on every path): ``"raise"``
(the default) refuses it with a :class:`~losslab.errors.LossInputError`; ``"inf"`` returns inf as PyTorch does
(and NaN gradients, as PyTorch does); ``"zero"`` counts it as 0 with a zero gradient, PyTorch's
``zero_infinity=True``.

Which gradient: ``ctc_grad`` is the derivative of the value with respect to the array passed. With
``from_logits=False`` (``log_probs`` are log-probabilities, taken as free variables) it is ``-gamma``, minus the
posterior occupancy of each (frame, class). PyTorch's CTC backward instead returns ``softmax - gamma``, the
gradient with respect to the *logits* under ``log_probs = log_softmax(logits)``: that is ``ctc_grad`` with
``from_logits=True`` (pass the logits, or the log-probabilities themselves, which log_softmax leaves unchanged).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..errors import LossInputError, warn_input
from . import _validation as v
from ._arrays import Array, Namespace, compute_dtype, is_numpy, namespace_of
from ._checks import _user_stacklevel
from ._definition import Input, LossDefinition, Param, boolean, number
from ._params import Options
from ._registry import register
from ._stable import stop_gradient
from .fast.ctc import CTCLattice, ctc_lattice, forward_backward

__all__ = ["IMPOSSIBLE", "PARAMS", "CTCInput", "catalog_grad", "catalog_steps", "catalog_value", "ctc_grad", "ctc_loss",
           "ctc_steps", "ctc_value_and_grad", "mean_divisor", "prepare_ctc"]

NAME = "ctc"
Impossible = Literal["raise", "inf", "zero"]
IMPOSSIBLE: tuple[Impossible, ...] = ("raise", "inf", "zero")
_REDUCTIONS = ("mean", "sum", "none")
UNNORMALIZED_TOLERANCE = 1e-3  # |logsumexp_c log_probs| above this warns, as the catalog's row losses do for sums


@dataclass(frozen=True)
class CTCInput:
    """Validated CTC input in NumPy (float32 or float64), plus what is needed to hand results back in the caller's
    terms."""

    lp: np.ndarray  # (T, N, C) log-probabilities (log_softmax of the input under from_logits)
    lattice: CTCLattice
    xp: Namespace
    value_dtype: Any  # float16 / bfloat16 are returned in float32, as the catalog does
    grad_dtype: Any
    unbatched: bool
    from_logits: bool
    impossible: str


def _fail(argument: str, expected: str, got: str, hint: str) -> LossInputError:
    return LossInputError(NAME, argument, expected, got, hint)


def _numpy(x: Any, argument: str) -> np.ndarray:
    try:
        arr = np.asarray(stop_gradient(namespace_of(x), x))
    except (TypeError, ValueError, RuntimeError) as exc:
        raise _fail(argument, "numbers (a list or an array)", f"{type(x).__name__}: {exc}",
                    "rows of different lengths, or text, cannot form an array") from None
    if arr.dtype.kind not in "biuf":
        raise _fail(argument, "real numbers", f"an array of dtype {arr.dtype}",
                    "convert to a real array first, e.g. np.asarray(x, dtype=float)")
    return arr


def _integers(argument: str, x: Any, what: str) -> np.ndarray:
    arr = _numpy(x, argument)
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    bad = ~np.isfinite(arr) | (np.floor(arr) != arr)
    if np.any(bad):
        where = int(np.flatnonzero(bad.ravel())[0])
        raise _fail(argument, what, f"the non-integer value {v.fmt(float(arr.ravel()[where]))} at index {where}",
                    "class indices and lengths are whole numbers")
    return arr.astype(np.int64)


def _lengths(argument: str, x: Any, n: int, unbatched: bool) -> np.ndarray:
    arr = _integers(argument, x, "whole numbers")
    if unbatched and arr.size == 1:
        return arr.reshape(1)
    if arr.shape != (n,):
        raise _fail(argument, f"one length per sequence, shape ({n},)", f"shape {v.shape_str(arr.shape)}",
                    "log_probs is (T, N, C): N sequences, each with its own input and target length")
    return arr


def _log_probs(log_probs: Any, from_logits: bool) -> tuple[np.ndarray, Any, bool, Any]:
    xp = namespace_of(log_probs)
    arr = _numpy(log_probs, "log_probs")
    if arr.ndim not in (2, 3):
        raise _fail("log_probs", "an array of shape (T, N, C) (or (T, C) for one sequence)",
                    f"shape {v.shape_str(arr.shape)}", "frames first, then the batch, then the classes, as "
                    "PyTorch's CTCLoss; a batch-first (N, T, C) array needs a transpose to (T, N, C)")
    unbatched = arr.ndim == 2
    if unbatched:
        arr = arr[:, None, :]
    if arr.shape[0] == 0 or arr.shape[2] == 0:
        raise _fail("log_probs", "at least one frame and one class", f"shape {v.shape_str(arr.shape)}",
                    "CTC needs T >= 1 frames and C >= 1 classes (the blank among them)")
    in_dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    value_dtype = compute_dtype(np, in_dtype)
    # float32 stays float32 here (the kernel gathers what it needs into float64): no full-size copy
    lp = arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)
    # one comparison finds NaN, +inf and (for log-probabilities) positive values; -inf is a probability of 0
    bad = ~np.isfinite(lp) if from_logits else ~(lp <= 0.0)
    if np.any(bad):
        nonfinite = bad & (np.isnan(lp) | np.isinf(lp))
        if np.any(nonfinite):
            count, value, where = v._first_bad(np, lp, nonfinite)
            raise _fail("log_probs", "finite logits" if from_logits else
                        "finite numbers (log-probabilities may be -inf)",
                        f"{count} bad value(s), the first {v.fmt(value)} at {where}",
                        "NaN or +inf usually comes from an earlier overflow: check the model's outputs")
        count, value, where = v._first_bad(np, lp, bad)
        raise _fail("log_probs", "log-probabilities (values <= 0)", f"{count} positive value(s), the first "
                    f"{v.fmt(value)} at {where}", "these look like raw scores: apply log_softmax over the class "
                    "axis first, or pass from_logits=True")
    if from_logits:
        lp = lp.astype(np.float64)
        m = lp.max(axis=2, keepdims=True)
        shifted = lp - m  # (z - m) - log-sum first: z - (m + log-sum) would round at the scale of z
        lp = shifted - np.log(np.exp(shifted) @ np.ones((lp.shape[2], 1)))
    return lp, xp, unbatched, (value_dtype, in_dtype)


def _check_normalized(lp: np.ndarray, input_lengths: np.ndarray) -> None:
    # every value is <= 0 here, so exp cannot overflow; in blocks of frames that stay in cache, in the input's
    # dtype, summed over the classes by a matrix product (NumPy's reduction over a short last axis is slower)
    t_max, n, classes = lp.shape
    step = max(1, (1 << 16) // (n * classes))
    ones = np.ones(classes, dtype=lp.dtype)
    total = np.concatenate([np.exp(lp[t: t + step]) @ ones for t in range(0, t_max, step)])
    with np.errstate(divide="ignore"):
        lse = np.log(total)
    valid = np.arange(lp.shape[0])[:, None] < input_lengths[None, :]  # padding frames may hold anything
    off = valid & ~(np.abs(lse) <= UNNORMALIZED_TOLERANCE)
    if np.any(off):
        t, n = (int(i) for i in np.argwhere(off)[0])
        warn_input(f"{NAME}: {int(off.sum())} frame(s) of 'log_probs' are not normalized (the probabilities of frame "
                   f"{t} of sequence {n} sum to {v.fmt(float(np.exp(lse[t, n])))}, not 1); they are used as "
                   "given. Apply log_softmax over the class axis, or pass from_logits=True for raw scores.",
                   stacklevel=_user_stacklevel())


def _targets(targets: Any, target_lengths: np.ndarray, n: int, unbatched: bool) -> np.ndarray:
    """(N, S) labels from padded (N, S) or concatenated 1-D targets (or (S,) for one sequence)."""
    arr = _integers("targets", targets, "integer class indices")
    total = int(target_lengths.sum())
    if unbatched and arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim == 1:
        if arr.size != total:
            raise _fail("targets", f"{total} labels in a row (the sum of target_lengths), or a padded (N, S) array",
                        f"{arr.size} labels", "concatenated targets hold every sequence's labels back to back, "
                        "exactly target_lengths[i] of them for sequence i")
        s_max = int(target_lengths.max(initial=0))
        padded = np.zeros((n, s_max), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(target_lengths)[:-1]])
        for i in range(n):
            padded[i, : target_lengths[i]] = arr[starts[i]: starts[i] + target_lengths[i]]
        return padded
    if arr.ndim != 2 or arr.shape[0] != n:
        raise _fail("targets", f"a padded array of shape ({n}, S) or concatenated 1-D labels",
                    f"shape {v.shape_str(arr.shape)}", "one row of labels per sequence of log_probs (T, N, C)")
    if arr.shape[1] < int(target_lengths.max(initial=0)):
        raise _fail("target_lengths", f"lengths <= {arr.shape[1]} (the width of the padded targets)",
                    f"a length of {int(target_lengths.max())}", "each row of targets must hold its whole target")
    return arr


def prepare_ctc(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
                impossible: str = "raise", from_logits: bool = False) -> CTCInput:
    """Validate CTC input (see the module docstring) and lay it out for the recursion."""
    lp, xp, unbatched, (value_dtype, in_dtype) = _log_probs(log_probs, from_logits)
    t_max, n, classes = lp.shape
    if impossible not in IMPOSSIBLE:
        raise _fail("impossible", "one of 'raise', 'inf', 'zero'", repr(impossible),
                    "'inf' returns inf as PyTorch does, 'zero' counts the sequence as 0 (zero_infinity=True)")
    if isinstance(blank, bool) or not isinstance(blank, int | np.integer) or not 0 <= int(blank) < classes:
        raise _fail("blank", f"an integer class index in 0..{classes - 1}", repr(blank),
                    "the blank is one of the C classes of log_probs: PyTorch's default is 0, Keras's and "
                    "TensorFlow's the last class, C - 1")
    blank = int(blank)
    in_len = _lengths("input_lengths", input_lengths, n, unbatched)
    tgt_len = _lengths("target_lengths", target_lengths, n, unbatched)
    if np.any((in_len < 1) | (in_len > t_max)):
        i = int(np.flatnonzero((in_len < 1) | (in_len > t_max))[0])
        raise _fail("input_lengths", f"frame counts in 1..{t_max} (T of log_probs)", f"{int(in_len[i])} for "
                    f"sequence {i}", "input_lengths count each sequence's frames, at most the T of log_probs")
    if np.any(tgt_len < 0):
        raise _fail("target_lengths", "non-negative label counts", f"{int(tgt_len.min())}",
                    "a target of length 0 is allowed (its alignment is all blanks)")
    labels = _targets(targets, tgt_len, n, unbatched)
    inside = np.arange(labels.shape[1])[None, :] < tgt_len[:, None]
    for bad, expected, hint in (
        (inside & ((labels < 0) | (labels >= classes)), f"class indices in 0..{classes - 1}",
         "labels index the class axis of log_probs; padding after each target length may hold anything"),
        (inside & (labels == blank), f"labels other than the blank ({blank})",
         "the blank is not a label: remove it from the targets, or set blank= to the index your model uses"),
    ):
        if np.any(bad):
            i, k = (int(j) for j in np.argwhere(bad)[0])
            raise _fail("targets", expected, f"{int(labels[i, k])} at position {k} of sequence {i}", hint)
    if not from_logits:
        _check_normalized(lp, in_len)
    repeats = np.sum(inside[:, 1:] & (labels[:, 1:] == labels[:, :-1]), axis=1) if labels.shape[1] > 1 else 0
    needed = tgt_len + repeats
    if impossible == "raise" and np.any(needed > in_len):
        i = int(np.flatnonzero(needed > in_len)[0])
        argument = "target_lengths" if tgt_len[i] > in_len[i] else "targets"
        raise _fail(argument, f"a target that fits its input: sequence {i} needs at least {int(needed[i])} frames "
                    f"({int(tgt_len[i])} labels + {int(np.atleast_1d(repeats)[i])} blanks between repeated labels)",
                    f"input_lengths[{i}] = {int(in_len[i])}",
                    "no alignment fits, so the loss is inf (PyTorch returns inf here): pass impossible='inf' to "
                    "get inf, or impossible='zero' to count it as 0 (PyTorch's zero_infinity=True); check that "
                    "input_lengths count frames after any downsampling and that the two lengths are not swapped")
    grad_dtype = in_dtype if np.dtype(in_dtype).kind == "f" else np.dtype(np.float64)
    return CTCInput(lp, ctc_lattice(labels, in_len, tgt_len, blank), xp, value_dtype, grad_dtype, unbatched,
                    from_logits, impossible)


def _scales(inp: CTCInput, reduction: str) -> np.ndarray:
    n = inp.lp.shape[1]
    if reduction == "mean":
        return 1.0 / (n * np.maximum(inp.lattice.target_lengths, 1))
    return np.ones(n)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise _fail("reduction", "one of 'mean', 'sum', 'none'", repr(reduction), "'mean' divides each loss by its "
                    "target length and averages over the batch (as PyTorch), 'sum' adds, 'none' gives one each")


def _compute(inp: CTCInput, reduction: str, want_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
    ll, occupancy = forward_backward(inp.lp, inp.lattice, want_grad)
    losses = -ll
    infinite = ~np.isfinite(losses)
    if np.any(infinite) and inp.impossible == "raise":
        i = int(np.flatnonzero(infinite)[0])
        raise _fail("log_probs", "some alignment of each target with probability > 0",
                    f"probability 0 for sequence {i}: every alignment passes a log-probability of -inf",
                    "pass impossible='inf' to get inf (as PyTorch), or impossible='zero' to count it as 0")
    if inp.impossible == "zero":
        losses = np.where(infinite, 0.0, losses)
    scale = _scales(inp, reduction)
    value = losses if reduction == "none" else np.sum(losses * scale)
    grad = None
    if occupancy is not None:
        grad = -occupancy
        if inp.from_logits:
            # d/dz of log_softmax: the softmax (on the sequence's own frames) minus the occupancy, PyTorch's numbers
            frames = np.arange(inp.lp.shape[0])[:, None] < inp.lattice.input_lengths[None, :]
            grad += np.exp(inp.lp) * frames[:, :, None]
        grad *= scale[None, :, None]
        if inp.impossible == "zero":
            grad[:, infinite, :] = 0.0
    return value, grad


def _back(inp: CTCInput, x: np.ndarray, dtype: Any) -> Array:
    if inp.unbatched:
        x = x[:, 0, :] if x.ndim == 3 else x.reshape(()) if x.ndim == 1 else x
    out = np.asarray(x, dtype=dtype)
    return out if is_numpy(inp.xp) else inp.xp.asarray(out)


def ctc_value_and_grad(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
                       reduction: str = "mean", impossible: str = "raise", from_logits: bool = False
                       ) -> tuple[Array, Array]:
    """The CTC loss and its gradient with respect to ``log_probs`` (logits under ``from_logits``), same shape.

    Arrays of any array-API library are accepted; the work is done in float64 NumPy and the results come back in
    the caller's library (the value in float32 for float16 input, the gradient in the input's dtype). The result
    carries no autograd graph: use this gradient.
    """
    _check_reduction(reduction)
    inp = prepare_ctc(log_probs, targets, input_lengths, target_lengths, blank=blank, impossible=impossible,
                      from_logits=from_logits)
    value, grad = _compute(inp, reduction, want_grad=True)
    assert grad is not None
    return _back(inp, value, inp.value_dtype), _back(inp, grad, inp.grad_dtype)


def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
             reduction: str = "mean", impossible: str = "raise", from_logits: bool = False) -> Array:
    """The CTC loss (see the module docstring for the layout, the reductions and ``impossible``)."""
    _check_reduction(reduction)
    inp = prepare_ctc(log_probs, targets, input_lengths, target_lengths, blank=blank, impossible=impossible,
                      from_logits=from_logits)
    value, _ = _compute(inp, reduction, want_grad=False)
    return _back(inp, value, inp.value_dtype)


def ctc_grad(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
             reduction: str = "mean", impossible: str = "raise", from_logits: bool = False) -> Array:
    """d(loss)/d(log_probs): minus the occupancy; under ``from_logits`` softmax minus occupancy (PyTorch's)."""
    return ctc_value_and_grad(log_probs, targets, input_lengths, target_lengths, blank=blank, reduction=reduction,
                              impossible=impossible, from_logits=from_logits)[1]


def ctc_steps(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, *, blank: int = 0,
              impossible: str = "raise", from_logits: bool = False) -> Mapping[str, np.ndarray]:
    """Per-sequence explanation columns: lengths, frames needed, the number of alignments (log10), log p, loss.

    The alignment count is the same forward recursion with every log-probability 0 (each path weighs 1).
    """
    inp = prepare_ctc(log_probs, targets, input_lengths, target_lengths, blank=blank, impossible=impossible,
                      from_logits=from_logits)
    lat = inp.lattice
    value, _ = _compute(inp, "none", want_grad=False)
    ll, _ = forward_backward(inp.lp, lat, want_grad=False)
    count, _ = forward_backward(np.zeros_like(inp.lp), lat, want_grad=False)
    labels = lat.labels
    repeats = (np.sum((labels[:, 1:] == labels[:, :-1]) & (np.arange(1, labels.shape[1])[None, :]
                                                         < lat.target_lengths[:, None]), axis=1)
               if labels.shape[1] > 1 else np.zeros(labels.shape[0], dtype=np.int64))
    return {"input_length": lat.input_lengths.copy(), "target_length": lat.target_lengths.copy(),
            "frames_needed": lat.target_lengths + repeats, "log10_alignments": count / np.log(10.0),
            "log_likelihood": ll, "probability": np.exp(ll), "loss": np.asarray(value, dtype=float)}


# ----------------------------------------------------------------------------------------------- catalog form
# The catalog's CTC (``losslab.get("ctc")``): ``kind="sequence"`` lays pred out (N, T, C), examples first as every
# catalog loss (and Keras and optax) has them; ``target_format="padded_labels"`` passes (N, S) labels through; the
# lengths arrive as the per-example inputs ``input_lengths`` and ``target_lengths`` (floats after the core's
# layout, checked whole here). The core's finite check refuses log-probabilities of -inf (nan_policy="raise"
# refuses every non-finite value): pass a large negative number (-1e4), or call ``ctc_loss`` above, which takes
# -inf as a probability of 0.
PARAMS = (
    Param("blank", 0, "the class index of the blank (PyTorch: 0; Keras's ctc_loss: mask_index; TensorFlow: C - 1)",
          constraint=number(low=0, integer=True, words="a class index, an integer >= 0"), role="input"),
    Param("impossible", "raise", "a sequence with no alignment: 'raise' an error, 'inf' (PyTorch's default) or "
          "'zero' (PyTorch's zero_infinity=True)", constraint=Options(IMPOSSIBLE), role="numerics"),
    Param("from_logits", False, "pred holds raw scores: a log_softmax over the classes comes first",
          constraint=boolean, role="input"),
)


def _time_major(xp: Namespace, pred: Array) -> Array:
    return xp.permute_dims(pred, (1, 0, 2)) if pred.ndim == 3 else pred


_CATALOG_NAMES = {"log_probs": "pred", "targets": "target"}


@contextmanager
def _catalog_names() -> Iterator[None]:
    """Errors raised under the names of the catalog's call, loss(pred, target, ...), not PyTorch's."""
    try:
        yield
    except LossInputError as exc:
        raise LossInputError(exc.loss, _CATALOG_NAMES.get(exc.argument, exc.argument), exc.expected, exc.got,
                             exc.hint) from None


def catalog_value(xp: Namespace, pred: Array, target: Array, *, input_lengths: Array, target_lengths: Array,
                  blank: int, impossible: str, from_logits: bool) -> Array:
    """Each sequence's loss (N,), not divided by its target length, from batch-first pred (N, T, C)."""
    with _catalog_names():
        return ctc_loss(_time_major(xp, pred), target, input_lengths, target_lengths, blank=blank, reduction="none",
                        impossible=impossible, from_logits=from_logits)


def catalog_grad(xp: Namespace, pred: Array, target: Array, *, input_lengths: Array, target_lengths: Array,
                 blank: int, impossible: str, from_logits: bool) -> Array:
    """d(each sequence's loss)/d(pred), batch-first (N, T, C)."""
    with _catalog_names():
        g = ctc_grad(_time_major(xp, pred), target, input_lengths, target_lengths, blank=blank, reduction="none",
                     impossible=impossible, from_logits=from_logits)
    return _time_major(xp, g)


def catalog_value_and_grad(xp: Namespace, pred: Array, target: Array, *, input_lengths: Array,
                           target_lengths: Array, blank: int, impossible: str,
                           from_logits: bool) -> tuple[Array, Array]:
    """Both of the above from one forward-backward pass (the value alone needs only the forward one)."""
    with _catalog_names():
        value, g = ctc_value_and_grad(_time_major(xp, pred), target, input_lengths, target_lengths, blank=blank,
                                      reduction="none", impossible=impossible, from_logits=from_logits)
    return value, _time_major(xp, g)


def mean_divisor(xp: Namespace, pred: Array, target: Array, *, input_lengths: Array, target_lengths: Array,
                 **params: Any) -> Array:
    """PyTorch's "mean" divides each sequence's loss by max(target length, 1) before the batch mean."""
    return xp.where(target_lengths > 1, target_lengths, xp.ones_like(target_lengths))


def catalog_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], *, input_lengths: np.ndarray,
                  target_lengths: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The explanation columns, one row per sequence (``ctc_steps``); nothing per class."""
    with _catalog_names():
        columns = dict(ctc_steps(_time_major(np, pred), target, input_lengths, target_lengths, **params))
    columns.pop("loss")  # the explanation shows each example's loss itself, from the catalog call
    return columns, {}


register(LossDefinition(
    name=NAME,
    aliases=("ctc_loss", "connectionist_temporal_classification"),
    task="multiclass",
    kind="sequence",
    target_format="padded_labels",
    params=PARAMS,
    inputs=(Input("input_lengths", "the number of frames of each sequence (1..T), one per sequence",
                  shape="per_example", domain="nonnegative",
                  hint="lengths count frames: whole numbers from 1 to T", length_of="pred"),
            Input("target_lengths", "the number of labels of each target (0..S), one per sequence",
                  shape="per_example", domain="nonnegative",
                  hint="lengths count labels: whole numbers from 0 to S (the width of the padded targets)",
                  length_of="target")),
    value=catalog_value,
    grad=catalog_grad,
    value_and_grad=catalog_value_and_grad,
    mean_divisor=mean_divisor,
    autograd=False,  # the recursion runs in NumPy: loss.grad, not backward(), gives the gradient
    steps=catalog_steps,
    pred_domain=lambda params: "real" if params["from_logits"] else "nonpositive",
    pred_hint="these look like raw scores or probabilities: apply log_softmax over the class axis first, or pass "
              "from_logits=True",
    latex=r"\ell_n = -\log \sum_{\pi \in \mathcal{B}^{-1}(y_n)} \prod_{t=1}^{T_n} p_{t,\pi_t}"
          r"\quad(\text{mean: } \tfrac1N \sum_n \ell_n / \max(S_n, 1))",
    plain="l_n = -log(sum over the alignments pi of the T_n frames that give the target y_n after merging repeats "
          "and dropping blanks, of prod_t p_t(pi_t)); pred (N, T, C) log-probabilities (logits with from_logits), "
          "target (N, S) padded labels; mean: average of l_n / max(S_n, 1) as PyTorch; log-probabilities of -inf "
          "are refused (use -1e4)",
    summary="Connectionist temporal classification: minus the log of the total probability of every alignment "
            "of the label sequence with the frames.",
    equivalents={"pytorch": "torch.nn.functional.ctc_loss(pred.permute(1, 0, 2), target, input_lengths, "
                            "target_lengths, blank=0, reduction='mean', zero_infinity=False) (PyTorch takes "
                            "(T, N, C), frames first: transpose losslab's (N, T, C); impossible='zero' is "
                            "zero_infinity=True, 'inf' its default)",
                 "keras": "keras.ops.ctc_loss(target, pred, target_lengths, input_lengths, mask_index=0) "
                          "(batch first, per sequence: reduction='none'; from logits)",
                 "optax": "optax.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=0) (paddings "
                          "1.0 past each length; per sequence: reduction='none', from_logits=True)",
                 "sklearn": "-"},
    reference="Graves, Fernandez, Gomez & Schmidhuber, Connectionist temporal classification (ICML 2006); "
              "PyTorch's CTCLoss (mean per target length, zero_infinity).",
    reductions=("mean", "sum", "none"),
    trainable=False,
    untrainable_reason="sequence",
    builtin=True,
))
