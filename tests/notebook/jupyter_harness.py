"""JupyterLab in headless Chromium, for the browser test of the widgets and benchmarks/bench_widget.py.

:class:`JupyterLab` starts ``.venv/bin/jupyter lab`` on a free port with a random token, its HOME and every
JUPYTER_* folder in a temporary directory (nothing of the user's Jupyter is read or written), and stops it.
:func:`open_notebook` writes a notebook there, opens it in Chromium (Playwright, Debian's ``chromium``) and runs
its first cell; :data:`MOVE_SLIDER` is the page script that moves the explorer's prediction slider and times each
move until the widget shows the answer to that move (``data-answered``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 90.0


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterLab:
    """``with JupyterLab(tmp) as lab: lab.url("lab/tree/x.ipynb")``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.root / "jupyter.log"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def __enter__(self) -> JupyterLab:
        home = self.root / "home"
        env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "IPYTHONDIR": str(home / "ipython"), "JUPYTER_PLATFORM_DIRS": "1",
               "PYTHONPATH": str(ROOT / "src")}
        work = self.root / "work"
        for d in (home, work):
            d.mkdir(parents=True, exist_ok=True)
        # no news, no update check: nothing in the page asks the network
        settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"checkForUpdates": False, "fetchNews": "false"}))
        cmd = [str(JUPYTER), "lab", "--no-browser", f"--IdentityProvider.token={self.token}", f"--port={self.port}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={work}", "--ServerApp.port_retries=0",
               "--LabApp.news_url=", "--LabApp.extension_manager=readonly"]
        if os.geteuid() == 0:  # the CI container runs as root
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
                                     cwd=work)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"jupyter lab did not answer within {START_TIMEOUT_S} s")

    @property
    def work(self) -> Path:
        return self.root / "work"

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def write_notebook(path: Path, sources: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)


def open_notebook(page: Any, lab: JupyterLab, name: str, sources: list[str], widget: str,
                  timeout_ms: int = 120_000) -> Any:
    """Write ``name`` with one code cell per source, open it, run all its cells and return the widget's root
    element (the CSS selector ``widget``) once it shows."""
    write_notebook(lab.work / name, sources)
    # a workspace of its own per notebook: two pages never share (or fight over) one layout
    page.goto(lab.url(f"lab/workspaces/{Path(name).stem}/tree/{name}"), timeout=timeout_ms)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    # the kernel is connected and idle (the status bar says so), then Run ▸ Run All Cells
    page.get_by_text("| Idle").first.wait_for(timeout=timeout_ms)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    try:
        return page.wait_for_selector(widget, timeout=timeout_ms)
    except Exception:
        page.screenshot(path=str(lab.root / f"{Path(name).stem}-failed.png"))
        raise


def launch(playwright: Any) -> Any:
    path = chromium()
    if path is None:
        raise RuntimeError("no chromium")
    args = list(CHROMIUM_ARGS)
    if os.geteuid() != 0:
        args.remove("--no-sandbox")
    return playwright.chromium.launch(executable_path=path, args=args)


MOVE_SLIDER = """async ([name, values, selector]) => {
  const root = document.querySelector(selector || '.ll-explorer');
  const input = root.querySelector(`input[data-ll="${name}"]`);
  const times = [];
  for (const v of values) {
    const want = String(Number(root.dataset.answered) + 1);
    const done = new Promise((resolve) => {
      const obs = new MutationObserver(() => {
        if (root.dataset.answered === want) { obs.disconnect(); resolve(); }
      });
      obs.observe(root, {attributes: true, attributeFilter: ['data-answered']});
    });
    const t0 = performance.now();
    input.value = String(v);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await done;
    times.push(performance.now() - t0);
  }
  const shown = root.querySelector('[data-ll="value"]');
  return {times, value: shown ? shown.textContent : null};
}"""

