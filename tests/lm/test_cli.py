"""`losslab lm train | explain | sample | memory`: --json, the words in en and ja, bad input as one line with exit
code 2 (never a traceback)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from losslab.cli import _lm, app

if not any(group.name == "lm" for group in app.registered_groups):  # until cli/_app.py lists "_lm"
    _lm.register(app)

runner = CliRunner()
ENV = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LOSSLAB_DEBUG": "", "COLUMNS": "160"}


def run(*args: str) -> Any:
    return runner.invoke(app, ["lm", *args], env=ENV)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def ok_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json"))


def one_line(result: Any, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_explain_shows_the_seed_example_in_japanese():
    out = ok_json("explain", "今日はいい天気", "--lang", "ja")
    last = out["rows"][-1]
    assert out["model"] == "true" and out["corpus"] == "ja-synthetic"
    assert last["token"] == "天気" and last["context"] == "今日はいい"
    assert round(last["loss"], 4) == 0.5108 and round(last["entropy"], 4) == 0.9503 and last["p"] == 0.6
    assert [g["grad"] for g in last["grad"]] == pytest.approx([-0.4, 0.2, 0.2])
    text = ok("explain", "今日はいい天気", "--lang", "ja")
    assert "0.5108" in text and "H = 0.9503" in text and "ナット" in text


def test_explain_in_english_and_with_a_model():
    assert round(ok_json("explain", "The weather today is rainy")["rows"][-1]["loss"], 4) == 1.6094
    out = ok_json("explain", "The weather", "--model", "bigram")
    assert out["model"] == "bigram" and len(out["rows"]) == len("The weather") - 1


def test_train_json_and_words():
    out = ok_json("train", "--corpus", "ja-synthetic", "--model", "mlp", "--steps", "200", "--seed", "1",
                  "--hidden", "32")
    assert out["init_check"]["ok"] and out["references"]["true_bits_per_char"] > 0
    assert out["history"]["val_loss"][-1] == out["val"]["nats_per_token"]
    again = ok_json("train", "--corpus", "ja-synthetic", "--model", "mlp", "--steps", "200", "--seed", "1",
                    "--hidden", "32")
    assert again["history"] == out["history"]
    text = ok("train", "--model", "bigram", "--lang", "ja")
    assert "検証損失" in text and "真のエントロピー" in text
    loss = re.search(r"検証損失はトークンあたり ([0-9.]+) ナット", text)
    assert loss is not None
    bigram = ok_json("train", "--model", "bigram", "--lang", "ja")
    assert loss.group(1) == f"{bigram['val']['nats_per_token']:.4f}"  # the number in the sentence is computed


def test_sample_json():
    out = ok_json("sample", "--temperature", "0.8", "--top-k", "5", "--top-p", "0.9", "--length", "40")
    assert len(out["text"]) == 40 and out["temperature"] == 0.8
    assert f"{out['val_loss']:.4f}" in out["note"]
    assert ok_json("sample", "--length", "40")["text"] == ok_json("sample", "--length", "40")["text"]


def test_memory():
    out = ok_json("memory", "--tokens", "8192", "--vocab", "32000")
    assert out["bytes"] == 8192 * 32000 * 4 and out["chunk_bytes"] == 1024 * 32000 * 4
    assert "196.32 MiB" in ok("memory", "--preset", "gpt2", "--lang", "ja")
    assert ok_json("memory", "--preset", "llama2")["vocab"] == 32000


@pytest.mark.parametrize("args, needles", [
    (("sample", "--temperature", "0"), ("--temperature", "> 0")),
    (("sample", "--top-p", "1.5"), ("--top-p", "(0, 1]")),
    (("sample", "--top-k", "0"), ("--top-k",)),
    (("train", "--tokenizer", "word"), ("--tokenizer",)),
    (("train", "--model", "rnn"), ("--model",)),
    (("train", "--corpus", "missing.txt"), ("--corpus", "missing.txt")),
    (("train", "--lr", "-1", "--model", "mlp"), ("lr",)),
    (("explain", "今日は晴れ", "--lang", "ja"), ("TEXT",)),
    (("explain", "x", "--corpus", "en-hamlet", "--model", "true"), ("--model true",)),
    (("memory", "--tokens", "0", "--vocab", "5"), ("--tokens",)),
    (("memory", "--preset", "gpt9"), ("--preset",)),
    (("memory",), ("--tokens",)),
])
def test_bad_input_is_one_line(args, needles):
    one_line(run(*args), *needles)


def test_a_binary_file_is_one_line(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x00\x01\x02")
    one_line(run("train", "--corpus", str(path)), "binary")
