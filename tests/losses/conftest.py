"""Fixtures shared by the catalog's kernel tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from losslab.losses.fast import _blocks as _fast


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Blocks of a few dozen elements and dot products chunked by 16: small inputs cross many block boundaries."""
    monkeypatch.setattr(_fast, "BLOCK", 48)
    monkeypatch.setattr(_fast, "MIN_BLOCK", 16)
    monkeypatch.setattr(_fast, "SCRATCH_BUDGET", 160)
    monkeypatch.setattr(_fast, "_DOT_CHUNK", 16)
    monkeypatch.setattr(_fast, "_WHOLE_DOT", False)
    yield
