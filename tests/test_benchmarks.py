"""The benchmarks under benchmarks/ still load: each imports what it measures and the test helpers it borrows
(bench_lab.py failed to import for a stop after the browser flags moved to tests/conftest.py, and nothing said so).
Importing runs no measurement: every script measures under ``if __name__ == "__main__"``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD_ALL = """
import importlib.util, sys
from pathlib import Path
sys.path.insert(0, "benchmarks")
failed = []
for path in sorted(Path("benchmarks").glob("bench_*.py")):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        failed.append(f"{path.name}: {type(exc).__name__}: {exc}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_benchmark_script_loads():
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    assert len(scripts) >= 10
    for script in scripts:
        assert 'if __name__ == "__main__":' in script.read_text(encoding="utf-8"), script.name
    done = subprocess.run([sys.executable, "-c", LOAD_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
