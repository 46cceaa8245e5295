"""One training epoch in losslab (NumPy, explicit backprop) against the same model in PyTorch (CPU, one thread).

Models: logistic regression (50 -> 1) and a 2-hidden-layer MLP (50 -> 64 -> 64 -> 1, relu), binary cross-entropy
on logits, Adam (lr 1e-3), shuffled mini-batches of 256 and 1024, on 10^5 x 50 float32 data. For each setting the
best of ``--repeat`` epochs is reported (after one warm-up epoch; the two libraries take turns, so that noise on a
busy machine hits both), and the ratio losslab / PyTorch: below 1.5 is the target for batch sizes >= 256.

losslab's epoch is timed as the trainer runs it — ``fit(..., epochs=1)`` — and reported twice: the training steps
alone (``history.epoch_seconds``, the same work as the PyTorch loop: shuffle, forward, loss gradient, backward, Adam
step) and the whole epoch including the end-of-epoch evaluation of the loss and accuracy on all training rows.

    python benchmarks/bench_training.py [--rows 100000] [--repeat 3] [--float64] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # single thread, set before NumPy and PyTorch load their BLAS

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from losslab.training import Adam, from_arrays, make_model  # noqa: E402
from losslab.training import fit as losslab_fit  # noqa: E402

FEATURES = 50
HIDDEN = (64, 64)
LR = 1e-3


def make_data(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, FEATURES))
    w = rng.standard_normal(FEATURES) / np.sqrt(FEATURES)
    y = (X @ w + 0.5 * rng.standard_normal(rows) > 0).astype(np.int64)
    return X, y


class LosslabEpoch:
    """One epoch of ``losslab.training.fit`` on the same model and optimizer each call."""

    def __init__(self, X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch: int, dtype: str) -> None:
        self.data = from_arrays(X, y, task="binary", val_split=0.0, standardize=False)
        self.model = make_model("mlp" if hidden else "linear", FEATURES, 1, hidden=hidden or None, seed=0,
                                dtype=dtype)
        self.optimizer = Adam(lr=LR)
        self.batch = batch

    def __call__(self) -> tuple[float, float]:
        """(seconds of the training steps, seconds of the whole fit call)."""
        started = time.perf_counter()
        run = losslab_fit(self.data, model=self.model, loss="binary_cross_entropy", optimizer=self.optimizer,
                          epochs=1, batch_size=self.batch, seed=0)
        return run.history.epoch_seconds[0], time.perf_counter() - started


class TorchEpoch:
    """One epoch of the equivalent PyTorch loop (shuffle, forward, BCE with logits, backward, Adam step)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch: int, dtype: str) -> None:
        import torch

        self.torch = torch
        torch.set_num_threads(1)
        torch.manual_seed(0)
        tdtype = torch.float32 if dtype == "float32" else torch.float64
        self.X = torch.from_numpy(X).to(tdtype)
        self.y = torch.from_numpy(y).to(tdtype)
        sizes = [FEATURES, *hidden, 1]
        layers: list[Any] = []
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers).to(tdtype)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss_fn = torch.nn.BCEWithLogitsLoss()
        self.batch = batch

    def __call__(self) -> float:
        torch = self.torch
        started = time.perf_counter()
        order = torch.randperm(len(self.X))
        for i in range(0, len(self.X), self.batch):
            idx = order[i:i + self.batch]
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(self.X[idx]).squeeze(1), self.y[idx])
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - started


def measure(X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], batch: int, dtype: str,
            repeat: int) -> dict[str, Any]:
    """Best of ``repeat`` epochs each, after a warm-up, alternating the two so that machine noise hits both."""
    ours = LosslabEpoch(X, y, hidden, batch, dtype)
    try:
        theirs: TorchEpoch | None = TorchEpoch(X, y, hidden, batch, dtype)
    except ImportError:
        theirs = None
    steps, whole, torch_s = [], [], []
    for i in range(repeat + 1):
        s, w = ours()
        t = theirs() if theirs is not None else None
        if i:  # the first round warms up
            steps.append(s)
            whole.append(w)
            if t is not None:
                torch_s.append(t)
    best = min(torch_s) if torch_s else None
    return {"losslab_steps_s": min(steps), "losslab_epoch_s": min(whole), "torch_s": best,
            "ratio_steps": None if best is None else min(steps) / best,
            "ratio_epoch": None if best is None else min(whole) / best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--float64", action="store_true", help="double precision on both sides")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    dtype = "float64" if args.float64 else "float32"
    X, y = make_data(args.rows)
    results = []
    for name, hidden in (("logistic regression", ()), ("MLP 50-64-64-1", HIDDEN)):
        for batch in (256, 1024):
            results.append({"model": name, "batch_size": batch, **measure(X, y, hidden, batch, dtype, args.repeat)})
    if args.json:
        print(json.dumps({"rows": args.rows, "features": FEATURES, "dtype": dtype, "results": results}, indent=2))
        return
    print(f"one epoch, {args.rows:,} x {FEATURES} {dtype}, Adam, single thread "
          f"(numpy {np.__version__}, {platform.processor() or platform.machine()})")
    print(f"{'model':22s} {'batch':>6s} {'losslab steps':>14s} {'+ eval':>9s} {'torch':>9s} {'ratio':>7s} "
          f"{'ratio+eval':>11s}")
    for r in results:
        torch_s = "n/a" if r["torch_s"] is None else f"{r['torch_s']:.3f}s"
        ratio = "n/a" if r["ratio_steps"] is None else f"{r['ratio_steps']:.2f}x"
        ratio_all = "n/a" if r["ratio_epoch"] is None else f"{r['ratio_epoch']:.2f}x"
        print(f"{r['model']:22s} {r['batch_size']:>6d} {r['losslab_steps_s']:>13.3f}s {r['losslab_epoch_s']:>8.3f}s "
              f"{torch_s:>9s} {ratio:>7s} {ratio_all:>11s}")
    print("target: ratio < 1.5 for batch sizes >= 256")


if __name__ == "__main__":
    main()
