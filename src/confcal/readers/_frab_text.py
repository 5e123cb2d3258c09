"""A pretalx/frab session's text as a calendar shows it: what confcal repairs in imported text.

Published files carry text as their system stores it, not as people read it, and the organizer
cannot fix the export. So, for pretalx/frab only (events.json is the organizer's own text, kept
as written):

- an abstract or description in HTML (FOSDEM's, every one) becomes plain text (:mod:`._html`);
- the indentation pretty-printed XML puts before each continuation line (38C3: 20 spaces) is
  removed, as much as all of them share, so the text's own indentation stays;
- a subtitle that repeats the title, or is part of it ("CryptoParty: CryptoParty"), is not
  appended to it;
- the session's ``language`` is kept when it is one language tag; a list such as ``de, en``
  names no single language for the text, so none is kept.
"""

from __future__ import annotations

import re
import textwrap

from confcal._fields import text as line_breaks

from ._frab_parsed import clean
from ._html import is_html, to_text

__all__ = ["description", "language", "repeats", "text", "title"]

# Title and subtitle are joined with ": ", or a space after a title that ends in punctuation.
_ENDS_IN_PUNCTUATION = re.compile(r"[:;,.!?\-\u2013\u2014]$")
_WORD = re.compile(r"\w+")
# Languages listed together: "de, en", "de/en", "de en".
_BETWEEN_LANGUAGES = re.compile(r"[\s,;/|&+]+")
_TAG_LIKE = re.compile(r"[A-Za-z0-9-]+")


def text(value: str | None) -> str | None:
    """A free text of the file (an abstract, a description) as plain text; ``None`` for none."""
    value = clean(value)
    if value is None:
        return None
    first, _, rest = line_breaks(value).strip().partition("\n")
    dedented = f"{first}\n{textwrap.dedent(rest)}" if rest else first
    return (to_text(dedented) or None) if is_html(dedented) else dedented


def description(abstract: str | None, details: str | None) -> str | None:
    """The session's description: its abstract, then its description, once each."""
    parts = [p for p in (text(abstract), text(details)) if p is not None]
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        parts = parts[1:]
    return "\n\n".join(parts) or None


def title(title: str | None, subtitle: str | None) -> str:
    """The title, with the subtitle after it unless it says nothing the title does not.

    Pretty-printed XML surrounds text with its indentation: ``<title>\\n  Hello\\n</title>``.
    """
    main = (title or "").strip()
    extra = clean(subtitle)
    if extra is None or not main or repeats(extra, main):
        return main
    separator = " " if _ENDS_IN_PUNCTUATION.search(main) else ": "
    return f"{main}{separator}{extra.strip()}"


def repeats(subtitle: str, title: str) -> bool:
    """Whether ``subtitle``'s words are ``title``'s, or a run of them (ignoring case, spacing
    and punctuation); a subtitle of punctuation alone adds nothing either."""
    words = " ".join(_WORD.findall(subtitle.casefold()))
    return not words or f" {words} " in f" {' '.join(_WORD.findall(title.casefold()))} "


def language(value: str | None) -> str | None:
    """The one language the file names for the session, as written; ``None`` for none or a list
    of several. (Whether it is a language tag is the model's rule, which the mapping applies.)"""
    value = clean(value)
    if value is None:
        return None
    value = value.strip()
    listed = _BETWEEN_LANGUAGES.split(value)
    several = len(listed) > 1 and all(_TAG_LIKE.fullmatch(part) for part in listed)
    return None if several else value
