"""Running the lab: uvicorn on 127.0.0.1, the address printed, the browser opened.

On an address other machines can reach (``--host``), the lab asks for a token like Jupyter's: a secret made at
start, printed once in the address, then kept in a cookie (scripts send ``Authorization: Bearer``); see
:mod:`losslab.lab._security`.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import secrets
import socket
import sys
import threading
import time
import webbrowser
from typing import Any

from ._limits import Limits
from ._security import TOKEN_COOKIE, WILDCARD, host_name

__all__ = ["RateLimitedLog", "exposure_notice", "free_port", "is_loopback", "machine_addresses", "serve",
           "server_config", "url_for"]


def _is_wildcard(host: str) -> bool:
    """Whether ``host`` means every address of this machine (``0.0.0.0``, ``::``), as the request guard reads it."""
    return host_name(host) in WILDCARD


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the system picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def machine_addresses() -> tuple[str, ...]:
    """The names and addresses other machines may use for this one (its host name, its fully qualified name, the
    addresses they resolve to, and the address of the interface its traffic leaves by), loopback left out: the
    names a lab started with ``--host 0.0.0.0`` answers to besides loopback. Found without sending anything."""
    found: list[str] = []

    def add(name: str) -> None:
        name = name.strip().lower()
        if name and not is_loopback(name) and not _is_wildcard(name) and name not in found:
            found.append(name)

    # the interface a packet to the outside would leave by (a UDP "connect" only picks a route; nothing is sent)
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                add(str(s.getsockname()[0]).split("%")[0])
        except OSError:
            pass
    for name in (socket.gethostname(), socket.getfqdn()):
        add(name)
        try:
            for info in socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP):
                add(str(info[4][0]).split("%")[0])
        except (OSError, UnicodeError):
            pass
    return tuple(found)


def url_for(host: str, port: int, token: str | None = None, shown: str | None = None) -> str:
    """The address to print: ``shown`` (the name other machines use) or ``host``; 127.0.0.1 for a wildcard."""
    shown = shown or ("127.0.0.1" if _is_wildcard(host) else host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_notice(host: str, names: tuple[str, ...] = ()) -> str:
    """What a lab on ``host`` (not loopback) exposes, said once at start; ``names``: what a wildcard ``host``
    answers to besides loopback (:func:`machine_addresses`)."""
    wildcard = _is_wildcard(host)
    where = ("every address of this machine" if wildcard else host)
    listed = ", ".join(f"[{n}]" if ":" in n else n for n in names)
    names_said = ("" if not wildcard else f" It answers requests addressed to {listed} and to loopback; for another "
                  "name, start it with --host set to that name." if names else " It found no address of this machine "
                  "beyond loopback: start it with --host set to the name or address the other machines use.")
    return (f"warning: the lab listens on {where}, where other machines on the network can reach it. Whoever has "
            "the address above with its token can use all of it: train models on this computer, upload CSV files "
            "and read the uploaded files, run evidence. The traffic is plain HTTP, not encrypted: anyone on the "
            "network can read the token and the data. Use it on a network you trust; Ctrl+C stops it." + names_said)


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
          log_level: str = "warning", token: str | None = None) -> None:
    """Serve the lab until Ctrl+C. ``token``: the secret every request must carry; made at random when ``host``
    is not loopback and none is given (on loopback, none unless given)."""
    import uvicorn

    from ._app import create_app

    exposed = not is_loopback(host)
    if exposed and not token:
        token = secrets.token_urlsafe(24)
    if port == 0:
        port = free_port(host)
    elif port_in_use(host, port):
        raise OSError(errno.EADDRINUSE, f"port {port} on {host} is already in use; try --port 0 (any free port)")
    # requests for any other name are refused (DNS rebinding); on a wildcard (a class: --host 0.0.0.0) the names
    # and addresses of this machine are its names; the cookie's name holds the port (cookies ignore it)
    names = machine_addresses() if _is_wildcard(host) else ()
    app = create_app(limits, hosts=(host, *names), token=token or None, cookie=f"{TOKEN_COOKIE}_{port}")
    server = uvicorn.Server(server_config(app, host, port, limits, log_level))
    shown = next((n for n in names if _is_address(n)), None)  # the address students type (not a local name)
    url = url_for(host, port, token or None, shown=shown)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if not server.started:
            return
        print(f"losslab lab: {url}  (Ctrl+C to stop)", flush=True)
        if exposed:
            print(exposure_notice(host, names), file=sys.stderr, flush=True)
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
    concurrency = max(64, min(limits.max_connections, files - 128))
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, lifespan="on",
        ws="websockets-sansio" if _has_sansio() else "auto",
        http=_head_deadline_protocol(limits.header_seconds, shed_at=concurrency - concurrency // 8),
        timeout_keep_alive=max(1, round(limits.keep_alive_seconds)),
        limit_concurrency=concurrency,
        h11_max_incomplete_event_size=16 * 1024,
        backlog=1024,
    )
    _quiet_floods()  # after Config: it sets uvicorn's logging up
    return config


class RateLimitedLog(logging.Filter):
    """Let at most ``burst`` records of one kind (logger and first line of the message) through per ``window``
    seconds; the next one let through says how many were held back. A flood of failing connections (accept errors
    when the process runs out of files, malformed requests) then costs a few lines a minute, not megabytes."""

    def __init__(self, burst: int = 5, window: float = 60.0) -> None:
        super().__init__()
        self.burst, self.window = burst, window
        self._seen: dict[tuple[str, str], list[float]] = {}  # kind -> [window start, passed, held back]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, str(record.msg).split("\n", 1)[0][:80])
        now = time.monotonic()
        with self._lock:
            state = self._seen.get(kind)
            if state is None or now - state[0] > self.window:
                held = int(state[2]) if state is not None else 0
                if len(self._seen) > 1000:
                    self._seen.clear()
                self._seen[kind] = [now, 1, 0]
                if held:
                    record.msg = f"{record.msg} ({held} more like this in the last {self.window:g} s not logged)"
                return True
            if state[1] < self.burst:
                state[1] += 1
                return True
            state[2] += 1
            return False


_FLOOD_FILTER = RateLimitedLog()
FLOODED_LOGGERS = ("asyncio", "uvicorn.error", "uvicorn.protocols.http")


def _quiet_floods() -> None:
    for name in FLOODED_LOGGERS:
        logger = logging.getLogger(name)
        if _FLOOD_FILTER not in logger.filters:
            logger.addFilter(_FLOOD_FILTER)


def _head_deadline_protocol(seconds: float, shed_at: int | None = None) -> type:
    """uvicorn's h11 protocol with a deadline for each request head: a connection that opened (or got its previous
    answer) ``seconds`` ago and has not sent a whole request line and headers since is closed (slowloris).

    The deadline is armed while h11 waits for a head (their side IDLE) and disarmed once a head arrived; a body's
    deadline is the app's (``BodyLimit``), and a WebSocket, once upgraded, is no longer this protocol's.

    With ``shed_at``: when a new connection makes more than ``shed_at`` open ones, the one that has waited longest
    for a head (half-open, or idle between requests) is closed. Many half-open connections then never hold all the
    files the process may open: a new client is accepted and answered at once, not after the deadline.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting: dict[Any, None] = {}  # the connections waiting for a head, oldest first

    class HeadDeadlineH11(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def _waits(self, yes: bool) -> None:
            waiting.pop(self, None)
            if yes:
                waiting[self] = None

        def _shed_the_oldest(self) -> None:
            if shed_at is None or len(self.connections) <= shed_at:
                return
            for other in waiting:
                if other is not self:
                    waiting.pop(other, None)
                    other.connections.discard(other)  # counted out now; its socket closes in a moment
                    other.transport.abort()
                    return

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
                self._waits(False)
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_deadline()
            self._waits(True)
            self._shed_the_oldest()

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:
                self._disarm_head_deadline()
                self._waits(False)

        def on_response_complete(self) -> None:
            self._arm_head_deadline()  # the next request's head; a pipelined one disarms it at once
            self._waits(True)
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_deadline()
            self._waits(False)
            super().connection_lost(exc)

    return HeadDeadlineH11


def _has_sansio() -> bool:
    try:
        import uvicorn.protocols.websockets.websockets_sansio_impl  # noqa: F401
    except ImportError:
        return False
    return True
