"""What each field of an Event or a Schedule may hold: the converters and validators of the model.

Each rule is written once, here, with the field it guards: the readers of every format only parse
syntax and hand values to the model, whose validators raise located problems naming the field
(``attribute.name``). Kept apart from :mod:`confcal.model` so that the classes read as the
programme's shape, and these as its rules.

Cache: ``_named_problem`` remembers (``lru_cache(maxsize=8192)``, which locks itself) what is
wrong, if anything, with a wall-clock time, zone and offset: the same slot recurs in every room.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from . import zones
from ._choices import MAX_LENGTH
from .errors import InvalidInput, shown

# What the model (and, for a rule they share, the readers and ical) take from here.
__all__ = [
    "DEFAULT_REFRESH",
    "EPOCH",
    "ID_CHARACTERS",
    "ID_PATTERN",
    "MAX_ID_LENGTH",
    "MAX_LENGTH",
    "MAX_SEQUENCE",
    "NOT_A_LIST",
    "STATUSES",
    "YEARS",
    "When",
    "as_dtstamp",
    "check_day_change",
    "check_domain",
    "check_dtstamp",
    "check_id",
    "check_language",
    "check_last_modified",
    "check_refresh",
    "check_sequence",
    "check_speakers",
    "check_status",
    "check_uid_domain",
    "check_url",
    "check_when",
    "check_year",
    "check_zone",
    "free_text",
    "is_usable_id",
    "line",
    "one_text",
    "optional_text",
    "optional_utc",
    "problem",
    "required",
    "show",
    "speakers",
    "text",
    "utc",
    "wrong_type",
]

#: A timed event's instant, or an all-day event's date.
When = dt.datetime | dt.date

#: What ``Event.status`` may be: the RFC 5545 VEVENT statuses.
STATUSES = ("confirmed", "tentative", "cancelled")

#: The characters an event id may hold, as a regular expression's character class.
ID_CHARACTERS = "A-Za-z0-9._-"
#: The longest an event id may be.
MAX_ID_LENGTH = 200
#: What an event id may be: it names the event's file and UID (see :func:`is_usable_id`).
ID_PATTERN = re.compile(f"[A-Za-z0-9][{ID_CHARACTERS}]{{0,{MAX_ID_LENGTH - 1}}}")
#: What an event's language may be: a BCP 47 (RFC 5646) tag such as ``en`` or ``de-CH``: an ISO
#: 639 language code of 2 or 3 letters, then subtags of letters and digits joined by hyphens; at
#: most 35 characters (the longest tag without extensions RFC 5646 4.4.1 asks implementations to
#: keep). RFC 5646's 4-letter primary subtag is reserved and its 5-8-letter ones are registered
#: only, none in use; a word such as ``english`` fits them, and browsers, screen readers and
#: axe-core know no such language. Private use (``x-...``) says nothing a reader can use.
LANGUAGE_PATTERN = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
LANGUAGE_LENGTH = 35
# Names Windows will not create as files, whatever the extension.
RESERVED_NAMES = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
# Control characters have no place in iCalendar TEXT (RFC 5545 3.3.11) except TAB, and newlines,
# which are escaped. Refusing the rest keeps them from ever reaching a calendar client or a
# terminal: the C1 controls too (U+009B is CSI on terminals that read 8-bit controls), but for
# NEL (U+0085), a line break, read as one. Lone surrogates (from JSON such as "\ud83d") are not
# characters: UTF-8 cannot encode them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# A backslash has no place in a URI (RFC 3986) and some readers unescape it in a URI value as
# in TEXT (``URL:\,`` read back as ``,``), so it is refused with the spaces.
_URL_FORBIDDEN = re.compile("[\x00-\x20\x7f-\x9f\\\\\ud800-\udfff]")
# The authority of a URL (RFC 3986 3.2; a backslash ends it too, as browsers read http(s) URLs)
# that holds user information: ``https://user:password@host/``.
_USERINFO = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#\\]*)@")
#: The years a date may lie in, as in events.json: a year such as 2204 is a typo.
YEARS = range(1900, 2200)
#: The largest SEQUENCE: an RFC 5545 INTEGER (3.3.8) is a signed 32-bit number.
MAX_SEQUENCE = 2**31 - 1
#: The DTSTAMP of a schedule that says nothing of when it changed (never the clock).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: How often subscribers are asked to refresh the full calendar: often enough that a room change
#: or cancellation reaches them the same day, rarely enough to spare the web server.
DEFAULT_REFRESH = dt.timedelta(hours=6)


def text(value: str) -> str:
    """Line breaks as ``\\n`` whatever the editor wrote (CRLF, CR, NEL). Not text: left to the
    checks."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")


def calendar_text(value: str, *, single_line: bool = False) -> str:
    """``value`` as a calendar can hold it, for text a reader repairs rather than refuses (a file
    someone else published): line breaks as ``\\n`` (a space in a one-line field), without the
    control characters and lone surrogates the fields refuse."""
    cleaned = _CONTROL.sub("", text(value))
    return cleaned.replace("\n", " ") if single_line else cleaned


def optional_text(value: str | None) -> str | None:
    return None if value is None else text(value)


#: What a parameter that takes several values may not be: text is not a list of texts (iterating
#: it gives letters), and a mapping gives its keys. (A set, whose order changes from run to run,
#: is refused only where order counts: the speakers.)
NOT_A_LIST = (str, bytes, bytearray, Mapping)


def speakers(value: Iterable[str]) -> tuple[str, ...]:
    """The names as a tuple; anything but a list of names is left to :func:`check_speakers`."""
    if isinstance(value, (*NOT_A_LIST, set, frozenset)) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(text(s) for s in value)


def problem(field: str, message: str, value: object) -> InvalidInput:
    return InvalidInput.single(message, field=field, value=value)


def wrong_type(field: str, expected: str, value: object) -> InvalidInput:
    """The error for a value of the wrong Python type: what was expected, and what came; for a
    field, and for any parameter of the library (a caller's mistake, told like any other: never
    a TypeError)."""
    got = "None" if value is None else f"{type(value).__name__}: {shown(value)}"
    return problem(field, f"must be {expected}, not {got}", value)


def one_text(field: str, expected: str, value: str) -> InvalidInput:
    """The error for one text where several are expected: iterating it would give letters."""
    return problem(
        field, f"must be {expected}, not one text: {shown(value)} (write [{shown(value)}])", value
    )


def _check_text(field: str, value: str | None, *, single_line: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise wrong_type(field, "text", value)
    bad = _CONTROL.search(value)
    if bad:
        at = bad.start()
        part = value if len(value) <= 80 else f"...{value[max(at - 30, 0) : at + 30]}..."
        what = (
            "a lone surrogate" if "\ud800" <= bad.group() <= "\udfff" else "the control character"
        )
        raise problem(
            field,
            f"{shown(part)} contains {what} {bad.group()!r}, which a calendar cannot hold",
            value,
        )
    if single_line and "\n" in value:
        raise problem(field, f"must be one line, got {shown(value)}", value)


def free_text(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """An optional text of any number of lines (written escaped)."""
    _check_text(attribute.name, value)


def line(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """An optional text of one line."""
    _check_text(attribute.name, value, single_line=True)


def required(single_line: bool) -> Callable[[object, attrs.Attribute[str], str], None]:
    """A text that must be given and not blank."""

    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value is None:
            raise problem(attribute.name, "must not be empty", value)
        _check_text(attribute.name, value, single_line=single_line)
        if not value.strip():
            raise problem(attribute.name, "must not be empty", value)

    return check


def is_usable_id(value: str) -> bool:
    """Whether ``value`` may be an event's id: :data:`ID_PATTERN`, and no name Windows refuses."""
    return bool(ID_PATTERN.fullmatch(value)) and not RESERVED_NAMES.fullmatch(value)


def check_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise wrong_type(attribute.name, "text", value)
    if not is_usable_id(value):
        raise problem(
            attribute.name,
            f"{shown(value)} is not a usable id: use up to {MAX_ID_LENGTH} letters, digits, '.', "
            "'_' and '-', starting with a letter or digit (it names the event's file and UID)",
            value,
        )


def check_url(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """A URL to publish: one word, and no user name or password in it."""
    if value is None:
        return
    if not isinstance(value, str):
        raise wrong_type(attribute.name, "a URL (text)", value)
    if _URL_FORBIDDEN.search(value):
        raise problem(
            attribute.name,
            f"{shown(value)} is not a URL (spaces, backslashes and control characters are not "
            "allowed)",
            value,
        )
    credentials = _USERINFO.match(value)
    if credentials:
        # Shown without them: the message goes to terminals and build logs.
        hidden = f"{value[: credentials.start(1)]}...@{value[credentials.end(0) :]}"
        raise problem(
            attribute.name,
            f"{shown(hidden)} holds a user name or password before the '@'; remove them: "
            "the URL is published in every calendar and on the attendees' page",
            hidden,
        )


def check_year(
    field: str,
    value: object,
    year: int | None,
    *,
    written: Callable[[], str],
    reached: bool = False,
) -> None:
    """The years rule, in its one wording: a problem when ``year`` is outside :data:`YEARS`.

    ``written()`` is how the message shows the value (the model's time, or a file's text as
    written), made only for the message; ``reached``: the year is where a duration from a start
    in :data:`YEARS` ends (``None``: past any year Python counts), so it can only be too late.
    """
    if year in YEARS:
        return
    if reached:
        message = f"{written()} ends after the year {YEARS[-1]}; a typo?"
    else:
        message = f"{written()}: year {year} is outside {YEARS[0]} to {YEARS[-1]}; a typo?"
    raise problem(field, message, value)


def _in_years(field: str, value: When, day: dt.date) -> None:
    check_year(field, value, day.year, written=lambda: show(value))


def _broken_zone(field: str, value: dt.datetime, error: Exception) -> InvalidInput:
    return problem(
        field,
        f"the time zone of {value.replace(tzinfo=None).isoformat()}, "
        f"{type(value.tzinfo).__name__}, fails: {error}",
        value,
    )


def _offset(field: str, value: dt.datetime) -> dt.timedelta | None:
    """``value.utcoffset()``, whose tzinfo may be anyone's."""
    try:
        return value.utcoffset()
    except Exception as error:  # the caller's tzinfo may raise anything at all
        raise _broken_zone(field, value, error) from None


def check_when(_: object, attribute: attrs.Attribute[When], value: object) -> None:
    """A timezone-aware datetime that exists in its zone, or a date; in :data:`YEARS`."""
    field = attribute.name
    if isinstance(value, dt.datetime):
        _check_instant(field, value)
    elif isinstance(value, dt.date):
        # An all-day event's end is the day after its last day.
        _in_years(field, value, value - dt.timedelta(days=1) if field == "end" else value)
    else:
        raise wrong_type(field, "a datetime or a date", value)


def _check_instant(field: str, value: dt.datetime) -> None:
    offset = _offset(field, value)
    if offset is None:
        raise problem(
            field,
            f"{value.isoformat()} has no time zone; localize it with confcal.zones.localize()",
            value,
        )
    _in_years(field, value, value)
    naive = value.replace(tzinfo=None)
    name = zones.zone_name(value)
    if name is not None:
        wrong = _named_problem(naive, naive.fold, name, offset)
    else:
        # Any other tzinfo (dateutil, a fixed offset, one of the caller's): a wall-clock time
        # exists if it comes back the same from the instant it stands for.
        try:
            back = value.astimezone(dt.UTC).astimezone(value.tzinfo).replace(tzinfo=None)
        except Exception as error:  # as in _offset: the caller's tzinfo
            raise _broken_zone(field, value, error) from None
        own = f"its time zone, {type(value.tzinfo).__name__}"
        wrong = None if back == naive else _skipped(naive, own)
    if wrong is not None:
        raise problem(field, wrong, value)


def _skipped(naive: dt.datetime, zone: str) -> str:
    # No clock shows it: written with its TZID, readers place it an hour apart, and any instant
    # it is given is a guess. Refused, as the loader refuses it.
    return (
        f"{naive.isoformat(timespec='minutes')} does not exist in {zone}: "
        "the clocks skip it (daylight saving time starts)"
    )


@functools.lru_cache(maxsize=8192)
def _named_problem(naive: dt.datetime, fold: int, name: str, offset: dt.timedelta) -> str | None:
    """What is wrong with a wall-clock time in the zone ``name`` with ``offset``, or ``None``:
    the zone is one we know, the offset one it has at that time, and the clocks show that time.

    Remembered: a programme asks the same of each slot in every room (``fold`` is part of the
    key: naive datetimes that differ only in it compare equal).
    """
    try:
        zones.get_zone(name)
    except InvalidInput as error:
        return error.problems[0].message
    # replace(tzinfo=pytz_zone) silently attaches the zone's first historical offset (LMT).
    if offset not in {zones.utc_offset(naive, name, 0), zones.utc_offset(naive, name, 1)}:
        shown = naive.replace(tzinfo=dt.timezone(offset)).isoformat()  # as the value shows it
        return (
            f"{shown} has an offset {name} never has at that time "
            "(a pytz zone attached with replace(tzinfo=...) instead of localize()?)"
        )
    return None if zones.exists(naive, name) else _skipped(naive, name)


def check_speakers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, str):
        raise one_text(attribute.name, "a list of names", value)
    if isinstance(value, set | frozenset):
        raise problem(
            attribute.name,
            f"must be a list of names in their order, not a {type(value).__name__}, whose order "
            f"changes from run to run: {shown(value)}",
            value,
        )
    if not isinstance(value, tuple):
        raise wrong_type(attribute.name, "a list of names", value)
    for speaker in value:
        if not isinstance(speaker, str):
            raise problem(
                attribute.name,
                f"must hold only names (text), not {type(speaker).__name__}: {shown(speaker)}",
                value,
            )
        _check_text(attribute.name, speaker, single_line=True)


def check_status(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise wrong_type(attribute.name, f"one of {', '.join(STATUSES)}", value)
    if value not in STATUSES:
        raise problem(attribute.name, f"{shown(value)} is not one of {', '.join(STATUSES)}", value)


def check_language(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None``, or one BCP 47 language tag: it is written as an iCalendar parameter and as the
    page's ``lang``, where anything else would be wrong or unsafe."""
    if value is None:
        return
    if not isinstance(value, str):
        raise wrong_type(attribute.name, "a language tag such as 'en' (text)", value)
    if len(value) > LANGUAGE_LENGTH or not LANGUAGE_PATTERN.fullmatch(value):
        raise problem(
            attribute.name,
            f"{shown(value)} is not a language tag such as 'en' or 'de-CH' (BCP 47: a language "
            "code of 2 or 3 letters, then letters, digits and hyphens, at most "
            f"{LANGUAGE_LENGTH} characters)",
            value,
        )


def show(value: When) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def check_zone(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise wrong_type(attribute.name, "an IANA time zone name such as 'Europe/Berlin'", value)
    zones.get_zone(value)


def check_uid_domain(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        check_domain(attribute.name, value)


def check_domain(field: str, value: object) -> None:
    """The right-hand side of a UID (``uid_domain``): a name such as ``conf.example``, also for
    ``to_vevent``'s argument."""
    if not isinstance(value, str):
        raise wrong_type(field, "a domain name (text)", value)
    if not ID_PATTERN.fullmatch(value):
        raise problem(field, f"{shown(value)} is not a domain name", value)


def check_day_change(_: object, attribute: attrs.Attribute[Any], value: dt.time) -> None:
    if not isinstance(value, dt.time):
        raise wrong_type(attribute.name, "a time of day (datetime.time)", value)
    if value.tzinfo is not None or value.second or value.microsecond:
        raise problem(
            attribute.name,
            f"{value.isoformat()} is not a time of day in whole minutes without a time zone, "
            "such as datetime.time(4, 0)",
            value,
        )


def check_refresh(_: object, attribute: attrs.Attribute[Any], value: dt.timedelta | None) -> None:
    if value is None:
        return
    if not isinstance(value, dt.timedelta):
        raise wrong_type(attribute.name, "a duration (datetime.timedelta) or None", value)
    if value <= dt.timedelta(0) or value.microseconds:
        raise problem(
            attribute.name, f"{shown(value)} is not a positive duration in whole seconds", value
        )


def utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; anything else is left to :func:`check_dtstamp`."""
    if not isinstance(value, dt.datetime):
        return value
    try:
        return value if value.utcoffset() is None else value.astimezone(dt.UTC)
    except Exception:  # 0001-01-01 at +01:00 is before the first instant Python
        return value  # knows, and a tzinfo of the caller's may raise anything: the check says so


def optional_utc(value: dt.datetime | None) -> dt.datetime | None:
    """:func:`utc`, for a time that may be ``None``."""
    return None if value is None else utc(value)


def check_dtstamp(_: object, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    as_dtstamp(attribute.name, value)


def as_dtstamp(field: str, value: object) -> dt.datetime:
    """``value`` as a DTSTAMP (in UTC), or the problem with it: the one rule of
    :attr:`~confcal.model.Schedule.dtstamp`, also for the readers' and ``to_vevent``'s
    ``dtstamp`` arguments. An aware datetime, an instant in UTC, in :data:`YEARS` (so that
    events.json can hold it as ``calendar.updated``)."""
    if not isinstance(value, dt.datetime):
        raise wrong_type(field, "a timezone-aware datetime", value)
    if _offset(field, value) is None:
        raise problem(field, f"must be timezone-aware, not naive: {value.isoformat()}", value)
    stamp = utc(value)
    if stamp.tzinfo is not dt.UTC:
        raise problem(field, f"{value.isoformat()} is out of range: it is no instant in UTC", value)
    check_year(field, value, stamp.year, written=lambda: show(stamp))
    return stamp


def check_sequence(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A revision number (SEQUENCE): a whole number from 0 to :data:`MAX_SEQUENCE`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(attribute.name, "a whole number (int)", value)
    if not 0 <= value <= MAX_SEQUENCE:
        raise problem(
            attribute.name, f"{value} is not a whole number from 0 to {MAX_SEQUENCE}", value
        )


def check_last_modified(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None``, or an instant as :func:`as_dtstamp` takes it (LAST-MODIFIED is one, too)."""
    if value is not None:
        as_dtstamp(attribute.name, value)
