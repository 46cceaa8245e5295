"""The one error of the formula language: :class:`FormulaError`, a :class:`~losslab.errors.LossInputError` that
points at a position of the formula and says what is allowed there, in English or Japanese."""

from __future__ import annotations

from typing import Any

from .._texts import load_toml_texts, normalize_lang
from ..errors import LossInputError

__all__ = ["FormulaError", "texts"]


def texts(lang: str | None) -> dict[str, Any]:
    """The words of ``losslab.custom`` (``formula/texts/<lang>.toml``)."""
    return load_toml_texts("losslab.formula", normalize_lang(lang))


class FormulaError(LossInputError):
    """A formula that the language refuses, or a value it cannot take.

    ``code`` names the rule broken (a key of ``[errors]`` in the texts), ``position`` the 0-based character where
    it was found (None when it is about the whole formula), ``formula`` the text as given.
    """

    def __init__(self, code: str, formula: str, position: int | None = None, *, lang: str | None = "en",
                 argument: str = "formula", **fields: Any) -> None:
        words = texts(lang)["errors"]
        entry = words[code]
        fields = {"pos": "" if position is None else position + 1, **fields}
        expected = entry["expected"].format(**fields)
        got = entry["got"].format(**fields)
        if position is not None:
            got = words["at"].format(pos=position + 1, got=got)
        hint = entry.get("hint", words["allowed"]).format(**fields, allowed=words["allowed"])
        super().__init__("custom", argument, expected, got, hint)
        # the frame of the sentence in the user's language too, not only its parts
        self.args = (words["frame"].format(loss="custom", argument=argument, expected=expected, got=got, hint=hint),)
        self.code = code
        self.formula = formula
        self.position = position
        self.fields = fields
        self.lang = lang

    def __reduce__(self) -> Any:  # keyword state: rebuild from the code, not from the message
        return (_rebuild, (self.code, self.formula, self.position, self.lang, self.argument, self.fields))

    def __str__(self) -> str:
        return str(self.args[0])

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "code": self.code, "position": self.position}


def _rebuild(code: str, formula: str, position: int | None, lang: str | None, argument: str,
             fields: dict[str, Any]) -> FormulaError:
    fields = {k: v for k, v in fields.items() if k != "pos"}
    return FormulaError(code, formula, position, lang=lang, argument=argument, **fields)
