"""A record's body: Markdown written by a unit, converted and then sanitised.

No script, style or outside resource survives (the rendered page is content, not code);
the result is the one value, besides build-time SVG, that templates print unescaped.
"""

from __future__ import annotations

import html as html_module

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .. import pii
from ..urls import leaves_site


class _CellLabels(Treeprocessor):
    """Gives each body cell of a table its column's heading (data-label), so that on a phone
    the stylesheet can show a row as a card of labelled values instead of a wide table."""

    def run(self, root):
        for table in root.iter("table"):
            head = table.find("thead/tr")
            if head is None:
                continue
            labels = ["".join(th.itertext()).strip() for th in head]
            for row in table.iterfind("tbody/tr"):
                for label, cell in zip(labels, row, strict=False):
                    if label:
                        cell.set("data-label", label)


class _CellLabelsExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Markdown's name)
        md.treeprocessors.register(_CellLabels(md), "gk_cell_labels", 0)


def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=["tables", "sane_lists", _CellLabelsExtension()], output_format="html")


_md = _converter()


def _fresh_converter() -> None:
    global _md
    _md = _converter()
_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "a", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "del", "ins", "mark",
}


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and leaves_site(value):
        return None  # an outside image would make the reader's browser reach another host
    return value


def body_html(text: str) -> Markup:
    """A record body (Markdown) as sanitised HTML, safe to print as it is."""
    if not text.strip():
        return Markup("")
    try:
        html = _md.reset().convert(pii.protect_masks(text))
    except RecursionError:
        # Lists nested too deep for Markdown (the check names them: body-too-complex); a
        # build of the past (--as-of) still shows every word, as plain paragraphs. The
        # converter is left mid-parse (reset() does not clear its block state): a new one.
        _fresh_converter()
        html = "".join(f"<p>{html_module.escape(line)}</p>" for line in text.split("\n") if line.strip())
    return Markup(
        nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}, "td": {"colspan", "rowspan", "data-label"}, "th": {"colspan", "rowspan"}},
            url_schemes={"http", "https", "mailto"},
            attribute_filter=_attribute_filter,
            link_rel="noopener noreferrer",
        )
    )
