"""Reading events.json into a :class:`~confcal.model.Schedule`, reporting every problem at once.

An organizer edits events.json by hand; one run must tell them everything that is wrong, each
problem naming the file, the event, the field and the value.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import icalendar

from confcal import zones
from confcal.errors import InvalidInput, LoadWarning, Problem, shown
from confcal.model import STATUSES, Event, Schedule, When

from . import _frab_map as frab
from ._common import (
    YEARS,
    Collector,
    Format,
    decode,
    event_label,
    is_xml,
    json_format,
    kind,
    name,
    parse_json,
    reshown,
    warn_to,
)

__all__ = ["load", "loads", "parse_duration"]

_CALENDAR_KEYS = (
    "name", "timezone", "description", "url", "uid_domain", "day_change", "updated", "refresh",
)  # fmt: skip
_EVENT_KEYS = (
    "id", "title", "start", "end", "duration", "timezone", "type", "track", "location",
    "description", "url", "speakers", "status",
)  # fmt: skip
_TOP_KEYS = ("calendar", "events")
_WHEN = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<offset>Z|[+-]\d{2}:\d{2})?)?"
)
_CLOCK = re.compile(r"\d{2}:\d{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_duration(text: str) -> dt.timedelta | None:
    """An ISO 8601 duration (``PT45M``, ``P1D``, ``-PT5M``), or ``None`` if it is not one."""
    try:
        value: object = icalendar.vDuration.from_ical(text)  # type: ignore[no-untyped-call]
    except (ValueError, OverflowError):  # OverflowError: P99999999999D, past what Python counts
        return None
    return value if isinstance(value, dt.timedelta) else None


def load(
    path: str | os.PathLike[str],
    *,
    format: Format = "auto",
    timezone: str | None = None,
    on_warning: Callable[[LoadWarning], None] | None = None,
    updated_only: bool = False,
) -> Schedule:
    """Read events.json, or a pretalx/frab schedule.json or schedule.xml (see :mod:`confcal.frab`).

    The format is recognised by content unless ``format`` names it; ``timezone`` is the zone of a
    schedule that names none. Whatever confcal read but not as the file says is passed to
    ``on_warning`` (dropped without one). Raises :class:`~confcal.errors.InvalidInput` listing
    every problem.

    DTSTAMP comes from ``SOURCE_DATE_EPOCH``, else ``calendar.updated``, else the file's
    modification time: never the clock, so the same file always gives the same calendars.
    ``updated_only`` takes it from ``calendar.updated`` alone (else 1970, "unknown"), for a
    schedule about to be written as events.json: a stamp the file does not hold would be pinned
    there, and the written file's own modification time could no longer take over.
    """
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
        modified: dt.datetime | None = dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
    except FileNotFoundError:
        raise InvalidInput([Problem("no such file", source=source)]) from None
    except OSError as error:
        raise InvalidInput([Problem(f"cannot read: {error.strerror}", source=source)]) from None
    if updated_only:
        modified = None
    environment = not updated_only
    if format == "frab-xml" or (format == "auto" and is_xml(data)):
        imported = frab.loads(
            data,
            format="frab-xml",
            source=source,
            timezone=timezone,
            modified=modified,
            environment=environment,
        )
    else:
        # Decoded and parsed once, whichever reader then reads it.
        document = parse_json(decode(data, source), source)
        if format == "frab-json" or (format == "auto" and json_format(document) == "frab-json"):
            imported = frab.from_json(
                document,
                source=source,
                timezone=timezone,
                modified=modified,
                environment=environment,
            )
        else:
            if timezone is not None:
                message = (
                    "ignored the time zone given: events.json names its zone in calendar.timezone"
                )
                warn_to(on_warning, [LoadWarning(message, source=source, value=timezone)])
            return _Reader(source, environment=environment).schedule(document, modified)
    warn_to(on_warning, imported.warnings)
    return imported.schedule


def loads(text: str, *, source: str = "<string>", modified: dt.datetime | None = None) -> Schedule:
    """Read events.json from a string; ``source`` names it in messages. See :func:`load`."""
    return _Reader(source).schedule(parse_json(text, source), modified)


class _Reader(Collector):
    """Builds the schedule from the JSON document, collecting every problem on the way."""

    def __init__(self, source: str, *, environment: bool = True) -> None:
        super().__init__(source)
        self.environment = environment

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

    def text(
        self,
        mapping: dict[str, Any],
        key: str,
        *,
        event: str | None = None,
        where: str = "",
        required: bool = False,
    ) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.problem("is required", event=event, field=f"{where}{key}")
            return None
        if not isinstance(value, str):
            self.problem(
                f"must be text, not {kind(value)}: {shown(value)}",
                event=event,
                field=f"{where}{key}",
                value=value,
            )
            return None
        surrogate = _SURROGATE.search(value)
        if surrogate:
            self.problem(
                f"{shown(value)} holds half of a UTF-16 surrogate pair "
                f"({shown(surrogate.group())}), which is not a character",
                event=event,
                field=f"{where}{key}",
                value=value,
            )
            return None
        if required and not value.strip():
            self.problem(
                f"must not be empty: {shown(value)}",
                event=event,
                field=f"{where}{key}",
                value=value,
            )
            return None
        return value

    def schedule(self, document: object, modified: dt.datetime | None) -> Schedule:
        with self.reading():
            return self.read(document, modified)

    def read(self, document: object, modified: dt.datetime | None) -> Schedule:
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
        before = len(self.problems)
        fields = self.calendar_fields(calendar, modified)
        schedule = None
        if len(self.problems) == before and fields["name"] is not None and "timezone" in fields:
            try:
                schedule = Schedule(**fields)
            except InvalidInput as error:
                self.problems.extend(
                    attrs.evolve(reshown(p, source=self.source), field=f"calendar.{p.field}")
                    for p in error.problems
                )
        zone = fields.get("timezone")
        built = [self.event(raw, index, zone) for index, raw in enumerate(events, start=1)]
        self.duplicates(built, field="id")
        if self.problems or schedule is None:
            raise InvalidInput(self.problems)
        return attrs.evolve(schedule, events=[e for e in built if e is not None])

    def calendar_fields(
        self, calendar: dict[str, Any], modified: dt.datetime | None
    ) -> dict[str, Any]:
        where = "calendar."
        self.unknown_keys(calendar, _CALENDAR_KEYS, where=where)
        fields: dict[str, Any] = {}
        fields["name"] = self.text(calendar, "name", where=where, required=True)
        zone = self.text(calendar, "timezone", where=where, required=True)
        if zone is not None and self.zone(zone, field="calendar.timezone"):
            fields["timezone"] = zone
        for key in ("description", "url", "uid_domain"):
            value = self.text(calendar, key, where=where)
            if value is not None:
                fields[key] = value
        change = self.text(calendar, "day_change", where=where)
        if change is not None:
            try:
                if not _CLOCK.fullmatch(change):
                    raise ValueError
                fields["day_change"] = dt.time.fromisoformat(change)
            except ValueError:
                self.problem(
                    f"{shown(change)} is not a time of day HH:MM",
                    field="calendar.day_change",
                    value=change,
                )
        fields["dtstamp"] = self.dtstamp(
            self.updated(calendar), modified, environment=self.environment
        )
        refresh = self.text(calendar, "refresh", where=where)
        if refresh is not None:
            interval = parse_duration(refresh)
            if interval is None or interval <= dt.timedelta(0) or interval.microseconds:
                self.problem(
                    f"{shown(refresh)} is not a positive ISO 8601 duration such as PT6H or P1D",
                    field="calendar.refresh",
                    value=refresh,
                )
            else:
                fields["refresh"] = interval
        return fields

    def updated(self, calendar: dict[str, Any]) -> dt.datetime | None:
        """``calendar.updated``, checked even where SOURCE_DATE_EPOCH overrides it."""
        updated = self.text(calendar, "updated", where="calendar.")
        if updated is None:
            return None
        try:
            stamp = dt.datetime.fromisoformat(updated)
            if stamp.tzinfo is None or stamp.year not in YEARS:
                raise ValueError
            return stamp.astimezone(dt.UTC)
        except ValueError:
            self.problem(
                f"{shown(updated)} is not a date and time with a UTC offset, "
                f"such as 2024-11-14T09:00:00Z, in the years {YEARS[0]} to {YEARS[-1]}",
                field="calendar.updated",
                value=updated,
            )
            return None

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
        for key in ("type", "track", "location", "description", "url"):
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
            self.problems.extend(
                reshown(p, source=self.source, event=label) for p in error.problems
            )
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

    def times(
        self, raw: dict[str, Any], label: str, zone: str | None
    ) -> tuple[When | None, When | None]:
        start_text = self.text(raw, "start", event=label, required=True)
        end_text = self.text(raw, "end", event=label)
        duration_text = self.text(raw, "duration", event=label)
        if end_text is not None and duration_text is not None:
            self.problem(
                f"give end or duration, not both: end {shown(end_text)}, "
                f"duration {shown(duration_text)}",
                event=label,
                field="duration",
                value=duration_text,
            )
            return None, None
        start = None
        if start_text is not None and zone is not None:
            start = self.when(start_text, label, "start", zone)
        if end_text is None and duration_text is None:
            if raw.get("end") is None and raw.get("duration") is None:  # else: reported as not text
                self.problem("is required (or a duration such as PT45M)", event=label, field="end")
            return start, None
        if duration_text is not None:
            duration = self.duration(duration_text, label)
            if start is None or duration is None or zone is None:
                return start, None
            return start, self.after(start, duration, duration_text, label, zone)
        assert end_text is not None  # duration_text is None, and not both are
        end = self.when(end_text, label, "end", zone) if zone is not None else None
        if start is None or end is None:
            return start, None
        assert start_text is not None
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
            self.problem(
                f"{shown(end_text)} mixes an all-day date with a timed start "
                f"{shown(start_text)}: give both as dates or both as times",
                event=label,
                field="end",
                value=end_text,
            )
            return start, None
        if not isinstance(end, dt.datetime):
            if end < start:
                self.problem(
                    f"{shown(end_text)} is before start {shown(start_text)} (the end of an "
                    "all-day event is its last day)",
                    event=label,
                    field="end",
                    value=end_text,
                )
                return start, None
            return start, end + dt.timedelta(days=1)  # the last day, inclusive, as people write it
        if end <= start:
            self.problem(
                f"{shown(end_text)} is not after start {shown(start_text)}",
                event=label,
                field="end",
                value=end_text,
            )
            return start, None
        return start, end

    def when(self, text: str, label: str, field: str, zone: str) -> When | None:
        match = _WHEN.fullmatch(text)
        if match is None:
            self.problem(
                f"{shown(text)} is not a date (2024-11-19) or a local date and time "
                "(2024-11-19T11:21)",
                event=label,
                field=field,
                value=text,
            )
            return None
        try:
            day = dt.date.fromisoformat(match["date"])
            naive = (
                None
                if match["time"] is None
                else dt.datetime.fromisoformat(f"{match['date']}T{match['time']}")
            )
        except ValueError as error:
            self.problem(
                f"{shown(text)} is not a real date or time ({error})",
                event=label,
                field=field,
                value=text,
            )
            return None
        if not self.in_years(day, text, event=label, field=field):
            return None
        if naive is None:
            return day
        offset = None
        if match["offset"] == "Z":
            offset = dt.timedelta(0)
        elif match["offset"]:
            hours, minutes = int(match["offset"][1:3]), int(match["offset"][4:6])
            if hours >= 24 or minutes >= 60:
                self.problem(
                    f"{shown(text)}: {match['offset']} is not a UTC offset (-23:59 to +23:59)",
                    event=label,
                    field=field,
                    value=text,
                )
                return None
            offset = dt.timedelta(hours=hours, minutes=minutes)
            offset = -offset if match["offset"].startswith("-") else offset
        return self.localized(
            lambda: zones.localize(naive, zone, offset), text, event=label, field=field
        )

    def duration(self, text: str, label: str) -> dt.timedelta | None:
        duration = parse_duration(text)
        if duration is None:
            self.problem(
                f"{shown(text)} is not an ISO 8601 duration such as PT45M or P2D",
                event=label,
                field="duration",
                value=text,
            )
            return None
        if duration <= dt.timedelta(0):
            self.problem(
                f"{shown(text)} must be longer than zero",
                event=label,
                field="duration",
                value=text,
            )
            return None
        return duration

    def after(
        self, start: When, duration: dt.timedelta, text: str, label: str, zone: str
    ) -> When | None:
        """The end ``duration`` after ``start``: elapsed time, whatever the clocks do meanwhile."""
        if not isinstance(start, dt.datetime) and duration % dt.timedelta(days=1):
            self.problem(
                f"{shown(text)} is not whole days, as an all-day event needs",
                event=label,
                field="duration",
                value=text,
            )
            return None
        try:
            end = start + duration
            if end.year not in YEARS:
                raise OverflowError
        except OverflowError:
            self.problem(
                f"{shown(text)} ends after the year {YEARS[-1]}; a typo?",
                event=label,
                field="duration",
                value=text,
            )
            return None
        if not isinstance(start, dt.datetime):
            return end
        # A 60-minute session that spans the clock change still lasts 60 minutes.
        instant = start.astimezone(dt.UTC) + duration
        return self.localized(
            lambda: zones.from_instant(instant, zone), text, event=label, field="duration"
        )
