"""Each test leaves the catalog as it found it: formula losses it registered are removed afterwards."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("restore_catalog")
