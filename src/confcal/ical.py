"""The model as iCalendar: VEVENTs, VTIMEZONEs and whole VCALENDARs, through ``icalendar``."""

from __future__ import annotations

import datetime as dt
import re
from importlib.metadata import PackageNotFoundError, version

import icalendar

from . import zones
from .errors import InvalidInput
from .model import Event, Schedule, When

__all__ = ["calendar", "serialize", "vevent"]

try:
    _VERSION = version("confcal")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    _VERSION = "0"
PRODID = f"-//confcal//confcal {_VERSION}//EN"


_ESCAPES = {"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"}
_SPECIAL = re.compile(r"[\\;,\n]")


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping, in one pass.

    ``icalendar``'s own escaping first turns a literal backslash-N into a newline, so a
    description holding ``C:\\New`` would lose its backslash and gain a line break.
    """
    return _SPECIAL.sub(lambda match: _ESCAPES[match[0]], text)


class _Text(icalendar.vText):
    """A TEXT value that reads back as exactly the text it was made from."""

    def to_ical(self) -> bytes:
        return _escape(str(self)).encode()


class _Categories(icalendar.vCategory):
    def to_ical(self) -> bytes:
        return b",".join(_escape(str(c)).encode() for c in self.cats)


def _written_zone(value: dt.datetime) -> str | None:
    """The TZID ``value`` is written with, or ``None`` to write it in UTC.

    A wall-clock time that occurs twice (the hour repeated when clocks go back) is written in UTC:
    RFC 5545 3.3.5 reads a TZID-qualified one as the first occurrence, but libical and
    Thunderbird read it as the second (see CLIENT-QUIRKS.md), so only UTC keeps the instant.
    """
    zone = zones.zone_name(value)
    if zone is None or zones.is_ambiguous(value.replace(tzinfo=None), zone):
        return None
    return zone


def _add_when(component: icalendar.Event, name: str, value: When) -> None:
    if not isinstance(value, dt.datetime):
        component.add(name, value)  # VALUE=DATE
        return
    zone = _written_zone(value)
    if zone is None:
        component.add(name, value.astimezone(dt.UTC))
    else:
        # The local time and its TZID, explicitly: the VTIMEZONE we write defines the zone.
        component.add(name, value.replace(tzinfo=None), parameters={"TZID": zone})


def _description(event: Event) -> str | None:
    parts = [event.description] if event.description else []
    if event.speakers:
        label = "Speaker" if len(event.speakers) == 1 else "Speakers"
        parts.append(f"{label}: {', '.join(event.speakers)}")
    return "\n\n".join(parts) or None


def vevent(
    event: Event,
    *,
    uid_domain: str,
    dtstamp: dt.datetime,
    alarm: dt.timedelta | None = None,
) -> icalendar.Event:
    """The VEVENT of ``event``; its UID is ``<id>@<uid_domain>``.

    Speakers go into the description, not ATTENDEE or ORGANIZER: clients treat those as an
    invitation and offer to reply to it. ``alarm``: a VALARM that long before a timed session
    starts; all-day events (no time to be reminded of) and cancelled sessions get none.
    """
    if alarm is not None and alarm < dt.timedelta(0):
        raise InvalidInput.single(f"must not be negative, got {alarm}", field="alarm", value=alarm)
    component = icalendar.Event()
    component.add("uid", event.uid(uid_domain))
    component.add("dtstamp", dtstamp.astimezone(dt.UTC))
    _add_when(component, "dtstart", event.start)
    _add_when(component, "dtend", event.end)
    component.add("summary", _Text(event.title))
    if event.location:
        component.add("location", _Text(event.location))
    description = _description(event)
    if description:
        component.add("description", _Text(description))
    categories = [c for c in (event.type, event.track) if c]
    if categories:
        # The track often repeats the type ("Workshop"/"Workshop"): once is enough.
        component.add("categories", _Categories(list(dict.fromkeys(categories))))
    if event.url:
        component.add("url", event.url)
    if event.status:
        component.add("status", event.status.upper())
    if alarm is not None and not event.all_day and event.status != "cancelled":
        component.add_component(_valarm(event.title, alarm))
    return component


def _valarm(title: str, before: dt.timedelta) -> icalendar.Alarm:
    """A reminder ``before`` the start (TRIGGER is relative to DTSTART by default)."""
    reminder = icalendar.Alarm()
    reminder.add("action", "DISPLAY")
    reminder.add("description", _Text(title))  # required for DISPLAY (RFC 5545 3.6.6)
    reminder.add("trigger", -before)
    return reminder


def _zone_spans(events: list[Event]) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """For each TZID the events are written with, the first and last instant written in it."""
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for event in events:
        for value in (event.start, event.end):
            if not isinstance(value, dt.datetime):
                continue
            zone = _written_zone(value)
            if zone is None:
                continue
            instant = value.astimezone(dt.UTC)
            first, last = spans.get(zone, (instant, instant))
            spans[zone] = (min(first, instant), max(last, instant))
    return spans


def calendar(schedule: Schedule, *, alarm: dt.timedelta | None = None) -> icalendar.Calendar:
    """The VCALENDAR of ``schedule``: its properties, one VTIMEZONE per zone used, its events.

    ``alarm`` is passed to :func:`vevent` for each event.
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # NAME/DESCRIPTION are RFC 7986; Google and Apple read only the X-WR- forms.
    cal.add("name", _Text(schedule.name))
    # X- properties are TEXT by default (RFC 5545 3.8.8.2), so they are escaped like TEXT.
    cal.add("x-wr-calname", _Text(schedule.name))
    cal.add("x-wr-timezone", schedule.timezone)
    if schedule.description:
        cal.add("description", _Text(schedule.description))
        cal.add("x-wr-caldesc", _Text(schedule.description))
    if schedule.url:
        cal.add("url", schedule.url)
    if schedule.refresh is not None:
        # RFC 7986's REFRESH-INTERVAL (Apple, Thunderbird) and Outlook's X-PUBLISHED-TTL.
        cal.add("refresh-interval", schedule.refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", icalendar.vDuration(schedule.refresh))
    events = schedule.sorted_events()
    for zone, (first, last) in sorted(_zone_spans(events).items()):
        cal.add_component(zones.vtimezone(zone, first, last))
    for event in events:
        cal.add_component(
            vevent(event, uid_domain=schedule.uid_host, dtstamp=schedule.dtstamp, alarm=alarm)
        )
    return cal


def serialize(schedule: Schedule, *, alarm: dt.timedelta | None = None) -> bytes:
    """The iCalendar bytes of ``schedule`` (CRLF line ends, folded at 75 octets)."""
    data: bytes = calendar(schedule, alarm=alarm).to_ical()
    return data
