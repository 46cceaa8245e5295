"""Reading the learning curves: what went wrong (or right), from which epoch, how sure, and what to try.

:func:`diagnose` looks at a :class:`~losslab.training.History` and reports findings, most serious first:

==================  ========================================================================================
``divergence``      the loss became NaN / infinite, or exploded far above its lowest value
``collapse``        the accuracy fell to one fixed value (every example given the same class) while the
                    training loss stays at or above the loss of a model that ignores the features
``oscillation``     the training loss zig-zags up and down by large amounts, jumps up sharply again and again, or
                    no longer improves while it jumps far above its floor after overshooting at the start
                    (learning rate too high)
``overfitting``     the validation loss rose beyond its noise band while the training loss kept falling
``plateau``         the loss stood still for a long stretch: stalled (tiny updates) or later escaped
``underfitting``    the curves are flat far below what these data allow (a k-nearest-neighbours reference,
                    when :class:`~losslab.training.facts.RunFacts` give one), else near the loss of a model
                    that ignores the features
``still_improving`` nothing wrong, but the loss was still falling when training stopped
``healthy``         none of the above, beyond the noise
``too_short``       too few epochs to judge (fewer than 5; or fewer than two windows, 10 epochs, and no warning)
``dead_units``      (beside the verdict, from the model) ReLU units that output 0 on every training row
==================  ========================================================================================

Each finding says how sure it is (``certainty``: ``high``, ``moderate`` or ``low``, with the reason in words).

How signal is told from noise
-----------------------------
The rules compare *window means*, not single epochs. A window is a tenth of the run, at least 5 epochs
(:func:`window`); the lowest stretch of the validation loss is the lowest mean of ``best_stretch`` (5) consecutive
epochs, never one noisy minimum. The noise band of a curve is ``±2 s``, where ``s`` is the standard deviation of
its residuals about a straight line over the last window (:func:`noise_band`): the run's own scatter. A warning
needs its evidence in the last *two* windows (it must persist), and :func:`held` replays the rules at fixed
:func:`checkpoints` (every epoch up to 40, every 5th up to 200, coarser later) so that a finding starts only at a
checkpoint with its full evidence and stays until its evidence falls below about half of that (hysteresis): a
curve flat within its noise does not flip the verdict.

Every number in a message is quoted to 4 significant digits and says what it is (which epochs a mean covers);
every percentage is computed from exactly the two quoted numbers beside it.

What the history cannot show comes as :class:`~losslab.training.facts.RunFacts` (``Run.diagnose`` reads them
from the model and the data): the dead ReLU units, and what a k-nearest-neighbours predictor reaches on the same
validation rows. Without them (``diagnose(history)`` alone), ``underfitting`` compares with the trivial baseline
(``history.baseline``) and says so, and dead units are not counted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import texts as T
from ._common import TrainingError, jsonable
from ._curves import Curves, DiagnosisMemo, Thresholds, checkpoints, held, noise_band, noise_sd, round4, window
from ._rules import (
    OSCILLATION,
    _collapse,
    _dead,
    _divergence,
    _healthy,
    _overfitting,
    _plateau,
    _still_improving,
    _underfitting,
    _underfitting_reach,
)
from .facts import RunFacts
from .history import History

__all__ = ["CODES", "Diagnosis", "DiagnosisMemo", "Finding", "Thresholds", "checkpoints", "diagnose", "noise_band",
           "noise_sd", "round4", "window"]

CODES: tuple[str, ...] = ("divergence", "collapse", "oscillation", "overfitting", "plateau", "underfitting",
                          "still_improving", "healthy", "too_short", "dead_units")
SEVERITY: dict[str, str] = {"divergence": "error", "collapse": "error", "oscillation": "warning",
                            "overfitting": "warning", "plateau": "warning", "underfitting": "warning",
                            "still_improving": "info", "healthy": "ok", "too_short": "info", "dead_units": "warning"}
CERTAINTY: tuple[str, ...] = ("high", "moderate", "low")


@dataclass(frozen=True)
class Finding:
    """One thing the curves show.

    Attributes
    ----------
    code : str
        One of :data:`CODES`.
    epoch : int or None
        The epoch where it starts (1-based), None when it has no start (``too_short``).
    severity : {"error", "warning", "info", "ok"}
    title, message : str
        In the diagnosis's language; the message quotes the numbers.
    advice : tuple of str
        What to try, most useful first.
    evidence : mapping
        The numbers the rule used (JSON-ready).
    certainty : {"high", "moderate", "low"}
        How sure the finding is; ``certainty_note`` says why, in the diagnosis's language.
    """

    code: str
    epoch: int | None
    severity: str
    title: str
    message: str
    advice: tuple[str, ...]
    evidence: Mapping[str, Any] = field(default_factory=dict)
    certainty: str = "moderate"
    certainty_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"code": self.code, "epoch": self.epoch, "severity": self.severity, "title": self.title,
                         "message": self.message, "advice": list(self.advice), "evidence": dict(self.evidence),
                         "certainty": self.certainty, "certainty_note": self.certainty_note})


@dataclass(frozen=True)
class Diagnosis:
    """The findings about one run, most serious first (there is always at least one)."""

    findings: tuple[Finding, ...]
    lang: str

    @property
    def primary(self) -> Finding:
        return self.findings[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    @property
    def healthy(self) -> bool:
        """True when nothing went wrong (``healthy`` or ``still_improving``)."""
        return all(f.severity in ("ok", "info") for f in self.findings) and "too_short" not in self.codes

    def to_dict(self) -> dict[str, Any]:
        return {"lang": self.lang, "primary": self.primary.code, "healthy": self.healthy,
                "findings": [f.to_dict() for f in self.findings]}

    def to_text(self) -> str:
        """Plain text: each finding's title, epoch, message and advice."""
        lines = []
        for f in self.findings:
            where = "" if f.epoch is None else " — " + T.ui("from_epoch", self.lang, epoch=f.epoch)
            lines.append(f"{f.title}{where}")
            lines.append(f"  {f.message}")
            if f.certainty_note:
                lines.append(f"  {f.certainty_note}")
            lines.extend(f"  - {a}" for a in f.advice)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def _show(key: str, value: Any) -> Any:
    """A number as the messages quote it: percentages with one decimal, other floats with 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, float | np.floating):
        return value
    if key.endswith(("_acc_pct", "_pts")):
        return f"{value:.1f}"
    if key.endswith("pct"):
        return f"{value:.1f}"
    return f"{value:.4g}"


def _certainty(code: str, ev: Mapping[str, Any], facts: RunFacts | None) -> str:
    """How sure a finding is, from how far its evidence lies beyond its thresholds (the reasons are in the texts,
    ``diagnosis.certainty.<code>_<level>``)."""
    kind = ev.get("kind")
    if code in ("divergence", "collapse", "dead_units") or (code == "plateau" and kind == "stalled"):
        return "high"
    if code == "too_short":
        return "low"
    if code == "oscillation":
        return "high" if max(ev.get("blocks", 0), ev.get("spikes", 0), ev.get("jumps", 0)) >= 3 else "moderate"
    if code == "overfitting":
        return "high" if kind == "clear" and ev["last_mean"] - ev["best_mean"] > 2 * ev["band"] else "moderate"
    if code == "underfitting":
        return "high" if ev.get("sure") else "moderate"
    if code == "healthy":
        return "high" if ev.get("kind") == "val" and facts is not None and facts.reference is not None else "moderate"
    return "moderate"


def _finding(code: str, evidence: dict[str, Any], lang: str, facts: RunFacts | None = None) -> Finding:
    fmt = {k: _show(k, v) for k, v in evidence.items()}
    kind = evidence.get("kind")
    key = f"diagnosis.{code}"
    message = T.get(f"{key}.message_{kind}" if kind else f"{key}.message", lang, **fmt)
    try:
        advice = T.items(f"{key}.advice_{kind}" if kind else f"{key}.advice", lang, **fmt)
    except KeyError:
        advice = T.items(f"{key}.advice", lang, **fmt)
    if code == "overfitting" and evidence.get("restored_best"):
        message += " " + T.get(f"{key}.restored", lang, **fmt)
    sure = _certainty(code, evidence, facts)
    severity = "info" if code == "dead_units" and kind == "some" else SEVERITY[code]
    return Finding(code=code, epoch=evidence.get("epoch"), severity=severity,
                   title=T.get(f"{key}.title", lang), message=message, advice=tuple(advice),
                   evidence=jsonable(evidence), certainty=sure,
                   certainty_note=T.get(f"diagnosis.certainty.{_certainty_key(code, evidence)}_{sure}", lang))


def _certainty_key(code: str, ev: Mapping[str, Any]) -> str:
    """Which reason the certainty note gives: the code, and for underfitting whether a reference was known."""
    return "underfitting_baseline" if code == "underfitting" and ev.get("kind") is None else code


WHERE: tuple[str, ...] = ("api", "lab")
"""Where the advice is read: ``"api"`` (Python and the command line: fit's options, losslab compare) or ``"lab"``
(the page's own controls: the learning rate, batch size, optimizer, regularization, layers, Play and Pause)."""


def _for_lab(f: Finding, lang: str) -> Finding:
    """The finding with the advice the lab can act on, where its texts have one (``advice_lab``)."""
    try:
        advice = T.items(f"diagnosis.{f.code}.advice_lab", lang, **{k: _show(k, v) for k, v in f.evidence.items()})
    except KeyError:
        return f
    return dataclasses.replace(f, advice=tuple(advice))


def diagnose(history: History, lang: str | None = "en", *, thresholds: Thresholds | None = None,
             facts: RunFacts | None = None, where: str = "api", memo: DiagnosisMemo | None = None) -> Diagnosis:
    """Read a run's curves and say what they show, in ``lang`` ("en" or "ja").

    Parameters
    ----------
    history : History
        From :func:`~losslab.training.fit` (``run.history``).
    lang : str
        Language of the titles, messages and advice.
    thresholds : Thresholds, optional
        The numbers behind the rules.
    facts : RunFacts, optional
        What the history does not record (``Run.diagnose`` passes them): a reachable reference score, which
        ``underfitting`` is then judged against, and the dead ReLU units (a ``dead_units`` finding).
    where : {"api", "lab"}
        Where the advice is read (:data:`WHERE`): it names only what can be done there.
    memo : DiagnosisMemo, optional
        For a run diagnosed again and again as it grows (a live run): keep one :class:`DiagnosisMemo` per run and
        pass it each time; the diagnosis is the same, faster (each rule's answer at each checkpoint is computed
        once). A memo given another history forgets what it held.

    Returns
    -------
    Diagnosis
        Findings most serious first; ``diagnosis.primary.code`` is the headline.

    Examples
    --------
    >>> from losslab.training import fit
    >>> run = fit("outliers", loss="mse", optimizer="sgd", lr=1.5, epochs=40, seed=0)
    >>> diagnose(run.history).primary.code
    'divergence'
    """
    th = thresholds or Thresholds()
    lang = T.normalize_lang(lang)
    findings = _verdict(history, th, facts, lang, memo)
    dead = _dead(facts.dead if facts is not None else None, th)
    if dead is not None:
        findings.append(_finding("dead_units", dead, lang, facts))
    if where not in WHERE:
        raise TrainingError(f"where must be one of {', '.join(WHERE)}, not {where!r}")
    if where == "lab":
        findings = [_for_lab(f, lang) for f in findings]
    return Diagnosis(tuple(findings), lang)


def _verdict(history: History, th: Thresholds, facts: RunFacts | None, lang: str,
             memo: DiagnosisMemo | None = None) -> list[Finding]:
    """The findings of the curves, most serious first (without dead units, which come from the model)."""
    t, v = history.column("train_loss"), history.column("val_loss")
    base = float(history.baseline.get("train_loss", math.nan))
    if len(t) == 0:
        return [_finding("too_short", {"epoch": None, "epochs": 0, "min_epochs": th.min_epochs}, lang)]
    found = _divergence(history, t, v, base, th)
    if found is not None:
        return [_finding("divergence", found, lang)]
    if len(t) < th.min_epochs:
        return [_finding("too_short", {"epoch": None, "epochs": len(t), "min_epochs": th.min_epochs}, lang)]
    c = Curves.of(history)
    with memo.reading(c, th) if memo is not None else contextlib.nullcontext():
        findings: list[Finding] = []
        collapse = held(_collapse, c, th, memo)
        if collapse is not None:
            findings.append(_finding("collapse", collapse, lang))
        # each kind of oscillation is found and held on its own evidence: the message quotes what found it
        zig = next((f for f in (held(rule, c, th, memo) for rule in OSCILLATION) if f is not None), None)
        if zig is not None:
            findings.append(_finding("oscillation", zig, lang))
        over = held(_overfitting, c, th, memo)
        if over is not None:
            findings.append(_finding("overfitting", over, lang))
        plateau = _plateau(history, t, base, th)
        if plateau is not None:
            findings.append(_finding("plateau", plateau, lang))
        if collapse is None and over is None and zig is None and (plateau is None or plateau["kind"] != "stalled"):
            ref = facts.reference if facts is not None else None
            if ref is not None and c.has_val:  # what these data allow is known: judge against it, not the baseline
                under = held(functools.partial(_underfitting_reach, ref=ref), c, th, memo,
                             key=(_underfitting_reach, _frozen(ref)))
            else:
                under = held(_underfitting, c, th, memo)
            if under is not None:
                findings.append(_finding("underfitting", under, lang))
        if not findings and c.n < 2 * window(c.n):  # "healthy" needs two windows to compare, like every warning
            return [_finding("too_short", {"epoch": None, "epochs": c.n, "min_epochs": 2 * window(c.n)}, lang)]
        if not findings:
            still = held(_still_improving, c, th, memo)
            findings.append(_finding("still_improving", still, lang) if still is not None
                            else _finding("healthy", _healthy(c), lang, facts))
        return findings


def _frozen(ref: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The reference's numbers as a memo key (exact: ``repr`` of a float gives back the same float)."""
    return tuple(sorted((str(k), repr(v)) for k, v in ref.items()))
