"""Settings every test run shares."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Keras 3 picks its backend when first imported: JAX (a dev dependency) rather than TensorFlow (not installed)
os.environ.setdefault("KERAS_BACKEND", "jax")


@pytest.fixture
def restore_catalog() -> Iterator[None]:
    """Losses a test registers (formula losses, user losses) are removed after it: the catalog as it was."""
    from losslab.losses import definitions, unregister

    before = {d.name for d in definitions()}
    yield
    for name in [d.name for d in definitions() if d.name not in before]:
        unregister(name)
