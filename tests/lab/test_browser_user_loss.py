"""The page builds its loss choices and sliders from the catalog in its boot payload: a loss the user registers,
with a slider parameter, is offered and drawn like a built-in; links written before keep their keys."""

from __future__ import annotations

import pytest

from .test_user_loss import STEEP, user_losses  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

READY = "body[data-ready=true]"


def open_page(page, live_server, query: str = "") -> None:
    page.goto(live_server.url + query)
    page.wait_for_selector(READY, timeout=20_000)


def test_a_registered_loss_gets_its_slider_and_its_curve(page, live_server, user_losses):  # noqa: F811
    open_page(page, live_server, f"?e.losses=mse,{STEEP}&e.steepness=0.7&e.pred=2&e.target=0")
    offered = page.eval_on_selector_all("fieldset[data-key='e.losses'] input", "xs => xs.map(x => x.value)")
    assert STEEP in offered and "huber" in offered
    slider = page.locator("input[data-key='e.steepness']")
    assert slider.is_visible() and slider.input_value() == "0.7"
    assert slider.get_attribute("max") == "1" and slider.get_attribute("step") == "0.1"
    # the readout holds the catalog's number: 0.7 * 2^2 = 2.8
    page.wait_for_function("document.querySelectorAll('#panel-explorer .readout tbody tr').length === 2")
    assert "2.8" in page.locator("#panel-explorer .readout").inner_text()
    # the slider moves the curve, through the catalog
    slider.fill("0.2")
    slider.dispatch_event("input")
    page.wait_for_function("document.querySelector('#panel-explorer .readout').textContent.includes('0.8')")
    page.wait_for_function("new URL(location.href).searchParams.get('e.steepness') === '0.2'")


def test_old_links_keep_their_parameter_keys(page, live_server):
    open_page(page, live_server, "?e.losses=huber,smooth_l1,quantile&e.delta=2&e.beta=0.5&e.q=0.9")
    assert page.locator("input[data-key='e.delta']").input_value() == "2"
    assert page.locator("input[data-key='e.beta']").input_value() == "0.5"
    assert page.locator("input[data-key='e.q']").input_value() == "0.9"
    open_page(page, live_server, "?e.task=classification&e.losses=binary_cross_entropy&e.ls=0.1")
    assert page.locator("input[data-key='e.ls']").input_value() == "0.1"
    assert page.locator("input[data-key='e.gamma']").is_hidden()  # focal is not chosen
    open_page(page, live_server, "?panel=classify&c.loss=binary_cross_entropy&c.ls=0.15&c.pw=3")
    assert page.locator("input[data-key='c.ls']").input_value() == "0.15"
    assert page.locator("input[data-key='c.pw']").input_value() == "3"
    assert page.locator("input[data-key='c.gamma']").is_hidden()
    open_page(page, live_server, "?panel=regression&r.losses=mse,huber,quantile&r.delta=2&r.q=0.8")
    assert page.locator("input[data-key='r.delta']").input_value() == "2"
    assert page.locator("input[data-key='r.q']").input_value() == "0.8"
    assert page.locator("input[data-key='r.beta']").is_hidden()  # smooth L1 is not chosen
