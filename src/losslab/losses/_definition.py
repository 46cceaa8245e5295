"""What a loss is: its parameters (with their constraints and meaning) and its definition, read by every view.

A loss is *defined* once, as a :class:`LossDefinition`: its per-element (or per-row) value and analytic gradient
written against the array API, its explanation columns, an optional NumPy kernel, its parameters, formula and domain
rules. :mod:`._core` turns a definition into a callable :class:`~._core.Loss`; :mod:`._registry` keeps them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._jsonable import jsonable
from ._arrays import (
    Array,
    Namespace,
)
from ._params import ANY, BOOLEAN, Constraint, Interval

Reduction = Literal["mean", "sum", "none", "max", "median"]
Columns = dict[str, np.ndarray]
"""Explanation columns: name (a [ui] key of the explanation texts) -> NumPy array."""
NanPolicy = Literal["raise", "propagate", "omit"]
Kind = Literal["elementwise", "rows", "batch", "sequence"]
Task = Literal["regression", "binary", "multiclass", "distribution"]
TargetFormat = Literal["same", "labels", "labels_or_same", "value", "padded_labels"]
Domain = Literal["real", "probability", "nonnegative", "positive", "above_minus_one", "signed_or_binary",
                 "nonpositive", "signed"]

REDUCTIONS: tuple[Reduction, ...] = ("mean", "sum", "none")
"""The reductions every loss has unless its definition says otherwise (``LossDefinition.reductions``)."""
ORDER_REDUCTIONS: tuple[Reduction, ...] = ("max", "median")
"""Order statistics over the examples, for metrics (max_error, median_absolute_error): per element column
the (weighted) max or median of the losses, averaged over the columns (scikit-learn's
``multioutput="uniform_average"``); weights count examples (a weight of 0 leaves one out, 2 counts it twice).
The gradient is the subgradient at the element(s) that make the statistic, split evenly among ties."""
UntrainableReason = Literal["inputs", "embeddings", "no_gradient", "index_targets", "ensemble", "sequence", "other"]
"""Why the trainer refuses a loss (``LossDefinition.untrainable_reason``), a key of the ``[untrainable]`` table of
the training texts (en / ja): ``"inputs"`` it reads arrays besides a prediction and a target (two embeddings, a
variance), ``"embeddings"`` it compares two embeddings of each example (InfoNCE's views),
``"no_gradient"`` its gradient is 0 almost everywhere (an error count), ``"index_targets"`` its target
rows are lists of class indices, ``"ensemble"`` it reads several predictions per example, ``"sequence"`` it reads
per-frame scores of a sequence, ``"other"`` none of these."""
EXAMPLE_NDIM: dict[str, int] = {"elementwise": 0, "rows": 1, "batch": 1, "sequence": 2}
"""The number of axes of one example of pred, by kind: (C,) for a row, (T, C) for a sequence (elementwise: a
scalar); pred with exactly this many axes is one example (a row loss takes (C,), CTC (T, C))."""
NAN_POLICIES: tuple[NanPolicy, ...] = ("raise", "propagate", "omit")
TASKS: tuple[Task, ...] = ("regression", "binary", "multiclass", "distribution")


# --------------------------------------------------------------------------------------------------- parameters
Units = Literal["none", "target"]
Role = Literal["shape", "input", "weighting", "example_weight", "skip", "numerics"]


@dataclass(frozen=True)
class Param:
    """One parameter of a loss: its constraint and what it means, read by every view (nothing looks up names).

    ``constraint`` says what values are valid, how they are stored, parsed from text and described to the page.
    ``units="target"``: the parameter is measured in the target's units (Huber's delta), so it scales with the
    target when the trainer standardizes it. ``role``: ``"shape"`` changes the curve (shown in figure labels and
    offered as a slider), ``"input"`` says how ``pred`` is read (``from_logits``), ``"weighting"`` weighs terms
    inside the loss (``pos_weight``, focal ``alpha``), ``"example_weight"`` weighs whole examples as the core's
    w_i (``class_weight``), ``"skip"`` leaves examples out (``ignore_index``), ``"numerics"`` is a safety floor
    (``eps``). ``kink``: the parameter is the error at which the loss
    changes branch (figures mark it). ``slider``: ``(min, max, step)`` offered by the lab's explorer.
    """

    name: str
    default: Any
    doc: str
    constraint: Constraint = ANY
    units: Units = "none"
    role: Role = "shape"
    kink: bool = False
    slider: tuple[float, float, float] | None = None

    def check(self, value: Any) -> str | None:
        return self.constraint.check(value)

    def convert(self, value: Any) -> Any:
        return self.constraint.convert(value)

    def parse(self, text: str) -> Any:
        return self.constraint.parse(text)

    @property
    def type(self) -> str:
        """How the command line and the lab parse it: float, int, bool, float_or_none, weights, any."""
        return self.constraint.kind

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "default": jsonable(self.default), "type": self.type, "doc": self.doc,
                "constraint": self.constraint.schema(), "units": self.units, "role": self.role, "kink": self.kink,
                "slider": list(self.slider) if self.slider else None}


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def number(*, low: float | None = None, high: float | None = None, low_open: bool = False,
           high_open: bool = False, allow_none: bool = False, integer: bool = False,
           words: str | None = None) -> Interval:
    """A finite real number in an interval, e.g. ``number(low=0, low_open=True)`` for "> 0"."""
    return Interval(low, high, low_open, high_open, allow_none, integer, words)


boolean = BOOLEAN


# ------------------------------------------------------------------------------------------------- extra inputs
InputShape = Literal["like_pred", "like_pred_or_broadcast", "per_example"]
INPUT_SHAPES: tuple[InputShape, ...] = ("like_pred", "like_pred_or_broadcast", "per_example")


@dataclass(frozen=True)
class Input:
    """An array a loss reads besides ``pred`` and ``target`` (triplet's ``negative``, Gaussian NLL's ``var``, the
    ±1 label ``y`` of a pair), passed to the call by keyword: ``loss(pred, target, negative=n)``.

    ``shape``: ``"like_pred"`` (the shape of pred, laid out like it), ``"like_pred_or_broadcast"`` (pred's shape, or
    pred's with its last axis 1 or dropped: one value per example, repeated over its elements, as PyTorch's
    GaussianNLLLoss takes ``var``), ``"per_example"`` (one value per example, shape (N,)). ``domain``: the values
    allowed, checked as pred's are, with ``hint`` in the error. ``grad``: the derivative of the loss with respect to
    this input, with the signature of the definition's ``grad`` (None: not differentiable, e.g. labels).
    ``required``: False lets the call leave it out; ``value`` then receives None. A ``per_example`` input beside a
    sequence loss (CTC's ``input_lengths``) is laid out (N,) as beside a row loss; integer values arrive as the
    compute float (exact up to 2**24 in float32) and the definition checks that they are whole.
    """

    name: str
    doc: str
    shape: InputShape = "like_pred"
    domain: Domain = "real"
    grad: Callable[..., Array] | None = None
    required: bool = True
    hint: str | None = None
    length_of: Literal["pred", "target"] | None = None
    """The input counts positions along axis 1 of pred (CTC's ``input_lengths``: frames) or of the target
    (``target_lengths``: labels): whole numbers, one per example, at most that axis's size."""

    @property
    def differentiable(self) -> bool:
        return self.grad is not None

    def info(self) -> dict[str, Any]:
        return {"name": self.name, "doc": self.doc, "shape": self.shape, "domain": self.domain,
                "differentiable": self.differentiable, "required": self.required, "length_of": self.length_of}


# -------------------------------------------------------------------------------------------------- definitions
@dataclass(frozen=True)
class LossDefinition:
    """Everything losslab knows about one loss; the single source of truth the CLI, trainer and lab read.

    ``value`` and ``grad`` receive arrays laid out as ``(N, K)`` (``kind="elementwise"``: K elements of one example)
    or ``(N, C)`` (``kind="rows"``: one row of class scores and a target row per example), plus the parameters as
    keyword arguments. For elementwise losses they return an ``(N, K)`` array of element losses / derivatives; for
    row losses ``value`` returns ``(N,)`` and ``grad`` the ``(N, C)`` derivative of each row's loss.
    ``kind="sequence"``: pred is ``(N, T, C)`` (T frames of C class scores per example; ``(T, C)`` for one
    sequence), kept three-dimensional; ``value`` returns ``(N,)`` and ``grad`` ``(N, T, C)``, reduced as rows.
    ``target_format="padded_labels"``: the target is ``(N, S)`` integer labels padded to a common length (``(S,)``
    for one sequence), passed through as floats: the definition checks their range and the lengths itself.
    """

    name: str
    task: Task
    kind: Kind
    value: Callable[..., Array]
    grad: Callable[..., Array] | None
    latex: str
    plain: str
    aliases: tuple[str, ...] = ()
    params: tuple[Param, ...] = ()
    summary: str = ""
    equivalents: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""
    default_reduction: Reduction = "mean"
    reductions: tuple[Reduction, ...] = REDUCTIONS
    element_reduce: Literal["mean", "sum"] = "mean"
    target_format: TargetFormat = "same"
    pred_domain: Callable[[Mapping[str, Any]], Domain] = lambda params: "real"
    target_domain: Callable[[Mapping[str, Any]], Domain] = lambda params: "real"
    prepare_target: Callable[[Namespace, Array], Array] | None = None
    finalize: Literal["sqrt"] | None = None
    pred_hint: str | None = None
    fast: Callable[..., Any] | None = None
    """Optional NumPy kernel for large arrays (``losses.fast``): same numbers, or NotImplemented to decline."""
    value_and_grad: Callable[..., Any] | None = None
    """Optional: ``value`` and ``grad`` computed together, ``(value(...), grad(...))`` number for number, used when a
    call wants both (CTC's forward pass is most of its backward pass: done once instead of twice)."""
    steps: Callable[..., Any] | None = None
    """Optional explanation columns: ``steps(pred, target, params) -> (per-element or per-example, per-class)``
    dicts of NumPy arrays keyed by the ``[ui]`` names of the explanation texts."""
    relative: bool = False  # reads the error relative to the target (mape): not shift-invariant
    label_variant: str | None = None
    """The loss to use when the target holds integer labels instead (named in the hint of a shape error)."""
    builtin: bool = False
    origin: Mapping[str, Any] = field(default_factory=dict)
    """Where a user's loss came from, as plain data (``losslab.custom``: the formula text, its parameters, task)."""
    inputs: tuple[Input, ...] = ()
    target_grad: Callable[..., Array] | None = None
    grads: Callable[..., Mapping[str, Array]] | None = None
    """Optional: several gradients in one pass, ``grads(xp, pred, target, wrt=names, **inputs, **params) ->
    {name: derivative}`` (the same numbers as ``grad`` / ``target_grad`` / ``Input.grad``, which stay declared:
    they say what is differentiable), for losses whose gradients share their work."""
    trainable: bool = True
    """False: no model of the trainer produces what this loss reads (two embeddings, an ensemble, a mean and a
    variance), or its gradient cannot train one; the trainer refuses it with a reason and the lab's training
    lists leave it out."""
    untrainable_reason: UntrainableReason | None = None
    """Why ``trainable`` is False (a key of the training texts' ``[untrainable]`` table, en and ja); None: derived,
    ``"inputs"`` for a loss with required inputs, else ``"other"`` (:attr:`why_untrainable`)."""
    autograd: bool = True
    """False: ``value`` computes in NumPy (CTC's forward-backward recursion) and hands the result back in the
    caller's array library, so no autograd graph flows through it: torch / JAX users differentiate with
    ``loss.grad`` (the same numbers as the library's own autograd, tested against it)."""
    mean_divisor: Callable[..., Array] | None = None
    """Optional: ``mean_divisor(xp, pred, target, **inputs, **params) -> (N,)`` divides each example's loss (and its
    gradient) under ``reduction="mean"`` only, before the weighted mean: PyTorch's CTC mean is the average of
    l_n / max(S_n, 1). "sum" and "none" are not divided."""

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        taken = {"pred", "target", "reduction", "sample_weight", "nan_policy", "out", "wrt", "lang", "max_rows",
                 *(p.name for p in self.params)}
        clash = [n for n in names if n in taken or names.count(n) > 1 or not n.isidentifier()]
        if clash:
            raise ValueError(f"{self.name}: input names must be new identifiers, not {clash}")

    @property
    def example_ndim(self) -> int:
        """The axes of one example of pred (:data:`EXAMPLE_NDIM`)."""
        return EXAMPLE_NDIM[self.kind]

    @property
    def why_untrainable(self) -> UntrainableReason | None:
        """The trainer's reason to refuse this loss (None when it is trainable)."""
        if self.trainable:
            return None
        if self.untrainable_reason is not None:
            return self.untrainable_reason
        return "inputs" if self.needs_inputs else "other"

    @property
    def needs_inputs(self) -> bool:
        """True when a call needs more than (pred, target): a required :class:`Input`."""
        return any(i.required for i in self.inputs)

    @property
    def wrt(self) -> tuple[str, ...]:
        """The arguments ``grad(..., wrt=...)`` can differentiate with respect to: pred first."""
        names = ["pred"] + (["target"] if self.target_grad is not None else [])
        return (*names, *(i.name for i in self.inputs if i.grad is not None))

    def input(self, name: str) -> Input:
        for i in self.inputs:
            if i.name == name:
                return i
        raise KeyError(name)

    @property
    def score_switch(self) -> str | None:
        """The parameter that makes ``pred`` a raw score, or None: a boolean with ``role="input"`` (``from_logits``
        reads scores through the loss's own sigmoid or softmax, ``log_input`` the log of a Poisson rate)."""
        return next((p.name for p in self.params if p.role == "input" and p.type == "bool"), None)

    def role_param(self, role: str) -> str | None:
        """The name of the parameter with this role (``"example_weight"``: class_weight; ``"skip"``:
        ignore_index), or None: the core finds them by role, never by name."""
        return next((p.name for p in self.params if p.role == role), None)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def info(self) -> dict[str, Any]:
        """The catalog entry of this loss as plain data (JSON-ready)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "task": self.task,
            "params": [p.info() for p in self.params],
            "score_switch": self.score_switch,
            "formula": {"latex": self.latex, "plain": self.plain},
            "summary": self.summary,
            "default_reduction": self.default_reduction,
            "reductions": list(self.reductions),
            "equivalents": dict(self.equivalents),
            "reference": self.reference,
            "builtin": self.builtin,
            "origin": jsonable(dict(self.origin)),
            "kind": self.kind,
            "inputs": [i.info() for i in self.inputs],
            "wrt": list(self.wrt),
            "trainable": self.trainable,
            "untrainable_reason": self.why_untrainable,
        }
