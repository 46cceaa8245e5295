"""Panel 7 ("Choose a loss") and the user's own files through FastAPI's TestClient: uploads are read and bounded,
the advice equals losslab.advice.recommend, the evidence runs in the background (progress, result, figure,
cancel, wall time, a page that went away) within its bounds, and every bad input is a 4xx with the catalog's
message, never a 500."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from losslab.advice import recommend
from losslab.lab._uploads import example

from .conftest import make_client
from .test_api import JUNK, error_of


def upload(client, text: str | bytes, name: str = "data.csv", **headers):
    body = text.encode() if isinstance(text, str) else text
    return client.post(f"/api/uploads?name={name}", content=body,
                       headers={"content-type": "text/csv", **headers})


def outlier_csv(n: int = 120, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    y = 3 * x + 1 + rng.normal(0, 0.5, n)
    y[: n // 10] += rng.uniform(8, 15, n // 10)
    return "x,y\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in zip(x, y, strict=True)) + "\n"


def classes_csv(n: int = 90, k: int = 2, seed: int = 1, extra: bool = False) -> str:
    rng = np.random.default_rng(seed)
    rows = ["a,b,kind" + (",note,c" if extra else "")]
    for i in range(n):
        c = i % k
        a, b = rng.normal(c * 2.0, 1.0), rng.normal(-c, 1.0)
        rows.append(f"{a:.3f},{b:.3f},c{c}" + (f",t{i % 3},{rng.normal():.3f}" if extra else ""))
    return "\n".join(rows) + "\n"


def wait_done(client, job_id: str, timeout: float = 60.0, lang: str = "en") -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/advice/evidence/{job_id}", params={"lang": lang}).json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    pytest.fail("the evidence run did not finish")


# ---------------------------------------------------------------------------------------------------- examples
EXPECTED = {"line": "mse", "outliers": "huber", "counts": "poisson", "imbalanced": "binary_cross_entropy",
            "iris": "sparse_categorical_cross_entropy", "diabetes": "mse"}


def test_examples_are_listed_in_both_languages(client):
    en = client.get("/api/advice/examples").json()
    ja = client.get("/api/advice/examples", params={"lang": "ja"}).json()
    assert [e["name"] for e in en] == list(EXPECTED) == [e["name"] for e in ja]
    for e, j in zip(en, ja, strict=True):
        assert e["title"] and e["description"] and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", j["title"])
        names = [c["name"] for c in e["data"]["columns"]]
        assert e["target"] in names and e["data"]["rows"] >= 150 and e["data"]["head"]
    assert error_of(client.get("/api/advice/examples", params={"lang": "xx"}))["argument"] == "lang"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_advice_on_each_example_is_the_librarys(client, name):
    out = client.post("/api/advice", json={"example": name}).json()
    table = example(name)
    direct = recommend(table.columns, target=table.target, lang="en")
    direct.source = table.name
    assert out["recommendation"]["choice"] == direct.to_dict("en")["choice"]
    assert out["recommendation"]["recommendation"] == direct.to_dict("en")["recommendation"]
    assert out["recommendation"]["choice"]["loss"] == EXPECTED[name]
    assert out["target"] == table.target and out["data"]["rows"] == table.rows
    assert out["text"].strip() and out["evidence_plan"]["possible"]
    if name == "imbalanced":
        assert out["recommendation"]["choice"]["params"]["pos_weight"] > 10  # 1 : 19
        assert "mse" not in str(out["recommendation"]["recommendation"]["first"])


def test_hints_and_languages(client):
    ja = client.post("/api/advice", json={"example": "imbalanced", "lang": "ja", "output": "probabilities",
                                          "priority": "recall"}).json()
    rec = ja["recommendation"]
    assert rec["hints"]["output"] == "probabilities" and rec["hints"]["priority"] == "recall"
    assert not any(q["key"] == "output" for q in rec["questions"])  # answered
    assert rec["choice"]["params"].get("from_logits") is False
    assert re.search(r"[\u3040-\u30ff]", rec["analysis"]["findings"][0]["text"])
    # a question the data cannot settle is asked, and answered by the task hint
    values = [0] * 20 + [1] * 10 + [2] * 5 + [3] * 3 + [4] * 2  # a few uneven whole numbers: counts or classes?
    up = upload(client, "x,v\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values))).json()
    asked = client.post("/api/advice", json={"upload": up["id"], "target": "v"}).json()["recommendation"]
    assert any(q["key"] == "task" for q in asked["questions"]) and asked["choice"] is None
    answered = client.post("/api/advice", json={"upload": up["id"], "target": "v", "task": "counts"}).json()
    assert answered["recommendation"]["choice"]["loss"] == "poisson"
    # features can be left out
    only = client.post("/api/advice", json={"example": "diabetes", "features": ["bmi", "bp"]}).json()
    assert only["recommendation"]["analysis"]["features"] == 2


# ----------------------------------------------------------------------------------------------------- uploads
def test_an_uploaded_csv_is_read_and_advised(client):
    r = upload(client, outlier_csv(), name="my%20data.csv")
    assert r.status_code == 201
    up = r.json()
    assert up["name"] == "my data.csv" and up["rows"] == 120 and up["suggested_target"] == "y"
    assert [c["kind"] for c in up["columns"]] == ["number", "number"] and len(up["head"]) == 6
    assert client.get(f"/api/uploads/{up['id']}").json()["rows"] == 120
    out = client.post("/api/advice", json={"upload": up["id"], "target": "y"}).json()
    assert out["recommendation"]["choice"]["loss"] == "huber"
    assert out["recommendation"]["source"] == "my data.csv"
    assert client.delete(f"/api/uploads/{up['id']}").status_code == 200
    r = client.post("/api/advice", json={"upload": up["id"], "target": "y"})
    assert r.status_code == 404 and "upload the file again" in error_of(r)["hint"]


def test_csv_dialects_encodings_and_missing_values(client):
    semicolon = upload(client, "a;b;label\n1,5;2;x\n2;3;y\n3;;x\n4;5;NA\n").json()
    cols = {c["name"]: c for c in semicolon["columns"]}
    assert semicolon["delimiter"] == ";" and cols["a"]["kind"] == "text"  # "1,5" is text here
    assert cols["b"]["missing"] == 1 and cols["label"]["missing"] == 1 and cols["label"]["distinct"] == 2
    tab = upload(client, "a\tb\n1\t2\n3\t4\n").json()
    assert tab["delimiter"] == "\t" and [c["kind"] for c in tab["columns"]] == ["number", "number"]
    sjis = upload(client, "身長,体重,品種\n170,60,あ\n160,50,い\n".encode("cp932"))
    assert sjis.status_code == 201 and sjis.json()["encoding"] == "shift_jis"
    assert [c["name"] for c in sjis.json()["columns"]] == ["身長", "体重", "品種"]
    bom = upload(client, "\ufeffx,y\n1,2\n3,4\n".encode()).json()
    assert bom["columns"][0]["name"] == "x" and bom["encoding"] == "utf-8"
    quoted = upload(client, 'name,value\n"Smith, J",1\n"Doe, A",2\n').json()
    assert quoted["head"][0] == ["Smith, J", 1]
    trailing = upload(client, "x,y,\n1,2,\n3,4,\n").json()
    assert [c["name"] for c in trailing["columns"]] == ["x", "y"]


@pytest.mark.parametrize("body, status, expected", [
    (b"", 422, "header row"),
    (b"   \n\n", 422, "header row"),
    (b"x,y\n", 422, "at least 2 data rows"),
    (b"x,y\n1,2\n", 422, "at least 2 data rows"),
    (b"PK\x03\x04\x00\x00binary", 415, "CSV text"),
    (b"x,x\n1,2\n3,4\n", 422, "distinct column names"),
    (b"x,y\n1,2\n3,4,5\n", 422, "2 values per row"),
    (b"x,y\n\xff\xfe\xfa,1\n\x81\x7f,2\n", 422, "UTF-8"),
    (b'x,y\n"1,2\n3,4\n', 422, "well-formed"),
])
def test_bad_files_are_refused_in_words(client, body, status, expected):
    r = upload(client, body)
    assert r.status_code == status, r.text
    err = error_of(r)
    assert expected in err["expected"] and err["argument"] == "file"


def test_uploads_are_bounded():
    with make_client(max_upload_bytes=4000, max_upload_rows=50, max_upload_columns=5,
                     max_uploads_per_client=2) as c:
        r = upload(c, "x,y\n" + "123456.789,1\n" * 400)
        assert r.status_code == 413 and error_of(r)["argument"] == "body" and "4000" in error_of(r)["expected"]
        r = upload(c, "x,y\n" + "1,2\n" * 60)
        assert r.status_code == 422 and "50" in error_of(r)["expected"]
        r = upload(c, "a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,3,4,5,6\n")
        assert r.status_code == 422 and "5 columns" in error_of(r)["expected"]
        r = c.post("/api/uploads", files={"file": ("a.csv", b"x,y\n1,2\n3,4\n")})
        assert r.status_code == 415 and error_of(r)["argument"] == "body"
        # the oldest upload of a client is forgotten beyond the bound
        ids = [upload(c, "x,y\n1,2\n3,4\n").json()["id"] for _ in range(3)]
        assert c.get(f"/api/uploads/{ids[0]}").status_code == 404
        assert all(c.get(f"/api/uploads/{i}").status_code == 200 for i in ids[1:])
        # the upload's larger bound is the upload's alone
        assert c.post("/api/advice", json={"example": "line", "target": "y" * 200}).status_code == 422
    assert make_client().get("/api/limits").json()["max_upload_bytes"] == 2 * 1024 * 1024


@pytest.mark.parametrize("body, status, argument", [
    ({}, 422, "example"),
    ({"example": "line", "upload": "x"}, 422, "example"),
    ({"example": "nothing"}, 422, "example"),
    ({"upload": "no-such-id"}, 404, "upload"),
    ({"example": "counts", "target": "visit"}, 422, "target"),
    ({"example": "line", "features": ["nope"]}, 400, "features"),
    ({"example": "line", "output": "maybe"}, 422, "output"),
    ({"example": "line", "priority": "speed"}, 422, "priority"),
    ({"example": "line", "task": "ranking"}, 422, "task"),
    ({"example": "iris", "task": "binary"}, 400, None),
    ({"example": "line", "lang": "xx"}, 400, "lang"),
    ({"example": "line", "unknown": 1}, 422, "unknown"),
])
def test_bad_advice_requests(client, body, status, argument):
    r = client.post("/api/advice", json=body)
    assert r.status_code == status, r.text
    err = error_of(r)
    if argument:
        assert err["argument"] == argument
    if body.get("target") == "visit":
        assert "'visits'" in (err["hint"] or "")


@pytest.mark.parametrize("path", ["/api/advice", "/api/advice/evidence"])
def test_junk_never_gives_a_500(client, path):
    fields = {"example": "line", "target": "y", "folds": 2, "epochs": 1}
    for key in [*fields, "upload", "features", "output", "priority", "task", "positive", "model", "seed"]:
        for junk in JUNK:
            body = {**fields, key: junk}
            if key == "upload":
                body.pop("example")
            r = client.post(path, json=body)
            assert r.status_code < 500, (path, key, junk, r.text)
            if r.status_code >= 400:
                error_of(r)
            if r.status_code == 202:
                client.delete(f"/api/advice/evidence/{r.json()['id']}")
    for raw in (b"", b"[", b"null", b"[1,2]"):
        r = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (path, raw)


# ---------------------------------------------------------------------------------------------------- evidence
def test_the_evidence_runs_in_the_background_with_progress_result_and_figure(client):
    up = upload(client, outlier_csv(80)).json()
    r = client.post("/api/advice/evidence", json={"upload": up["id"], "target": "y", "folds": 2, "epochs": 5})
    assert r.status_code == 202
    job = r.json()
    assert job["state"] == "running" and job["total"] == 2 * len(job["settings"]["candidates"])
    early = client.get(f"/api/advice/evidence/{job['id']}/figure")
    assert early.status_code in (200, 409)
    done = wait_done(client, job["id"])
    assert done["state"] == "done" and done["done"] == done["total"] and done["error"] is None
    ev = done["result"]["recommendation"]["evidence"]
    assert ev["folds"] == 2 and ev["epochs"] == 5 and ev["primary"] == "mae"
    assert {r["label"] for r in ev["results"]} == set(job["settings"]["candidates"])
    assert all(r["metrics"]["mae"] > 0 for r in ev["results"])
    assert ev["column_names"]["median_ae"] and ev["verdict"]["text"]
    assert done["result"]["recommendation"]["choice"]["by"] in ("rules", "evidence")
    ja = client.get(f"/api/advice/evidence/{job['id']}", params={"lang": "ja"}).json()
    assert re.search(r"[\u3040-\u30ff]", ja["result"]["recommendation"]["evidence"]["verdict"]["text"])
    for lang in ("en", "ja"):
        fig = client.get(f"/api/advice/evidence/{job['id']}/figure", params={"lang": lang})
        assert fig.status_code == 200
        spec = fig.json()["spec"]
        assert "vconcat" in spec and {row["candidate"] for row in spec["datasets"]["metrics"]} == \
            set(job["settings"]["candidates"])
    assert error_of(client.get("/api/advice/evidence/nope"))["argument"] == "job_id"
    assert client.delete("/api/advice/evidence/nope").status_code == 404


def test_evidence_is_cancelled_bounded_and_stopped():
    with make_client(max_evidence_folds=4, max_evidence_epochs=1000, max_evidence_per_client=1,
                     evidence_attach_seconds=60) as c:
        r = c.post("/api/advice/evidence", json={"example": "diabetes", "folds": 5})
        assert r.status_code == 422 and error_of(r)["argument"] == "folds"
        r = c.post("/api/advice/evidence", json={"example": "diabetes", "folds": 2, "epochs": 2000})
        assert r.status_code == 422 and error_of(r)["argument"] == "epochs"
        r = c.post("/api/advice/evidence", json={"example": "diabetes", "target": "nope", "folds": 2})
        assert r.status_code == 422 and error_of(r)["argument"] == "target"
        long = c.post("/api/advice/evidence", json={"example": "diabetes", "folds": 4, "epochs": 1000,
                                                    "model": "mlp"}).json()
        # one run per client at once
        r = c.post("/api/advice/evidence", json={"example": "line", "folds": 2, "epochs": 1})
        assert r.status_code == 429 and error_of(r)["argument"] == "evidence"
        started = time.monotonic()
        cancelled = c.delete(f"/api/advice/evidence/{long['id']}").json()
        assert cancelled["state"] == "cancelled" and time.monotonic() - started < 5
        assert c.get(f"/api/advice/evidence/{long['id']}/figure").status_code == 409
        # now there is room again
        ok = c.post("/api/advice/evidence", json={"example": "line", "folds": 2, "epochs": 1})
        assert ok.status_code == 202
        assert wait_done(c, ok.json()["id"])["state"] == "done"
    with make_client(max_evidence_seconds=1.0, evidence_attach_seconds=60) as c:
        job = c.post("/api/advice/evidence", json={"example": "diabetes", "folds": 4, "epochs": 500,
                                                   "model": "mlp"}).json()
        done = wait_done(c, job["id"], timeout=20)
        assert done["state"] == "timeout" and "1 s" in done["error"]["expected"]
    with make_client(evidence_attach_seconds=0.5) as c:
        job = c.post("/api/advice/evidence", json={"example": "diabetes", "folds": 4, "epochs": 500,
                                                   "model": "mlp"}).json()
        time.sleep(2.5)  # no page asks about it
        gone = c.get(f"/api/advice/evidence/{job['id']}").json()
        assert gone["state"] == "cancelled" and "no page" in gone["error"]["got"]


def test_evidence_that_cannot_run_says_why(client):
    no_features = upload(client, "y\n" + "\n".join(str(v) for v in range(30))).json()
    job = client.post("/api/advice/evidence", json={"upload": no_features["id"], "folds": 2, "epochs": 1}).json()
    assert job["total"] == 0
    done = wait_done(client, job["id"])
    ev = done["result"]["recommendation"]["evidence"]
    assert done["state"] == "done" and not ev["results"] and ev["notes"]
    r = client.get(f"/api/advice/evidence/{job['id']}/figure")
    assert r.status_code == 409 and error_of(r)


# ----------------------------------------------------------------------------------- the classification lab
def test_the_classification_lab_takes_an_uploaded_file(client):
    up = upload(client, classes_csv(extra=True), name="mine.csv").json()
    body = {"name": "upload", "upload": up["id"], "target": "kind", "val_split": 0.25, "seed": 3}
    ds = client.post("/api/datasets", json=body).json()
    info = ds["info"]
    assert info["name"] == "mine.csv" and info["task"] == "binary" and info["class_names"] == ["c0", "c1"]
    assert info["feature_names"] == ["a", "b"] and info["params"]["used"] == 90 and not info["params"]["sampled"]
    assert len(ds["points"]) == 90 and {p["split"] for p in ds["points"]} == {"train", "val"}
    csv = client.post("/api/datasets/csv", json=body)
    assert csv.status_code == 200 and csv.text.startswith("x1,x2,label,class,split")
    r = client.post("/api/runs", json={"data": {**body, "features": ["b", "a"]}, "loss": "hinge"})
    assert r.status_code == 201
    snap = r.json()
    assert snap["dataset"]["info"]["feature_names"] == ["b", "a"] and snap["map"]["kind"] == "score"
    client.delete(f"/api/runs/{snap['id']}")
    three = upload(client, classes_csv(k=3)).json()
    r = client.post("/api/runs", json={"data": {"name": "upload", "upload": three["id"]},
                                       "loss": "sparse_categorical_cross_entropy"})
    assert r.status_code == 201 and r.json()["dataset"]["info"]["task"] == "multiclass"
    client.delete(f"/api/runs/{r.json()['id']}")


def test_a_large_file_is_sampled_for_the_classification_lab():
    with make_client(max_samples=50) as c:
        up = upload(c, classes_csv(n=200)).json()
        info = c.post("/api/datasets", json={"name": "upload", "upload": up["id"]}).json()["info"]
        assert info["params"]["sampled"] and info["params"]["used"] == 50 and info["params"]["complete"] == 200


@pytest.mark.parametrize("change, status, argument", [
    ({"upload": None}, 422, "data.upload"),
    ({"upload": "no-such-id"}, 404, "data.upload"),
    ({"target": "nope"}, 422, "data.target"),
    ({"target": "a"}, 422, "data.target"),  # 90 distinct numbers are no classes
    ({"features": ["a", "note"]}, 422, "data.features"),
    ({"features": ["a", "a"]}, 422, "data.features"),
    ({"features": ["a", "kind"]}, 422, "data.features"),
    ({"features": ["a"]}, 422, "data.features"),
])
def test_bad_uploaded_data_for_the_classification_lab(client, change, status, argument):
    up = upload(client, classes_csv(extra=True)).json()
    data = {"name": "upload", "upload": up["id"], "target": "kind", **change}
    for path, body in (("/api/datasets", data), ("/api/runs", {"data": data})):
        r = client.post(path, json=body)
        assert r.status_code == status, (path, r.text)
        assert error_of(r)["argument"] in (argument, argument.removeprefix("data.")), (path, r.text)


def test_one_numeric_column_or_one_class_is_refused(client):
    one = upload(client, "a,kind\n" + "\n".join(f"{i},c{i % 2}" for i in range(20))).json()
    r = client.post("/api/datasets", json={"name": "upload", "upload": one["id"], "target": "kind"})
    assert r.status_code == 422 and "two columns of numbers" in error_of(r)["expected"]
    # two real features (not row numbers, which the lab leaves out) and a single class
    single = upload(client, "a,b,kind\n" + "\n".join(f"{i * 0.5},{(i * 7) % 5},same" for i in range(20))).json()
    r = client.post("/api/datasets", json={"name": "upload", "upload": single["id"], "target": "kind"})
    assert r.status_code == 422 and "two classes" in error_of(r)["expected"]


def test_the_new_endpoints_are_in_the_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/uploads", "/api/uploads/{upload_id}", "/api/advice", "/api/advice/examples",
                 "/api/advice/evidence", "/api/advice/evidence/{job_id}", "/api/advice/evidence/{job_id}/figure"):
        assert path in paths
    assert "text/csv" in paths["/api/uploads"]["post"]["requestBody"]["content"]
