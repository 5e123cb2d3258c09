"""The programme as Python values: :class:`Event` and :class:`Schedule`.

Both are frozen and validated on construction, so an object that exists is a valid one and
nothing downstream checks again. Times are timezone-aware: wall-clock times from a programme
become aware through :func:`confcal.zones.localize`, never ``replace(tzinfo=...)``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs

from . import zones
from .errors import InvalidInput

if TYPE_CHECKING:
    import icalendar

__all__ = ["STATUSES", "Event", "Schedule", "When"]

#: A timed event's instant, or an all-day event's date.
When = dt.datetime | dt.date

#: What ``Event.status`` may be: the RFC 5545 VEVENT statuses.
STATUSES = ("confirmed", "tentative", "cancelled")

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Names Windows will not create as files, whatever the extension.
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
# Control characters have no place in iCalendar TEXT (RFC 5545 3.3.11) except TAB, and newlines,
# which are escaped. Refusing the rest keeps them from ever reaching a calendar client.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _text(value: str) -> str:
    """Line breaks as ``\\n`` whatever the editor wrote (CRLF, CR)."""
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
        raise _problem(
            field,
            f"contains the control character {bad.group()!r}, which a calendar cannot hold",
            value,
        )
    if single_line and "\n" in value:
        raise _problem(field, f"must be one line, got {value!r}", value)


def _check_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value) or _RESERVED.fullmatch(value):
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
        _check_text("title", self.title)
        if not self.title.strip():
            raise _problem("title", "must not be empty", self.title)
        for name in ("type", "track", "location", "description"):
            _check_text(name, getattr(self, name))
        _check_text("type", self.type, single_line=True)
        _check_text("track", self.track, single_line=True)
        for speaker in self.speakers:
            _check_text("speakers", speaker, single_line=True)
        if self.url is not None and (
            not isinstance(self.url, str) or _URL_FORBIDDEN.search(self.url)
        ):
            raise _problem(
                "url",
                f"{self.url!r} is not a URL (spaces and control characters are not allowed)",
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
        self, uid_domain: str = "confcal.invalid", dtstamp: dt.datetime = _EPOCH
    ) -> icalendar.Event:
        """The event as an ``icalendar`` VEVENT."""
        from .ical import vevent

        return vevent(self, uid_domain=uid_domain, dtstamp=dtstamp)


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


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise _problem("updated", "must be timezone-aware", value)
    return value.astimezone(dt.UTC)


@attrs.frozen(kw_only=True)
class Schedule:
    """A calendar: its name, zone and other fields, and its events.

    ``dtstamp`` is written as every event's DTSTAMP: when the programme was last changed, so the
    same programme always gives the same bytes (never the time of the build).
    """

    name: str = attrs.field(converter=_text)
    timezone: str = attrs.field(validator=_check_zone)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, validator=_check_events)
    description: str | None = attrs.field(default=None, converter=_optional_text)
    url: str | None = None
    uid_domain: str | None = None
    day_change: dt.time = dt.time()
    dtstamp: dt.datetime = attrs.field(default=_EPOCH, converter=_utc)

    def __attrs_post_init__(self) -> None:
        _check_text("name", self.name, single_line=True)
        _check_text("description", self.description)
        if self.url is not None and (
            not isinstance(self.url, str) or _URL_FORBIDDEN.search(self.url)
        ):
            raise _problem("url", f"{self.url!r} is not a URL", self.url)
        if self.uid_domain is not None and not _ID.fullmatch(self.uid_domain):
            raise _problem(
                "uid_domain", f"{self.uid_domain!r} is not a domain name", self.uid_domain
            )

    @property
    def uid_host(self) -> str:
        """The right-hand side of every UID: ``uid_domain``, else the URL's host, else the name."""
        if self.uid_domain:
            return self.uid_domain
        if self.url:
            host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", self.url, flags=re.I).split("/")[0]
            host = host.rsplit("@", 1)[-1].split(":")[0]
            if _ID.fullmatch(host):
                return host.lower()
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "calendar"
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
        """A calendar of some of the events, whose UIDs stay those of the full calendar."""
        return attrs.evolve(self, name=name, events=events, uid_domain=self.uid_host)

    def to_calendar(self) -> icalendar.Calendar:
        """The schedule as an ``icalendar`` VCALENDAR."""
        from .ical import calendar

        return calendar(self)

    def to_ical(self) -> bytes:
        """The schedule as iCalendar bytes (RFC 5545)."""
        from .ical import serialize

        return serialize(self)
