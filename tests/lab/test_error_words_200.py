"""Errors the user sees inside answers that succeeded (issue 16), in en and ja: the evidence run of "Choose a loss"
that failed, timed out or was left (its job's ``error``, and each candidate's training error), the formula panel's
export that a target cannot take, the LM run socket's unknown run; and the page's own words for a run socket that
the server refused or that was lost (a browser shows the page neither a refused handshake's answer nor its
reason)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from losslab.errors import LossInputError
from losslab.formula import EXPORT_TARGETS, FormulaError
from losslab.lab import Limits, _formula, _texts
from losslab.lab._advice import EvidenceJob, EvidenceManager, _worded_result
from losslab.lab._error_words import english_sentence, error_in, sentence_in

from .conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
STATIC = Path(__file__).resolve().parents[2] / "src" / "losslab" / "lab" / "static"


def japanese(message: str | None) -> None:
    assert message and JAPANESE.search(message), message
    assert english_sentence(message) is None, (english_sentence(message), message)


@pytest.fixture(scope="module")
def lab():
    with make_client() as c:
        yield c
    _formula.LAB_LOSSES.clear()


def _job(state: str, error: dict[str, Any] | None) -> EvidenceJob:
    job = EvidenceJob(id=f"test-{state}", client="testclient", settings={}, total=10, limit=120.0)
    job.state, job.error, job.done, job.finished = state, error, 3, job.created + 12.0
    return job


def _stop_errors() -> dict[str, dict[str, Any]]:
    """The errors an evidence job ends with: stopped at its wall time, left by its page, its process gone."""
    manager = EvidenceManager(Limits())
    out: dict[str, dict[str, Any]] = {}
    for why in ("timeout", "orphaned"):
        job = _job("running", None)
        job.stop_as = why
        error = manager._stop_error(job)
        assert error is not None
        out[why] = error
    for got in ("its process ended (exit code -9)", "its process ended (exit code 1): MemoryError: out of memory",
                "RuntimeError: boom"):
        out[got] = LossInputError("lab", "evidence", "an evidence run that finishes", got,
                                  "try fewer folds or epochs, or the linear model").to_dict()
    return out


@pytest.mark.parametrize("why", list(_stop_errors()))
def test_a_failed_evidence_job_says_its_error_in_the_language_asked(why):
    error = _stop_errors()[why]
    state = "timeout" if why == "timeout" else "failed"
    job = _job(state, error)
    assert job.view("en")["error"] == error  # English: the library's own sentence, every field as it was
    ja = job.view("ja")["error"]
    japanese(ja["message"])
    assert {k: v for k, v in ja.items() if k != "message"} == {k: v for k, v in error.items() if k != "message"}
    assert job.error == error  # the job keeps its English error: each view words its own copy


def test_the_timeout_says_the_limit_and_the_fits_in_japanese():
    message = _job("timeout", _stop_errors()["timeout"]).view("ja")["error"]["message"]
    assert "120 秒以内" in message and "10 回の当てはめのうち 3 回" in message and "線形モデル" in message


def test_the_evidence_routes_answer_the_jobs_error_in_the_language_asked(lab):
    manager = lab.app.state.evidence
    job = _job("timeout", _stop_errors()["timeout"])
    manager.jobs[job.id] = job
    try:
        en = lab.get(f"/api/advice/evidence/{job.id}").json()
        assert en["state"] == "timeout" and en["error"]["message"] == job.error["message"]
        japanese(lab.get(f"/api/advice/evidence/{job.id}?lang=ja").json()["error"]["message"])
        # the page cancels with DELETE and shows the answer: in its language too
        japanese(lab.delete(f"/api/advice/evidence/{job.id}?lang=ja").json()["error"]["message"])
        assert lab.delete(f"/api/advice/evidence/{job.id}").json()["error"]["message"] == job.error["message"]
    finally:
        manager.jobs.pop(job.id, None)


def test_a_candidates_training_error_is_worded_in_each_copy_of_the_result():
    trainer = "loss 'poisson' needs targets >= 0 for this data set"

    def copy() -> dict[str, Any]:
        return {"recommendation": {"evidence": {"results": [
            {"label": "mse", "error": None}, {"label": "poisson", "error": trainer},
            {"label": "huber", "error": "at most 8 folds"}]}}}

    result = _worded_result({"en": copy(), "ja": copy()})
    en = result["en"]["recommendation"]["evidence"]["results"]
    ja = result["ja"]["recommendation"]["evidence"]["results"]
    assert [r["error"] for r in en] == [None, trainer, "at most 8 folds"]  # the trainer's words, in English
    assert ja[0]["error"] is None
    japanese(ja[1]["error"])  # no pattern knows it: the lab's sentence, which says where the English is
    assert ja[1]["error"] == _texts.lab_text("errors.sentences.candidate_failed", "ja")
    japanese(ja[2]["error"])  # a pattern knows it: its Japanese
    assert "8" in ja[2]["error"]


def test_sentence_in_and_error_in_pass_english_none_and_japanese_unchanged():
    assert sentence_in("some English words", "en", "errors.sentences.candidate_failed") == "some English words"
    assert sentence_in(None, "ja", "errors.sentences.candidate_failed") is None
    assert sentence_in("既に日本語です", "ja", "errors.sentences.candidate_failed") == "既に日本語です"
    assert error_in(None, "ja") is None
    error = LossInputError("lab", "run_id", "the id of an open run", "'x'").to_dict()
    assert error_in(error, "en") == error
    japanese(error_in(error, "ja")["message"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_export_a_target_cannot_take_says_why_in_the_language_asked(lab, monkeypatch, lang):
    broken = next(iter(EXPORT_TARGETS))
    real = _formula.export

    def export(f, target, name="custom_loss", lang="en"):
        if target == broken:  # the library's error in English, whatever the request's language
            raise FormulaError("bad_export", f.text, None, lang="en", argument="export", target=target,
                               choices="torch, keras")
        return real(f, target, name, lang)

    monkeypatch.setattr(_formula, "export", export)
    out = lab.post("/api/formula", json={"formula": "0.5*r^2", "lang": lang})
    assert out.status_code == 200, out.text
    exports = out.json()["exports"]
    assert exports[broken]["code"] is None and all(exports[t]["code"] for t in EXPORT_TARGETS if t != broken)
    message = exports[broken]["error"]
    if lang == "ja":
        japanese(message)
    else:
        assert message and not JAPANESE.search(message) and "torch, keras" in message


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_lm_socket_says_an_unknown_run_in_the_language_asked(lab, lang):
    from starlette.websockets import WebSocketDisconnect

    with lab.websocket_connect(f"/api/lm/runs/nope/stream?lang={lang}") as ws:
        msg = ws.receive_json()
        assert msg["type"] == "error" and msg["id"] == "nope"
        assert msg["error"]["argument"] == "run_id" and msg["error"]["expected"] == "the id of an LM run of this server"
        if lang == "ja":
            japanese(msg["error"]["message"])
        else:
            assert msg["error"]["message"] == str(LossInputError(**{k: msg["error"][k] for k in (
                "loss", "argument", "expected", "got", "hint")}))
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404
    # the same words as GET's 404
    assert lab.get("/api/lm/runs/nope", headers={"Accept-Language": lang}).json()["error"] == msg["error"]


def test_the_pages_words_for_a_refused_or_lost_socket_exist_in_en_and_ja():
    for key in ("socket.refused", "socket.lost"):
        en, ja = _texts.bundle("en")["lab"][key], _texts.bundle("ja")["lab"][key]
        japanese(ja)
        assert not JAPANESE.search(en)
    # what to do: reload from the printed address; a --host server's address carries its token
    for lang in ("en", "ja"):
        refused = _texts.bundle(lang)["lab"]["socket.refused"]
        assert "--host" in refused and "?token=" in refused


def test_every_page_socket_says_why_it_failed():
    """Each script that opens a WebSocket words a refused or lost socket with api.js's socketFailure."""
    api = (STATIC / "js" / "api.js").read_text(encoding="utf-8")
    assert "t('socket.refused')" in api and "t('socket.lost')" in api
    openers = [p for p in (STATIC / "js").glob("*.js") if "new WebSocket(" in p.read_text(encoding="utf-8")]
    assert {p.name for p in openers} >= {"classify-run.js", "lm-train.js", "formula-train.js"}
    for path in openers:
        text = path.read_text(encoding="utf-8")
        assert "socketFailure(" in text, f"{path.name} opens a socket but says nothing when it is refused"
