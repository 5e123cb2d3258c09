"""What the attendees' page shows, as plain values for its template: the view model.

Every session and day is reduced here to text (times already converted to the conference's
zone, labels in English whatever the machine's locale, links built), so the template only lays
it out and escapes it. :func:`sessions_by_day` groups the programme as the page lists it.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterator

import attrs

from confcal import zones
from confcal.model import Event, Schedule
from confcal.site.links import (
    DAYS_FOLDER,
    ELLIPSIS,
    SESSIONS_FOLDER,
    google_link,
    outlook_link,
    utc_iso,
    web_url,
)

__all__ = ["Day", "Session", "paragraphs", "sessions_by_day"]

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
    """What the template shows of one session: only text; the template escapes it."""

    anchor: str
    title: str
    short_title: str
    start: str
    end: str
    zone_abbreviation: str
    start_utc: str | None
    end_utc: str | None
    location: str | None
    type: str | None
    speakers: tuple[str, ...]
    speaker_line: str | None
    description: list[list[str]]
    url: str | None
    status: str | None
    #: The language of the title and abstract (``lang``), where the programme says it.
    language: str | None
    ics: str
    google: str
    outlook: str


@attrs.frozen
class Day:
    """A conference day on the page, with the sessions that begin on it."""

    anchor: str
    label: str
    short_label: str
    ics: str
    sessions: list[Session]


def _clock(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def _times(event: Event, zone: str) -> tuple[str, str, str]:
    """The session's start and end as printed on the page, in ``zone``, and the zone's
    abbreviation; an all-day event's days as the start and no end.

    A session listed under its first day gives the day it ends on (with the year, when that is
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
    if end.date() == start.date():
        return _clock(start), _clock(end), start.tzname() or ""
    day = _short_day(end.date()) + (f" {end.year}" if end.year != start.year else "")
    return _clock(start), f"{day} {_clock(end)}", start.tzname() or ""


def _machine_time(value: dt.date) -> str | None:
    """A timed session's start or end for the page's script (which shows it in the visitor's
    zone); ``None`` for an all-day one."""
    return utc_iso(value) if isinstance(value, dt.datetime) else None


def _session(event: Event, schedule: Schedule, anchor: str) -> Session:
    start, end, abbreviation = _times(event, schedule.timezone)
    return Session(
        anchor=anchor,
        title=event.title,
        short_title=_short_title(event.title),
        start=start,
        end=end,
        zone_abbreviation=abbreviation,
        start_utc=_machine_time(event.start),
        end_utc=_machine_time(event.end),
        location=event.location,
        type=event.type,
        speakers=event.speakers,
        speaker_line=event.speaker_line,
        description=paragraphs(event.description),
        url=web_url(event.url),
        status=event.status,
        language=event.language,
        ics=f"{SESSIONS_FOLDER}/{urllib.parse.quote(event.id)}.ics",
        google=google_link(event, schedule.timezone),
        outlook=outlook_link(event),
    )


def sessions_by_day(schedule: Schedule) -> Iterator[Day]:
    """The conference days on which sessions begin, each with the sessions that begin on it.

    A session spanning days (an all-day exhibition, a three-day workshop) is listed once, under
    its first day, with the day it ends: the page grows with the number of sessions, not with
    the days they cover (200 year-long events would otherwise be listed 73,000 times). The
    per-day calendars still hold every session of their day.
    """
    by_day: dict[dt.date, list[Session]] = {}
    for event in schedule.sorted_events():
        first = event.days(schedule.timezone, schedule.day_change)[0]
        by_day.setdefault(first, []).append(_session(event, schedule, f"session-{event.id}"))
    for day, sessions in sorted(by_day.items()):
        yield Day(
            anchor=f"day-{day.isoformat()}",
            label=_day_label(day),
            short_label=_short_day(day),
            ics=f"{DAYS_FOLDER}/{day.isoformat()}.ics",
            sessions=sessions,
        )
