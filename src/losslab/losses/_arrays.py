"""Array-namespace plumbing: one implementation for NumPy, PyTorch, JAX, Dask and any array-API library.

The losses are written against the Python array API standard (``xp.exp``, ``xp.where`` ...). This module
finds the namespace of the caller's arrays, converts lists, and picks the floating dtype the loss computes in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = Any  # an array of whichever array-API library the caller uses
Namespace = Any

__all__ = [
    "Array",
    "Namespace",
    "compute_dtype",
    "dtype_name",
    "float_dtype",
    "is_lazy",
    "is_numpy",
    "namespace_of",
    "on_blocks",
    "to_float",
]


def _is_array(x: object) -> bool:
    package = type(x).__module__.split(".")[0]
    return hasattr(x, "__array_namespace__") or package in {"numpy", "torch", "jax", "dask", "jaxlib"}


def namespace_of(*values: object) -> Namespace:
    """The array-API namespace of the first array among ``values`` (NumPy when all are lists or scalars)."""
    import array_api_compat

    arrays = [v for v in values if v is not None and _is_array(v) and not isinstance(v, np.generic)]
    if not arrays:
        return array_api_compat.array_namespace(np.empty(0))
    return array_api_compat.array_namespace(arrays[0])


def is_lazy(xp: Namespace) -> bool:
    """True for namespaces whose arrays are task graphs (Dask): their values are not known until computed."""
    return "dask" in getattr(xp, "__name__", "")


def is_numpy(xp: Namespace) -> bool:
    name = getattr(xp, "__name__", "")
    return name in {"numpy", "array_api_compat.numpy"}


def as_array(xp: Namespace, x: object) -> Array:
    """``x`` as an array of namespace ``xp`` (lists, scalars and NumPy arrays are converted)."""
    if is_lazy(xp) and isinstance(x, np.ndarray | list | tuple | int | float | np.generic):
        import dask.array as da

        return da.from_array(np.asarray(x))
    if _is_array(x) and not isinstance(x, np.generic):
        import array_api_compat

        if array_api_compat.array_namespace(x) is xp:
            # already an array of xp: use it as is (torch.asarray on a tensor that requires grad warns, and the
            # tensor must stay in the autograd graph anyway)
            return x
    return xp.asarray(x)


def float_dtype(xp: Namespace, pred: Array, target: Array) -> Any:
    """The dtype a loss computes in: the prediction's floating dtype; else the target's; else float64.

    The prediction decides because it is the array a model produced (and that a gradient flows into): a float32
    model stays float32 even when its targets arrive as a Python list of floats.
    """
    for a in (pred, target):
        if xp.isdtype(a.dtype, "real floating"):
            return a.dtype
    return xp.float64


def compute_dtype(xp: Namespace, dtype: Any) -> Any:
    """The dtype a loss computes in: float16 and bfloat16 are widened to float32, as PyTorch's autocast does for its
    loss functions (their 10- or 7-bit mantissas lose a loss's sums and logs: mse of 300 overflows float16)."""
    return xp.float32 if dtype_name(dtype) in {"float16", "bfloat16"} else dtype


def dtype_name(dtype: Any) -> str:
    """"float32" for NumPy's, PyTorch's or JAX's float32 alike."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype).rsplit(".", 1)[-1]


def to_float(xp: Namespace, x: Array, dtype: Any) -> Array:
    return x if x.dtype == dtype else xp.astype(x, dtype)


def on_blocks(xp: Namespace, x: Array, check: Callable[[Namespace, Array], None]) -> Array:
    """Run a value check on ``x``: now for eager arrays; block by block, at compute time, for lazy (Dask) arrays.

    For Dask the check becomes part of the task graph, so validating never forces a computation (or a second
    pass over data that does not fit in memory); a bad block raises the same ``LossInputError`` when computed.
    """
    if not is_lazy(xp):
        check(xp, x)
        return x
    import array_api_compat

    np_xp = array_api_compat.array_namespace(np.empty(0))

    def checked(block: np.ndarray, block_info: dict[Any, Any] | None = None) -> np.ndarray:
        from ..errors import LossInputError

        try:
            check(np_xp, block)
        except LossInputError as exc:
            # the check saw one chunk: its positions are relative to that chunk, so say where the chunk starts
            location = ((block_info or {}).get(0) or {}).get("array-location")
            if not location or all(start == 0 for start, _ in location):
                raise
            starts = tuple(start for start, _ in location)
            at = str(starts[0]) if len(starts) == 1 else "(" + ", ".join(str(s) for s in starts) + ")"
            raise LossInputError(exc.loss, exc.argument, exc.expected,
                                 f"{exc.got} within the chunk that starts at index {at}", exc.hint) from None
        return block

    return x.map_blocks(checked, dtype=x.dtype)
