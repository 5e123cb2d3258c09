"""The programme as Python values: :class:`Event` and :class:`Schedule`.

Both are frozen and validated on construction, so an object that exists is a valid one and
nothing downstream checks again. Times are timezone-aware: wall-clock times from a programme
become aware through :func:`confcal.zones.localize`, never ``replace(tzinfo=...)``.

The model depends on :mod:`confcal.zones` (to check times) and :mod:`confcal.errors` only;
writing it as iCalendar is :mod:`confcal.ical`'s (``confcal.to_ical(schedule)``), which the model
never imports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, Literal, TypeVar

import attrs

from . import zones
from .errors import InvalidInput, Problem, shown

__all__ = [
    "DEFAULT_REFRESH",
    "EPOCH",
    "ID_PATTERN",
    "MAX_LENGTH",
    "RESERVED_NAMES",
    "STATUSES",
    "YEARS",
    "Event",
    "Schedule",
    "When",
]

_T = TypeVar("_T")

#: A timed event's instant, or an all-day event's date.
When = dt.datetime | dt.date

#: What ``Event.status`` may be: the RFC 5545 VEVENT statuses.
STATUSES = ("confirmed", "tentative", "cancelled")

#: What an event id may be: it names the event's file and UID.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Names Windows will not create as files, whatever the extension.
RESERVED_NAMES = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
# Control characters have no place in iCalendar TEXT (RFC 5545 3.3.11) except TAB, and newlines,
# which are escaped. Refusing the rest keeps them from ever reaching a calendar client.
# Lone surrogates (from JSON such as "\ud83d") are not characters: UTF-8 cannot encode them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
# A backslash has no place in a URI (RFC 3986) and some readers unescape it in a URI value as
# in TEXT (``URL:\,`` read back as ``,``), so it is refused with the spaces.
_URL_FORBIDDEN = re.compile("[\x00-\x20\x7f\\\\\ud800-\udfff]")
# The authority of a URL (RFC 3986 3.2; a backslash ends it too, as browsers read http(s) URLs)
# that holds user information: ``https://user:password@host/``.
_USERINFO = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#\\]*)@")
#: The years a date may lie in, as in events.json: a year such as 2204 is a typo.
YEARS = range(1900, 2200)
#: The longest an event may last.
MAX_LENGTH = dt.timedelta(days=366)
#: The DTSTAMP of a schedule that says nothing of when it changed (never the clock).
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

#: How often subscribers are asked to refresh the full calendar: often enough that a room change
#: or cancellation reaches them the same day, rarely enough to spare the web server.
DEFAULT_REFRESH = dt.timedelta(hours=6)


def _text(value: str) -> str:
    """Line breaks as ``\\n`` whatever the editor wrote (CRLF, CR). Not text: left to the checks."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _optional_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


#: What a parameter that takes several values may not be: text is not a list of texts (iterating
#: it gives letters), and a mapping gives its keys. (A set, whose order changes from run to run,
#: is refused only where order counts: the speakers.)
_NOT_A_LIST = (str, bytes, bytearray, Mapping)


def _speakers(value: Iterable[str]) -> tuple[str, ...]:
    """The names as a tuple; anything but a list of names is left to :func:`_check_speakers`."""
    if isinstance(value, (*_NOT_A_LIST, set, frozenset)) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(_text(s) for s in value)


def _problem(field: str, message: str, value: object) -> InvalidInput:
    return InvalidInput.single(message, field=field, value=value)


def _wrong_type(field: str, expected: str, value: object) -> InvalidInput:
    """The error for a value of the wrong Python type: what was expected, and what came."""
    got = "None" if value is None else f"{type(value).__name__}: {shown(value)}"
    return _problem(field, f"must be {expected}, not {got}", value)


def _one_text(field: str, expected: str, value: str) -> InvalidInput:
    """The error for one text where several are expected: iterating it would give letters."""
    return _problem(
        field, f"must be {expected}, not one text: {shown(value)} (write [{shown(value)}])", value
    )


def _check_text(field: str, value: str | None, *, single_line: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _wrong_type(field, "text", value)
    bad = _CONTROL.search(value)
    if bad:
        at = bad.start()
        part = value if len(value) <= 80 else f"...{value[max(at - 30, 0) : at + 30]}..."
        what = (
            "a lone surrogate" if "\ud800" <= bad.group() <= "\udfff" else "the control character"
        )
        raise _problem(
            field,
            f"{shown(part)} contains {what} {bad.group()!r}, which a calendar cannot hold",
            value,
        )
    if single_line and "\n" in value:
        raise _problem(field, f"must be one line, got {shown(value)}", value)


def _free_text(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """An optional text of any number of lines (written escaped)."""
    _check_text(attribute.name, value)


def _line(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """An optional text of one line."""
    _check_text(attribute.name, value, single_line=True)


def _required(single_line: bool) -> Callable[[object, attrs.Attribute[str], str], None]:
    """A text that must be given and not blank."""

    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value is None:
            raise _problem(attribute.name, "must not be empty", value)
        _check_text(attribute.name, value, single_line=single_line)
        if not value.strip():
            raise _problem(attribute.name, "must not be empty", value)

    return check


def _check_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise _wrong_type(attribute.name, "text", value)
    if not ID_PATTERN.fullmatch(value) or RESERVED_NAMES.fullmatch(value):
        raise _problem(
            attribute.name,
            f"{shown(value)} is not a usable id: use up to 200 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (it names the event's file and UID)",
            value,
        )


def _check_url(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """A URL to publish: one word, and no user name or password in it."""
    if value is None:
        return
    if not isinstance(value, str):
        raise _wrong_type(attribute.name, "a URL (text)", value)
    if _URL_FORBIDDEN.search(value):
        raise _problem(
            attribute.name,
            f"{shown(value)} is not a URL (spaces, backslashes and control characters are not "
            "allowed)",
            value,
        )
    credentials = _USERINFO.match(value)
    if credentials:
        # Shown without them: the message goes to terminals and build logs.
        hidden = f"{value[: credentials.start(1)]}...@{value[credentials.end(0) :]}"
        raise _problem(
            attribute.name,
            f"{shown(hidden)} holds a user name or password before the '@'; remove them: "
            "the URL is published in every calendar and on the attendees' page",
            hidden,
        )


def _in_years(field: str, value: When, day: dt.date) -> None:
    if day.year not in YEARS:
        raise _problem(
            field,
            f"{_show(value)}: year {day.year} is outside {YEARS[0]} to {YEARS[-1]}; a typo?",
            value,
        )


def _broken_zone(field: str, value: dt.datetime, error: Exception) -> InvalidInput:
    return _problem(
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


def _check_when(_: object, attribute: attrs.Attribute[When], value: object) -> None:
    """A timezone-aware datetime that exists in its zone, or a date; in :data:`YEARS`."""
    field = attribute.name
    if isinstance(value, dt.datetime):
        offset = _offset(field, value)
        if offset is None:
            raise _problem(
                field,
                f"{value.isoformat()} has no time zone; localize it with confcal.zones.localize()",
                value,
            )
        _in_years(field, value, value)
        naive = value.replace(tzinfo=None)
        name = zones.zone_name(value)
        if name is not None:
            try:
                zones.get_zone(name)
            except InvalidInput as error:
                raise _problem(field, error.problems[0].message, value) from None
            # replace(tzinfo=pytz_zone) silently attaches the zone's first historical offset (LMT).
            possible = {zones.utc_offset(naive, name, 0), zones.utc_offset(naive, name, 1)}
            if offset not in possible:
                raise _problem(
                    field,
                    f"{value.isoformat()} has an offset {name} never has at that time "
                    "(a pytz zone attached with replace(tzinfo=...) instead of localize()?)",
                    value,
                )
            exists = zones.exists(naive, name)
        else:
            # Any other tzinfo (dateutil, a fixed offset, one of the caller's): a wall-clock time
            # exists if it comes back the same from the instant it stands for.
            name = f"its time zone, {type(value.tzinfo).__name__}"
            try:
                back = value.astimezone(dt.UTC).astimezone(value.tzinfo).replace(tzinfo=None)
            except Exception as error:  # as in _offset: the caller's tzinfo
                raise _broken_zone(field, value, error) from None
            exists = back == naive
        if not exists:
            # No clock shows it: written with its TZID, readers place it an hour apart, and any
            # instant it is given is a guess. Refused, as the loader refuses it.
            raise _problem(
                field,
                f"{naive.isoformat(timespec='minutes')} does not exist in {name}: "
                "the clocks skip it (daylight saving time starts)",
                value,
            )
    elif isinstance(value, dt.date):
        # An all-day event's end is the day after its last day.
        _in_years(field, value, value - dt.timedelta(days=1) if field == "end" else value)
    else:
        raise _wrong_type(field, "a datetime or a date", value)


def _check_speakers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, str):
        raise _one_text(attribute.name, "a list of names", value)
    if isinstance(value, set | frozenset):
        raise _problem(
            attribute.name,
            f"must be a list of names in their order, not a {type(value).__name__}, whose order "
            f"changes from run to run: {shown(value)}",
            value,
        )
    if not isinstance(value, tuple):
        raise _wrong_type(attribute.name, "a list of names", value)
    for speaker in value:
        if not isinstance(speaker, str):
            raise _problem(
                attribute.name,
                f"must hold only names (text), not {type(speaker).__name__}: {shown(speaker)}",
                value,
            )
        _check_text(attribute.name, speaker, single_line=True)


def _check_status(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _wrong_type(attribute.name, f"one of {', '.join(STATUSES)}", value)
    if value not in STATUSES:
        raise _problem(attribute.name, f"{shown(value)} is not one of {', '.join(STATUSES)}", value)


@attrs.frozen(kw_only=True)
class Event:
    """One session of the programme.

    ``start`` and ``end`` are aware datetimes (pytz-localized) for a timed session, or dates for
    an all-day one, whose ``end`` is exclusive as in RFC 5545: the day after its last day.
    Every field is checked on construction: a value of the wrong type (``speakers`` is a list of
    names, never one text), a time that its zone skips, a URL with a password, or anything else a
    calendar cannot hold raises :class:`InvalidInput` naming the field.
    """

    id: str = attrs.field(validator=_check_id)
    title: str = attrs.field(converter=_text, validator=_required(single_line=False))
    start: When = attrs.field(validator=_check_when)
    end: When = attrs.field(validator=_check_when)
    type: str | None = attrs.field(default=None, converter=_optional_text, validator=_line)
    track: str | None = attrs.field(default=None, converter=_optional_text, validator=_line)
    location: str | None = attrs.field(default=None, converter=_optional_text, validator=_free_text)
    description: str | None = attrs.field(
        default=None, converter=_optional_text, validator=_free_text
    )
    url: str | None = attrs.field(default=None, validator=_check_url)
    speakers: tuple[str, ...] = attrs.field(
        default=(), converter=_speakers, validator=_check_speakers
    )
    status: Literal["confirmed", "tentative", "cancelled"] | None = attrs.field(
        default=None, validator=_check_status
    )

    def __attrs_post_init__(self) -> None:
        # Each field is checked on its own by its validator (line breaks in a title or location
        # are kept: written escaped, \n, they cannot add properties or components; see
        # tests/test_writing.py); what is left is how start and end go together.
        if isinstance(self.start, dt.datetime) != isinstance(self.end, dt.datetime):
            raise _problem(
                "end", "start and end must both be times or both be dates (all-day)", self.end
            )
        if self.end <= self.start:
            raise _problem(
                "end", f"{_show(self.end)} is not after start {_show(self.start)}", self.end
            )
        length = self.end - self.start
        if length > MAX_LENGTH:
            # A typo in a year, most likely; and an all-day event belongs to every day it spans,
            # so a per-day export of it would write a file for each of those days.
            raise _problem(
                "end",
                f"the event lasts {length.days} days from {_show(self.start)}; "
                f"a session lasts at most {MAX_LENGTH.days} days",
                self.end,
            )

    @property
    def all_day(self) -> bool:
        """Whether the event is all-day (dates rather than times)."""
        return not isinstance(self.start, dt.datetime)

    @property
    def speaker_line(self) -> str | None:
        """``Speaker: A`` or ``Speakers: A, B``, as the calendars and the page say who speaks;
        ``None`` without speakers."""
        if not self.speakers:
            return None
        label = "Speaker" if len(self.speakers) == 1 else "Speakers"
        return f"{label}: {', '.join(self.speakers)}"

    def uid(self, domain: str) -> str:
        """The UID: stable across rebuilds and the same in every file the event appears in."""
        return f"{self.id}@{domain}"

    def days(self, zone: str, day_change: dt.time = dt.time()) -> list[dt.date]:
        """The conference days the event belongs to, as local dates in ``zone``.

        A timed event belongs to the day it starts on, where a day begins at ``day_change``
        (a 01:00 session at a conference whose days change at 04:00 belongs to the day before).
        An all-day event belongs to every day it spans.
        """
        if isinstance(self.start, dt.datetime):
            local = zones.to_local(self.start, zone).replace(tzinfo=None)
            shift = dt.timedelta(hours=day_change.hour, minutes=day_change.minute)
            return [(local - shift).date()]
        assert not isinstance(self.end, dt.datetime)
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days)]

    def sort_key(self, zone: str) -> tuple[dt.datetime, str]:
        """Programme order: by start (all-day events at the start of their first day), then id."""
        if isinstance(self.start, dt.datetime):
            return self.start.astimezone(dt.UTC), self.id
        midnight = dt.datetime.combine(self.start, dt.time(), zones.get_zone(zone))
        return midnight.astimezone(dt.UTC), self.id


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _show(value: When) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _check_zone(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str):
        raise _wrong_type(attribute.name, "an IANA time zone name such as 'Europe/Berlin'", value)
    zones.get_zone(value)


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    if isinstance(value, _NOT_A_LIST) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(value)


def _check_events(
    instance: Schedule, attribute: attrs.Attribute[Any], value: tuple[Event, ...]
) -> None:
    if not isinstance(value, tuple):
        raise _wrong_type(attribute.name, "a list of Event", value)
    for event in value:
        if not isinstance(event, Event):
            raise _problem("events", f"expected Event, got {type(event).__name__}", event)
    problems = _duplicate_ids(value)
    if problems:
        raise InvalidInput(problems)


def _duplicate_ids(events: tuple[Event, ...]) -> list[Problem]:
    """A problem, located at the event, for each id used before, ignoring case: ids name files,
    and macOS and Windows ignore case in names."""
    seen: dict[str, str] = {}
    problems = []
    for event in events:
        key = event.id.lower()
        if key not in seen:
            seen[key] = event.id
            continue
        same = (
            ""
            if seen[key] == event.id
            else f" (as {shown(seen[key])}: ids name files, whose case some systems ignore)"
        )
        problems.append(
            Problem(
                f"id {shown(event.id)} is used by another event too{same}",
                event=f'"{event.id}"',
                field="id",
                value=event.id,
            )
        )
    return problems


def _check_uid_domain(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _wrong_type(attribute.name, "a domain name (text)", value)
    if not ID_PATTERN.fullmatch(value):
        raise _problem(attribute.name, f"{shown(value)} is not a domain name", value)


def _check_day_change(_: object, attribute: attrs.Attribute[Any], value: dt.time) -> None:
    if not isinstance(value, dt.time):
        raise _wrong_type(attribute.name, "a time of day (datetime.time)", value)
    if value.tzinfo is not None or value.second or value.microsecond:
        raise _problem(
            attribute.name,
            f"{value.isoformat()} is not a time of day in whole minutes without a time zone, "
            "such as datetime.time(4, 0)",
            value,
        )


def _check_refresh(_: object, attribute: attrs.Attribute[Any], value: dt.timedelta | None) -> None:
    if value is None:
        return
    if not isinstance(value, dt.timedelta):
        raise _wrong_type(attribute.name, "a duration (datetime.timedelta) or None", value)
    if value <= dt.timedelta(0) or value.microseconds:
        raise _problem(
            "refresh", f"{shown(value)} is not a positive duration in whole seconds", value
        )


def _utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime in UTC; anything else is left to :func:`_check_dtstamp`."""
    if not isinstance(value, dt.datetime):
        return value
    try:
        return value if value.utcoffset() is None else value.astimezone(dt.UTC)
    except Exception:  # 0001-01-01 at +01:00 is before the first instant Python
        return value  # knows, and a tzinfo of the caller's may raise anything: the check says so


def _check_dtstamp(_: object, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    if not isinstance(value, dt.datetime):
        raise _wrong_type(attribute.name, "a timezone-aware datetime", value)
    if _offset(attribute.name, value) is None:
        raise _problem(attribute.name, f"{value.isoformat()} must be timezone-aware", value)
    if value.tzinfo is not dt.UTC:
        raise _problem(attribute.name, f"{value.isoformat()} is out of range", value)


@attrs.frozen(kw_only=True)
class Schedule:
    """A calendar: its name, zone and other fields, and its events.

    ``dtstamp`` is written as every event's DTSTAMP: when the programme was last changed, so the
    same programme always gives the same bytes (never the time of the build). ``refresh`` is how
    often subscribers should reload it (written only on whole calendars, not on their parts).
    Every field is checked on construction: a value of the wrong type or one no calendar can
    hold raises :class:`InvalidInput` naming the field.
    """

    name: str = attrs.field(converter=_text, validator=_required(single_line=True))
    timezone: str = attrs.field(validator=_check_zone)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, validator=_check_events)
    description: str | None = attrs.field(
        default=None, converter=_optional_text, validator=_free_text
    )
    url: str | None = attrs.field(default=None, validator=_check_url)
    uid_domain: str | None = attrs.field(default=None, validator=_check_uid_domain)
    day_change: dt.time = attrs.field(default=dt.time(), validator=_check_day_change)
    dtstamp: dt.datetime = attrs.field(default=EPOCH, converter=_utc, validator=_check_dtstamp)
    refresh: dt.timedelta | None = attrs.field(default=DEFAULT_REFRESH, validator=_check_refresh)

    @property
    def uid_host(self) -> str:
        """The right-hand side of every UID: ``uid_domain``, else from the URL, else the name.

        From the URL, its path counts as well as its host (``https://fosdem.org/2026/`` gives
        ``2026.fosdem.org``): two programmes on one host must not share UIDs, or importing one
        would overwrite the other's sessions. A name that loses letters to the ASCII slug gets a
        hash of itself, so that two such names stay apart.
        """
        if self.uid_domain:
            return self.uid_domain
        if self.url:
            rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", self.url, flags=re.I)
            host, _, path = rest.partition("/")
            host = host.rsplit("@", 1)[-1].split(":")[0].lower()
            path = re.split(r"[?#]", path)[0]
            parts = [_slug(p) for p in path.split("/") if _slug(p)]
            candidate = ".".join([*reversed(parts), host])
            if ID_PATTERN.fullmatch(candidate):
                return candidate
        slug = _slug(self.name) or "calendar"
        if slug.replace("-", "") != re.sub(r"[\W_]+", "", self.name.lower()):
            slug += "-" + hashlib.sha256(self.name.encode()).hexdigest()[:8]
        return f"{slug}.confcal.invalid"

    def sorted_events(self) -> list[Event]:
        """The events in programme order."""
        return sorted(self.events, key=lambda e: e.sort_key(self.timezone))

    def days(self) -> dict[dt.date, Schedule]:
        """Each conference day (a local date in the calendar's zone) with that day's events."""
        by_day: dict[dt.date, list[Event]] = {}
        for event in self.sorted_events():
            for day in event.days(self.timezone, self.day_change):
                by_day.setdefault(day, []).append(event)
        return {
            day: self.subset(by_day[day], name=f"{self.name} ({day.isoformat()})")
            for day in sorted(by_day)
        }

    def subset(self, events: Iterable[Event], *, name: str) -> Schedule:
        """A part of the calendar (a day, a session), whose UIDs stay those of the full calendar.

        A part is a download to import, not a feed to subscribe to, so it has no ``refresh``.
        """
        return attrs.evolve(self, name=name, events=events, uid_domain=self.uid_host, refresh=None)

    def select(
        self,
        *,
        types: Collection[str] = (),
        days: Collection[dt.date] = (),
        ids: Collection[str] = (),
    ) -> Schedule:
        """The same calendar with only the events that pass every filter given.

        An event passes a filter when it matches one of its values: its ``type`` (ignoring case),
        one of its conference days (as :meth:`days` counts them), its ``id`` (ignoring case, as ids
        are unique). An empty filter lets every event pass. A value that matches no event of the
        calendar is most likely a typo, so it raises :class:`InvalidInput` (naming every such
        value); so does a combination that leaves no event.

        Each filter is a collection of values: a bare text (``types="BOF"``) is refused rather
        than read letter by letter, and so is anything of another type, naming the parameter.
        """
        types = _filter("types", types, str, "types (text)")
        days = _filter("days", days, dt.date, "dates (datetime.date)")
        ids = _filter("ids", ids, str, "ids (text)")
        if not (types or days or ids):
            return self
        wanted_types = {t.casefold() for t in types}
        wanted_ids = {i.casefold() for i in ids}
        wanted_days = set(days)
        event_days = {e.id: set(e.days(self.timezone, self.day_change)) for e in self.events}
        problems = self._unmatched(types, wanted_days, ids, event_days)
        if problems:
            raise InvalidInput(problems)
        chosen = [
            e
            for e in self.events
            if (not wanted_types or (e.type or "").casefold() in wanted_types)
            and (not wanted_days or event_days[e.id] & wanted_days)
            and (not wanted_ids or e.id.casefold() in wanted_ids)
        ]
        if not chosen:
            raise InvalidInput.single("no event matches all the filters together")
        return attrs.evolve(self, events=chosen)

    def _unmatched(
        self,
        types: Collection[str],
        days: set[dt.date],
        ids: Collection[str],
        event_days: dict[str, set[dt.date]],
    ) -> list[Problem]:
        """A problem for each filter value that no event of the calendar matches."""
        known_types = sorted({e.type for e in self.events if e.type}, key=str.casefold)
        known_days = sorted(set().union(*event_days.values()))
        known_ids = {e.id.casefold() for e in self.events}
        problems = [
            Problem(
                f"no event has the type {shown(t)} "
                f"(the types are: {', '.join(known_types) or 'none'})",
                field="type",
                value=t,
            )
            for t in types
            if t.casefold() not in {k.casefold() for k in known_types}
        ]
        problems += [
            Problem(
                f"{d.isoformat()} is not a day of the programme ({_days(known_days)})",
                field="day",
                value=d,
            )
            for d in sorted(days - set(known_days))
        ]
        problems += [
            Problem(f"no event has the id {shown(i)}", field="id", value=i)
            for i in ids
            if i.casefold() not in known_ids
        ]
        return problems


def _filter(parameter: str, values: Collection[_T], kind: type[_T], what: str) -> tuple[_T, ...]:
    """The values of one :meth:`Schedule.select` filter, each checked to be a ``kind``."""
    if isinstance(values, str):
        raise _one_text(parameter, f"a list of {what}", values)
    if isinstance(values, _NOT_A_LIST) or not isinstance(values, Iterable):
        raise _wrong_type(parameter, f"a list of {what}", values)
    chosen = tuple(values)
    for value in chosen:
        # A datetime is a date to isinstance, but never equal to one: it would match no day.
        if not isinstance(value, kind) or (kind is dt.date and isinstance(value, dt.datetime)):
            raise _problem(
                parameter,
                f"must hold only {what}, not {type(value).__name__}: {shown(value)}",
                value,
            )
    return chosen


def _days(days: list[dt.date]) -> str:
    if not days:
        return "it has none"
    if len(days) == 1:
        return f"its only day is {days[0].isoformat()}"
    return f"its days are {', '.join(d.isoformat() for d in days)}"
