"""Figure 10: the recommendation's evidence, drawn from the advice's own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from losslab import figures
from losslab.advice import recommend
from losslab.errors import LossInputError


@pytest.fixture(scope="module")
def outlier_evidence():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=200)
    y = 2 * x + 1 + rng.normal(scale=0.5, size=200)
    y[:20] += 12
    return recommend((x.reshape(-1, 1), y), evidence=True, folds=3, epochs=40, seed=0).evidence.to_dict()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_evidence_figure_holds_the_cross_validated_numbers(outlier_evidence, lang, tmp_path):
    chart = figures.evidence(outlier_evidence, lang=lang)
    rows = chart.to_dict()["datasets"]["metrics"]
    for r in outlier_evidence["results"]:
        for key, value in r["metrics"].items():
            if key in outlier_evidence["columns"] and value is not None:
                row = next(x for x in rows if x["candidate"] == r["label"] and x["metric"] == key)
                assert row["mean"] == pytest.approx(value)
                assert row["recommended"] == (r["label"] == outlier_evidence["recommended"])
    assert any(row["deciding"] for row in rows)
    for ext in ("png", "svg"):
        figures.save(chart, tmp_path / f"evidence.{ext}")
        assert (tmp_path / f"evidence.{ext}").stat().st_size > 1000


def test_evidence_figure_refuses_empty_evidence():
    with pytest.raises(LossInputError, match="evidence"):
        figures.evidence({"results": [], "columns": []})
