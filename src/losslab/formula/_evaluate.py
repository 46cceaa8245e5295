"""Computing formula trees on arrays of any array-API namespace (NumPy, PyTorch, Dask, JAX).

The trees are flattened once into a :class:`Plan`: a list of steps in dependency order, a subtree shared by the
value and its derivatives appearing once (equal subtrees found by their structure), constant subtrees (log 2, a
parameter's square) folded to Python floats at run time. Running a plan is one loop over that list, each op from
its row in :data:`._nodes.OPS`; ``r`` and ``p`` are derived from the prediction here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._nodes import OPS, Node

__all__ = ["Plan", "evaluate", "evaluate_many", "plan"]

_NEEDS_ARRAYS = frozenset({"min", "max", "where"})
"""Ops whose array functions take no Python numbers in some namespaces (PyTorch); the others broadcast them."""


@dataclass(frozen=True)
class Plan:
    steps: tuple[tuple[str, Any, tuple[int, ...]], ...]  # (op, number or name, argument step indices)
    outputs: tuple[int, ...]


def plan(nodes: Sequence[Node]) -> Plan:
    """The steps that compute ``nodes``, each shared subtree once (by identity)."""
    index: dict[int, int] = {}
    seen: dict[tuple[Any, ...], int] = {}  # equal subtrees are one step, however they were built
    steps: list[tuple[str, Any, tuple[int, ...]]] = []

    def visit(n: Node) -> int:
        key = id(n)
        if key not in index:
            args = tuple(visit(a) for a in n.args)
            signature = (n.op, n.value if n.op == "num" else n.name, args)
            if signature not in seen:
                payload = n.value if n.op == "num" else n.name if n.op == "sym" else OPS[n.op]
                steps.append((n.op, payload, args))
                seen[signature] = len(steps) - 1
            index[key] = seen[signature]
        return index[key]

    outputs = tuple(visit(n) for n in nodes)
    return Plan(tuple(steps), outputs)


def run(xp: Any, p: Plan, pred: Any, target: Any, params: Mapping[str, Any]) -> list[Any]:
    vals: list[Any] = [None] * len(p.steps)
    for i, (op, payload, args) in enumerate(p.steps):
        if op == "num":
            vals[i] = payload
        elif op == "sym":
            if payload == "r":
                vals[i] = pred - target
            elif payload in ("yhat", "p"):
                vals[i] = pred
            elif payload == "y":
                vals[i] = target
            else:
                vals[i] = float(params[payload])
        else:
            a = [vals[j] for j in args]
            if not any(hasattr(v, "shape") for v in a):  # a constant subtree: a Python float
                vals[i] = float(payload.compute(np, *(np.float64(v) for v in a)))
            elif op in _NEEDS_ARRAYS and xp is not np and not all(hasattr(v, "shape") for v in a):
                # torch.minimum(t, 2.0) fails; NumPy takes the number as it is
                vals[i] = payload.compute(xp, *(v if hasattr(v, "shape") else xp.zeros_like(pred) + v for v in a))
            else:
                vals[i] = payload.compute(xp, *a)
    out = []
    for k in p.outputs:
        v = vals[k]
        if getattr(v, "shape", None) != getattr(pred, "shape", None):
            v = xp.zeros_like(pred) + v  # a constant (a derivative of 0, or 2 for r²'s second one) as an array
        out.append(v)
    return out


def evaluate_many(xp: Any, nodes: Sequence[Node], pred: Any, target: Any, params: Mapping[str, Any]) -> list[Any]:
    """Each of ``nodes`` computed at ``pred`` and ``target`` (same shape), sharing common subtrees."""
    return run(xp, plan(nodes), pred, target, params)


def evaluate(xp: Any, node: Node, pred: Any, target: Any, params: Mapping[str, Any]) -> Any:
    return evaluate_many(xp, [node], pred, target, params)[0]
