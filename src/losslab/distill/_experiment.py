r"""A distillation run: a teacher MLP, a small student trained alone, the same student distilled.

All three are :class:`losslab.training.MLP` models (NumPy, explicit backpropagation) trained by the same small loop:
mini-batches of 64, Adam with a learning rate that falls linearly to 0, the same shuffling for both students and
the same initial weights. Only the loss on the student's logits z differs:

.. math::
    L_{\text{alone}} = \mathrm{CE}(y, \mathrm{softmax}(z)),\qquad
    L_{\text{distilled}} = \alpha\,\mathrm{CE}(y, \mathrm{softmax}(z))
        + (1-\alpha)\,T^2\,\mathrm{KL}\big(\mathrm{softmax}(a/T)\,\|\,\mathrm{softmax}(z/T)\big)

with the teacher's logits a on the same training rows (Hinton et al. 2015). The gradient on z is
alpha (softmax(z) - onehot(y)) / B plus (1 - alpha) times the gradient of :func:`losslab.distill.kl_result` with
``scale_t2=True``. The report is each model's validation cross-entropy and accuracy on the hard labels.

``fit()`` of :mod:`losslab.training` trains on hard targets through a catalog loss; the soft targets of a teacher
need their own loop, which is why this module has one (:func:`_train`), written from ``Model.forward`` / ``backward``
and the trainer's :class:`~losslab.training.Adam`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses._stable import softmax_parts
from ..training import MLP, Adam, Model, TrainingError, load_dataset
from ._divergences import kl_result
from ._inputs import check_temperature

__all__ = ["DistillRow", "DistillRun", "distill_experiment"]

WHERE = "distill.distill_experiment"
BATCH = 64
ROLES = ("teacher", "student", "distilled")


@dataclass(frozen=True)
class DistillRow:
    """One trained model: its role, hidden layers, parameter count and scores (cross-entropy on hard labels)."""

    role: str
    hidden: tuple[int, ...]
    n_params: int
    train_loss: float
    val_loss: float
    val_accuracy: float
    val_kl_to_teacher: float


@dataclass(frozen=True)
class DistillRun:
    """Teacher, student alone and distilled student; ``settings`` holds every argument, ``seconds`` the time."""

    rows: tuple[DistillRow, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def row(self, role: str) -> DistillRow:
        return next(r for r in self.rows if r.role == role)

    @property
    def distilled_wins(self) -> bool:
        """The distilled student has the lower validation loss than the student trained alone."""
        return self.row("distilled").val_loss < self.row("student").val_loss

    def to_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "seconds": self.seconds, "distilled_wins": self.distilled_wins,
                "rows": [{"role": r.role, "hidden": list(r.hidden), "n_params": r.n_params,
                          "train_loss": r.train_loss, "val_loss": r.val_loss, "val_accuracy": r.val_accuracy,
                          "val_kl_to_teacher": r.val_kl_to_teacher} for r in self.rows]}


def _cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean CE of integer labels y under softmax(z), and softmax(z) (for the gradient)."""
    parts = softmax_parts(np, z)
    log_p = parts.log_prob()
    return float(-log_p[np.arange(len(y)), y].mean()), np.exp(log_p)


def _train(model: Model, X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float, seed: int,
           teacher_logits: np.ndarray | None = None, temperature: float = 1.0, alpha: float = 1.0) -> Model:
    """Mini-batch Adam on CE (``teacher_logits=None``) or on alpha CE + (1 - alpha) T² KL(teacher_T ‖ student_T)."""
    rng = np.random.default_rng([int(seed), 14])
    opt = Adam(lr)
    n = len(X)
    total = epochs * -(-n // BATCH)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            opt.lr = lr * (1.0 - opt.steps / total)
            idx = order[start:start + BATCH]
            z = model.forward(X[idx])
            _, p = _cross_entropy(z, y[idx])
            p[np.arange(len(idx)), y[idx]] -= 1.0
            grad = p / len(idx)  # d CE / dz
            if teacher_logits is not None:
                soft = kl_result(teacher_logits[idx], z, temperature=temperature, scale_t2=True, from_logits=True)
                grad = alpha * grad + (1.0 - alpha) * soft.grad
            model.backward(grad)
            opt.step(model.params, model.grad)
    return model


def _hidden(where: str, argument: str, hidden: Any) -> tuple[int, ...]:
    try:
        sizes = tuple(int(h) for h in hidden)
    except (TypeError, ValueError):
        sizes = ()
    if not sizes or any(h < 1 for h in sizes) or any(isinstance(h, bool) for h in hidden):
        raise LossInputError(where, argument, "hidden layer widths, e.g. (64, 64)", repr(hidden))
    return sizes


def _count(argument: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise LossInputError(WHERE, argument, "a positive integer", repr(value))
    return int(value)


def distill_experiment(data: str = "digits", teacher: Sequence[int] = (64, 64), student: Sequence[int] = (8,),
                       temperature: float = 4.0, alpha: float = 0.5, seed: int = 0, *, teacher_epochs: int = 30,
                       student_epochs: int = 150, lr: float = 0.01) -> DistillRun:
    r"""Train a teacher MLP, a student alone and the same student distilled; report each on validation.

    .. math::
        L = \alpha\,\mathrm{CE}(y, s) + (1-\alpha)\,T^2\,\mathrm{KL}(t_T\,\|\,s_T)

    Parameters
    ----------
    data : str
        A classification data set of :func:`losslab.training.load_dataset` (``digits``: 1438 training and 359
        validation images of 8 x 8 pixels, 10 classes).
    teacher, student : sequence of int
        Hidden layer widths. (64, 64) and (8,) on digits have 8970 and 610 parameters.
    temperature : float
        T > 0 for the soft targets.
    alpha : float
        Weight of the hard-label cross-entropy, in [0, 1] (1: the student alone again).
    seed : int
        Seeds the split, the initial weights (the same for both students) and the shuffling.
    teacher_epochs, student_epochs, lr : int, int, float
        The schedule: the teacher stops early (30 epochs) so that its soft targets are not all one-hot; 150 epochs
        let a student trained alone overfit, which is where the teacher's soft targets help.

    Returns
    -------
    DistillRun
        Rows ``teacher``, ``student`` (alone) and ``distilled``: parameters, training CE, validation CE, accuracy
        and KL(teacher ‖ model) on the validation rows; ``distilled_wins``.
    """
    temperature = check_temperature(WHERE, temperature)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not (0.0 <= alpha <= 1.0):
        raise LossInputError(WHERE, "alpha", "a number in [0, 1]", repr(alpha),
                             "alpha weights the hard labels, 1 - alpha the teacher's soft targets; 0.5 is usual")
    if not (isinstance(lr, int | float) and lr > 0):
        raise LossInputError(WHERE, "lr", "a positive learning rate", repr(lr))
    t_hidden, s_hidden = _hidden(WHERE, "teacher", teacher), _hidden(WHERE, "student", student)
    t_epochs, s_epochs = _count("teacher_epochs", teacher_epochs), _count("student_epochs", student_epochs)
    seed = int(seed)
    try:
        ds = load_dataset(data, seed=seed)
    except TrainingError as exc:
        raise LossInputError(WHERE, "data", "a built-in classification data set such as digits or iris",
                             repr(data), str(exc)) from None
    if ds.task == "regression":
        raise LossInputError(WHERE, "data", "a classification data set (distillation matches class distributions)",
                             f"{data!r}, a regression data set", "try digits, iris, wine or breast_cancer")
    started = time.perf_counter()
    X, y = np.ascontiguousarray(ds.X_train, dtype=np.float64), np.asarray(ds.y_train, dtype=np.int64)
    X_val, y_val = np.ascontiguousarray(ds.X_val, dtype=np.float64), np.asarray(ds.y_val, dtype=np.int64)
    n_features, n_classes = X.shape[1], int(max(y.max(), y_val.max())) + 1
    big = _train(MLP(n_features, t_hidden, n_classes, seed=seed), X, y, epochs=t_epochs, lr=lr, seed=seed)
    soft = big.scores(X)
    alone = _train(MLP(n_features, s_hidden, n_classes, seed=seed + 1), X, y, epochs=s_epochs, lr=lr, seed=seed)
    taught = _train(MLP(n_features, s_hidden, n_classes, seed=seed + 1), X, y, epochs=s_epochs, lr=lr, seed=seed,
                    teacher_logits=soft, temperature=temperature, alpha=float(alpha))
    teacher_val = big.scores(X_val)
    rows = []
    for role, model in zip(ROLES, (big, alone, taught), strict=True):
        z_val = model.scores(X_val)
        rows.append(DistillRow(
            role=role, hidden=model.hidden, n_params=model.n_params,
            train_loss=_cross_entropy(model.scores(X), y)[0], val_loss=_cross_entropy(z_val, y_val)[0],
            val_accuracy=float(np.mean(np.argmax(z_val, axis=1) == y_val)),
            val_kl_to_teacher=kl_result(teacher_val, z_val, from_logits=True).value))
    settings = {"data": ds.name, "teacher": list(t_hidden), "student": list(s_hidden), "temperature": temperature,
                "alpha": float(alpha), "seed": seed, "teacher_epochs": t_epochs, "student_epochs": s_epochs,
                "lr": float(lr), "batch_size": BATCH, "n_train": len(X), "n_val": len(X_val)}
    return DistillRun(rows=tuple(rows), settings=settings, seconds=time.perf_counter() - started)
