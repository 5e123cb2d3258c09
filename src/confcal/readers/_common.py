"""What every reader shares, so that a bad input gets the same treatment whichever file holds it.

The checks of a reader's arguments, the label a message gives an event and a key, XML's UTF-16 and
UTF-32 (told by their first bytes, for the dispatcher and :mod:`.frab_xml`), the syntax more than
one format writes (a clock such as ``04:00``, an ISO 8601 duration), and the :class:`Collector`
that gathers every problem of a file (up to :data:`LIMIT`), each located by file, event, field
and value. Decoding and parsing JSON is :mod:`._json`'s. What a field may hold is the model's
rule, not this module's: the collector locates the model's own problems in the file
(``relocated``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

import attrs
import icalendar

from confcal import _fields, zones
from confcal._choices import TRUSTS, Trust
from confcal._fields import wrong_type
from confcal.errors import InvalidInput, LoadWarning, Problem, shown
from confcal.model import Schedule, When

from ._json import twice

__all__ = [
    "LIMIT",
    "SHOWN_SESSIONS",
    "TRUSTS",
    "Collector",
    "Imported",
    "Trust",
    "check_options",
    "check_text",
    "event_label",
    "model_problems",
    "name",
    "parse_clock",
    "parse_duration",
    "parse_refresh",
    "quoted",
    "session",
    "wrong_type",
    "xml_codec",
]

_T = TypeVar("_T")

# --- What a caller passes ------------------------------------------------------------------------


def check_text(text: object, parameter: str = "text") -> str | bytes:
    """``text`` as a reader takes it: a ``str``, or the file's ``bytes`` (decoded as a file is)."""
    if not isinstance(text, str | bytes):
        raise wrong_type(parameter, "text (str) or the file's bytes", text)
    return text


def check_options(
    *, source: object, timezone: object = None, dtstamp: object = None, trust: object = "auto"
) -> None:
    """The keyword arguments every reader takes, checked before the file is looked at."""
    if not isinstance(trust, str) or trust not in TRUSTS:
        raise wrong_type("trust", f"one of {', '.join(TRUSTS)}", trust)
    if not isinstance(source, str):
        raise wrong_type("source", "text (str) naming the input in messages", source)
    if timezone is not None and not isinstance(timezone, str):
        raise wrong_type("timezone", "an IANA time zone name (str) or None", timezone)
    if dtstamp is not None:
        _fields.as_dtstamp("dtstamp", dtstamp)  # the model's rule for Schedule.dtstamp


# --- Naming in messages, and XML's encodings -----------------------------------------------------

# A byte order mark, or (XML 1.0, appendix F) how "<?" begins a file without one: UTF-16 and UTF-32,
# which the XML parser is given decoded. UTF-8, with or without a BOM, is left to the parser; the
# other encodings an XML declaration may name are decoded by Python's codecs (frab_xml's
# _declared_codec).
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


def xml_codec(data: bytes) -> str | None:
    """The codec of an XML file in UTF-16 or UTF-32, by its byte order mark or its first
    characters; ``None`` for anything else. Shared by the dispatcher (is it XML?) and
    :mod:`.frab_xml` (decoding it)."""
    return next((codec for start, codec in _XML_CODECS if data.startswith(start)), None)


def name(key: str) -> str:
    """A key as part of a field name: itself, unless printing it could garble the message (then
    as :func:`~confcal.errors.shown` shows any value: escaped and shortened)."""
    return key if len(key) <= 40 and key.isprintable() else shown(key)


def quoted(text: str, limit: int = 60) -> str:
    """A name from the file as a message shows it: in double quotes, on one line, shortened.

    What could act on the terminal or break the message's line (a CR/LF in a title, an escape
    sequence) is written as its escape (``\\n``, ``\\x1b``), so one warning stays one line.
    """
    # Only what can be shown is escaped: a 10 MB title costs no more than a short one.
    one_line = text.strip()[: limit + 1]
    escaped = (
        one_line
        if one_line.isprintable()
        else "".join(c if c.isprintable() else repr(c)[1:-1] for c in one_line)
    )
    if len(escaped) > limit:
        escaped = f"{escaped[: limit - 3].rstrip()}..."
    return f'"{escaped}"'


def session(when: str | None, room: str | None, title: str | None) -> str | None:
    """A session as a person finds it in the printed programme: ``2024-12-27 14:00 "Saal 1"
    "Title"``; ``None`` when the file gives none of the three."""
    parts = [when.strip()[:16].replace("T", " ")] if when and when.strip() else []
    parts += [quoted(text, 40) for text in (room, title) if text and text.strip()]
    return " ".join(parts) or None


def event_label(position: int, *names: object, place: str | None = None) -> str:
    """How a message names an event: the first of ``names`` (its guid, then its id) that is not
    blank, :func:`quoted`; else ``place`` (its :func:`session`: date, room and title); else
    ``#N``, its position in the file. The same for every format, so a label is always escaped,
    one line and short, whatever the file holds."""
    for candidate in names:
        if isinstance(candidate, str) and candidate.strip():
            return quoted(candidate.strip())
    return place or f"#{position}"


# --- Syntax that more than one format writes ------------------------------------------------------

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_clock(text: str) -> dt.time | None:
    """A time of day as programmes write it: ``H:MM`` or ``HH:MM``, seconds optional, blanks
    around it ignored; ``None`` for anything else."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


def parse_duration(text: str) -> dt.timedelta | None:
    """An ISO 8601 duration (``PT45M``, ``P1D``, ``-PT5M``), or ``None`` if it is not one."""
    try:
        value: object = icalendar.vDuration.from_ical(text)  # type: ignore[no-untyped-call]
    except (ValueError, OverflowError):  # OverflowError: P99999999999D, past what Python counts
        return None
    return value if isinstance(value, dt.timedelta) else None


def parse_refresh(text: str) -> dt.timedelta:
    """``calendar.refresh`` or ``--refresh``: an ISO 8601 duration the model accepts as a
    :attr:`~confcal.model.Schedule.refresh` (its rule, not a second one); :class:`InvalidInput`
    saying so, with the text as written, otherwise."""
    if not isinstance(text, str):
        raise wrong_type("refresh", "an ISO 8601 duration (str) such as PT6H or P1D", text)
    interval = parse_duration(text)
    if interval is None or model_problems(Schedule, "refresh", interval):
        raise InvalidInput.single(
            f"{shown(text)} is not a positive ISO 8601 duration such as PT6H or P1D",
            field="refresh",
            value=text,
        )
    return interval


def model_problems(cls: type, name: str, value: object) -> tuple[Problem, ...]:
    """What the model's own validator of ``cls.name`` says of ``value`` (nothing: it is valid).

    For a reader that wants a field's problems before it can build the object (and with the
    file's other problems), without writing the model's rule a second time.
    """
    field = getattr(attrs.fields(cls), name)
    try:
        field.validator(None, field, value)
    except InvalidInput as error:
        return error.problems
    return ()


# --- Collecting problems -------------------------------------------------------------------------


@attrs.frozen
class Imported:
    """A schedule as a reader read it, with what confcal had to say about the file: what
    :func:`confcal.readers.frab_json.loads`, :func:`~confcal.readers.frab_xml.loads` and
    :func:`~confcal.readers.ics.loads` return (public as ``confcal.readers.Imported``)."""

    schedule: Schedule
    warnings: tuple[LoadWarning, ...] = ()


#: Problems, and warnings, one reading collects. At this many problems it stops reading: a file
#: that is wrong everywhere (200,000 events that are ``{}``) is better fixed from the first ones
#: than listed in full, which would take time and memory for nothing. Warnings past it are
#: counted, not kept.
LIMIT = 1000


#: The sessions a repair's one warning names; the rest are counted.
SHOWN_SESSIONS = 3


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
        # A repair's words -> the sessions it was made to (as :func:`session` names them).
        self.repairs: dict[str, list[str]] = {}

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
        """One warning per kind of repair (:meth:`repair`), then the warnings kept, then one that
        counts those past :data:`LIMIT`, if any."""
        # In the order of the sessions they name, so not in the order of the file.
        kinds = sorted(self.repairs.items(), key=lambda kind: (min(kind[1]), kind[0]))
        repaired = [self._repaired(words, sessions) for words, sessions in kinds]
        counted = f"and {self.more_warnings} more warning(s)"
        more = [LoadWarning(counted, source=self.source)] if self.more_warnings else []
        return (*repaired, *self.warnings, *more)

    def repair(self, words: str, session: str) -> None:
        """Note that ``session`` was repaired as ``words`` say (``"without a title, titled
        'Untitled session'"``): said once for every session so repaired, with their count and
        the first few (:data:`SHOWN_SESSIONS`), however many there are."""
        self.repairs.setdefault(words, []).append(session)

    def _repaired(self, words: str, sessions: list[str]) -> LoadWarning:
        ordered = sorted(sessions)  # by date first: the order of the file is not the reader's
        shown_ = "; ".join(ordered[:SHOWN_SESSIONS])
        rest = len(ordered) - SHOWN_SESSIONS
        more = f"; and {rest} more" if rest > 0 else ""
        noun = "session" if len(ordered) == 1 else "sessions"
        return LoadWarning(f"{len(ordered)} {noun} {words}: {shown_}{more}", source=self.source)

    def problem(
        self,
        message: str,
        *,
        event: str | None = None,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.add(Problem(message, source=self.source, event=event, field=field, value=value))

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)
        if len(self.problems) > LIMIT:
            raise _TooMany

    def relocated(
        self,
        problems: Iterable[Problem],
        *,
        event: str | None = None,
        where: str = "",
        names: Mapping[str, str] | None = None,
    ) -> None:
        """Problems the model or the zones found in a value this reader gave them, located in
        the file: its source, the ``event``, and each field as the file names it (``where``
        before it, renamed by ``names``: the model's ``location`` is a frab ``room``)."""
        for problem in problems:
            field = problem.field
            if field is not None:
                field = f"{where}{(names or {}).get(field, field)}"
            self.add(attrs.evolve(problem.located(source=self.source, event=event), field=field))

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
        """Whether ``value`` (as written: its own year, before any offset) is in the model's
        years (:data:`confcal._fields.YEARS`); a problem, in the model's words, if not."""
        return self._years(value.year, text, event=event, field=field)

    def _years(
        self, year: int | None, text: str, *, event: str | None, field: str, reached: bool = False
    ) -> bool:
        try:
            _fields.check_year(field, text, year, written=lambda: shown(text), reached=reached)
        except InvalidInput as error:
            self.relocated(error.problems, event=event)
            return False
        return True

    def zone(self, zone: str, *, event: str | None = None, field: str) -> bool:
        try:
            zones.get_zone(zone)
        except InvalidInput as error:
            self.relocated(error.problems, event=event, names={"timezone": field})
            return False
        return True

    def localized(
        self, make: Callable[[], _T], text: str, *, event: str | None, field: str
    ) -> _T | None:
        """``make()`` (a :mod:`confcal.zones` call), its :class:`InvalidInput` located here.

        The zones name the wall-clock time they refused (the problem's ``value``); the text as
        the file has it is put first where it is not that time (an offset, seconds, a clock).
        """
        try:
            return make()
        except InvalidInput as error:
            problem = error.problems[0]
            refused = problem.value
            message = problem.message
            if not (
                isinstance(refused, dt.datetime) and refused.isoformat(timespec="minutes") == text
            ):
                message = f"{shown(text)}: {message}"
            self.problem(message, event=event, field=field, value=text)
            return None

    def day_change(self, text: str, *, field: str) -> dt.time | None:
        """A programme's ``day_change``: a time of day ``HH:MM`` that the model accepts as a
        :attr:`~confcal.model.Schedule.day_change` (its rule: whole minutes)."""
        clock = parse_clock(text)
        if clock is None or model_problems(Schedule, "day_change", clock):
            self.problem(f"{shown(text)} is not a time of day HH:MM", field=field, value=text)
            return None
        return clock

    def end_after(
        self, start: When, duration: dt.timedelta, text: str, *, event: str | None, field: str
    ) -> When | None:
        """``duration`` after ``start``: elapsed time (a session across a clock change lasts
        what the file says), in UTC for a time; a problem when that is past the model's years."""
        try:
            if isinstance(start, dt.datetime):
                end: When = start.astimezone(dt.UTC) + duration
            else:
                end = start + duration
        except OverflowError:
            self.too_late(text, event=event, field=field)
            return None
        if not self._years(end.year, text, event=event, field=field, reached=True):
            return None
        return end

    def too_late(self, text: str, *, event: str | None, field: str) -> None:
        """A problem with a duration that ends past any year Python counts."""
        self._years(None, text, event=event, field=field, reached=True)
