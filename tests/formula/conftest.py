"""Each test leaves the catalog as it found it: formula losses it registered are removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from losslab.losses import definitions, unregister


@pytest.fixture(autouse=True)
def _catalog_restored() -> Iterator[None]:
    before = {d.name for d in definitions()}
    yield
    for name in [d.name for d in definitions() if d.name not in before]:
        unregister(name)
