"""Explanations of losses: step-by-step computations on the user's numbers, with texts in English and Japanese."""

from ._engine import Explanation, explain, fmt_number

__all__ = ["Explanation", "explain", "fmt_number"]
