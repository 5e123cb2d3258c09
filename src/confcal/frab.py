"""Reading the schedules conferences already publish: pretalx/frab ``schedule.json`` and ``.xml``.

pretalx, frab, pentabarf and the c3voc hub all publish one data model (the c3voc schedule schema),
as JSON and as XML. Both are read into the same intermediate form and mapped once, so the two
cannot drift. Published files are not always consistent; where confcal can keep what is certain
(the instant of an offset-bearing ``date``) it does, and reports a :class:`LoadWarning` instead of
guessing silently. What it cannot read is an :class:`InvalidInput` naming file, event and field.

XML is parsed with ``defusedxml``: a file that declares entities or external references is
refused before anything is expanded or fetched, whatever it says.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal

import attrs

from . import zones
from .errors import InvalidInput, LoadWarning, Problem
from .model import Event, Schedule

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    import defusedxml

__all__ = ["FORMATS", "Format", "Imported", "detect", "loads"]

#: What ``--format`` accepts: ``auto`` recognises the other three by content.
Format = Literal["auto", "events", "frab-json", "frab-xml"]
FORMATS: tuple[Format, ...] = ("auto", "events", "frab-json", "frab-xml")

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
# A JSON key outside a string: inside one, a quote is always escaped.
_FRAB_JSON = re.compile(r'(?<!\\)"(?:schedule|conference)"\s*:\s*\{')
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Title and subtitle are joined with ": ", or a space after a title that ends in punctuation.
_ENDS_IN_PUNCTUATION = re.compile(r"[:;,.!?\-\u2013\u2014]$")
_EVENT_TEXT = (
    "guid", "id", "date", "start", "end", "duration", "room", "title", "subtitle", "type",
    "track", "abstract", "description", "url",
)  # fmt: skip


@attrs.frozen
class Imported:
    """A schedule read from pretalx/frab, with what confcal had to say about the file."""

    schedule: Schedule
    warnings: tuple[LoadWarning, ...] = ()


def detect(data: bytes) -> Format:
    """``frab-xml``, ``frab-json`` or ``events``, by content (not by file name, which varies)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "frab-xml"
    text = data.decode("utf-8", "replace")
    return "frab-json" if _FRAB_JSON.search(text) else "events"


def loads(
    data: bytes | str,
    *,
    format: Format = "auto",
    source: str = "<string>",
    timezone: str | None = None,
    modified: dt.datetime | None = None,
) -> Imported:
    """Read a pretalx/frab ``schedule.json`` or ``schedule.xml``.

    ``timezone`` is the zone for a file that names none (and overrides one it names, with a
    warning when they differ). DTSTAMP is ``SOURCE_DATE_EPOCH``, else ``modified`` (the file's
    modification time), as for events.json. Raises :class:`InvalidInput` listing every problem.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    kind = detect(raw) if format == "auto" else format
    if kind == "frab-xml":
        parsed = _read_xml(raw, source)
    elif kind == "frab-json":
        parsed = _read_json(raw, source)
    else:
        raise ValueError(f"frab.loads() reads frab-json or frab-xml, not {kind!r}")
    return _Mapper(source).schedule(parsed, timezone, modified)


# --- The intermediate form: what both JSON and XML hold ------------------------------------------


@attrs.frozen
class _Day:
    index: int
    date: str | None
    start: str | None
    end: str | None


@attrs.frozen
class _RawEvent:
    position: int
    text: Mapping[str, str | None]
    persons: tuple[str, ...]
    day: _Day | None
    problems: tuple[tuple[str, str], ...] = ()  # (field, message) found while reading the form


@attrs.frozen
class _Parsed:
    title: str | None
    zone: str | None
    day_change: str | None
    url: str | None
    description: str | None
    days: tuple[_Day, ...]
    events: tuple[_RawEvent, ...]


# --- XML -----------------------------------------------------------------------------------------


def _read_xml(data: bytes, source: str) -> _Parsed:
    # Imported here, not with the module: every confcal start (even --help) would pay for them.
    from xml.etree.ElementTree import Element, ParseError

    import defusedxml
    import defusedxml.ElementTree as safe_xml

    try:
        root = safe_xml.fromstring(data)
    except defusedxml.DefusedXmlException as error:
        raise InvalidInput(
            [
                Problem(
                    f"refused: the XML {_refusal(error)}; a schedule needs none, and expanding or "
                    "fetching it could exhaust memory or reach the network",
                    source=source,
                )
            ]
        ) from None
    except ParseError as error:
        line, column = error.position
        message = str(error).split(":")[0]
        raise InvalidInput(
            [
                Problem(
                    f"not well-formed XML: {message} at line {line} column {column + 1}",
                    source=source,
                )
            ]
        ) from None
    if root.tag != "schedule":
        raise InvalidInput(
            [
                Problem(
                    f"not a pretalx/frab schedule: the root element is <{root.tag}>, "
                    "not <schedule>",
                    source=source,
                )
            ]
        )
    conference = root.find("conference")
    if conference is None:
        conference = Element("conference")
    days: list[_Day] = []
    events: list[_RawEvent] = []
    for index, day_element in enumerate(root.iter("day"), start=1):
        day = _Day(
            index=_int(day_element.get("index"), index),
            date=day_element.get("date"),
            start=day_element.get("start"),
            end=day_element.get("end"),
        )
        days.append(day)
        for room in day_element.iter("room"):
            for element in room.iter("event"):
                events.append(_xml_event(element, room, day, len(events) + 1))
    return _Parsed(
        title=_clean(conference.findtext("title")),
        zone=_clean(conference.findtext("time_zone_name")),
        day_change=_clean(conference.findtext("day_change")),
        url=_clean(conference.findtext("url")) or _clean(conference.findtext("base_url")),
        description=None,
        days=tuple(days),
        events=tuple(events),
    )


def _refusal(error: defusedxml.DefusedXmlException) -> str:
    import defusedxml

    if isinstance(error, defusedxml.EntitiesForbidden):
        target = f" ({error.sysid})" if error.sysid else ""
        return f"declares the entity {error.name!r}{target}"
    if isinstance(error, defusedxml.ExternalReferenceForbidden):
        return f"refers to the external resource {error.sysid}"
    return "has a document type declaration"


def _xml_event(element: Element, room: Element, day: _Day, position: int) -> _RawEvent:
    text: dict[str, str | None] = {key: element.findtext(key) for key in _EVENT_TEXT}
    text["guid"] = element.get("guid") or text["guid"]
    text["id"] = element.get("id") or text["id"]
    if not _clean(text["room"]):
        text["room"] = room.get("name")
    persons = tuple((p.text or "") for p in element.iterfind("persons/person"))
    return _RawEvent(position=position, text=text, persons=persons, day=day)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- JSON ----------------------------------------------------------------------------------------


def _read_json(data: bytes, source: str) -> _Parsed:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InvalidInput(
            [
                Problem(
                    f"not UTF-8: byte {data[error.start]:#04x} at offset {error.start}",
                    source=source,
                )
            ]
        ) from None
    except json.JSONDecodeError as error:
        raise InvalidInput(
            [
                Problem(
                    f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
                    source=source,
                )
            ]
        ) from None
    schedule = document.get("schedule", document) if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(schedule, dict) or not isinstance(conference, dict):
        raise InvalidInput(
            [
                Problem(
                    "not a pretalx/frab schedule.json: expected "
                    '{"schedule": {"conference": {...}}}',
                    source=source,
                )
            ]
        )
    tracks = {
        t["slug"]: t["name"]
        for t in conference.get("tracks") or []
        if isinstance(t, dict) and isinstance(t.get("slug"), str) and isinstance(t.get("name"), str)
    }
    days: list[_Day] = []
    events: list[_RawEvent] = []
    raw_days = conference.get("days")
    for index, raw_day in enumerate(raw_days if isinstance(raw_days, list) else [], start=1):
        if not isinstance(raw_day, dict):
            continue
        day = _Day(
            index=raw_day["index"] if isinstance(raw_day.get("index"), int) else index,
            date=_json_text(raw_day.get("date")),
            start=_json_text(raw_day.get("day_start", raw_day.get("start"))),
            end=_json_text(raw_day.get("day_end", raw_day.get("end"))),
        )
        days.append(day)
        rooms = raw_day.get("rooms")
        for room_name, room_events in rooms.items() if isinstance(rooms, dict) else []:
            for raw in room_events if isinstance(room_events, list) else []:
                events.append(_json_event(raw, room_name, day, tracks, len(events) + 1))
    # The hub's shape: one flat list of events, not listed under days and rooms.
    flat = schedule.get("events")
    for raw in flat if isinstance(flat, list) else []:
        events.append(_json_event(raw, None, None, tracks, len(events) + 1))
    return _Parsed(
        title=_json_text(conference.get("title")),
        zone=_json_text(conference.get("time_zone_name")),
        day_change=_json_text(conference.get("day_change")),
        url=_json_text(conference.get("url")) or _json_text(schedule.get("base_url")),
        description=_json_text(conference.get("description")),
        days=tuple(days),
        events=tuple(events),
    )


def _json_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _json_event(
    raw: object, room: str | None, day: _Day | None, tracks: Mapping[str, str], position: int
) -> _RawEvent:
    if not isinstance(raw, dict):
        return _RawEvent(
            position, {}, (), day, (("", f"must be an object, not {type(raw).__name__}"),)
        )
    problems: list[tuple[str, str]] = []
    text: dict[str, str | None] = {}
    for key in _EVENT_TEXT:
        value = raw.get(key)
        if isinstance(value, dict) and key in ("room", "track"):
            # The hub writes {"name": ..., "slug": ...}; its tracks often carry only the slug.
            slug = value.get("slug")
            value = value.get("name") or (tracks.get(slug, slug) if isinstance(slug, str) else None)
        if value is not None and _json_text(value) is None:
            problems.append((key, f"must be text, not {type(value).__name__}: {value!r}"))
        text[key] = _json_text(value)
    if not _clean(text["room"]):
        text["room"] = room
    # The hub's events carry an offset-bearing "start" and "end" instead of "date" and "duration".
    if text["date"] is None and text["start"] is not None and "T" in text["start"]:
        text["date"], text["start"] = text["start"], None
    persons: list[str] = []
    for person in raw.get("persons") or raw.get("participants") or []:
        if isinstance(person, str):
            persons.append(person)
        elif isinstance(person, dict):
            name = person.get("public_name") or person.get("name") or person.get("full_public_name")
            if isinstance(name, str):
                persons.append(name)
    return _RawEvent(position, text, tuple(persons), day, tuple(problems))


# --- The mapping into confcal's model ------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    """Empty and blank fields are absent: frab writes ``<subtitle/>`` and ``""`` for "none"."""
    if value is None or not value.strip():
        return None
    return value


def _offset(value: dt.timedelta | None) -> str:
    assert value is not None
    sign = "-" if value < dt.timedelta(0) else "+"
    minutes = int(abs(value).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_duration(text: str) -> dt.timedelta | None:
    """A frab/pretalx duration: ``HH:MM`` (hours may exceed 24), ``HH:MM:SS`` or ``D:HH:MM``.

    Three parts are ambiguous: pentabarf writes ``00:30:00`` (zero-padded hours, then seconds),
    pretalx writes ``1:02:30`` for a day and more (unpadded days first). So a two-digit first part
    means ``HH:MM:SS`` and a one-digit one ``D:HH:MM``.
    """
    parts = text.strip().split(":")
    if not all(p.isdigit() and p.isascii() for p in parts) or not 2 <= len(parts) <= 3:
        return None
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]) or any(len(p) != 2 for p in parts[1:]):
        return None
    if len(parts) == 2:
        return dt.timedelta(hours=numbers[0], minutes=numbers[1])
    if len(parts[0]) == 1:
        if numbers[1] >= 24:
            return None
        return dt.timedelta(days=numbers[0], hours=numbers[1], minutes=numbers[2])
    return dt.timedelta(hours=numbers[0], minutes=numbers[1], seconds=numbers[2])


def _parse_instant(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if "T" in text or " " in text.strip() else None


def _parse_clock(text: str) -> dt.time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


class _Mapper:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.warnings: list[LoadWarning] = []

    def problem(
        self,
        message: str,
        *,
        event: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.problems.append(
            Problem(message, source=self.source, event=event, field=field, value=value)
        )

    def warn(
        self,
        message: str,
        *,
        event: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.warnings.append(
            LoadWarning(message, source=self.source, event=event, field=field, value=value)
        )

    def fail(self) -> InvalidInput:
        return InvalidInput(self.problems)

    def schedule(
        self, parsed: _Parsed, timezone: str | None, modified: dt.datetime | None
    ) -> Imported:
        zone = self.zone(parsed.zone, timezone)
        if zone is None:
            raise self.fail()
        day_change = self.day_change(parsed, zone)
        built = [self.event(raw, zone, day_change) for raw in parsed.events]
        events = [e for e in built if e is not None]
        self.duplicates(events)
        name = _clean(parsed.title)
        if name is None:
            self.problem(
                "the conference has no title, which names the calendar", field="conference.title"
            )
        if self.problems or name is None:
            raise self.fail()
        self.check_days(parsed.events, built, zone, day_change)
        try:
            schedule = Schedule(
                name=name.strip(),
                timezone=zone,
                events=events,
                url=_clean(parsed.url),
                description=_clean(parsed.description),
                day_change=day_change,
                dtstamp=self.dtstamp(modified),
            )
        except InvalidInput as error:
            raise InvalidInput(
                [
                    attrs.evolve(p, source=self.source, field=f"conference.{p.field}")
                    for p in error.problems
                ]
            ) from None
        # Pinned, so the UIDs stay those of this file if the programme is converted and its
        # url later edited: a changed UID is a new event to every subscriber.
        schedule = attrs.evolve(schedule, uid_domain=schedule.uid_host)
        return Imported(schedule, tuple(self.warnings))

    def zone(self, named: str | None, given: str | None) -> str | None:
        named = _clean(named)
        if given is not None:
            if named is not None and named.strip() != given:
                self.warn(
                    f"the file says {named.strip()!r}; using {given!r} as asked (--timezone)",
                    field="conference.time_zone_name",
                    value=named,
                )
            chosen, field = given, "--timezone"
        elif named is None:
            self.problem(
                "is missing, so the file names no time zone: give the programme's zone with "
                "--timezone ZONE (library: timezone=...), e.g. --timezone Europe/Berlin",
                field="conference.time_zone_name",
            )
            return None
        else:
            chosen, field = named.strip(), "conference.time_zone_name"
        try:
            zones.check_zone(chosen)
        except InvalidInput as error:
            self.problem(error.problems[0].message, field=field, value=chosen)
            return None
        return chosen

    def day_change(self, parsed: _Parsed, zone: str) -> dt.time:
        """The file's own ``day_change``, else the one its ``days`` boundaries imply."""
        if parsed.day_change is not None:
            clock = _parse_clock(parsed.day_change)
            if clock is None or clock.second:
                self.problem(
                    f"{parsed.day_change!r} is not a time of day HH:MM",
                    field="conference.day_change",
                    value=parsed.day_change,
                )
                return dt.time()
            return clock
        boundaries: list[tuple[dt.time, _Day]] = []
        for day in parsed.days[1:] or parsed.days[:1]:
            start = _parse_instant(day.start) if day.start else None
            if start is None or start.tzinfo is None or day.date is None:
                continue
            local = zones.to_local(start, zone)
            # A boundary is a time of day on the day it opens; one elsewhere is no day change.
            if local.date().isoformat() == day.date:
                boundaries.append((local.time().replace(second=0, microsecond=0), day))
        if not boundaries:
            return dt.time()
        times = sorted({t for t, _ in boundaries})
        if len(times) > 1:
            shown = ", ".join(f"day {d.index} at {t.strftime('%H:%M')}" for t, d in boundaries)
            self.warn(
                f"the days begin at different times ({shown}); using the earliest, "
                f"{times[0].strftime('%H:%M')}, as the day change",
                field="days",
            )
        return times[0]

    def label(self, raw: _RawEvent) -> str:
        guid = _clean(raw.text.get("guid"))
        if guid is not None:
            return f'"{guid.strip()}"'
        title = _clean(raw.text.get("title"))
        if title is not None:
            return f'"{title.strip()}"'
        return f"#{raw.position}"

    def identifier(self, raw: _RawEvent, label: str) -> str | None:
        guid, legacy = _clean(raw.text.get("guid")), _clean(raw.text.get("id"))
        original = (guid or legacy or "").strip()
        if not original:
            self.problem(
                "has neither a guid nor an id, so it cannot get a stable UID",
                event=label,
                field="guid",
            )
            return None
        if _ID.fullmatch(original) and not _RESERVED.fullmatch(original):
            return original
        # Deterministic, so a rebuild from the same file keeps the same UIDs.
        candidate = _ID_BAD.sub("-", original).lstrip("._-")[:200].rstrip("._-")
        if not candidate or _RESERVED.fullmatch(candidate):
            candidate = f"event-{candidate}"[:200].rstrip("._-")
        self.warn(
            f"{original!r} is not a usable confcal id; using {candidate!r} "
            "(letters, digits, '.', '_' and '-' only)",
            event=label,
            field="guid" if guid else "id",
            value=original,
        )
        return candidate

    def event(self, raw: _RawEvent, zone: str, day_change: dt.time) -> Event | None:
        label = self.label(raw)
        before = len(self.problems)
        for field, message in raw.problems:
            self.problem(message, event=label, field=field or None)
        if len(self.problems) > before:
            return None
        event_id = self.identifier(raw, label)
        start = self.start(raw, label, zone, day_change)
        end = self.end(raw, label, zone, start) if start is not None else None
        if len(self.problems) > before or event_id is None or start is None or end is None:
            return None
        text = {key: _clean(value) for key, value in raw.text.items()}
        title = raw.text.get("title") or ""
        subtitle = text.get("subtitle")
        if subtitle is not None and title.strip():
            separator = " " if _ENDS_IN_PUNCTUATION.search(title.rstrip()) else ": "
            title = f"{title.rstrip()}{separator}{subtitle.strip()}"
        parts = [
            p.strip() for p in (text.get("abstract"), text.get("description")) if p is not None
        ]
        if len(parts) == 2 and (parts[1] == parts[0] or parts[1].startswith(parts[0])):
            parts = parts[1:]
        try:
            return Event(
                id=event_id,
                title=title,
                start=start,
                end=end,
                type=_strip(text.get("type")),
                track=_strip(text.get("track")),
                location=_strip(text.get("room")),
                description="\n\n".join(parts) or None,
                url=_strip(text.get("url")),
                speakers=[s.strip() for s in raw.persons if s.strip()],
            )
        except InvalidInput as error:
            field_names = {"location": "room", "speakers": "persons"}
            self.problems.extend(
                attrs.evolve(
                    p.located(source=self.source, event=label),
                    field=field_names.get(p.field or "", p.field),
                )
                for p in error.problems
            )
            return None

    def start(
        self, raw: _RawEvent, label: str, zone: str, day_change: dt.time
    ) -> dt.datetime | None:
        date_text = _clean(raw.text.get("date"))
        start_text = _clean(raw.text.get("start"))
        if date_text is None:
            return self.start_from_day(raw, label, zone, day_change, start_text)
        parsed = _parse_instant(date_text)
        if parsed is None:
            self.problem(
                f"{date_text!r} is not a date and time such as 2024-12-27T10:30:00+01:00",
                event=label, field="date", value=date_text,
            )  # fmt: skip
            return None
        if parsed.tzinfo is None:
            return self.localize(parsed, zone, label, "date", date_text)
        local = zones.from_instant(parsed, zone)
        printed = _parse_clock(start_text) if start_text else None
        wall = local.time().replace(tzinfo=None)
        complaints = []
        if parsed.utcoffset() != local.utcoffset():
            complaints.append(
                f"its UTC offset {_offset(parsed.utcoffset())} disagrees with {zone}, "
                f"which is {_offset(local.utcoffset())} then"
            )
        if printed is not None and printed != wall:
            complaints.append(
                f"the programme's start {start_text.strip() if start_text else ''} is not the "
                f"{wall.strftime('%H:%M')} that instant is in {zone}"
            )
        if complaints:
            self.warn(
                f"{date_text!r}: {', and '.join(complaints)}; kept the instant, "
                f"{local.strftime('%Y-%m-%d %H:%M')} {zone}",
                event=label, field="date", value=date_text,
            )  # fmt: skip
        return local

    def start_from_day(
        self, raw: _RawEvent, label: str, zone: str, day_change: dt.time, start_text: str | None
    ) -> dt.datetime | None:
        """No ``date``: the day's date and the ``start`` clock, as old pentabarf files have it."""
        clock = _parse_clock(start_text) if start_text else None
        day_date = None
        if raw.day is not None and raw.day.date:
            try:
                day_date = dt.date.fromisoformat(raw.day.date)
            except ValueError:
                day_date = None
        if clock is None or day_date is None:
            self.problem(
                "is required (an offset-bearing date and time such as 2024-12-27T10:30:00+01:00)",
                event=label, field="date",
            )  # fmt: skip
            return None
        # Listed under its conference day: a time before the day change is after midnight.
        if clock < day_change:
            day_date += dt.timedelta(days=1)
        return self.localize(dt.datetime.combine(day_date, clock), zone, label, "start", start_text)

    def localize(
        self, naive: dt.datetime, zone: str, label: str, field: str, text: str | None
    ) -> dt.datetime | None:
        try:
            return zones.localize(naive, zone)
        except InvalidInput as error:
            self.problem(error.problems[0].message, event=label, field=field, value=text)
            return None

    def end(self, raw: _RawEvent, label: str, zone: str, start: dt.datetime) -> dt.datetime | None:
        end_text = _clean(raw.text.get("end"))
        duration_text = _clean(raw.text.get("duration"))
        duration = None
        if duration_text is not None:
            duration = parse_duration(duration_text)
            if duration is None:
                self.problem(
                    f"{duration_text!r} is not a duration such as 00:45 (HH:MM)",
                    event=label, field="duration", value=duration_text,
                )  # fmt: skip
                return None
        end_instant = None
        if end_text is not None:
            end_instant = _parse_instant(end_text)
            if end_instant is None or end_instant.tzinfo is None:
                self.problem(
                    f"{end_text!r} is not a date and time with a UTC offset",
                    event=label, field="end", value=end_text,
                )  # fmt: skip
                return None
            if duration is not None and end_instant - start != duration:
                self.warn(
                    f"{end_text!r} is not the start plus the duration {duration_text}; "
                    "using the end",
                    event=label, field="end", value=end_text,
                )  # fmt: skip
        elif duration is not None:
            end_instant = start.astimezone(dt.UTC) + duration  # elapsed time, across clock changes
        else:
            self.problem("is required (or an end)", event=label, field="duration")
            return None
        if end_instant <= start:
            what = "has no length" if end_instant == start else "ends before it starts"
            self.problem(
                f"the session {what}",
                event=label,
                field="end" if end_text else "duration",
                value=end_text or duration_text,
            )
            return None
        return zones.from_instant(end_instant, zone)

    def duplicates(self, events: Iterable[Event]) -> None:
        seen: dict[str, str] = {}
        for event in events:
            key = event.id.lower()
            if key in seen:
                self.problem(
                    f"the id {event.id!r} is used by another event too; each guid must be unique",
                    event=f'"{event.id}"', field="guid", value=event.id,
                )  # fmt: skip
            else:
                seen[key] = event.id

    def check_days(
        self,
        raws: Iterable[_RawEvent],
        built: Iterable[Event | None],
        zone: str,
        day_change: dt.time,
    ) -> None:
        """Say so when the file lists a session under a day other than the one it belongs to."""
        for raw, event in zip(raws, built, strict=True):
            if event is None or raw.day is None or not raw.day.date:
                continue
            day = event.days(zone, day_change)[0].isoformat()
            if day != raw.day.date:
                local = zones.to_local(event.start, zone)  # type: ignore[arg-type]
                self.warn(
                    f"starts {local.strftime('%Y-%m-%d %H:%M')}, which is conference day {day} "
                    f"(days begin at {day_change.strftime('%H:%M')}), but the file lists it under "
                    f"{raw.day.date}",
                    event=self.label(raw), field="day", value=raw.day.date,
                )  # fmt: skip

    def dtstamp(self, modified: dt.datetime | None) -> dt.datetime:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            try:
                return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
            except (ValueError, OverflowError, OSError):
                raise InvalidInput(
                    [
                        Problem(
                            f"{epoch!r} is not a number of seconds since 1970",
                            source="SOURCE_DATE_EPOCH",
                            value=epoch,
                        )
                    ]
                ) from None
        return modified if modified is not None else _EPOCH


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()


def warn_to(
    callback: Callable[[LoadWarning], None] | None, warnings: Iterable[LoadWarning]
) -> None:
    """Hand each warning to ``callback`` (none: they are dropped, as a caller asked for)."""
    if callback is not None:
        for warning in warnings:
            callback(warning)
