"""The programme as a table to read: grouped by day, with times in the conference's zone or another.

:func:`programme` gives the rows (times converted through :mod:`confcal.zones`, so right in any
year), :func:`table` their text, which is what ``confcal list`` prints: the command only prints
it, so a library caller gets the same table.
"""

from __future__ import annotations

import datetime as dt

import attrs

from . import zones
from .model import Event, Schedule

__all__ = ["Day", "Row", "programme", "table"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@attrs.frozen
class Row:
    """One event on one ``day`` of the listing; ``start``/``end`` are wall-clock times in the
    listing's zone (``zoneinfo``-aware), or ``None`` for an all-day event."""

    event: Event
    day: dt.date
    start: dt.datetime | None
    end: dt.datetime | None

    @property
    def all_day(self) -> bool:
        """Whether the event is all-day (it is listed on every day it spans, without times)."""
        return self.start is None

    @property
    def start_day_offset(self) -> int:
        """How many days after its listing day a timed event starts: ``1`` for a 01:00 session
        that a conference whose days change at 04:00 counts to the day before; else 0."""
        if self.start is None:
            return 0
        return (self.start.date() - self.day).days

    @property
    def end_day_offset(self) -> int:
        """How many days after its start a timed event ends (``1`` for 23:00-01:00), else 0."""
        if self.start is None or self.end is None:
            return 0
        return (self.end.date() - self.start.date()).days


@attrs.frozen
class Day:
    """A day of the listing and its events, in programme order."""

    date: dt.date
    rows: tuple[Row, ...]


def programme(schedule: Schedule, zone: str | None = None) -> list[Day]:
    """The schedule's events by day, in ``zone`` (default: the calendar's own).

    In the calendar's zone the days are its conference days (honouring ``day_change``, so a
    01:00 session stays on the day before). In another zone they are that zone's calendar dates,
    since an attendee following from elsewhere wants to know what is on their own day. All-day
    events keep their dates, as calendar clients show them.

    Raises:
        InvalidInput: ``zone`` is not a known IANA zone.
    """
    zone = zone or schedule.timezone
    zones.get_zone(zone)
    day_change = schedule.day_change if zone == schedule.timezone else dt.time()
    by_day: dict[dt.date, list[Row]] = {}
    for event in schedule.sorted_events():
        for day in event.days(zone, day_change):
            by_day.setdefault(day, []).append(_row(event, day, zone))
    return [Day(day, tuple(by_day[day])) for day in sorted(by_day)]


def _row(event: Event, day: dt.date, zone: str) -> Row:
    if not isinstance(event.start, dt.datetime) or not isinstance(event.end, dt.datetime):
        return Row(event, day, None, None)
    return Row(event, day, zones.to_local(event.start, zone), zones.to_local(event.end, zone))


def table(schedule: Schedule, zone: str | None = None) -> str:
    """The programme as ``confcal list`` prints it: a heading, then per day its sessions, one
    line each, in aligned columns of times, room and type (a column no session fills is left
    out), then the status (unless confirmed) and the title.

    Raises:
        InvalidInput: ``zone`` is not a known IANA zone.
    """
    days = programme(schedule, zone)
    rows = [row for day in days for row in day.rows]
    widths = [
        max((len(cell) for cell in column), default=0)
        for column in zip(*map(_cells, rows), strict=True)
    ]
    lines = [f"{schedule.name} (times in {zone or schedule.timezone})"]
    for day in days:
        lines.append(f"\n{_WEEKDAYS[day.date.weekday()]} {day.date.isoformat()}")
        for row in day.rows:
            cells = _cells(row)
            columns = "".join(f"{c.ljust(w)}  " for c, w in zip(cells, widths, strict=True) if w)
            status = "" if row.event.status in {None, "confirmed"} else f"[{row.event.status}] "
            title = " ".join(row.event.title.split())  # one line per session
            lines.append(f"  {columns}{status}{title}")
    return "".join(f"{line}\n" for line in lines)


def _cells(row: Row) -> list[str]:
    return [_times(row), row.event.location or "", row.event.type or ""]


def _times(row: Row) -> str:
    """``11:21-11:44``; ``23:00-01:00+1`` when a session ends on a later date; ``Fri 01:00-03:00``
    when it starts on a later date than the day it is listed under; ``all day``."""
    if row.start is None or row.end is None:
        return "all day"
    later = f"+{row.end_day_offset}" if row.end_day_offset else ""
    weekday = f"{_WEEKDAYS[row.start.weekday()]} " if row.start_day_offset else ""
    return f"{weekday}{row.start:%H:%M}-{row.end:%H:%M}{later}"
