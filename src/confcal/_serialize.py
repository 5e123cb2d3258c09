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

- ``_EVENT_BYTES``: each event's VEVENT bytes per :data:`Context` (UID domain, DTSTAMP, alarm),
  keyed by the event's identity (two equal events can differ in what is written: the same
  instant in two zones compares equal) and dropped with the event (a weak reference). At most
  ``_CONTEXTS_PER_EVENT`` (4) contexts per event: a build uses one or two, but a server writing
  calendars per request with ever new alarms must not grow without limit.
- :func:`vtimezone_bytes`: ``lru_cache(maxsize=1024)`` keyed by the VTIMEZONE's definition.
- ``_HEADS``: the calendar's property lines but its name, keyed by what the caller says they
  depend on (:func:`head_bytes`); at most 64 entries, then emptied.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Callable, Hashable

import icalendar
from icalendar.parser import Contentline, Parameters

from ._vtimezone import ZoneDefinition
from .model import Event

__all__ = [
    "END",
    "NAME_PROPERTIES",
    "Categories",
    "Context",
    "Text",
    "component_bytes",
    "escape",
    "fold",
    "head_bytes",
    "vevent_bytes",
    "vtimezone_bytes",
]

END = b"END:VCALENDAR\r\n"

#: What a VEVENT depends on besides its event: its UID domain, DTSTAMP and alarm.
Context = tuple[str, dt.datetime, dt.timedelta | None]

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


class _EventBytes:
    """The bytes of each event's VEVENT per :data:`Context`, for as long as the event lives."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Event], dict[Context, bytes]]] = {}

    def of(self, event: Event) -> dict[Context, bytes]:
        key = id(event)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is event:
            return entry[1]
        entries = self._entries

        def forget(ref: weakref.ref[Event]) -> None:
            if entries.get(key, (None,))[0] is ref:
                entries.pop(key, None)

        cache: dict[Context, bytes] = {}
        entries[key] = (weakref.ref(event, forget), cache)
        return cache


_EVENT_BYTES = _EventBytes()
_CONTEXTS_PER_EVENT = 4


def vevent_bytes(
    event: Event, context: Context, build: Callable[[Event, Context], icalendar.Event]
) -> bytes:
    """The bytes of ``build(event, context)``, built once per event and context."""
    cache = _EVENT_BYTES.of(event)
    data = cache.get(context)
    if data is None:
        if len(cache) >= _CONTEXTS_PER_EVENT:
            cache.clear()
        data = cache[context] = component_bytes(build(event, context))
    return data


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
    value = Text(name)
    return b"".join(part if isinstance(part, bytes) else _line(part, value) for part in template)


def _template(calendar: icalendar.Calendar) -> tuple[bytes | str, ...]:
    """Its lines but ``END:VCALENDAR`` as bytes, but for the name lines: their property names."""
    items = calendar.property_items(recursive=False)[:-1]
    return tuple(name if name in NAME_PROPERTIES else _line(name, value) for name, value in items)
