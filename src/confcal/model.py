"""The programme as Python values: :class:`Event` and :class:`Schedule`.

Both are frozen and validated on construction, so an object that exists is a valid one and
nothing downstream checks again. Times are timezone-aware: wall-clock times from a programme
become aware through :func:`confcal.zones.localize`, never ``replace(tzinfo=...)``.

What each field may hold is written once, beside nothing else, in :mod:`confcal._fields`. The
model depends on that, :mod:`confcal.zones` (to check times) and :mod:`confcal.errors` only;
writing it as iCalendar is :mod:`confcal.ical`'s (``confcal.to_ical(schedule)``), which the model
never imports.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar

import attrs

from . import zones
from ._fields import (
    DEFAULT_REFRESH,
    EPOCH,
    ID_PATTERN,
    MAX_LENGTH,
    NOT_A_LIST,
    STATUSES,
    When,
    check_day_change,
    check_dtstamp,
    check_id,
    check_language,
    check_last_modified,
    check_refresh,
    check_sequence,
    check_speakers,
    check_status,
    check_uid_domain,
    check_url,
    check_when,
    check_zone,
    free_text,
    line,
    one_text,
    optional_text,
    optional_utc,
    problem,
    required,
    show,
    speakers,
    text,
    utc,
    wrong_type,
)
from ._identity import ByIdentity
from .errors import InvalidInput, Problem, shown

__all__ = ["DEFAULT_REFRESH", "EPOCH", "STATUSES", "Event", "Schedule", "When"]

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Event:
    """One session of the programme.

    ``start`` and ``end`` are aware datetimes (pytz-localized) for a timed session, or dates for
    an all-day one, whose ``end`` is exclusive as in RFC 5545: the day after its last day.
    Every field is checked on construction: a value of the wrong type (``speakers`` is a list of
    names, never one text), a time that its zone skips, a URL with a password, or anything else a
    calendar cannot hold raises :class:`InvalidInput` naming the field.
    """

    id: str = attrs.field(validator=check_id)
    title: str = attrs.field(converter=text, validator=required(single_line=False))
    start: When = attrs.field(validator=check_when)
    end: When = attrs.field(validator=check_when)
    type: str | None = attrs.field(default=None, converter=optional_text, validator=line)
    track: str | None = attrs.field(default=None, converter=optional_text, validator=line)
    location: str | None = attrs.field(default=None, converter=optional_text, validator=free_text)
    description: str | None = attrs.field(
        default=None, converter=optional_text, validator=free_text
    )
    url: str | None = attrs.field(default=None, validator=check_url)
    speakers: tuple[str, ...] = attrs.field(
        default=(), converter=speakers, validator=check_speakers
    )
    status: Literal["confirmed", "tentative", "cancelled"] | None = attrs.field(
        default=None, validator=check_status
    )
    #: The language of the session's text (and talk), a BCP 47 tag such as ``"en"``.
    language: str | None = attrs.field(default=None, validator=check_language)
    #: How often the session's time, length, room or status changed since it was first
    #: published (SEQUENCE, 0: never), and when the last change was (LAST-MODIFIED). Not in
    #: events.json: :mod:`confcal.history` sets them from the programme's history file.
    sequence: int = attrs.field(default=0, validator=check_sequence)
    last_modified: dt.datetime | None = attrs.field(
        default=None, converter=optional_utc, validator=check_last_modified
    )

    def __attrs_post_init__(self) -> None:
        # Each field is checked on its own by its validator (line breaks in a title or location
        # are kept: written escaped, \n, they cannot add properties or components; see
        # tests/test_files.py); what is left is how start and end go together.
        if isinstance(self.start, dt.datetime) != isinstance(self.end, dt.datetime):
            raise problem(
                "end", "start and end must both be times or both be dates (all-day)", self.end
            )
        if self.end <= self.start:
            raise problem(
                "end", f"{show(self.end)} is not after start {show(self.start)}", self.end
            )
        length = self.end - self.start
        if length > MAX_LENGTH:
            # A typo in a year, most likely; and an all-day event belongs to every day it spans,
            # so a per-day export of it would write a file for each of those days.
            raise problem(
                "end",
                f"the event lasts {length.days} days from {show(self.start)}; "
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


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    if isinstance(value, NOT_A_LIST) or not isinstance(value, Iterable):
        return value  # type: ignore[return-value]
    return tuple(value)


def _check_events(
    instance: Schedule, attribute: attrs.Attribute[Any], value: tuple[Event, ...]
) -> None:
    if not isinstance(value, tuple):
        raise wrong_type(attribute.name, "a list of Event", value)
    for event in value:
        if not isinstance(event, Event):
            raise problem(attribute.name, f"expected Event, got {type(event).__name__}", event)
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


@attrs.frozen(kw_only=True)
class Schedule:
    """A calendar: its name, zone and other fields, and its events.

    ``dtstamp`` is written as every event's DTSTAMP: when the programme was last changed, so the
    same programme always gives the same bytes (never the time of the build). ``refresh`` is how
    often subscribers should reload it (written only on whole calendars, not on their parts).
    Every field is checked on construction: a value of the wrong type or one no calendar can
    hold raises :class:`InvalidInput` naming the field.
    """

    name: str = attrs.field(converter=text, validator=required(single_line=True))
    timezone: str = attrs.field(validator=check_zone)
    events: tuple[Event, ...] = attrs.field(default=(), converter=_events, validator=_check_events)
    description: str | None = attrs.field(
        default=None, converter=optional_text, validator=free_text
    )
    url: str | None = attrs.field(default=None, validator=check_url)
    uid_domain: str | None = attrs.field(default=None, validator=check_uid_domain)
    day_change: dt.time = attrs.field(default=dt.time(), validator=check_day_change)
    dtstamp: dt.datetime = attrs.field(default=EPOCH, converter=utc, validator=check_dtstamp)
    refresh: dt.timedelta | None = attrs.field(default=DEFAULT_REFRESH, validator=check_refresh)
    #: The language of the programme's text (BCP 47, ``"en"``): the ``lang`` of the attendees'
    #: pages; a session's own ``language`` marks its title and abstract.
    language: str | None = attrs.field(default=None, validator=check_language)

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
        return list(_ORDERS.of(self))

    def days_of(self, event: Event) -> list[dt.date]:
        """``event.days()`` in this programme's zone and day change, found once for each of
        its events: the day files, the site's lists and :meth:`select` all ask."""
        found = _DAYS.of(self).get(id(event))
        return event.days(self.timezone, self.day_change) if found is None else list(found)

    def days(self) -> dict[dt.date, Schedule]:
        """Each conference day (a local date in the calendar's zone) with that day's events: a
        download each, without refresh hints."""
        by_day: dict[dt.date, list[Event]] = {}
        for event in self.sorted_events():
            for day in self.days_of(event):
                by_day.setdefault(day, []).append(event)
        return {
            day: self.subset(by_day[day], name=f"{self.name} ({day.isoformat()})", feed=False)
            for day in sorted(by_day)
        }

    def tracks(self) -> dict[str, Schedule]:
        """Each track with its events, a feed each (refresh hints kept). Tracks are grouped
        ignoring case, as :meth:`select` matches them, named by the first event's spelling, in
        programme order; an event without a track is in the whole calendar only."""
        return self._groups(lambda e: e.track)

    def rooms(self) -> dict[str, Schedule]:
        """Each room (``location``) with its events, a feed each, grouped as :meth:`tracks`
        groups tracks; an event without a room is in the whole calendar only."""
        return self._groups(lambda e: e.location)

    def _groups(self, key: Callable[[Event], str | None]) -> dict[str, Schedule]:
        """The events grouped by ``key``, ignoring case as ``select`` does (the spelling of the
        first event in programme order names the group), in that order. Events without one
        belong to no group: they are in the whole calendar only."""
        groups: dict[str, tuple[str, list[Event]]] = {}
        for event in self.sorted_events():
            value = key(event)
            if value:
                groups.setdefault(value.casefold(), (value, []))[1].append(event)
        return {
            value: self.subset(events, name=f"{self.name} ({' '.join(value.split())})")
            for value, events in groups.values()
        }

    def subset(self, events: Iterable[Event], *, name: str, feed: bool = True) -> Schedule:
        """A part of the calendar (a track, a day, a session), whose UIDs stay those of the full
        calendar.

        A feed (a track's or a room's calendar, to subscribe to) keeps the ``refresh`` hint; a
        download to import once (a day, a session: ``feed=False``) has none.
        """
        refresh = self.refresh if feed else None
        return attrs.evolve(
            self, name=name, events=events, uid_domain=self.uid_host, refresh=refresh
        )

    def select(
        self,
        *,
        types: Iterable[str] | str = (),
        days: Iterable[dt.date] = (),
        ids: Iterable[str] | str = (),
        tracks: Iterable[str] | str = (),
        rooms: Iterable[str] | str = (),
    ) -> Schedule:
        """The same calendar with only the events that pass every filter given.

        An event passes a filter when it matches one of its values: its ``type``, ``track`` or
        room (``location``), ignoring case; one of its conference days (as :meth:`days` counts
        them); its ``id`` (ignoring case, as ids are unique). An empty filter lets every event
        pass. A value that matches no event of the calendar is most likely a typo, so it raises
        :class:`InvalidInput` (naming every such value); so does an empty value (an unset
        variable, ``--track '$(TRACK)'``: never "the events without one") and a combination
        that leaves no event.

        Each filter is a collection of values, or one text as one value (``types="BOF"`` is
        ``types=["BOF"]``, never the letters B, O, F); anything else is refused, naming the
        parameter.
        """
        texts = {
            "type": _filter("types", types, str, "types (text)"),
            "track": _filter("tracks", tracks, str, "tracks (text)"),
            "room": _filter("rooms", rooms, str, "rooms (text)"),
            "id": _filter("ids", ids, str, "ids (text)"),
        }
        chosen_days = set(_filter("days", days, dt.date, "dates (datetime.date)"))
        if not (chosen_days or any(texts.values())):
            return self
        event_days = {e.id: set(self.days_of(e)) for e in self.events}
        problems = self._unmatched(texts, chosen_days, event_days)
        if problems:
            raise InvalidInput(problems)
        wanted = {field: {v.casefold() for v in values} for field, values in texts.items()}
        chosen = [
            e
            for e in self.events
            if all(not w or (_FIELDS[f](e) or "").casefold() in w for f, w in wanted.items())
            and (not chosen_days or event_days[e.id] & chosen_days)
        ]
        if not chosen:
            raise InvalidInput.single("no event matches all the filters together")
        return attrs.evolve(self, events=chosen)

    def _unmatched(
        self,
        texts: dict[str, tuple[str, ...]],
        days: set[dt.date],
        event_days: dict[str, set[dt.date]],
    ) -> list[Problem]:
        """A problem for each filter value that no event of the calendar matches."""
        problems = []
        for field, values in texts.items():
            if not values:
                continue
            empty = f"an empty value chooses nothing; give the {field} to keep"
            problems += [
                Problem(f"{empty}: {shown(value)}", field=field, value=value)
                for value in values
                if not value.strip()
            ]
            values = tuple(value for value in values if value.strip())
            known: dict[str, str | None] = {}
            for event in self.sorted_events():  # spelt as the first event in programme order
                known.setdefault((_FIELDS[field](event) or "").casefold(), _FIELDS[field](event))
            problems += [
                _no_match(field, value, known) for value in values if value.casefold() not in known
            ]
        known_days = sorted(set().union(*event_days.values()))
        problems += [
            Problem(
                f"{d.isoformat()} is not a day of the programme ({_days_phrase(known_days)})",
                field="day",
                value=d,
            )
            for d in sorted(days - set(known_days))
        ]
        return problems


#: What each text filter of :meth:`Schedule.select` compares, by the name its problems give.
_FIELDS: dict[str, Callable[[Event], str | None]] = {
    "type": lambda e: e.type,
    "track": lambda e: e.track,
    "room": lambda e: e.location,
    "id": lambda e: e.id,
}
#: How many of the known values a message lists before it says how many more there are.
_LISTED = 20


def _no_match(field: str, value: str, known: dict[str, str | None]) -> Problem:
    """The problem for a filter ``value`` that no event has: for an id that is all; for a type,
    track or room, a close spelling (``did you mean``) and what the programme has."""
    if field == "id":
        return Problem(f"no event has the id {shown(value)}", field=field, value=value)
    names = sorted({k for k in known.values() if k}, key=str.casefold)
    close = difflib.get_close_matches(value.casefold(), [n.casefold() for n in names], n=1)
    hint = f"; did you mean {shown(known[close[0]])}?" if close else ""
    listed = ", ".join(names[:_LISTED]) or "none"
    if len(names) > _LISTED:
        listed += f", and {len(names) - _LISTED} more"
    what = "rooms" if field == "room" else f"{field}s"
    return Problem(
        f"no event has the {field} {shown(value)}{hint} (the {what} are: {listed})",
        field=field,
        value=value,
    )


def _filter(parameter: str, values: Iterable[_T], kind: type[_T], what: str) -> tuple[_T, ...]:
    """The values of one :meth:`Schedule.select` filter, each checked to be a ``kind``."""
    if isinstance(values, str):
        if kind is str:  # one text is one value, never its letters
            return (values,)  # type: ignore[return-value]
        raise one_text(parameter, f"a list of {what}", values)
    if isinstance(values, NOT_A_LIST) or not isinstance(values, Iterable):
        raise wrong_type(parameter, f"a list of {what}", values)
    chosen = tuple(values)
    for value in chosen:
        # A datetime is a date to isinstance, but never equal to one: it would match no day.
        if not isinstance(value, kind) or (kind is dt.date and isinstance(value, dt.datetime)):
            raise problem(
                parameter,
                f"must hold only {what}, not {type(value).__name__}: {shown(value)}",
                value,
            )
    return chosen


def _days_phrase(days: list[dt.date]) -> str:
    """The programme's days as a message says them."""
    if not days:
        return "it has none"
    if len(days) == 1:
        return f"its only day is {days[0].isoformat()}"
    return f"its days are {', '.join(d.isoformat() for d in days)}"


def _programme_order(schedule: Schedule) -> tuple[Event, ...]:
    return tuple(sorted(schedule.events, key=lambda e: e.sort_key(schedule.timezone)))


#: Each schedule's events in programme order, found once: every calendar, list and page of a
#: build asks (a frozen schedule never changes).
_ORDERS: ByIdentity[Schedule, tuple[Event, ...]] = ByIdentity(_programme_order)


def _conference_days(schedule: Schedule) -> dict[int, tuple[dt.date, ...]]:
    zone, change = schedule.timezone, schedule.day_change
    return {id(event): tuple(event.days(zone, change)) for event in schedule.events}


#: Each schedule's events' conference days, by the event's identity (the schedule holds its
#: events, so an id stays theirs while the entry lives): found once (``Schedule.days_of``).
_DAYS: ByIdentity[Schedule, dict[int, tuple[dt.date, ...]]] = ByIdentity(_conference_days)
