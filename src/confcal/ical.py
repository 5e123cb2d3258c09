"""The model as iCalendar: :func:`to_vevent`, :func:`to_calendar` and :func:`to_ical`.

What goes into a calendar is decided here, once: which properties an event and a calendar have,
which TZID a time is written with, which VTIMEZONEs a calendar needs. :func:`to_calendar` gives
it as ``icalendar`` objects to work with; :func:`to_ical` gives its bytes through the private
serializer (:mod:`confcal._serialize`), which writes each piece once however many files hold it
and is byte for byte what icalendar writes for :func:`to_calendar`. Both follow the one plan of
:func:`_plan`. The model knows nothing of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType

import icalendar

from . import _serialize, zones
from ._choices import MAX_ALARM
from ._fields import as_dtstamp, check_domain, wrong_type
from ._serialize import CategoryList, Context, PlainText, Property, Text, icalendar_value
from ._version import __version__
from ._vtimezone import ZoneDefinition, zone_definition
from .errors import InvalidInput, shown
from .model import EPOCH, Event, Schedule, When

_NONE: Mapping[str, str] = MappingProxyType({})  # no parameters

__all__ = ["MAX_ALARM", "Progress", "to_calendar", "to_ical", "to_vevent"]

#: The PRODID of every calendar confcal writes, naming its version.
PRODID = f"-//confcal//confcal {__version__}//EN"


def to_vevent(
    event: Event,
    *,
    uid_domain: str = "confcal.invalid",
    dtstamp: dt.datetime = EPOCH,
    alarm: dt.timedelta | None = None,
) -> icalendar.Event:
    """The VEVENT of ``event``; its UID is ``<id>@<uid_domain>``.

    Speakers go into the description, not ATTENDEE or ORGANIZER: clients treat those as an
    invitation and offer to reply to it. ``alarm``: a VALARM that long before a timed session
    starts; all-day events (no time to be reminded of) and cancelled sessions get none.

    Raises:
        InvalidInput: a ``uid_domain`` that is no domain name, a naive ``dtstamp`` or
            one outside 1900-2199, an ``alarm`` that is no duration up to 366 days, or
            an argument of the wrong type, naming the parameter.
    """
    check_alarm(alarm)
    # The model's rules for Schedule.uid_domain and Schedule.dtstamp, not a second wording.
    if uid_domain is None:
        raise wrong_type("uid_domain", "a domain name (text)", uid_domain)
    check_domain("uid_domain", uid_domain)
    stamp = as_dtstamp("dtstamp", dtstamp)
    properties, reminder = _event_properties(event, (uid_domain, stamp, alarm))
    component = icalendar.Event()
    _add_all(component, properties)
    if reminder:
        valarm = icalendar.Alarm()
        _add_all(valarm, reminder)
        component.add_component(valarm)
    return component


def _event_properties(event: Event, context: Context) -> tuple[list[Property], list[Property]]:
    """What the VEVENT of ``event`` holds, and its VALARM's properties (none without one).

    The one decision of what an event's VEVENT says, behind both :func:`to_vevent` (icalendar
    objects) and :func:`to_ical` (the serializer's bytes, :func:`confcal._serialize.event_bytes`).
    Speakers go into the description, not ATTENDEE or ORGANIZER: clients treat those as an
    invitation and offer to reply to it.
    """
    uid_domain, stamp, alarm = context
    (start_zone, _), (end_zone, _) = _serialize.event_zones(event, _event_zones)
    # The session's language (RFC 5545 3.2.10) on the texts written in it: the title, and the
    # abstract (the speakers' line after it is confcal's English).
    language = {"LANGUAGE": event.language} if event.language else _NONE
    properties: list[Property] = [
        ("UID", event.uid(uid_domain), _NONE),
        ("DTSTAMP", stamp, _NONE),
    ]
    # A session changed since it was first published (confcal.history): clients that keep
    # events by UID take the one with the higher SEQUENCE (RFC 5545 3.8.7.4, RFC 5546 2.1.5).
    # None is written for a session never changed, so a programme without history keeps its bytes.
    if event.last_modified is not None:
        properties.append(("LAST-MODIFIED", event.last_modified, _NONE))
    if event.sequence:
        properties.append(("SEQUENCE", event.sequence, _NONE))
    properties += [
        _when("DTSTART", event.start, start_zone),
        _when("DTEND", event.end, end_zone),
        ("SUMMARY", PlainText(event.title), language),
    ]
    if event.location:
        properties.append(("LOCATION", PlainText(event.location), _NONE))
    description = _description(event)
    if description:
        own = language if event.description else _NONE
        properties.append(("DESCRIPTION", PlainText(description), own))
    categories = [c for c in (event.type, event.track) if c]
    if categories:
        # The track often repeats the type ("Workshop"/"Workshop"): once is enough.
        properties.append(("CATEGORIES", CategoryList(dict.fromkeys(categories)), _NONE))
    if event.url:
        properties.append(("URL", event.url, _NONE))
    if event.status:
        properties.append(("STATUS", event.status.upper(), _NONE))
    if alarm is None or event.all_day or event.status == "cancelled":
        return properties, []
    # A reminder ``alarm`` before the start (TRIGGER is relative to DTSTART by default);
    # DESCRIPTION is required for DISPLAY (RFC 5545 3.6.6). All-day events (no time to be
    # reminded of) and cancelled sessions get none.
    return properties, [
        ("ACTION", "DISPLAY", _NONE),
        ("DESCRIPTION", PlainText(event.title), language),
        ("TRIGGER", -alarm, _NONE),
    ]


def _add_all(component: icalendar.cal.component.Component, properties: list[Property]) -> None:
    for name, value, parameters in properties:
        component.add(name.lower(), icalendar_value(value), parameters=dict(parameters))


def to_calendar(schedule: Schedule, *, alarm: dt.timedelta | None = None) -> icalendar.Calendar:
    """The VCALENDAR of ``schedule``: its properties, one VTIMEZONE per zone used, its events.

    ``alarm``: a reminder that long before each timed session (see :func:`to_vevent`).

    Raises:
        InvalidInput: ``schedule`` is not a :class:`Schedule`, or ``alarm`` is no
            duration up to 366 days.
    """
    _check_schedule(schedule)
    check_alarm(alarm)
    events, definitions, context = _plan(schedule, alarm)
    cal = _calendar_properties(schedule)
    for definition in definitions:
        cal.add_component(definition.to_component())
    for event in events:
        cal.add_component(_event_component(event, context))
    return cal


#: Told ``(done, total)`` as work goes on: how a long run shows its progress.
Progress = Callable[[int, int], None]


def to_ical(
    schedule: Schedule, *, alarm: dt.timedelta | None = None, progress: Progress | None = None
) -> bytes:
    """The iCalendar bytes of ``schedule`` (RFC 5545: CRLF line ends, folded at 75 octets).

    The same bytes as ``to_calendar(schedule, alarm=alarm).to_ical()``, built from cached pieces:
    a VEVENT is serialized once however many files it is written into. ``progress`` is told
    ``(events done, events)`` after each event (a progress bar for 100,000 sessions).

    Raises:
        InvalidInput: ``schedule`` is not a :class:`Schedule`, or ``alarm`` is no
            duration up to 366 days.
    """
    _check_schedule(schedule)
    check_alarm(alarm)  # before it is part of a cache key
    return _assemble(schedule, schedule.sorted_events(), alarm, progress=progress)


def part_to_ical(
    schedule: Schedule,
    events: list[Event],
    *,
    name: str,
    alarm: dt.timedelta | None = None,
    feed: bool = False,
) -> bytes:
    """``to_ical(schedule.subset(events, name=name, feed=feed), alarm=alarm)``, ``events`` in
    programme order, without making the part: a build writes one per session."""
    check_alarm(alarm)
    return _assemble(schedule, events, alarm, part=(name, feed))


def _assemble(
    schedule: Schedule,
    events: list[Event],
    alarm: dt.timedelta | None,
    *,
    part: tuple[str, bool] | None = None,
    progress: Progress | None = None,
) -> bytes:
    """The bytes of ``schedule``, or of its ``part`` (name, feed) holding ``events``."""
    context = (schedule.uid_host, schedule.dtstamp, alarm)
    name, feed = (schedule.name, True) if part is None else part
    refresh = schedule.refresh if feed else None  # a download, not a feed, has none

    def properties() -> icalendar.Calendar:
        made = schedule if part is None else schedule.subset(events, name=name, feed=feed)
        return _calendar_properties(made)

    parts = [_serialize.head_bytes(_calendar_context(schedule, refresh), name, properties)]
    parts.append(_vtimezones(events))
    if progress is None:
        parts += [_serialize.vevent_bytes(event, context, _event_properties) for event in events]
    else:
        for done, event in enumerate(events, start=1):
            parts.append(_serialize.vevent_bytes(event, context, _event_properties))
            progress(done, len(events))
    parts.append(_serialize.END)
    return b"".join(parts)


def vtimezones(schedule: Schedule) -> bytes:
    """The VTIMEZONEs of ``to_ical(schedule)``, as it writes them: what a calendar of any of its
    sessions needs, made without its VEVENTs."""
    _check_schedule(schedule)
    return _vtimezones(schedule.sorted_events())


def _vtimezones(events: list[Event]) -> bytes:
    return b"".join(_serialize.vtimezone_bytes(definition) for definition in _definitions(events))


def _definitions(events: list[Event]) -> list[ZoneDefinition]:
    """The VTIMEZONEs a calendar of ``events`` needs, by TZID."""
    return [
        zone_definition(zone, first, last)
        for zone, (first, last) in sorted(_zone_spans(events).items())
    ]


def _check_schedule(schedule: object) -> None:
    if not isinstance(schedule, Schedule):
        raise wrong_type("schedule", "a confcal Schedule", schedule)


def _plan(
    schedule: Schedule, alarm: dt.timedelta | None
) -> tuple[list[Event], list[ZoneDefinition], Context]:
    """What a calendar holds, in order: its events, its VTIMEZONEs, what each VEVENT depends on."""
    events = schedule.sorted_events()
    return events, _definitions(events), (schedule.uid_host, schedule.dtstamp, alarm)


def _event_component(event: Event, context: Context) -> icalendar.Event:
    uid_domain, dtstamp, alarm = context
    return to_vevent(event, uid_domain=uid_domain, dtstamp=dtstamp, alarm=alarm)


def _written_zone(value: dt.datetime) -> str | None:
    """The TZID ``value`` is written with, or ``None`` to write it in UTC.

    A wall-clock time that occurs twice (the hour repeated when clocks go back) is written in UTC:
    RFC 5545 3.3.5 reads a TZID-qualified one as the first occurrence, but libical and
    Thunderbird read it as the second (README, "Reader quirks confcal writes around"), so only UTC
    keeps the instant.
    """
    zone = zones.zone_name(value)
    if zone is None or zones.is_ambiguous(value.replace(tzinfo=None), zone):
        return None
    return zone


def _when(name: str, value: When, zone: str | None) -> Property:
    """DTSTART or DTEND: a date (VALUE=DATE), a time in UTC, or a local time and its TZID
    (``zone``, as :func:`_event_zones` found it)."""
    if not isinstance(value, dt.datetime):
        return name, value, _NONE  # VALUE=DATE
    if zone is None:
        return name, value.astimezone(dt.UTC), _NONE
    # The local time and its TZID, explicitly: the VTIMEZONE we write defines the zone.
    return name, value.replace(tzinfo=None), {"TZID": zone}


def _description(event: Event) -> str | None:
    parts = [event.description] if event.description else []
    if event.speaker_line:
        parts.append(event.speaker_line)
    return "\n\n".join(parts) or None


def check_alarm(alarm: dt.timedelta | None) -> None:
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
    if alarm > MAX_ALARM or alarm.microseconds:
        raise InvalidInput.single(
            f"must be whole seconds and at most {MAX_ALARM.days} days (as --alarm), got {alarm}",
            field="alarm",
            value=alarm,
        )


def _zone_spans(events: list[Event]) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    """For each TZID the events are written with, the first and last instant written in it."""
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for event in events:
        for zone, instant in _serialize.event_zones(event, _event_zones):
            if zone is None or instant is None:
                continue
            first, last = spans.get(zone, (instant, instant))
            spans[zone] = (min(first, instant), max(last, instant))
    return spans


def _event_zones(event: Event) -> _serialize.Zones:
    """The TZID the event's start, then its end, is written with and the instant written in it;
    ``(None, None)`` for a time written in UTC or a date."""
    return tuple(_zoned(value) for value in (event.start, event.end))


def _zoned(value: When) -> tuple[str | None, dt.datetime | None]:
    if not isinstance(value, dt.datetime):
        return None, None
    zone = _written_zone(value)
    return (None, None) if zone is None else (zone, value.astimezone(dt.UTC))


def _calendar_context(schedule: Schedule, refresh: dt.timedelta | None) -> tuple[object, ...]:
    """Everything :func:`_calendar_properties` writes but the name, for ``schedule`` or a part
    of it with ``refresh``: the key of ``head_bytes`` in :func:`_assemble`."""
    return (schedule.timezone, schedule.description, schedule.url, refresh)


def _calendar_properties(schedule: Schedule) -> icalendar.Calendar:
    """A VCALENDAR holding only the calendar's own properties: its name, and its zone,
    description, URL and refresh hints (see :func:`_calendar_context`)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # NAME/DESCRIPTION are RFC 7986; Google and Apple read only the X-WR- forms. X- properties
    # are TEXT by default (RFC 5545 3.8.8.2), so they are escaped like TEXT.
    for name in _serialize.NAME_PROPERTIES:
        cal.add(name, Text(schedule.name))
    cal.add("x-wr-timezone", schedule.timezone)
    if schedule.description:
        cal.add("description", Text(schedule.description))
        cal.add("x-wr-caldesc", Text(schedule.description))
    if schedule.url:
        cal.add("url", schedule.url)
    if schedule.refresh is not None:
        # RFC 7986's REFRESH-INTERVAL (Apple, Thunderbird) and Outlook's X-PUBLISHED-TTL.
        cal.add("refresh-interval", schedule.refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", icalendar.vDuration(schedule.refresh))
    return cal
