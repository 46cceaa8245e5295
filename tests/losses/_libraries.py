"""The reference libraries of the test_reference_<name>.py files, in float64: JAX (optax, Keras on JAX) with x64
switched on for the block only, and Keras's epsilon set for the block only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest


@contextmanager
def x64() -> Iterator[Any]:
    """JAX in float64 inside the block (``jax`` is yielded); skips the test where JAX is not installed."""
    jax = pytest.importorskip("jax")
    with jax.enable_x64(True):
        yield jax


@contextmanager
def keras_epsilon(value: float) -> Iterator[Any]:
    """Keras (yielded) with ``keras.config.epsilon()`` set to ``value`` inside the block, in float64."""
    with x64():
        keras = pytest.importorskip("keras")
        before, floatx = keras.config.epsilon(), keras.config.floatx()
        keras.config.set_epsilon(value)
        keras.config.set_floatx("float64")
        try:
            yield keras
        finally:
            keras.config.set_epsilon(before)
            keras.config.set_floatx(floatx)


def as_numpy(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)
