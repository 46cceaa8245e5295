"""The training loop: predict, score, carry the gradient back, nudge the parameters, repeat.

:func:`fit` trains a model on a :class:`~losslab.training.Dataset` with any catalog loss and returns a :class:`Run`:
the trained model, its :class:`History` (one record per epoch) and ways to predict, evaluate and diagnose.
The heart of it is :meth:`_Loop.epoch`, short enough to read in one sitting::

    z = model.forward(x)                        # 1. raw scores
    pred = objective.output(z)                  # 2. output layer: what the loss sees
    dpred = loss.grad(pred, t)                  # 3. d loss / d pred, from the catalog
    model.backward(objective.head_backward(dpred, z, pred))   # 4. chain rule down to every weight
    penalty.add_grad(model)                     # 5. + d penalty / d weights (L1, L2)
    optimizer.step(model.params, model.grad)    # 6. nudge the parameters

The same seed gives the same data split, the same initial weights, the same batches and therefore an identical
history (timings aside, which live apart from the records).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..losses import Loss
from ..losses._definition import Reduction
from ..losses._target_rows import TargetRows
from . import metrics as M
from ._common import TrainingError, jsonable
from .data import Dataset, load_dataset
from .diagnosis import diagnose
from .facts import RunFacts, dead_units, reachable
from .history import RECORD_KEYS, STOP_REASONS, History
from .models import Linear, Model, make_model
from .objective import Objective, make_objective
from .optim import Optimizer, make_optimizer

__all__ = ["RECORD_KEYS", "STOP_REASONS", "History", "Penalty", "Run", "fit"]

StepCallback = Callable[[dict[str, Any]], Any]
Cancel = threading.Event | Callable[[], bool]


# ------------------------------------------------------------------------------------------------------ penalty
@dataclass(frozen=True)
class Penalty:
    """L1 and L2 regularization of the weights (not the biases): ``l1 · Σ|w| + l2 · Σw²``.

    The optimizer minimizes ``data loss + penalty``; the history reports both parts (``train_loss`` and
    ``penalty``) and their sum (``objective``). This is Keras's convention; PyTorch's ``weight_decay=λ`` equals
    ``l2 = λ / 2`` here.
    """

    l1: float = 0.0
    l2: float = 0.0

    def value(self, model: Model) -> float:
        w = model.params[:model.n_weights]
        total = 0.0
        if self.l1:
            total += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            total += self.l2 * float(np.dot(w, w))
        return total

    def add_grad(self, model: Model) -> None:
        """Add d(penalty)/d(weights) to ``model.grad``: ``l1 · sign(w) + 2 · l2 · w``."""
        if self.l1:
            model.grad[:model.n_weights] += self.l1 * np.sign(model.params[:model.n_weights])
        if self.l2:
            model.grad[:model.n_weights] += (2.0 * self.l2) * model.params[:model.n_weights]


# ---------------------------------------------------------------------------------------------------------- run
@dataclass(eq=False)
class Run:
    """A finished (or stopped) training run: the model and everything needed to read it.

    Features passed to the methods are in the model's units, i.e. like ``dataset.X_val``; turn raw features into
    those with ``run.dataset.transform(X_raw)``.
    """

    model: Model
    objective: Objective
    dataset: Dataset
    optimizer: Optimizer
    history: History
    config: dict[str, Any]

    @property
    def loss(self) -> Loss:
        """The loss as trained with (``from_logits`` included; thresholds such as Huber's delta in the target's
        own units, although training ran on standardized targets with the threshold scaled to match)."""
        return self.objective.user_loss

    def scores(self, X: Any) -> np.ndarray:
        """Raw model outputs ``Z`` (N, n_outputs): logits, hinge scores or standardized regression values."""
        return self.model.scores(np.asarray(X, dtype=self.model.dtype))

    def predict(self, X: Any) -> np.ndarray:
        """Class indices (classification) or values in the target's original units (regression)."""
        return self.objective.predict(self.scores(X))

    def predict_proba(self, X: Any) -> np.ndarray | None:
        """Class probabilities (N, C), or None for a loss whose outputs are not probabilities (hinge losses)."""
        return self.objective.proba(self.scores(X))

    def _split(self, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        ds = self.dataset
        if split == "train":
            return ds.X_train, ds.y_train, ds.outliers_train
        if split == "val":
            return ds.X_val, ds.y_val, ds.outliers_val
        raise TrainingError(f"split must be 'train' or 'val', not {split!r}")

    def example_losses(self, split: str = "train") -> np.ndarray:
        """The loss of each example of the ``"train"`` or ``"val"`` part (N,), in the target's own units: who
        carries the loss (an outlier's share of the mean under MSE against under a robust loss)."""
        X, y, _ = self._split(split)
        obj = self.objective
        Z = self.scores(X)
        with np.errstate(all="ignore"):
            if obj.task == "regression":
                pred = np.asarray(obj.predict(Z), dtype=np.float64).reshape(len(y), -1)
                target = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
                return np.asarray(self.loss(pred, target, reduction="none", nan_policy="propagate"))
            return np.asarray(obj.loss(obj.output(Z), obj.encode(y), reduction="none", nan_policy="propagate"))

    def evaluate(self, split: str = "val") -> dict[str, Any]:
        """Metrics that do not depend on the loss, on the ``"train"`` or ``"val"`` part.

        Returns
        -------
        dict
            ``n`` and ``loss`` (this run's loss, per-example mean); classification: ``accuracy``,
            ``balanced_accuracy``, ``minority_recall``, ``minority_precision``, ``recall`` (per class),
            ``log_loss`` (None for hinge losses); regression: ``mae``, ``rmse``, ``r2`` and, when the data set has
            planted outliers, ``inlier_mae`` (error on the clean rows). Values are None when undefined.
        """
        with np.errstate(all="ignore"):
            return self._evaluate(split)

    def _evaluate(self, split: str) -> dict[str, Any]:
        X, y, outliers = self._split(split)
        out: dict[str, Any] = {"n": len(y)}
        if len(y) == 0:
            return out
        Z = self.scores(X)
        T = self.objective.encode(y, self.model.dtype)
        out["loss"] = _mean_loss(self.objective, Z, T)
        if self.objective.task == "regression":
            pred = self.objective.predict(Z)
            out.update(mae=M.mae(y, pred), rmse=M.rmse(y, pred), r2=M.r2(y, pred))
            if outliers is not None:
                clean = ~outliers
                out["inlier_mae"] = M.mae(y[clean], pred[clean])
        else:
            labels = self.objective.predict(Z)
            c = self.dataset.n_classes
            minority = self.dataset.minority_class
            assert minority is not None
            proba = self.objective.proba(Z)
            out.update(
                accuracy=M.accuracy(y, labels),
                balanced_accuracy=M.balanced_accuracy(y, labels, c),
                minority_recall=M.recall(y, labels, minority),
                minority_precision=M.precision(y, labels, minority),
                recall=[M.recall(y, labels, k) for k in range(c)],
                log_loss=None if proba is None else M.log_loss(y, proba),
            )
        return jsonable(out)

    def coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        """A linear model's weights in the original units of the features (and of the target, for regression).

        Returns
        -------
        coef : ndarray of shape (n_features, n_outputs)
        intercept : ndarray of shape (n_outputs,)
            For a regression line ``y = coef · x + intercept`` in the data's own units, ready to compare with the
            known truth of a synthetic set. For classifiers, the score (logit) as a function of raw features.
        """
        if not isinstance(self.model, Linear):
            raise TrainingError("coefficients() is defined for linear models only")
        W = self.model.weights[0].astype(np.float64)
        b = self.model.biases[0].astype(np.float64)
        ds = self.dataset
        if ds.x_scale is not None and ds.x_mean is not None:
            W = W / ds.x_scale[:, None]
            b = b - ds.x_mean @ W
        if self.objective.scale_target:
            W = W * self.objective.y_scale
            b = b * self.objective.y_scale + self.objective.y_mean
        return W, b

    def recovery(self) -> dict[str, float]:
        """For a synthetic line with known slope and intercept: the fitted ones and their absolute errors.

        Empty unless the model is linear, the data set has one feature and its truth has ``slope`` and
        ``intercept`` (the ``outliers`` set).
        """
        truth = self.dataset.truth
        if not isinstance(self.model, Linear) or "slope" not in truth or self.dataset.n_features != 1:
            return {}
        coef, intercept = self.coefficients()
        slope, icpt = float(coef[0, 0]), float(intercept[0])
        return {"slope": slope, "intercept": icpt, "slope_error": abs(slope - float(truth["slope"])),
                "intercept_error": abs(icpt - float(truth["intercept"]))}

    def facts(self) -> RunFacts:
        """What the history does not record (see :mod:`losslab.training.facts`): the score a k-nearest-neighbours
        predictor reaches on this run's validation rows (computed once per run), and the dead ReLU units of the
        model as it is now."""
        ref = self.__dict__.get("_reference", False)
        if ref is False:
            ref = reachable(self.dataset, seed=self.dataset.seed)
            self.__dict__["_reference"] = ref
        return RunFacts(reference=ref, dead=dead_units(self.model, self.dataset.X_train))

    def diagnose(self, lang: str | None = "en") -> Any:
        """The diagnosis of this run's curves and model, in ``lang`` (see :func:`losslab.training.diagnose`):
        underfitting is judged against what a k-nearest-neighbours predictor reaches on the same data, and dead
        ReLU units are counted (:meth:`facts`)."""
        return diagnose(self.history, lang=lang, facts=self.facts())

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The run as plain JSON data: config, data set, model, history, final metrics (and diagnosis if ``lang``).

        The layout is documented in ``docs/training.md`` and is what ``losslab train --json`` prints.
        """
        out: dict[str, Any] = {
            "config": self.config,
            "dataset": self.dataset.info(),
            "model": self.model.describe(),
            "objective": self.objective.describe(),
            "history": self.history.to_dict(),
            "final": {"train": self.evaluate("train"), "val": self.evaluate("val")},
            "recovery": self.recovery(),
        }
        if lang is not None:
            out["diagnosis"] = self.diagnose(lang).to_dict()
        return jsonable(out)


def _mean_reduction(objective: Objective) -> Reduction:
    """The reduction of the reported losses: the per-example mean (sse and other 'sum' losses too, so training and
    validation are comparable)."""
    return "mean" if "mean" in objective.loss.definition.reductions else objective.reduction


def _mean_loss(objective: Objective, Z: np.ndarray, T: np.ndarray, scored: TargetRows | None = None) -> float:
    """The per-example mean loss of scores ``Z`` against ``T`` (``scored``: the same target laid out once)."""
    with np.errstate(all="ignore"):
        pred = objective.output(Z)
        if scored is not None:
            return float(scored.value(pred))
        return float(objective.loss(pred, T, reduction=_mean_reduction(objective), nan_policy="propagate"))


# --------------------------------------------------------------------------------------------------------- loop
class _Loop:
    """The state of one training run; :meth:`epoch` is the whole algorithm."""

    def __init__(self, model: Model, objective: Objective, optimizer: Optimizer, penalty: Penalty, data: Dataset,
                 batch_size: int | None, seed: int, lr_schedule: Callable[[int, int], float] | None,
                 on_step: StepCallback | None, cancel: Callable[[], bool] | None) -> None:
        self.model, self.objective, self.optimizer, self.penalty = model, objective, optimizer, penalty
        dt = model.dtype
        self.X = np.ascontiguousarray(data.X_train, dtype=dt)
        self.T = objective.encode(data.y_train, dt)
        self.X_val = np.ascontiguousarray(data.X_val, dtype=dt)
        self.T_val = objective.encode(data.y_val, dt)
        self.y, self.y_val = data.y_train, data.y_val
        # the training target laid out for the loss once: each batch is a row index into it (the catalog still
        # checks every batch's values, so a diverging model's NaN is caught as in a plain call)
        self.rows = objective.loss.for_target(self.T, (len(self.T), objective.n_outputs), dt,
                                              reduction=objective.reduction, nan_policy="propagate")
        self.scored = {part: objective.loss.for_target(T, (len(T), objective.n_outputs), dt,
                                                       reduction=_mean_reduction(objective), nan_policy="propagate")
                       for part, T in (("train", self.T), ("val", self.T_val))}
        n = len(self.X)
        self.batch_size = n if not batch_size or batch_size >= n else int(batch_size)
        self.rng = np.random.default_rng([int(seed), 3])
        self.lr_schedule, self.on_step, self.cancel = lr_schedule, on_step, cancel
        self.step_count = 0
        self.cancelled = False

    @property
    def batches(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def epoch(self, number: int) -> float:
        """One pass over the shuffled training data. Returns the mean gradient norm (NaN if it diverged)."""
        model, objective, rows, opt = self.model, self.objective, self.rows, self.optimizer
        order = self.rng.permutation(len(self.X))
        norms = 0.0
        for b, start in enumerate(range(0, len(order), self.batch_size)):
            if self.cancel is not None and self.cancel():
                self.cancelled = True
                return norms / max(b, 1)
            if self.lr_schedule is not None:
                opt.lr = float(self.lr_schedule(number, self.step_count))
            idx = order[start:start + self.batch_size]
            z = model.forward(self.X[idx])  # 1. raw scores
            pred = objective.output(z)  # 2. what the loss sees
            if self.on_step is None:  # 3. d loss / d pred, from the catalog (loss.grad(pred, T[idx]))
                value, dpred = math.nan, rows.grad(pred, idx)
            else:
                v, dpred = rows.value_and_grad(pred, idx)
                value = float(v)
            model.backward(objective.head_backward(dpred, z, pred))  # 4. chain rule down to every weight
            self.penalty.add_grad(model)  # 5. + d penalty / d weights
            norm = math.sqrt(float(np.dot(model.grad, model.grad)))
            if not math.isfinite(norm):
                return math.nan  # diverged: the gradient is no longer a number
            opt.step(model.params, model.grad)  # 6. nudge the parameters
            norms += norm
            self.step_count += 1
            if self.on_step is not None:
                self.on_step({"event": "step", "epoch": number, "step": self.step_count, "batch": b + 1,
                              "batches": self.batches, "loss": jsonable(value), "grad_norm": norm, "lr": opt.lr})
        return norms / self.batches

    def evaluate(self) -> dict[str, Any]:
        """Losses and metrics of the current parameters on both parts."""
        out: dict[str, Any] = {}
        for part, X, T, y in (("train", self.X, self.T, self.y), ("val", self.X_val, self.T_val, self.y_val)):
            keys = (f"{part}_loss", f"{part}_accuracy", f"{part}_mae", f"{part}_rmse")
            out.update(dict.fromkeys(keys))
            if len(X) == 0:
                continue
            with np.errstate(all="ignore"):
                Z = self.model.scores(X)
                out[f"{part}_loss"] = _mean_loss(self.objective, Z, T, self.scored[part])
                if self.objective.task == "regression":
                    pred = self.objective.predict(Z)
                    out[f"{part}_mae"], out[f"{part}_rmse"] = M.mae(y, pred), M.rmse(y, pred)
                else:
                    out[f"{part}_accuracy"] = M.accuracy(y, self.objective.predict(Z))
        return out


def _cancel_function(cancel: Cancel | None) -> Callable[[], bool] | None:
    if cancel is None:
        return None
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    if callable(cancel):
        return cancel
    raise TrainingError("cancel must be a threading.Event or a function returning True to stop")


def _count(name: str, value: Any, *, allow_none: bool = False, minimum: int = 1) -> int | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
        raise TrainingError(f"{name} must be an integer >= {minimum}{' or None' if allow_none else ''}, "
                            f"not {value!r}")
    return int(value)


def _nonneg(name: str, value: Any) -> float:
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool) or not (
            math.isfinite(float(value)) and float(value) >= 0):
        raise TrainingError(f"{name} must be a number >= 0, not {value!r}")
    return float(value)


def fit(
    data: Dataset | str,
    *,
    model: str | Model = "linear",
    loss: str | Loss | None = None,
    loss_params: Mapping[str, Any] | None = None,
    hidden: Sequence[int] | None = None,
    activation: str = "relu",
    output: str = "auto",
    optimizer: str | Optimizer = "adam",
    lr: float = 0.01,
    epochs: int = 100,
    batch_size: int | None = 32,
    l1: float = 0.0,
    l2: float = 0.0,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    lr_schedule: Callable[[int, int], float] | None = None,
    scale_target: bool = True,
    dtype: str = "float64",
    seed: int = 0,
    on_step: StepCallback | None = None,
    on_epoch: StepCallback | None = None,
    cancel: Cancel | None = None,
    on_start: Callable[[Model, Objective, Dataset], Any] | None = None,
) -> Run:
    """Train a model on a data set with a catalog loss.

    Parameters
    ----------
    data : Dataset or str
        A data set, or a built-in name loaded with its defaults and ``seed`` (use
        :func:`~losslab.training.load_dataset` for other settings or files).
    model : {"linear", "logistic", "softmax", "mlp"} or Model
        ``logistic`` and ``softmax`` are linear models that insist on binary / multiclass data.
    loss : str, Loss or None
        A catalog loss by name (then the stable ``from_logits`` / ``log_input`` path is used where the loss has one)
        or a :class:`~losslab.Loss` object (used with its own parameters); None picks ``mse``,
        ``binary_cross_entropy`` or ``sparse_categorical_cross_entropy`` by task.
    loss_params : mapping, optional
        Parameters for the loss, e.g. ``{"delta": 2.0}`` or ``{"pos_weight": 9.0}``.
    hidden : sequence of int, optional
        Hidden layer widths of an MLP (default ``(16, 16)``).
    activation : {"relu", "tanh", "sigmoid", "linear"}
        Hidden layers' activation.
    output : {"auto", "logits", "identity", "sigmoid", "softmax", "softplus"}
        The output layer, see :func:`~losslab.training.make_objective`.
    optimizer : {"sgd", "momentum", "adam"} or Optimizer
    lr : float
        Learning rate (ignored when ``optimizer`` is an :class:`Optimizer`, which carries its own).
    epochs : int
        Passes over the training data (fewer if early stopping, divergence or cancellation ends the run).
    batch_size : int or None
        Examples per step; None or 0 for full-batch gradient descent.
    l1, l2 : float
        Penalty weights, see :class:`Penalty`.
    patience : int, optional
        Early stopping: stop after this many epochs without an improvement of the validation loss (training
        loss without a validation part) by more than ``min_delta``. None: no early stopping.
    restore_best : bool
        With early stopping, set the parameters back to the best epoch's at the end.
    lr_schedule : callable, optional
        ``lr_schedule(epoch, step) -> lr``, called before every step (``epoch`` from 1, ``step`` counting all
        steps from 0). The learning rate can also be changed by assigning ``optimizer.lr`` at any time.
    scale_target : bool
        Train regression on standardized targets (metrics and predictions stay in the original units).
    dtype : {"float64", "float32"}
    seed : int
        Seeds the initial weights and the batch order (and the data set when ``data`` is a name).
    on_step, on_epoch : callable, optional
        Called with a small JSON-ready dict after every step / epoch (see ``docs/training.md``).
        ``on_step`` costs one extra loss evaluation per step.
    cancel : threading.Event or callable, optional
        Checked before every step; when set (or returning True) the run stops with ``stopped="cancelled"``.
    on_start : callable, optional
        Called once before the first step with the model being trained, its objective and the data set, for a
        view of the model while it trains (the notebook's live decision map): read it from ``on_epoch``, where
        it stands still; never change it.

    Returns
    -------
    Run

    Raises
    ------
    TrainingError
        For settings that cannot work (unknown names, a loss that does not fit the data, bad numbers).

    Examples
    --------
    >>> from losslab.training import fit
    >>> run = fit("iris", model="softmax", epochs=30, seed=0)
    >>> run.history.epochs, run.evaluate("val")["accuracy"] > 0.8
    (30, True)
    """
    ds = data if isinstance(data, Dataset) else load_dataset(data, seed=seed)
    epochs_n = _count("epochs", epochs)
    assert epochs_n is not None
    bs = _count("batch_size", batch_size, allow_none=True, minimum=0)
    patience_n = _count("patience", patience, allow_none=True)
    l1, l2, min_delta = _nonneg("l1", l1), _nonneg("l2", l2), _nonneg("min_delta", min_delta)
    objective = make_objective(loss, ds, output=output, loss_params=loss_params, scale_target=scale_target)
    if isinstance(model, Model):
        net = model
        if net.n_features != ds.n_features or net.n_outputs != objective.n_outputs:
            raise TrainingError(f"the model maps {net.n_features} -> {net.n_outputs}, but the data has "
                                f"{ds.n_features} features and {objective.loss.name} needs {objective.n_outputs} "
                                "output(s)")
    else:
        kind = model.strip().lower()
        if kind == "logistic" and ds.task != "binary":
            raise TrainingError(f"logistic regression is for binary data; {ds.name} is {ds.task} "
                                "(use model='softmax' or 'linear')")
        if kind == "softmax" and ds.task == "regression":
            raise TrainingError(f"softmax regression is for classification; {ds.name} is a regression set "
                                "(use model='linear')")
        net = make_model(kind, ds.n_features, objective.n_outputs, hidden=hidden, activation=activation, seed=seed,
                         dtype=dtype)
        bias = objective.initial_bias(objective.encode(ds.y_train))
        if bias is not None:
            net.biases[-1][...] = bias
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer, lr)
    loop = _Loop(net, objective, opt, Penalty(l1, l2), ds, bs, seed, lr_schedule, on_step, _cancel_function(cancel))
    config = {
        "data": ds.name, "model": net.kind if isinstance(model, Model) else model.strip().lower(),
        "hidden": list(net.hidden), "activation": net.activation if net.hidden else None,
        "loss": objective.loss.name, "loss_params": objective.describe()["params"],
        "output": objective.head, "optimizer": opt.describe(), "lr": opt.lr, "epochs": epochs_n,
        "batch_size": loop.batch_size, "l1": l1, "l2": l2, "patience": patience_n, "min_delta": min_delta,
        "restore_best": bool(restore_best), "scale_target": objective.scale_target, "dtype": str(net.dtype),
        "seed": seed,
    }
    history = History(task=ds.task, loss=objective.loss.name, steps_per_epoch=loop.batches)
    history.baseline = {"train_loss": objective.baseline(loop.T),
                        "val_loss": objective.baseline(loop.T_val) if len(loop.T_val) else math.nan}
    history.initial = {"epoch": 0, **loop.evaluate(), "penalty": Penalty(l1, l2).value(net)}
    if on_start is not None:
        on_start(net, objective, ds)
    _run(loop, history, epochs_n, patience_n, min_delta, bool(restore_best), on_epoch)
    return Run(model=net, objective=objective, dataset=ds, optimizer=opt, history=history, config=jsonable(config))


def _run(loop: _Loop, history: History, epochs: int, patience: int | None, min_delta: float, restore_best: bool,
         on_epoch: StepCallback | None) -> None:
    """Epochs, records, early stopping, divergence and cancellation around :meth:`_Loop.epoch`."""
    net = loop.model
    monitor = "val_loss" if len(loop.X_val) else "train_loss"
    best, best_params, waited = math.inf, None, 0
    for number in _epochs(epochs):
        before = net.params.copy()
        started = time.perf_counter()
        with np.errstate(all="ignore"):  # a diverging run overflows; it is detected and reported, not warned
            grad_norm = loop.epoch(number)
        trained = time.perf_counter()
        if loop.cancelled:
            history.stopped = "cancelled"
            break
        record: dict[str, Any] = {"epoch": number, **loop.evaluate()}
        record["penalty"] = loop.penalty.value(net)
        record["objective"] = record["train_loss"] + record["penalty"]
        record["grad_norm"] = grad_norm
        record["lr"] = loop.optimizer.lr
        moved = float(np.linalg.norm(net.params - before))
        scale = max(float(np.linalg.norm(before)), float(np.linalg.norm(net.params)), 1e-12)
        record["update_ratio"] = moved / scale if math.isfinite(moved) else math.nan
        history.records.append({k: record[k] for k in RECORD_KEYS})
        history.epoch_seconds.append(trained - started)
        history.eval_seconds.append(time.perf_counter() - trained)
        diverged = not (math.isfinite(grad_norm) and math.isfinite(record["train_loss"]))
        current = record[monitor]
        if current is not None and math.isfinite(current) and current < best - min_delta:
            best, waited, history.best_epoch = current, 0, number
            if patience is not None and restore_best:
                best_params = net.params.copy()
        else:
            waited += 1
        if on_epoch is not None:
            on_epoch({"event": "epoch", **jsonable(history.records[-1]), "epochs": epochs,
                      "best_epoch": history.best_epoch, "seconds": history.epoch_seconds[-1]})
        if diverged:
            history.stopped = "diverged"
            break
        if patience is not None and waited >= patience:
            history.stopped = "early_stopping"
            break
    if best_params is not None and history.best_epoch != history.epochs:
        net.set_params(best_params)
        history.restored_best = True


def _epochs(n: int) -> Iterator[int]:
    yield from range(1, n + 1)
