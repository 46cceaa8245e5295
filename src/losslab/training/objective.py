"""Matching a catalog loss to a data set: the output layer, the target format and the way back to the scores.

A model produces raw scores ``Z``. What a loss wants to see differs from loss to loss — a probability for
``binary_cross_entropy``, a row of class probabilities for ``kl_divergence``, a raw score for ``hinge``, a rate for
``poisson`` — and so does the target: 0/1 or ±1, integer labels or one-hot rows, standardized values. An
:class:`Objective` settles all of that once, from the loss's definition in the catalog:

- the **output layer** (``head``): ``identity`` (regression, raw logits, hinge scores), ``sigmoid``, ``softmax`` or
  ``softplus`` (for losses that need a non-negative prediction);
- the **target encoding** (:meth:`Objective.encode`): ``values``, ``binary`` (0/1), ``signed`` (±1),
  ``labels`` (integers) or ``onehot``;
- the **chain rule through the output layer** (:meth:`Objective.head_backward`): d(loss)/dZ from the
  d(loss)/d(pred) that ``loss.grad`` returns.

Where a loss offers a numerically stable path on raw scores (a boolean parameter with ``role="input"``:
``from_logits`` of the cross-entropies and focal losses, ``log_input`` of ``poisson``), a loss given *by name*
takes it; a :class:`~losslab.Loss` object is used with
the parameters it has, so ``losslab.get("bce")`` (probabilities) trains through a sigmoid output layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .._jsonable import jsonable
from .._numeric import sigmoid
from ..errors import LossInputError
from ..losses import Loss, get
from ..losses import definition as loss_definition
from ..losses._definition import LossDefinition, Reduction
from ..losses._stable import softplus
from . import texts
from ._common import DataTask, TrainingError
from .data import Dataset

__all__ = ["HEADS", "OUTPUTS", "Objective", "default_loss", "make_objective"]

Head = Literal["identity", "sigmoid", "softmax", "softplus", "log_softmax"]
TargetFormat = Literal["values", "binary", "signed", "labels", "onehot"]
HEADS: tuple[str, ...] = ("identity", "sigmoid", "softmax", "softplus", "log_softmax")
OUTPUTS: tuple[str, ...] = ("auto", "logits", "identity", "sigmoid", "softmax", "softplus")
"""What ``output=`` accepts: ``auto`` chooses from the loss; ``logits`` and ``identity`` both mean raw scores."""

_DEFAULT_LOSS: dict[str, str] = {
    "regression": "mse",
    "binary": "binary_cross_entropy",
    "multiclass": "sparse_categorical_cross_entropy",
}
_SUGGEST: dict[str, str] = {
    "regression": "mse, mae or huber",
    "binary": "binary_cross_entropy, binary_focal or hinge",
    "multiclass": "sparse_categorical_cross_entropy or categorical_hinge",
}


def default_loss(task: DataTask) -> str:
    """The loss :func:`~losslab.training.fit` uses when none is named: mse, binary_cross_entropy or sparse CCE."""
    return _DEFAULT_LOSS[task]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


@dataclass(frozen=True, eq=False)
class Objective:
    """A loss matched to a task: output layer, target encoding and metrics. Built by :func:`make_objective`.

    Attributes
    ----------
    loss : Loss
        The catalog loss with the parameters the trainer calls it with (``from_logits`` already decided).
    task : {"regression", "binary", "multiclass"}
    n_classes : int
        0 for regression.
    n_outputs : int
        Scores per example the model must produce: 1 for regression and binary losses, C for multiclass losses.
    head : {"identity", "sigmoid", "softmax", "softplus"}
        The output layer between the scores and the loss.
    target_format : {"values", "binary", "signed", "labels", "onehot"}
    scale_target : bool
        Regression targets are standardized with ``y_mean`` / ``y_scale`` for training; predictions and the
        MAE / RMSE metrics are always in the original units.
    probabilistic : bool
        Whether the outputs read as probabilities (cross-entropy, focal and divergence losses; not hinge losses).
    """

    loss: Loss
    task: DataTask
    n_classes: int
    n_outputs: int
    head: Head
    target_format: TargetFormat
    scale_target: bool = False
    y_mean: float = 0.0
    y_scale: float = 1.0
    probabilistic: bool = False
    given_loss: Loss | None = None  # the loss in the user's units, when ``loss`` was rescaled for standardized targets

    @property
    def user_loss(self) -> Loss:
        """The loss as the user set it (thresholds in the target's own units)."""
        return self.given_loss if self.given_loss is not None else self.loss

    @property
    def reduction(self) -> Reduction:
        """The reduction the trainer uses: the loss's own default (``"sum"`` for sse, ``"mean"`` otherwise)."""
        return self.loss.definition.default_reduction

    # -- targets --------------------------------------------------------------------------------------------
    def encode(self, y: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
        """Targets as the loss takes them: (N, 1) values / 0-1 / ±1, (N,) integer labels or (N, C) one-hot rows."""
        y = np.asarray(y)
        fmt = self.target_format
        if fmt == "values":
            v = (y - self.y_mean) / self.y_scale if self.scale_target else y
            return np.asarray(v, dtype=dtype).reshape(-1, 1)
        labels = y.astype(np.int64)
        if fmt == "labels":
            return labels
        if fmt == "onehot":
            return (labels[:, None] == np.arange(self.n_classes)[None, :]).astype(dtype)
        if fmt == "signed":
            return np.where(labels == 1, 1.0, -1.0).astype(dtype).reshape(-1, 1)
        return labels.astype(dtype).reshape(-1, 1)

    # -- the output layer and its derivative ----------------------------------------------------------------
    def output(self, Z: np.ndarray) -> np.ndarray:
        """What the loss sees (``pred``) for raw scores ``Z``: the head applied."""
        h = self.head
        if h == "identity":
            return Z
        if h == "sigmoid":
            return sigmoid(Z)
        if h == "softmax":
            return _softmax(Z)
        if h == "log_softmax":  # log-probabilities (nll): z - m - log Σ e^(z - m), never log of a rounded 0
            shifted = Z - Z.max(axis=1, keepdims=True)
            return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return softplus(np, Z)

    def head_backward(self, dpred: np.ndarray, Z: np.ndarray, pred: np.ndarray) -> np.ndarray:
        """d(loss)/dZ from d(loss)/d(pred): the chain rule through the output layer.

        sigmoid: ``dZ = dpred · p (1 - p)``; softmax: ``dZ = p ⊙ (dpred - Σ_j dpred_j p_j)``;
        log_softmax: ``dZ = dpred - softmax(Z) Σ_j dpred_j``; softplus: ``dZ = dpred · sigmoid(Z)``;
        identity: ``dZ = dpred``.
        """
        h = self.head
        if h == "identity":
            return dpred
        if h == "sigmoid":
            return dpred * pred * (1.0 - pred)
        if h == "softmax":
            return pred * (dpred - np.sum(dpred * pred, axis=1, keepdims=True))
        if h == "log_softmax":
            return dpred - np.exp(pred) * np.sum(dpred, axis=1, keepdims=True)
        return dpred * sigmoid(Z)

    # -- reading the scores ---------------------------------------------------------------------------------
    @property
    def log_scores(self) -> bool:
        """Regression whose loss reads the log of the prediction (poisson's ``log_input``: its raw-score switch)."""
        switch = self.loss.definition.score_switch
        return self.task == "regression" and switch is not None and bool(self.loss.params[switch])

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """Predicted values in original units (regression) or class indices (classification)."""
        if self.task == "regression":
            p = self.output(Z)[:, 0].astype(np.float64)
            if self.log_scores:
                return np.exp(p)  # the scores are log-rates
            return p * self.y_scale + self.y_mean if self.scale_target else p
        if self.n_outputs == 1:
            return (Z[:, 0] > 0).astype(np.int64)  # sigmoid(z) > 1/2 and sign(z) > 0 both mean z > 0
        return np.argmax(Z, axis=1)

    def proba(self, Z: np.ndarray) -> np.ndarray | None:
        """Class probabilities (N, C) when the loss is probabilistic, else None (hinge scores are not probabilities)."""
        if self.task == "regression" or not self.probabilistic:
            return None
        if self.n_outputs == 1:
            p1 = sigmoid(Z[:, 0].astype(np.float64))
            return np.stack([1.0 - p1, p1], axis=1)
        return _softmax(Z.astype(np.float64))

    def baseline(self, target: np.ndarray) -> float:
        """The loss of the best trivial model — one that ignores the features — on these (encoded) targets.

        Regression: a constant (the mean or the median, whichever scores lower). Classification: constant scores
        from the class frequencies (or all zeros, whichever scores lower). The diagnosis calls a loss "high" by
        comparing it with this number.
        """
        n = len(target)
        if n == 0:
            return float("nan")
        candidates: list[np.ndarray] = []
        if self.task == "regression":
            t = target[:, 0].astype(np.float64)
            for c in (float(np.mean(t)), float(np.median(t))):
                if self.log_scores:
                    c = float(np.log(max(c, 1e-8)))
                candidates.append(np.full((n, 1), c, dtype=target.dtype))
        else:
            if self.target_format == "labels":
                labels = target
            elif self.target_format == "onehot":
                labels = np.argmax(target, axis=1)
            else:
                labels = (target[:, 0] > 0).astype(np.int64)
            counts = np.bincount(labels, minlength=self.n_classes).astype(np.float64)
            prior = np.clip(counts / counts.sum(), 1e-6, 1.0)
            if self.n_outputs == 1:
                rows = [np.array([np.log(prior[1] / prior[0])]), np.zeros(1)]
            else:
                rows = [np.log(prior), np.zeros(self.n_classes)]
            dt = np.float64 if target.dtype.kind in "iu" else target.dtype
            candidates += [self.output(np.tile(r.astype(dt), (n, 1))) for r in rows]
        values = [float(self.loss(c, target, nan_policy="propagate")) for c in candidates]
        finite = [v for v in values if np.isfinite(v)]
        return min(finite) if finite else float("nan")

    def initial_bias(self, target: np.ndarray) -> np.ndarray | None:
        """A good starting value for the output layer's bias, or None to start at 0.

        Regression starts from the mean target — on the scale the loss sees: ``log(mean)`` for ``log_input``
        (Poisson), the inverse softplus for a softplus output — so that the first steps are not spent on the
        offset. Classification starts at 0 (even odds).
        """
        if self.task != "regression" or len(target) == 0:
            return None
        mean = float(np.mean(target))
        if self.log_scores:
            return np.array([np.log(max(mean, 1e-8))])
        if self.head == "softplus":
            m = max(mean, 1e-8)
            return np.array([m + np.log(-np.expm1(-m))])  # softplus⁻¹(m) = log(eᵐ - 1), written stably
        return np.array([mean])

    def describe(self) -> dict[str, Any]:
        """The matching as plain data: loss name and parameters, head, target format, outputs."""
        return {"loss": self.loss.name, "params": jsonable(dict(self.user_loss.params)),
                "head": self.head, "target_format": self.target_format, "n_outputs": self.n_outputs,
                "scale_target": self.scale_target, "probabilistic": self.probabilistic,
                "reduction": self.reduction}


def untrainable_message(d: LossDefinition, suggest: str, lang: str | None = "en") -> str:
    """Why the trainer refuses ``d`` (``trainable=False``), in ``lang``: the reason its metadata names
    (``LossDefinition.why_untrainable``), from the ``[untrainable]`` training texts, and what to try instead."""
    reason = d.why_untrainable or "other"
    because = texts.get(f"untrainable.{reason}", lang, inputs=", ".join(i.name for i in d.inputs))
    return texts.get("untrainable.message", lang, name=d.name, reason=because, suggest=suggest)


def make_objective(
    loss: str | Loss | None,
    data: Dataset,
    *,
    output: str = "auto",
    loss_params: Mapping[str, Any] | None = None,
    scale_target: bool = True,
    lang: str | None = "en",
) -> Objective:
    """Match ``loss`` to the data set ``data``: output layer, target format, stable path.

    Parameters
    ----------
    loss : str, Loss or None
        A catalog name or alias, a :class:`~losslab.Loss`, or None for :func:`default_loss` of the task.
    data : Dataset
        Gives the task, the number of classes and the target statistics.
    output : {"auto", "logits", "identity", "sigmoid", "softmax", "softplus"}
        ``auto``: raw scores where the loss takes them (stable ``from_logits`` / ``log_input`` paths for losses
        given by name: the switch ``LossDefinition.score_switch``), otherwise the activation the loss's input domain
        calls for. ``sigmoid`` / ``softmax`` force the probability path (``from_logits=False``), ``logits`` the
        raw-score path.
    loss_params : mapping, optional
        Parameters for a loss given by name, e.g. ``{"pos_weight": 9.0}``.
    scale_target : bool
        Train regression on standardized targets (when the loss accepts any real target).
    lang : str or None
        The language of a refusal's reason (``untrainable_message``): "en" or "ja".

    Raises
    ------
    TrainingError
        When the loss does not fit the data (a binary loss on three classes, a regression loss on labels, ...)
        or ``output`` contradicts the loss.
    """
    task = data.task
    if output not in OUTPUTS:
        raise TrainingError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    if loss is None:
        loss = default_loss(task)
    explicit: set[str] = set()
    if isinstance(loss, Loss):
        if loss_params:
            loss = loss.with_params(**loss_params)
        d = loss.definition
        explicit = {p.name for p in d.params}
        params = dict(loss.params)
    else:
        d = loss_definition(loss)
        params = dict(loss_params or {})
        explicit = set(params)
    name = d.name
    if not d.trainable:  # metadata: the loss reads what no model here produces, or has no gradient to train on
        raise TrainingError(untrainable_message(d, _SUGGEST[task], lang))
    switch = d.score_switch  # from_logits, log_input
    c = data.n_classes

    if task == "regression":
        if d.task != "regression":
            raise TrainingError(f"{name} is a {d.task} loss, but {data.name} is a regression data set; "
                                f"try {_SUGGEST['regression']}")
        if switch is not None and switch not in explicit and output in ("auto", "logits", "identity"):
            params[switch] = True
        n_out = 1
    elif d.task == "regression":
        raise TrainingError(f"{name} is a regression loss, but {data.name} asks for {task} classification; "
                            f"try {_SUGGEST[task]}")
    elif d.task == "binary":
        if c != 2:
            raise TrainingError(f"{name} is a binary loss, but {data.name} has {c} classes; "
                                f"try {_SUGGEST['multiclass']}")
        n_out = 1
    else:
        n_out = c
    if task != "regression" and switch is not None:
        wants_probabilities = output in ("sigmoid", "softmax")
        wants_logits = output in ("logits", "identity")
        if switch in explicit and ((wants_probabilities and params[switch])
                                   or (wants_logits and not params[switch])):
            raise TrainingError(f"output={output!r} contradicts {name}'s {switch}={params[switch]}")
        if switch not in explicit:
            params[switch] = not wants_probabilities
    try:
        final = get(name, **params)
    except LossInputError as exc:
        raise TrainingError(str(exc)) from None
    domain = final.definition.pred_domain(final.params)

    head: Head
    if domain == "real":
        head = "identity"
    elif domain == "probability":
        head = "sigmoid" if n_out == 1 and task != "regression" else "softmax"
        if task == "regression":
            raise TrainingError(f"{name} needs probabilities and cannot fit regression targets")
    elif domain == "nonpositive":  # log-probabilities (nll): a log-softmax output layer, as PyTorch pairs them
        if task == "regression" or n_out == 1:
            raise TrainingError(f"{name} needs log-probabilities of classes and cannot fit {task} targets")
        head = "log_softmax"
    else:  # nonnegative or above -1: a positive prediction
        head = "softplus"
    if output in ("sigmoid", "softmax", "softplus") and output != head:
        raise TrainingError(f"output={output!r} does not suit {name} on {task} data (its output layer is {head})")
    if output in ("logits", "identity") and head != "identity":
        raise TrainingError(f"{name} needs {'probabilities' if domain == 'probability' else 'non-negative values'}"
                            f", not raw scores: use output='auto' (its output layer is {head})")

    fmt: TargetFormat
    if task == "regression":
        fmt = "values"
    elif d.task == "binary":
        fmt = "signed" if final.definition.target_domain(final.params) == "signed_or_binary" else "binary"
    else:
        fmt = "labels" if d.target_format in ("labels", "labels_or_same") else "onehot"
    # scores read through the loss's own sigmoid / softmax are probabilities too (not hinge scores)
    probabilistic = task != "regression" and (domain == "probability" or switch is not None or head == "log_softmax")
    log_scores = task == "regression" and switch is not None and bool(final.params[switch])
    scale = bool(scale_target and task == "regression" and head == "identity" and not log_scores
                 and final.definition.target_domain(final.params) == "real")
    # a relative loss (percentage error) changes if the targets are shifted: scale them, but do not centre them
    y_mean = float(data.y_mean or 0.0) if scale and not d.relative else 0.0
    y_scale = float(data.y_scale or 1.0) if scale else 1.0
    given = final
    # A parameter in the target's units (Huber's delta, smooth L1's beta: units="target") must move with the
    # targets: huber(s e; delta) = s^2 huber(e; delta / s), so training on standardized targets with delta / s
    # fits the same model as training on the raw targets with delta.
    for p in final.definition.params:
        if scale and p.units == "target" and final.params[p.name] is not None and y_scale != 1.0:
            final = final.with_params(**{p.name: final.params[p.name] / y_scale})
    return Objective(
        loss=final, task=task, n_classes=c, n_outputs=n_out, head=head, target_format=fmt, scale_target=scale,
        y_mean=y_mean, y_scale=y_scale, probabilistic=probabilistic, given_loss=given if given is not final else None,
    )
