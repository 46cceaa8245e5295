"""Each test leaves the catalog as it found it: formula losses it registered are removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _catalog_restored(restore_catalog: None) -> Iterator[None]:  # restore_catalog: tests/conftest.py
    yield
