"""No public call of a loss ends in a raw exception: whatever the input, the answer is a number, an array or a
LossInputError naming the loss and the argument (with a hint). Hypothesis draws the awkward inputs."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import losslab
from losslab.errors import LossInputError, LossInputWarning
from losslab.losses import definitions

NAMES = sorted(d.name for d in definitions() if d.builtin)

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20), st.booleans(), st.none(),
    st.text(max_size=3), st.complex_numbers(max_magnitude=10), st.just(b"x"), st.just(object()),
)
flat = st.lists(scalars, max_size=5)
ragged = st.lists(st.one_of(flat, scalars), max_size=4)
arrays = st.one_of(
    st.builds(lambda xs: np.asarray(xs, dtype=float), st.lists(st.floats(-1e300, 1e300), min_size=0, max_size=6)),
    st.builds(lambda xs: np.asarray(xs, dtype=np.int64), st.lists(st.integers(-5, 5), max_size=6)),
    st.builds(lambda xs: np.asarray(xs, dtype=np.float16), st.lists(st.floats(-6e4, 6e4, width=16), max_size=6)),
    st.builds(lambda n: np.zeros((n, 0)), st.integers(0, 3)),
    st.builds(lambda n, c: np.random.default_rng(n).random((n, c)), st.integers(1, 4), st.integers(1, 4)),
    st.builds(lambda xs: np.asarray(xs, dtype=object), st.lists(st.sampled_from([1, "a", None, 2.5]), max_size=4)),
    st.builds(lambda xs: np.asarray(xs, dtype=np.complex128),
              st.lists(st.complex_numbers(max_magnitude=5), max_size=4)),
)
inputs = st.one_of(scalars, flat, ragged, arrays, st.dictionaries(st.text(max_size=2), scalars, max_size=2))
keywords = st.fixed_dictionaries({}, optional={
    "reduction": st.sampled_from(["mean", "sum", "none", "avg", None, 3]),
    "sample_weight": inputs,
    "nan_policy": st.sampled_from(["raise", "omit", "propagate", "skip", 1]),
})


def _call(name: str, pred: Any, target: Any, kwargs: dict[str, Any], method: str) -> None:
    loss = losslab.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LossInputWarning)
        try:
            getattr(loss, method)(pred, target, **kwargs) if method != "__call__" else loss(pred, target, **kwargs)
        except LossInputError as err:
            assert err.loss and err.argument and err.expected and err.got is not None
            assert err.hint, str(err)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pred=inputs, target=inputs, kwargs=keywords, method=st.sampled_from(["__call__", "grad", "value_and_grad"]))
def test_any_input_gives_a_result_or_a_loss_input_error(name: str, pred: Any, target: Any, kwargs: dict[str, Any],
                                                        method: str) -> None:
    _call(name, pred, target, kwargs, method)


params = st.one_of(scalars, flat, st.dictionaries(st.one_of(st.integers(-2, 5), st.text(max_size=2)), scalars,
                                                   max_size=3))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_parameter_value_gives_a_loss_or_a_loss_input_error(name: str, data: st.DataObject) -> None:
    d = losslab.losses.definition(name)
    for p in d.params:
        value = data.draw(params, label=p.name)
        try:
            losslab.get(name, **{p.name: value})
        except LossInputError as err:
            assert err.argument == p.name and err.hint
