"""`losslab score` against pandas on the same 10^7-row CSV: throughput (rows/s) and peak memory.

Run: .venv/bin/python benchmarks/bench_score.py [--rows N]

Both sides compute MSE and MAE of the same two columns. pandas reads the whole file into memory (the usual way);
`losslab score` streams it in small blocks. Each side runs in its own subprocess so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

PANDAS = """
import sys, numpy as np, pandas as pd
df = pd.read_csv(sys.argv[1], usecols=["p", "t"])
e = df["p"].to_numpy() - df["t"].to_numpy()
print(float(np.mean(e * e)), float(np.mean(np.abs(e))))
"""

WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(p.returncode)\n"
)


def measure(cmd: list[str]) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak_mb, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "preds.csv")
        rng = np.random.default_rng(0)
        chunk = 1_000_000
        with pacsv.CSVWriter(path, pa.schema([("p", pa.float64()), ("t", pa.float64())])) as writer:
            for start in range(0, args.rows, chunk):
                m = min(chunk, args.rows - start)
                t = rng.normal(size=m)
                writer.write_table(pa.table({"p": t + rng.normal(size=m), "t": t}))
        size_mb = os.path.getsize(path) / 2**20
        ours_s, ours_mb, out = measure([sys.executable, "-m", "losslab.cli", "score", path, "--pred", "p",
                                        "--target", "t", "--loss", "mse,mae", "--json", "--no-progress"])
        ours = json.loads(out)["losses"]
        pd_s, pd_mb, out = measure([sys.executable, "-c", PANDAS, path])
        pd_mse, pd_mae = (float(x) for x in out.split())
    assert abs(ours["mse"] - pd_mse) <= 1e-9 * pd_mse and abs(ours["mae"] - pd_mae) <= 1e-9 * pd_mae
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MB CSV (same MSE/MAE on both sides)")
    print(f"{'':16}{'seconds':>10}{'rows/s':>14}{'peak RSS MB':>14}")
    print(f"{'losslab score':16}{ours_s:>10.2f}{args.rows / ours_s:>14,.0f}{ours_mb:>14.0f}")
    print(f"{'pandas':16}{pd_s:>10.2f}{args.rows / pd_s:>14,.0f}{pd_mb:>14.0f}")
    print(f"ratio (losslab / pandas): time {ours_s / pd_s:.2f}x, peak memory {ours_mb / pd_mb:.2f}x")


if __name__ == "__main__":
    main()
