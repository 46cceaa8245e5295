"""Errors of the lab's server: every bad input becomes a 4xx answer whose body is ``LossInputError.to_dict()``.

The body of every error is ``{"error": {"loss", "argument", "expected", "got", "hint", "message"}}``: the catalog's
own words when a loss refused the numbers, and the same four questions (which part, which argument, what was
expected, what was got) for the lab's own checks (``loss`` is then ``"lab"``).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import LossInputError

__all__ = [
    "MAX_JSON_DEPTH",
    "BodyLimit",
    "LabError",
    "SafeJSONResponse",
    "WordedInputError",
    "error_body",
    "install_handlers",
    "json_depth",
    "json_safe",
]

MAX_JSON_DEPTH = 64
"""The deepest nesting of arrays and objects a JSON body may have (the lab's deepest is rows of numbers: 3)."""


class LabError(Exception):
    """A request the lab refuses, with its HTTP status and the catalog-shaped explanation."""

    def __init__(self, status: int, argument: str, expected: str, got: str, hint: str | None = None,
                 part: str = "lab", *, words: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.error = LossInputError(part, argument, expected, got, hint)
        self.words = words
        """The whole answer in the user's language, for people (the body's ``message``); the other fields stay
        the catalog's English words, for scripts."""
        self.headers = dict(headers or {})
        super().__init__(str(self.error))


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _safe_char(m: re.Match[str]) -> str:
    c = m.group()
    return "\ufffd" if "\ud800" <= c <= "\udfff" else f"\\x{ord(c):02x}"


def json_safe(value: Any) -> Any:
    """``value`` with every string made safe to encode and show: a lone surrogate (``'\\ud800'``, which UTF-8
    cannot encode) becomes U+FFFD and a control character its escape (``\\x1b``), in keys as in values."""
    if isinstance(value, str):
        if _UNSAFE.search(value) is None:
            return value
        # a valid pair of surrogates is one character again; what is left alone is replaced
        joined = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return _UNSAFE.sub(_safe_char, joined)
    if isinstance(value, Mapping):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def error_body(error: LossInputError) -> dict[str, Any]:
    out: dict[str, Any] = json_safe({"error": error.to_dict()})
    return out


class WordedInputError(LossInputError):
    """A :class:`LossInputError` whose ``message`` is a sentence of the lab's texts in the request's language
    (the other fields stay the library's, for scripts)."""

    def __init__(self, error: LossInputError, message: str) -> None:
        super().__init__(error.loss, error.argument, error.expected, error.got, error.hint)
        self.worded = message

    def to_dict(self) -> dict[str, str | None]:
        return {**super().to_dict(), "message": self.worded}


class SafeJSONResponse(JSONResponse):
    """Starlette's JSON answer, which never fails on a string UTF-8 cannot encode (a lone surrogate echoed from
    the request): such strings are made safe (:func:`json_safe`) instead of ending in a 500."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return super().render(json_safe(content))


_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")
# a string, closed or not (so that every quote starts a match that consumes what it scanned: linear time)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_BRACKETS = bytes(b for b in range(256) if b not in _OPEN | _CLOSE)


def json_depth(body: bytes) -> int:
    """The deepest nesting of ``[`` and ``{`` in a JSON text, counted on the raw bytes (strings left out), in
    linear time and without recursion: a body too deep is refused before any parser recurses into it."""
    brackets = _STRINGS.sub(b"", body).translate(None, _BRACKETS)
    if not brackets:
        return 0
    steps = np.frombuffer(brackets, dtype=np.uint8)
    depth = np.cumsum(np.where(np.isin(steps, list(_OPEN)), 1, -1))
    return int(depth.max())


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_TYPE_TAGS = ("float", "int", "str", "bool", "list[", "dict[", "function-", "literal[")


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and part.startswith(_TYPE_TAGS)


def _argument(loc: Sequence[Any]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path") and not _is_tag(p)]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out or "body"


def validation_error(exc: RequestValidationError) -> LossInputError:
    errors = exc.errors()
    first: dict[str, Any] = dict(errors[0]) if errors else {"loc": ("body",), "msg": "valid JSON", "input": None}
    loc: Sequence[Any] = tuple(first.get("loc") or ())
    argument = _argument(loc)
    expected = str(first.get("msg", "a valid value"))
    expected = expected.removeprefix("Value error, ").removeprefix("Input should be ")
    if any(_is_tag(p) for p in loc):
        expected = "a number, a list of numbers, or rows of numbers"
        errors = [e for e in errors if _argument(e.get("loc", ())) != argument]
        errors.insert(0, first)
    got = "nothing" if first.get("type") == "missing" else _short(first.get("input"))
    hint = f"{len(errors) - 1} more problem(s) in the same request" if len(errors) > 1 else None
    if first.get("type") in ("json_invalid", "model_attributes_type", "dict_type") and argument == "body":
        hint = "send a JSON object (Content-Type: application/json)"
    return LossInputError("lab", argument, expected, got, hint)


def install_handlers(app: FastAPI) -> None:
    """Map every refusal to a 4xx JSON answer with the catalog's message."""

    @app.exception_handler(LossInputError)
    async def _loss_input(request: Request, exc: LossInputError) -> JSONResponse:
        return SafeJSONResponse(error_body(exc), status_code=400)

    @app.exception_handler(LabError)
    async def _lab(request: Request, exc: LabError) -> JSONResponse:
        body = error_body(exc.error)
        if exc.words:
            body["error"]["message"] = json_safe(exc.words)
        return SafeJSONResponse(body, status_code=exc.status, headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return SafeJSONResponse(error_body(validation_error(exc)), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # a bug, not a bad input: the server's log has the traceback, the client a JSON answer all the same
        error = LossInputError("lab", "request", "a request the lab can answer",
                               f"{request.method} {request.url.path}: an internal error ({type(exc).__name__})",
                               "this is a bug in the lab; the server's log has the details")
        return SafeJSONResponse(error_body(error), status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        argument = "path" if exc.status_code in (404, 405) else "request"
        expected = {404: "an address the lab serves (see /openapi.json)",
                    405: "another HTTP method (see /openapi.json)"}.get(
            exc.status_code, "a valid request")
        error = LossInputError("lab", argument, expected, f"{request.method} {request.url.path}: {exc.detail}")
        return SafeJSONResponse(error_body(error), status_code=exc.status_code, headers=getattr(exc, "headers", None))


class BodyLimit:
    """ASGI middleware: refuse a request body over ``max_bytes`` with 413, whether or not it declares its length.

    ``large`` maps a few paths (the file upload) to a larger bound of their own. A body not received within
    ``seconds`` (a client that sends it slowly, or stops) is answered with 408; a JSON body nested deeper than
    :data:`MAX_JSON_DEPTH` with 400, before any parser sees it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, large: Mapping[str, int] | None = None,
                 seconds: float | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large = dict(large or {})
        self.seconds = seconds

    def _too_large(self, got: str, limit: int, upload: bool) -> bytes:
        hint = ("upload a smaller file: keep fewer rows or columns (the lab's bounds are listed at /api/limits)"
                if upload else "send fewer numbers (the lab's bounds are listed at /api/limits)")
        what = "a file" if upload else "a request body"
        error = LossInputError("lab", "body", f"{what} of at most {limit} bytes", got, hint)
        return json.dumps(error_body(error)).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        upload = path in self.large
        limit = self.large.get(path, self.max_bytes)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > limit or size < 0:
                await self._reject(send, f"{declared.decode(errors='replace')} bytes", limit, upload)
                return
        # Read the whole body first (it is small by construction), so that an oversized one never reaches the app.
        chunks: list[bytes] = []
        received = 0
        deadline = None if self.seconds is None else asyncio.get_running_loop().time() + self.seconds
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                await self._send_error(send, 408, LossInputError(
                    "lab", "body", f"the whole request body within {self.seconds:g} s",
                    f"{received} bytes by then", "send the request at once (the lab's bounds are at /api/limits)"))
                return
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await self._reject(send, f"more than {limit} bytes", limit, upload)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if self._is_json(headers) and json_depth(body) > MAX_JSON_DEPTH:
            await self._send_error(send, 400, LossInputError(
                "lab", "body", f"JSON nested at most {MAX_JSON_DEPTH} deep", f"nesting {json_depth(body)} deep",
                "the lab's requests hold numbers, lists of numbers or rows of numbers: send flatter JSON"))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _is_json(headers: Mapping[bytes, bytes]) -> bool:
        """A body FastAPI would parse as JSON: declared as JSON (``application/json``, ``…+json``) or untyped."""
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        return not kind or kind.endswith(b"json")

    async def _send_error(self, send: Send, status: int, error: LossInputError) -> None:
        body = json.dumps(error_body(error)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _reject(self, send: Send, got: str, limit: int, upload: bool) -> None:
        body = self._too_large(got, limit, upload)
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
