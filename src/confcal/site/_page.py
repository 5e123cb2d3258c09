"""What the attendees' pages show, as plain values for their templates: the view model.

Every session and day is reduced here to text (times already converted to the conference's
zone, labels in English whatever the machine's locale), so the templates only lay it out and
escape it. :func:`sessions_by_day` groups the programme as the pages list it; :func:`groups`
gives the lists by track and by room, each a page of its own that works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping

import attrs

from confcal import zones
from confcal.changes import State
from confcal.files import feed_slug
from confcal.model import Event, Schedule
from confcal.site.links import DAYS_FOLDER, ELLIPSIS, SESSIONS_FOLDER, web_url

__all__ = [
    "Day",
    "Group",
    "Layout",
    "Session",
    "groups",
    "layout",
    "listed_day",
    "paragraphs",
    "sessions",
    "sessions_by_day",
]

DASH = "\N{EN DASH}"

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def _day_label(day: dt.date) -> str:
    # English names whatever the machine's locale: the page says lang="en".
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _short_day(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()][:3]} {day.day} {_MONTHS[day.month - 1][:3]}"


def _short_title(title: str, limit: int = 40) -> str:
    """A title short enough for a link's accessible name, still telling sessions apart."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(f" ,.:;-{DASH}") + ELLIPSIS


def paragraphs(text: str | None) -> list[list[str]]:
    """Plain text as paragraphs (split at blank lines), each a list of its lines."""
    if not text or not text.strip():
        return []
    return [
        [line.strip() for line in block.split("\n") if line.strip()]
        for block in _BLANK_LINES.split(text.strip())
        if block.strip()
    ]


@attrs.frozen
class Session:
    """What the pages show of one session: only text; the templates escape it."""

    id: str
    anchor: str
    title: str
    short_title: str
    #: The conference day it is listed under (``YYYY-MM-DD``).
    day: str
    start: str
    end: str
    zone_abbreviation: str
    start_utc: str | None
    end_utc: str | None
    location: str | None
    track: str | None
    type: str | None
    speakers: tuple[str, ...]
    speaker_line: str | None
    description: list[list[str]]
    url: str | None
    status: str | None
    #: The language of the title and abstract (``lang``), where the programme says it.
    language: str | None
    #: Relative to the site's folder; a page in a sub-folder prefixes ``../``.
    ics: str
    #: What the last publication changed ("moved from Hall 1, 14:00", "cancelled"), if anything.
    change: str | None = None


@attrs.frozen
class Day:
    """A conference day on the page, with the sessions that begin on it."""

    date: str
    anchor: str
    label: str
    short_label: str
    ics: str
    sessions: list[Session]


@attrs.frozen
class Group:
    """A track or a room: its own page (``tracks/<slug>.html``), listing its sessions by day."""

    name: str
    slug: str
    days: list[Day]
    #: Its calendar (``tracks/<feed slug>.ics``, relative to the site's folder), where written.
    feed: str | None = None
    #: Its ``webcal://`` subscription, where the page's address is known.
    subscribe: str | None = None

    @property
    def count(self) -> int:
        return sum(len(day.sessions) for day in self.days)


def _clock(value: dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _times(event: Event, zone: str, day: dt.date) -> tuple[str, str, str]:
    """The session's start and end as printed on the page, in ``zone``, and the zone's
    abbreviation; an all-day event's days as the start and no end.

    A session listed under conference day ``day`` that starts on the next calendar day (after
    midnight, before the conference's day change) gives its weekday: "Sat 00:30". One ending on
    another calendar day than it starts gives the day it ends (with the year, when that is
    another year).
    """
    if not isinstance(event.start, dt.datetime) or not isinstance(event.end, dt.datetime):
        last = event.end - dt.timedelta(days=1)
        if last == event.start:
            return "All day", "", ""
        first, final = _short_day(event.start), _short_day(last)
        if last.year != event.start.year:
            first, final = f"{first} {event.start.year}", f"{final} {last.year}"
        return f"All day, {first} {DASH} {final}", "", ""
    start, end = zones.to_local(event.start, zone), zones.to_local(event.end, zone)
    begins = _clock(start)
    if start.date() != day:
        begins = f"{_WEEKDAYS[start.weekday()][:3]} {begins}"
    if end.date() == start.date():
        return begins, _clock(end), start.tzname() or ""
    ends = _short_day(end.date()) + (f" {end.year}" if end.year != start.year else "")
    return begins, f"{ends} {_clock(end)}", start.tzname() or ""


def _machine_time(value: dt.date) -> str | None:
    """A timed session's start or end for the page's script (which shows it in the visitor's
    zone); ``None`` for an all-day one."""
    return zones.utc_iso(value) if isinstance(value, dt.datetime) else None


def _parsed(value: str) -> dt.date:
    """A :class:`State`'s time: a UTC instant, or an all-day session's date."""
    if "T" in value:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.date.fromisoformat(value)


def _was(old: State, zone: str, day: dt.date, *, start_only: bool = False) -> str:
    """When a session was, in ``zone``, 24-hour: "14:00-14:30" (an en dash), with its date where
    that is not ``day`` (the one it is listed under now): "Fri 27 Dec 14:00"."""
    start, end = _parsed(old.start), _parsed(old.end)
    if not isinstance(start, dt.datetime) or not isinstance(end, dt.datetime):
        last = end - dt.timedelta(days=1)
        days = _short_day(start) + ("" if last == start else f" {DASH} {_short_day(last)}")
        return f"all day, {days}"
    start, end = zones.to_local(start, zone), zones.to_local(end, zone)
    begins = _clock(start) if start.date() == day else f"{_short_day(start.date())} {_clock(start)}"
    if start_only:
        return begins
    ends = _clock(end) if end.date() == start.date() else f"{_short_day(end.date())} {_clock(end)}"
    return f"{begins}{DASH}{ends}"


def _mark(event: Event, old: State, zone: str, day: dt.date) -> str | None:
    """What changed from ``old`` (the session as published before), in a few words, the most
    important first: a cancelled session's new room matters to no one."""
    new = State.of(event)
    if "cancelled" in (old.status, new.status):
        return "cancelled" if new.status == "cancelled" else "no longer cancelled"
    timed = (old.start, old.end) != (new.start, new.end)
    room = " ".join((old.room or "").split())
    if old.room != new.room and room:
        # Same length: where and when it began is enough ("moved from Hall 1, 14:00").
        same = _parsed(old.end) - _parsed(old.start) == event.end - event.start
        when = f", {_was(old, zone, day, start_only=same)}" if timed else ""
        return f"moved from {room}{when}"
    if timed:
        return f"was {_was(old, zone, day)}"
    if old.room != new.room:
        return "room added"
    if old.status == new.status:
        return None
    return f"was {old.status}" if old.status else f"now {new.status}"


def _session(
    event: Event, schedule: Schedule, day: dt.date, previous: State | None = None
) -> Session:
    start, end, abbreviation = _times(event, schedule.timezone, day)
    return Session(
        id=event.id,
        anchor=f"session-{event.id}",
        title=event.title,
        short_title=_short_title(event.title),
        day=day.isoformat(),
        start=start,
        end=end,
        zone_abbreviation=abbreviation,
        start_utc=_machine_time(event.start),
        end_utc=_machine_time(event.end),
        location=event.location,
        track=event.track,
        type=event.type,
        speakers=event.speakers,
        speaker_line=event.speaker_line,
        description=paragraphs(event.description),
        url=web_url(event.url),
        status=event.status,
        language=event.language,
        ics=f"{SESSIONS_FOLDER}/{urllib.parse.quote(event.id)}.ics",
        change=None if previous is None else _mark(event, previous, schedule.timezone, day),
    )


def sessions(schedule: Schedule, changes: Mapping[str, State] | None = None) -> list[Session]:
    """Every session in programme order, each under its first conference day; each id in
    ``changes`` (what the session was before the last publication changed it) with its
    :attr:`Session.change`.

    A session spanning days (an all-day exhibition, a three-day workshop) is listed once, under
    its first day, with the day it ends: the pages grow with the number of sessions, not with
    the days they cover (200 year-long events would otherwise be listed 73,000 times). The
    per-day calendars still hold every session of their day.
    """
    changes = changes or {}
    return [
        _session(event, schedule, listed_day(event, schedule), changes.get(event.id))
        for event in schedule.sorted_events()
    ]


def listed_day(event: Event, schedule: Schedule) -> dt.date:
    """The conference day a session is listed under: its first (see :func:`sessions`)."""
    return schedule.days_of(event)[0]


@attrs.frozen
class Layout:
    """The pages of a schedule by name, known before they are made (the site's files are
    checked, and its calendars begin to be written, meanwhile)."""

    #: The days on which sessions are listed (``YYYY-MM-DD``), as :func:`sessions_by_day` has.
    days: list[str]
    #: The file names (without ``.html``) of the tracks' and the rooms' lists, as :func:`groups`
    #: names them.
    tracks: list[str]
    rooms: list[str]
    #: How many sessions the pages list: each once.
    listed: int


def layout(schedule: Schedule) -> Layout:
    """What :func:`sessions` and :func:`groups` will make of ``schedule``, by name only."""
    events = schedule.events
    return Layout(
        days=sorted({listed_day(event, schedule).isoformat() for event in events}),
        tracks=_slugs(event.track for event in events),
        rooms=_slugs(event.location for event in events),
        listed=len(events),
    )


def _slugs(names: Iterable[str | None]) -> list[str]:
    """The slug of each group of ``names`` (ignoring case, without the sessions that have no
    name), as :func:`groups` makes them."""
    return sorted({feed_slug(name) for name in names if name})


def _days(listed: Iterable[Session]) -> list[Day]:
    by_day: dict[str, list[Session]] = {}
    for session in listed:
        by_day.setdefault(session.day, []).append(session)
    result = []
    for iso, day_sessions in sorted(by_day.items()):
        day = dt.date.fromisoformat(iso)
        result.append(
            Day(
                date=iso,
                anchor=f"day-{iso}",
                label=_day_label(day),
                short_label=_short_day(day),
                ics=f"{DAYS_FOLDER}/{iso}.ics",
                sessions=day_sessions,
            )
        )
    return result


def sessions_by_day(schedule: Schedule | list[Session]) -> Iterator[Day]:
    """The conference days on which sessions begin, each with the sessions that begin on it."""
    listed = sessions(schedule) if isinstance(schedule, Schedule) else schedule
    yield from _days(listed)


def groups(listed: list[Session], key: Callable[[Session], str | None]) -> list[Group]:
    """The sessions grouped by ``key`` (track, room) ignoring case, as ``confcal export --split
    track|room`` groups them (the first spelling in programme order names the group); groups in
    name order; sessions without one are left out (they are on their day's list).

    Each group's file name is its feed's (:func:`~confcal.files.feed_slug`): it depends on the
    name alone, so a track added to the programme never renames another's page (a shared or
    bookmarked link keeps working), and it is never the same for two groups.
    """
    by_name: dict[str, tuple[str, list[Session]]] = {}
    for session in listed:
        name = key(session)
        if name:
            by_name.setdefault(name.casefold(), (name, []))[1].append(session)
    return [
        Group(name=name, slug=feed_slug(name), days=_days(members))
        for name, members in sorted(by_name.values(), key=lambda g: (g[0].casefold(), g[0]))
    ]
