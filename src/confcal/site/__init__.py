"""The attendees' site: a small page that finds a session in seconds, plain lists that need no
script, and the calendars they link to.

Attendees do not run Python: they open a page on a phone, often on bad Wi-Fi. :func:`build_site`
writes, as plain files any web server can host:

- ``index.html``: the programme's header, links to every list below, and the controls of the
  page's script (``app.js``), which searches and filters the programme from ``data/*.json``,
  shows what is on now and next, and keeps the visitor's starred sessions ("My agenda");
- ``days/<date>.html``, ``tracks/<name>.html``, ``rooms/<name>.html``: every session, listed by
  day, by track and by room, complete without JavaScript;
- ``sw.js``: the service worker that keeps the site readable offline after the first visit;
- the ``.ics`` files (the same bytes ``confcal export`` writes, every split from one schedule, each
  VEVENT serialized once): ``calendar.ics``, ``days/<date>.ics``, ``sessions/<id>.ics``, and
  the feeds ``tracks/<slug>.ics`` and ``rooms/<slug>.ics`` (:func:`confcal.files.feed_slug`)
  beside the lists that link to them.

Pages are rendered by Jinja2 (``templates/``) with autoescaping on, so every text from the
programme reaches the browser as text, never as markup; the script sets text, never markup. The
session cards, 10,000 in a large programme, are ``_card``'s, in Python for speed, escaped as
Jinja2 escapes. What the pages show of each session is ``_page``'s; the script's data
``_data``'s; the links to Google Calendar and Outlook.com :mod:`confcal.site.links`'.

Cache: the Jinja2 environment keeps the compiled templates (its own LRU cache, 400 entries by
default, of which this module uses a few; Jinja2 locks it, so threads may share it), and checks
each template file's modification time on each use (``auto_reload``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import attrs
import jinja2

from confcal._tree import Rendering, render_here
from confcal.changes import State
from confcal.files import Split, feed_slug, render_all, split_names, write_tree
from confcal.ical import Progress, check_alarm
from confcal.model import Schedule
from confcal.site import _data
from confcal.site._card import Html, card
from confcal.site._page import (
    Day,
    Group,
    Session,
    groups,
    layout,
    paragraphs,
    sessions,
    sessions_by_day,
)
from confcal.site.links import (
    CALENDAR_FILE,
    DAYS_FOLDER,
    SESSIONS_FOLDER,
    feed_url,
    google_subscribe_link,
    webcal_link,
)

__all__ = ["build_site", "page"]

#: The folders of the lists by track and by room, and of the script's data.
TRACKS_FOLDER = "tracks"
ROOMS_FOLDER = "rooms"
DATA_FOLDER = "data"
#: The page's script, next to it (same-site, no framework): an ordinary file the browser caches.
SCRIPT = "app.js"
WORKER = "sw.js"

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("confcal.site", "templates"),
    # On for every template, whatever its file name: select_autoescape() would not match ".j2".
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _common(schedule: Schedule, language: str) -> dict[str, object]:
    return {
        "name": schedule.name,
        "zone": schedule.timezone,
        "language": language,
        "updated": schedule.dtstamp.strftime("%Y-%m-%d %H:%M UTC"),
        "updated_iso": schedule.dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "script": SCRIPT,
        "inline_script": None,
    }


def _script() -> bytes:
    return importlib.resources.files("confcal.site").joinpath("static", SCRIPT).read_bytes()


def _inline(script: bytes) -> str:
    """app.js as the content of a <script> element (the template marks it ``safe``): our own
    file, never programme text; one with "</" or "<!--" could end the element early, so it is
    refused here rather than escaped."""
    text = script.decode("utf-8")
    if "</" in text or "<!--" in text:
        raise ValueError("app.js must not contain '</' or '<!--'")
    return text


def _index(
    schedule: Schedule, days: list[Day], tracks: list[Group], rooms: list[Group], language: str
) -> str:
    webcal = webcal_link(schedule.url)
    return _environment.get_template("index.html.j2").render(
        {**_common(schedule, language), "inline_script": _inline(_script())},
        root="",
        description=paragraphs(schedule.description),
        days=days,
        tracks=tracks,
        rooms=rooms,
        changed=[s for day in days for s in day.sessions if s.change],
        calendar_file=CALENDAR_FILE,
        ics_url=feed_url(schedule.url),
        webcal=webcal,
        google_subscribe=google_subscribe_link(webcal) if webcal else None,
        worker=WORKER,
    )


#: Where the lists are, from the site's folder: each in a sub-folder (days/, tracks/, rooms/).
_LIST_ROOT = "../"


def _cards(schedule: Schedule, listed: list[Session]) -> dict[str, Html]:
    """Each session's card as the lists show it, by session id: made once, though a session is
    on its day's, its track's and its room's lists."""
    return {s.id: card(s, _LIST_ROOT, schedule.timezone) for s in listed}


def _list(  # noqa: PLR0913 - the page's parts, each named
    schedule: Schedule,
    title: str,
    heading: str,
    days: list[Day],
    language: str,
    *,
    cards: Mapping[str, Html],
    group: Group | None = None,
) -> str:
    return _environment.get_template("list.html.j2").render(
        _common(schedule, language),
        root=_LIST_ROOT,
        title=title,
        heading=heading,
        days=days,
        cards=cards,
        group=group,
    )


def _language(schedule: Schedule, language: str | None) -> str:
    return language or schedule.language or "en"


def page(
    schedule: Schedule,
    *,
    language: str | None = None,
    changes: Mapping[str, State] | None = None,
) -> str:
    """The ``index.html`` of ``schedule``: the programme's front page, with the script's
    controls and a link to every list. ``language``: the ``lang`` of the page, if not the
    programme's (``calendar.language``; else English). ``changes``: as for :func:`build_site`."""
    language = _language(schedule, language)
    listed = sessions(schedule, changes)
    tracks, rooms = _feeds(schedule, listed)
    return _index(schedule, list(sessions_by_day(listed)), tracks, rooms, language)


def _feeds(schedule: Schedule, listed: list[Session]) -> tuple[list[Group], list[Group]]:
    """The lists by track and by room, each with its feed (``tracks/<slug>.ics``, the file
    ``--split track`` writes) and, where the page's address is known, its webcal link."""

    def with_feed(folder: str, key: Callable[[Session], str | None]) -> list[Group]:
        found = []
        for group in groups(listed, key):
            # feed_slug ignores case, as Schedule.tracks() does: "Rust" and "rust" share a feed.
            feed = f"{folder}/{feed_slug(group.name)}.ics"
            subscribe = webcal_link(schedule.url, feed)
            found.append(attrs.evolve(group, feed=feed, subscribe=subscribe))
        return found

    tracks = with_feed(TRACKS_FOLDER, lambda s: s.track)
    return tracks, with_feed(ROOMS_FOLDER, lambda s: s.location)


def _html(stem: str) -> str:
    """The file of a day's, a track's or a room's list (its date or its feed's slug)."""
    return f"{stem}.html"


def _lists(
    schedule: Schedule,
    of: list[Group],
    what: str,
    language: str,
    cards: Mapping[str, Html],
) -> dict[str, bytes]:
    return {
        _html(group.slug): _list(
            schedule, f"{what} {group.name}", f"{what}: {group.name}", group.days, language,
            cards=cards, group=group,
        ).encode("utf-8")
        for group in of
    }  # fmt: skip


#: What the worker keeps as it installs: enough to open the page and read the programme.
_CORE = ("index.html", SCRIPT, f"{DATA_FOLDER}/sessions.json")


def _worker(digests: Mapping[str, Mapping[str, bytes]]) -> bytes:
    """``sw.js``: the files it keeps for offline use, and a version that changes with any file
    of the site (``digests``: each file's SHA-256 digest, by folder and name), so a rebuilt site
    replaces what visitors' browsers kept.

    The page, its script and ``sessions.json`` are kept as the worker installs; the rest (the
    abstracts, the lists, the calendars) once the page has shown, a few at a time. The sessions'
    calendars are found in ``sessions.json``, not listed here (10,000 sessions would make the
    worker, which browsers check on every visit, 400 KB); a day's "add" links once opened.
    """
    digest = hashlib.sha256()
    rest: list[str] = []
    for folder, names in sorted(digests.items()):
        for name, file_digest in sorted(names.items()):
            path = f"{folder}/{name}" if folder else name
            digest.update(path.encode() + b"\0" + file_digest)
            if path not in _CORE and folder != SESSIONS_FOLDER and not name.startswith("links-"):
                rest.append(path)
    script = importlib.resources.files("confcal.site").joinpath("static", WORKER).read_text("utf-8")
    header = (
        "// Generated by confcal: the site's files and their version.\n"
        f'var VERSION = "{digest.hexdigest()[:16]}";\n'
        f"var CORE = {_data.dump(['./', *_CORE]).decode('utf-8')};\n"
        f"var REST = {_data.dump(rest).decode('utf-8')};\n"
        f'var SESSIONS = "{SESSIONS_FOLDER}/";\n'
    )
    return (header + script).encode("utf-8")


#: The folder of each split's calendars in the site (the whole calendar is its own file).
_FOLDERS = {
    Split.DAY: DAYS_FOLDER,
    Split.EVENT: SESSIONS_FOLDER,
    Split.TRACK: TRACKS_FOLDER,
    Split.ROOM: ROOMS_FOLDER,
}


#: The site's data for the page's script, known by name before it is rendered (with the links).
_DATA = ("sessions.json", "abstracts.json")


@attrs.frozen
class _Site:
    """The site of one schedule: every file named first, then made in three parts
    (:class:`confcal._tree.Rendering`): the calendars (:meth:`calendars`), written by a child
    process where the system allows while this one renders the pages (:meth:`pages`), then the
    worker (:meth:`worker`), whose version covers them all."""

    schedule: Schedule
    language: str
    alarm: dt.timedelta | None
    progress: Progress | None
    changes: Mapping[str, State] | None
    #: Every file, in the order written: ``None`` for bytes still to be made.
    files: dict[str, dict[str, bytes | None]]

    @classmethod
    def of(
        cls,
        schedule: Schedule,
        language: str | None,
        alarm: dt.timedelta | None,
        progress: Progress | None,
        changes: Mapping[str, State] | None,
    ) -> _Site:
        """``progress`` is told how the pages' rendering goes (:meth:`pages`)."""
        check_alarm(alarm)  # here, before any file is written: the calendars come later
        files: dict[str, dict[str, bytes | None]] = {}
        for split, folder in _FOLDERS.items():
            if names := split_names(schedule, split):
                files[folder] = dict.fromkeys(names)
        pages = layout(schedule)
        for date in pages.days:
            files[DAYS_FOLDER][_html(date)] = None
        files[DATA_FOLDER] = dict.fromkeys([*_DATA, *_data.links_names(pages.listed)])
        # A programme without tracks (or rooms) has no such folder, rather than an empty one.
        for folder, slugs in ((TRACKS_FOLDER, pages.tracks), (ROOMS_FOLDER, pages.rooms)):
            if slugs:
                files.setdefault(folder, {}).update(dict.fromkeys(map(_html, slugs)))
        # The site's own folder last, the worker in it (its scope is the folder it is served
        # from), and index.html the last file of all: never published before what it links to.
        files[""] = {CALENDAR_FILE: None, SCRIPT: _script(), WORKER: None, "index.html": None}
        language = _language(schedule, language)
        return cls(schedule, language, alarm, progress, changes, files)

    def rendering(self) -> Rendering:
        return Rendering(self.calendars, self.pages, self.worker)

    def calendars(self) -> dict[str, dict[str, bytes]]:
        """Exactly those of ``confcal export``, for every split (whole, ``--split day``,
        ``event``, ``track``, ``room``), all from one schedule (:func:`render_all`): each VEVENT
        is serialized once."""
        # No progress told from here: this runs in the child process, where the caller's
        # callback would run out of its sight (and its exceptions change type on the way back).
        calendars = render_all(self.schedule, alarm=self.alarm)
        whole = calendars.pop(Split.NONE)[""]
        files = {_FOLDERS[split]: part for split, part in calendars.items() if part}
        return {**files, "": {CALENDAR_FILE: whole}}

    def pages(self) -> dict[str, dict[str, bytes]]:
        """The lists, the script's data and the front page; ``progress`` is told each step."""
        schedule, language = self.schedule, self.language
        step = _Steps(self.progress, _PAGE_STEPS)
        listed = sessions(schedule, self.changes)
        days = list(sessions_by_day(listed))
        tracks, rooms = _feeds(schedule, listed)
        step()
        cards = _cards(schedule, listed)
        step()
        pages: dict[str, dict[str, bytes]] = {DAYS_FOLDER: {}}
        for day in days:
            html = _list(schedule, day.label, day.label, [day], language, cards=cards)
            pages[DAYS_FOLDER][_html(day.date)] = html.encode("utf-8")
        step()
        agenda = _data.agenda_parts(schedule)
        data = dict(
            zip(
                _DATA,
                (_data.sessions_json(schedule, days, agenda), _data.abstracts_json(days)),
                strict=True,
            )
        )
        step()
        data.update(_data.links_json(schedule, days))
        pages[DATA_FOLDER] = data
        step()
        for folder, of, what in ((TRACKS_FOLDER, tracks, "Track"), (ROOMS_FOLDER, rooms, "Room")):
            if of:
                pages[folder] = _lists(schedule, of, what, language, cards)
        index = _index(schedule, days, tracks, rooms, language)
        pages[""] = {"index.html": index.encode("utf-8")}
        step()
        return pages

    def worker(self, digests: Mapping[str, Mapping[str, bytes]]) -> dict[str, dict[str, bytes]]:
        """``sw.js``, from the digests of every other file."""
        return {"": {WORKER: _worker(digests)}}


#: The steps of :meth:`_Site.pages` told to its progress: the sessions as the pages show them,
#: their cards, the days' lists, the script's data, its links, the other lists and the page.
_PAGE_STEPS = 6


class _Steps:
    """Tells ``progress`` ``(done, total)`` at the start (0) and after each step."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        if progress is not None:
            progress(0, total)

    def __call__(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def _render_site(
    schedule: Schedule,
    language: str | None = None,
    *,
    alarm: dt.timedelta | None = None,
    progress: Progress | None = None,
    changes: Mapping[str, State] | None = None,
) -> dict[str, dict[str, bytes]]:
    """Every file of the site, in memory: ``{folder relative to the site: {file name: bytes}}``,
    in the order written."""
    site = _Site.of(schedule, language, alarm, progress, changes)
    return render_here(site.rendering(), site.files)


def build_site(  # noqa: PLR0913 - keyword-only options, each with a default
    schedule: Schedule,
    folder: Path,
    *,
    inputs: Collection[Path] = (),
    language: str | None = None,
    alarm: dt.timedelta | None = None,
    stamp: str = "",
    rendering: Progress | None = None,
    writing: Progress | None = None,
    changes: Mapping[str, State] | None = None,
) -> list[Path]:
    """Write the site into ``folder``; returns the files whose content changed.

    Every file is named and its place checked, and the options too, before anything is written,
    so bad input writes nothing. Then the calendars are rendered and written by a child process
    while this one renders the pages (on Linux, with a second processor, in a process without
    other threads: see :func:`confcal.files.write_tree`; elsewhere one after the other), and the
    front page is written last. The whole site is written in one pass under one lock on
    ``folder`` (its sub-folders included), each file atomically (in batches flushed together)
    and left alone when unchanged; a rebuild removes the files of days, tracks, rooms and
    sessions that are gone. ``inputs``: files never to replace (the programme read).
    ``language``: the ``lang`` of the pages, if not the programme's (``calendar.language``; else
    English); a session's own language is marked on its title and abstract. ``alarm``: a
    reminder in every calendar (see :func:`confcal.to_vevent`). ``stamp``: what the schedule
    was made from, recorded for :func:`confcal.files.up_to_date`.
    ``rendering`` is told ``(done, total)`` as the pages are rendered, step by step (the
    calendars are rendered by the child process, which tells no callback of the caller's), and
    ``writing`` as this process writes files (the child's are counted once it is done).
    ``changes``: what the last publication changed, each session's state before it by id
    (:func:`confcal.history.last_changes`); the cards mark those sessions ("moved from Hall 1,
    14:00") and the front page lists them. None: no marks (no history).

    Raises:
        OutputError: as :func:`confcal.files.write_tree`, for the folder and every
            file in it.
    """
    site = _Site.of(schedule, language, alarm, rendering, changes)
    return write_tree(
        folder,
        site.files,
        inputs=inputs,
        needed_by="the site",
        stamp=stamp,
        progress=writing,
        rendering=site.rendering(),
    )
