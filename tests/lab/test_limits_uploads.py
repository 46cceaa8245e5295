"""Uploads bounded by what they hold (issue 11): cells, distinct texts, bytes per client and in total; the columns
kept as small integer codes (losslab.lab._uploads.Columns), read exactly as the package's table reader reads them;
and the server's memory: a kept upload grows the server's RSS by at most 4× the file's size."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losslab._tables import csv_columns, csv_rows
from losslab.lab import Limits
from losslab.lab._errors import LabError
from losslab.lab._uploads import Columns, Table, UploadStore, parse_csv

from .conftest import make_client

CELLS = st.sampled_from(["1", "2.5", "-3e2", " 4 ", "", "NA", "n/a", "None", "nan", "inf", "x", " y ", "東京",
                         "1_000", "0x10", "TRUE", '"q,uoted"', "  "])


def _same(columns: Columns, header: list[str], body: list[list[str]]) -> None:
    expected = csv_columns(header, body)
    assert list(columns) == list(expected)
    for name, want in expected.items():
        got = columns[name]
        assert got.dtype == want.dtype, name
        if want.dtype == object:
            assert got.tolist() == want.tolist(), name
        else:
            np.testing.assert_array_equal(got, want)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=3, max_size=12))
def test_the_coded_columns_read_as_the_table_reader_reads(cells):
    width = max(len(r) for r in cells)
    header = [f"c{j}" for j in range(width)]
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in cells) + "\n"
    rows = csv_rows(text)
    if len(rows) < 3 or any(len(r) > width for r in rows):
        return
    table = parse_csv(text.encode(), "t.csv", Limits())
    assert isinstance(table.columns, Columns) and table.rows == len(rows) - 1
    _same(table.columns, rows[0], rows[1:])


def test_codes_are_one_byte_for_few_values_and_two_for_many():
    few = "a,b,t\n" + "".join(f"{i % 7},{i % 3},x{i % 5}\n" for i in range(3000))
    table = parse_csv(few.encode(), "few.csv", Limits())
    assert isinstance(table.columns, Columns)
    assert {c.codes.dtype for c in table.columns.coded.values()} == {np.dtype(np.uint8)}
    many = "a,t\n" + "".join(f"{i / 7},id{i}\n" for i in range(3000))
    table = parse_csv(many.encode(), "many.csv", Limits())
    assert isinstance(table.columns, Columns)
    assert {c.codes.dtype for c in table.columns.coded.values()} == {np.dtype(np.uint16)}
    assert table.memory < 3000 * 2 * 2 + 3000 * 8 + 3000 * 70


@pytest.mark.parametrize("text, limits, expected", [
    ("a,b\n" + "1,2\n" * 11, {"max_upload_cells": 20}, "at most 20 cells"),
    ("a,b\n" + "".join(f"x{i},y{i}\n" for i in range(20)), {"max_upload_distinct": 30}, "at most 30 distinct"),
    ("a\n" + "1\n" * 30, {"max_upload_rows": 20}, "at most 20 data rows"),
])
def test_parsed_size_is_bounded(text, limits, expected):
    with pytest.raises(LabError) as refused:
        parse_csv(text.encode(), "f.csv", Limits(**limits))
    assert refused.value.status == 422 and expected in refused.value.error.expected


def _table(memory: int) -> Table:
    return Table("t.csv", {"a": np.zeros(3)}, memory=memory)


def test_the_store_is_bounded_in_bytes_per_client_and_in_total():
    store = UploadStore(Limits(max_upload_bytes_per_client=100, max_upload_bytes_total=250))
    a1 = store.add(_table(60), "a")
    a2 = store.add(_table(60), "a")  # 120 > 100: a's oldest goes
    assert [t.id for t in store._tables.values()] == [a2.id] and a1.id not in store._tables
    store.add(_table(90), "b")
    store.add(_table(90), "c")  # 60 + 90 + 90 = 240
    store.add(_table(40), "d")  # 280 > 250: the oldest (a2) goes
    assert a2.id not in store._tables and store.held() == 220
    with pytest.raises(LabError) as refused:
        store.add(_table(101), "e")
    assert refused.value.status == 413


def test_an_upload_too_large_to_keep_is_refused_in_words():
    with make_client(max_upload_bytes_per_client=2000) as c:
        body = "a,b\n" + "".join(f"{i},t{i}\n" for i in range(200))
        r = c.post("/api/uploads", content=body, headers={"content-type": "text/csv"})
        assert r.status_code == 413 and "2000 bytes in memory" in r.json()["error"]["expected"]
        limits = c.get("/api/limits").json()
        assert limits["max_upload_cells"] == 1_000_000 and limits["max_upload_distinct"] == 50_000


# ---------------------------------------------------------------------------------------------------- memory
def _files(seed: int) -> list[bytes]:
    """Three ~2 MiB files of the shapes that cost most per byte: one-digit numbers, short words from a
    vocabulary (many distinct texts), and distinct decimals."""
    rng = np.random.default_rng(seed)
    digits = rng.integers(0, 10, size=(10_000, 100))
    one = ",".join(f"c{j}" for j in range(100)) + "\n" + "\n".join(",".join(map(str, r)) for r in digits) + "\n"
    words = rng.integers(0, 4_900, size=(20_000, 10))
    two = ",".join(f"w{j}" for j in range(10)) + "\n" + "\n".join(
        ",".join(f"{chr(97 + j)}{v}" for j, v in enumerate(r)) for r in words) + "\n"
    decimals = rng.random((20_000, 11))
    three = ",".join(f"d{j}" for j in range(11)) + "\n" + "\n".join(
        ",".join(f"{v:.6f}" for v in r) for r in decimals) + "\n"
    return [one.encode(), two.encode(), three.encode()]


def _post(url: str, body: bytes) -> dict[str, Any]:
    import json

    request = urllib.request.Request(url + "api/uploads", data=body, headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=60) as r:
        out: dict[str, Any] = json.loads(r.read())
        return out


@pytest.mark.slow
def test_kept_uploads_grow_the_servers_memory_by_at_most_four_times_their_size():
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen([sys.executable, "-m", "losslab.cli", "lab", "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={k: v for k, v in os.environ.items() if k != "LOSSLAB_LAB_TOKEN"})
    try:
        assert proc.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+/", proc.stdout.readline())
        assert match
        url = match.group()
        server = psutil.Process(proc.pid)
        for body in _files(0):  # every code path once (imports, caches, the worker threads' heaps), then forgotten
            done = _post(url, body)["id"]
            urllib.request.urlopen(urllib.request.Request(url + f"api/uploads/{done}", method="DELETE"), timeout=10)
        time.sleep(1.5)
        before = server.memory_info().rss
        sent = 0
        for seed in (1, 2):
            for body in _files(seed):
                summary = _post(url, body)
                assert summary["rows"] in (10_000, 20_000)
                sent += len(body)
        time.sleep(1.5)  # the server hands back its freed memory a second after an upload
        growth = server.memory_info().rss - before
        print(f"\nRSS growth {growth / 2**20:.1f} MiB for {sent / 2**20:.1f} MiB kept: {growth / sent:.2f}x")
        assert growth <= 4 * sent, (growth, sent)
        # a file of distinct texts past the bound is refused, and costs nothing kept
        texts = ("t\n" + "".join(f"id{i:07d}\n" for i in range(60_000))).encode()
        request = urllib.request.Request(url + "api/uploads", data=texts, headers={"Content-Type": "text/csv"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 422
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
