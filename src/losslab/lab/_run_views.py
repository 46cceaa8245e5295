"""What the page sees of a run's model: the decision map, the points with their predictions, one example traced,
and the diagnosis of the curves.

Each is computed from a model (a copy of the training one, or the training one while it stands still in its own
thread) and the run's objective and data, with no lock and no thread: :class:`~losslab.lab._run_state.LabRun`
decides when and on which model, here is only what is drawn. The numbers are the trainer's and the catalog's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._jsonable import jsonable
from ..errors import LossInputError
from ..training._common import DataTask, TrainingError
from ..training.data import Dataset
from ..training.decision_map import decision_map as decision_map  # the lab's map is the trainer's
from ..training.models import Model
from ..training.objective import Objective
from ..training.trainer import History
from ._errors import LabError


def predictions(net: Model, objective: Objective, dataset: Dataset) -> list[dict[str, Any]]:
    """Every point with the model's answer: predicted class and probability of the true class (score for hinge
    losses) — the decision map as a table."""
    out: list[dict[str, Any]] = []
    names = list(dataset.class_names or [])
    for split, X, y in (("train", dataset.X_train, dataset.y_train),
                        ("val", dataset.X_val, dataset.y_val)):
        if len(y) == 0:
            continue
        with np.errstate(all="ignore"):
            Z = net.scores(X)
        pred = objective.predict(Z)
        proba = objective.proba(Z)
        for i in range(len(y)):
            label = int(y[i])
            out.append({"split": split, "index": i, "x1": float(X[i, 0]), "x2": float(X[i, 1]), "label": label,
                        "class": names[label] if names else str(label), "predicted": int(pred[i]),
                        "right": bool(pred[i] == label),
                        "p_true": None if proba is None else float(proba[i, label]),
                        "score": float(Z[i, 0]) if Z.shape[1] == 1 else None})
    return list(jsonable(out))


def trace(net: Model, objective: Objective, dataset: Dataset, index: int, split: str, lr: float,
          lang: str) -> dict[str, Any]:
    """Example ``index`` of ``split``: its prediction, error, loss and gradient, and the update it causes.

    The update shown is one plain gradient step (``θ ← θ − lr · g``) on this example alone, applied to ``net``
    (a copy of the model: it moves); the loss before and after it says what the step did.
    """
    ds = dataset
    X, y = (ds.X_train, ds.y_train) if split == "train" else (ds.X_val, ds.y_val)
    if index >= len(y):
        raise LabError(422, "index", f"an example index below {len(y)} (the {split} part's size)", str(index))
    obj = objective
    loss = obj.loss
    x = X[index:index + 1].astype(net.dtype)
    t = obj.encode(y[index:index + 1], net.dtype)
    z = net.forward(x)
    pred = obj.output(z)
    value, dpred = loss.value_and_grad(pred, t, reduction="sum")
    dz = obj.head_backward(dpred, z, pred)
    net.backward(dz)
    grad = net.grad.copy()
    before_params = net.get_params()
    net.set_params(before_params - lr * grad)
    z_after = net.scores(x)
    pred_after = obj.output(z_after)
    value_after = loss(pred_after, t, reduction="sum")
    proba = obj.proba(z)
    proba_after = obj.proba(z_after)
    label = int(y[index])
    explanation = None
    try:
        from ..explain import explain

        explanation = explain(loss, pred, t, lang=lang).to_dict()
    except LossInputError:  # pragma: no cover - defensive
        explanation = None
    return jsonable({
        "index": index, "split": split, "x": X[index].tolist(), "label": label,
        "class": (ds.class_names or [str(label)])[label] if ds.class_names else str(label),
        "loss": loss.name, "params": dict(loss.params), "head": obj.head,
        "score": z[0].tolist(), "pred": pred[0].tolist(), "target": np.asarray(t)[0].tolist()
        if np.asarray(t).ndim > 1 else np.asarray(t).tolist(),
        "p_true": None if proba is None else float(proba[0, label]),
        "error": _error(proba, label),
        "margin": float(np.asarray(t, dtype=float).reshape(-1)[0] * z[0, 0])
        if obj.target_format == "signed" else None,
        "value": float(value), "dloss_dpred": np.asarray(dpred)[0].tolist(), "dloss_dscore": dz[0].tolist(),
        "grad_norm": float(np.linalg.norm(grad)), "lr": lr,
        "update_norm": float(np.linalg.norm(lr * grad)),
        "layers": [{"weights_grad_norm": float(np.linalg.norm(g)), "bias_grad_norm": float(np.linalg.norm(b))}
                   for g, b in zip(net.weight_grads, net.bias_grads, strict=True)],
        "score_after": z_after[0].tolist(), "value_after": float(value_after),
        "p_true_after": None if proba_after is None else float(proba_after[0, label]),
        "explanation": explanation,
    })


def _error(proba: np.ndarray | None, label: int) -> Any:
    """The prediction's error in probability: p(class 1) − y (binary), or the probabilities − one-hot row."""
    if proba is None:
        return None
    row = np.asarray(proba[0], dtype=float)
    if row.size == 2:
        return float(row[1] - (1.0 if label == 1 else 0.0))
    onehot = np.zeros_like(row)
    onehot[label] = 1.0
    return (row - onehot).tolist()


def diagnosis(task: DataTask, loss: str, records: list[dict[str, Any]], initial: dict[str, Any],
              baseline: dict[str, Any], lang: str, facts: Any = None, memo: Any = None) -> dict[str, Any] | None:
    """The trainer's diagnosis of the curves ``records`` in ``lang`` (None before two epochs); ``facts``
    (:class:`losslab.training.facts.RunFacts`) let it judge underfitting against what the data allow and count dead
    units, as ``Run.diagnose`` does; ``memo`` (a ``DiagnosisMemo`` kept per run) makes it cheap to repeat."""
    if len(records) < 2:
        return None
    try:
        from ..training.diagnosis import diagnose
    except ImportError:  # pragma: no cover - depends on the trainer's version
        return None
    history = History(task=task, loss=loss, records=records, initial=initial, baseline=baseline)
    try:
        result = diagnose(history, lang=lang, facts=facts, where="lab", memo=memo)  # advice: the page's controls
    except (TrainingError, ValueError, KeyError):  # pragma: no cover - defensive
        return None
    return jsonable(result.to_dict() if hasattr(result, "to_dict") else result)
