"""The examples in losslab.distill's docstrings and the T² table of docs/distill.md are computed, not typed."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from losslab import distill
from losslab.distill import _divergences

DOC = Path(__file__).resolve().parents[2] / "docs" / "distill.md"


@pytest.mark.parametrize("module", [distill, _divergences], ids=["package", "divergences"])
def test_the_docstring_examples_hold(module: object) -> None:
    result = doctest.testmod(module, verbose=False)  # type: ignore[arg-type]
    assert result.failed == 0 and result.attempted > 0


def _significant(x: float, like: str) -> str:
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{x:.{decimals}f}"


def test_the_t2_table_of_the_docs() -> None:
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", DOC.read_text("utf-8"), re.M)
    assert [r[0] for r in rows] == ["1", "2", "4", "8"]
    t, s = [0.6, 0.2, 0.2], [0.5, 0.3, 0.2]
    for temperature, kl, l1, kl_t2, l1_t2 in rows:
        plain = distill.kl_result(t, s, temperature=float(temperature))
        scaled = distill.kl_result(t, s, temperature=float(temperature), scale_t2=True)
        assert _significant(plain.value, kl) == kl
        assert _significant(float(abs(plain.grad).sum()), l1) == l1
        assert _significant(scaled.value, kl_t2) == kl_t2
        assert _significant(float(abs(scaled.grad).sum()), l1_t2) == l1_t2
