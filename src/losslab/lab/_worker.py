"""The evidence run of the "Choose a loss" panel, in a process of its own (``python -m losslab.lab._worker``).

The lab's server starts this module with the job on standard input (a pickle written by the server itself: the
table's columns, the target, the hints and the evidence options) and reads JSON lines from standard output:
``{"progress": fits done}`` after every fit, then one of ``{"done": result}``, ``{"error": LossInputError}`` or
``{"failed": text}``. Anything else the libraries print goes to standard error. Stopping the run is stopping this
process; nothing here outlives it.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
import threading
import time
from typing import Any

LANGS = ("en", "ja")


def run(job: dict[str, Any], send: Any) -> None:
    """Run the evidence of ``job`` and report through ``send(message)``."""
    from .. import training
    from .._jsonable import jsonable
    from ..advice import recommend
    from ..errors import LossInputError

    original = training.fit
    done = 0

    def counted(*args: Any, **kwargs: Any) -> Any:
        # counts the evidence's fits for the page's progress bar (this process does nothing else)
        nonlocal done
        try:
            return original(*args, **kwargs)
        finally:
            done += 1
            send({"progress": done})

    training.fit = counted
    try:
        rec = recommend(job["columns"], target=job["target"], features=job["features"], evidence=True,
                        lang=job["lang"], **job["hints"], **job["options"])
    except LossInputError as exc:
        send({"error": exc.to_dict()})
        return
    rec.source = job["name"]
    result: dict[str, Any] = {}
    for code in LANGS:
        data = rec.to_dict(code)
        ev = data.get("evidence")
        if ev is not None and rec.evidence is not None:
            ev["column_names"] = {c: rec.evidence.metric_name(c, code) for c in ev.get("columns", [])}
        result[code] = {"recommendation": data, "text": rec.to_text(code)}
    figure = None
    if rec.evidence is not None and rec.evidence.figure is not None:
        try:
            from ._figures import _spec

            figure = _spec(rec.evidence.figure)
        except Exception:  # the page asks for the figure again when it is missing
            figure = None
    send({"done": {"result": jsonable(result), "figure": jsonable(figure), "lang": job["lang"]}})


def _watchdog(limit: float) -> None:
    """End this process if the server that started it is gone, or well past the wall time the server allows (the
    server stops it itself; this covers a server that was killed)."""
    parent = os.getppid()
    started = time.monotonic()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent or time.monotonic() - started > limit + 10.0:
                os._exit(3)

    threading.Thread(target=watch, name="losslab-evidence-watchdog", daemon=True).start()


def main() -> int:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints of the libraries go to standard error, not into the answer
    sys.stdout = sys.stderr

    def send(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message, allow_nan=False) + "\n")
        channel.flush()

    try:
        job = pickle.load(sys.stdin.buffer)  # written by the lab's own server, never by a user
        _watchdog(float(job.get("limit", 3600.0)))
        run(job, send)
    except BaseException as exc:  # whatever happens is reported to the server
        text = str(exc).splitlines()[0] if str(exc) else ""
        with contextlib.suppress(Exception):
            send({"failed": f"{type(exc).__name__}: {text}"})
        return 1
    finally:
        channel.close()
    return 0


if __name__ == "__main__":  # pragma: no cover - run by the lab's server
    sys.exit(main())
