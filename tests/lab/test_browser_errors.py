"""The page's errors in its language (issue 16): every call of the page says the page's language, so that a refusal
of the server (HTTP or WebSocket) is shown in Japanese on the Japanese page, and in English after the switch."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ASK = """async () => {
  const api = await import('/static/js/api.js');
  const http = await api.getJSON('/api/runs/nope').then(() => null, (e) => e.message);
  const post = await api.postJSON('/api/compute', { loss: 'mse', pred: [1, 2], target: [1] })
    .then(() => null, (e) => e.message);
  const socket = await new Promise((resolve) => {
    const ws = new WebSocket(api.socketURL('/api/runs/nope/stream'));
    ws.addEventListener('message', (e) => { resolve(JSON.parse(e.data).error.message); ws.close(); });
  });
  return { http, post, socket };
}"""


def test_the_server_answers_the_page_in_its_language(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.goto(f"{live_server.url}?lang=ja")
    pg.wait_for_selector(READY, timeout=30_000)
    got = pg.evaluate(ASK)
    assert all(JAPANESE.search(m) for m in got.values()), got  # a Japanese page in an English browser
    pg.click("button[data-lang=en]")
    pg.wait_for_function("document.documentElement.lang === 'en'")
    got = pg.evaluate(ASK)
    assert not any(JAPANESE.search(m) for m in got.values()), got
    context.close()
