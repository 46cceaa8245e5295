"""Loss is not accuracy: same accuracy, clearly different log loss, reproducibly."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losslab
from losslab.training import TrainingError, loss_vs_accuracy


def test_same_accuracy_very_different_log_loss():
    demo = loss_vs_accuracy(seed=0)
    assert demo.accuracy_a == demo.accuracy_b == 0.85
    assert demo.log_loss_b > 3 * demo.log_loss_a
    y = demo.y.astype(float)
    assert demo.log_loss_a == pytest.approx(float(losslab.get("bce")(demo.proba_a, y)))
    g = demo.groups()
    assert g["a_right"]["p_true"] > 0.85 and 0.35 <= g["a_wrong"]["p_true"] < 0.5  # confident / mildly wrong
    assert 0.5 < g["b_right"]["p_true"] < 0.62 and g["b_wrong"]["p_true"] < 0.05  # barely right / sure and wrong
    assert np.array_equal((demo.proba_a > 0.5) == (y == 1), demo.correct)
    assert np.array_equal((demo.proba_b > 0.5) == (y == 1), demo.correct)


def test_reproducible_and_explained():
    a, b = loss_vs_accuracy(seed=3), loss_vs_accuracy(seed=3)
    assert np.array_equal(a.proba_a, b.proba_a) and a.log_loss_b == b.log_loss_b
    assert not np.array_equal(a.proba_a, loss_vs_accuracy(seed=4).proba_a)
    text = a.explain("en")
    assert f"{a.log_loss_a:.3f}" in text and f"{a.log_loss_b:.3f}" in text and "85%" in text
    assert f"{a.log_loss_b:.3f}" in a.explain("ja") and "正解率" in a.explain("ja")
    data = json.loads(json.dumps(a.to_dict(lang="ja"), ensure_ascii=False, allow_nan=False))
    assert data["accuracy_a"] == data["accuracy_b"] and data["text"]["title"]
    with pytest.raises(TrainingError):
        loss_vs_accuracy(accuracy=0.4)
