"""Speed of the losses with extra inputs (and the batch and ensemble losses) against PyTorch CPU, one thread.

Run ``python benchmarks/bench_extra_inputs.py [--sizes 100000 1000000]``. For each loss and total number of input
elements it times, warm, the median of 5 repeats of losslab's ``value_and_grad`` with respect to every
differentiable argument (``wrt=definition.wrt``) on NumPy float64, and PyTorch's forward + ``backward()`` of the
same loss (its built-in where it has one, else the tensor expression the reference tests use), and prints the ratio
losslab / PyTorch. Row losses use D = 8 features (N = size / 8 examples); InfoNCE and NT-Xent build an N x N matrix,
so they run with N = 1024 and 4096 examples instead; the ensemble has M = 10 members.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import losslab  # noqa: E402

torch.set_num_threads(1)
F = torch.nn.functional
D, M = 8, 10


def _time(fn: Callable[[], Any], repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _torch_fb(make: Callable[..., Any], *arrays: np.ndarray, grad: tuple[bool, ...]) -> Callable[[], None]:
    def run() -> None:
        ts = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grad, strict=True)]
        make(*ts).backward()
    return run


def _nt_xent(a: Any, b: Any) -> Any:
    n = a.shape[0]
    z = F.normalize(torch.cat([a, b]))
    s = (z @ z.T / 0.07).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    return F.cross_entropy(s, (torch.arange(2 * n) + n) % (2 * n))


def cases(size: int, rng: np.random.Generator) -> list[tuple[str, dict[str, Any], Callable[[], Any], float]]:
    n = size // D
    a, p, q = (rng.normal(size=(n, D)) for _ in range(3))
    y_pair = rng.choice([-1.0, 1.0], n)
    x1, x2, y = rng.normal(size=size), rng.normal(size=size), rng.choice([-1.0, 1.0], size)
    var = rng.uniform(0.1, 2.0, size)
    ens, obs = rng.normal(size=(size // M, M)), rng.normal(size=size // M)
    out = [
        ("triplet_margin", {"pred": a, "target": p, "negative": q},
         _torch_fb(lambda a, p, q: F.triplet_margin_loss(a, p, q), a, p, q, grad=(True, True, True)), size * 3),
        ("margin_ranking", {"pred": x1, "target": x2, "y": y},
         _torch_fb(lambda a, b, c: F.margin_ranking_loss(a, b, c), x1, x2, y, grad=(True, True, False)), size * 3),
        ("cosine_embedding", {"pred": a, "target": p, "y": y_pair},
         _torch_fb(lambda a, b, c: F.cosine_embedding_loss(a, b, c), a, p, y_pair, grad=(True, True, False)),
         size * 2),
        ("contrastive", {"pred": a, "target": p, "y": (y_pair + 1) / 2},
         _torch_fb(lambda a, b, c: (c * F.pairwise_distance(a, b) ** 2 + (1 - c) * torch.relu(
             1 - F.pairwise_distance(a, b)) ** 2).mean(), a, p, (y_pair + 1) / 2, grad=(True, True, False)), size * 2),
        ("gaussian_nll", {"pred": x1, "target": x2, "var": var},
         _torch_fb(lambda a, b, c: F.gaussian_nll_loss(a, b, c), x1, x2, var, grad=(True, False, True)), size * 3),
        ("crps_ensemble", {"pred": ens, "target": obs},
         _torch_fb(lambda x, o: ((x - o[:, None]).abs().mean(1) - (x[:, :, None] - x[:, None, :]).abs().sum(
             (1, 2)) / (2 * M * M)).mean(), ens, obs, grad=(True, False)), size),
    ]
    return out


def batch_cases(n: int, rng: np.random.Generator) -> list[tuple[str, dict[str, Any], Callable[[], Any], float]]:
    a, p = rng.normal(size=(n, D)), rng.normal(size=(n, D))
    return [
        ("info_nce", {"pred": a, "target": p}, _torch_fb(
            lambda a, p: F.cross_entropy(F.normalize(a) @ F.normalize(p).T / 0.1, torch.arange(a.shape[0])), a, p,
            grad=(True, True)), n),
        ("nt_xent", {"pred": a, "target": p}, _torch_fb(_nt_xent, a, p, grad=(True, True)), n),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--batches", type=int, nargs="*", default=[1024, 4096])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'loss':<16} {'size':>9} {'losslab ms':>11} {'torch ms':>9} {'ratio':>6}")
    rows = [(s, c) for s in args.sizes for c in cases(s, rng)] + [(b, c) for b in args.batches
                                                                  for c in batch_cases(b, rng)]
    for size, (name, call, torch_run, _) in rows:
        loss = losslab.get(name)
        kwargs = dict(call)
        pred, target = kwargs.pop("pred"), kwargs.pop("target")
        wrt = list(loss.definition.wrt)
        ours = _time(lambda loss=loss, pred=pred, target=target, kwargs=kwargs, wrt=wrt: loss.value_and_grad(
            pred, target, wrt=wrt, **kwargs))
        ref = _time(torch_run)
        print(f"{name:<16} {size:>9} {1e3 * ours:>11.2f} {1e3 * ref:>9.2f} {ours / ref:>6.2f}")


if __name__ == "__main__":
    main()
