"""Running the lab: uvicorn on 127.0.0.1, the address printed, the browser opened."""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
import webbrowser

from ._limits import Limits

__all__ = ["free_port", "serve", "url_for"]

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
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
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
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, ws="websockets-sansio"
                            if _has_sansio() else "auto", lifespan="on")
    server = uvicorn.Server(config)
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


def _has_sansio() -> bool:
    try:
        import uvicorn.protocols.websockets.websockets_sansio_impl  # noqa: F401
    except ImportError:
        return False
    return True
