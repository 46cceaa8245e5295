"""`losslab score`: streaming several losses over CSV / Parquet files, checked against the library."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
from typer.testing import CliRunner

import losslab
from losslab.cli import app

pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")
pq = pytest.importorskip("pyarrow.parquet")

runner = CliRunner()


def _data(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.normal(size=n)
    p = t + rng.standard_t(3, size=n)
    return {"p": p, "t": t, "g": rng.choice(np.array(["a", "b", "c"]), size=n), "w": rng.uniform(0.5, 2.0, size=n)}


def _score_json(*args: str) -> dict:
    result = runner.invoke(app, ["score", *args, "--json", "--no-progress"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_score_matches_library_in_one_pass(tmp_path, suffix):
    d = _data(5000)
    path = tmp_path / f"preds.{suffix}"
    table = pa.table(d)
    (pacsv.write_csv if suffix == "csv" else pq.write_table)(table, path)
    out = _score_json(str(path), "--pred", "p", "--target", "t", "--loss", "mse,mae,huber,rmse,sse",
                      "--param", "huber.delta=0.5", "--batch-rows", "777")
    assert out["rows"] == 5000
    assert out["losses"]["mse"] == pytest.approx(float(losslab.mse(d["p"], d["t"])), rel=1e-12)
    assert out["losses"]["mae"] == pytest.approx(float(losslab.mae(d["p"], d["t"])), rel=1e-12)
    assert out["losses"]["huber"] == pytest.approx(float(losslab.huber(d["p"], d["t"], delta=0.5)), rel=1e-12)
    assert out["losses"]["rmse"] == pytest.approx(float(losslab.rmse(d["p"], d["t"])), rel=1e-12)
    assert out["losses"]["sse"] == pytest.approx(float(losslab.sse(d["p"], d["t"])), rel=1e-12)


def test_score_groups_weights_and_directories(tmp_path):
    d = _data(3000, seed=1)
    for i in range(3):
        part = {k: v[i * 1000:(i + 1) * 1000] for k, v in d.items()}
        pq.write_table(pa.table(part), tmp_path / f"part{i}.parquet")
    out = _score_json(str(tmp_path), "--pred", "p", "--target", "t", "--loss", "mse", "--by", "g", "--weight", "w")
    assert out["rows"] == 3000
    assert out["losses"]["mse"] == pytest.approx(float(losslab.mse(d["p"], d["t"], sample_weight=d["w"])), rel=1e-12)
    for g in ("a", "b", "c"):
        m = d["g"] == g
        assert out["group_rows"][g] == int(m.sum())
        assert out["groups"][g]["mse"] == pytest.approx(
            float(losslab.mse(d["p"][m], d["t"][m], sample_weight=d["w"][m])), rel=1e-12)


def test_score_class_probability_columns(tmp_path):
    rng = np.random.default_rng(2)
    probs = rng.dirichlet(np.ones(3), size=400)
    labels = rng.integers(0, 3, size=400)
    pq.write_table(pa.table({"p0": probs[:, 0], "p1": probs[:, 1], "p2": probs[:, 2], "y": labels}),
                   tmp_path / "cls.parquet")
    out = _score_json(str(tmp_path / "cls.parquet"), "--pred", "p0,p1,p2", "--target", "y", "--loss", "sparse_cce")
    expected = losslab.sparse_cce(probs, labels)
    assert out["losses"]["sparse_categorical_cross_entropy"] == pytest.approx(float(expected), rel=1e-12)


def test_score_glob_and_japanese_table(tmp_path):
    d = _data(100)
    pacsv.write_csv(pa.table(d), tmp_path / "a.csv")
    result = runner.invoke(app, ["score", str(tmp_path / "*.csv"), "--pred", "p", "--target", "t", "--lang", "ja",
                                 "--no-progress"])
    assert result.exit_code == 0
    assert "mse" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["nothing-here.csv", "--pred", "p", "--target", "t"], "no such file"),
        (["{path}", "--pred", "nope", "--target", "t"], "nope"),
        (["{path}", "--pred", "p", "--target", "t", "--loss", "msee"], "mse"),
    ],
)
def test_score_errors(tmp_path, args, needle):
    path = tmp_path / "x.csv"
    pacsv.write_csv(pa.table(_data(10)), path)
    result = runner.invoke(app, ["score", *[a.format(path=path) for a in args], "--no-progress"])
    assert result.exit_code == 2
    assert needle in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_score_ten_million_rows_in_bounded_memory(tmp_path):
    """A real subprocess on a 10^7-row CSV: the answer is right and peak memory stays far below the file's."""
    n, chunk = 10_000_000, 1_000_000
    path = tmp_path / "big.csv"
    rng = np.random.default_rng(3)
    sums = {"mse": 0.0, "mae": 0.0}
    with pacsv.CSVWriter(path, pa.schema([("p", pa.float64()), ("t", pa.float64())])) as writer:
        for _ in range(n // chunk):
            t = rng.normal(size=chunk)
            p = t + rng.normal(size=chunk)
            # what we will compare against: the file's own text, read back exactly
            writer.write_table(pa.table({"p": p, "t": t}))
            sums["mse"] += float(np.sum((p - t) ** 2))
            sums["mae"] += float(np.sum(np.abs(p - t)))
    size_mb = path.stat().st_size / 2**20
    # A wrapper process runs `losslab score` as its only child, so its RUSAGE_CHILDREN peak is that command's.
    wrapper = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(p.returncode)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, sys.executable, "-m", "losslab.cli", "score", str(path), "--pred", "p",
         "--target", "t", "--loss", "mse,mae", "--json", "--no-progress"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    out = json.loads(proc.stdout)
    assert out["rows"] == n
    assert out["losses"]["mse"] == pytest.approx(sums["mse"] / n, rel=1e-9)
    assert out["losses"]["mae"] == pytest.approx(sums["mae"] / n, rel=1e-9)
    # the whole file as float64 columns would be 160 MB; the CSV text ~ size_mb. We hold one batch at a time.
    assert peak_mb < 300, (peak_mb, size_mb)
    assert peak_mb < size_mb, (peak_mb, size_mb)
    print(f"score: {n / seconds:,.0f} rows/s, peak RSS {peak_mb:.0f} MB, file {size_mb:.0f} MB")
