"""Computing a formula tree on arrays of any array-API namespace (NumPy, PyTorch, Dask, JAX).

One pass over the tree, each op from its row in :data:`._nodes.OPS`; a subtree shared by the value and its
derivatives is computed once per call (the memo is keyed by node identity). ``r`` and ``p`` are derived from the
prediction here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._nodes import OPS, Node

_NEEDS_ARRAYS = frozenset({"min", "max", "where"})
"""Ops whose array functions take no Python numbers in some namespaces (PyTorch); the others broadcast them."""

__all__ = ["evaluate", "evaluate_many"]


def evaluate_many(xp: Any, nodes: Sequence[Node], pred: Any, target: Any, params: Mapping[str, Any]) -> list[Any]:
    """Each of ``nodes`` computed at ``pred`` and ``target`` (same shape), sharing common subtrees."""
    env: dict[str, Any] = {"yhat": pred, "p": pred, "y": target}
    memo: dict[int, Any] = {}
    zero = None

    def ev(n: Node) -> Any:
        nonlocal zero
        key = id(n)
        hit = memo.get(key)
        if hit is not None:
            return hit
        if n.op == "num":
            out: Any = n.value
        elif n.op == "sym":
            if n.name == "r" and "r" not in env:
                env["r"] = pred - target
            out = env[n.name] if n.name in env else float(params[n.name])
        else:
            args = [ev(a) for a in n.args]
            arrays = [a for a in args if hasattr(a, "shape")]
            if not arrays:  # a constant subtree (log 2, a parameter's square): computed once, as a Python float
                out = float(OPS[n.op].compute(np, *(np.float64(a) for a in args)))
            else:
                if len(arrays) < len(args) and n.op in _NEEDS_ARRAYS:  # torch.minimum(tensor, 2.0) is refused
                    args = [a if hasattr(a, "shape") else xp.zeros_like(pred) + a for a in args]
                out = OPS[n.op].compute(xp, *args)
        memo[key] = out
        return out

    results = []
    for node in nodes:
        v = ev(node)
        if not hasattr(v, "shape") or getattr(v, "shape", None) != getattr(pred, "shape", None):
            if zero is None:
                zero = xp.zeros_like(pred)
            v = zero + v  # a constant (a derivative of 0, or 2 for r²'s second one) broadcast to the input
        results.append(v)
    return results


def evaluate(xp: Any, node: Node, pred: Any, target: Any, params: Mapping[str, Any]) -> Any:
    return evaluate_many(xp, [node], pred, target, params)[0]
