"""The lab's request checks, as one pure-ASGI middleware in front of everything else (HTTP and WebSocket).

The lab listens on this machine, but any web page the user opens can send requests to it, and a page whose name
is rebound to 127.0.0.1 (DNS rebinding) can even read the answers. So, before any route sees a request:

1. **Host**: only 127.0.0.1, localhost, [::1] (any port) and the ``--host`` the server was started with; anything
   else is answered 421 (a WebSocket handshake is closed with 1008 before it is accepted: the server answers 403).
2. **Cross-site requests**: a state-changing request (POST, PUT, PATCH, DELETE) and every WebSocket handshake are
   refused (403) when ``Origin`` is present and is not the lab's own origin (the scheme and the ``Host`` the request
   was sent to), or when ``Sec-Fetch-Site`` says ``cross-site`` or ``same-site``. Scripts and ``curl`` send
   neither header and pass.
3. **Uploads**: the upload paths take only ``Content-Type: text/csv`` (a ``charset`` is fine): ``text/plain``, a
   form or no type — what a page may send cross-site without asking first — is refused (415).
4. **Token** (only when the lab listens on an address other machines can reach, ``--host``): every request, the
   WebSocket handshake included, must carry the server's secret token, as ``?token=`` (the address the server
   printed; the answer then sets a cookie, and the page ``/`` is reloaded without the token in its address), as an
   ``Authorization: Bearer`` header (scripts) or as that cookie; anything else gets 401 (a handshake is closed with
   1008). Like Jupyter's token: whoever has the printed address may use the lab, nobody else.
5. **Headers**: every HTTP answer carries a Content-Security-Policy that allows only the lab's own files,
   ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and ``Cross-Origin-Opener-Policy``.

Every refusal is the lab's JSON error (``{"error": {loss, argument, expected, got, hint, message}}``). The checks
read the request's headers only: nothing is kept between requests.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import LossInputError
from ._errors import error_body

__all__ = ["LOOPBACK_HOSTS", "TOKEN_COOKIE", "RequestGuard", "content_security_policy", "host_name"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSS_SITE = frozenset({"cross-site", "same-site"})
WILDCARD = frozenset({"0.0.0.0", "[::]", ""})
# Vega compiles its expressions with ``Function`` (the shipped bundle has no CSP-safe interpreter), so the page's
# scripts need 'unsafe-eval'; everything else is the lab's own files.
SCRIPT_SRC = "'self' 'unsafe-eval'"
_SHOWN = 200  # at most this many characters of a header are quoted back
TOKEN_COOKIE = "losslab_token"
"""The cookie that carries the token after the first request (its name gets the port: cookies ignore ports, and
two labs on one machine must not overwrite each other's)."""


def host_name(host: str) -> str:
    """``host`` as it appears in a ``Host`` header, without a port: lower case, an IPv6 address in brackets."""
    host = host.strip().lower()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return host


def _split_host(value: str) -> tuple[str, str] | None:
    """``(name, port)`` of a ``Host`` header (port ``""`` when absent); ``None`` when it is malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:]
    else:
        name, _, port = value.partition(":")
        if ":" in port:
            return None
    if port and not (port.isascii() and port.isdigit() and len(port) <= 5):
        return None
    return name, port


def content_security_policy(host: str) -> str:
    """The page's policy: its own scripts, styles, images and connections (``host`` is the ``Host`` it was asked
    for, so the WebSocket is allowed by name), no frames, no plugins, no base or form elsewhere."""
    return ("default-src 'self'; "
            f"script-src {SCRIPT_SRC}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; "
            f"connect-src 'self' ws://{host}; "
            "object-src 'none'; "
            "frame-ancestors 'none'; "
            "base-uri 'none'; "
            "form-action 'self'")


def _shown(value: str) -> str:
    value = "".join(ch if ch.isprintable() else "?" for ch in value[:_SHOWN])
    return repr(value)


class RequestGuard:
    """Pure-ASGI middleware: the Host allow-list, the cross-site checks, the upload type and the security headers.

    ``hosts`` are extra host names the lab answers to (the ``--host`` it was started with); ``csv_only`` the paths
    whose POST body must be ``text/csv``; ``token``, when given, the secret every request must carry (``cookie``
    names the cookie that keeps it in the browser).
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str] = (), csv_only: Iterable[str] = (),
                 token: str | None = None, cookie: str = TOKEN_COOKIE) -> None:
        self.app = app
        names = {host_name(h) for h in (*LOOPBACK_HOSTS, *hosts)}
        self.hosts = frozenset(names - WILDCARD)
        self.allowed = " or ".join(sorted(self.hosts))
        self.csv_only = frozenset(csv_only)
        self.token = token.encode() if token else None
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        refusal = self._host_refusal(host)  # first: a rebound name learns nothing, not even that a token is asked
        set_cookie = False
        if refusal is None and self.token is not None:
            refusal, set_cookie = self._token_check(scope, headers)
        if refusal is None:
            refusal = self._refusal(scope, headers, host)
        if refusal is not None:
            status, error = refusal
            if kind == "http":
                challenge = [(b"www-authenticate", b'Bearer realm="losslab lab"')] if status == 401 else []
                await _send_error(send, status, error, challenge)
            else:
                await _refuse_websocket(receive, send, status, error)
            return
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        extra = _security_headers(host)
        if set_cookie:
            extra.append((b"set-cookie", self._cookie_header()))
            if scope.get("method") == "GET" and scope.get("path") == "/":
                await self._reload_without_token(scope, send, extra)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                   *((k, v) for k, v in extra if k not in present)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _host_refusal(self, host: str) -> tuple[int, LossInputError] | None:
        parts = _split_host(host) if host else None
        if parts is None or parts[0] not in self.hosts:
            got = _shown(host) if host else "no Host header"
            return 421, LossInputError(
                "lab", "Host", f"the lab's own address ({self.allowed}, with its port)", got,
                "open the lab at the address it printed (http://127.0.0.1:PORT/); to reach it under another name, "
                "start it with --host NAME")
        return None

    def _refusal(self, scope: Scope, headers: dict[str, str], host: str) -> tuple[int, LossInputError] | None:
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else str(scope.get("method", "GET")).upper()
        if websocket or method in STATE_CHANGING:
            what = "a WebSocket" if websocket else f"a {method} request"
            origin = headers.get("origin")
            scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
            own = f"{scheme}://{host.strip().lower()}"
            if origin is not None and origin.strip().lower() != own:
                return 403, LossInputError(
                    "lab", "Origin", f"{what} from the lab's own page ({own}) or from a script with no Origin",
                    _shown(origin),
                    "another web site cannot change the lab: open the lab's own page, or call the API from a script")
            fetch_site = headers.get("sec-fetch-site")
            if fetch_site is not None and fetch_site.strip().lower() in CROSS_SITE:
                return 403, LossInputError(
                    "lab", "Sec-Fetch-Site", f"{what} from the lab's own page (same-origin or none)",
                    _shown(fetch_site),
                    "another web site cannot change the lab: open the lab's own page, or call the API from a script")
            if not websocket and method == "POST" and scope.get("path", "") in self.csv_only:
                ctype = headers.get("content-type", "")
                media = ctype.split(";", 1)[0].strip().lower()
                if media != "text/csv":
                    return 415, LossInputError(
                        "lab", "body", "the file's bytes as the request body, with Content-Type: text/csv",
                        _shown(ctype) if ctype else "no Content-Type",
                        "send the file itself with the header Content-Type: text/csv (not text/plain, not a form)")
        return None


    def _token_check(self, scope: Scope, headers: dict[str, str]) -> tuple[tuple[int, LossInputError] | None, bool]:
        """``(refusal, set_cookie)``: the token from the ``Authorization: Bearer`` header, the cookie or the query
        (``?token=``), compared in constant time; a token that came in the query is then set as the cookie."""
        assert self.token is not None
        auth = headers.get("authorization", "")
        scheme, _, credentials = auth.partition(" ")
        if scheme.lower() == "bearer" and self._matches(credentials.strip()):
            return None, False
        if self._matches(_cookie(headers.get("cookie", ""), self.cookie)):
            return None, False
        if self._matches(_query_token(scope)):
            return None, True
        presented = "a wrong token" if (auth or _query_token(scope) is not None) else "no token"
        return (401, LossInputError(
            "lab", "token", "the lab's token (the ?token=... of the address it printed, its cookie, or an "
                            "Authorization: Bearer header)", presented,
            "open the whole address the lab printed when it started (with ?token=...); scripts send the header "
            "Authorization: Bearer TOKEN")), False

    def _matches(self, value: str | None) -> bool:
        assert self.token is not None
        return value is not None and hmac.compare_digest(value.encode("utf-8", "surrogateescape"), self.token)

    def _cookie_header(self) -> bytes:
        assert self.token is not None
        # HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it
        return (f"{self.cookie}=".encode() + self.token + b"; Path=/; HttpOnly; SameSite=Strict")

    @staticmethod
    async def _reload_without_token(scope: Scope, send: Send, extra: list[tuple[bytes, bytes]]) -> None:
        """Answer the page's first request (``/?token=...``) with the cookie and a redirect to the same address
        without the token: the token stays out of the address bar, the history and the page's shared links."""
        rest = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
                if k != "token"]
        location = "/" + (f"?{urlencode(rest)}" if rest else "")
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0"),
                                (b"cache-control", b"no-store"), *extra]})
        await send({"type": "http.response.body", "body": b""})


def _query_token(scope: Scope) -> str | None:
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if key == "token":
            return value
    return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key == name:
            return value.strip().strip('"')
    return None


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (the first of repeated ones), decoded as Latin-1."""
    out: dict[str, str] = {}
    for key, value in scope.get("headers") or ():
        name = key.decode("latin-1").lower()
        if name not in out:
            out[name] = value.decode("latin-1")
    return out


def _security_headers(host: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", content_security_policy(host.strip().lower()).encode("latin-1")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
    ]


def _body(error: LossInputError) -> bytes:
    return json.dumps(error_body(error), ensure_ascii=True).encode()


async def _send_error(send: Send, status: int, error: LossInputError,
                      more: list[tuple[bytes, bytes]] | None = None) -> None:
    body = _body(error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
               (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"), *(more or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_websocket(receive: Receive, send: Send, status: int, error: LossInputError) -> None:
    """Refuse the handshake: close with 1008 (policy violation) before accepting; the server answers the
    handshake with 403. (An HTTP answer with the JSON error, ``websocket.http.response``, makes uvicorn log an
    error line for every refused handshake: a page could fill the log with them.) A browser shows the page neither
    the answer nor the reason, so the page says it in its own words, in its language (``socketFailure`` of
    ``static/js/api.js``: reload from the address the server printed, with its token)."""
    message: Any = await receive()
    if message.get("type") != "websocket.connect":
        return
    await send({"type": "websocket.close", "code": 1008, "reason": f"refused ({status}): {error.argument}"})
