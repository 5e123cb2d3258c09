"""The keyword arguments of :class:`confcal.Event` and :class:`confcal.Schedule`, as TypedDicts.

For the tests' helpers that fill in some fields and take the rest as ``**fields``; a test that
hands a field a wrong type on purpose says so where it does it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal, TypedDict, Unpack

from confcal import Event
from confcal.model import When
from confcal.zones import localize


class EventOptions(TypedDict, total=False):
    """An Event's fields that have a default."""

    type: str | None
    track: str | None
    location: str | None
    description: str | None
    url: str | None
    speakers: Iterable[str]
    status: Literal["confirmed", "tentative", "cancelled"] | None
    language: str | None


class EventFields(EventOptions, total=False):
    """All of an Event's fields, for a helper that has a default for each required one."""

    id: str
    title: str
    start: When
    end: When


class ScheduleOptions(TypedDict, total=False):
    """A Schedule's fields that have a default but its events."""

    description: str | None
    url: str | None
    uid_domain: str | None
    day_change: dt.time
    dtstamp: dt.datetime
    refresh: dt.timedelta | None
    language: str | None


class ScheduleExtras(ScheduleOptions, total=False):
    """A Schedule's fields but its events."""

    name: str
    timezone: str


class ScheduleFields(ScheduleExtras, total=False):
    """All of a Schedule's fields."""

    events: Iterable[Event]


def untyped(value: object) -> Any:
    """``value``, as a type the checker does not know.

    For a test that hands the library a value of a wrong type (or fields named at run time) on
    purpose, to see it refused: the call says so, rather than a ``type: ignore``.
    """
    return value


NY = "America/New_York"


def timed(
    id: str = "parsl-cwl",
    title: str = "Parsl+CWL: Towards Combining the Python and CWL Ecosystems",
    start: dt.datetime = dt.datetime(2024, 11, 18, 11, 21),
    end: dt.datetime = dt.datetime(2024, 11, 18, 11, 44),
    zone: str = NY,
    **fields: Unpack[EventOptions],
) -> Event:
    """A timed session, by default the seed's first, in ``zone``'s wall-clock times."""
    return Event(id=id, title=title, start=localize(start, zone), end=localize(end, zone), **fields)


def all_day(
    first: dt.date, last: dt.date, id: str = "posters", **fields: Unpack[EventOptions]
) -> Event:
    """An all-day event from ``first`` to ``last``, both included."""
    return Event(id=id, title="Posters", start=first, end=last + dt.timedelta(days=1), **fields)
