"""`losslab distill kl | jsd | tv | temperatures` (issue 14): the issue's numbers in --json, the words in en and
ja, and bad input as one line with exit code 2."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from losslab import distill
from losslab._texts import load_toml_texts
from losslab.cli import app

runner = CliRunner()
ENV = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LOSSLAB_DEBUG": ""}
PAIR = ("--teacher", "0.6,0.2,0.2", "--student", "0.5,0.3,0.2")


def run(*args: str) -> Any:
    return runner.invoke(app, ["distill", *args], env=ENV)


def ok_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def one_line(result: Any, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# ---------------------------------------------------------------------------------------------- the numbers
def test_the_t2_table_in_json():
    out = ok_json("temperatures", *PAIR, "--t", "1,2,4")
    rows = out["temperatures"]
    assert [r["temperature"] for r in rows] == [1.0, 2.0, 4.0]
    assert [round(r["kl"], 5) for r in rows] == [0.02830, 0.00758, 0.00191]
    assert [round(r["grad_l1"], 3) for r in rows] == [0.200, 0.054, 0.014]
    assert [round(r["grad_l1_t2"], 3) for r in rows] == [0.200, 0.215, 0.219]
    assert [r["kl_t2"] for r in rows] == pytest.approx([r["kl"] * r["temperature"] ** 2 for r in rows])
    assert out["divergence"] == "kl" and out["settings"]["direction"] == "forward"


def test_kl_json_forward_and_reverse():
    out = ok_json("kl", *PAIR)
    assert round(out["value"], 5) == 0.02830 and len(out["rows"]) == 1
    assert out["grad"] == pytest.approx([-0.1, 0.1, 0.0], abs=1e-12)
    assert out["grad_l1"] == pytest.approx(0.2)
    assert out["settings"] == {"temperature": 1.0, "direction": "forward", "scale_t2": False, "from_logits": False}
    reverse = ok_json("kl", *PAIR, "--direction", "reverse")
    assert round(reverse["value"], 4) == 0.0305
    scaled = ok_json("kl", *PAIR, "--temperature", "4", "--t2")
    assert round(scaled["grad_l1"], 3) == 0.219 and round(scaled["value"], 5) == 0.03048


def test_kl_json_matches_the_library_on_rows_and_logits():
    teacher, student = "0.7,0.2,0.1;0.1,0.1,0.8", "0.5,0.3,0.2;0.2,0.2,0.6"
    out = ok_json("kl", "--teacher", teacher, "--student", student, "-T", "2")
    r = distill.kl_result([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], [[0.5, 0.3, 0.2], [0.2, 0.2, 0.6]], temperature=2)
    assert out["value"] == pytest.approx(r.value) and out["rows"] == pytest.approx(r.rows.tolist())
    assert np.allclose(out["grad"], r.grad)
    logits = ok_json("kl", "--teacher", "2,1,0", "--student", "1,1,1", "--from-logits")
    assert logits["value"] == pytest.approx(distill.kl([2, 1, 0], [1, 1, 1], from_logits=True))


def test_jsd_and_tv_json():
    jsd = ok_json("jsd", "--beta", "0.5", *PAIR)
    assert round(jsd["value"], 5) == 0.02924 and jsd["settings"]["beta"] == 0.5
    assert ok_json("jsd", "--beta", "0", *PAIR)["value"] == pytest.approx(distill.kl([0.6, 0.2, 0.2],
                                                                                      [0.5, 0.3, 0.2]))
    raw = ok_json("jsd", "--beta", "0.5", "--raw", *PAIR)
    assert raw["value"] == pytest.approx(jsd["value"] / 4)
    tv = ok_json("tv", *PAIR)
    assert tv["value"] == pytest.approx(0.1) and tv["divergence"] == "total_variation"


# ---------------------------------------------------------------------------------------------------- the words
def test_english_text_output():
    result = run("temperatures", *PAIR, "--t", "1,2,4", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    for needle in ("The T² effect", "forward KL(teacher ‖ student)", "0.02830", "0.00758", "0.00191", "0.054",
                   "0.014", "0.215", "0.219"):
        assert needle in result.stdout, (needle, result.stdout)
    result = run("kl", *PAIR, "--temperature", "2", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    for needle in ("value (mean over rows) = 0.00757616", "gradient on the student's logits",
                   "L1 norm of the gradient = 0.05385", "add --t2"):
        assert needle in result.stdout, (needle, result.stdout)


def test_japanese_text_output():
    result = run("temperatures", *PAIR, "--lang", "ja")
    assert result.exit_code == 0, result.stderr
    for needle in ("T² の効果", "順方向 KL(教師 ‖ 生徒)", "T² を掛けた勾配の L1", "0.219"):
        assert needle in result.stdout, (needle, result.stdout)
    result = run("tv", *PAIR, "--lang", "ja")
    assert result.exit_code == 0, result.stderr
    assert "全変動距離" in result.stdout and "生徒のロジットに対する勾配" in result.stdout


def test_the_language_comes_from_the_environment():
    result = runner.invoke(app, ["distill", "kl", *PAIR], env={**ENV, "LANG": "ja_JP.UTF-8"})
    assert result.exit_code == 0 and "値(行の平均)" in result.stdout


def test_en_and_ja_have_the_same_keys():
    en, ja = (load_toml_texts("losslab.cli", lang) for lang in ("en", "ja"))
    assert en.keys() == ja.keys() and en["distill"].keys() == ja["distill"].keys()


# ------------------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "args,needles",
    [
        (("kl", "--teacher", "0.6,0.2,0.3", "--student", "0.5,0.3,0.2"), ("--teacher", "sum to 1")),
        (("kl", "--teacher", "0.6,0.2,0.2", "--student", "0.5,0.3,0.3"), ("--student", "sum to 1")),
        (("kl", "--teacher", "3,1,0", "--student", "0.5,0.3,0.2"), ("--teacher", "pass --from-logits")),
        (("kl", *PAIR, "--temperature", "0"), ("--temperature", "T > 0")),
        (("kl", *PAIR, "-T", "-1"), ("--temperature", "T > 0")),
        (("tv", *PAIR, "--temperature", "0"), ("--temperature", "T > 0")),
        (("temperatures", *PAIR, "--t", "1,0,4"), ("--t", "T > 0")),
        (("temperatures", *PAIR, "--t", "1,x"), ("--t", "'x' is not a number")),
        (("kl", "--teacher", "0.6,0.2,0.2", "--student", "0.5,0.5"), ("--student", "shape")),
        (("jsd", "--teacher", "0.6,0.4;0.5,0.5", "--student", "0.6,0.4"), ("--student", "shape")),
        (("temperatures", "--teacher", "0.5,0.5", "--student", "0.2,0.3,0.5"), ("--student", "shape")),
        (("jsd", *PAIR, "--beta", "1.5"), ("--beta", "[0, 1]")),
        (("kl", *PAIR, "--direction", "sideways"), ("--direction", "forward or reverse")),
        (("kl", "--teacher", "0.6,abc", "--student", "0.5,0.5"), ("--teacher", "'abc' is not a number")),
        (("kl", "--teacher", "", "--student", "0.5,0.5"), ("--teacher", "empty")),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) and len(v) > 2 else None,
)
def test_bad_input_is_one_line_and_exit_2(args, needles):
    one_line(run(*args), *needles)


def test_the_group_lists_its_commands():
    result = runner.invoke(app, ["distill", "--help"], env=ENV)
    assert result.exit_code == 0
    for name in ("kl", "jsd", "tv", "temperatures"):
        assert name in result.stdout
