"""The names of the built-in data sets, and the spellings a user may type for them.

A module of their own because :class:`~losslab.training.data.Dataset` (whose description of a built-in set is
looked up by its name) needs them as much as the front (:func:`~losslab.training.data.load_dataset`), and the front
imports ``Dataset``: kept in either, they would make an import cycle.
"""

from __future__ import annotations

SKLEARN_DATASETS: tuple[str, ...] = ("iris", "wine", "breast_cancer", "digits", "diabetes")
"""The real data sets read from scikit-learn's bundled files (no download)."""

SYNTHETIC_DATASETS: tuple[str, ...] = (
    "outliers", "sine", "moons", "circles", "xor", "spirals", "blobs", "imbalanced",
)
"""The generated data sets; each has parameters (see :func:`dataset_params`) and a known truth."""

BUILTIN_DATASETS: tuple[str, ...] = SKLEARN_DATASETS + SYNTHETIC_DATASETS

_ALIASES = {"line": "outliers", "cancer": "breast_cancer", "two_moons": "moons", "spiral": "spirals",
            "imbalance": "imbalanced"}


def resolve(name: str) -> str:
    """A typed name -> the canonical name (lower case, ``_`` for ``-`` and spaces, aliases followed)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)
