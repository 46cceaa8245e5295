"""Loss specs, ``huber(delta=2)``: one syntax read and written in one place, by each parameter's constraint."""

from __future__ import annotations

import pytest

import losslab
from losslab.errors import LossInputError
from losslab.losses import definitions
from losslab.losses._spec import format_spec, parse_spec, parse_specs, split_specs


def test_examples() -> None:
    assert parse_spec("huber(delta=2)") == losslab.get("huber", delta=2.0)
    assert parse_spec(" quantile ( q = 0.9 ) ") == losslab.get("quantile", q=0.9)
    assert parse_spec("bce(from_logits=true, pos_weight=9)") == losslab.get("bce", from_logits=True, pos_weight=9.0)
    assert parse_spec("cce(class_weight=[1, 2, 0.5])").params["class_weight"] == (1.0, 2.0, 0.5)
    assert parse_spec("binary_focal(alpha=none)").params["alpha"] is None
    assert parse_spec("mse") == losslab.get("mse")
    assert split_specs("mse, huber(delta=2, beta=[1,2]), bce") == ["mse", "huber(delta=2, beta=[1,2])", "bce"]
    assert [loss.name for loss in parse_specs("l2, pinball(q=0.1)")] == ["mse", "quantile"]


@pytest.mark.parametrize("d", [d for d in definitions() if d.builtin], ids=lambda d: d.name)
def test_round_trip_for_every_parameter_with_a_slider(d: losslab.losses.LossDefinition) -> None:
    assert format_spec(losslab.get(d.name)) == d.name
    for p in d.params:
        if p.slider is not None:
            loss = losslab.get(d.name, **{p.name: p.convert(p.slider[1])})
            text = format_spec(loss)
            assert text == f"{d.name}({p.name}={p.slider[1]:g})"
            assert parse_spec(text) == loss


@pytest.mark.parametrize("bad, argument", [
    ("huber(delta=2", "loss"), ("huber delta=2)", "loss"), ("huber(delta)", "loss"), ("huber(delta=abc)", "delta"),
    ("huber(delta=-1)", "delta"), ("huber(gamma=1)", "gamma"), ("hubre(delta=1)", "name"),
    ("bce(from_logits=maybe)", "from_logits"),
])
def test_errors_name_the_argument_and_give_a_hint(bad: str, argument: str) -> None:
    with pytest.raises(LossInputError) as info:
        parse_spec(bad)
    assert info.value.argument == argument and info.value.hint
