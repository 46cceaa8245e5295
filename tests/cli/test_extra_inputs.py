"""`losslab compute/explain/show` for losses that read more than (pred, target): --input NAME=VALUES."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
from losslab.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": ""})
    return result.exit_code, result.stdout, result.stderr


def test_compute_with_an_input_equals_the_call() -> None:
    code, out, _ = run("compute", "gaussian_nll", "--pred", "1,2,3", "--target", "1,2,4", "--input", "var=0.5,1,2",
                       "--json")
    assert code == 0
    expected = losslab.gaussian_nll([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], var=[0.5, 1.0, 2.0])
    assert json.loads(out)["value"] == pytest.approx(float(expected), rel=1e-15)


def test_explain_with_an_input() -> None:
    code, out, _ = run("explain", "triplet_margin", "--pred", "1,2;0,1", "--target", "1,2.5;1,1", "--input",
                       "negative=1,1;0,1.2", "--json")
    assert code == 0
    data = json.loads(out)
    expected = losslab.triplet_margin(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[1.0, 2.5], [1.0, 1.0]]),
                                      negative=np.array([[1.0, 1.0], [0.0, 1.2]]))
    assert data["value"] == pytest.approx(float(expected), rel=1e-15)
    assert "distance_negative" in data["columns"]


@pytest.mark.parametrize(("args", "words"), [
    (("--input", "var=0,1,2"), "var"),  # outside the domain
    (("--input", "vr=1,1,2"), "'var'"),  # misspelt: the close match
    (("--input", "var"), "NAME=VALUES"),  # no '='
    ((), "not passed"),  # missing
])
def test_input_errors_are_usage_errors(args: tuple[str, ...], words: str) -> None:
    code, _, err = run("compute", "gaussian_nll", "--pred", "1,2,3", "--target", "1,2,4", *args)
    assert code != 0 and words in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["compute", "explain"])
def test_a_missing_input_is_named_in_the_command_line_words(command: str) -> None:
    code, _, err = run(command, "triplet_margin", "--pred", "0,0", "--target", "0,1")
    assert code == 2 and "'negative'" in err and "--input negative=" in err and "loss(pred" not in err


def test_show_lists_the_inputs() -> None:
    code, out, _ = run("show", "triplet_margin")
    assert code == 0 and "negative" in out and "--input" in out
