"""`losslab recommend` through Typer's runner, in English and Japanese."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from losslab.cli import app

from . import _data

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "120",
                                                 **(env or {})})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recommend")
    X, y, _ = _data.outlier_line(n=150)
    line = folder / "line.csv"
    pd.DataFrame({"x": X[:, 0], "y": y}).to_csv(line, index=False)
    Xi, yi = _data.imbalanced(n=315)
    fraud = folder / "fraud.parquet"
    pd.DataFrame({"a": Xi[:, 0], "b": Xi[:, 1], "c": Xi[:, 2], "fraud": yi}).to_parquet(fraud)
    return {"line": str(line), "fraud": str(fraud)}


def test_recommend_in_english(files):
    code, out, err = run("recommend", files["line"], "--target", "y")
    assert code == 0, err
    assert "What the data says" in out and "Huber loss" in out and "Not recommended here" in out
    assert "losslab.get('huber', delta=" in out


def test_recommend_in_japanese_by_option_and_by_environment(files):
    code, out, _ = run("recommend", files["line"], "--target", "y", "--lang", "ja")
    assert code == 0
    assert "データからわかったこと" in out and "Huber損失" in out and "外れ値" in out
    code, out, _ = run("recommend", files["fraud"], "--target", "fraud", env={"LANG": "ja_JP.UTF-8"})
    assert code == 0 and "不均衡" in out and "pos_weight" in out


def test_json_output(files):
    code, out, _ = run("recommend", files["fraud"], "-t", "fraud", "--output", "probabilities", "--priority",
                       "recall", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["hints"]["output"] == "probabilities" and data["hints"]["priority"] == "recall"
    first = data["recommendation"]["first"]
    assert first["loss"] == "binary_cross_entropy" and first["params"]["from_logits"] is False
    assert first["params"]["pos_weight"] == pytest.approx(20)
    assert data["questions"] == [] and data["choice"]["by"] == "rules" and data["figure_path"] is None


def test_json_in_japanese_keeps_the_keys(files):
    code, out, _ = run("recommend", files["line"], "-t", "y", "--json", "--lang", "ja")
    assert code == 0
    data = json.loads(out)
    assert data["lang"] == "ja" and data["recommendation"]["first"]["loss"] == "huber"
    assert data["recommendation"]["first"]["reasons"][0]["key"] == "reason.huber_outliers"
    assert "外れ値" in data["recommendation"]["first"]["reasons"][0]["text"]


def test_evidence_from_the_command_line(files):
    code, out, err = run("recommend", files["line"], "-t", "y", "--evidence", "--folds", "2", "--epochs", "5")
    assert code == 0, err
    assert "2-fold cross-validation" in out and "median error" in out
    code, out, _ = run("recommend", files["line"], "-t", "y", "--evidence", "--folds", "2", "--epochs", "5",
                       "--json")
    data = json.loads(out)
    assert data["evidence"]["folds"] == 2 and {r["loss"] for r in data["evidence"]["results"]} == {
        "huber", "mae", "mse"}


@pytest.mark.parametrize(("args", "words"), [
    (["recommend", "missing.csv", "--target", "y"], "no such file"),
    (["recommend", "{line}", "--target", "yy"], "did you mean 'y'"),
    (["recommend", "{line}", "--target", "y", "--priority", "speed"], "--priority must be one of"),
    (["recommend", "{line}", "--target", "y", "--output", "scores"], "--output must be one of"),
    (["recommend", "{line}", "--target", "y", "--folds", "1"], "--folds must be at least 2"),
    (["recommend", "{line}", "--target", "y", "--task", "binary"], "task"),
    (["recommend", "{line}", "--target", "y", "--cost-ratio", "-2"], "cost_ratio"),
    (["recommend", "{line}", "--target", "y", "--figure", "f.png"], "add --evidence"),
])
def test_errors_are_one_line_and_exit_2(files, args, words):
    code, _, err = run(*[a.format(**files) for a in args])
    assert code == 2
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # one message (Rich may wrap a long line once)


def test_help_lists_the_options():
    code, out, _ = run("recommend", "--help")
    assert code == 0
    for option in ("--target", "--output", "--priority", "--lang", "--json", "--evidence", "--folds"):
        assert option in out
