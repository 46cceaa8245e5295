"""The per-token next-token view as a widget: type a text and read, token by token, the probability the model gave
the true next token, its loss −ln p, the model's top guesses and the gradient on the logits (p − one-hot).

Every number is :func:`losslab.lm.token_view` (a trained model and its tokenizer) or :func:`losslab.lm.true_view`
(a synthetic language's true distribution), the same rows the lab's next-token panel shows; the mean and the
perplexity are :func:`losslab.lm.perplexity` of the rows' losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from .._jsonable import jsonable
from ..errors import LossInputError
from ..lm import LMRun, SyntheticLanguage, perplexity, token_view, true_view
from ._widget_base import CAUGHT, Widget, esm

__all__ = ["MAX_TEXT", "TokenWidget"]

MAX_TEXT = 2000
"""The longest text the widget reads (characters): every token is a row on the page."""


class TokenWidget(Widget):
    """``TokenWidget(run_or_language, text)``: the rows of the per-token view, the mean loss and perplexity."""

    SECTION = "tokens"
    _esm = esm("tokens.js")
    text = traitlets.Unicode("").tag(sync=True)
    top = traitlets.Int(5).tag(sync=True)
    rows: traitlets.List[Any] = traitlets.List().tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    def __init__(self, source: Any, text: str, *, top: int = 5, lang: str | None = None) -> None:
        if not isinstance(source, LMRun | SyntheticLanguage):
            raise TypeError("token_widget reads an LMRun (losslab.lm.train) or a SyntheticLanguage "
                            f"(losslab.lm.synthetic_language), not {type(source).__name__}")
        self._source = source
        self._ready = False
        super().__init__(lang=lang, text=text, top=top)
        self._ready = True
        self.refresh()

    @traitlets.observe("text", "top")
    def _typed(self, change: dict[str, Any]) -> None:
        if self._ready:
            self.refresh()

    def refresh(self) -> None:
        with self.hold_sync():
            try:
                if len(self.text) > MAX_TEXT:
                    raise LossInputError("lm explain", "text", f"at most {MAX_TEXT} characters",
                                         f"{len(self.text)} characters")
                if self.top < 1:
                    raise LossInputError("lm explain", "top", "an integer ≥ 1", repr(self.top))
                src = self._source
                rows = (token_view(src.model, src.tokenizer, self.text, self.top) if isinstance(src, LMRun)
                        else true_view(src, self.text, self.top))
            except CAUGHT as e:
                self.rows, self.summary, self.selected = [], {}, -1
                self._fail(e)
                return
            self.rows = [jsonable(r.to_dict()) for r in rows]
            mean = float(np.mean([r.loss for r in rows]))
            self.summary = jsonable({"mean": mean, "perplexity": perplexity(mean), "tokens": len(rows)})
            self.selected = min(self.selected, len(rows) - 1) if self.selected >= 0 else len(rows) - 1
            self.error = ""
