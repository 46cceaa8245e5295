"""Settings every test run shares."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

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


# Debian's Chromium, headless and quiet (never a downloaded browser); one per test session, shared by the lab's
# and the notebook's browser tests: Playwright's sync API allows one running instance per thread
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("the browser tests need Chromium (apt-get install chromium)")
    args = [a for a in CHROMIUM_ARGS if a != "--no-sandbox" or os.geteuid() == 0]
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=args)
        yield b
        b.close()
