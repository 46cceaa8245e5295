"""Running the lab: uvicorn on 127.0.0.1, the address printed, the browser opened."""

from __future__ import annotations

import asyncio
import errno
import socket
import sys
import threading
import time
import webbrowser
from typing import Any

from ._limits import Limits

__all__ = ["free_port", "serve", "server_config", "url_for"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the system picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def port_in_use(host: str, port: int) -> bool:
    """Whether someone listens on ``port``. The probe binds as uvicorn does (``SO_REUSEADDR``), so the sockets a
    stopped lab left in TIME_WAIT do not count: restarting on the same port works at once after Ctrl+C."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True, limits: Limits | None = None,
          log_level: str = "warning") -> None:
    import uvicorn

    from ._app import create_app

    if port == 0:
        port = free_port(host)
    elif port_in_use(host, port):
        raise OSError(errno.EADDRINUSE, f"port {port} on {host} is already in use; try --port 0 (any free port)")
    app = create_app(limits, hosts=(host,))  # requests for any other name are refused (DNS rebinding)
    server = uvicorn.Server(server_config(app, host, port, limits, log_level))
    url = url_for(host, port)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if not server.started:
            return
        print(f"losslab lab: {url}  (Ctrl+C to stop)", flush=True)
        if host not in LOOPBACK:
            print(f"warning: the lab is reachable from other machines on this network (it answers requests sent to "
                  f"{host} or to this machine's loopback names only)", file=sys.stderr, flush=True)
        if open_browser:
            try:
                webbrowser.open(url)
            except webbrowser.Error:  # pragma: no cover - no browser on this machine
                print("(no browser found: open the address above yourself)", flush=True)

    threading.Thread(target=announce, name="losslab-lab-announce", daemon=True).start()
    server.run()


def _open_files_allowed(wanted: int) -> int:
    """The process's bound on open files, raised towards ``wanted`` where the hard bound allows."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # pragma: no cover - not allowed here
            pass
    return wanted if soft == resource.RLIM_INFINITY else int(soft)


def server_config(app: Any, host: str, port: int, limits: Limits | None = None, log_level: str = "warning") -> Any:
    """uvicorn's settings for the lab, bounding slow and numerous clients: a deadline for each request head
    (``Limits.header_seconds``), a short keep-alive, a bound on a head's size (h11's 16 KiB), and a concurrency
    limit below the number of files the process may open (beyond it a request gets 503, not an accept error)."""
    import uvicorn

    limits = limits or Limits()
    files = _open_files_allowed(limits.max_connections + 256)
    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, lifespan="on",
        ws="websockets-sansio" if _has_sansio() else "auto",
        http=_head_deadline_protocol(limits.header_seconds),
        timeout_keep_alive=max(1, round(limits.keep_alive_seconds)),
        limit_concurrency=max(64, min(limits.max_connections, files - 128)),
        h11_max_incomplete_event_size=16 * 1024,
        backlog=1024,
    )


def _head_deadline_protocol(seconds: float) -> type:
    """uvicorn's h11 protocol with a deadline for each request head: a connection that opened (or got its previous
    answer) ``seconds`` ago and has not sent a whole request line and headers since is closed (slowloris).

    The deadline is armed while h11 waits for a head (their side IDLE) and disarmed once a head arrived; a body's
    deadline is the app's (``BodyLimit``), and a WebSocket, once upgraded, is no longer this protocol's.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadDeadlineH11(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def _arm_head_deadline(self) -> None:
            self._disarm_head_deadline()
            self._head_timer = self.loop.call_later(seconds, self._head_deadline_passed)

        def _disarm_head_deadline(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_deadline_passed(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_deadline()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm_head_deadline()

        def on_response_complete(self) -> None:
            self._arm_head_deadline()  # the next request's head; a pipelined one disarms it at once
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_deadline()
            super().connection_lost(exc)

    return HeadDeadlineH11


def _has_sansio() -> bool:
    try:
        import uvicorn.protocols.websockets.websockets_sansio_impl  # noqa: F401
    except ImportError:
        return False
    return True
