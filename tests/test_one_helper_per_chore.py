"""Each chore has one helper (docs/architecture.md, "Chores done once"): the trainer's sigmoid and plain data, the
classification figure's sigmoid, the palette of the figures and the lab, and the CSV text reader."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from losslab import _palette
from losslab._numeric import sigmoid
from losslab._tables import MISSING, TableError, csv_columns, csv_rows, read_csv_text
from losslab.training import load_dataset, make_objective


# --------------------------------------------------------------------------------------------------- the trainer
def test_the_objectives_sigmoid_head_is_the_stable_sigmoid() -> None:
    obj = make_objective("bce", load_dataset("moons"), output="sigmoid")
    assert obj.head == "sigmoid"
    z = np.array([[-1000.0], [-30.0], [0.0], [30.0], [1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        out = obj.output(z)
    np.testing.assert_array_equal(out, sigmoid(z))
    assert obj.output(z.astype(np.float32)).dtype == np.float32


def test_the_objective_describes_its_loss_as_plain_json() -> None:
    obj = make_objective("huber", load_dataset("diabetes"), loss_params={"delta": 2})
    described = obj.describe()
    assert described["params"] == {"delta": 2.0} and type(described["params"]["delta"]) is float
    json.dumps(described, allow_nan=False)


# --------------------------------------------------------------------------------------------------- the figures
def test_the_classification_figure_reads_margins_through_the_stable_sigmoid() -> None:
    pytest.importorskip("altair")
    import losslab
    from losslab.figures._classification import evaluate_binary

    x = np.array([-800.0, -5.0, 0.0, 5.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 1 / (1 + exp(800)) would overflow
        ce = evaluate_binary(losslab.get("bce"), x, "margin")
    assert np.all(np.isfinite(ce))
    np.testing.assert_allclose(ce[1:4], -np.log(sigmoid(x[1:4])), rtol=1e-12)


def test_the_figures_take_the_one_palette() -> None:
    pytest.importorskip("altair")
    from losslab import figures
    from losslab.figures import _theme

    assert _theme.PALETTE is _palette.PALETTE and figures.PALETTE is _palette.PALETTE
    assert len(_palette.PALETTE) == 8 and all(len(c) == 7 and c.startswith("#") for c in _palette.PALETTE)


# ------------------------------------------------------------------------------------------------ the CSV reader
def test_csv_text_is_parsed_strictly_with_blank_lines_left_out() -> None:
    assert csv_rows('a,b\n\n1,"x, y"\n  ,  \n2,z\n') == [["a", "b"], ["1", "x, y"], ["2", "z"]]
    with pytest.raises(TableError, match=r"data\.csv is not valid CSV"):
        csv_rows('a,b\n"1,2\n3,4\n', source="data.csv")
    with pytest.raises(TableError, match="empty"):
        read_csv_text("\n\n")


def test_csv_cells_are_numbers_text_or_missing() -> None:
    assert {"", "na", "nan", "null", "none"} <= MISSING
    rows = [["1", " a ", "5"], ["NA", "N/A", ""], [" inf ", "b"], ["2.5", "null", "7"]]
    cols = csv_columns(["n", "t", "short"], rows)
    n, t, short = cols["n"], cols["t"], cols["short"]
    assert n.dtype == np.float64 and n[0] == 1.0 and n[3] == 2.5 and math.isnan(n[1]) and math.isnan(n[2])
    assert t.dtype == object and t.tolist() == ["a", None, "b", None]
    assert short.dtype == np.float64 and short[0] == 5.0 and np.isnan(short[1:3]).all() and short[3] == 7.0
    same = read_csv_text("n;t\n1;a\nNone;b\n", delimiter=";")
    assert same["t"].tolist() == ["a", "b"] and same["n"][0] == 1.0 and math.isnan(same["n"][1])
