"""The teacher-and-student panel's words that are code: the call that gives the panel's number in PyTorch, Keras,
optax and TRL (as text, never run), and the forward-vs-reverse figure (a Vega-Lite spec of :func:`fit_modes`).

Every number quoted beside a call is the library's (:mod:`losslab.distill`); the call is what a reader types to
get the same number in the other library. The roles differ: torch and optax take the **student first, as
log-probabilities**; Keras takes the teacher first (``y_true``); TRL takes both as logits, student first, and
returns its raw generalised JSD without T² (docs/distill.md, "The same call in each library").
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .. import distill
from .._palette import PALETTE
from ._texts import flat

__all__ = ["lab_text", "library_calls", "modes_figure"]

_words = functools.lru_cache(maxsize=4)(flat)  # the lab's texts do not change while it runs


def lab_text(key: str, lang: str, **fmt: Any) -> str:
    """:func:`._texts.lab_text` read from a cached table: the panel's numbers answer on every slider move."""
    text = _words(lang)[key]
    return text.format(**fmt) if fmt else text


def _row(values: Sequence[float]) -> str:
    return "[[" + ", ".join(repr(float(v)) for v in values) + "]]"


def _num(x: float) -> str:
    return repr(float(x))


def library_calls(teacher: Sequence[float], student: Sequence[float], *, temperature: float, beta: float,
                  direction: str, from_logits: bool, lang: str, kl: float, trl: float) -> list[dict[str, Any]]:
    """One entry per library: ``library``, ``code`` (the exact call, with these rows), ``value`` (the number it
    gives: ``kl``, T² · KL in ``direction``, and for TRL ``trl``, the raw generalised JSD at ``beta``, both from
    :mod:`losslab.distill`) and ``note`` (which argument is a log, which direction)."""
    T = temperature
    fwd = direction == "forward"
    first, second = ("student", "teacher") if fwd else ("teacher", "student")
    torch_z = "{} / T" if from_logits else "{}.log() / T"
    rows = f"teacher = torch.tensor({_row(teacher)})\nstudent = torch.tensor({_row(student)})\n"
    torch_rows = rows + f"T = {_num(T)}\n"
    torch_call = (f"F.kl_div(F.log_softmax({torch_z.format(first)}, -1), F.softmax({torch_z.format(second)}, -1),"
                  f" reduction=\"batchmean\") * T**2")
    jax_z = "{} / T" if from_logits else "jnp.log({}) / T"
    jax_rows = (f"teacher = jnp.array({_row(teacher)})\nstudent = jnp.array({_row(student)})\nT = {_num(T)}\n")
    keras_z = "{} / T" if from_logits else "keras.ops.log({}) / T"
    keras_rows = (f"teacher = keras.ops.convert_to_tensor({_row(teacher)})\n"
                  f"student = keras.ops.convert_to_tensor({_row(student)})\nT = {_num(T)}\n")
    keras_call = (f"keras.losses.KLDivergence()(keras.ops.softmax({keras_z.format(second)}),"
                  f" keras.ops.softmax({keras_z.format(first)})) * T**2")
    trl_z = "{}" if from_logits else "{}.log()"
    trl_call = (f"GKDTrainer.generalized_jsd_loss({trl_z.format('student')}, {trl_z.format('teacher')}, "
                f"beta={_num(beta)}, temperature={_num(T)})")
    note = {key: lab_text(f"distill.lib_{key}_{direction}", lang) for key in ("torch", "keras", "optax")}
    return [
        {"library": "PyTorch", "value": kl, "note": note["torch"],
         "code": "import torch, torch.nn.functional as F\n" + torch_rows + torch_call},
        {"library": "Keras", "value": kl, "note": note["keras"], "code": "import keras\n" + keras_rows + keras_call},
        {"library": "optax", "value": kl, "note": note["optax"],
         "code": "import jax, jax.numpy as jnp, optax\n" + jax_rows
                 + f"optax.kl_divergence(log_predictions=jax.nn.log_softmax({jax_z.format(first)}),"
                 f" targets=jax.nn.softmax({jax_z.format(second)})).mean() * T**2"},
        {"library": "TRL", "value": trl, "note": lab_text("distill.lib_trl", lang, beta=f"{beta:g}"),
         "code": "import torch\nfrom trl import GKDTrainer\n" + rows
                 + trl_call},
        {"library": "losslab", "value": kl, "note": lab_text("distill.lib_losslab", lang),
         "code": "from losslab import distill\n"
                 + f"distill.kl({list(map(float, teacher))}, {list(map(float, student))}, temperature={_num(T)},"
                 f" direction=\"{direction}\", scale_t2=True{', from_logits=True' if from_logits else ''})"},
    ]


def modes_figure(fits: distill.ModeFits, lang: str) -> dict[str, Any]:
    """The teacher's two peaks as bars and both fitted students as lines, over the tokens (a Vega-Lite spec with
    one named dataset, ``modes``: ``token``, ``series``, ``p``)."""
    from ..figures._theme import config  # the figures' look; the figures are optional, imported when asked

    names = {key: lab_text(f"distill.modes_{key}", lang) for key in ("teacher", "forward", "reverse")}
    rows = [{"token": k, "series": names["teacher"], "prob": float(p)} for k, p in enumerate(fits.teacher)]
    for key, fit in (("forward", fits.forward), ("reverse", fits.reverse)):
        rows += [{"token": k, "series": names[key], "prob": float(p)} for k, p in enumerate(fit.probs)]
    students = [names["forward"], names["reverse"]]
    x = {"field": "token", "type": "quantitative", "title": lab_text("distill.modes_axis_token", lang),
         "scale": {"domain": [-1, len(fits.teacher)], "nice": False}}
    y = {"field": "prob", "type": "quantitative", "title": lab_text("distill.modes_axis_p", lang)}
    tooltip = [{"field": "series", "type": "nominal"}, {"field": "token", "type": "quantitative"},
               {"field": "prob", "type": "quantitative", "format": ".4f"}]
    bars = {"transform": [{"filter": {"field": "series", "equal": names["teacher"]}}],
            "mark": {"type": "bar", "color": "#bdbdbd", "width": {"band": 0.9}},
            "encoding": {"x": x, "y": y, "tooltip": tooltip}}
    lines = {"transform": [{"filter": {"field": "series", "oneOf": students}}],
             "mark": {"type": "line", "strokeWidth": 2.5, "point": {"size": 30}},
             "encoding": {"x": x, "y": y, "tooltip": tooltip,
                          "color": {"field": "series", "type": "nominal", "title": None,
                                    "scale": {"domain": students, "range": [PALETTE[0], PALETTE[1]]},
                                    "legend": {"orient": "bottom", "direction": "vertical", "columns": 1,
                                               "symbolType": "stroke"}},
                          "strokeDash": {"field": "series", "type": "nominal", "title": None,
                                         "scale": {"domain": students, "range": [[1, 0], [7, 3]]}}}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": lab_text("distill.modes_title", lang), "subtitle": lab_text("distill.modes_subtitle", lang)},
        "width": 470, "height": 260, "data": {"name": "modes"}, "layer": [bars, lines],
        "datasets": {"modes": rows}, "config": config(lang),
        "usermeta": {"losslab": {"figure": "distill_modes", "lang": lang}},
    }
