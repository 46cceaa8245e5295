"""`losslab lab`: the command starts the server on 127.0.0.1, prints the address, and opens no browser if told."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from typer.testing import CliRunner

from losslab.cli import app


def test_lab_command_is_registered_with_its_options():
    result = CliRunner().invoke(app, ["lab", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--port", "--host", "--no-browser"):
        assert option in result.stdout
    assert "127.0.0.1" in result.stdout


def test_lab_command_serves_and_prints_its_address():
    env = {**os.environ, "BROWSER": "false", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "losslab.cli", "lab", "--port", "0", "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and "http://" not in line:
            line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        health = json.load(urllib.request.urlopen(f"{match.group(0)}api/health", timeout=10))
        assert health["ok"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_port_in_use_is_a_clear_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(app, ["lab", "--port", str(port), "--no-browser"])
    assert result.exit_code == 1
    assert "already in use" in result.stderr
