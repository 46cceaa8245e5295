"""Language-model pieces of losslab.lm: the bigram's fit, chunked cross-entropy against the full logits, and the MLP.

1. Bigram fit on the 100 KB Hamlet excerpt (character tokens): encode + counts, best of ``--repeat``.
2. The output layer at N = 8192 tokens, V = 32000, hidden 256, float32, value and both gradients:
   :func:`losslab.lm.chunked_cross_entropy` (chunks of ``--chunk`` rows) against the full-logits path (``hidden @
   weight``, then the catalog's ``sparse_categorical_cross_entropy(from_logits=True).value_and_grad`` and the two
   matrix products of the chain rule), and PyTorch's ``F.cross_entropy`` on the full logits with ``backward()`` in
   the same run. Peak extra memory by ``tracemalloc`` (NumPy reports its buffers to it); targets: chunked at least
   8× less memory than the full path and at most 1.5× its time.
3. The MLP (context 6, hidden 64, Adam) on ja-synthetic: the wall time until its validation loss first goes below
   the bigram's.

    python benchmarks/bench_lm.py [--repeat 3] [--chunk 1024] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import losslab
from losslab import lm

N, V, D = 8192, 32000, 256


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def peak_bytes(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del result
    return peak


def bench_bigram(repeat: int) -> dict[str, Any]:
    text = lm.load_corpus("en-hamlet").text

    def fit() -> lm.Bigram:
        tok = lm.CharTokenizer.train(text)
        return lm.Bigram.fit(tok.encode(text), tok.vocab_size)

    return {"chars": len(text), "seconds": best_time(fit, repeat)}


def bench_output_layer(repeat: int, chunk: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    h = (rng.standard_normal((N, D)) / np.sqrt(D)).astype(np.float32)
    w = rng.standard_normal((D, V)).astype(np.float32)
    y = rng.integers(0, V, N)
    sce = losslab.get("sparse_categorical_cross_entropy", from_logits=True)

    def full() -> tuple[Any, ...]:
        value, gz = sce.value_and_grad(h @ w, y)
        return value, gz @ w.T, h.T @ gz

    def chunked() -> tuple[Any, ...]:
        value, (gh, gw) = lm.chunked_cross_entropy(h, w, y, chunk_size=chunk, return_grad=True)
        return value, gh, gw

    out: dict[str, Any] = {"N": N, "V": V, "hidden": D, "dtype": "float32", "chunk": chunk,
                           "full_logits_bytes": lm.logits_memory(N, V, 4)}
    v_full, gh_full, _ = full()
    v_chunk, gh_chunk, _ = chunked()
    out["value_full"], out["value_chunked"] = float(v_full), float(v_chunk)
    out["max_grad_diff"] = float(np.abs(gh_full - gh_chunk).max())
    del gh_full, gh_chunk
    out["peak_full"], out["peak_chunked"] = peak_bytes(full), peak_bytes(chunked)
    out["memory_ratio"] = out["peak_full"] / out["peak_chunked"]
    out["seconds_full"], out["seconds_chunked"] = best_time(full, repeat), best_time(chunked, repeat)
    out["time_ratio"] = out["seconds_chunked"] / out["seconds_full"]
    try:
        import torch
    except ImportError:
        return out
    th, tw, ty = torch.from_numpy(h), torch.from_numpy(w), torch.from_numpy(y)

    def torch_full() -> None:
        a, b = th.clone().requires_grad_(), tw.clone().requires_grad_()
        torch.nn.functional.cross_entropy(a @ b, ty).backward()

    out["seconds_torch"] = best_time(torch_full, repeat)
    out["torch_threads"] = torch.get_num_threads()
    return out


def bench_mlp() -> dict[str, Any]:
    stamps: list[float] = []
    started = time.perf_counter()
    run = lm.train("ja-synthetic", model="mlp", steps=1500, context=6, hidden=64, seed=0, eval_every=5,
                   callback=lambda step, loss: stamps.append(time.perf_counter() - started))
    bigram = run.references["bigram_val_loss"]
    assert bigram is not None
    below = [s for s, v in zip(run.history["val_step"], run.history["val_loss"], strict=True) if v < bigram]
    first = below[0] if below else None
    return {"bigram_val_loss": bigram, "final_val_loss": run.val.nats_per_token, "first_step_below": first,
            "seconds_to_beat_bigram": stamps[first - 1] if first else None, "seconds_total": run.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
              "bigram": bench_bigram(args.repeat), "output_layer": bench_output_layer(args.repeat, args.chunk),
              "mlp": bench_mlp()}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    b, o, m = report["bigram"], report["output_layer"], report["mlp"]
    print(f"bigram fit on {b['chars']:,} characters: {b['seconds'] * 1e3:.1f} ms")
    print(f"output layer N={o['N']} V={o['V']} d={o['hidden']} float32 (value + both gradients):")
    print(f"  full logits   {o['seconds_full']:.2f} s, peak extra {o['peak_full'] / 2**20:,.0f} MiB")
    print(f"  chunked {o['chunk']:>5} {o['seconds_chunked']:.2f} s, peak extra {o['peak_chunked'] / 2**20:,.0f} MiB")
    print(f"  memory {o['memory_ratio']:.1f}x less (target >= 8), time ratio {o['time_ratio']:.2f} (target <= 1.5)")
    if "seconds_torch" in o:
        print(f"  PyTorch F.cross_entropy + backward on the full logits: {o['seconds_torch']:.2f} s "
              f"({o['torch_threads']} threads)")
    print(f"  values {o['value_full']:.6f} / {o['value_chunked']:.6f}, max |grad diff| {o['max_grad_diff']:.2e}")
    print(f"MLP on ja-synthetic: below the bigram ({m['bigram_val_loss']:.4f}) at step {m['first_step_below']} "
          f"after {m['seconds_to_beat_bigram']:.2f} s; final val loss {m['final_val_loss']:.4f}")


if __name__ == "__main__":
    main()
