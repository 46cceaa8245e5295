"""The record of a training run, epoch by epoch: :class:`History` and the keys of its records.

It lives below :mod:`losslab.training.trainer` (which writes it) and :mod:`losslab.training.diagnosis` (which
reads it), so that the trainer can offer ``Run.diagnose()`` and the diagnosis can read a History without either
importing the other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._common import DataTask, jsonable

__all__ = ["RECORD_KEYS", "STOP_REASONS", "History"]

RECORD_KEYS: tuple[str, ...] = (
    "epoch", "train_loss", "val_loss", "penalty", "objective", "train_accuracy", "val_accuracy", "train_mae",
    "val_mae", "train_rmse", "val_rmse", "grad_norm", "lr", "update_ratio",
)
"""The keys of every epoch record, always all present (None where a value does not apply)."""

STOP_REASONS: tuple[str, ...] = ("completed", "early_stopping", "diverged", "cancelled")


@dataclass(eq=False)
class History:
    """What happened, epoch by epoch.

    Attributes
    ----------
    task : {"regression", "binary", "multiclass"}
    loss : str
        The canonical name of the loss.
    records : list of dict
        One per completed epoch, with the keys of :data:`RECORD_KEYS`:

        - ``epoch`` — 1, 2, ...
        - ``train_loss``, ``val_loss`` — the data loss (per-example mean) on the whole training / validation
          part with the parameters at the end of the epoch (``val_loss`` is None without a validation part)
        - ``penalty`` — the L1/L2 penalty at the end of the epoch; ``objective`` = ``train_loss + penalty``,
          what the optimizer minimizes
        - ``train_accuracy``, ``val_accuracy`` — classification only
        - ``train_mae``, ``val_mae``, ``train_rmse``, ``val_rmse`` — regression only, in the target's units
        - ``grad_norm`` — mean over the epoch's steps of the gradient's L2 norm (data loss + penalty)
        - ``lr`` — the learning rate of the epoch's last step
        - ``update_ratio`` — how far the parameters moved in the epoch, ``|Δθ| / |θ|`` (below 1e-4 while the loss
          is still high means learning has stalled)
    initial : dict
        The same quantities before the first step (epoch 0): losses and metrics of the initial model.
    baseline : dict
        ``train_loss`` / ``val_loss`` of a trivial model that ignores the features (see
        :meth:`Objective.baseline`): the diagnosis's yardstick for "high".
    stopped : {"completed", "early_stopping", "diverged", "cancelled"}
    best_epoch : int or None
        The epoch with the lowest monitored loss (validation loss, or training loss without a validation part).
    restored_best : bool
        Whether the parameters were set back to ``best_epoch`` at the end (early stopping with ``restore_best``).
    steps_per_epoch : int
    epoch_seconds, eval_seconds : list of float
        Wall-clock time of each epoch's training steps and of its evaluation (kept out of ``records`` so that
        the same seed gives identical records).
    """

    task: DataTask
    loss: str
    records: list[dict[str, Any]] = field(default_factory=list)
    initial: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    stopped: str = "completed"
    best_epoch: int | None = None
    restored_best: bool = False
    steps_per_epoch: int = 0
    epoch_seconds: list[float] = field(default_factory=list)
    eval_seconds: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: str) -> list[Any]:
        """One column: ``history["val_loss"]`` is the validation loss of every epoch."""
        if key not in RECORD_KEYS:
            raise KeyError(f"no column {key!r}; the columns are {', '.join(RECORD_KEYS)}")
        return [r[key] for r in self.records]

    def column(self, key: str) -> np.ndarray:
        """One column as a float array (None becomes NaN)."""
        return np.array([np.nan if v is None else v for v in self[key]], dtype=np.float64)

    @property
    def epochs(self) -> int:
        """The number of completed epochs."""
        return len(self.records)

    @property
    def has_validation(self) -> bool:
        """Whether the run had a validation part (``val_*`` values are None without one)."""
        return self.initial.get("val_loss") is not None

    @property
    def metric(self) -> str:
        """The headline metric of the task: ``accuracy`` for classification, ``rmse`` for regression."""
        return "rmse" if self.task == "regression" else "accuracy"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (NaN and infinity become null; ``stopped`` says when the run diverged)."""
        return jsonable({
            "task": self.task,
            "loss": self.loss,
            "metric": self.metric,
            "columns": list(RECORD_KEYS),
            "records": self.records,
            "initial": self.initial,
            "baseline": self.baseline,
            "stopped": self.stopped,
            "best_epoch": self.best_epoch,
            "restored_best": self.restored_best,
            "epochs": self.epochs,
            "steps_per_epoch": self.steps_per_epoch,
            "epoch_seconds": self.epoch_seconds,
            "eval_seconds": self.eval_seconds,
            "seconds": float(sum(self.epoch_seconds) + sum(self.eval_seconds)),
        })

