"""The serializer behind ``to_ical``: icalendar components as RFC 5545 bytes, each piece once.

Private machinery of :mod:`confcal.ical`, whose :func:`~confcal.ical.to_ical` is the only caller.
A build writes the same event into the whole calendar, its day's file and its own file, and the
same VTIMEZONE and calendar properties into many files. Each piece is turned into content lines
by icalendar once, folded here (:func:`fold`, the same folds as icalendar's, found on the UTF-8
bytes at once), and the VCALENDAR is assembled from the bytes. The result is byte for byte what
icalendar writes for :func:`~confcal.ical.to_calendar` (tests/test_serialize.py proves it): that
is the second way to the same bytes, icalendar's own ``to_ical()``, kept for callers who want the
objects, and the reason this module must match it byte for byte.

The caches, all here and all bounded. Each is read and written by single dict operations (or is
an ``lru_cache``, which locks itself), atomic in CPython and in free-threaded builds; a race
between threads at worst serializes a piece twice, and never mixes two pieces' bytes.

- ``_EVENTS``: each event's VEVENT bytes per :data:`Context` (UID domain, DTSTAMP, alarm), and
  the TZIDs its times are written in (:func:`event_zones`), keyed by the event's identity (two
  equal events can differ in what is written: the same instant in two zones compares equal) and
  dropped with the event (a weak reference). At most ``_CONTEXTS_PER_EVENT`` (4) contexts per
  event: a build uses one or two, but a server writing calendars per request with ever new
  alarms must not grow without limit.
- :func:`vtimezone_bytes`: ``lru_cache(maxsize=1024)`` keyed by the VTIMEZONE's definition.
- ``_HEADS``: the calendar's property lines but its name, keyed by what the caller says they
  depend on (:func:`head_bytes`); at most 64 entries, then emptied.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Hashable, Mapping

import icalendar
from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline, Parameters

from ._identity import ByIdentity
from ._vtimezone import ZoneDefinition
from .model import Event

__all__ = [
    "END",
    "NAME_PROPERTIES",
    "Categories",
    "CategoryList",
    "Context",
    "PlainText",
    "Property",
    "Text",
    "Zones",
    "component_bytes",
    "escape",
    "event_bytes",
    "event_zones",
    "fold",
    "head_bytes",
    "icalendar_value",
    "vevent_bytes",
    "vtimezone_bytes",
]

END = b"END:VCALENDAR\r\n"

#: What a VEVENT depends on besides its event: its UID domain, DTSTAMP and alarm.
Context = tuple[str, dt.datetime, dt.timedelta | None]
#: One property as :mod:`confcal.ical` decides it: its name, value and parameters.
Property = tuple[str, object, Mapping[str, str]]

#: The calendar properties whose value is the calendar's name (TEXT, no parameters): each file
#: of a split has its own name, and shares every other property line with the others.
NAME_PROPERTIES = ("NAME", "X-WR-CALNAME")


def escape(text: str) -> str:
    """RFC 5545 3.3.11 TEXT escaping, each character once.

    ``icalendar``'s own escaping first turns a literal backslash-N into a newline, so a
    description holding ``C:\\New`` would lose its backslash and gain a line break. Backslashes
    go first, so no escape added later is escaped again (four C-level passes: a regular
    expression calling back into Python per comma took 4 times as long).
    """
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


class Text(icalendar.vText):
    """A TEXT value that reads back as exactly the text it was made from."""

    def to_ical(self) -> bytes:
        return escape(str(self)).encode()


class Categories(icalendar.vCategory):
    """CATEGORIES, each escaped as :class:`Text`."""

    def to_ical(self) -> bytes:
        return b",".join(escape(str(c)).encode() for c in self.cats)


class PlainText(str):
    """A TEXT value as :mod:`confcal.ical` hands it to the serializer: a ``str``, escaped as it is
    written. icalendar's :class:`Text` builds a parameters dict for each value, a tenth of the
    cost of a calendar; :func:`icalendar_value` makes one where icalendar writes the value."""

    __slots__ = ()


class CategoryList(tuple[str, ...]):
    """CATEGORIES as :mod:`confcal.ical` hands them to the serializer (see :class:`PlainText`)."""

    __slots__ = ()


def icalendar_value(value: object) -> object:
    """``value`` as icalendar takes it: :class:`Text` and :class:`Categories` for the plain
    forms above, anything else as it is."""
    if type(value) is PlainText:
        return Text(value)
    if type(value) is CategoryList:
        return Categories(list(value))
    return value


_FOLD_AT = 74  # octets: icalendar folds before the character that would make a line 75 long
_CONTINUATION = 0x80  # UTF-8 bytes 10xxxxxx continue a character
_FOLD_ESCAPES = (ord("\\"), ord("^"))  # escapes (TEXT, RFC 6868) stay with what they escape


def fold(line: str) -> bytes:
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


def _line(name: str, value: object) -> bytes:
    """One content line as ``Component.content_line`` makes it, folded, with its CRLF.

    ``Component.content_lines`` also builds an empty ``Parameters`` for every property that has
    none of its own (a sixth of the cost): one shared empty one does.
    """
    params = getattr(value, "params", None)
    line = Contentline.from_parts(name, _NO_PARAMETERS if params is None else params, value)
    return fold(line) + b"\r\n"


def component_bytes(component: icalendar.cal.component.Component) -> bytes:
    """``component.to_ical()``: icalendar's content lines, folded by :func:`fold`."""
    return b"".join(_line(name, value) for name, value in component.property_items())


# --- Content lines without icalendar's machinery -----------------------------------------------
#
# icalendar builds a typed value, a Parameters dict and a Contentline for every property, which is
# most of the cost of a calendar. A VEVENT holds few kinds of values, each written here as
# icalendar writes it; anything else (or a value that icalendar would quote, escape or drop a
# parameter of) goes through icalendar itself (:func:`_icalendar_line`). tests/test_serialize.py
# holds the two byte for byte equal over every field, zone and alarm (hypothesis).

#: Parameter values written as they are: no quoting, no RFC 6868 escape (IANA zone names, BCP 47
#: language tags).
_PLAIN_PARAMETER = re.compile(r"[A-Za-z0-9/_+.-]+")
#: Characters icalendar's TEXT escaping (and its backslash-N quirk) would change.
_ESCAPED = re.compile(r"[\\;,\r\n]")
#: Properties whose plain ``str`` values icalendar writes as they are (URI), or escapes as TEXT.
_URI = frozenset({"URL"})
_TEXT = frozenset({"UID", "STATUS", "ACTION"})
#: Properties whose ``int`` values icalendar writes as INTEGER (a revision number).
_INTEGER = frozenset({"SEQUENCE"})


def _datetime(value: dt.datetime) -> str:
    # isoformat pads the year to four digits, as icalendar does: YYYYMMDDTHHMMSS without its
    # "-" and ":" (and without any offset or fraction).
    return value.isoformat(timespec="seconds")[:19].replace("-", "").replace(":", "")


def _value(name: str, value: object, parameters: Mapping[str, str]) -> str | None:
    """The value as icalendar writes it, or ``None`` to let icalendar write the line."""
    if type(value) is PlainText:
        return escape(value)
    if type(value) is CategoryList:
        return ",".join(map(escape, value))
    if type(value) is str:
        plain = name in _URI or (name in _TEXT and not _ESCAPED.search(value))
        return value if plain else None
    if type(value) is int and name in _INTEGER and not parameters:
        return str(value)  # vInt: SEQUENCE
    return _time(value, parameters)


def _time(value: object, parameters: Mapping[str, str]) -> str | None:
    """A DATE-TIME in UTC or with its TZID, or a DATE, as icalendar writes it; else ``None``."""
    if type(value) is dt.datetime:
        if value.tzinfo is None:
            zone = parameters.get("TZID")
            return _datetime(value) if zone is not None and zone != "UTC" else None
        return _datetime(value) + "Z" if value.tzinfo is dt.UTC and not parameters else None
    if type(value) is dt.date and not parameters:
        return f"{value.year:04}{value.month:02}{value.day:02}"
    return None


def _fast_line(name: str, value: object, parameters: Mapping[str, str]) -> bytes | None:
    """The content line as icalendar writes it, folded, or ``None`` to let icalendar write it."""
    text = _value(name, value, parameters)
    if text is None:
        return None
    if type(value) is dt.date:
        return fold(f"{name};VALUE=DATE:{text}") + b"\r\n"
    if not parameters:
        return fold(f"{name}:{text}") + b"\r\n"
    pairs = []
    for key in sorted(parameters):
        given = parameters[key]
        if not key.isupper() or not _PLAIN_PARAMETER.fullmatch(given):
            return None
        pairs.append(f"{key}={given}")
    return fold(f"{name};{';'.join(pairs)}:{text}") + b"\r\n"


_Kind = type[icalendar.cal.component.Component]


def _icalendar_line(kind: _Kind, name: str, value: object, parameters: Mapping[str, str]) -> bytes:
    """The property as icalendar writes it, for what :func:`_fast_line` does not write."""
    holder = kind()
    holder.add(name.lower(), icalendar_value(value), parameters=dict(parameters))
    return b"".join(_line(key, item) for key, item in holder.property_items()[1:-1])


@functools.lru_cache(maxsize=64)
def _order(kind: _Kind, names: tuple[str, ...]) -> tuple[int, ...]:
    """Where icalendar puts each of ``names``: its canonical order, then alphabetical; the
    values of one property in the order they were added."""
    ranked = canonsort_keys(list(dict.fromkeys(names)), kind.canonical_order)
    rank = {key: position for position, key in enumerate(ranked)}
    return tuple(sorted(range(len(names)), key=lambda i: rank[names[i]]))


def _lines(kind: _Kind, properties: list[Property]) -> list[bytes]:
    lines = []
    for name, value, parameters in properties:
        line = _fast_line(name, value, parameters)
        lines.append(_icalendar_line(kind, name, value, parameters) if line is None else line)
    return [lines[i] for i in _order(kind, tuple(name for name, _, _ in properties))]


def event_bytes(properties: list[Property], alarm: list[Property]) -> bytes:
    """``to_ical()`` of the VEVENT holding ``properties``, and a VALARM of ``alarm`` if any."""
    parts = [b"BEGIN:VEVENT\r\n", *_lines(icalendar.Event, properties)]
    if alarm:
        parts += [b"BEGIN:VALARM\r\n", *_lines(icalendar.Alarm, alarm), b"END:VALARM\r\n"]
    parts.append(b"END:VEVENT\r\n")
    return b"".join(parts)


class _Remembered:
    """What is kept of one event: its VEVENT's bytes per :data:`Context`, and the TZIDs its
    times are written in with their instants (each calendar holding it needs them for its
    VTIMEZONEs)."""

    __slots__ = ("by_context", "zones")

    def __init__(self) -> None:
        self.by_context: dict[Context, bytes] = {}
        self.zones: Zones | None = None


#: What is kept of each event, as long as it lives (see the module's doc).
_EVENTS: ByIdentity[Event, _Remembered] = ByIdentity(lambda _: _Remembered())
_CONTEXTS_PER_EVENT = 4


def vevent_bytes(
    event: Event,
    context: Context,
    plan: Callable[[Event, Context], tuple[list[Property], list[Property]]],
) -> bytes:
    """The bytes of the VEVENT that ``plan(event, context)`` describes (its properties, its
    alarm's), built once per event and context."""
    cache = _EVENTS.of(event).by_context
    data = cache.get(context)
    if data is None:
        if len(cache) >= _CONTEXTS_PER_EVENT:
            cache.clear()
        data = cache[context] = event_bytes(*plan(event, context))
    return data


#: The TZID an event's start, then its end, is written in, with the instant (UTC) written;
#: ``(None, None)`` for one written in UTC or as a date.
Zones = tuple[tuple[str | None, dt.datetime | None], ...]


def event_zones(event: Event, find: Callable[[Event], Zones]) -> Zones:
    """``find(event)``, once per event: its VEVENT, and the whole calendar, day, track, room and
    session files that need the VTIMEZONEs of the events they hold."""
    remembered = _EVENTS.of(event)
    if remembered.zones is None:
        remembered.zones = find(event)
    return remembered.zones


@functools.lru_cache(maxsize=1024)
def vtimezone_bytes(definition: ZoneDefinition) -> bytes:
    """The bytes of the VTIMEZONE ``definition`` describes."""
    return component_bytes(definition.to_component())


_HEADS: dict[Hashable, tuple[bytes | str, ...]] = {}
_HEADS_MAX = 64


def head_bytes(key: Hashable, name: str, build: Callable[[], icalendar.Calendar]) -> bytes:
    """``BEGIN:VCALENDAR`` and the property lines of ``build()``, the name lines naming ``name``.

    ``key`` stands for everything ``build()`` writes but the name: calendars with the same key
    share the bytes of every other line, and ``build`` is called only for a key not seen before.
    """
    template = _HEADS.get(key)
    if template is None:
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        template = _HEADS[key] = _template(build())
    value = escape(name)  # TEXT without parameters: what _line(part, Text(name)) writes
    return b"".join(
        part if isinstance(part, bytes) else fold(f"{part}:{value}") + b"\r\n" for part in template
    )


def _template(calendar: icalendar.Calendar) -> tuple[bytes | str, ...]:
    """Its lines but ``END:VCALENDAR`` as bytes, but for the name lines: their property names."""
    items = calendar.property_items(recursive=False)[:-1]
    return tuple(name if name in NAME_PROPERTIES else _line(name, value) for name, value in items)
