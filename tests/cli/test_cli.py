"""The `losslab` command line, through Typer's runner, in English and Japanese."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
from losslab.cli import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", **(env or {})})
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------------------- list
def test_list_shows_every_loss():
    code, out, _ = run("list")
    assert code == 0
    for entry in losslab.catalog():
        assert entry["name"] in out


def test_list_json_matches_catalog_and_filters_by_task():
    code, out, _ = run("list", "--task", "binary", "--json")
    assert code == 0
    data = json.loads(out)
    assert {d["name"] for d in data} == {e["name"] for e in losslab.catalog("binary")}
    assert all(d["task"] == "binary" for d in data)
    assert all(d["title"] for d in data)


def test_list_in_japanese_from_environment():
    code, out, _ = run("list", env={"LANG": "ja_JP.UTF-8"})
    assert code == 0
    assert "平均二乗誤差" in out


def test_list_bad_task_is_a_usage_error():
    code, _, err = run("list", "--task", "ranking")
    assert code == 2
    assert "regression" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------------------- show
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_show_every_loss_in_both_languages(lang):
    for entry in losslab.catalog():
        code, out, err = run("show", entry["name"], "--lang", lang)
        assert code == 0, err
        assert entry["name"] in out
        assert entry["formula"]["plain"].split(";")[0][:20] in out


def test_show_lists_library_equivalents_and_params():
    code, out, _ = run("show", "huber")
    assert code == 0
    assert "torch.nn.HuberLoss" in out and "delta" in out


def test_show_json_has_texts():
    code, out, _ = run("show", "bce", "--json", "--lang", "ja")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "binary_cross_entropy"
    assert data["lang"] == "ja"
    assert "交差エントロピー" in data["text"]["title"]


def test_show_unknown_loss_suggests_close_names():
    code, _, err = run("show", "msee")
    assert code == 2
    assert "'mse'" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------------------- compute
def test_compute_matches_the_library():
    code, out, _ = run("compute", "huber", "--pred", "0,5", "--target", "0,0", "--param", "delta=2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["value"] == pytest.approx(float(losslab.huber([0.0, 5.0], [0.0, 0.0], delta=2.0)), rel=1e-15)
    assert data["params"] == {"delta": 2.0}


def test_compute_grad_none_and_weights():
    code, out, _ = run("compute", "mse", "--pred", "1,2,3", "--target", "1,1,1", "--reduction", "none",
                       "--weights", "1,2,3", "--grad", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["value"] == [0.0, 2.0, 12.0]
    np.testing.assert_allclose(data["grad"], [0.0, 4.0, 12.0])


def test_compute_class_probability_rows_and_bool_param():
    code, out, _ = run("compute", "cce", "--pred", "2,0,0;0,3,0", "--target", "1,0,0;0,1,0",
                       "--param", "from_logits=true", "--json")
    assert code == 0
    expected = losslab.cce([[2.0, 0, 0], [0, 3.0, 0]], [[1.0, 0, 0], [0, 1.0, 0]], from_logits=True)
    assert json.loads(out)["value"] == pytest.approx(float(expected), rel=1e-15)


def test_compute_plain_output():
    code, out, _ = run("compute", "sse", "--pred", "0.01,0.65,0.13,0.70,0.15", "--target", "0,1,0,1,0")
    assert code == 0
    assert "0.252" in out


def test_compute_reads_npy_and_csv(tmp_path):
    np.save(tmp_path / "p.npy", np.array([0.5, 1.5]))
    (tmp_path / "t.csv").write_text("y,other\n1,0\n1,0\n")
    code, out, err = run("compute", "mae", "--pred", str(tmp_path / "p.npy"), "--target", f"{tmp_path / 't.csv'}:y",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(0.5)


def test_compute_logits_passed_as_probabilities_gives_the_hint():
    code, out, err = run("compute", "bce", "--pred", "2.3,-1.2", "--target", "1,0")
    assert code == 2
    assert "binary_cross_entropy" in err and "from_logits=True" in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    "args",
    [
        ["compute", "mse", "--pred", "1,x", "--target", "1,2"],
        ["compute", "mse", "--pred", "1,2", "--target", "1,2", "--param", "delta"],
        ["compute", "huber", "--pred", "1,2", "--target", "1,2", "--param", "delta=-1"],
        ["compute", "huber", "--pred", "1,2", "--target", "1,2", "--param", "dleta=1"],
        ["compute", "mse", "--pred", "1,2,3", "--target", "1,2"],
        ["compute", "mse", "--pred", "missing.npy", "--target", "1,2"],
        ["compute", "mse", "--pred", "1,2", "--target", "1,2", "--reduction", "median"],
    ],
)
def test_compute_errors_are_one_line_and_exit_2(args):
    code, _, err = run(*args)
    assert code == 2
    assert err.strip() and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 3


# ------------------------------------------------------------------------------------------------------- explain
def test_explain_sse_worked_example():
    code, out, _ = run("explain", "sse", "--pred", "0.01,0.65,0.13,0.70,0.15", "--target", "0,1,0,1,0",
                       "--format", "text")
    assert code == 0
    for squared in ("0.0001", "0.1225", "0.0169", "0.09", "0.0225"):
        assert squared in out
    assert "0.252" in out


def test_explain_sparse_ce_in_japanese():
    code, out, _ = run("explain", "sparse_categorical_cross_entropy", "--pred", "0.6,0.2,0.2", "--target", "0",
                       "--lang", "ja", "--format", "text")
    assert code == 0
    assert "0.510826" in out  # -ln 0.6
    assert "交差エントロピー" in out
    assert any("\u3040" <= ch <= "\u30ff" for ch in out)  # kana: the prose is Japanese


def test_explain_rich_output_in_a_terminal_style():
    code, out, _ = run("explain", "huber", "--pred", "0,3", "--target", "0,0", "--param", "delta=1")
    assert code == 0
    assert "1.25" in out  # (0 + 2.5) / 2


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_explain_other_formats(fmt):
    code, out, _ = run("explain", "mae", "--pred", "1,2", "--target", "0,0", "--format", fmt)
    assert code == 0
    assert ("|" in out) if fmt == "markdown" else ("<table>" in out)
    assert "1.5" in out


def test_explain_json_value_equals_library():
    code, out, _ = run("explain", "bce", "--pred", "0.8,0.2", "--target", "1,1", "--json", "--lang", "ja")
    assert code == 0
    data = json.loads(out)
    assert data["value"] == float(losslab.bce([0.8, 0.2], [1, 1]))
    assert data["lang"] == "ja"
    assert math.isclose(data["rows"][0]["neg_log_prob"], 0.22314355131420976, rel_tol=1e-15)


def test_explain_bad_format():
    code, _, err = run("explain", "mae", "--pred", "1", "--target", "0", "--format", "pdf")
    assert code == 2 and "markdown" in err
