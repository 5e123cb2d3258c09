"""HTML in a pretalx/frab programme's text, as the plain text a calendar and the page show.

pretalx renders the abstracts speakers write in Markdown as HTML, and some programmes publish
that HTML in ``schedule.xml`` (FOSDEM: every abstract is ``<p>``, ``<ul><li>``, ``<a href>``,
entities). A calendar's DESCRIPTION is plain text, so clients would show the tags as text.
:func:`is_html` tells such a field from plain text (where ``a < b`` and ``<3`` are text), and
:func:`to_text` lays it out with inscriptis, a library made for HTML to text: paragraphs apart by
a blank line, list items as ``• item`` lines (``◦`` inside a list, ``1.`` in a numbered one),
links as their text with the URL after it where the two differ, entities decoded, whitespace
as a browser collapses it. The only importer of inscriptis and of lxml, its parser (imported when
a field holds HTML, so that reading events.json or plain programmes never pays for them).
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inscriptis.model.config import ParserConfig
    from inscriptis.model.html_document_state import HtmlDocumentState
    from lxml.html import HtmlElement

__all__ = ["is_html", "to_text"]

# The elements that make a field HTML when one of them is written as a tag: what Markdown
# renderers and rich-text editors write. A single "<" or "<3", or "<version>", makes nothing HTML.
_MARKUP = (
    "a", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "td", "th", "tr", "u", "ul",
)  # fmt: skip
_MARKUP_TAG = re.compile(rf"</?(?:{'|'.join(_MARKUP)})(?:\s[^<>]*)?/?>", re.IGNORECASE)
# Every element of HTML (and a few obsolete ones still met); in a field that is HTML, a "<" that
# begins none of these is the text's own ("--interpro <version>", "a < b"), which a browser,
# and the parser, would take for an unknown tag and drop.
_ELEMENTS = frozenset((
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base", "bdi",
    "bdo", "big", "blockquote", "body", "br", "button", "canvas", "caption", "center", "cite",
    "code", "col", "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog",
    "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i",
    "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map",
    "mark", "menu", "meta", "meter", "nav", "noscript", "object", "ol", "optgroup", "option",
    "output", "p", "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
    "script", "search", "section", "select", "slot", "small", "source", "span", "strike",
    "strong", "style", "sub", "summary", "sup", "table", "tbody", "td", "template", "textarea",
    "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul", "var", "video",
    "wbr",
))  # fmt: skip
_LESS_THAN = re.compile(r"<(?!!--)(/?)([A-Za-z][A-Za-z0-9]*)?")
_INLINE = ("a", "b", "code", "em", "i", "kbd", "samp", "small", "span", "strong", "u", "var")
# Markup that lays text out in blocks. Text with only inline markup (38C3's descriptions: plain
# lines and paragraphs, with an <a href> or <strong> here and there) keeps its own line breaks.
_BLOCKS = re.compile(
    r"<(?:p|br|div|ul|ol|li|dl|h[1-6]|pre|blockquote|table|hr)(?:\s[^<>]*)?/?>", re.IGNORECASE
)
_BLANK_LINES = re.compile(r"\n{3,}")
# Ways of writing the same address: a link whose text is its URL needs it only once.
_SCHEME = re.compile(r"^(?:[a-z][a-z0-9+.-]*:(?://)?)?(?:www\.)?", re.IGNORECASE)


def is_html(text: str) -> bool:
    """Whether ``text`` is HTML: it holds a tag of the markup people write (``<p>``, ``<br>``,
    ``<a href=...>``, ``<ul>``, ``<li>``, ``<em>``, ...)."""
    return _MARKUP_TAG.search(text) is not None


def to_text(html: str) -> str:
    """The plain text of the HTML ``html``, laid out as the module says; "" for none.

    Line breaks are white space in HTML, except in text whose markup is only inline (links,
    emphasis): that is plain text with a few tags, whose lines are its own.
    """
    from inscriptis.html_engine import Inscriptis
    from lxml.html import document_fromstring

    html = html.replace("\r\n", "\n").replace("\r", "\n")
    if not _BLOCKS.search(html):
        html = html.replace("\n", "<br>\n")
    escaped = _LESS_THAN.sub(_escape_unknown, html)
    if not escaped.strip():
        return ""
    tree = document_fromstring(escaped)
    _show_link_targets(tree)
    text = Inscriptis(tree, _config()).get_text()
    lines = (line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _escape_unknown(match: re.Match[str]) -> str:
    """``&lt;`` for a "<" that begins no HTML element's tag, else the tag's start as it was."""
    name = match[2]
    if name is not None and name.lower() in _ELEMENTS:
        return match[0]
    return "&lt;" + match[0][1:]


def _show_link_targets(tree: HtmlElement) -> None:
    """Each link's URL after its text, ``text (https://...)``, unless the text is the URL."""
    for link in tree.iter("a"):
        href = (link.get("href") or "").strip()
        scheme = urllib.parse.urlsplit(href).scheme.lower()
        if not scheme or scheme == "javascript":  # a page-relative or script link leads nowhere
            continue
        text = " ".join(link.text_content().split())
        if _address(text) != _address(href):
            link.tail = f" ({href}){link.tail or ''}"


def _address(url: str) -> str:
    return _SCHEME.sub("", url.strip()).rstrip("/").casefold()


@functools.cache
def _config() -> ParserConfig:
    """inscriptis' settings: the browser's (strict) layout, lists without a margin of their own,
    and bullets for the items of unnumbered lists."""
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.html_properties import Display
    from inscriptis.model.config import ParserConfig
    from inscriptis.model.html_element import HtmlElement
    from inscriptis.model.tag import CustomHtmlTagHandlerMapping

    css = dict(CSS_PROFILES["strict"])
    # Two columns for the bullet: items of a list begin at the margin, of a list inside it two
    # further in.
    css["ul"] = HtmlElement(display=Display.block, padding_inline=2)
    css["ol"] = HtmlElement(display=Display.block, padding_inline=2)
    for tag in _INLINE:
        # Inline elements keep the white space of where they are: <pre><code> keeps its lines
        # (inscriptis gives an element it has no rule for "normal" white space, not its parent's).
        inherits = HtmlElement(display=Display.inline)
        inherits.whitespace = None  # type: ignore[assignment]
        css[tag] = inherits
    bullets = CustomHtmlTagHandlerMapping(
        start_tag_mapping={"ul": _list_start}, end_tag_mapping={"ul": _list_end}
    )
    return ParserConfig(css=css, custom_html_tag_handler_mapping=bullets)


def _list_start(state: HtmlDocumentState, _attributes: dict[str, str]) -> None:
    # Lists alternate bullets by depth, so a list inside another shows as one where the
    # indentation is lost (the page shows each line as it is, stripped).
    depth = len(state.li_counter)
    state.li_counter.append("\N{WHITE BULLET} " if depth % 2 else "\N{BULLET} ")


def _list_end(state: HtmlDocumentState) -> None:
    state.li_counter.pop()
