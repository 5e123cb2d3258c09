"""The attendees' page: one static ``index.html`` and the calendars it links to.

Attendees do not run Python: they open a page, read the programme and click to add a session, a
day or the whole conference to their calendar. :func:`build_site` writes that page with the
``.ics`` files it links to (the same bytes ``confcal export`` writes), as plain files any web
server can host. The page is rendered by Jinja2 (``templates/index.html.j2``) with autoescaping
on, so every text from events.json reaches the browser as text, never as markup.

The links to Google Calendar and Outlook.com are :mod:`confcal.site.links`'; what the page shows
of each session, as plain text for the template, is ``_page``'s.

Cache: the Jinja2 environment keeps the compiled template (its own LRU cache, 400 entries by
default, of which this module uses one; Jinja2 locks it, so threads may share it), and checks the
template file's modification time on each use (``auto_reload``), so an edited template is read
again.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import jinja2

from confcal.files import Split, render, write_tree
from confcal.ical import to_ical
from confcal.model import Schedule
from confcal.site._page import paragraphs, sessions_by_day
from confcal.site.links import (
    CALENDAR_FILE,
    DAYS_FOLDER,
    SESSIONS_FOLDER,
    feed_url,
    google_subscribe_link,
    webcal_link,
)

__all__ = ["build_site", "page"]

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("confcal.site", "templates"),
    # On for every template, whatever its file name: select_autoescape() would not match ".j2".
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def page(schedule: Schedule) -> str:
    """The ``index.html`` of ``schedule``: the programme by conference day, with its links."""
    ics_url = feed_url(schedule.url)
    webcal = webcal_link(schedule.url)
    return _environment.get_template("index.html.j2").render(
        name=schedule.name,
        description=paragraphs(schedule.description),
        zone=schedule.timezone,
        days=list(sessions_by_day(schedule)),
        calendar_file=CALENDAR_FILE,
        ics_url=ics_url,
        webcal=webcal,
        google_subscribe=google_subscribe_link(webcal) if webcal else None,
        updated=schedule.dtstamp.strftime("%Y-%m-%d %H:%M UTC"),
        updated_iso=schedule.dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def _render_site(schedule: Schedule) -> dict[str, dict[str, bytes]]:
    """Every file of the site, in memory: ``{folder relative to the site: {file name: bytes}}``.

    The calendars are exactly those of ``confcal export`` (whole, ``--split day``,
    ``--split event``).
    """
    return {
        SESSIONS_FOLDER: render(schedule, Split.EVENT),
        DAYS_FOLDER: render(schedule, Split.DAY),
        # index.html last: a page is never published before the files it links to.
        "": {CALENDAR_FILE: to_ical(schedule), "index.html": page(schedule).encode("utf-8")},
    }


def build_site(schedule: Schedule, folder: Path, *, inputs: Collection[Path] = ()) -> list[Path]:
    """Write the page and its calendars into ``folder``; returns the files whose content changed.

    Everything is rendered before anything is written, so bad input writes nothing. The whole
    site is written under one lock on ``folder`` (days/ and sessions/ included), each file
    atomically and left alone when unchanged; a rebuild removes the calendars of days and
    sessions that are gone. ``inputs``: files never to replace (the programme read).

    Raises:
        OutputError: as :func:`confcal.files.write_tree`, for the folder and every
            file in it.
    """
    return write_tree(folder, _render_site(schedule), inputs=inputs, needed_by="the site")
