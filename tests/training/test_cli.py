"""`losslab train` and `losslab compare` through Typer's runner, in English and Japanese."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from losslab.cli import app
from losslab.cli._train import sparkline, split_losses
from losslab.training import RECORD_KEYS

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_train_the_issue_example_prints_table_curve_and_diagnosis():
    code, out, err = run("train", "--data", "iris", "--model", "mlp", "--hidden", "16,16", "--loss",
                         "sparse_categorical_cross_entropy", "--optimizer", "adam", "--lr", "0.01", "--epochs", "60",
                         "--batch-size", "32", "--val-split", "0.2", "--seed", "0")
    assert code == 0, err
    assert "mlp 4-16-16-3 relu" in out and "from_logits=True" in out
    assert "val loss" in out and "accuracy" in out and "diagnosis" in out
    assert "▁" in out and "60 epochs" in out and "what to try" in out


def test_train_json_is_the_documented_layout():
    code, out, err = run("train", "--data", "moons", "--model", "mlp", "--hidden", "8", "--loss", "bce",
                         "--epochs", "12", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"lang", "config", "dataset", "model", "objective", "history", "final", "recovery",
                         "diagnosis"}
    assert data["config"]["loss"] == "binary_cross_entropy" and data["config"]["hidden"] == [8]
    assert data["history"]["columns"] == list(RECORD_KEYS) and len(data["history"]["records"]) == 12
    assert data["final"]["val"]["accuracy"] > 0.7
    assert data["diagnosis"]["primary"] in {"healthy", "still_improving"}
    assert data["dataset"]["name"] == "moons" and data["model"]["sizes"] == [2, 8, 1]


def test_train_in_japanese_with_loss_params_and_data_params():
    code, out, err = run("train", "--data", "outliers", "-d", "fraction=0.2", "--loss", "huber", "-p", "delta=0.5",
                         "--epochs", "20", "--lang", "ja")
    assert code == 0, err
    assert "診断" in out and "傾き" in out and "delta=0.5" in out and "訓練損失" in out
    code, out, _ = run("train", "--data", "outliers", "--epochs", "5", "--json", env={"LANG": "ja_JP.UTF-8"})
    assert json.loads(out)["lang"] == "ja"


def test_train_a_csv_file_with_a_target_column(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    path = tmp_path / "houses.csv"
    path.write_text("rooms,age,price\n" + "\n".join(f"{a:.3f},{b:.3f},{3 * a - b + 10:.3f}" for a, b in x) + "\n")
    code, out, err = run("train", "--data", str(path), "--target", "price", "--epochs", "40", "--lr", "0.05",
                         "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["dataset"]["task"] == "regression" and data["dataset"]["feature_names"] == ["rooms", "age"]
    assert data["final"]["val"]["r2"] > 0.95
    code, _, err = run("train", "--data", str(path), "--epochs", "3")
    assert code == 2 and "--target" in err and "price" in err


def test_compare_outliers_table_and_json():
    code, out, err = run("compare", "--data", "outliers", "--losses", "mse,mae,huber", "--lr", "0.05",
                         "--epochs", "40")
    assert code == 0, err
    for word in ("mse", "mae", "huber", "slope error", "intercept error", "epochs to converge", "truth"):
        assert word in out
    code, out, err = run("compare", "--data", "imbalanced", "--model", "logistic", "--losses",
                         "bce,bce(pos_weight=9)", "--epochs", "15", "--json", "--no-history")
    assert code == 0, err
    data = json.loads(out)
    assert [r["label"] for r in data["results"]] == ["bce", "bce(pos_weight=9)"]
    assert data["results"][1]["params"]["pos_weight"] == 9.0 and "history" not in data["results"][0]
    assert data["columns"][2] == "minority_recall"


def test_compare_in_japanese_with_qualified_params():
    code, out, err = run("compare", "--losses", "mse,huber", "--param", "huber.delta=0.3", "--epochs", "10",
                         "--lang", "ja")
    assert code == 0, err
    assert "傾きの誤差" in out and "収束までのエポック数" in out


def test_errors_are_one_line_with_exit_code_2():
    cases = [
        ("train", "--data", "irsi"),
        ("train", "--data", "iris", "--loss", "bce"),
        ("train", "--data", "iris", "--loss", "mze"),
        ("train", "--data", "iris", "--model", "linear", "--hidden", "4"),
        ("train", "--data", "iris", "--hidden", "a,b", "--model", "mlp"),
        ("train", "--data", "outliers", "-d", "fracton=0.1"),
        ("train", "--data", "outliers", "-d", "fraction"),
        ("train", "--data", "iris", "--epochs", "0"),
        ("train", "--data", "iris", "-p", "delta=1"),
        ("compare", "--losses", "mse,huber(delta=-1)"),
        ("compare", "--losses", "mse,huber(delta=1"),
        ("compare", "--losses", "mse,bce"),
    ]
    for args in cases:
        code, _, err = run(*args)
        assert code == 2, (args, err)
        assert err.startswith("error:") and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) <= 2, (args, err)  # one message (Rich may wrap a long line once)


def test_helpers():
    assert split_losses("mse, huber(delta=2,x=1),bce") == ["mse", "huber(delta=2,x=1)", "bce"]
    assert sparkline([3.0, 2.0, 1.0, float("nan")]) == "█▅▁ "
    assert sparkline([]) == ""
