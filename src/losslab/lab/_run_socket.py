"""The WebSocket of a run (``/api/runs/{id}/stream``): the run's state first, then a frame whenever something
changed, at most ``Limits.frames_per_second`` of them per second; the page's commands (play, pause, step, reset,
set) come back the same way and go to :meth:`LabRun.control`.

The protocol lives apart from the run's state (``lab._run_state``) and from the server's bounds on runs
(``lab._runs``): a closed socket cancels its run, through the ``cancel`` the manager hands in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from ..errors import LossInputError
from ._errors import MAX_JSON_DEPTH, LabError, json_depth, json_safe, validation_error
from ._models import RunControl
from ._run_state import LabRun

_log = logging.getLogger("losslab.lab")

LOOK_SECONDS = 0.1
"""The longest a stream waits without looking at its run (the run wakes it when it has news)."""


async def stream(websocket: WebSocket, run_id: str, runs: Mapping[str, LabRun], frames_per_second: float,
                 cancel: Callable[[str], None]) -> None:
    """Send the state of ``runs[run_id]``, then a frame whenever something changed (paced), and obey the page's
    commands.

    The run is cancelled (``cancel(run_id)``) when the socket closes: a closed page stops its training.
    """
    await websocket.accept()
    run = runs.get(run_id)
    if run is None or run.attached:
        reason = "no open run with this id" if run is None else "another page already streams this run"
        error = LossInputError("lab", "run_id", "the id of an open run that no other page streams",
                               repr(run_id), reason)
        await websocket.send_json(json_safe({"type": "error", "error": error.to_dict()}))
        await websocket.close(code=4404 if run is None else 4409)
        return
    run.attached = True
    period = 1.0 / max(frames_per_second, 1.0)
    # The run wakes the stream when it has something new (an epoch, a change of state), so that a frame leaves as
    # soon as it exists and a stream with nothing to send costs nothing (40 streams looking 60 times a second
    # were a few per cent of a classroom server); a look every LOOK_SECONDS catches anything else.
    loop = asyncio.get_running_loop()
    news = asyncio.Event()
    idle = False  # the stream waits for news: only then is it woken (a wake-up per epoch would cost the loop)

    def wake() -> None:
        if idle:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
                loop.call_soon_threadsafe(news.set)

    run.listen(wake)
    try:
        await websocket.send_json(await asyncio.to_thread(run.snapshot, True))
        receiver = asyncio.create_task(_receive(websocket, run))
        try:
            while not receiver.done():
                started = time.monotonic()
                news.clear()
                if run.closed:
                    await websocket.send_json({"type": "closed", "id": run.id})
                    break
                # playing, a frame is cheap (the training thread drew it); standing still, it may not be
                frame = run.frame() if run.playing() else await asyncio.to_thread(run.frame)
                if frame is not None:
                    await websocket.send_json(frame)
                await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))  # at most one frame a period
                idle = True  # first say so, then look: news that comes after the look wakes the stream
                try:
                    if not news.is_set() and not run.has_news():
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(news.wait(), LOOK_SECONDS)
                finally:
                    idle = False
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await receiver
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        run.listen(None)
        run.attached = False
        run.detached_at = time.monotonic()
        if run_id in runs:
            with contextlib.suppress(LabError):
                cancel(run_id)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()


MAX_MESSAGE_CHARS = 4096
"""The longest command the socket reads (a command is a few short fields); a longer one is answered with an
error, like any other malformed message."""


def _refusal(argument: str, expected: str, got: str, hint: str | None = None) -> dict[str, Any]:
    error = LossInputError("lab", argument, expected, got, hint)
    return {"type": "error", "error": error.to_dict()}


def _parse(message: Mapping[str, Any]) -> Any:
    """The command in a WebSocket message, or raise :class:`LabError` saying why it is none (never anything else)."""
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise LabError(400, "message", "a JSON command as text", f"{len(data)} bytes that are not UTF-8",
                           'send {"action": "play"} (or pause, step, reset, set)') from None
    if len(text) > MAX_MESSAGE_CHARS:
        raise LabError(400, "message", f"a JSON command of at most {MAX_MESSAGE_CHARS} characters",
                       f"{len(text)} characters")
    if json_depth(text.encode("utf-8", "surrogatepass")) > MAX_JSON_DEPTH:
        raise LabError(400, "message", f"JSON nested at most {MAX_JSON_DEPTH} deep", "deeper JSON")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise LabError(400, "message", "a JSON command", repr(text[:80]) + ("…" if len(text) > 80 else ""),
                       'send {"action": "play"} (or pause, step, reset, set)') from None


async def _receive(websocket: WebSocket, run: LabRun) -> None:
    """Obey the page's commands. A malformed one (not JSON, the wrong shape, an unknown action) is answered with an
    error message and the run goes on; only a closed socket ends this loop."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        answer: dict[str, Any] | None = None
        command: Any = None
        try:
            command = _parse(message)
            cmd = RunControl.model_validate(command)
            await asyncio.to_thread(run.control, cmd)
        except ValidationError as exc:
            from fastapi.exceptions import RequestValidationError

            error = validation_error(RequestValidationError(exc.errors()))
            answer = {"type": "error", "error": error.to_dict()}
        except LabError as exc:
            answer = {"type": "error", "error": exc.error.to_dict()}
        except LossInputError as exc:
            answer = {"type": "error", "error": exc.to_dict()}
        except Exception as exc:  # a bug, not the page's fault: say so and keep the run
            _log.exception("the command %r to run %s failed", command, run.id)
            answer = _refusal("message", "a command the lab can carry out",
                              f"an internal error ({type(exc).__name__})", "this is a bug in the lab")
        if answer is not None:
            await websocket.send_json(json_safe(answer))
        if cmd_is_reset(command):
            await websocket.send_json(await asyncio.to_thread(run.snapshot, True))


def cmd_is_reset(message: Any) -> bool:
    """Whether the page asked for a reset: then it gets the whole state again (a new version, epoch 0)."""
    return isinstance(message, dict) and message.get("action") == "reset"
