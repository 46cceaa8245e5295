"""The lab in a classroom (issue 16): the page speaks the browser's language, a page that only shows the
classification lab holds no run, the teacher sets how many runs the server holds, and a busy server says so in the
user's language with what to do."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from losslab.cli import app as cli
from losslab.lab import Limits
from losslab.lab._texts import preferred_lang

from .conftest import LiveServer, make_client

READY = "body[data-ready=true]"
RUN = {"data": {"name": "moons", "n_samples": 100, "seed": 1}, "model": {"kind": "mlp", "hidden": [4]},
       "loss": "bce", "optimizer": "adam", "lr": 0.05, "batch_size": 20}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


# ------------------------------------------------------------------------------------------------ language
@pytest.mark.parametrize(("header", "lang"), [
    ("ja-JP,ja;q=0.9,en;q=0.8", "ja"), ("ja", "ja"), ("en-US,en;q=0.9,ja;q=0.8", "en"), ("fr-FR, ja;q=0.5", "ja"),
    ("fr, de", "en"), ("", "en"), (None, "en"), ("en;q=0.2, ja;q=0.7", "ja"), ("ja;q=0, en", "en"), ("ja;q=x", "en"),
])
def test_the_browsers_first_language_the_lab_speaks(header, lang):
    assert preferred_lang(header) == lang


def test_the_page_is_in_the_browsers_language_unless_the_address_says(client):
    ja = client.get("/", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert '<html lang="ja">' in ja.text and "Accept-Language" in ja.headers["vary"]
    assert '<html lang="en">' in client.get("/?lang=en", headers={"Accept-Language": "ja-JP"}).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de-DE"}).text


@pytest.mark.browser
def test_a_japanese_browser_gets_the_japanese_page(browser, live_server):
    context = browser.new_context(locale="ja-JP")
    pg = context.new_page()
    pg.goto(live_server.url)
    pg.wait_for_selector(READY, timeout=30_000)
    assert pg.evaluate("document.documentElement.lang") == "ja"
    assert JAPANESE.search(pg.locator("#panel-explorer h2").inner_text())
    assert "lang=" not in pg.url  # the browser chose it: a link made here opens in its reader's language
    # the address wins over the browser; a choice made on the page goes into the address
    pg.goto(live_server.url + "?lang=en")
    pg.wait_for_selector(READY, timeout=30_000)
    assert pg.locator("#panel-explorer h2").inner_text() == "1. Loss explorer"
    pg.goto(live_server.url)
    pg.wait_for_selector(READY, timeout=30_000)
    pg.click("button[data-lang='en']")
    pg.wait_for_function("new URL(location.href).searchParams.get('lang') === 'en'")
    context.close()


# ------------------------------------------------------------------------------------------------ runs
@pytest.mark.browser
def test_a_run_exists_only_once_play_or_step_is_pressed(browser):
    with LiveServer() as server:
        runs = server.server.config.app.state.runs.runs
        pg = browser.new_page()
        pg.goto(server.url + "?panel=classify")
        pg.wait_for_selector(READY, timeout=30_000)
        pg.wait_for_function("document.querySelector('#panel-classify .map-legend').textContent.length > 0")
        pg.wait_for_timeout(500)
        assert runs == {}  # the data are on the map, and nothing trains
        assert pg.locator("#panel-classify .run-state").inner_text() == "not started"
        pg.click("button[data-key='c.stepbtn']")
        pg.wait_for_function("document.querySelector('#panel-classify .epoch').textContent.endsWith('1')")
        assert len(runs) == 1
        pg.close()


def test_the_command_line_sets_the_runs_the_server_holds(monkeypatch):
    seen = {}

    def fake_serve(host, port, *, open_browser, limits):
        seen.update(limits=limits, open_browser=open_browser)

    monkeypatch.setattr("losslab.lab.serve", fake_serve)
    result = CliRunner().invoke(cli, ["lab", "--no-browser", "--max-runs", "40", "--max-runs-per-client", "2"])
    assert result.exit_code == 0, result.output
    assert seen["limits"].max_runs_total == 40 and seen["limits"].max_runs_per_client == 2
    CliRunner().invoke(cli, ["lab", "--no-browser"])
    assert seen["limits"] == Limits()
    assert CliRunner().invoke(cli, ["lab", "--max-runs", "0"]).exit_code != 0


@pytest.mark.parametrize(("lang", "words"), [("en", "Close another lab tab"), ("ja", "タブを閉じる")])
def test_a_busy_computer_is_told_what_to_do_in_its_language(lang, words):
    with make_client(max_runs_per_client=1, attach_seconds=100) as c:
        assert c.post("/api/runs", json={**RUN, "lang": lang}).status_code == 201
        r = c.post("/api/runs", json={**RUN, "lang": lang})
        assert r.status_code == 429 and r.headers["retry-after"] == "100"
        error = r.json()["error"]
        assert words in error["message"] and ("Play" if lang == "en" else "「再生」") in error["message"]
        assert error["argument"] == "runs" and "per client" in error["expected"]  # the fields stay for scripts


@pytest.mark.parametrize(("lang", "words"), [("en", "--max-runs"), ("ja", "混み合っています")])
def test_a_busy_server_is_told_in_the_users_language(lang, words):
    with make_client(max_runs_total=1, attach_seconds=100) as c:
        c.post("/api/runs", json=RUN)
        r = c.post("/api/runs", json={**RUN, "lang": lang})
        assert r.status_code == 429
        message = r.json()["error"]["message"]
        assert words in message
        assert bool(JAPANESE.search(message)) == (lang == "ja")


@pytest.mark.browser
def test_a_full_server_says_so_on_the_page_in_japanese(browser):
    with LiveServer(Limits(max_runs_total=1)) as server:
        first = browser.new_page()
        first.goto(server.url + "?panel=classify")
        first.wait_for_selector(READY, timeout=30_000)
        first.click("button[data-key='c.stepbtn']")
        first.wait_for_function("window.__lab.panels.get('classify').api.run.id")
        context = browser.new_context(locale="ja-JP")
        second = context.new_page()
        second.goto(server.url + "?panel=classify")
        second.wait_for_selector(READY, timeout=30_000)
        second.click("button[data-key='c.playbtn']")
        second.wait_for_selector("#status:not([hidden])")
        assert "混み合っています" in second.locator("#status").inner_text()
        assert second.locator("#panel-classify .run-state").inner_text() == "未開始"
        context.close()
        first.close()
