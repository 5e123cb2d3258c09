"""What the two readers (events.json in :mod:`confcal.loading`, pretalx/frab in :mod:`confcal.frab`)
share, so that a bad input gets the same treatment whichever file holds it.

Decoding and JSON parsing (line and column, duplicate keys, NaN, nesting), the range of years a
programme may name, the SOURCE_DATE_EPOCH rule, duplicate ids, and localizing without a stray
exception: each is written once here and collected as :class:`~confcal.errors.Problem` lines that
name file, event, field and value.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import partial
from typing import Any, Literal

import attrs

from confcal import zones
from confcal.errors import InvalidInput, LoadWarning, Problem, shown
from confcal.model import EPOCH, Event, When

#: What ``--format`` accepts: ``auto`` recognises the other three by content.
Format = Literal["auto", "events", "frab-json", "frab-xml"]
FORMATS: tuple[Format, ...] = ("auto", "events", "frab-json", "frab-xml")

#: Years a programme's times may have: wider than any conference, narrow enough to catch a typo
#: such as 2204, and far from where date arithmetic overflows (year 9999), whatever the offset.
YEARS = range(1900, 2200)


def warn_to(
    callback: Callable[[LoadWarning], None] | None, warnings: Iterable[LoadWarning]
) -> None:
    """Hand each warning to ``callback`` (none: they are dropped, as a caller asked for)."""
    if callback is not None:
        for warning in warnings:
            callback(warning)


# --- Bytes to JSON values ------------------------------------------------------------------------


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); an error with the line and column of the first bad byte.

    JSON is UTF-8 (RFC 8259); a file saved as UTF-16 or UTF-32 is told so, not guessed at.
    """
    wide = _wide(data)
    try:
        text = data.decode("utf-8-sig")
        if wide is None:
            return text
        nul = data.index(b"\x00")  # UTF-8 as far as it goes, but not text
        raise UnicodeDecodeError("utf-8", data, nul, nul + 1, "NUL")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        problem = (
            f"not UTF-8: byte {data[error.start]:#04x} at line {line} column {column} "
            f"(saved as {wide or 'another encoding'}? save it as UTF-8)"
        )
        raise InvalidInput([Problem(problem, source=source)]) from None


def _wide(data: bytes) -> str | None:
    """``UTF-16`` or ``UTF-32`` when the file starts as those do: with their byte order mark, or
    with a NUL byte (which UTF-8 JSON never holds outside a string, nor XML anywhere)."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    head = data[:4]
    if len(head) == 4 and b"\x00" in head:
        return "UTF-32" if head.count(b"\x00") == 3 else "UTF-16"
    return None


# --- Which reader: by content ------------------------------------------------------------------

# A byte order mark, or (XML 1.0, appendix F) how "<?" begins a file without one: UTF-16 and UTF-32,
# which the XML parser is given decoded. UTF-8, with or without a BOM, and the 8-bit encodings an
# XML declaration may name are left to the parser.
_XML_CODECS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xfe\xff", "utf-16"),
    (b"\xff\xfe", "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_XML_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")
_XML_START_TEXT = re.compile("\ufeff?[ \t\r\n]*<")


def xml_codec(data: bytes) -> str | None:
    """The codec of a file in UTF-16 or UTF-32, by its byte order mark or its first characters;
    ``None`` for anything else."""
    return next((codec for start, codec in _XML_CODECS if data.startswith(start)), None)


def is_xml(data: bytes | str) -> bool:
    """Whether the file begins (after a byte order mark and blanks) with ``<``: JSON never does.

    Only the beginning is looked at, so telling the formats apart costs nothing however big the
    file is.
    """
    if isinstance(data, str):
        return _XML_START_TEXT.match(data) is not None
    codec = xml_codec(data)
    if codec is not None:
        head = data[:4096].decode(codec, "ignore")
        return _XML_START_TEXT.match(head) is not None
    return _XML_START.match(data) is not None


#: Keys only a pretalx/frab schedule.json has at its top.
_FRAB_KEYS = frozenset(("schedule", "conference", "$schema"))


def json_format(document: object) -> Literal["events", "frab-json"]:
    """``frab-json`` for an object with ``schedule`` (pretalx, frab, the hub), ``conference`` (a
    schedule without its wrapper) or ``$schema`` (which their files carry) that has neither
    ``calendar`` nor ``events``; else ``events``.

    events.json's own keys decide: an events.json with an unknown key ``schedule`` is still an
    events.json, whose reader then says what is wrong with it. Decided on the parsed document,
    never on text that only looks like a key (inside a description, say).
    """
    if (
        isinstance(document, dict)
        and "calendar" not in document
        and "events" not in document
        and not _FRAB_KEYS.isdisjoint(document)
    ):
        return "frab-json"
    return "events"


class JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it had twice, to report them where they are."""

    # No instance dict: a file of 200,000 ``{}`` makes 200,000 of these.
    __slots__ = ("twice",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.twice: tuple[tuple[str, object, object], ...] = ()
        if len(self) != len(pairs):
            seen: dict[str, object] = {}
            twice = []
            for key, value in pairs:
                if key in seen:
                    twice.append((key, seen[key], value))
                seen[key] = value
            self.twice = tuple(twice)


def twice(value: object) -> tuple[tuple[str, object, object], ...]:
    """The keys an object read by :func:`parse_json` had twice: (key, first, second value)."""
    return getattr(value, "twice", ())


class _NotJson(ValueError):
    def __init__(self, constant: str) -> None:
        super().__init__(f"{constant} is not a JSON number")
        self.constant = constant


def _no_constant(name: str) -> None:
    raise _NotJson(name)


def parse_json(text: str, source: str) -> object:
    """The JSON document, its objects :class:`JsonObject`; :class:`InvalidInput` for anything
    that is not strict JSON (NaN, a trailing comma), or nested past what Python can read."""
    if not text.strip():
        raise InvalidInput(
            [Problem("the file is empty; it must hold a JSON object", source=source)]
        )
    try:
        return json.loads(text, object_pairs_hook=JsonObject, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput([Problem(_syntax(text, error), source=source)]) from None
    except _NotJson as error:
        problem = f"not valid JSON: {error} at {_position(text, error.constant)}"
        raise InvalidInput([Problem(problem, source=source)]) from None
    except RecursionError:
        problem = "not valid JSON for confcal: lists or objects nested too deep"
        raise InvalidInput([Problem(problem, source=source)]) from None
    except ValueError as error:  # an integer of thousands of digits: Python's own limit
        problem = f"not valid JSON: {str(error).split(';')[0]}"
        raise InvalidInput([Problem(problem, source=source)]) from None


def _syntax(text: str, error: json.JSONDecodeError) -> str:
    """The JSON syntax error, where it is; a trailing comma (which JSON forbids) said so."""
    before = text[: error.pos].rstrip()
    if before.endswith(",") and text[error.pos : error.pos + 1] in ("}", "]"):
        comma = len(before) - 1
        line = text.count("\n", 0, comma) + 1
        column = comma - text.rfind("\n", 0, comma)
        closing = text[error.pos]
        return (
            f"not valid JSON: a comma before {closing!r} at line {line} column {column} (remove it)"
        )
    return f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"


def _position(text: str, constant: str) -> str:
    """Where ``constant`` (NaN, Infinity) first occurs outside a string, as line and column."""
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|' + re.escape(constant), text):
        if not match.group().startswith('"'):
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - text.rfind("\n", 0, match.start())
            return f"line {line} column {column}"
    return "an unknown position"  # pragma: no cover - json found it, so we do


def kind(value: object) -> str:
    """A JSON value's type as a message names it."""
    kinds = ((dict, "an object"), (list, "a list"), (str, "text"), (bool, "true/false"))
    return next(
        (name for type_, name in kinds if isinstance(value, type_)),
        "null" if value is None else "a number",
    )


def name(key: str) -> str:
    """A key as part of a field name: itself, unless printing it could garble the message (then
    as :func:`~confcal.errors.shown` shows any value: escaped and shortened)."""
    return key if len(key) <= 40 and key.isprintable() else shown(key)


def event_label(position: int, *names: object) -> str:
    """How a message names an event: the first of ``names`` (its id; for pretalx/frab its guid,
    else its title) that is one printable line of at most 200 characters, in double quotes as
    written; else ``#N``, its position in the file.

    Anything else could garble the message or the terminal, or bury it (an escape sequence, a
    line break, a guid of megabytes); its own problem or warning shows it, escaped and shortened.
    """
    for candidate in names:
        if isinstance(candidate, str) and 0 < len(candidate) <= 200 and candidate.isprintable():
            return f'"{candidate}"'
    return f"#{position}"


def reshown(problem: Problem, **located: str | None) -> Problem:
    """A problem the model or the zones found in a value a reader gave them, located (``source``,
    ``event``) and with that value as :func:`~confcal.errors.shown` shows it where the message
    has its whole ``repr``: a value of megabytes is shortened like every other."""
    message, value = problem.message, problem.value
    if isinstance(value, str) and len(value) > 40:
        whole, short = repr(value), shown(value)
        if whole != short and whole in message:
            message = message.replace(whole, short)
    return attrs.evolve(problem.located(**located), message=message)


# --- Collecting problems -------------------------------------------------------------------------

#: Problems, and warnings, one reading collects. At this many problems it stops reading: a file
#: that is wrong everywhere (200,000 events that are ``{}``) is better fixed from the first ones
#: than listed in full, which would take time and memory for nothing. Warnings past it are
#: counted, not kept.
LIMIT = 1000


class _TooMany(Exception):
    """Raised at :data:`LIMIT` problems, to stop reading."""


class Collector:
    """Collects problems and warnings while a reader builds the schedule, so that one run reports
    every problem of the file (up to :data:`LIMIT`), each located by file, event, field and value.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.warnings: list[LoadWarning] = []
        self.more_warnings = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Where a reader reads: at :data:`LIMIT` problems it stops with an
        :class:`InvalidInput` of those, and one problem saying why there are no more."""
        try:
            yield
        except _TooMany:
            stopped = Problem(
                f"stopped reading after {LIMIT} problems; fix these and run again",
                source=self.source,
            )
            raise InvalidInput([*self.problems[:LIMIT], stopped], stopped=True) from None

    def all_warnings(self) -> tuple[LoadWarning, ...]:
        """The warnings kept, then one that counts those past :data:`LIMIT`, if any."""
        if not self.more_warnings:
            return tuple(self.warnings)
        more = LoadWarning(f"and {self.more_warnings} more warning(s)", source=self.source)
        return (*self.warnings, more)

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
        if len(self.problems) > LIMIT:
            raise _TooMany

    def warn(
        self,
        message: str,
        *,
        event: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        if len(self.warnings) >= LIMIT:
            self.more_warnings += 1
            return
        self.warnings.append(
            LoadWarning(message, source=self.source, event=event, field=field, value=value)
        )

    def fail(self) -> InvalidInput:
        return InvalidInput(self.problems)

    def twice(self, mapping: object, *, event: str | None = None, where: str = "") -> None:
        """A problem for each key the JSON object had twice (JSON keeps the last, silently)."""
        for key, first, second in twice(mapping):
            self.problem(
                f"appears twice in one object, as {shown(first)} and as {shown(second)}; keep one",
                event=event,
                field=f"{where}{name(key)}",
                value=second,
            )

    def in_years(self, value: When, text: str, *, event: str | None, field: str) -> bool:
        """Whether ``value`` (as written: its own year, before any offset) is in :data:`YEARS`."""
        if value.year in YEARS:
            return True
        self.problem(
            f"{shown(text)}: year {value.year} is outside {YEARS[0]} to {YEARS[-1]}; a typo?",
            event=event,
            field=field,
            value=text,
        )
        return False

    def zone(self, zone: str, *, event: str | None = None, field: str) -> bool:
        try:
            zones.check_zone(zone)
        except InvalidInput as error:
            message = reshown(attrs.evolve(error.problems[0], value=zone)).message
            self.problem(message, event=event, field=field, value=zone)
            return False
        return True

    def localized(
        self, make: Callable[[], dt.datetime], text: str, *, event: str | None, field: str
    ) -> dt.datetime | None:
        """``make()`` (a :mod:`confcal.zones` call), its :class:`InvalidInput` located here.

        Such errors carry no location of their own; the value is added where the message does
        not show it already (pytz cannot hold an old local mean time such as -00:44:30).
        """
        try:
            return make()
        except InvalidInput as error:
            message = error.problems[0].message
            if text not in message:
                message = f"{shown(text)}: {message}"
            self.problem(message, event=event, field=field, value=text)
            return None

    def duplicates(self, events: Iterable[Event | None], *, field: str, advice: str = "") -> None:
        """A problem for each id used before, ignoring case: ids name files, and macOS and
        Windows ignore case in names."""
        seen: dict[str, str] = {}
        for event in events:
            if event is None:
                continue
            key = event.id.lower()
            if key in seen:
                same = (
                    ""
                    if seen[key] == event.id
                    else f" (as {shown(seen[key])}: ids name files, whose case some systems ignore)"
                )
                self.problem(
                    f"id {shown(event.id)} is used by another event too{same}{advice}",
                    event=f'"{event.id}"',
                    field=field,
                    value=event.id,
                )
            else:
                seen[key] = event.id

    def dtstamp(
        self, updated: dt.datetime | None, modified: dt.datetime | None, *, environment: bool
    ) -> dt.datetime:
        """DTSTAMP: ``SOURCE_DATE_EPOCH`` (when ``environment``), else the file's own ``updated``,
        else ``modified`` (its modification time); never the clock."""
        epoch = os.environ.get("SOURCE_DATE_EPOCH") if environment else None
        if epoch:
            try:
                return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
            except (ValueError, OverflowError, OSError):
                self.problems.append(
                    Problem(
                        f"{shown(epoch)} is not a number of seconds since 1970",
                        source="SOURCE_DATE_EPOCH",
                        value=epoch,
                    )
                )
                return EPOCH
        if updated is not None:
            return updated
        return modified if modified is not None else EPOCH


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
