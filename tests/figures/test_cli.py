"""`losslab plot ...`: every kind writes its file; mistakes are one line and exit code 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from losslab.cli import app

runner = CliRunner()


def plot(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plot", *args], env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": ""})
    return result.exit_code, result.stdout, result.stderr


def spec_of(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("args", "figure"), [
    (["shapes", "mse", "huber:delta=1", "huber:delta=3", "--param", "quantile.q=0.9", "quantile"], "shapes"),
    (["classification", "bce", "binary_focal:gamma=4", "--axis", "margin"], "classification"),
    (["darts", "mse", "mae", "--pred", "0.5,0.5;-1,2;3,0", "--target", "0,0"], "darts"),
    (["contributions", "--pred", "1,2,3,10", "--target", "1,2,2,3", "--loss", "mse,mae"], "contributions"),
    (["curves", "--data", "moons", "--model", "logistic", "--epochs", "4"], "curves"),
    (["landscape", "mse", "mae", "--x", "0,1,2,3,4,5", "--y", "1,3,5,7,9,30", "--grid", "7", "--steps", "5"],
     "landscape"),
    (["fits", "mse", "mae", "--data", "outliers", "--data-param", "n_samples=50", "--epochs", "5"], "fits"),
    (["boundary", "--data", "moons", "--model", "logistic", "--epochs", "3"], "boundary"),
    (["accuracy", "--n", "40"], "accuracy"),
])
def test_every_kind_writes_its_figure(tmp_path, args, figure):
    out = tmp_path / f"{figure}.json"
    code, stdout, stderr = plot(*args, "--out", str(out), "--lang", "ja")
    assert code == 0, stderr
    assert stdout.strip() == str(out)
    meta = spec_of(out)["usermeta"]["losslab"]
    assert meta["figure"] == figure and meta["lang"] == "ja"


def test_shapes_options_reach_the_figure(tmp_path):
    out = tmp_path / "shapes.json"
    assert plot("shapes", "huber:delta=1", "huber:delta=3", "--range", "-2,2", "--out", str(out))[0] == 0
    rows = spec_of(out)["datasets"]["curves"]
    assert {r["params"]["delta"] for r in rows} == {1.0, 3.0}
    assert min(r["error"] for r in rows) == -2 and max(r["error"] for r in rows) == 2


def test_format_comes_from_the_extension(tmp_path):
    png, svg = tmp_path / "a.png", tmp_path / "a.svg"
    assert plot("shapes", "mse", "--out", str(png), "--scale", "0.5")[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert plot("shapes", "mae", "--out", str(svg), "--lang", "ja")[0] == 0
    assert "<svg" in svg.read_text(encoding="utf-8")[:300]


def test_curves_from_a_saved_history(tmp_path):
    from .synthetic import DIAGNOSIS, history

    saved = tmp_path / "run.json"
    saved.write_text(json.dumps({"history": history(), "diagnosis": DIAGNOSIS}), encoding="utf-8")
    out = tmp_path / "curves.json"
    assert plot("curves", "--history", str(saved), "--out", str(out))[0] == 0
    assert {m["code"] for m in spec_of(out)["datasets"]["marks"]} == {"overfitting", "best"}


@pytest.mark.parametrize(("args", "words"), [
    (["shapes", "nosuchloss"], "nosuchloss"),
    (["shapes", "bce"], "regression"),
    (["shapes", "huber", "--param", "huber.delta=big"], "delta"),
    (["shapes", "mse", "--range", "1"], "--range"),
    (["classification", "--axis", "logit"], "--axis"),
    (["darts", "--pred", "1,2,3"], "--pred"),
    (["contributions", "--pred", "1,2", "--target", "1,2,3"], "target"),
    (["curves", "--data", "nosuchdata"], "nosuchdata"),
    (["curves", "--history", "missing.json"], "missing.json"),
    (["landscape", "--x", "1,2,3"], "--x"),
    (["fits", "--data", "moons"], "moons"),
    (["fits", "--measure", "all"], "--measure"),
    (["boundary", "--data", "iris", "--epochs", "1"], "two features"),
])
def test_mistakes_are_one_line_and_exit_code_2(tmp_path, args, words):
    code, _, stderr = plot(*args, "--out", str(tmp_path / "x.png"))
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("error:")
    assert words in stderr
    assert not (tmp_path / "x.png").exists()


def test_unknown_extension_and_missing_folder(tmp_path):
    code, _, stderr = plot("shapes", "mse", "--out", str(tmp_path / "x.gif"))
    assert code == 2 and ".png, .svg, .pdf, .html, .json" in stderr
    code, _, stderr = plot("shapes", "mse", "--out", str(tmp_path / "no" / "x.png"))
    assert code == 2 and "does not exist" in stderr
