"""Writing a :class:`~confcal.model.Schedule` as events.json, the file an organizer edits by hand.

The inverse of :mod:`confcal.loading`: ``loads(dumps(schedule))`` equals the schedule with its
events in programme order (the order they are written in), every field kept. Times are written
the way people read a printed programme, as local wall-clock times in the calendar's zone; the
UTC offset is added only where a wall-clock time occurs twice (the hour repeated when the clocks
go back), which is the one place the loader needs it. An event in another zone names it; one in
UTC (or any zone without an IANA name, such as a fixed offset, which calendars get in UTC too)
is written ``"timezone": "UTC"`` with ``Z`` times.

What events.json cannot hold, and so does not come back: times finer than a second, an end in
a zone other than the start's (the instant is kept), and ``refresh=None`` (a part made by
:meth:`~confcal.model.Schedule.subset`; it reads back as the default). A ``day_change`` with
seconds and years outside 1900 to 2199 never get this far: the model refuses them, as the loader.
"""

from __future__ import annotations

import datetime as dt
import json

import icalendar

from . import zones
from .model import DEFAULT_REFRESH, EPOCH, Event, Schedule, When

__all__ = ["dumps"]

_UTC = "UTC"


def dumps(schedule: Schedule) -> str:
    """The schedule as events.json text (UTF-8 characters kept, two-space indent, final newline).

    ``updated`` is written from ``dtstamp`` unless that is 1970 (unknown). A schedule read with
    :func:`~confcal.loading.load` has a ``dtstamp`` from ``SOURCE_DATE_EPOCH`` or the file's
    modification time when the file gives none; load it with ``updated_only=True`` (as
    ``confcal convert`` does) to write ``updated`` only where the file had it.
    """
    calendar: dict[str, str] = {"name": schedule.name, "timezone": schedule.timezone}
    for key in ("description", "url", "uid_domain"):
        value = getattr(schedule, key)
        if value is not None:
            calendar[key] = value
    if schedule.day_change != dt.time():
        calendar["day_change"] = schedule.day_change.strftime("%H:%M")
    if schedule.dtstamp != EPOCH:
        stamp = schedule.dtstamp.astimezone(dt.UTC).replace(tzinfo=None)
        calendar["updated"] = f"{stamp.isoformat(timespec='auto')}Z"
    if schedule.refresh is not None and schedule.refresh != DEFAULT_REFRESH:
        refresh: bytes = icalendar.vDuration(schedule.refresh).to_ical()  # type: ignore[no-untyped-call]
        calendar["refresh"] = refresh.decode("ascii")
    utc_calendar = _zone_of(zones.localize(dt.datetime(2000, 1, 1), schedule.timezone)) == _UTC
    document = {
        "calendar": calendar,
        "events": [
            _event(event, schedule.timezone, utc_calendar) for event in schedule.sorted_events()
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _zone_of(value: dt.datetime) -> str:
    """The zone ``value`` is written in: its IANA name, or UTC (as the calendars write it)."""
    return zones.zone_name(value) or _UTC


def _event(event: Event, calendar_zone: str, utc_calendar: bool) -> dict[str, object]:
    zone = calendar_zone
    if isinstance(event.start, dt.datetime):
        zone = _zone_of(event.start)
        if zone == _UTC and utc_calendar:
            zone = calendar_zone
    # UTC in a calendar elsewhere: Z says so where the time is read, not only in "timezone".
    utc = zone == _UTC and zone != calendar_zone
    fields: dict[str, object] = {"id": event.id, "title": event.title}
    fields["start"] = _when(event.start, zone, utc)
    if isinstance(event.end, dt.datetime):
        fields["end"] = _when(event.end, zone, utc)
    else:
        fields["end"] = (event.end - dt.timedelta(days=1)).isoformat()  # last day, inclusive
    if zone != calendar_zone:
        fields["timezone"] = zone
    for key in ("type", "track", "location", "description", "url", "status"):
        value = getattr(event, key)
        if value is not None:
            fields[key] = value
    if event.speakers:
        fields["speakers"] = list(event.speakers)
    return fields


def _when(value: When, zone: str, utc: bool) -> str:
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    local = zones.to_local(value, zone)
    naive = local.replace(tzinfo=None)
    text = naive.isoformat(timespec="seconds" if naive.second else "minutes")
    if utc:
        return f"{text}Z"
    if zones.is_ambiguous(naive, zone):
        offset = local.utcoffset()
        assert offset is not None
        text += zones.format_offset(offset)
    return text
