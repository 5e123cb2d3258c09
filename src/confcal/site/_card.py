"""One session as the lists show it: time, title, room, track, type, speakers in a few lines; the
abstract folded; its calendar file. The page's script draws the same card (app.js: ``card``).

Written in Python rather than as a Jinja2 macro: a programme of 10,000 sessions has 10,000 cards,
and the macro took four times as long (most of a site's HTML time). Every value from the
programme goes through :func:`_html`, as Jinja2's autoescaping would: the card holds text, never
markup from the file (tests/test_site_card.py holds it to that over any text).
"""

from __future__ import annotations

from confcal.site._page import DASH, Session

__all__ = ["Html", "card"]


class Html(str):
    """HTML made here: Jinja2 writes it as it is (it has ``__html__``), where it escapes a str."""

    __slots__ = ()

    def __html__(self) -> str:
        return self


def _html(text: str) -> str:
    """``text`` as HTML text or an attribute's value: what markupsafe (Jinja2's autoescaping)
    writes, character for character."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def card(s: Session, root: str, zone: str) -> Html:
    """The ``<article>`` of session ``s`` in a list at ``root`` (``../``: the folder of the
    site, from the list's), its times in ``zone``."""
    title = _html(s.short_title)
    parts = [
        f'<article class="card{" cancelled" if s.status == "cancelled" else ""}" '
        f'id="{_html(s.anchor)}">\n',
        _when(s, zone),
        _heading(s),
    ]
    if s.change and s.status != "cancelled":
        parts.append(f'<p class="change">{_html(s.change)}</p>\n')
    meta = [
        f'<span class="vh">{label}: </span><bdi>{_html(value)}</bdi>'
        for label, value in (("Room", s.location), ("Track", s.track), ("Type", s.type))
        if value
    ]
    if meta:
        parts.append(f'<p class="meta">{" · ".join(meta)}</p>\n')
    if s.speakers:
        speakers = "".join(f"<li>{_html(speaker)}</li>\n" for speaker in s.speakers)
        parts.append(
            f'<ul class="speakers" aria-label="{_html(s.speaker_line or "")}">\n{speakers}</ul>\n'
        )
    if s.description:
        paragraphs = "".join(
            f"<p>{'<br>'.join(map(_html, lines))}</p>\n" for lines in s.description
        )
        parts.append(
            f'<details class="abstract"{_lang(s)}>\n'
            f'<summary>Abstract<span class="vh"> of “{title}”</span></summary>\n'
            f"{paragraphs}</details>\n"
        )
    page = (
        f' <a href="{_html(s.url)}">Session page<span class="vh"> of “{title}”</span></a>'
        if s.url
        else ""
    )
    parts.append(
        f'<p class="actions"><a href="{_html(root)}{_html(s.ics)}">Download'
        f'<span class="vh"> “{title}”</span> (.ics)</a>{page}</p>\n</article>\n'
    )
    return Html("".join(parts))


def _lang(s: Session) -> str:
    return f' lang="{_html(s.language)}"' if s.language else ""


def _when(s: Session, zone: str) -> str:
    if not s.start_utc:
        return f'<p class="when">{_html(s.start)}</p>\n'
    start, end = _html(s.start_utc), _html(s.end_utc or "")
    return (
        f'<p class="when" data-start="{start}" data-end="{end}">'
        f'<time datetime="{start}">{_html(s.start)}</time>{DASH}'
        f'<time datetime="{end}">{_html(s.end)}</time> '
        f'<abbr title="{_html(zone)}">{_html(s.zone_abbreviation)}</abbr></p>\n'
    )


def _heading(s: Session) -> str:
    status = (
        f' <span class="status">{_html(s.status)}</span>'
        if s.status in ("cancelled", "tentative")
        else ""
    )
    return f'<h3><span class="title"{_lang(s)}>{_html(s.title)}</span>{status}</h3>\n'
