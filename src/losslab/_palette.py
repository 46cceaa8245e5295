"""The one colour palette of losslab: the Okabe–Ito colours, in the order series take them.

Okabe & Ito, "Color Universal Design" (2008): the colours stay distinguishable for the common forms of colour
blindness. The figures (:mod:`losslab.figures._theme`) and the browser lab (its page gets them in its boot payload,
for its JavaScript and its CSS) both take their colours from here, by position. Nothing but the standard library.
"""

from __future__ import annotations

__all__ = ["PALETTE"]

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)
"""Okabe–Ito colours, in the order series take them."""
