"""The cache key of a lab request: the lowest piece the lab's compute and figure modules share.

:func:`cache_key` turns a request's parts into one JSON string, so that equal requests (``1`` and ``1.0``
included) share one ``functools.lru_cache`` entry in :mod:`losslab.lab._compute` and :mod:`losslab.lab._figures`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["cache_key"]


def _norm(x: Any) -> Any:
    """Numbers as floats (so 1 and 1.0 share a cache entry), containers walked."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int | float):
        return float(x)
    if isinstance(x, Mapping):
        return {str(k): _norm(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_norm(v) for v in x]
    return x


def cache_key(*parts: Any) -> str:
    """``parts`` as one JSON string, numbers as floats and keys sorted: the key of a cached lab answer."""
    return json.dumps(_norm(list(parts)), sort_keys=True, default=str)
