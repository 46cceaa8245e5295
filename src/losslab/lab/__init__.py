"""The lab: losslab in the browser.

``losslab lab`` starts a small web server on this machine (127.0.0.1) and opens a page where a learner moves
predictions and targets, throws darts, drags points, and trains a classifier while watching its curves, its
decision boundary and the diagnosis, in English or Japanese. The page calls the catalog, the explanations, the
trainer and the figures through JSON endpoints; it computes no loss itself.

>>> from losslab.lab import create_app, Limits
>>> app = create_app(Limits(max_epochs=500))  # an ASGI app: uvicorn.run(app) or FastAPI's TestClient(app)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._limits import Limits

__all__ = ["Limits", "create_app", "serve"]


def create_app(limits: Limits | None = None, *, hosts: Iterable[str] = (), token: str | None = None,
               cookie: str = "losslab_token") -> Any:
    """The lab's FastAPI application (see :mod:`losslab.lab._app`); it answers requests sent to 127.0.0.1,
    localhost, [::1] and the names in ``hosts``, and with ``token`` only those that carry it (see
    :mod:`losslab.lab._security`)."""
    from ._app import create_app as _create

    return _create(limits, hosts=hosts, token=token, cookie=cookie)


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True, limits: Limits | None = None,
          log_level: str = "warning", token: str | None = None) -> None:
    """Run the lab with uvicorn until interrupted; print its address and open it in the browser. On an address
    other machines reach, every request needs a token (a random one unless ``token`` is given), printed in the
    address."""
    from ._serve import serve as _serve

    _serve(host, port, open_browser=open_browser, limits=limits, log_level=log_level, token=token)
