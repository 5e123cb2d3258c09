"""Reading a conference programme, whichever format it comes in: one dispatcher over peer readers.

events.json (confcal's own, :mod:`.events_json`), pretalx/frab ``schedule.json``
(:mod:`.frab_json`) and ``schedule.xml`` (:mod:`.frab_xml`), and iCalendar (:mod:`.ics`) each have
a reader; this module tells them apart by content and hands the file to one. The readers are
peers: none imports another, and each only parses its syntax and collects problems, leaving what a
field may hold to the model.

DTSTAMP is decided here, at the edge, and only here (:func:`load`): ``SOURCE_DATE_EPOCH``, else
the file's own ``calendar.updated`` (an .ics: LAST-MODIFIED), else its modification time; never
the clock. :func:`loads` and the readers are pure: the same text gives the same schedule, whatever
the environment.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Literal

import attrs

from confcal._choices import FORMATS, Format
from confcal.errors import InvalidInput, LoadWarning, Problem, shown
from confcal.model import EPOCH, Schedule

from ._common import (
    TRUSTS,
    Imported,
    Trust,
    check_options,
    check_text,
    model_problems,
    parse_refresh,
    wrong_type,
    xml_codec,
)
from ._json import decode, parse_json

__all__ = [
    "FORMATS",
    "TRUSTS",
    "Format",
    "Imported",
    "Trust",
    "detect",
    "load",
    "loads",
    "parse_refresh",
]


def load(  # noqa: PLR0913 - keyword-only options, each with a default
    path: str | os.PathLike[str],
    *,
    format: Format = "auto",
    timezone: str | None = None,
    on_warning: Callable[[LoadWarning], None] | None = None,
    dtstamp: dt.datetime | None = None,
    trust: Trust = "auto",
    strict: bool = False,
) -> Schedule:
    """Read events.json, a pretalx/frab schedule.json or schedule.xml, or an iCalendar file.

    The format is recognised by content unless ``format`` names it; ``timezone`` is the zone of a
    schedule that names none. A file someone else published (pretalx/frab, .ics) is repaired
    where confcal can (see the README, "Repairs"): each kind of repair is one
    :class:`~confcal.errors.LoadWarning`, passed to ``on_warning`` (dropped without one), or,
    with ``strict``, an error. ``trust`` says whether a pretalx/frab date's UTC offset or the time
    it prints wins where they disagree (``auto``: the README's "UTC offsets that disagree").
    Raises :class:`~confcal.errors.InvalidInput` listing every problem.

    DTSTAMP comes from ``SOURCE_DATE_EPOCH``, else ``calendar.updated``, else the file's
    modification time: never the clock, so the same file always gives the same calendars. A pipe
    or a device has no time of its own (its "modification time" is when it was written to, the
    clock), and neither has stdin (``/dev/stdin``, ``/dev/fd/0``) even when it is a regular
    file (a shell's here-document is a temporary file written as the command starts), so
    without the first two that is an error. Given
    ``dtstamp``, it is ``calendar.updated``, else ``dtstamp``, as :func:`loads` has it: neither the
    environment nor the file's time is looked at (``dtstamp=EPOCH``, 1970, is how ``confcal
    convert`` reads a schedule it writes as events.json, whose own time must then take over).
    """
    path = _path(path)
    options = _Options(format=format, timezone=timezone, trust=trust)
    _check(options, on_warning=on_warning, dtstamp=dtstamp, strict=strict)
    source = str(path)
    data, modified = _contents(path, source)
    if source in _STDIN:
        modified = None  # a here-document's file is as new as the run: not the programme's time
    if dtstamp is not None:
        imported = _read(data, options, source=source, dtstamp=dtstamp)
    else:
        imported = _reproducible(data, options, source=source, file=modified)
    return _warned(imported, on_warning, strict=strict)


def loads(  # noqa: PLR0913 - keyword-only options, each with a default
    text: str | bytes,
    *,
    format: Format = "auto",
    source: str = "<string>",
    timezone: str | None = None,
    on_warning: Callable[[LoadWarning], None] | None = None,
    dtstamp: dt.datetime | None = None,
    trust: Trust = "auto",
    strict: bool = False,
) -> Schedule:
    """Read a programme from a string (or its bytes); ``source`` names it in messages.

    As :func:`load`, but pure: DTSTAMP is ``calendar.updated``, else ``dtstamp``, else 1970
    ("unknown"); the environment (``SOURCE_DATE_EPOCH``) is never read.

    Raises:
        InvalidInput: the text is not a programme (every problem found, each located at
            its event and field), or an argument has the wrong type.
    """
    text = check_text(text)
    options = _Options(format=format, timezone=timezone, trust=trust)
    _check(options, on_warning=on_warning, source=source, dtstamp=dtstamp, strict=strict)
    imported = _read(text, options, source=source, dtstamp=dtstamp)
    return _warned(imported, on_warning, strict=strict)


def detect(data: bytes | str) -> Format:
    """``ics``, ``frab-xml``, ``frab-json`` or ``events``, by content (not by file name, which
    varies).

    iCalendar by ``BEGIN:VCALENDAR`` at its start (after a byte order mark and blanks); XML by its
    first character (after a byte order mark: UTF-8, UTF-16 or UTF-32); JSON by the
    keys of its outermost object: ``schedule``, ``conference`` or ``$schema`` without
    ``calendar`` and ``events`` is pretalx/frab, anything else events.json. A file that is neither
    (not UTF-8, not JSON) is ``events``, whose reader then says what is wrong with it.

    Raises:
        InvalidInput: ``data`` is neither text nor bytes.
    """
    data = check_text(data, "data")
    if _is_ics(data):
        return "ics"
    if _is_xml(data):
        return "frab-xml"
    try:
        document = parse_json(data if isinstance(data, str) else decode(data, "<bytes>"), "<bytes>")
    except InvalidInput:
        return "events"
    return _json_format(document)


# --- What the caller passed ----------------------------------------------------------------------


#: The names of stdin, whose file (if it is one) has no time of the programme's.
_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def _path(path: object) -> Path:
    """``path`` as a :class:`~pathlib.Path`: a ``str`` or an ``os.PathLike`` of one, else an
    :class:`InvalidInput` naming the parameter (bytes too: ``os.fsdecode`` them first)."""
    if isinstance(path, str | os.PathLike):
        try:
            return Path(path)
        except TypeError:  # an os.PathLike whose __fspath__ gives bytes
            pass
    raise wrong_type("path", "a file path (str or pathlib.Path)", path)


@attrs.frozen
class _Options:
    """How the caller asked for the file to be read, whichever reader reads it."""

    format: Format
    timezone: str | None
    trust: Trust


def _check(
    options: _Options,
    *,
    on_warning: object,
    source: object = "<string>",
    dtstamp: object = None,
    strict: object = False,
) -> None:
    """The options of :func:`load` and :func:`loads`, checked before the file is read."""
    if not isinstance(options.format, str) or options.format not in FORMATS:
        raise wrong_type("format", f"one of {', '.join(FORMATS)}", options.format)
    if on_warning is not None and not callable(on_warning):
        raise wrong_type("on_warning", "a function taking a LoadWarning, or None", on_warning)
    if not isinstance(strict, bool):
        raise wrong_type("strict", "True or False", strict)
    check_options(source=source, timezone=options.timezone, dtstamp=dtstamp, trust=options.trust)


#: The largest programme :func:`load` reads, 512 MiB, so that ``/dev/zero`` or ``yes |`` is an
#: error, not all memory. 100,000 sessions take 75 MB as events.json (``benchmarks/generate.py``)
#: and 155 MB at FOSDEM 2026's 1.5 KB a session; as schedule.xml 217 MB at 38C3's density and
#: 313 MB at FOSDEM's, as a pretalx schedule.json up to 475 MB (rC3's 4.75 KB a session).
INPUT_LIMIT = 512 << 20


def _contents(path: Path, source: str) -> tuple[bytes, dt.datetime | None]:
    """The file's bytes and modification time (1970, unknown, where Python cannot hold it;
    ``None`` for what is not a regular file, whose time is the clock's); a
    path no file can have (a NUL byte in it) is "no such file", as a missing one is. A file
    larger than :data:`INPUT_LIMIT` is an error, found without reading more than that."""
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            data = _at_most(file, status.st_size)
            mtime = status.st_mtime if stat.S_ISREG(status.st_mode) else None
    except (FileNotFoundError, ValueError):
        raise InvalidInput([Problem("no such file", source=source)]) from None
    except OSError as error:
        raise InvalidInput([Problem(f"cannot read: {error.strerror}", source=source)]) from None
    if data is None:
        limit = f"{INPUT_LIMIT >> 20} MiB"
        message = f"larger than {limit}; confcal reads programmes up to {limit}"
        raise InvalidInput([Problem(message, source=source)])
    if mtime is None:
        return data, None
    try:
        modified = dt.datetime.fromtimestamp(int(mtime), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return data, EPOCH
    # A time no DTSTAMP may be (a year past 2199: a clock gone wrong) is unknown too.
    return data, EPOCH if model_problems(Schedule, "dtstamp", modified) else modified


def _at_most(file: BinaryIO, size: int) -> bytes | None:
    """What ``file`` holds, up to :data:`INPUT_LIMIT` (``None`` past it): a regular file of
    ``size`` bytes in one read, a pipe or a device (``size`` 0) in parts."""
    if size > INPUT_LIMIT:
        return None
    parts = [file.read(size + 1)] if size else []
    left = INPUT_LIMIT + 1 - sum(map(len, parts))
    while left > 0 and (part := file.read(min(left, 1 << 20))):
        parts.append(part)
        left -= len(part)
    if left <= 0:
        return None
    return parts[0] if len(parts) == 1 else b"".join(parts)


# --- DTSTAMP, at the edge ------------------------------------------------------------------------


def _reproducible(
    data: bytes, options: _Options, *, source: str, file: dt.datetime | None
) -> Imported:
    """The programme with the reproducible-builds DTSTAMP: ``SOURCE_DATE_EPOCH`` wins over the
    file's ``updated``, which wins over the file's time (``None``: a pipe, which has none, so
    one of the others must say it). A bad ``SOURCE_DATE_EPOCH`` is reported first, with the
    file's own problems."""
    epoch, problem = _source_date_epoch()
    try:
        imported = _read(data, options, source=source, dtstamp=file)
    except InvalidInput as error:
        if problem is None:
            raise
        raise InvalidInput([problem, *error.problems], stopped=error.stopped) from None
    if problem is not None:
        raise InvalidInput([problem])
    if epoch is None and file is None and imported.schedule.dtstamp == EPOCH:
        what = "stdin" if source in _STDIN else "a pipe"
        message = (
            f"read from {what}, which has no modification time: say when the programme changed "
            "with calendar.updated (an .ics: LAST-MODIFIED) or SOURCE_DATE_EPOCH, as confcal "
            "never takes DTSTAMP from the clock"
        )
        raise InvalidInput([Problem(message, source=source)])
    if epoch is None or imported.schedule.dtstamp == epoch:
        return imported
    return attrs.evolve(imported, schedule=attrs.evolve(imported.schedule, dtstamp=epoch))


def _source_date_epoch() -> tuple[dt.datetime | None, Problem | None]:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), or the problem with it.

    The specification has it a non-negative integer in ASCII digits: anything else (``-1``,
    ``+5``, `` 5``, ``5_000``, ``1e9``, ``1700000000.5``, digits of other scripts such as ``٣``)
    is refused with one message saying the rule. Set but empty is taken as unset.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None, None
    message = (
        f"{shown(epoch)} is not a number of seconds since 1970 in ASCII digits 0-9 (no sign, "
        "blank or separator), as reproducible builds have it"
    )
    if _ASCII_DIGITS.fullmatch(epoch):
        try:
            stamp = dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            message = f"{shown(epoch)} seconds since 1970 is past the year 9999"
        else:
            refused = model_problems(Schedule, "dtstamp", stamp)
            if not refused:
                return stamp, None
            message = f"{shown(epoch)} seconds since 1970: {refused[0].message}"
    return None, Problem(message, source="SOURCE_DATE_EPOCH", value=epoch)


_ASCII_DIGITS = re.compile("[0-9]+")


# --- Which reader --------------------------------------------------------------------------------


def _read(
    data: bytes | str, options: _Options, *, source: str, dtstamp: dt.datetime | None
) -> Imported:
    """The programme ``data`` holds, read by the reader ``format`` names or its content says."""
    # Each reader is imported when a file of its format is read: `confcal --help` reads none.
    format, timezone, trust = options.format, options.timezone, options.trust
    if format == "ics" or (format == "auto" and _is_ics(data)):
        from . import ics

        imported = ics.loads(data, source=source, timezone=timezone, dtstamp=dtstamp)
        return _ignored(imported, source, trust=trust)
    if format == "frab-xml" or (format == "auto" and _is_xml(data)):
        from . import frab_xml

        return frab_xml.loads(data, source=source, timezone=timezone, dtstamp=dtstamp, trust=trust)
    # Decoded and parsed once, whichever reader then reads it.
    document = parse_json(data if isinstance(data, str) else decode(data, source), source)
    if format == "frab-json" or (format == "auto" and _json_format(document) == "frab-json"):
        from . import frab_json

        return frab_json._read(
            document, source=source, timezone=timezone, dtstamp=dtstamp, trust=trust
        )
    from . import events_json

    schedule = events_json._read(document, source=source, dtstamp=dtstamp)
    return _ignored(Imported(schedule), source, timezone=timezone, trust=trust)


def _ignored(
    imported: Imported, source: str, *, timezone: str | None = None, trust: Trust = "auto"
) -> Imported:
    """What the caller asked that the file's format has no use for, said (not silently
    dropped): a zone for events.json, which names its own; ``trust`` for events.json and .ics,
    whose times have no printed clock to trust instead of their offsets."""
    said = []
    if timezone is not None:
        message = "ignored the time zone given: events.json names its zone in calendar.timezone"
        said.append(LoadWarning(message, source=source, value=timezone))
    if trust != "auto":
        message = (
            f"ignored --trust {trust}: it chooses between a pretalx/frab date's UTC offset and "
            "the time it prints, and this file has no such dates"
        )
        said.append(LoadWarning(message, source=source, value=trust))
    return attrs.evolve(imported, warnings=(*imported.warnings, *said)) if said else imported


def _warned(
    imported: Imported, callback: Callable[[LoadWarning], None] | None, *, strict: bool
) -> Schedule:
    """The schedule, each warning handed to ``callback`` (none: dropped, as a caller asked);
    with ``strict``, the warnings as an :class:`InvalidInput` instead."""
    if strict and imported.warnings:
        raise InvalidInput(
            [
                Problem(w.message, source=w.source, event=w.event, field=w.field, value=w.value)
                for w in imported.warnings
            ]
        )
    if callback is not None:
        for warning in imported.warnings:
            callback(warning)
    return imported.schedule


_ICS_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*BEGIN:VCALENDAR", re.IGNORECASE)
_ICS_START_TEXT = re.compile("\ufeff?[ \t\r\n]*BEGIN:VCALENDAR", re.IGNORECASE)
_XML_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<")
_XML_START_TEXT = re.compile("\ufeff?[ \t\r\n]*<")
#: Keys only a pretalx/frab schedule.json has at its top.
_FRAB_KEYS = frozenset(("schedule", "conference", "$schema"))


def _is_ics(data: bytes | str) -> bool:
    """Whether the file begins (after a UTF-8 byte order mark and blanks) with
    ``BEGIN:VCALENDAR``, as every iCalendar file does (names in any case, RFC 5545 3.1)."""
    if isinstance(data, str):
        return _ICS_START_TEXT.match(data) is not None
    return _ICS_START.match(data) is not None


def _is_xml(data: bytes | str) -> bool:
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


def _json_format(document: object) -> Literal["events", "frab-json"]:
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
