"""The few building blocks every view is made of, each written once as HTML (escaped) and as Markdown (escaped).

A view (:mod:`._views`) returns a :class:`View`: a title and a list of blocks. Every string that reaches the page
goes through :func:`esc` (HTML) or :func:`md` (Markdown) here, so that a loss's name, formula or summary typed by
a user is shown as text, never run as markup.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Code", "Figure", "Items", "Pairs", "Para", "Raw", "Table", "View", "esc", "md", "number"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|#$~!])")


def esc(text: Any) -> str:
    """Text for HTML: ``& < > " '`` as entities."""
    return html.escape(str(text), quote=True)


def md(text: Any) -> str:
    """Text for Markdown (CommonMark, as Jupyter renders it): ``& < >`` as entities (no raw HTML), the other
    markup characters backslash-escaped, ``$`` too (Jupyter reads it as the start of math); new lines become
    spaces. Fenced code (:class:`Code`) is left as typed: Markdown shows it verbatim."""
    plain = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    plain = plain.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", plain)


def number(value: Any, digits: int = 4) -> str:
    """A number as the views show it: None as a dash, floats with ``digits`` significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:.{digits}g}"


@dataclass(frozen=True)
class Para:
    text: str
    strong: bool = False

    def to_html(self) -> str:
        inner = f"<strong>{esc(self.text)}</strong>" if self.strong else esc(self.text)
        return f"<p>{inner}</p>"

    def to_markdown(self) -> str:
        return f"**{md(self.text)}**" if self.strong else md(self.text)


@dataclass(frozen=True)
class Code:
    """A formula or a line of code, shown as typed."""

    text: str

    def to_html(self) -> str:
        return f"<pre><code>{esc(self.text)}</code></pre>"

    def to_markdown(self) -> str:
        longest = max((len(run) for run in re.findall(r"`+", self.text)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{self.text}\n{fence}"  # fenced: shown verbatim, nothing inside is markup


@dataclass(frozen=True)
class Items:
    """A list of sentences (``caption`` above it when given)."""

    items: tuple[str, ...]
    caption: str = ""
    ordered: bool = False

    def to_html(self) -> str:
        tag = "ol" if self.ordered else "ul"
        head = f"<p><strong>{esc(self.caption)}</strong></p>" if self.caption else ""
        return head + f"<{tag}>" + "".join(f"<li>{esc(i)}</li>" for i in self.items) + f"</{tag}>"

    def to_markdown(self) -> str:
        head = [f"**{md(self.caption)}**", ""] if self.caption else []
        marks = [f"{n}." if self.ordered else "-" for n in range(1, len(self.items) + 1)]
        return "\n".join([*head, *(f"{m} {md(i)}" for m, i in zip(marks, self.items, strict=True))])


@dataclass(frozen=True)
class Pairs:
    """Terms and their values (a definition list in HTML, a two-column table in Markdown)."""

    pairs: tuple[tuple[str, str], ...]
    caption: str = ""

    def to_html(self) -> str:
        head = f"<p><strong>{esc(self.caption)}</strong></p>" if self.caption else ""
        return head + "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in self.pairs) + "</dl>"

    def to_markdown(self) -> str:
        head = [f"**{md(self.caption)}**", ""] if self.caption else []
        return "\n".join([*head, *(f"- **{md(k)}**: {md(v)}" for k, v in self.pairs)])


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_html(self) -> str:
        out = ["<table>"]
        if self.caption:
            out.append(f"<caption>{esc(self.caption)}</caption>")
        out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in self.headers) + "</tr></thead>")
        out.append("<tbody>")
        out.extend("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        out.append("</tbody></table>")
        return "".join(out)

    def to_markdown(self) -> str:
        head = [f"**{md(self.caption)}**", ""] if self.caption else []
        lines = ["| " + " | ".join(md(h) for h in self.headers) + " |",
                 "|" + "|".join("---" for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in self.rows]
        return "\n".join([*head, *lines])


@dataclass(frozen=True)
class Raw:
    """Markup made (and escaped) elsewhere: an explanation's own HTML and Markdown."""

    html: str
    markdown: str

    def to_html(self) -> str:
        return self.html

    def to_markdown(self) -> str:
        return self.markdown


@dataclass(frozen=True)
class Figure:
    """A figure: a self-contained page (losslab's own Vega scripts inlined, no CDN) in an ``<iframe srcdoc>``, so
    that its scripts run apart from the notebook's (no clash with require.js, no styles leaking either way).
    Markdown has no figures: ``note`` stands in for it."""

    page: str
    height: int
    title: str
    note: str = ""

    def to_html(self) -> str:
        return (f'<iframe class="losslab-figure" title="{esc(self.title)}" srcdoc="{esc(self.page)}" '
                f'style="width: 100%; height: {int(self.height)}px; border: 0;" '
                'sandbox="allow-scripts allow-downloads"></iframe>')

    def to_markdown(self) -> str:
        return f"_{md(self.note)}_" if self.note else ""


@dataclass
class View:
    """What one result shows: a title, a subtitle and its blocks; ``lang`` is the language of its words."""

    kind: str
    lang: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    subtitle: str = ""

    def to_html(self) -> str:
        out = [f'<section class="losslab-view losslab-{esc(self.kind)}" lang="{esc(self.lang)}">',
               f"<h3>{esc(self.title)}</h3>"]
        if self.subtitle:
            out.append(f"<p><em>{esc(self.subtitle)}</em></p>")
        out.extend(b.to_html() for b in self.blocks)
        out.append("</section>")
        return "\n".join(out)

    def to_markdown(self) -> str:
        out = [f"### {md(self.title)}"]
        if self.subtitle:
            out.append(f"_{md(self.subtitle)}_")
        out.extend(text for text in (b.to_markdown() for b in self.blocks) if text)
        return "\n\n".join(out) + "\n"
