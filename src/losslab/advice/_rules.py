"""From the analysis to a ranked list of losses, with parameters derived from the data, reasons and pitfalls.

The rules are deliberately few and written out here, so a reader can follow why a loss came first:

regression
    an asymmetric cost (``cost_ratio`` or ``quantile``) → quantile loss with q = r / (1 + r);
    small counts (whole numbers ≥ 0) → Poisson;
    relative errors on a non-negative, strongly skewed target → MSLE (asked, assumed relative);
    outliers or heavy tails in the residuals of a robust baseline → Huber with δ = 1.345 · 1.4826 · MAD;
    otherwise → MSE.
binary
    ±1 labels (unless the model outputs probabilities) → hinge;
    imbalance of 3:1 or more → cross-entropy with ``pos_weight = n_neg / n_pos`` (plain cross-entropy first when
    ``priority="precision"``), focal loss with γ from the ratio as the alternative;
    otherwise → cross-entropy.
multiclass
    the same, with ``class_weight_k = n / (K · n_k)``; the sparse or the one-hot cross-entropy by label format.
multi-label → binary cross-entropy per label (``pos_weight`` per label); soft labels → cross-entropy / KL.

Each parameter carries a note saying how it came from the data; each loss carries its pitfalls on this data,
with numbers computed with the catalog on a baseline prediction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._jsonable import jsonable
from ..errors import LossInputError
from ..losses import Loss, get
from ._analysis import HUBER_K, MAD_SCALE, Analysis, Question
from ._texts import Note

__all__ = ["OUTPUTS", "PRIORITIES", "Candidate", "Hints", "rank"]

OUTPUTS: tuple[str, ...] = ("logits", "probabilities")
PRIORITIES: tuple[str, ...] = ("recall", "precision", "balanced")
ERRORS: tuple[str, ...] = ("absolute", "relative")
MODERATE_IMBALANCE = 3.0


def sig(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant digits (parameters are shown and used rounded)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


@dataclass(frozen=True)
class Hints:
    """What the user said about the task and the goal (all optional; see :func:`losslab.advice.recommend`)."""

    task: str | None = None
    output: str | None = None
    priority: str | None = None
    cost_ratio: float | None = None
    quantile: float | None = None
    errors: str | None = None
    positive: Any = None

    def __post_init__(self) -> None:
        for name, allowed in (("output", OUTPUTS), ("priority", PRIORITIES), ("errors", ERRORS)):
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise LossInputError("recommend", name, "one of " + ", ".join(allowed), repr(value))
        if self.cost_ratio is not None and not (_is_number(self.cost_ratio) and self.cost_ratio > 0):
            raise LossInputError("recommend", "cost_ratio", "a number > 0 (cost of under- / over-prediction)",
                                 repr(self.cost_ratio))
        if self.quantile is not None and not (_is_number(self.quantile) and 0 < self.quantile < 1):
            raise LossInputError("recommend", "quantile", "a number between 0 and 1", repr(self.quantile))
        if self.cost_ratio is not None and self.quantile is not None:
            raise LossInputError("recommend", "quantile", "either quantile or cost_ratio", "both",
                                 "cost_ratio r means quantile r / (1 + r)")

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if k == "positive" and v is not None else v) for k, v in self.__dict__.items()}


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool) and math.isfinite(x)


@dataclass
class Candidate:
    """One loss of the advice: its parameters, why (``reasons``), how each parameter came from the data
    (``derived``), what could go wrong on this data (``pitfalls``) and which parameters were assumed."""

    loss: str
    params: dict[str, Any] = field(default_factory=dict)
    reasons: list[Note] = field(default_factory=list)
    derived: list[Note] = field(default_factory=list)
    pitfalls: list[Note] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self.loss + "".join(f", {k}={_short(v)}" for k, v in self.params.items()
                                             if k not in ("from_logits", "log_input"))

    def get(self) -> Loss:
        """The catalog loss with these parameters: ``losslab.get(loss, **params)``."""
        return get(self.loss, **self.params)

    def code(self) -> str:
        args = "".join(f", {k}={_py(v)}" for k, v in self.params.items())
        return f"losslab.get({self.loss!r}{args})"

    def to_dict(self, lang: str | None = "en") -> dict[str, Any]:
        return {
            "loss": self.loss, "label": self.label, "params": jsonable(self.params), "code": self.code(),
            "reasons": [n.to_dict(lang) for n in self.reasons],
            "derived": [n.to_dict(lang) for n in self.derived],
            "pitfalls": [n.to_dict(lang) for n in self.pitfalls],
            "assumed": list(self.assumed),
        }


def _short(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_short(x) for x in v[:4]) + (", ..." if len(v) > 4 else "") + "]"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _py(v: Any) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_py(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(float(f"{v:.6g}"))
    return repr(v)


# ------------------------------------------------------------------------------------------------------ ranking
def rank(a: Analysis, hints: Hints) -> tuple[list[Candidate], list[Candidate], list[Note]]:
    """(ranked candidates, losses to avoid, notes about the hints) for the analysed data."""
    notes: list[Note] = []
    if a.task is None:
        return [], [], notes
    if a.task == "regression":
        if hints.priority is not None:
            notes.append(Note("hint.priority_ignored", {"priority": hints.priority}))
        ranked, avoid = _regression(a, hints, notes)
    else:
        if hints.cost_ratio is not None or hints.quantile is not None:
            notes.append(Note("hint.cost_ignored", {}))
        if hints.errors is not None:
            notes.append(Note("hint.errors_ignored", {}))
        if hints.output is None:
            a.questions.append(Question("output", OUTPUTS, Note("question.output", {}), assumed="logits"))
        if a.task == "binary":
            ranked, avoid = _binary(a, hints)
        elif a.task == "multiclass":
            ranked, avoid = _multiclass(a, hints)
        elif a.task == "multilabel":
            ranked, avoid = _multilabel(a, hints)
        else:
            ranked, avoid = _distribution(a, hints)
    return ranked, avoid, notes


# ---------------------------------------------------------------------------------------------------- regression
def _regression(a: Analysis, hints: Hints, notes: list[Note]) -> tuple[list[Candidate], list[Candidate]]:
    assert a.y_values is not None and a.baseline_pred is not None and a.residuals is not None
    assert a.target is not None and a.outlier_mask is not None
    y, base, res, t = a.y_values, a.baseline_pred, a.residuals, a.target
    r = y - base
    delta = sig(HUBER_K * res["scale"])
    outliers = res["count"] >= 3 and res["mse_share"] >= 0.2
    heavy = res["tail_ratio"] >= res["tail_threshold"]
    robust = outliers or heavy
    counts = a.label_format == "counts"
    skewed = a.label_format in ("non_negative", "counts") and (
        t["skew"] >= 2.0 or ((t["orders_of_magnitude"] or 0) >= 2.0 and t["skew"] >= 1.0))
    relative = hints.errors == "relative" or (hints.errors is None and skewed and not counts)
    if hints.errors is None and skewed and not counts:
        a.questions.append(Question("errors", ERRORS, Note("question.errors", {}), assumed="relative"))

    mse = _mse(a, r, robust)
    huber = _huber(a, r, delta, robust)
    mae = _mae(a, y, r, robust)
    ranked: list[Candidate] = []
    avoid: list[Candidate] = []

    q = None
    if hints.cost_ratio is not None:
        q = sig(hints.cost_ratio / (1.0 + hints.cost_ratio), 3)
    elif hints.quantile is not None:
        q = float(hints.quantile)
    if q is not None:
        ranked.append(_quantile(a, y, base, q, hints.cost_ratio))
    if relative and t["min"] <= -1:
        notes.append(Note("hint.relative_impossible", {"low": t["min"]}))
        relative = False
    if counts and hints.errors != "absolute":
        ranked += [_poisson(a, y), huber if robust else mse, _msle(a, y, first=False)]
        if not robust:
            ranked.append(huber)
    elif relative:
        ranked += [_msle(a, y, first=True), huber if robust else mse]
        if t["zeros"] == 0 and t["min"] > 0:
            ranked.append(_mape(a, y))
        ranked.append(mae if robust else huber)
    elif robust:
        ranked += [huber, mae]
    else:
        ranked += [mse, huber, mae]
    if robust and not any(c.loss == "mse" for c in ranked):
        avoid.append(mse)
    if counts and hints.errors != "absolute":
        neg = a.ols_pred is not None and int(np.sum(a.ols_pred < 0))
        if neg:
            mse.pitfalls.append(Note("pitfall.mse_negative_counts", {"count": int(neg),
                                                                     "share": int(neg) / a.n_rows}))
    return _dedupe(ranked), avoid


def _top_share(per: np.ndarray, fraction: float = 0.01) -> tuple[int, float]:
    k = max(1, round(fraction * per.size))
    total = float(per.sum())
    top = float(np.sort(per)[-k:].sum())
    return k, (top / total if total > 0 else 0.0)


def _mse(a: Analysis, r: np.ndarray, robust: bool) -> Candidate:
    assert a.residuals is not None and a.baseline_pred is not None and a.y_values is not None
    res = a.residuals
    c = Candidate("mse")
    per = np.asarray(get("mse")(a.baseline_pred, a.y_values, reduction="none"))
    k, top = _top_share(per)
    if robust and res["count"]:
        c.pitfalls.append(Note("pitfall.mse_outliers", {"count": res["count"], "share": res["share"],
                                                         "cost": res["mse_share"]}))
    elif robust:
        c.pitfalls.append(Note("pitfall.mse_tails", {"tail": res["tail_ratio"], "k": k, "cost": top}))
    else:
        c.reasons.append(Note("reason.mse_clean", {"tail": res["tail_ratio"], "count": res["count"]}))
        c.pitfalls.append(Note("pitfall.mse_top", {"k": k, "cost": top}))
    return c


def _huber(a: Analysis, r: np.ndarray, delta: float, robust: bool) -> Candidate:
    assert a.residuals is not None
    res = a.residuals
    c = Candidate("huber", {"delta": delta})
    key = "derived.huber_delta" if res["baseline"] == "robust_linear" else "derived.huber_delta_median"
    c.derived.append(Note(key, {"k": HUBER_K, "mad": res["scale"] / MAD_SCALE, "scale": res["scale"],
                                "delta": delta}))
    inside = float(np.mean(np.abs(r - np.median(r)) <= delta))
    if robust:
        c.reasons.append(Note("reason.huber_outliers", {"count": res["count"], "pull": res["huber_pull"],
                                                        "mse_pull": res["mse_pull"], "delta": delta}))
        c.pitfalls.append(Note("pitfall.huber_units", {"delta": delta}))
    else:
        c.reasons.append(Note("reason.huber_safety", {"delta": delta}))
        c.pitfalls.append(Note("pitfall.huber_clean", {"inside": inside, "delta": delta}))
    return c


def _mae(a: Analysis, y: np.ndarray, r: np.ndarray, robust: bool) -> Candidate:
    assert a.residuals is not None
    res = a.residuals
    c = Candidate("mae")
    if robust:
        c.reasons.append(Note("reason.mae_outliers", {"pull": res["mae_pull"], "share": res["share"]}))
    gap = abs(float(np.mean(y)) - float(np.median(y)))
    spread = res["scale"] if res["scale"] > 0 else 1.0
    c.pitfalls.append(Note("pitfall.mae_median", {"gap": gap, "relative": gap / spread}))
    return c


def _quantile(a: Analysis, y: np.ndarray, base: np.ndarray, q: float, ratio: float | None) -> Candidate:
    c = Candidate("quantile", {"q": q})
    if ratio is not None:
        c.derived.append(Note("derived.quantile_ratio", {"ratio": ratio, "q": q}))
    else:
        c.derived.append(Note("derived.quantile_given", {"q": q}))
    under = float(np.mean(y > base))
    c.reasons.append(Note("reason.quantile", {"q": q, "under": under}))
    c.pitfalls.append(Note("pitfall.quantile", {"q": q}))
    return c


def _poisson(a: Analysis, y: np.ndarray) -> Candidate:
    assert a.target is not None
    t = a.target
    c = Candidate("poisson", {"log_input": True}, assumed=["log_input"])
    c.reasons.append(Note("reason.poisson", {"mean": t["mean"], "high": t["max"], "zeros": t["zeros"]}))
    c.derived.append(Note("derived.log_input", {}))
    disp = t["dispersion"] or 0.0
    if disp >= 2.0:
        c.pitfalls.append(Note("pitfall.poisson_overdispersed", {"dispersion": disp}))
    else:
        c.pitfalls.append(Note("pitfall.poisson_scale", {"dispersion": disp}))
    return c


def _msle(a: Analysis, y: np.ndarray, first: bool) -> Candidate:
    assert a.target is not None
    c = Candidate("msle")
    geo = float(np.expm1(np.mean(np.log1p(y))))
    mean = float(np.mean(y))
    if first:
        c.reasons.append(Note("reason.msle", {"orders": a.target["orders_of_magnitude"] or 0.0,
                                              "skew": a.target["skew"]}))
    c.pitfalls.append(Note("pitfall.msle_low", {"geo": geo, "mean": mean,
                                                "low": 1.0 - geo / mean if mean > 0 else 0.0}))
    return c


def _mape(a: Analysis, y: np.ndarray) -> Candidate:
    c = Candidate("mape")
    small = int(np.sum(y < 0.01 * np.median(y)))
    c.pitfalls.append(Note("pitfall.mape", {"small": small, "low": float(np.min(y))}))
    return c


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for c in cands:
        if c.label not in seen:
            seen.add(c.label)
            out.append(c)
    return out


# -------------------------------------------------------------------------------------------------- classification
def _gamma(ratio: float) -> float:
    """Focal γ from the imbalance ratio: 1 at 5:1, 1.5 at 10:1, 2 at 20:1, 3 at 100:1 (rounded to halves)."""
    return float(min(5.0, max(1.0, round(3.0 * math.log10(max(ratio, 1.0))) / 2.0)))


def _logits(hints: Hints) -> tuple[bool, list[str]]:
    return (hints.output != "probabilities"), (["from_logits"] if hints.output is None else [])


def _binary(a: Analysis, hints: Hints) -> tuple[list[Candidate], list[Candidate]]:
    assert a.y_codes is not None and a.classes is not None
    counts = np.bincount(a.y_codes, minlength=2)
    n_neg, n_pos = int(counts[0]), int(counts[1])
    ratio = a.imbalance_ratio or 1.0
    logits, assumed = _logits(hints)
    pos_label = a.classes[1]["label"]
    priority = hints.priority or "balanced"
    imbalanced = ratio >= MODERATE_IMBALANCE

    def bce(weighted: bool) -> Candidate:
        params: dict[str, Any] = {"from_logits": logits}
        c = Candidate("binary_cross_entropy", params, assumed=list(assumed))
        if weighted:
            params["pos_weight"] = sig(n_neg / max(n_pos, 1))
            c.label = f"binary_cross_entropy, pos_weight={params['pos_weight']:g}"
            c.derived.append(Note("derived.pos_weight", {"neg": n_neg, "pos": n_pos, "weight": params["pos_weight"],
                                                         "positive": pos_label}))
            c.reasons.append(Note("reason.bce_weighted", {"ratio": ratio, "positive": pos_label,
                                                          "weight": params["pos_weight"]}))
            if priority != "recall":
                c.pitfalls.append(Note("pitfall.weighted_false_alarms", {"weight": params["pos_weight"]}))
        else:
            asked = imbalanced and priority == "precision"  # only a stated priority may be quoted back
            c.reasons.append(Note("reason.bce_precision" if asked else "reason.bce", {}))
            if imbalanced:
                c.pitfalls.append(_majority_pitfall(a))
        c.derived.append(Note("derived.from_logits" if logits else "derived.from_probabilities", {}))
        if a.label_format == "signed":
            c.pitfalls.append(Note("pitfall.signed_to_01", {}))
        return c

    def focal() -> Candidate:
        gamma = _gamma(ratio) if imbalanced else 2.0
        alpha = sig(n_neg / (n_neg + n_pos), 2) if imbalanced else None
        c = Candidate("binary_focal", {"gamma": gamma, "alpha": alpha, "from_logits": logits},
                      assumed=list(assumed))
        c.derived.append(Note("derived.focal_gamma", {"ratio": ratio, "gamma": gamma}))
        if alpha is not None:
            c.derived.append(Note("derived.focal_alpha", {"alpha": alpha, "positive": pos_label}))
        c.reasons.append(Note("reason.focal", {"gamma": gamma, "keep": (1 - 0.9) ** gamma}))
        c.pitfalls.append(Note("pitfall.focal_calibration", {}))
        return c

    def hinge(name: str = "hinge") -> Candidate:
        c = Candidate(name)
        if a.label_format == "signed":
            c.reasons.append(Note("reason.hinge_signed", {}))
        else:
            c.reasons.append(Note("reason.hinge_decisions", {}))
        c.pitfalls.append(Note("pitfall.hinge_no_probabilities", {}))
        if imbalanced:
            c.pitfalls.append(Note("pitfall.hinge_no_weights", {"ratio": ratio, "positive": pos_label}))
        return c

    avoid: list[Candidate] = []
    if a.label_format == "signed" and hints.output != "probabilities":
        ranked = [hinge(), hinge("squared_hinge"), bce(imbalanced and priority != "precision")]
        ranked[1].reasons = [Note("reason.squared_hinge", {})]
        if imbalanced:
            ranked.append(focal())
        return ranked, avoid
    if not imbalanced:
        return [bce(False), hinge()], avoid
    if priority == "precision":
        return [bce(False), focal(), bce(True)], avoid
    avoid.append(bce(False))
    return [bce(True), focal()], avoid


def _majority_pitfall(a: Analysis) -> Note:
    assert a.classes is not None
    shares = [c["share"] for c in a.classes]
    major = int(np.argmax(shares))
    minor = int(np.argmin(shares))
    return Note("pitfall.majority", {"majority": a.classes[major]["label"], "accuracy": shares[major],
                                     "minority": a.classes[minor]["label"], "count": a.classes[minor]["count"]})


def _multiclass(a: Analysis, hints: Hints) -> tuple[list[Candidate], list[Candidate]]:
    assert a.y_codes is not None and a.classes is not None
    k = len(a.classes)
    counts = np.bincount(a.y_codes, minlength=k)
    ratio = a.imbalance_ratio or 1.0
    logits, assumed = _logits(hints)
    imbalanced = ratio >= MODERATE_IMBALANCE
    priority = hints.priority or "balanced"
    ce_name = "categorical_cross_entropy" if a.label_format == "one_hot" else "sparse_categorical_cross_entropy"
    classes = a.classes

    def ce(weighted: bool) -> Candidate:
        params: dict[str, Any] = {"from_logits": logits}
        c = Candidate(ce_name, params, assumed=list(assumed))
        if weighted:
            weights = [sig(a.n_rows / (k * max(int(n), 1))) for n in counts]
            params["class_weight"] = weights
            c.label = f"{ce_name}, class_weight"
            rare, common = int(np.argmin(counts)), int(np.argmax(counts))
            c.derived.append(Note("derived.class_weight", {
                "k": k, "rows": a.n_rows, "rare": classes[rare]["label"], "weight": weights[rare],
                "common": classes[common]["label"], "common_weight": weights[common]}))
            c.reasons.append(Note("reason.ce_weighted", {"ratio": ratio}))
            if priority != "recall":
                c.pitfalls.append(Note("pitfall.weighted_false_alarms_multi", {}))
        else:
            c.reasons.append(Note("reason.ce_sparse" if ce_name.startswith("sparse") else "reason.ce_onehot",
                                  {"k": k}))
            if imbalanced:
                c.pitfalls.append(_majority_pitfall(a))
        c.derived.append(Note("derived.from_logits" if logits else "derived.from_probabilities", {}))
        return c

    def focal() -> Candidate:
        gamma = _gamma(ratio) if imbalanced else 2.0
        c = Candidate("categorical_focal", {"gamma": gamma, "alpha": 1.0, "from_logits": logits},
                      assumed=list(assumed))
        c.derived.append(Note("derived.focal_gamma", {"ratio": ratio, "gamma": gamma}))
        c.derived.append(Note("derived.focal_alpha_one", {}))
        c.reasons.append(Note("reason.focal", {"gamma": gamma, "keep": (1 - 0.9) ** gamma}))
        c.pitfalls.append(Note("pitfall.focal_calibration", {}))
        if ce_name.startswith("sparse"):
            c.pitfalls.append(Note("pitfall.focal_onehot", {}))
        return c

    def margin() -> Candidate:
        c = Candidate("multi_margin")
        c.reasons.append(Note("reason.multi_margin", {}))
        c.pitfalls.append(Note("pitfall.hinge_no_probabilities", {}))
        return c

    avoid: list[Candidate] = []
    if not imbalanced:
        return [ce(False), margin()], avoid
    if priority == "precision":
        return [ce(False), focal(), ce(True)], avoid
    avoid.append(ce(False))
    return [ce(True), focal()], avoid


def _multilabel(a: Analysis, hints: Hints) -> tuple[list[Candidate], list[Candidate]]:
    assert a.y_matrix is not None
    y = a.y_matrix
    n = y.shape[0]
    pos = y.sum(axis=0)
    logits, assumed = _logits(hints)
    ratio = a.imbalance_ratio or 1.0
    params: dict[str, Any] = {"from_logits": logits}
    bce = Candidate("binary_cross_entropy", params, assumed=list(assumed))
    if ratio >= MODERATE_IMBALANCE:
        params["pos_weight"] = [sig((n - p) / max(p, 1)) for p in pos]
        bce.label = "binary_cross_entropy, pos_weight per label"
        bce.derived.append(Note("derived.pos_weight_per_label", {"low": min(params["pos_weight"]),
                                                                 "high": max(params["pos_weight"])}))
    bce.reasons.append(Note("reason.multilabel", {"per_row": a.labels_per_row or 0.0}))
    bce.derived.append(Note("derived.from_logits" if logits else "derived.from_probabilities", {}))
    gamma = _gamma(ratio) if ratio >= MODERATE_IMBALANCE else 2.0
    focal = Candidate("binary_focal", {"gamma": gamma, "from_logits": logits}, assumed=list(assumed))
    focal.derived.append(Note("derived.focal_gamma", {"ratio": ratio, "gamma": gamma}))
    focal.reasons.append(Note("reason.focal", {"gamma": gamma, "keep": (1 - 0.9) ** gamma}))
    focal.pitfalls.append(Note("pitfall.focal_calibration", {}))
    cce = Candidate("categorical_cross_entropy", {"from_logits": logits})
    several = float(np.mean(y.sum(axis=1) > 1))
    cce.pitfalls.append(Note("pitfall.softmax_multilabel", {"per_row": a.labels_per_row or 0.0,
                                                            "several": several}))
    return [bce, focal], [cce]


def _distribution(a: Analysis, hints: Hints) -> tuple[list[Candidate], list[Candidate]]:
    logits, assumed = _logits(hints)
    ce = Candidate("categorical_cross_entropy", {"from_logits": logits}, assumed=list(assumed))
    ce.reasons.append(Note("reason.soft_ce", {}))
    ce.derived.append(Note("derived.from_logits" if logits else "derived.from_probabilities", {}))
    kl = Candidate("kl_divergence")
    kl.reasons.append(Note("reason.kl", {}))
    kl.pitfalls.append(Note("pitfall.kl_probabilities", {}))
    js = Candidate("js_divergence")
    js.reasons.append(Note("reason.js", {}))
    js.pitfalls.append(Note("pitfall.js_slow", {}))
    return [ce, kl, js], []
