"""The model as iCalendar: VEVENTs, VTIMEZONEs and whole VCALENDARs, through ``icalendar``."""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from importlib.metadata import PackageNotFoundError, version

import icalendar
from icalendar.parser import Contentline, Parameters

from . import _vtimezone, zones
from .errors import InvalidInput, shown
from .model import MAX_LENGTH, Event, Schedule, When

__all__ = ["calendar", "serialize", "vevent"]

try:
    _VERSION = version("confcal")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    _VERSION = "0"
PRODID = f"-//confcal//confcal {_VERSION}//EN"


def _escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping, each character once.

    ``icalendar``'s own escaping first turns a literal backslash-N into a newline, so a
    description holding ``C:\\New`` would lose its backslash and gain a line break. Backslashes
    go first, so no escape added later is escaped again (four C-level passes: a regular
    expression calling back into Python per comma took 4 times as long).
    """
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


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
    _check_alarm(alarm)
    if not isinstance(uid_domain, str) or not uid_domain:
        raise InvalidInput.single(
            f"must be a domain name (text), not {shown(uid_domain)}",
            field="uid_domain",
            value=uid_domain,
        )
    if not isinstance(dtstamp, dt.datetime) or dtstamp.utcoffset() is None:
        raise InvalidInput.single(
            f"must be a timezone-aware datetime, not {shown(dtstamp)}",
            field="dtstamp",
            value=dtstamp,
        )
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


def _check_alarm(alarm: dt.timedelta | None) -> None:
    """``alarm`` is ``None`` or a duration of zero or more (before the start)."""
    if alarm is None:
        return
    if not isinstance(alarm, dt.timedelta):
        raise InvalidInput.single(
            f"must be a duration (datetime.timedelta) before the start, or None, "
            f"not {type(alarm).__name__}: {shown(alarm)}",
            field="alarm",
            value=alarm,
        )
    if alarm < dt.timedelta(0):
        raise InvalidInput.single(f"must not be negative, got {alarm}", field="alarm", value=alarm)
    if alarm > MAX_LENGTH or alarm.microseconds:
        raise InvalidInput.single(
            f"must be whole seconds and at most {MAX_LENGTH.days} days (as --alarm), got {alarm}",
            field="alarm",
            value=alarm,
        )


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


def _calendar_properties(cal: icalendar.Calendar, schedule: Schedule, name: str) -> None:
    """The VCALENDAR's own properties, named ``name``; :func:`_calendar_context` lists the rest."""
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    _calendar_names(cal, name)
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


def _calendar_names(cal: icalendar.Calendar, name: str) -> None:
    # NAME/DESCRIPTION are RFC 7986; Google and Apple read only the X-WR- forms.
    cal.add("name", _Text(name))
    # X- properties are TEXT by default (RFC 5545 3.8.8.2), so they are escaped like TEXT.
    cal.add("x-wr-calname", _Text(name))


#: What a VEVENT depends on besides its event: the arguments of :func:`vevent`, and the key of the
#: event's cached bytes.
_Context = tuple[str, dt.datetime, dt.timedelta | None]


def _event_context(schedule: Schedule, alarm: dt.timedelta | None) -> _Context:
    return (schedule.uid_host, schedule.dtstamp, alarm)


def _event_component(event: Event, context: _Context) -> icalendar.Event:
    uid_domain, dtstamp, alarm = context
    return vevent(event, uid_domain=uid_domain, dtstamp=dtstamp, alarm=alarm)


def calendar(schedule: Schedule, *, alarm: dt.timedelta | None = None) -> icalendar.Calendar:
    """The VCALENDAR of ``schedule``: its properties, one VTIMEZONE per zone used, its events.

    ``alarm`` is passed to :func:`vevent` for each event.
    """
    _check_alarm(alarm)
    cal = icalendar.Calendar()
    _calendar_properties(cal, schedule, schedule.name)
    events = schedule.sorted_events()
    for zone, (first, last) in sorted(_zone_spans(events).items()):
        cal.add_component(_vtimezone.vtimezone(zone, first, last))
    context = _event_context(schedule, alarm)
    for event in events:
        cal.add_component(_event_component(event, context))
    return cal


# --- Serialization: each component through icalendar once, its bytes reused ---------------------
#
# A build writes the same event into the whole calendar, its day's file and its own file, and the
# same VTIMEZONE and calendar properties into many files. Each piece is turned into content lines
# by icalendar once, and the VCALENDAR is assembled from the bytes. The result is byte for byte
# ``calendar(schedule).to_ical()`` (tests/test_fast_path.py holds the two side by side).

_FOLD_AT = 74  # octets: icalendar folds before the character that would make a line 75 long
_CONTINUATION = 0x80  # UTF-8 bytes 10xxxxxx continue a character
_FOLD_ESCAPES = (ord("\\"), ord("^"))  # escapes (TEXT, RFC 6868) stay with what they escape


def _fold(line: str) -> bytes:
    """``icalendar.Contentline(line).to_ical()``: the same folds, found on the UTF-8 bytes at once.

    icalendar walks the line a character at a time, which is most of the cost of writing a
    calendar; a line of up to 74 octets, most of them, is not folded at all.
    """
    data = line.encode()
    size = len(data)
    if size <= _FOLD_AT:
        return data
    chunks = []
    start = 0
    while size - start > _FOLD_AT:
        end = start + _FOLD_AT
        while data[end] & 0xC0 == _CONTINUATION:  # never inside a character
            end -= 1
        if end - start > 1 and data[end - 1] in _FOLD_ESCAPES:
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks)


_NO_PARAMETERS = Parameters()


def _to_ical(component: icalendar.cal.component.Component) -> bytes:
    """``component.to_ical()``: icalendar's content lines, folded by :func:`_fold`.

    Each line is icalendar's ``Contentline.from_parts``, as in ``Component.content_lines``, which
    also builds an empty ``Parameters`` for every property that has its own (a sixth of the cost).
    """
    lines = []
    for name, value in component.property_items():
        params = getattr(value, "params", None)
        line = Contentline.from_parts(name, _NO_PARAMETERS if params is None else params, value)
        lines.append(_fold(line) + b"\r\n")
    return b"".join(lines)


class _EventBytes:
    """The bytes of each event's VEVENT per :data:`_Context`, for as long as the event lives.

    Keyed by identity, not equality: two equal events can differ in what is written (the same
    instant in two zones compares equal).
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Event], dict[_Context, bytes]]] = {}

    def of(self, event: Event) -> dict[_Context, bytes]:
        key = id(event)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is event:
            return entry[1]
        entries = self._entries

        def forget(ref: weakref.ref[Event]) -> None:
            if entries.get(key, (None,))[0] is ref:
                entries.pop(key, None)

        cache: dict[_Context, bytes] = {}
        entries[key] = (weakref.ref(event, forget), cache)
        return cache


_EVENT_BYTES = _EventBytes()


#: Contexts kept per event: a build uses one or two (with and without an alarm); a server that
#: writes calendars per request with ever new alarms or stamps must not grow without limit.
_CONTEXTS_PER_EVENT = 4


def _vevent_bytes(event: Event, context: _Context) -> bytes:
    cache = _EVENT_BYTES.of(event)
    data = cache.get(context)
    if data is None:
        if len(cache) >= _CONTEXTS_PER_EVENT:
            cache.clear()
        data = cache[context] = _to_ical(_event_component(event, context))
    return data


@functools.lru_cache(maxsize=1024)
def _vtimezone_bytes(definition: _vtimezone.ZoneDefinition) -> bytes:
    return _to_ical(definition.to_component())


_END = b"END:VCALENDAR\r\n"
_NAME_MARK = "\ue000"  # stands for the name in the cached lines, which every part shares
_HEADS: dict[tuple[object, ...], tuple[bytes | str, ...]] = {}


def _calendar_context(schedule: Schedule) -> tuple[object, ...]:
    """Everything of ``schedule`` that :func:`_calendar_properties` reads, but the name."""
    return (schedule.timezone, schedule.description, schedule.url, schedule.refresh)


def _head_template(schedule: Schedule) -> tuple[bytes | str, ...]:
    """The calendar's property lines as bytes, but for the name lines: their property names."""
    key = _calendar_context(schedule)
    template = _HEADS.get(key)
    if template is None:
        cal, names = icalendar.Calendar(), icalendar.Calendar()
        _calendar_properties(cal, schedule, _NAME_MARK)
        _calendar_names(names, _NAME_MARK)
        marked = {names.content_line(name, names[name]): name for name in names}
        lines = [line for line in cal.content_lines() if line][:-1]  # without END:VCALENDAR
        if len(_HEADS) >= 64:
            _HEADS.clear()
        template = _HEADS[key] = tuple(
            marked[line] if line in marked else _fold(line) + b"\r\n" for line in lines
        )
    return template


def _head(schedule: Schedule) -> bytes:
    """``BEGIN:VCALENDAR`` and the calendar's properties, as bytes."""
    named = icalendar.Calendar()
    _calendar_names(named, schedule.name)
    lines = [
        part if isinstance(part, bytes) else _fold(named.content_line(part, named[part])) + b"\r\n"
        for part in _head_template(schedule)
    ]
    return b"".join(lines)


def serialize(schedule: Schedule, *, alarm: dt.timedelta | None = None) -> bytes:
    """The iCalendar bytes of ``schedule`` (CRLF line ends, folded at 75 octets).

    The same bytes as ``calendar(schedule, alarm=alarm).to_ical()``, built from cached pieces: a
    VEVENT is serialized once however many files it is written into.
    """
    _check_alarm(alarm)  # before it is part of a cache key
    events = schedule.sorted_events()
    parts = [_head(schedule)]
    for zone, (first, last) in sorted(_zone_spans(events).items()):
        parts.append(_vtimezone_bytes(_vtimezone.zone_definition(zone, first, last)))
    context = _event_context(schedule, alarm)
    parts.extend(_vevent_bytes(event, context) for event in events)
    parts.append(_END)
    return b"".join(parts)
