"""The command line's bad-input corpus (issue 11): every expected failure is one line on stderr and exit code 2
(a file that cannot be read: 1), quoting at most ~200 characters of the user's input, never a traceback; usage
errors are one line plus where the help is."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from losslab.cli import app

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("pandas")

runner = CliRunner()
ENV = {"LANG": "C", "LC_ALL": "", "LC_MESSAGES": "", "LOSSLAB_DEBUG": ""}


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={**ENV, **(env or {})})


def one_line(result: Any, code: int = 2, *needles: str) -> str:
    """The single error line of a failed command, after checking the exit code and that nothing else was said."""
    err = result.stderr
    assert result.exit_code == code, (result.exit_code, err, result.stdout)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in err and "╭" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert len(lines[0]) < 700, len(lines[0])
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def csv(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> str:
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)  # type: ignore[operator]
    return str(path)


def score(path: str, *more: str) -> Any:
    return run("score", path, "--pred", "p", "--target", "t", "--no-progress", *more)


# ---------------------------------------------------------------------------------------- files that are not tables
def test_empty_file(tmp_path):
    one_line(score(csv(tmp_path, b"")), 2, "data.csv is empty")


def test_shift_jis_file(tmp_path):
    path = csv(tmp_path, "p,t,名前\n1,2,東京\n3,4,大阪\n".encode("shift_jis"))
    one_line(score(path), 2, "not UTF-8")


def test_shift_jis_after_an_ascii_header(tmp_path):
    path = csv(tmp_path, b"p,t,city\n" + "1,2,東京\n".encode("shift_jis") * 3)
    assert score(path).exit_code == 0  # a column that is not read is not decoded
    one_line(score(path, "--by", "city"), 2, "text at or after row 1 is not UTF-8")


def test_utf16_file(tmp_path):
    one_line(score(csv(tmp_path, "p,t\n1,2\n3,4\n".encode("utf-16"))), 2, "not UTF-8")


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    one_line(score(str(path)), 2, "cannot be read as Parquet")


def _peak(path: str) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        result = score(path)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_one_mebibyte_header_without_a_newline(tmp_path):
    small = csv(tmp_path, b"p" * (300 << 10), "small.csv")  # also past the limit: the same work but a third of it
    score(small)  # imports done before measuring
    _, baseline = _peak(small)
    result, peak = _peak(csv(tmp_path, b"p" * (1 << 20)))
    line = one_line(result, 2, "without a line break")
    assert len(line) < 200
    assert peak - baseline < (256 << 10), (peak, baseline)  # the line is never read whole


def test_a_long_header_is_clipped_when_quoted(tmp_path):
    path = csv(tmp_path, ",".join(f"column_{i}" for i in range(5000)) + "\n1\n")
    line = one_line(score(path), 2, "no column 'p'", "…")
    assert len(line) < 400


def test_control_characters_and_long_names_are_not_echoed_raw(tmp_path):
    path = csv(tmp_path, "p,t\n1,2\n")
    line = one_line(run("score", path, "--pred", "\x1b[31mred" + "x" * 5000, "--target", "t", "--no-progress"))
    assert "\x1b" not in line and "\\x1b" in line and "…" in line


# ---------------------------------------------------------------------------------------------------- bad columns
def test_text_in_the_weight_column(tmp_path):
    path = csv(tmp_path, "p,t,w\n1,2,1\n3,4,heavy\n")
    one_line(score(path, "--weight", "w"), 2, "row 2, column 'w'", "'heavy' is not a number")


def test_all_zero_weights_are_an_error_not_nan(tmp_path):
    path = csv(tmp_path, "p,t,w\n1,2,0\n3,4,0\n")
    one_line(score(path, "--weight", "w", "--json"), 2, "add up to 0")


def test_by_a_column_mixing_missing_cells_and_text(tmp_path):
    path = csv(tmp_path, "p,t,g\n1,2,a\n3,4,\n5,6,b\n7,7,\n")
    result = score(path, "--by", "g", "--json", "--batch-rows", "1")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["group_rows"] == {"a": 1, "b": 1, "nan": 2}
    assert out["groups"]["nan"]["mse"] == pytest.approx(0.5)


def test_batch_rows_zero(tmp_path):
    one_line(score(csv(tmp_path, "p,t\n1,2\n"), "--batch-rows", "0"), 2, "--batch-rows", "see 'losslab score --help'")


@pytest.mark.parametrize("batch_rows", ["1", "3", "1000"])
def test_positions_are_the_files_not_the_batchs(tmp_path, batch_rows):
    rows = ["1,2,1"] * 6 + ["oops,2,1"]
    path = csv(tmp_path, "p,t,w\n" + "\n".join(rows) + "\n")
    one_line(score(path, "--batch-rows", batch_rows), 2, "row 7, column 'p'", "'oops'")
    rows = ["1,2,1"] * 7 + ["1,2,-1"]
    path = csv(tmp_path, "p,t,w\n" + "\n".join(rows) + "\n", "neg.csv")
    line = one_line(score(path, "--weight", "w", "--batch-rows", batch_rows), 2, "neg.csv, row 8, column 'w' = -1")
    assert "index" not in line


def test_positions_in_parquet_row_groups(tmp_path):
    t = np.arange(10.0)
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"p": t, "t": t, "w": np.where(np.arange(10) == 8, -1.0, 1.0)}), path, row_group_size=3)
    one_line(score(str(path), "--weight", "w", "--batch-rows", "2"), 2, "row 9, column 'w'")


# ---------------------------------------------------------------------------------------------------------- .npy
def test_corrupt_npy(tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(b"\x93NUMPY garbage")
    one_line(run("compute", "mse", "--pred", str(path), "--target", "1,2"), 2, "not a readable .npy array")


class _Touch:
    """An object whose unpickling would create a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, tuple[Path]]:
        return (pathlib.Path.touch, (self.path,))


def test_pickled_npy_is_never_unpickled(tmp_path):
    sentinel = tmp_path / "pwned"
    path = tmp_path / "x.npy"
    np.save(path, np.array([_Touch(sentinel), None], dtype=object), allow_pickle=True)
    one_line(run("compute", "mse", "--pred", str(path), "--target", "1,2"), 2, "not a plain numeric .npy array")
    assert not sentinel.exists()


# -------------------------------------------------------------------------------------------- the boundary itself
def test_an_unreadable_file_is_exit_1(tmp_path, monkeypatch):
    from losslab.cli import _score

    def denied(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(_score, "_check_csv_header", denied)
    one_line(score(csv(tmp_path, "p,t\n1,2\n")), 1, "Permission denied")


def test_an_unexpected_error_is_one_line_unless_debugging(monkeypatch):
    from losslab.cli import _app

    def broken(task: str | None = None) -> list[Any]:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(_app, "catalog", broken)
    one_line(run("list"), 1, "unexpected RuntimeError: boom second line", "LOSSLAB_DEBUG")
    result = run("list", env={"LOSSLAB_DEBUG": "1"})
    assert isinstance(result.exception, RuntimeError)


# ------------------------------------------------------------------------------------------------- usage errors
def _commands() -> list[tuple[list[str], Any]]:
    found = []

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            found.append((path, command))

    walk(get_command(app), [])
    return found


COMMANDS = _commands()
_NUMBER_TYPES = (int, float, int | None, float | None)


def _number_option(command: Any) -> str | None:
    for param in command.params:
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        kind = type(getattr(param, "type", None)).__name__
        if (annotation in _NUMBER_TYPES or kind in {"IntParamType", "FloatParamType", "IntRange", "FloatRange"}) \
                and param.opts[0].startswith("--"):
            return str(param.opts[0])
    return None


def test_the_corpus_covers_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"list", "show", "compute", "explain", "score", "train", "compare", "lab", "recommend"} <= names
    assert sum(name.startswith("plot ") for name in names) >= 5


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_unknown_option(path):
    one_line(run(*path, "--no-such-option"), 2, "--no-such-option", f"see 'losslab {' '.join(path)} --help'")


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if any(x.required for x in c.params)], ids=" ".join)
def test_missing_required_option(path):
    one_line(run(*path), 2, "Missing", f"see 'losslab {' '.join(path)} --help'")


@pytest.mark.parametrize("path,option", [(p, _number_option(c)) for p, c in COMMANDS if _number_option(c)],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else str(v))
def test_not_a_number(path, option):
    one_line(run(*path, option, "abc"), 2, option, f"see 'losslab {' '.join(path)} --help'")


def test_not_a_number_in_values():
    one_line(run("compute", "mse", "--pred", "1,abc", "--target", "1,2"), 2, "'abc' is not a number")


def test_a_long_unknown_option_is_clipped():
    line = one_line(run("compute", "--" + "x" * 100_000), 2, "see 'losslab compute --help'")
    assert len(line) < 700


def test_no_arguments_still_prints_the_help():
    result = run()
    assert result.exit_code == 2 and "Usage" in result.stdout and "Traceback" not in result.stderr


# -------------------------------------------------------------------------------------------- real subprocesses
def _losslab() -> str:
    exe = Path(sys.executable).parent / "losslab"
    found = str(exe) if exe.exists() else shutil.which("losslab")
    if not found:
        pytest.skip("the losslab command is not installed")
    return found


@pytest.mark.parametrize(
    "make,args,code,needle",
    [
        (lambda d: (d / "empty.csv").write_bytes(b""), ["score", "empty.csv", "--pred", "p", "--target", "t"], 2,
         "empty"),
        (lambda d: (d / "x.npy").write_bytes(b"\x93NUMPY garbage"), ["compute", "mse", "--pred", "x.npy",
                                                                     "--target", "1"], 2, ".npy"),
        (lambda d: None, ["score", "x.csv", "--pred", "p", "--bogus"], 2, "see 'losslab score --help'"),
    ],
    ids=["empty-csv", "corrupt-npy", "unknown-option"],
)
def test_no_traceback_reaches_the_terminal(tmp_path, make, args, code, needle):
    make(tmp_path)
    proc = subprocess.run([_losslab(), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path)})
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "╭" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr
