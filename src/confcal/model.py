"""The programme as Python values: :class:`Event` and :class:`Schedule`.

Both are frozen and validated on construction, so an object that exists is a valid one and
nothing downstream checks again. Times are timezone-aware: wall-clock times from a programme
become aware through :func:`confcal.zones.localize`, never ``replace(tzinfo=...)``.

The model depends on :mod:`confcal.zones` (to check times) and :mod:`confcal.errors` only.
``to_vevent()``, ``to_calendar()`` and ``to_ical()`` are conveniences for callers; they hand the
work to :mod:`confcal.ical`, imported when called, so serialization never leaks into the model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs

from . import zones
from .errors import InvalidInput, Problem, shown

if TYPE_CHECKING:
    import icalendar

__all__ = [
    "DEFAULT_REFRESH",
    "EPOCH",
    "ID_PATTERN",
    "MAX_LENGTH",
    "RESERVED_NAMES",
    "STATUSES",
    "Event",
    "Schedule",
    "When",
]

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
_URL_FORBIDDEN = re.compile("[\x00-\x20\x7f\ud800-\udfff]")
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


def _speakers(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(_text(s) for s in value)


def _problem(field: str, message: str, value: object) -> InvalidInput:
    return InvalidInput.single(message, field=field, value=value)


def _check_text(field: str, value: str | None, *, single_line: bool = False) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _problem(field, f"must be text, not {type(value).__name__}", value)
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


def _check_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if (
        not isinstance(value, str)
        or not ID_PATTERN.fullmatch(value)
        or RESERVED_NAMES.fullmatch(value)
    ):
        raise _problem(
            "id",
            f"{value!r} is not a usable id: use up to 200 letters, digits, '.', '_' and '-', "
            "starting with a letter or digit (it names the event's file and UID)",
            value,
        )


def _check_when(field: str, value: object) -> None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _problem(
                field,
                f"{value.isoformat()} has no time zone; localize it with confcal.zones.localize()",
                value,
            )
        name = zones.zone_name(value)
        if name is not None:
            zones.check_zone(name)
            naive = value.replace(tzinfo=None)
            # replace(tzinfo=pytz_zone) silently attaches the zone's first historical offset (LMT).
            possible = {zones.utc_offset(naive, name, 0), zones.utc_offset(naive, name, 1)}
            if value.utcoffset() not in possible:
                raise _problem(
                    field,
                    f"{value.isoformat()} has an offset {name} never has at that time "
                    "(a pytz zone attached with replace(tzinfo=...) instead of localize()?)",
                    value,
                )
    elif not isinstance(value, dt.date):
        raise _problem(field, f"must be a datetime or a date, not {type(value).__name__}", value)


@attrs.frozen(kw_only=True)
class Event:
    """One session of the programme.

    ``start`` and ``end`` are aware datetimes (pytz-localized) for a timed session, or dates for
    an all-day one, whose ``end`` is exclusive as in RFC 5545: the day after its last day.
    """

    id: str = attrs.field(validator=_check_id)
    title: str = attrs.field(converter=_text)
    start: When
    end: When
    type: str | None = attrs.field(default=None, converter=_optional_text)
    track: str | None = attrs.field(default=None, converter=_optional_text)
    location: str | None = attrs.field(default=None, converter=_optional_text)
    description: str | None = attrs.field(default=None, converter=_optional_text)
    url: str | None = None
    speakers: tuple[str, ...] = attrs.field(default=(), converter=_speakers)
    status: Literal["confirmed", "tentative", "cancelled"] | None = None

    def __attrs_post_init__(self) -> None:
        # Line breaks in a title or location are kept: written escaped (\n), they cannot add
        # properties or components (tests/test_writing.py pins it).
        _check_text("title", self.title)
        if self.title is None or not self.title.strip():
            raise _problem("title", "must not be empty", self.title)
        _check_text("type", self.type, single_line=True)
        _check_text("track", self.track, single_line=True)
        _check_text("location", self.location)
        _check_text("description", self.description)
        for speaker in self.speakers:
            _check_text("speakers", speaker, single_line=True)
        if self.url is not None and (
            not isinstance(self.url, str) or _URL_FORBIDDEN.search(self.url)
        ):
            raise _problem(
                "url",
                f"{shown(self.url)} is not a URL (spaces and control characters are not allowed)",
                self.url,
            )
        if self.status is not None and self.status not in STATUSES:
            raise _problem(
                "status", f"{self.status!r} is not one of {', '.join(STATUSES)}", self.status
            )
        _check_when("start", self.start)
        _check_when("end", self.end)
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
        midnight = dt.datetime.combine(self.start, dt.time(), zones.check_zone(zone))
        return midnight.astimezone(dt.UTC), self.id

    def to_vevent(
        self, uid_domain: str = "confcal.invalid", dtstamp: dt.datetime = EPOCH
    ) -> icalendar.Event:
        """The event as an ``icalendar`` VEVENT."""
        from .ical import vevent

        return vevent(self, uid_domain=uid_domain, dtstamp=dtstamp)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _show(value: When) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _check_zone(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    zones.check_zone(value)


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(value)


def _check_events(
    instance: Schedule, attribute: attrs.Attribute[Any], value: tuple[Event, ...]
) -> None:
    seen: set[str] = set()
    for event in value:
        if not isinstance(event, Event):
            raise _problem("events", f"expected Event, got {type(event).__name__}", event)
        # Case-insensitively: the ids name files, and macOS and Windows ignore case in names.
        if event.id.lower() in seen:
            raise InvalidInput.single(f"id {event.id!r} is used twice", field="id", value=event.id)
        seen.add(event.id.lower())


def _check_refresh(_: object, attribute: attrs.Attribute[Any], value: dt.timedelta | None) -> None:
    if value is None:
        return
    if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0) or value.microseconds:
        raise _problem("refresh", f"{value!r} is not a positive duration in whole seconds", value)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise _problem("updated", "must be timezone-aware", value)
    return value.astimezone(dt.UTC)


@attrs.frozen(kw_only=True)
class Schedule:
    """A calendar: its name, zone and other fields, and its events.

    ``dtstamp`` is written as every event's DTSTAMP: when the programme was last changed, so the
    same programme always gives the same bytes (never the time of the build). ``refresh`` is how
    often subscribers should reload it (written only on whole calendars, not on their parts).
    """

    name: str = attrs.field(converter=_text)
    timezone: str = attrs.field(validator=_check_zone)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, validator=_check_events)
    description: str | None = attrs.field(default=None, converter=_optional_text)
    url: str | None = None
    uid_domain: str | None = None
    day_change: dt.time = dt.time()
    dtstamp: dt.datetime = attrs.field(default=EPOCH, converter=_utc)
    refresh: dt.timedelta | None = attrs.field(default=DEFAULT_REFRESH, validator=_check_refresh)

    def __attrs_post_init__(self) -> None:
        _check_text("name", self.name, single_line=True)
        if self.name is None or not self.name.strip():
            raise _problem("name", "must not be empty", self.name)
        _check_text("description", self.description)
        if self.url is not None and (
            not isinstance(self.url, str) or _URL_FORBIDDEN.search(self.url)
        ):
            raise _problem("url", f"{shown(self.url)} is not a URL", self.url)
        if self.uid_domain is not None and not ID_PATTERN.fullmatch(self.uid_domain):
            raise _problem(
                "uid_domain", f"{self.uid_domain!r} is not a domain name", self.uid_domain
            )

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
        """
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
                f"no event has the type {t!r} (the types are: {', '.join(known_types) or 'none'})",
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
            Problem(f"no event has the id {i!r}", field="id", value=i)
            for i in ids
            if i.casefold() not in known_ids
        ]
        return problems

    def to_calendar(self, *, alarm: dt.timedelta | None = None) -> icalendar.Calendar:
        """The schedule as an ``icalendar`` VCALENDAR; ``alarm``: a reminder that long before
        each timed session."""
        from .ical import calendar

        return calendar(self, alarm=alarm)

    def to_ical(self, *, alarm: dt.timedelta | None = None) -> bytes:
        """The schedule as iCalendar bytes (RFC 5545); ``alarm`` as for :meth:`to_calendar`."""
        from .ical import serialize

        return serialize(self, alarm=alarm)


def _days(days: list[dt.date]) -> str:
    if not days:
        return "it has none"
    if len(days) == 1:
        return f"its only day is {days[0].isoformat()}"
    return f"its days are {', '.join(d.isoformat() for d in days)}"
