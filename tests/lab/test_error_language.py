"""Every error the lab answers, in the user's language (issue 16): each route's error paths walked in Japanese
(the language the page sends in Accept-Language, a socket's ?lang=, a body's lang) answer a Japanese message with
no untranslated English phrase; in English the message is the library's own sentence; the texts behind the
messages have the same keys and placeholders in en and ja."""

from __future__ import annotations

import re
import string

import pytest
from starlette.routing import Route

from losslab.lab import _texts
from losslab.lab._error_words import english_sentence, request_lang, translate

from .conftest import make_client

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
BIG = b"1" * 3_000_000
CSV = {"Content-Type": "text/csv"}
JSON = {"Content-Type": "application/json"}

# (method, path, request keywords): at least one error path of every route of the API
CASES: list[tuple[str, str, dict]] = [
    ("GET", "/vendor/nope", {}), ("POST", "/fonts/ja.ttf", {}), ("GET", "/api/nope", {}),
    ("PUT", "/api/health", {}), ("PUT", "/api/limits", {}), ("PUT", "/", {}), ("PUT", "/openapi.json", {}),
    ("GET", "/api/texts?lang=xx", {}), ("GET", "/api/catalog?task=nope", {}),
    ("POST", "/api/compute", {"json": {}}),
    ("POST", "/api/compute", {"json": {"loss": "mse", "pred": [1, 2], "target": [1]}}),
    ("POST", "/api/compute", {"json": {"loss": "nope", "pred": 1, "target": 1}}),
    ("POST", "/api/compute", {"json": {"loss": "mse", "pred": "a", "target": 1}}),
    ("POST", "/api/compute", {"content": b"[" * 100 + b"]" * 100, "headers": JSON}),
    ("POST", "/api/compute", {"content": b"{", "headers": JSON}),
    ("POST", "/api/compute", {"content": BIG, "headers": JSON}),
    ("POST", "/api/compute", {"json": {"loss": "mse", "pred": 1, "target": 1},
                              "headers": {"Origin": "http://elsewhere.example"}}),
    ("POST", "/api/explain", {"json": {"loss": "mse", "pred": [1, 2], "target": [1]}}),
    ("POST", "/api/explorer/curves", {"json": {"task": "regression", "losses": [{"name": "cross_entropy"}]}}),
    ("POST", "/api/explorer/figure", {"json": {"task": "regression", "losses": [{"name": "mse"}] * 100}}),
    ("POST", "/api/darts", {"json": {"darts": "x"}}),
    ("POST", "/api/fit", {"json": {"points": [[0, 0], [1, 1]], "losses": [{"name": "mse"}], "focus": 3}}),
    ("POST", "/api/figures/nope", {"json": {}}),
    ("GET", "/api/loss-vs-accuracy?lang=xx", {}), ("GET", "/api/datasets?lang=xx", {}),
    ("POST", "/api/datasets", {"json": {"name": "nope"}}),
    ("POST", "/api/datasets/csv", {"json": {"name": "moons", "n_samples": 10**9}}),
    ("POST", "/api/uploads", {"content": b"", "headers": CSV}),
    ("POST", "/api/uploads", {"content": b"a,b\n1,2\n", "headers": CSV}),
    ("POST", "/api/uploads", {"content": b"a,b\n1,2\n", "headers": {"Content-Type": "text/plain"}}),
    ("GET", "/api/uploads/nope", {}), ("DELETE", "/api/uploads/nope", {}),
    ("GET", "/api/advice/examples?lang=xx", {}),
    ("POST", "/api/advice", {"json": {}}), ("POST", "/api/advice", {"json": {"example": "nope"}}),
    ("POST", "/api/advice/evidence", {"json": {"example": "line", "upload": "b"}}),
    ("GET", "/api/advice/evidence/nope", {}), ("GET", "/api/advice/evidence/nope/figure", {}),
    ("DELETE", "/api/advice/evidence/nope", {}),
    ("POST", "/api/formula", {"json": {}}), ("POST", "/api/formula/register", {"json": {"bogus": 1}}),
    ("GET", "/api/lm?lang=xx", {}), ("POST", "/api/lm/tokens", {"json": {}}),
    ("POST", "/api/lm/sample", {"json": {"bogus": 1}}), ("POST", "/api/lm/memory", {"json": {"bogus": 1}}),
    ("GET", "/api/lm/runs/nope/figure", {}), ("POST", "/api/lm/runs", {"json": {"bogus": 1}}),
    ("GET", "/api/lm/runs/nope", {}), ("DELETE", "/api/lm/runs/nope", {}),
    ("POST", "/api/distill", {"json": {"bogus": 1}}), ("POST", "/api/distill/modes", {"json": {"bogus": 1}}),
    ("POST", "/api/distill/experiment", {"json": {"bogus": 1}}),
    ("POST", "/api/runs", {"json": {"data": {"name": "moons", "n_samples": 10**9}}}),
    ("POST", "/api/runs", {"json": {"data": {"name": "moons"}, "model": {"kind": "mlp", "hidden": [10**6]}}}),
    ("GET", "/api/runs/nope", {}), ("POST", "/api/runs/nope/control", {"json": {"action": "play"}}),
    ("GET", "/api/runs/nope/history", {}), ("GET", "/api/runs/nope/predictions", {}),
    ("GET", "/api/runs/nope/trace?index=0", {}), ("GET", "/api/runs/nope/figures/curves", {}),
    ("DELETE", "/api/runs/nope", {}),
]


@pytest.fixture(scope="module")
def lab():
    with make_client() as c:
        yield c


def _answer(lab, method, path, kw, lang):
    kw = dict(kw)
    headers = {"Accept-Language": lang, **kw.pop("headers", {})}
    r = lab.request(method, path, headers=headers, **kw)
    assert r.status_code >= 400, (method, path, r.status_code, r.text[:200])
    return r.json()["error"]


def test_every_route_has_an_error_path_walked():
    app = make_client().app
    walked = set()
    for _method, path, _ in CASES:
        for route in app.routes:
            if isinstance(route, Route) and route.path_regex.match(path.split("?")[0]):
                walked.add(route.path)
                break
    routes = {r.path for r in app.routes if isinstance(r, Route)}
    assert routes - walked == set()


@pytest.mark.parametrize(("method", "path", "kw"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_error_in_japanese(lab, method, path, kw):
    error = _answer(lab, method, path, kw, "ja")
    message = error["message"]
    assert JAPANESE.search(message), message
    assert english_sentence(message) is None, (english_sentence(message), message)
    # the fields for scripts stay the library's English words
    assert {"loss", "argument", "expected", "got", "hint"} <= set(error)
    english = _answer(lab, method, path, kw, "en")
    assert english["message"] != message and not JAPANESE.search(english["message"])


def test_the_language_comes_from_the_query_the_body_then_the_header(lab):
    body = {"loss": "mse", "pred": [1, 2], "target": [1]}
    ja = lab.post("/api/compute?lang=ja", json=body, headers={"Accept-Language": "en"}).json()["error"]["message"]
    assert JAPANESE.search(ja)
    r = lab.post("/api/explain", json={**body, "lang": "ja"}, headers={"Accept-Language": "en"})
    assert JAPANESE.search(r.json()["error"]["message"])
    r = lab.post("/api/explain", json={**body, "lang": "en"}, headers={"Accept-Language": "ja"})
    assert not JAPANESE.search(r.json()["error"]["message"])
    r = lab.post("/api/compute", json=body, headers={"Accept-Language": "fr-FR,ja;q=0.8,en;q=0.5"})
    assert JAPANESE.search(r.json()["error"]["message"])
    assert not JAPANESE.search(lab.post("/api/compute", json=body).json()["error"]["message"])  # no language: en
    assert request_lang(None, {"lang": "xx"}, "ja") == "ja"  # a language the lab lacks is skipped


def test_socket_errors_in_japanese(lab):
    with lab.websocket_connect("/api/runs/nope/stream?lang=ja") as ws:
        message = ws.receive_json()["error"]["message"]
    assert JAPANESE.search(message) and english_sentence(message) is None, message
    run = lab.post("/api/runs", json={"data": {"name": "moons", "n_samples": 60}}).json()
    with lab.websocket_connect(f"/api/runs/{run['id']}/stream?lang=ja") as ws:
        ws.receive_json()
        for bad in ("nonsense", '{"action": "fly"}', "{" * 100):
            ws.send_text(bad)
            while (answer := ws.receive_json()).get("type") != "error":
                pass
            message = answer["error"]["message"]
            assert JAPANESE.search(message) and english_sentence(message) is None, (bad, message)
            assert answer["error"]["expected"].isascii()  # the field stays English, for scripts


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_error_texts_have_the_same_keys_and_placeholders_in_en_and_ja():
    en = {k: v for k, v in _texts.flat("en").items() if k.startswith("errors.")}
    ja = {k: v for k, v in _texts.flat("ja").items() if k.startswith("errors.")}
    assert set(en) == set(ja) and len(en) > 100
    for key, text in en.items():
        assert _fields(ja[key]) <= _fields(text), key  # ja may leave out a class name, never invent one
        literal = "".join(t for t, *_ in string.Formatter().parse(ja[key])).strip()
        assert JAPANESE.search(ja[key]) or not literal or key.startswith(("errors.where.", "errors.words.")), key
    # same keys in the whole of the lab's texts, errors or not
    assert set(_texts.flat("en")) == set(_texts.flat("ja"))


@pytest.mark.parametrize(("english", "japanese"), [
    ("at most 40 numbers", "数値は 40 個まで"),
    ("less than or equal to 5", "5 以下の値"),
    ("'regression' or 'classification'", "'regression' か 'classification'"),
    ("an address the lab serves (see /openapi.json)", "実験室が答えるアドレス（一覧は /openapi.json）"),
])
def test_patterns_translate_with_their_placeholders(english, japanese):
    assert translate(english, "ja") == japanese


def test_an_unknown_sentence_is_left_out_not_shown_in_english():
    assert translate("a brand new kind of refusal", "ja") is None
    assert translate("'abc'", "ja") == "'abc'"  # a value is the same in every language
    assert translate("neverheard", "ja") is None  # a lone English word is prose too
