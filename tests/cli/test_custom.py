"""`losslab custom "FORMULA"`: derivatives, the report, training beside a built-in, exports; errors in one line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from losslab.cli import app

runner = CliRunner()
ENV = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "200"}
pytestmark = pytest.mark.usefixtures("restore_catalog")  # the command registers its loss in this process


def run(*args: str) -> Any:
    return runner.invoke(app, ["custom", *args], env=ENV)


def test_shows_derivatives_and_report() -> None:
    result = run("log(cosh(r))")
    assert result.exit_code == 0, result.output
    assert "dL/dŷ = tanh(r)" in result.output
    assert "d²L/dŷ² = 1 - tanh(r)^2" in result.output
    assert "computed as: logcosh(r)" in result.output
    assert "robust to outliers" in result.output
    assert "registered in the catalog as custom_" in result.output


def test_json() -> None:
    result = run("where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))", "--param", "delta=2", "--json",
                 "--name", "cli_huber")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["name"] == "cli_huber" and data["params"] == {"delta": 2.0}
    assert data["derivative"]["plain"] == "(r if |r| <= delta else delta*sign(r))"
    assert {i["key"] for i in data["report"]["items"]} >= {"zero", "convex", "bounded", "derivative"}
    assert data["export"] is None and data["training"] is None


def test_export_prints_code_only() -> None:
    result = run("r^2", "--export", "torch", "--name", "sq")
    assert result.exit_code == 0
    assert result.output.startswith('"""sq: r^2')
    assert "def sq(yhat, y, reduction=\"mean\"):" in result.output
    compile(result.output, "<export>", "exec")


def test_train_beside_mse() -> None:
    result = run("log(cosh(r))", "--train", "outliers", "--epochs", "10", "--json", "--name", "cli_lc")
    assert result.exit_code == 0, result.output
    training = json.loads(result.output)["training"]
    mine, mse = training["results"]
    assert (mine["label"], mse["label"]) == ("cli_lc", "mse")
    assert mine["shares"]["outliers"] == mse["shares"]["outliers"] > 0
    text = run("log(cosh(r))", "--train", "outliers", "--epochs", "10", "--name", "cli_lc")
    assert "planted outliers carry" in text.output


def test_japanese() -> None:
    result = runner.invoke(app, ["custom", "|r|", "--lang", "ja"], env=ENV)
    assert result.exit_code == 0
    assert "この損失がすること" in result.output and "頑健" in result.output


@pytest.mark.parametrize(("args", "needle"), [
    (["2r"], "character 2"),
    (["__import__('os').system('x')"], "not Python"),
    (["r^2 * delt", "--param", "delta=1"], "did you mean 'delta'"),
    (["r^2", "--param", "delta"], "NAME=VALUE"),
    (["r^2", "--param", "delta=abc"], "is not a number"),
    (["r^2", "--task", "multiclass"], "--task must be one of"),
    (["r^2", "--export", "sklearn"], "torch, keras, jax"),
    (["r^2", "--name", "mse"], "no built-in loss has"),
    (["9^9^9"], "exponent"),
])
def test_errors_are_one_line(args: list[str], needle: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], result.output
    assert "Traceback" not in result.output


def test_error_in_japanese() -> None:
    result = runner.invoke(app, ["custom", "2r", "--lang", "ja"], env=ENV)
    assert result.exit_code == 2 and "2 文字目" in result.output
