"""`losslab distill run | modes | lint` (issue 14): --json numbers, en/ja words, bad input as one line, exit 2."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from losslab.cli import app

runner = CliRunner()
ENV = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LOSSLAB_DEBUG": ""}
BAD_KD = "loss = F.kl_div(F.softmax(teacher_logits / T, 1), F.log_softmax(student_logits / T, 1))\n"
GOOD_KD = ("loss = F.kl_div(F.log_softmax(student_logits / T, 1), F.softmax(teacher_logits / T, 1), "
           "reduction='batchmean') * T ** 2\n")


def run(*args: str, **kwargs: Any) -> Any:
    return runner.invoke(app, ["distill", *args], env=ENV, **kwargs)


def ok_json(*args: str, **kwargs: Any) -> Any:
    result = run(*args, "--json", **kwargs)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def one_line(result: Any, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_run_json_has_the_three_models() -> None:
    out = ok_json("run", "--teacher", "mlp:64,64", "--student", "mlp:8", "--data", "digits", "--temperature", "4",
                  "--alpha", "0.5", "--seed", "0")
    roles = [r["role"] for r in out["rows"]]
    assert roles == ["teacher", "student", "distilled"]
    assert [r["n_params"] for r in out["rows"]] == [8970, 610, 610]
    assert out["settings"]["temperature"] == 4.0 and out["settings"]["alpha"] == 0.5
    assert out["distilled_wins"] is (out["rows"][2]["val_loss"] < out["rows"][1]["val_loss"])


def test_run_text_in_japanese() -> None:
    result = run("run", "--student-epochs", "3", "--teacher-epochs", "2", "--lang", "ja")
    assert result.exit_code == 0, result.stderr
    assert "蒸留した生徒" in result.stdout and "検証損失" in result.stdout


def test_run_bad_input_is_one_line() -> None:
    one_line(run("run", "--teacher", "cnn:3"), "--teacher", "mlp:64,64")
    one_line(run("run", "--alpha", "1.5"), "--alpha", "[0, 1]")
    one_line(run("run", "--temperature", "0"), "--temperature", "T > 0")
    one_line(run("run", "--data", "nope"), "--data", "digits")
    one_line(run("run", "--data", "diabetes"), "--data", "classification")


def test_modes_json() -> None:
    out = ok_json("modes")
    assert out["peaks"] == [10.0, 30.0]
    assert out["reverse"]["peak_mass"][0] > 0.95 and out["reverse"]["peak_mass"][1] < 1e-6
    assert min(out["forward"]["peak_mass"]) > 0.2
    one_line(run("modes", "--vocab", "4"), "--vocab")


def test_lint_text_file_and_stdin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = ok_json("lint", BAD_KD, "--lang", "ja")
    codes = {f["code"] for f in out["findings"]}
    assert codes == {"kl_div_argument_order", "kl_div_mean_reduction", "missing_t2"} and out["source"] == "text"
    assert all(f["line"] == 1 and f["sources"] for f in out["findings"])
    assert "ください" in out["findings"][0]["fix"]
    path = tmp_path / "kd.py"
    path.write_text(GOOD_KD, encoding="utf-8")
    assert ok_json("lint", str(path)) == {"lang": "en", "source": "file", "count": 0, "findings": []}
    assert ok_json("lint", "-", input=BAD_KD)["count"] == 3
    text = run("lint", str(path))
    assert text.exit_code == 0 and "No known distillation mistake" in text.stdout
    words = run("lint", BAD_KD)
    assert "pytorch/pytorch/issues/57459" in words.stdout and "batchmean" in words.stdout


def test_lint_missing_file_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    one_line(run("lint", str(tmp_path / "missing.py")), "no such file")
