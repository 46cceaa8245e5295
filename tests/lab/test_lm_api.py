"""The next-token panel's API (issue 13): the seed example's exact numbers, units, refusals in the request's
language (422, never 500), the request guard, the bounds, and a live run streamed to its end."""

from __future__ import annotations

import math
import time

import pytest

from losslab.lab import _lm

from .conftest import make_client

SEED = {"text": "今日はいい天気", "corpus": "ja-synthetic", "model": "true"}


def test_the_seed_example_is_the_true_distribution(client):
    r = client.post("/api/lm/tokens", json=SEED)
    assert r.status_code == 200
    data = r.json()
    last = data["tokens"][data["focus"]]
    assert last["token"] == "天気" and last["context"] == "今日はいい"
    assert last["p"] == 0.6 and round(last["loss"], 4) == 0.5108 and round(last["entropy"], 4) == 0.9503
    assert f"{last['loss']:.2f}" == "0.51" and f"{last['entropy']:.2f}" == "0.95"
    assert last["inv_p"] == pytest.approx(1 / 0.6)
    assert [t["token"] for t in last["top"]] == ["天気", "電車", "気分"]
    grads = {g["token"]: g["grad"] for g in last["grad"]}
    assert grads["天気"] == pytest.approx(-0.4) and grads["電車"] == pytest.approx(0.2)
    assert math.fsum(grads.values()) == pytest.approx(0.0, abs=1e-12)  # p − onehot sums to 0


@pytest.mark.parametrize("model", ["true", "bigram"])
def test_bits_are_nats_over_ln_2_at_every_position(client, model):
    data = client.post("/api/lm/tokens", json={**SEED, "model": model}).json()
    for row in data["tokens"]:
        assert row["bits"] == pytest.approx(row["loss"] / math.log(2))
        assert row["loss"] == pytest.approx(-math.log(row["p"]))
    assert data["mean"]["bits"] == pytest.approx(data["mean"]["loss"] / math.log(2))
    if model == "bigram":
        assert data["prefix"] == "今" and len(data["tokens"]) == 6  # characters: the first one has no prediction


@pytest.mark.parametrize(("settings", "argument", "en", "ja"), [
    ({"temperature": 0}, "temperature", "a temperature > 0", "0 より大きい温度"),
    ({"temperature": -1}, "temperature", "a temperature > 0", "0 より大きい温度"),
    ({"top_p": 1.5}, "top_p", "a top-p in (0, 1]", "0 より大きく 1 以下の top-p"),
    ({"top_p": 0}, "top_p", "a top-p in (0, 1]", "0 より大きく 1 以下の top-p"),
    ({"top_k": 0}, "top_k", "a top-k of at least 1 (an integer)", "1 以上の整数の top-k"),
])
def test_bad_sampling_settings_are_422_in_the_request_language(client, settings, argument, en, ja):
    for lang, expected in (("en", en), ("ja", ja)):
        r = client.post("/api/lm/sample", json={"prompt": "今日は", "lang": lang, **settings})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["argument"] == argument and error["expected"] == expected
        assert expected in error["message"] and error["hint"]


def test_a_text_outside_the_grammar_is_refused_in_japanese(client):
    r = client.post("/api/lm/tokens", json={**SEED, "text": "hello", "lang": "ja"})
    assert r.status_code == 422
    assert "モデルが読めるテキスト" in r.json()["error"]["message"]
    r = client.post("/api/lm/tokens", json={**SEED, "corpus": "en-hamlet"})
    assert r.status_code == 422 and r.json()["error"]["argument"] == "model"


def test_sampling_settings_do_not_change_the_training_loss(client):
    answers = [client.post("/api/lm/sample", json={"prompt": "今日は", "temperature": t, "top_k": k,
                                                   "length": 20}).json()
               for t, k in ((0.3, None), (1.0, None), (2.5, 3))]
    assert len({a["training_loss"] for a in answers}) == 1
    assert answers[0]["training_bits"] == pytest.approx(answers[0]["training_loss"] / math.log(2))
    assert len({a["text"] for a in answers}) > 1  # while the text drawn does change
    cold, warm = answers[0]["next"], answers[1]["next"]
    assert cold[0]["model"] == warm[0]["model"] and cold[0]["sampled"] > warm[0]["sampled"]


def test_memory_is_the_library_s(client):
    data = client.post("/api/lm/memory", json={"tokens": 8192, "vocab": 32000}).json()
    assert data["bytes"] == 8192 * 32000 * 4 and data["bytes"] / 2**20 == 1000 and data["ratio"] == 8
    presets = client.get("/api/lm").json()["presets"]
    assert presets["gpt2"]["vocab"] == 50257 and presets["llama2"]["context"] == 4096


def test_bounds(client):
    long = "今日はいい天気です。\n" * (_lm.MAX_TEXT_CHARS // 11 + 1)
    r = client.post("/api/lm/tokens", json={**SEED, "text": long})
    assert r.status_code == 422 and r.json()["error"]["argument"] == "text"
    r = client.post("/api/lm/sample", json={"length": _lm.MAX_SAMPLE_TOKENS + 1})
    assert r.status_code == 422
    r = client.post("/api/lm/runs", json={"steps": 10**6})
    assert r.status_code == 422
    r = client.post("/api/lm/tokens", json={**SEED, "model": "mlp"})
    assert r.status_code == 422 and r.json()["error"]["argument"] == "run"


def test_foreign_pages_cannot_start_or_read_as_a_post(client):
    foreign = {"Origin": "http://evil.example"}
    for path, body in (("/api/lm/runs", {"steps": 10}), ("/api/lm/tokens", SEED), ("/api/lm/sample", {})):
        r = client.post(path, json=body, headers=foreign)
        assert r.status_code == 403 and r.json()["error"]["argument"] == "Origin"
    r = client.post("/api/lm/tokens", json=SEED, headers={"Host": "evil.example"})
    assert r.status_code == 421


def test_a_live_run_streams_its_steps_and_its_result():
    with make_client(max_runs_per_client=1) as c:
        run = c.post("/api/lm/runs", json={"steps": 120, "hidden": 16}).json()
        assert run["state"] == "running"
        again = c.post("/api/lm/runs", json={"steps": 120})
        assert again.status_code == 429
        seen, frames, live_vals = 0, 0, 0
        with c.websocket_connect(f"/api/lm/runs/{run['id']}/stream?lang=ja") as ws:
            while True:
                msg = ws.receive_json()
                frames += 1
                seen += len(msg["train"])
                if msg["state"] != "running":
                    break
                live_vals = max(live_vals, len(msg["val_points"]))  # validation points arrive while it trains
        assert msg["state"] == "done" and seen == 120 and frames > 2 and live_vals >= 2
        assert [s for s, _ in msg["val_points"]] == msg["history"]["val_step"][:-1]  # the last one is after the end
        assert msg["references"]["ln_v"] == pytest.approx(math.log(msg["vocab_size"]))
        assert msg["init_check"]["ok"] and "ln V" in msg["init_check"]["message"]
        assert msg["history"]["val_loss"][-1] < msg["references"]["ln_v"]
        figure = c.get(f"/api/lm/runs/{run['id']}/figure?lang=ja").json()
        assert figure["series"]["train"] == "訓練(ミニバッチ)"
        assert {r["key"] for r in figure["spec"]["datasets"]["references"]} >= {"ln_v", "true_nats_per_token"}
        rows = c.post("/api/lm/tokens", json={**SEED, "model": "mlp", "run": run["id"]}).json()["tokens"]
        assert len(rows) == 6


def test_a_run_left_by_its_page_is_stopped():
    with make_client(attach_seconds=0.3) as c:
        run = c.post("/api/lm/runs", json={"steps": 5000}).json()
        deadline = time.monotonic() + 10
        state = "running"
        while state == "running" and time.monotonic() < deadline:
            time.sleep(0.5)  # no stream, no poll within attach_seconds: the thread stops itself
            state = c.app.state.lm_runs.get(run["id"]).state
        assert state == "cancelled"
        assert c.delete(f"/api/lm/runs/{run['id']}").status_code == 200
