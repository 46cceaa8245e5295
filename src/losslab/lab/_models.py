"""The request bodies of the lab's JSON endpoints, with their static bounds (OpenAPI documents them).

Static bounds here are generous upper limits that keep the parser itself cheap; the configurable bounds of
:class:`~losslab.lab.Limits` are checked by the endpoints, before any work.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AdviceRequest",
    "ComputeRequest",
    "CurvesRequest",
    "DartsRequest",
    "DatasetRequest",
    "EvidenceRequest",
    "ExplainRequest",
    "FigureRequest",
    "FitRequest",
    "RunControl",
    "RunRequest",
]

HARD_VALUES = 100_000  # no array longer than this is even parsed
Name = Annotated[str, Field(min_length=1, max_length=64, description="a catalog name or alias, e.g. 'huber'")]
Lang = Annotated[str, Field(default="en", max_length=16, description="'en' or 'ja'")]
Params = Annotated[dict[str, Any], Field(default_factory=dict, max_length=16,
                                         description="the loss's parameters, e.g. {'delta': 2}")]
Numbers = Annotated[
    float | list[float] | list[list[float]],
    Field(description="a number, a list of numbers, or rows of numbers (class scores)"),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComputeRequest(_Strict):
    """One catalog call: ``loss(pred, target)`` (and its gradient)."""

    loss: Name
    params: Params
    pred: Numbers
    target: Numbers
    reduction: Literal["mean", "sum", "none"] | None = None
    sample_weight: list[float] | None = Field(default=None, max_length=HARD_VALUES)
    grad: bool = Field(default=True, description="also return d(loss)/d(pred)")
    lang: str | None = Field(default=None, max_length=16, description="the language of the warnings ('en' or "
                             "'ja'); none: the Accept-Language header's")


class ExplainRequest(_Strict):
    """:func:`losslab.explain` on the numbers given."""

    loss: Name
    params: Params
    pred: Numbers
    target: Numbers
    reduction: Literal["mean", "sum", "none"] | None = None
    sample_weight: list[float] | None = Field(default=None, max_length=HARD_VALUES)
    lang: Lang = "en"
    max_rows: int = Field(default=20, ge=1, le=200)


class LossChoice(_Strict):
    name: Name
    params: Params


class CurvesRequest(_Strict):
    """The explorer's tables: each loss on the whole grid (errors or scores from -6 to 6, step 0.05)."""

    task: Literal["regression", "classification"] = "regression"
    losses: list[LossChoice] = Field(min_length=1, max_length=32)
    lang: Lang = "en"


class FigureRequest(_Strict):
    """A figure of :mod:`losslab.figures` as a Vega-Lite spec: its name and its (JSON) arguments."""

    args: dict[str, Any] = Field(default_factory=dict, max_length=16)
    lang: Lang = "en"


class DartsRequest(_Strict):
    """Darts at (x, y) around the target (0, 0)."""

    darts: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(max_length=10_000)
    delta: float = Field(default=1.0, gt=0, le=100)
    lang: Lang = "en"
    figure: bool = Field(default=False, description="also return the dart-board figure's Vega-Lite spec")


class FitRequest(_Strict):
    """Points (x, y) of the regression lab and the losses whose best lines to fit."""

    points: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(max_length=10_000)
    losses: list[LossChoice] = Field(min_length=1, max_length=32)
    focus: int = Field(default=0, ge=0, description="the loss whose per-point shares are returned")
    start: list[Annotated[list[float], Field(min_length=2, max_length=2)]] | None = Field(
        default=None, max_length=32, description="the previous lines [slope, intercept], to start from")
    precise: bool = Field(default=True, description="fit to convergence (False: a few epochs from start)")
    lang: Lang = "en"


LAB_DATASETS: tuple[str, ...] = ("moons", "circles", "xor", "spirals", "blobs", "imbalanced")
"""The generated 2-D data sets the lab offers (the names :class:`DatasetRequest` accepts, besides ``"upload"``)."""


class DatasetRequest(_Strict):
    """A 2-D classification data set of the lab: a generated one, or the user's own CSV file (``name="upload"``
    with the ``upload`` id from ``POST /api/uploads``, the class column ``target`` and two numeric ``features``)."""

    name: Literal["moons", "circles", "xor", "spirals", "blobs", "imbalanced", "upload"] = "moons"
    upload: str | None = Field(default=None, max_length=64, description="the id of an uploaded CSV file")
    target: str | None = Field(default=None, max_length=256, description="uploaded file: the class column")
    features: list[Annotated[str, Field(max_length=256)]] | None = Field(
        default=None, min_length=2, max_length=2, description="uploaded file: the two feature columns (x1, x2)")
    n_samples: int = Field(default=200, ge=10, le=100_000)
    noise: float = Field(default=0.2, ge=0, le=2)
    val_split: float = Field(default=0.3, ge=0.05, le=0.9)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    n_classes: int = Field(default=2, ge=2, le=6)
    ratio: float = Field(default=0.1, gt=0, le=0.5, description="minority share of 'imbalanced'")


class ModelChoice(_Strict):
    kind: Literal["logistic", "mlp"] = "mlp"
    hidden: list[Annotated[int, Field(ge=1, le=1024)]] = Field(default_factory=lambda: [8, 8], max_length=64)
    activation: Literal["relu", "tanh", "sigmoid", "linear"] = "tanh"


class RunRequest(_Strict):
    """A training run of the classification lab: data set, model, loss, optimizer."""

    data: DatasetRequest = Field(default_factory=DatasetRequest)
    model: ModelChoice = Field(default_factory=ModelChoice)
    loss: Name = "binary_cross_entropy"
    loss_params: Params
    optimizer: Literal["sgd", "momentum", "adam"] = "adam"
    lr: float = Field(default=0.03, gt=0, le=10)
    batch_size: int = Field(default=10, ge=1, le=100_000)
    regularization: Literal["none", "l1", "l2"] = "none"
    reg_rate: float = Field(default=0.0, ge=0, le=10)
    epochs: int = Field(default=1000, ge=1, le=10_000_000, description="the most epochs this run may take")
    init_seed: int = Field(default=0, ge=0, le=2**31 - 1, description="seeds the initial weights")
    lang: Lang = "en"


class RunControl(_Strict):
    """A command to a run: play, pause, one step (epoch), reset; or a new learning rate / regularization."""

    action: Literal["play", "pause", "step", "reset", "set"]
    lr: float | None = Field(default=None, gt=0, le=10)
    reg_rate: float | None = Field(default=None, ge=0, le=10)
    regularization: Literal["none", "l1", "l2"] | None = None
    keep_weights: bool = Field(default=True, description="reset: start again from the same initial weights")
    speed: float | None = Field(default=None, gt=0, le=1000, description="epochs per second while playing")
    lang: str | None = Field(default=None, max_length=16, description="the language of the diagnosis")


Example = Literal["line", "outliers", "counts", "imbalanced", "iris", "diabetes"]
ColumnName = Annotated[str, Field(min_length=1, max_length=256)]


class AdviceRequest(_Strict):
    """Panel 7: which loss for ``target`` of a table (a built-in ``example`` or an ``upload``), with hints."""

    example: Example | None = Field(default=None, description="a built-in example table")
    upload: str | None = Field(default=None, max_length=64, description="the id of an uploaded CSV file")
    target: ColumnName | None = Field(default=None, description="the target column (default: the table's "
                                                                "suggested one)")
    features: list[ColumnName] | None = Field(default=None, max_length=1000,
                                              description="the feature columns (default: every other column)")
    task: Literal["regression", "counts", "classification", "binary", "multiclass", "multilabel"] | None = None
    output: Literal["logits", "probabilities"] | None = None
    priority: Literal["recall", "precision", "balanced"] | None = None
    errors: Literal["absolute", "relative"] | None = None
    positive: str | None = Field(default=None, max_length=256, description="the positive class of a binary target")
    lang: Lang = "en"


class EvidenceRequest(AdviceRequest):
    """Panel 7: the evidence — every candidate loss trained under k-fold cross-validation, in the background."""

    folds: int = Field(default=5, ge=2, le=100)
    epochs: int | None = Field(default=None, ge=1, le=100_000, description="epochs per fit (default: by data size)")
    model: Literal["linear", "mlp"] = "linear"
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
