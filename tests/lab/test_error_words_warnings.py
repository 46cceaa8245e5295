"""The catalog's warnings and the advice's embedded errors in the request's language (issue 16).

The losses warn in English (a probability row that does not sum to 1, a CTC frame that is not normalized); the lab
words each warning of /api/explain and /api/compute in the request's language with ``[errors.patterns]``, and the
evidence of "Choose a loss" words the trainer's English error that a Japanese note embeds ("検証を始められません
でした：X has NaN ..."). English answers keep the library's own words."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from losslab.advice._texts import Note
from losslab.errors import collect_input_warnings
from losslab.lab import _compute as C
from losslab.lab import _texts
from losslab.lab._advice import _worded_result
from losslab.lab._error_words import english_sentence, sentence_in
from losslab.losses import get

from .conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ROW = [[0.5, 0.3, 0.3]]  # sums to 1.1
GOOD = [[0.6, 0.2, 0.2]]


def japanese(text: str | None) -> None:
    assert text and JAPANESE.search(text), text
    assert english_sentence(text) is None, (english_sentence(text), text)


def _ctc_warning() -> str:
    """The CTC warning the library writes for log-probabilities whose frames do not sum to 1."""
    loss = get("ctc")
    rng = np.random.default_rng(0)
    pred = -np.abs(rng.normal(size=(1, 4, 3))) - 0.1  # negative, but not log-probabilities: no frame sums to 1
    with collect_input_warnings() as caught:
        loss(pred, np.array([[1, 2]]), input_lengths=np.array([4]), target_lengths=np.array([2]))
    assert caught, "the library no longer warns here"
    return caught[0]


@pytest.mark.parametrize(("name", "pred", "target", "value"), [
    ("categorical_cross_entropy", ROW, [[1, 0, 0]], "1.1"),  # pred; from_logits is the advice
    ("kl_divergence", ROW, GOOD, "1.1"),  # pred; softmax is the advice
    ("kl_divergence", GOOD, ROW, "1.1"),  # the target
])
def test_explain_and_compute_word_the_warnings_in_japanese(name, pred, target, value):
    en = C.explain(name, {}, pred, target, None, None, "en", 20)["warnings"]
    assert len(en) == 1 and "do not sum to 1" in en[0]  # the library's own words, unchanged
    for got in (C.explain(name, {}, pred, target, None, None, "ja", 20)["warnings"],
                C.compute(name, {}, pred, target, None, None, True, "ja")["warnings"]):
        assert len(got) == 1
        japanese(got[0])
        assert got[0] != _texts.lab_text("errors.sentences.warning", "ja")  # a pattern knew it: its own words
        assert name in got[0] and value in got[0]
    assert C.compute(name, {}, pred, target, None, None, True)["warnings"] == en  # English by default


def test_the_ctc_warning_and_an_unknown_one_in_japanese():
    ctc = _ctc_warning()
    worded = sentence_in(ctc, "ja", "errors.sentences.warning")
    japanese(worded)
    assert "log_softmax" in str(worded) and worded != _texts.lab_text("errors.sentences.warning", "ja")
    # a warning no pattern knows: the lab's sentence that says there was one, never the English
    assert sentence_in("mse: something new happened here", "ja", "errors.sentences.warning") == \
        _texts.lab_text("errors.sentences.warning", "ja")


def test_the_api_takes_the_language_of_the_warnings():
    body: dict[str, Any] = {"loss": "categorical_cross_entropy", "pred": ROW, "target": [[1, 0, 0]]}
    with make_client() as client:
        english = client.post("/api/compute", json=body).json()["warnings"]
        by_body = client.post("/api/compute", json={**body, "lang": "ja"}).json()["warnings"]
        by_header = client.post("/api/compute", json=body, headers={"Accept-Language": "ja-JP,ja;q=0.9"}).json()
        explained = client.post("/api/explain", json={**body, "lang": "ja"}).json()["warnings"]
        refused = client.post("/api/compute", json={**body, "lang": "fr"})
        explain_refused = client.post("/api/explain", json={**body, "lang": "fr"})
    assert english_sentence(english[0])
    japanese(by_body[0])
    assert by_header["warnings"] == by_body == explained
    # a language the lab does not speak is refused, as /api/explain refuses it
    assert refused.status_code == explain_refused.status_code == 400
    assert refused.json()["error"]["argument"] == "lang"


def test_the_notes_of_the_evidence_embed_the_trainers_error_in_the_page_language():
    trainer = "X has NaN or infinite values; drop or fill them first"

    def copy(lang: str) -> dict[str, Any]:
        note = Note("evidence.setup_failed", {"error": trainer})
        return {"recommendation": {"evidence": {"results": [], "notes": [note.to_dict(lang)]}},
                "text": f"Evidence\n  - {note.text(lang)}\n"}

    result = _worded_result({"en": copy("en"), "ja": copy("ja")})
    en, ja = result["en"], result["ja"]
    assert en["recommendation"]["evidence"]["notes"][0]["text"] == f"The evidence run could not start: {trainer}"
    assert trainer in en["text"]
    note = ja["recommendation"]["evidence"]["notes"][0]
    japanese(note["text"])
    assert note["text"].startswith("検証を始められませんでした")
    assert note["values"]["error"] == _texts.lab_text("errors.sentences.reason_english", "ja")
    assert trainer not in ja["text"] and note["text"] in ja["text"]  # the text download too


def test_a_candidates_error_in_the_text_download_is_worded_too():
    trainer = "the loss diverged"
    failed = Note("evidence.failed", {"label": "poisson", "error": trainer})
    data = {"recommendation": {"evidence": {"results": [{"label": "poisson", "error": trainer}], "notes": []}},
            "text": failed.text("ja")}
    got = _worded_result({"ja": data})["ja"]
    assert trainer not in got["text"]
    assert got["recommendation"]["evidence"]["results"][0]["error"] in got["text"]


def test_the_lm_panels_refusal_of_a_text_words_the_librarys_detail():
    body = {"text": "hello world", "corpus": "ja-synthetic", "model": "true"}
    with make_client() as client:
        ja = client.post("/api/lm/tokens", json={**body, "lang": "ja"})
        en = client.post("/api/lm/tokens", json={**body, "lang": "en"})
    assert ja.status_code == en.status_code == 422
    japanese(ja.json()["error"]["message"])
    assert "今日は" in ja.json()["error"]["message"]  # the grammar's words, kept
    assert "one of" in en.json()["error"]["message"]  # the library's English, on the English page
