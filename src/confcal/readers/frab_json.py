"""Reading a pretalx/frab ``schedule.json``: its syntax only, mapped by :mod:`._frab_map`.

pretalx, frab and the c3voc hub write the c3voc schedule schema: ``schedule > conference > days
> rooms > events``, or (the hub) one flat ``events`` list. This module finds the days, rooms and
events in a parsed document, says where a value has the wrong JSON type, and hands what it found
to the mapping it shares with ``schedule.xml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from functools import partial

from confcal.errors import InvalidInput, Problem, shown

from . import _frab_map
from ._common import (
    Collector,
    Imported,
    Trust,
    check_options,
    check_text,
    name,
    wrong_type,
)
from ._frab_parsed import EVENT_TEXT, Day, Parsed, RawEvent, clean, no_days
from ._json import kind, parse_json, twice

__all__ = ["loads"]

_PERSON_NAMES = ("public_name", "name", "full_public_name")


def loads(
    text: str,
    *,
    source: str = "<string>",
    timezone: str | None = None,
    dtstamp: dt.datetime | None = None,
    trust: Trust = "auto",
) -> Imported:
    """A ``schedule.json`` as a schedule, with what confcal had to say about the file.

    ``timezone`` is the zone of a file that names none (and overrides one it names, with a
    warning when they differ); ``dtstamp`` the DTSTAMP (default 1970: unknown); ``trust``
    whether a date's UTC offset or the time it prints wins where they disagree (``auto``: see
    the README, "UTC offsets that disagree"). Raises
    :class:`InvalidInput` listing every problem.
    """
    if not isinstance(check_text(text), str):
        raise wrong_type("text", "text (str)", text)
    check_options(source=source, timezone=timezone, dtstamp=dtstamp, trust=trust)
    return _read(
        parse_json(text, source), source=source, timezone=timezone, dtstamp=dtstamp, trust=trust
    )


def _read(
    document: object,
    *,
    source: str = "<string>",
    timezone: str | None = None,
    dtstamp: dt.datetime | None = None,
    trust: Trust = "auto",
) -> Imported:
    """A ``schedule.json`` already parsed by :func:`._json.parse_json` (so that telling the
    formats apart and reading do not parse the file twice); otherwise as :func:`loads`."""
    check_options(source=source, timezone=timezone, dtstamp=dtstamp, trust=trust)
    collector = Collector(source)
    with collector.reading():
        parsed = _parsed(document, collector)
        return _frab_map.schedule(
            parsed, collector, timezone=timezone, dtstamp=dtstamp, trust=trust
        )


class _Found:
    """The days and events met so far, and the event objects as the file has them."""

    def __init__(self, tracks: Mapping[str, str]) -> None:
        self.tracks = tracks
        self.days: list[Day] = []
        self.events: list[RawEvent] = []
        self.objects: list[object] = []

    def event(self, raw: object, room: str | None, day: Day | None) -> None:
        self.objects.append(raw)
        self.events.append(_event(raw, room, day, self.tracks, len(self.events) + 1))


def _parsed(document: object, collector: Collector) -> Parsed:
    schedule = document.get("schedule", document) if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(schedule, dict) or not isinstance(conference, dict):
        message = 'not a pretalx/frab schedule.json: expected {"schedule": {"conference": {...}}}'
        raise InvalidInput([Problem(message, source=collector.source)])
    top, where = ("schedule." if schedule is not document else ""), "conference."
    found = _Found(_tracks(collector, conference, where))
    for index, raw_day in enumerate(_list(collector, conference, "days", where), start=1):
        _day(collector, raw_day, index, f"{where}days[{index - 1}]", found)
    # The hub's shape: one flat list of events, not listed under days and rooms.
    for raw in _list(collector, schedule, "events", top):
        found.event(raw, None, None)
    # Keys given twice anywhere but in an event (whose own problems name the event).
    inside_events = {id(e) for e in found.objects}
    for path, mapping in walk(document, "", stop=inside_events):
        if twice(mapping):
            collector.twice(mapping, where=path())
    no_days(collector, found.days, found.events, f"{where}days")
    return Parsed(
        title=_field(collector, conference, "title", where),
        zone=_field(collector, conference, "time_zone_name", where),
        day_change=_field(collector, conference, "day_change", where),
        url=_field(collector, conference, "url", where)
        or _field(collector, schedule, "base_url", top),
        description=_field(collector, conference, "description", where),
        days=tuple(found.days),
        events=tuple(found.events),
    )


def _tracks(collector: Collector, conference: Mapping[str, object], where: str) -> dict[str, str]:
    """Each track's name by its slug, which the hub's events may carry alone."""
    return {
        t["slug"]: t["name"]
        for t in _list(collector, conference, "tracks", where)
        if isinstance(t, dict) and isinstance(t.get("slug"), str) and isinstance(t.get("name"), str)
    }


def _day(collector: Collector, raw_day: object, index: int, at: str, found: _Found) -> None:
    """One of ``conference.days``, with the events of its rooms."""
    if not isinstance(raw_day, dict):
        collector.problem(
            f"must be an object, not {kind(raw_day)}: {shown(raw_day)}", field=at, value=raw_day
        )
        return
    day = Day(
        index=raw_day["index"] if type(raw_day.get("index")) is int else index,
        date=_field(collector, raw_day, "date", f"{at}."),
        start=_field(collector, raw_day, "day_start", f"{at}.")
        or _field(collector, raw_day, "start", f"{at}."),
        end=_field(collector, raw_day, "day_end", f"{at}.")
        or _field(collector, raw_day, "end", f"{at}."),
    )
    found.days.append(day)
    rooms = raw_day.get("rooms")
    if rooms is not None and not isinstance(rooms, dict):
        collector.problem(
            "must be an object that maps each room's name to its list of events, not "
            f"{kind(rooms)}: {shown(rooms)}",
            field=f"{at}.rooms",
            value=rooms,
        )
        return
    for room_name, room_events in (rooms or {}).items():
        if not isinstance(room_events, list):
            collector.problem(
                f"must be a list of events, not {kind(room_events)}: {shown(room_events)}",
                field=f"{at}.rooms.{name(room_name)}",
                value=room_events,
            )
            continue
        for raw in room_events:
            found.event(raw, room_name, day)


def _list(
    collector: Collector, mapping: Mapping[str, object], key: str, where: str
) -> list[object]:
    """``mapping[key]`` as a list; absent or null is an empty one, anything else a problem."""
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        collector.problem(
            f"must be a list, not {kind(value)}: {shown(value)}", field=f"{where}{key}", value=value
        )
        return []
    return value


def _field(collector: Collector, mapping: Mapping[str, object], key: str, where: str) -> str | None:
    """``mapping[key]`` as text (a number is its digits); anything else a problem."""
    value = mapping.get(key)
    text = _text(value)
    if value is not None and text is None:
        collector.problem(
            f"must be text, not {kind(value)}: {shown(value)}", field=f"{where}{key}", value=value
        )
    return text


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _event(
    raw: object, room: str | None, day: Day | None, tracks: Mapping[str, str], position: int
) -> RawEvent:
    if not isinstance(raw, dict):
        problem = ("", f"must be an object, not {kind(raw)}: {shown(raw)}", raw)
        return RawEvent(position, {}, (), day, (problem,))
    problems: list[tuple[str, str, object]] = [
        (
            f"{path()}{name(key)}",
            f"appears twice in one object, as {shown(a)} and as {shown(b)}; keep one",
            b,
        )
        for path, mapping in walk(raw, "")
        for key, a, b in twice(mapping)
    ]
    text: dict[str, str | None] = {}
    for key in EVENT_TEXT:
        value = raw.get(key)
        if isinstance(value, dict) and key in ("room", "track"):
            # The hub writes {"name": ..., "slug": ...}; its tracks often carry only the slug.
            slug = value.get("slug")
            value = value.get("name") or (tracks.get(slug, slug) if isinstance(slug, str) else None)
        if value is not None and _text(value) is None:
            problems.append((key, f"must be text, not {kind(value)}: {shown(value)}", value))
        text[key] = _text(value)
    if not clean(text["room"]):
        text["room"] = room
    # The hub's events carry an offset-bearing "start" and "end" instead of "date" and "duration".
    if text["date"] is None and text["start"] is not None and "T" in text["start"]:
        text["date"], text["start"] = text["start"], None
    persons = _persons(raw, problems)
    return RawEvent(position, text, persons, day, tuple(problems))


def _persons(raw: Mapping[str, object], problems: list[tuple[str, str, object]]) -> tuple[str, ...]:
    """The speakers' names: ``persons`` (the hub: ``participants``), each a name or an object
    with one; what is neither is a problem."""
    key = "participants" if not raw.get("persons") and raw.get("participants") else "persons"
    people = raw.get(key)
    persons: list[str] = []
    if people is not None and not isinstance(people, list):
        problems.append(
            (key, f"must be a list of people, not {kind(people)}: {shown(people)}", people)
        )
        people = []
    for person in people or []:
        names = [person] if isinstance(person, str) else []
        if isinstance(person, dict):
            names = [person[k] for k in _PERSON_NAMES if isinstance(person.get(k), str)]
        if names:
            persons.append(next((n for n in names if n.strip()), ""))  # "": no name, left out
        else:
            problems.append(
                (
                    key,
                    f"{shown(person)} is neither a name nor an object with a public_name",
                    person,
                )
            )
    return tuple(persons)


# A JSON container met on a walk: (the step to its parent, its key or index there, the value).
_Step = tuple["_Step | None", str | int, object]


def walk(
    value: object, path: str, *, stop: Collection[int] = ()
) -> Iterator[tuple[Callable[[], str], dict[str, object]]]:
    """Every JSON object inside ``value`` (itself included), with a function that gives its path
    such as ``a.b[2].``, but none inside a value whose ``id()`` is in ``stop``.

    Without recursion: a document may be nested as deep as the parser allows. A path is built
    only when asked for (for a problem to name): building each one as the walk goes would take
    memory and time of the depth times the number of objects, gigabytes for a 200 KB file.
    """
    stack: list[_Step] = [(None, path, value)]
    while stack:
        step = stack.pop()
        item = step[2]
        if id(item) in stop:
            continue
        if isinstance(item, dict):
            yield partial(_path, step), item
            children: Iterable[tuple[str | int, object]] = item.items()
        elif isinstance(item, list):
            children = enumerate(item)
        else:  # the value the walk began at, if it is neither
            continue
        stack.extend(reversed([(step, k, v) for k, v in children if isinstance(v, (dict, list))]))


def _path(step: _Step) -> str:
    """The path of a container :func:`walk` met, such as ``a.b[2].``; shortened in the middle past
    200 characters (a path 900 objects deep names nothing a person could find)."""
    parts: list[str | int] = []
    at: _Step | None = step
    while at is not None:
        parts.append(at[1])
        at = at[0]
    pieces = [str(parts.pop())]  # the path the walk began at
    for part in reversed(parts):
        if isinstance(part, int):
            pieces[-1] = pieces[-1].removesuffix(".")
            pieces.append(f"[{part}].")
        else:
            pieces.append(f"{name(part)}.")
    path = "".join(pieces)
    return path if len(path) <= 200 else f"{path[:100]}...{path[-97:]}"
