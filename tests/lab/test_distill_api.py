"""The teacher-and-student panel's API (issue 14): the seed example's numbers (KL and the gradient's L1 norm at
T = 1, 2, 4, with and without T²), forward vs reverse, the same call in each library, refusals in the request's
language (422), the request guard, the modes figure and the bounded end-to-end experiment (429 when busy)."""

from __future__ import annotations

import threading
import time

import pytest

from losslab import distill
from losslab.lab import _distill

from .conftest import make_client

SEED = {"teacher": [0.6, 0.2, 0.2], "student": [0.5, 0.3, 0.2]}


@pytest.mark.parametrize(("T", "kl", "l1", "l1_t2"), [(1, 0.02830, 0.200, 0.200), (2, 0.00758, 0.054, 0.215),
                                                      (4, 0.00191, 0.014, 0.219)])
def test_the_seed_numbers_at_each_temperature(client, T, kl, l1, l1_t2):
    r = client.post("/api/distill", json={**SEED, "temperature": T})
    assert r.status_code == 200, r.text
    d = r.json()
    assert round(d["kl_forward"], 5) == kl
    assert round(d["grad"]["l1"], 3) == l1 and round(d["grad"]["l1_t2"], 3) == l1_t2
    assert d["kl_t2"] == pytest.approx(T * T * d["kl_forward"])
    assert sum(d["grad"]["plain"]) == pytest.approx(0.0, abs=1e-12)  # a gradient row on logits sums to 0
    assert sum(d["soft"]["teacher"]) == pytest.approx(1.0) and sum(d["soft"]["student"]) == pytest.approx(1.0)
    assert d["kl_forward"] == distill.kl(SEED["teacher"], SEED["student"], temperature=T)


def test_forward_and_reverse_jsd_and_tv_at_t_1(client):
    d = client.post("/api/distill", json=SEED).json()  # the defaults are the seed example at T = 1
    assert round(d["kl_forward"], 4) == 0.0283 and round(d["kl_reverse"], 4) == 0.0305
    assert round(d["jsd"], 5) == 0.02924 and d["tv"] == pytest.approx(0.1)
    assert d["grad"]["plain"] == pytest.approx([-0.1, 0.1, 0.0])
    ends = [client.post("/api/distill", json={**SEED, "beta": b}).json()["jsd"] for b in (0.0, 1.0)]
    assert ends == pytest.approx([d["kl_forward"], d["kl_reverse"]])
    reverse = client.post("/api/distill", json={**SEED, "direction": "reverse"}).json()
    assert reverse["grad"]["direction"] == "reverse" and reverse["kl_t2"] == pytest.approx(d["kl_reverse"])


def test_the_same_call_in_each_library(client):
    d = client.post("/api/distill", json={**SEED, "temperature": 2, "beta": 0.0}).json()
    libs = {x["library"]: x for x in d["libraries"]}
    assert set(libs) == {"PyTorch", "Keras", "optax", "TRL", "losslab"}
    torch = libs["PyTorch"]["code"]
    assert "F.kl_div(F.log_softmax(student.log() / T, -1), F.softmax(teacher.log() / T, -1)" in torch
    assert 'reduction="batchmean") * T**2' in torch and "[[0.6, 0.2, 0.2]]" in torch
    assert "KLDivergence()(keras.ops.softmax(keras.ops.log(teacher) / T)" in libs["Keras"]["code"]
    assert "log_predictions=jax.nn.log_softmax(jnp.log(student) / T)" in libs["optax"]["code"]
    assert "generalized_jsd_loss(student.log(), teacher.log(), beta=0.0, temperature=2.0)" in libs["TRL"]["code"]
    for name in ("PyTorch", "Keras", "optax", "losslab"):
        assert libs[name]["value"] == pytest.approx(4 * d["kl_forward"])  # T² · KL
    assert libs["TRL"]["value"] == pytest.approx(d["kl_forward"])  # beta = 0 is forward KL, no T²
    assert "log-probabilities" in libs["PyTorch"]["note"]
    rev = client.post("/api/distill", json={**SEED, "direction": "reverse", "from_logits": True,
                                            "teacher": [2.0, 0.5, 0.1], "lang": "ja"}).json()
    code = {x["library"]: x for x in rev["libraries"]}
    assert "F.log_softmax(teacher / T, -1), F.softmax(student / T, -1)" in code["PyTorch"]["code"]
    assert "逆方向" in code["PyTorch"]["note"] and code["PyTorch"]["note"].endswith("。")


@pytest.mark.parametrize(("change", "argument", "en", "ja"), [
    ({"teacher": [0.6, 0.2, 0.3]}, "teacher", "sum to 1", "和が 1 になる確率の行"),
    ({"student": [-0.1, 0.6, 0.5]}, "student", "no negative values", "負の値を含まない"),
    ({"student": [0.5, 0.5]}, "student", "the teacher's shape", "教師と同じ数のクラス"),
    ({"temperature": 0.0}, "temperature", "T > 0", "0 より大きい温度 T"),
    ({"temperature": -2.0}, "temperature", "T > 0", "0 より大きい温度 T"),
    ({"beta": 1.5}, "beta", "[0, 1]", "[0, 1] の β"),
])
def test_bad_input_is_422_in_the_request_language(client, change, argument, en, ja):
    for lang, words in (("en", en), ("ja", ja)):
        r = client.post("/api/distill", json={**SEED, **change, "lang": lang})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["argument"] == argument and error["loss"].startswith("distill.")
        assert words in error["message"] and error["hint"]
        if lang == "en":  # the library's own message
            with pytest.raises(Exception) as info:
                distill.generalized_jsd_result(**{**SEED, **change})
            assert error["message"].split(": ", 1)[1] == str(info.value).split(": ", 1)[1]
        else:
            assert "が必要ですが" in error["message"]


def test_a_foreign_origin_is_refused_like_every_post(client):
    for path in ("/api/distill", "/api/distill/modes", "/api/distill/experiment"):
        r = client.post(path, json={}, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403 and r.json()["error"]["argument"] == "Origin"
        r = client.post(path, json={}, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403


def test_the_modes_forward_covers_and_reverse_seeks(client):
    r = client.post("/api/distill/modes", json={"lang": "ja"})
    assert r.status_code == 200, r.text
    d = r.json()
    assert round(d["forward"]["mu"], 2) == 18.47 and round(d["reverse"]["mu"], 2) == 10.0
    assert round(d["forward"]["kl_forward"], 4) == 0.8536 and round(d["reverse"]["kl_reverse"], 4) == 0.5978
    assert d["reverse"]["peak_mass"][0] > 0.9 and min(d["forward"]["peak_mass"]) > 0.2
    spec = d["spec"]
    assert spec["usermeta"]["losslab"]["figure"] == "distill_modes" and len(spec["datasets"]["modes"]) == 3 * 40
    assert "逆方向" in spec["title"]["subtitle"]
    assert client.post("/api/distill/modes", json={"vocab": 5}).status_code == 422


def test_the_experiment_is_bounded_and_answers_429_when_busy(monkeypatch):
    release, started = threading.Event(), threading.Event()

    def slow(**settings):
        started.set()
        release.wait(10)
        return {"settings": settings, "seconds": 0.0, "distilled_wins": True, "rows": []}

    monkeypatch.setattr(_distill, "run_experiment", slow)
    with make_client() as c:
        answers = {}
        first = threading.Thread(target=lambda: answers.update(a=c.post("/api/distill/experiment", json={"seed": 1})))
        first.start()
        assert started.wait(10)
        t0 = time.perf_counter()
        busy = c.post("/api/distill/experiment", json={"seed": 2, "lang": "ja"})
        assert time.perf_counter() - t0 < 1.0  # answered at once: the event loop is not blocked
        assert busy.status_code == 429 and "待って" in busy.json()["error"]["message"]
        assert c.post("/api/distill", json=SEED).status_code == 200  # the panel still answers meanwhile
        release.set()
        first.join(10)
        assert answers["a"].status_code == 200 and answers["a"].json()["cached"] is False
        again = c.post("/api/distill/experiment", json={"seed": 1})
        assert again.status_code == 200 and again.json()["cached"] is True
    for bad in ({"temperature": 0.1}, {"alpha": 2}, {"seed": 1000}, {"student_epochs": 1000}):
        with make_client() as c:
            assert c.post("/api/distill/experiment", json=bad).status_code == 422


@pytest.mark.slow
def test_the_experiment_runs_end_to_end(client):
    r = client.post("/api/distill/experiment", json={"seed": 0})
    assert r.status_code == 200, r.text
    d = r.json()
    rows = {x["role"]: x for x in d["rows"]}
    assert rows["teacher"]["n_params"] == 8970 and rows["student"]["n_params"] == 610
    assert round(rows["distilled"]["val_loss"], 4) == 0.2360 and d["distilled_wins"] is True
