"""Settings every test run shares."""

from __future__ import annotations

import os

# Keras 3 picks its backend when first imported: JAX (a dev dependency) rather than TensorFlow (not installed)
os.environ.setdefault("KERAS_BACKEND", "jax")
