"""Learning, watched: train models with any catalog loss, see every part of the loop, and read the curves.

>>> from losslab.training import load_dataset, fit
>>> data = load_dataset("moons", seed=0)
>>> run = fit(data, model="mlp", hidden=(16, 16), loss="bce", optimizer="adam", lr=0.01, epochs=60)
>>> run.history["val_accuracy"][-1] > 0.9
True
>>> run.diagnose("en").primary.code in {"healthy", "still_improving"}
True

The parts, each usable on its own:

- data — :func:`load_dataset` (scikit-learn's bundled sets, synthetic sets with known truth, CSV / Parquet files),
  :func:`from_arrays`, :class:`Dataset`
- models — :class:`Linear`, :class:`MLP` (NumPy, explicit backpropagation), :func:`make_model`
- matching a loss to the data — :func:`make_objective`, :class:`Objective` (output layer, target format)
- optimizers — :class:`SGD`, :class:`Momentum`, :class:`Adam`, :func:`make_optimizer`
- the loop — :func:`fit` → :class:`Run` with its :class:`History`; :class:`Penalty` (L1 / L2)
- reading the curves — :func:`diagnose` → :class:`Diagnosis` (en / ja)
- comparing losses — :func:`compare` → :class:`Comparison`
- loss is not accuracy — :func:`loss_vs_accuracy`

See ``docs/training.md`` for the guide, the callback payloads and the JSON layouts.
"""

from __future__ import annotations

from . import metrics, texts
from ._common import TrainingError
from .compare import Comparison, ComparisonRow, compare, epochs_to_converge, loss_shares, metric_columns
from .data import (
    BUILTIN_DATASETS,
    SKLEARN_DATASETS,
    SYNTHETIC_DATASETS,
    Dataset,
    dataset_params,
    from_arrays,
    list_datasets,
    load_dataset,
)
from .demo import LossVsAccuracy, loss_vs_accuracy
from .diagnosis import CODES, Diagnosis, Finding, Thresholds, diagnose
from .models import ACTIVATIONS, MLP, MODELS, Linear, Model, make_model
from .objective import OUTPUTS, Objective, default_loss, make_objective
from .optim import OPTIMIZERS, SGD, Adam, Momentum, Optimizer, make_optimizer
from .trainer import RECORD_KEYS, STOP_REASONS, History, Penalty, Run, fit

__all__ = [
    "ACTIVATIONS",
    "BUILTIN_DATASETS",
    "CODES",
    "MLP",
    "MODELS",
    "OPTIMIZERS",
    "OUTPUTS",
    "RECORD_KEYS",
    "SGD",
    "SKLEARN_DATASETS",
    "STOP_REASONS",
    "SYNTHETIC_DATASETS",
    "Adam",
    "Comparison",
    "ComparisonRow",
    "Dataset",
    "Diagnosis",
    "Finding",
    "History",
    "Linear",
    "LossVsAccuracy",
    "Model",
    "Momentum",
    "Objective",
    "Optimizer",
    "Penalty",
    "Run",
    "Thresholds",
    "TrainingError",
    "compare",
    "dataset_params",
    "default_loss",
    "diagnose",
    "epochs_to_converge",
    "fit",
    "from_arrays",
    "list_datasets",
    "load_dataset",
    "loss_shares",
    "loss_vs_accuracy",
    "make_model",
    "make_objective",
    "make_optimizer",
    "metric_columns",
    "metrics",
    "texts",
]
