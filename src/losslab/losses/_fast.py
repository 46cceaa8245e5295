"""NumPy fast path: cache-blocked kernels for large NumPy inputs (see ``Loss._run``).

``FAST`` maps a loss name to ``kernel(loss, pred, target, reduction, sample_weight, want_value, want_grad, out)``
returning ``(value, grad)`` (``None`` for what was not asked), or ``NotImplemented`` to hand the call to the
generic array-API path — which must then give the same numbers (to rounding) or raise the proper error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Kernel = Callable[..., Any]

FAST: dict[str, Kernel] = {}
