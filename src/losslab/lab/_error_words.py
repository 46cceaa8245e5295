"""Every error answer of the lab in the user's language (issue 16): the ``message`` of each refusal, HTTP or
WebSocket, is rewritten in the language the request asked for.

The language of a request is, in this order: its ``?lang=`` (the page's sockets), the ``lang`` of its JSON body,
its ``Accept-Language`` header (the page sends its own language there on every call), else English. The other
fields of the error (``loss``, ``argument``, ``expected``, ``got``, ``hint``) stay the library's English words,
for scripts; only ``message`` is for people.

The Japanese message is built from the same four parts. Each English part is matched against the patterns of
``texts/en.toml [errors.patterns]`` (``"at most {n} {what}"``) and written with the Japanese of the same key
(``"{what}は{n}個まで"``). A part no pattern knows is left out of the Japanese sentence rather than shown in English
(its English stays in its own field), so a message is Japanese whatever the error.

One ASGI middleware does it for every answer, whatever raised it (a route, the body limit, the request guard,
the WebSocket loop), so no raise site needs to know the language. An error carried inside an answer that succeeded
(an evidence run that failed, an export a target cannot take) is worded the same way, in the language of the rest
of that answer, by :func:`error_in` (a whole error) and :func:`sentence_in` (a lone English sentence), which the
routes that build such answers call.
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import LossInputError
from ..explain import texts as T
from . import _texts

__all__ = ["ErrorWords", "english_sentence", "error_in", "request_lang", "sentence_in", "translate", "worded"]

_MAX_BODY = 65536  # only the body's "lang" is read: a larger body falls back to the header
# English words in a row (separated by spaces, not by the commas of a list of names): an untranslated phrase
_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ -]+[A-Za-z]{2,})+")
_WORD = re.compile(r"[A-Za-z]{2,}")
# what is not prose: a code span, a path or address, a name with an underscore or a dot, a quoted value
_NOT_PROSE = re.compile(r"`[^`]*`|\S*/\S*|\S*[_.]\S*[A-Za-z]\S*|'[^']*'|\"[^\"]*\"")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def english_sentence(text: str) -> str | None:
    """The first untranslated English phrase (two words or more) of ``text``, if any; names, lists of names,
    quoted values, paths and code spans (``/api/limits``, ```losslab list```) do not count."""
    found = _PHRASE.search(_NOT_PROSE.sub(" ", text))
    return found.group() if found else None


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return T.normalize_lang(value)
    except LossInputError:
        return None


def request_lang(query: str | None, body: Any, accept_language: str | None) -> str:
    """The language of a request's error messages: ``?lang=``, else the JSON body's ``lang``, else the
    ``Accept-Language`` header's first language the lab speaks, else English."""
    chosen = _lang(query)
    if chosen is None and isinstance(body, Mapping):
        lang = body.get("lang")
        chosen = _lang(lang) if isinstance(lang, str) else None
    return chosen or _texts.preferred_lang(accept_language)


@functools.lru_cache(maxsize=4)
def _patterns(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """``(English regex, template in lang)`` per key of ``[errors.patterns]``, the most specific first (most
    literal characters), so that ``"at most {n} evidence runs at once on this server"`` wins over
    ``"at most {n} {what}"``."""
    en, out = _texts.flat("en"), _texts.flat(lang)
    rows = []
    for key, english in en.items():
        if not key.startswith("errors.patterns."):
            continue
        regex, literal = "", 0
        for text, field, _spec, _conv in string.Formatter().parse(english):
            regex += re.escape(text)
            literal += len(text)
            if field is not None:
                regex += f"(?P<{field}>.+?)"
        rows.append((literal, re.compile(regex + r"\Z", re.DOTALL), out[key]))
    rows.sort(key=lambda r: -r[0])
    return tuple((regex, template) for _, regex, template in rows)


def translate(text: str | None, lang: str, depth: int = 0) -> str | None:
    """``text`` (one English part of an error) in ``lang``, or None when no pattern knows it. A placeholder's
    value is itself translated when a pattern knows it ("numbers" → "数値"), else kept (a name, a number)."""
    if text is None or lang == "en":
        return text
    text = text.strip()
    words = _texts.flat(lang)
    if f"errors.words.{text}" in words:
        return words[f"errors.words.{text}"]
    for regex, template in _patterns(lang):
        found = regex.match(text)
        if found is None:
            continue
        values = {k: (translate(v, lang, depth + 1) if depth < 3 else None) or v for k, v in found.groupdict().items()}
        out = template.format(**values)
        if not english_sentence(out):
            return out
    # a value (a number, a quoted string, a list of names) is the same in every language; prose is not
    return None if english_sentence(text) or _is_word(text) else text


def _is_word(text: str) -> bool:
    """A lone English word of prose (``neither``), which a value or a name is not."""
    return bool(_WORD.fullmatch(text.strip()))


def _where(loss: str | None, lang: str) -> str:
    table = _texts.flat(lang)
    if loss and f"errors.where.{loss}" in table:
        return table[f"errors.where.{loss}"]
    try:
        return str(T.loss_text(str(loss), lang)["title"])
    except (LossInputError, KeyError, TypeError, ValueError):
        return str(loss)


def worded(error: Mapping[str, Any], lang: str) -> str:
    """The ``message`` of an error body's ``error`` in ``lang`` (English: the library's own sentence)."""
    message = str(error.get("message") or "")
    if lang == "en" or _JAPANESE.search(message):
        return message  # English, or already written in the user's language (the busy server, the LM panel)
    where = _where(error.get("loss"), lang)
    argument = str(error.get("argument") or "")
    expected = translate(error.get("expected"), lang)
    got = error.get("got")
    got_words = translate(str(got), lang) if got is not None else None
    hint = translate(error.get("hint"), lang) if error.get("hint") else None
    parts = [_texts.lab_text("errors.frame_expected" if expected else "errors.frame", lang,
                             where=where, argument=argument, expected=expected or "")]
    if got_words:
        parts.append(_texts.lab_text("errors.frame_got", lang, got=got_words))
    if hint:
        parts.append(_texts.lab_text("errors.frame_hint", lang, hint=hint))
    elif error.get("hint") or not (expected and (got_words or got is None)):
        parts.append(_texts.lab_text("errors.frame_details", lang))
    return "".join(parts)


def error_in(error: Mapping[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """An error (``LossInputError.to_dict()``) carried inside an answer that succeeded, with its ``message`` in
    ``lang`` as :func:`worded` writes a refusal's; its other fields unchanged. ``None`` stays ``None``."""
    if error is None:
        return None
    return {**error, "message": worded(error, lang)}


def sentence_in(text: str | None, lang: str, fallback: str) -> str | None:
    """A lone English sentence of an answer (a candidate's training error) in ``lang``: its words when a pattern
    of ``[errors.patterns]`` knows it, else the lab's sentence ``fallback`` (a key of the texts), so that a page in
    another language shows no English prose. English, ``None`` and text already in ``lang`` pass unchanged."""
    if text is None or lang == "en" or _JAPANESE.search(text):
        return text
    return translate(text, lang) or _texts.lab_text(fallback, lang)


def _reworded(payload: Any, lang: str) -> Any:
    """An error answer (``{"error": {...}}`` or the socket's ``{"type": "error", "error": {...}}``) with its
    message in ``lang``; anything else unchanged (None)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("error"), dict):
        return None
    error = error_in(payload["error"], lang)
    if error is None or error["message"] == payload["error"].get("message"):
        return None
    return {**payload, "error": error}


class ErrorWords:
    """ASGI middleware: every JSON error answer (status ≥ 400) and every WebSocket error message, in the request's
    language (:func:`request_lang`). Answers that succeed pass through untouched (a socket's frames are checked
    only for their first bytes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        accept = headers.get("accept-language")
        if scope["type"] == "websocket":
            lang = request_lang(query, None, accept)
            await self.app(scope, receive, self._socket_send(send, lang) if lang != "en" else send)
            return
        body = bytearray()

        async def receive_body() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) <= _MAX_BODY:
                body.extend(message.get("body", b"")[: _MAX_BODY + 1 - len(body)])
            return message

        held: dict[str, Any] = {}

        async def send_worded(message: Message) -> None:
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"")
                if message["status"] >= 400 and b"json" in kind:
                    held["start"], held["body"] = message, b""
                    return
            elif message["type"] == "http.response.body" and "start" in held:
                held["body"] += message.get("body", b"")
                if message.get("more_body", False):
                    return
                content = self._http_body(held["body"], query, bytes(body), accept)
                start = held.pop("start")
                fixed = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
                fixed.append((b"content-length", str(len(content)).encode()))
                await send({**start, "headers": fixed})
                await send({"type": "http.response.body", "body": content, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive_body, send_worded)

    @staticmethod
    def _http_body(content: bytes, query: str | None, raw: bytes, accept: str | None) -> bytes:
        try:
            request = json.loads(raw) if raw and len(raw) <= _MAX_BODY else None
        except (ValueError, RecursionError):
            request = None
        lang = request_lang(query, request, accept)
        if lang == "en":
            return content
        try:
            payload = json.loads(content)
        except ValueError:
            return content
        new = _reworded(payload, lang)
        return content if new is None else json.dumps(new, ensure_ascii=False).encode()

    @staticmethod
    def _socket_send(send: Send, lang: str) -> Send:
        async def send_worded(message: Message) -> None:
            text = message.get("text") if message["type"] == "websocket.send" else None
            if text and text[:40].replace(" ", "").startswith('{"type":"error"'):
                new = _reworded(json.loads(text), lang)
                if new is not None:
                    message = {**message, "text": json.dumps(new, ensure_ascii=False, separators=(",", ":"))}
            await send(message)

        return send_worded
