"""events.json, confcal's own programme file: :func:`loads` reads it and :func:`dumps` writes it.

An organizer edits events.json by hand; one run must tell them everything that is wrong, each
problem naming the file, the event, the field and the value. The reader parses the file's syntax
(keys, JSON types, dates, durations) and collects; what a field may hold is the model's rule,
located here in the file. The writer is its inverse, side by side, so the two cannot drift:
``loads(dumps(schedule))`` is the schedule with its events in programme order.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from typing import Any

import attrs
import icalendar

from confcal import zones
from confcal.errors import InvalidInput, shown
from confcal.model import DEFAULT_REFRESH, EPOCH, STATUSES, Event, Schedule, When

from ._common import (
    check_options,
    check_text,
    event_label,
    model_problems,
    name,
    parse_refresh,
    wrong_type,
)
from ._events_fields import FieldReader
from ._json import kind, parse_json

__all__ = ["dumps", "loads"]

_CALENDAR_KEYS = (
    "name", "timezone", "description", "url", "uid_domain", "day_change", "updated", "refresh",
    "language",
)  # fmt: skip
_EVENT_KEYS = (
    "id", "title", "start", "end", "duration", "timezone", "type", "track", "location",
    "description", "url", "speakers", "status", "language",
)  # fmt: skip
_TOP_KEYS = ("calendar", "events")


def loads(text: str, *, source: str = "<string>", dtstamp: dt.datetime | None = None) -> Schedule:
    """The schedule events.json ``text`` holds; ``source`` names it in messages.

    DTSTAMP is ``calendar.updated``, else ``dtstamp``, else 1970 ("unknown"): never the clock
    nor the environment, so the same text always gives the same schedule. Raises
    :class:`InvalidInput` listing every problem.
    """
    if not isinstance(check_text(text), str):
        raise wrong_type("text", "text (str)", text)
    check_options(source=source, dtstamp=dtstamp)
    return _read(parse_json(text, source), source=source, dtstamp=dtstamp)


def _read(
    document: object, *, source: str = "<string>", dtstamp: dt.datetime | None = None
) -> Schedule:
    """An events.json already parsed by :func:`._json.parse_json` (so that telling the formats
    apart and reading do not parse the file twice); otherwise as :func:`loads`."""
    check_options(source=source, dtstamp=dtstamp)
    reader = _Reader(source, EPOCH if dtstamp is None else dtstamp)
    with reader.reading():
        return reader.read(document)


class _Reader(FieldReader):
    """Builds the schedule from the JSON document, collecting every problem on the way."""

    def __init__(self, source: str, dtstamp: dt.datetime) -> None:
        super().__init__(source)
        self.dtstamp = dtstamp

    def unknown_keys(
        self,
        mapping: dict[str, Any],
        known: tuple[str, ...],
        *,
        event: str | None = None,
        where: str = "",
    ) -> None:
        self.twice(mapping, event=event, where=where)
        for key in mapping:
            if key not in known:
                # A key far longer than any known one is no typo of one (and difflib's time
                # grows faster than the key's length).
                close = difflib.get_close_matches(key, known, n=1) if len(key) <= 40 else []
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; known keys: {', '.join(known)}"
                )
                self.problem(
                    f"unknown key {shown(key)}{hint}",
                    event=event,
                    field=f"{where}{name(key)}",
                    value=key,
                )

    def read(self, document: object) -> Schedule:
        if not isinstance(document, dict):
            self.problem(
                'the file must be a JSON object with "calendar" and "events", '
                f"not {kind(document)}: {shown(document)}"
            )
            raise InvalidInput(self.problems)
        self.unknown_keys(document, _TOP_KEYS)
        calendar = document.get("calendar")
        if not isinstance(calendar, dict):
            what = f"must be an object, not {kind(calendar)}: {shown(calendar)}"
            self.problem(
                "is required" if calendar is None else what, field="calendar", value=calendar
            )
            calendar = {}
        events = document.get("events")
        if not isinstance(events, list):
            what = f"must be a list, not {kind(events)}: {shown(events)}"
            self.problem("is required" if events is None else what, field="events", value=events)
            events = []
        elif not events:
            # An empty feed would silently take every session from its subscribers (the frab
            # and .ics readers refuse one too): most likely a file cut short or a bad merge.
            self.problem(
                "is empty: the programme lists no events, so there is nothing to export "
                "(subscribers would lose every session)",
                field="events",
                value=events,
            )
        before = len(self.problems)
        fields = self.calendar_fields(calendar)
        schedule = self.calendar(fields) if len(self.problems) == before else None
        zone = fields.get("timezone")
        built = [self.event(raw, index, zone) for index, raw in enumerate(events, start=1)]
        self.relocated(model_problems(Schedule, "events", tuple(e for e in built if e)))
        if self.problems or schedule is None:
            raise InvalidInput(self.problems)
        return attrs.evolve(schedule, events=[e for e in built if e is not None])

    def calendar(self, fields: dict[str, Any]) -> Schedule | None:
        """The calendar without its events; ``None`` where the model refuses its fields."""
        if fields["name"] is None or "timezone" not in fields:
            return None
        try:
            return Schedule(**fields)
        except InvalidInput as error:
            self.relocated(error.problems, where="calendar.")
            return None

    def calendar_fields(self, calendar: dict[str, Any]) -> dict[str, Any]:
        where = "calendar."
        self.unknown_keys(calendar, _CALENDAR_KEYS, where=where)
        fields: dict[str, Any] = {}
        fields["name"] = self.text(calendar, "name", where=where, required=True)
        zone = self.text(calendar, "timezone", where=where, required=True)
        if zone is not None and self.zone(zone, field="calendar.timezone"):
            fields["timezone"] = zone
        for key in ("description", "url", "uid_domain", "language"):
            value = self.text(calendar, key, where=where)
            if value is not None:
                fields[key] = value
        change = self.text(calendar, "day_change", where=where)
        if change is not None:
            clock = self.day_change(change, field="calendar.day_change")
            if clock is not None:
                fields["day_change"] = clock
        updated = self.updated(calendar)
        fields["dtstamp"] = self.dtstamp if updated is None else updated
        refresh = self.text(calendar, "refresh", where=where)
        if refresh is not None:
            try:
                fields["refresh"] = parse_refresh(refresh)
            except InvalidInput as error:
                self.relocated(error.problems, where=where)
        return fields

    def updated(self, calendar: dict[str, Any]) -> dt.datetime | None:
        """``calendar.updated``, checked even where SOURCE_DATE_EPOCH overrides it."""
        updated = self.text(calendar, "updated", where="calendar.")
        if updated is None:
            return None
        try:
            stamp = dt.datetime.fromisoformat(updated)
        except ValueError:
            stamp = None
        if stamp is None or stamp.tzinfo is None:
            self.problem(
                f"{shown(updated)} is not a date and time with a UTC offset, "
                "such as 2024-11-14T09:00:00Z",
                field="calendar.updated",
                value=updated,
            )
            return None
        # What a DTSTAMP may be (its years) is the model's rule, located here, after the text
        # as written (the model shows the time in UTC).
        problems = model_problems(Schedule, "dtstamp", stamp)
        for problem in problems:
            message = f"{shown(updated)}: {problem.message}"
            self.problem(message, field="calendar.updated", value=updated)
        return None if problems else stamp.astimezone(dt.UTC)

    def event(self, raw: object, index: int, calendar_zone: str | None) -> Event | None:
        if not isinstance(raw, dict):
            self.problem(
                f"must be an object, not {kind(raw)}: {shown(raw)}", event=f"#{index}", value=raw
            )
            return None
        # Quoted as written where that is safe to print; else by position (the id's own problem
        # then shows it escaped).
        label = event_label(index, raw.get("id"))
        before = len(self.problems)
        self.unknown_keys(raw, _EVENT_KEYS, event=label)
        fields: dict[str, Any] = {}
        for key in ("id", "title"):
            fields[key] = self.text(raw, key, event=label, required=True)
        for key in ("type", "track", "location", "description", "url", "language"):
            fields[key] = self.text(raw, key, event=label)
        status = self.text(raw, "status", event=label)
        if status is not None:
            if status.lower() in STATUSES:
                fields["status"] = status.lower()
            else:
                self.problem(
                    f"{shown(status)} is not one of {', '.join(STATUSES)}",
                    event=label,
                    field="status",
                    value=status,
                )
        fields["speakers"] = self.speakers(raw, label)
        zone = calendar_zone
        own_zone = self.text(raw, "timezone", event=label)
        if own_zone is not None:
            zone = own_zone if self.zone(own_zone, event=label, field="timezone") else None
        start, end = self.times(raw, label, zone)
        if len(self.problems) > before or zone is None or start is None or end is None:
            return None
        try:
            return Event(start=start, end=end, **fields)
        except InvalidInput as error:
            self.relocated(error.problems, event=label)
            return None

    def speakers(self, raw: dict[str, Any], label: str) -> tuple[str, ...]:
        value = raw.get("speakers")
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            self.problem(
                f"must be a list of names, not {shown(value)}",
                event=label,
                field="speakers",
                value=value,
            )
            return ()
        return tuple(value)


# --- Writing -------------------------------------------------------------------------------------
#
# Times are written the way people read a printed programme, as local wall-clock times in the
# calendar's zone; the UTC offset is added only where a wall-clock time occurs twice (the hour
# repeated when the clocks go back), which is the one place the reader needs it. An event in
# another zone names it; one in UTC (or any zone without an IANA name, such as a fixed offset,
# which calendars get in UTC too) is written ``"timezone": "UTC"`` with ``Z`` times.
#
# What events.json cannot hold, and so does not come back: times finer than a second, an end in
# a zone other than the start's (the instant is kept), and ``refresh=None`` (a part made by
# Schedule.subset(); it reads back as the default). A ``day_change`` with seconds and years
# outside 1900 to 2199 never get this far: the model refuses them, as the reader does.

_UTC = "UTC"


def dumps(schedule: Schedule) -> str:
    """The schedule as events.json text (UTF-8 characters kept, two-space indent, final newline).

    ``updated`` is written from ``dtstamp`` unless that is 1970 (unknown). A schedule read with
    :func:`confcal.readers.load` has a ``dtstamp`` from ``SOURCE_DATE_EPOCH`` or the file's
    modification time when the file gives none; load it with ``dtstamp=EPOCH`` (as ``confcal
    convert`` does) to write ``updated`` only where the file had it.

    Raises:
        InvalidInput: ``schedule`` is not a :class:`Schedule`.
    """
    if not isinstance(schedule, Schedule):
        raise wrong_type("schedule", "a confcal Schedule", schedule)
    calendar: dict[str, str] = {"name": schedule.name, "timezone": schedule.timezone}
    for key in ("description", "url", "uid_domain", "language"):
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
            _event_fields(event, schedule.timezone, utc_calendar)
            for event in schedule.sorted_events()
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _zone_of(value: dt.datetime) -> str:
    """The zone ``value`` is written in: its IANA name, or UTC (as the calendars write it)."""
    return zones.zone_name(value) or _UTC


def _event_fields(event: Event, calendar_zone: str, utc_calendar: bool) -> dict[str, object]:
    zone = calendar_zone
    if isinstance(event.start, dt.datetime):
        zone = _zone_of(event.start)
        if zone == _UTC and utc_calendar:
            zone = calendar_zone
    # UTC in a calendar elsewhere: Z says so where the time is read, not only in "timezone".
    utc = zone == _UTC and zone != calendar_zone
    fields: dict[str, object] = {"id": event.id, "title": event.title}
    fields["start"] = _time_text(event.start, zone, utc)
    if isinstance(event.end, dt.datetime):
        fields["end"] = _time_text(event.end, zone, utc)
    else:
        fields["end"] = (event.end - dt.timedelta(days=1)).isoformat()  # last day, inclusive
    if zone != calendar_zone:
        fields["timezone"] = zone
    for key in ("type", "track", "location", "description", "url", "status", "language"):
        value = getattr(event, key)
        if value is not None:
            fields[key] = value
    if event.speakers:
        fields["speakers"] = list(event.speakers)
    return fields


def _time_text(value: When, zone: str, utc: bool) -> str:
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
