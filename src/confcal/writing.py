"""Writing a :class:`~confcal.model.Schedule` as events.json, the file an organizer edits by hand.

The inverse of :mod:`confcal.loading`: ``loads(dumps(schedule))`` gives the same schedule. Times
are written the way people read a printed programme, as local wall-clock times in the calendar's
zone; the UTC offset is added only where a wall-clock time occurs twice (the hour repeated when
the clocks go back), which is the one place the loader needs it.
"""

from __future__ import annotations

import datetime as dt
import json

from . import zones
from .model import Event, Schedule, When

__all__ = ["dumps"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def dumps(schedule: Schedule) -> str:
    """The schedule as events.json text (UTF-8 characters kept, two-space indent, final newline)."""
    calendar: dict[str, str] = {"name": schedule.name, "timezone": schedule.timezone}
    for key in ("description", "url", "uid_domain"):
        value = getattr(schedule, key)
        if value is not None:
            calendar[key] = value
    if schedule.day_change != dt.time():
        calendar["day_change"] = schedule.day_change.strftime("%H:%M")
    if schedule.dtstamp != _EPOCH:
        calendar["updated"] = schedule.dtstamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "calendar": calendar,
        "events": [_event(event, schedule.timezone) for event in schedule.sorted_events()],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _event(event: Event, calendar_zone: str) -> dict[str, object]:
    zone = calendar_zone
    if isinstance(event.start, dt.datetime):
        zone = zones.zone_name(event.start) or calendar_zone
    fields: dict[str, object] = {"id": event.id, "title": event.title}
    fields["start"] = _when(event.start, zone)
    if isinstance(event.end, dt.datetime):
        fields["end"] = _when(event.end, zone)
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


def _when(value: When, zone: str) -> str:
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    local = zones.to_local(value, zone)
    naive = local.replace(tzinfo=None)
    text = naive.isoformat(timespec="seconds" if naive.second else "minutes")
    if zones.is_ambiguous(naive, zone):
        offset = local.utcoffset()
        assert offset is not None
        text += _offset(offset)
    return text


def _offset(offset: dt.timedelta) -> str:
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
