"""The VTIMEZONE of a zone over a calendar's span: what we write, checked against ``zoneinfo``.

Private machinery of :mod:`confcal.ical`. The VTIMEZONE is written in the shape Outlook, Google
and the tzurl/vzic files use: one STANDARD and at most one DAYLIGHT, each with a yearly
``BYMONTH``/``BYDAY=nDD`` rule taken from the zone's current POSIX TZ rule (the footer of its TZif
file, read by :mod:`confcal._tzif`). :class:`ZoneDefinition` is a small model of it that can be
both written and evaluated the way an RFC 5545 reader expands it, so the definition is checked
against ``zoneinfo`` over the calendar's span; where one yearly rule cannot describe the zone
there, an explicit list of transitions (RDATE) is written instead, which every reader expands right.

Caches, all safe to share between threads (``functools.lru_cache`` locks itself; the dict below
is only read and written by single dict operations, atomic in CPython, and a race between two
threads at worst checks a definition twice):

- :func:`zone_definition`: ``lru_cache(maxsize=4096)`` keyed by (zone name, first and last
  instant in UTC): a build asks once per file and zone.
- ``_rule_observances``: ``lru_cache(maxsize=256)`` keyed by the zone, its rule and the onsets
  its DAYLIGHT and STANDARD last began at: every time between two changes has the same
  definition (10,000 session files, a few dozen definitions).
- ``_AGREED``: for each rule definition (at most 256, then emptied), the last 16 spans over which
  it was found to agree with ``zoneinfo``: a day's or an event's calendar inside the whole
  programme's span needs no second check.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Iterator
from typing import Literal

import attrs
import icalendar

from . import zones
from ._tzif import (
    PosixDate,
    PosixZone,
    Transition,
    current_rule,
    last_transition_before,
    month_length,
    state,
    transitions,
)

__all__ = ["Observance", "YearlyRule", "ZoneDefinition", "zone_definition"]

UTC = dt.UTC
_SECOND = dt.timedelta(seconds=1)

Kind = Literal["STANDARD", "DAYLIGHT"]


@attrs.frozen
class YearlyRule:
    """``RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=...``: one onset a year.

    ``nth`` set: the nth (or -1: last) ``weekday`` of the month, the shape Outlook understands.
    ``monthdays`` set instead: the ``weekday`` that falls on one of those days of the month (for
    rules such as "the Sunday after the first Saturday").
    """

    month: int
    weekday: int  # Python's numbering: 0 = Monday
    nth: int | None = None
    monthdays: tuple[int, ...] = ()

    def date_in(self, year: int) -> dt.date:
        """The day of ``year`` the rule picks."""
        length = month_length(year, self.month)
        days = (
            [d if d > 0 else length + 1 + d for d in self.monthdays]
            if self.nth is None
            else range(1, length + 1)
        )
        matches = [
            day for day in sorted(days) if dt.date(year, self.month, day).weekday() == self.weekday
        ]
        if self.nth is None:
            return dt.date(year, self.month, matches[0])
        return dt.date(year, self.month, matches[self.nth - 1 if self.nth > 0 else self.nth])

    def to_ical(self) -> dict[str, object]:
        """The RRULE value in icalendar's form."""
        day = _WEEKDAYS[self.weekday]
        rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if self.nth is None:
            rule["BYDAY"] = day
            rule["BYMONTHDAY"] = list(self.monthdays)
        else:
            rule["BYDAY"] = f"{self.nth}{day}"
        return rule


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@attrs.frozen
class Observance:
    """One STANDARD or DAYLIGHT block: from its ``start`` (local time before the change), and
    again at each date of ``rule`` or ``rdates``, the zone's offset becomes ``offset_to``."""

    kind: Kind
    name: str
    offset_from: dt.timedelta
    offset_to: dt.timedelta
    start: dt.datetime
    rule: YearlyRule | None = None
    rdates: tuple[dt.datetime, ...] = ()

    def onsets(self, last_year: int) -> Iterator[dt.datetime]:
        """Every onset up to the end of ``last_year``, in UTC (naive)."""
        yield self.start - self.offset_from
        for local in self.rdates:
            yield local - self.offset_from
        if self.rule is not None:
            time = self.start - dt.datetime.combine(self.start.date(), dt.time())
            for year in range(self.start.year, last_year + 1):
                local = dt.datetime.combine(self.rule.date_in(year), dt.time()) + time
                if local > self.start:
                    yield local - self.offset_from

    def to_component(self) -> icalendar.TimezoneStandard | icalendar.TimezoneDaylight:
        """The ``icalendar`` STANDARD or DAYLIGHT block."""
        block = (
            icalendar.TimezoneDaylight()
            if self.kind == "DAYLIGHT"
            else icalendar.TimezoneStandard()
        )
        block.add("dtstart", self.start)
        if self.rule is not None:
            block.add("rrule", self.rule.to_ical())
        if self.rule is None:
            # DTSTART is an onset in itself (RFC 5545 3.6.5), but Home Assistant's ``ical``
            # counts only RRULE and RDATE onsets and reads the zone as UTC without one.
            # Repeating DTSTART as an RDATE changes nothing for readers that follow the RFC.
            # One date per RDATE line: ical.js (Thunderbird) reads only the first value of
            # a comma-separated RDATE.
            for onset in (self.start, *self.rdates):
                block.add("rdate", onset)
        block.add("tzoffsetfrom", self.offset_from)
        block.add("tzoffsetto", self.offset_to)
        block.add("tzname", self.name)
        return block


@attrs.frozen
class ZoneDefinition:
    """A VTIMEZONE: what we write, and what an RFC 5545 reader makes of it."""

    zone: str
    observances: tuple[Observance, ...]

    def offsets(self, last_year: int) -> tuple[list[dt.datetime], list[dt.timedelta]]:
        """Sorted onsets (UTC, naive) and the offset each one starts, as a reader expands them."""
        pairs = sorted(
            (onset, obs.offset_to) for obs in self.observances for onset in obs.onsets(last_year)
        )
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def to_component(self) -> icalendar.Timezone:
        """The ``icalendar`` VTIMEZONE component."""
        component = icalendar.Timezone()
        component.add("tzid", self.zone)
        for obs in self.observances:
            component.add_component(obs.to_component())
        return component


def _kind(transition: Transition) -> Kind:
    # DAYLIGHT is the observance with the larger offset: a change into or out of DST that puts
    # the clocks forward. tzdata marks Europe/Dublin's winter as negative DST, so its summer
    # begins by leaving DST; a change of standard offset alone is no DAYLIGHT.
    before, after = transition.before, transition.after
    if before.dst != after.dst and after.offset > before.offset:
        return "DAYLIGHT"
    return "STANDARD"


def _rule_form(date: PosixDate) -> tuple[YearlyRule, dt.timedelta] | None:
    """The RRULE for a POSIX ``Mm.w.d/time`` date, and the time of day of its onset."""
    shift, time = divmod(date.time, dt.timedelta(days=1))
    weekday = ((date.weekday - 1) % 7 + shift) % 7
    if shift == 0:
        return YearlyRule(date.month, weekday, nth=-1 if date.week == 5 else date.week), time
    # The onset falls on another day than the weekday named ("Sunday after the first Saturday",
    # Santiago's M9.1.6/24): a weekday within a window of days of the month.
    if date.week == 5:
        # Counted from the month's end, but written as positive days: ical.js (Thunderbird)
        # misreads negative BYMONTHDAY in a yearly rule. February's length varies: no fixed days.
        if date.month == 2:
            return None
        length = month_length(2001, date.month)
        days = range(length - 6 + shift, length + 1 + shift)
        if not all(1 <= d <= length for d in days):
            return None
    else:
        days = range((date.week - 1) * 7 + 1 + shift, date.week * 7 + 1 + shift)
        if not all(1 <= d <= 28 for d in days):
            return None
    return YearlyRule(date.month, weekday, monthdays=tuple(days)), time


def _fixed_start(first: dt.datetime) -> dt.datetime:
    """Where a zone's one fixed offset begins: 1970, the usual choice, or earlier if need be."""
    before = first.replace(tzinfo=None) - dt.timedelta(days=2)
    return min(dt.datetime(1970, 1, 1), dt.datetime.combine(before.date(), dt.time()))


def _rule_definition(zone: str, first: dt.datetime) -> ZoneDefinition | None:
    """The zone's current rule as one STANDARD and at most one DAYLIGHT, begun by ``first``."""
    posix = current_rule(zone)
    if posix is None:
        return None
    if posix.dst_start is None or posix.dst_end is None or posix.dst_offset is None:
        start = _fixed_start(first)
        return ZoneDefinition(
            zone,
            (Observance("STANDARD", posix.std_name, posix.std_offset, posix.std_offset, start),),
        )
    first_naive = first.astimezone(UTC).replace(tzinfo=None)
    starts = []
    for _, _, date, offset_from in _phases(posix):
        onsets = [date.onset(y) for y in (first_naive.year - 1, first_naive.year)]
        starts.append(max(o for o in onsets if o - offset_from <= first_naive))
    return _rule_observances(zone, posix, tuple(starts))


def _phases(posix: PosixZone) -> list[tuple[str, dt.timedelta, PosixDate, dt.timedelta]]:
    """(name, offset, onset date, offset before the onset) of a rule with daylight time."""
    assert posix.dst_start is not None and posix.dst_end is not None
    assert posix.dst_offset is not None
    return [
        (posix.dst_name or "", posix.dst_offset, posix.dst_start, posix.std_offset),
        (posix.std_name, posix.std_offset, posix.dst_end, posix.dst_offset),
    ]


@functools.lru_cache(maxsize=256)
def _rule_observances(
    zone: str, posix: PosixZone, starts: tuple[dt.datetime, ...]
) -> ZoneDefinition | None:
    """The rule definition whose phases (:func:`_phases`) last began at ``starts``: the same
    for every time between two changes (a session file each)."""
    phases = _phases(posix)
    daylight = max(phases, key=lambda p: p[1])
    observances = []
    for (name, offset, date, offset_from), start in zip(phases, starts, strict=True):
        form = _rule_form(date)
        if form is None:
            return None
        rule, _ = form
        kind: Kind = "DAYLIGHT" if (name, offset) == daylight[:2] else "STANDARD"
        observances.append(Observance(kind, name, offset_from, offset, start, rule))
    observances.sort(key=lambda o: o.kind, reverse=True)  # STANDARD first, as Outlook writes it
    return ZoneDefinition(zone, tuple(observances))


def _transition_definition(zone: str, first: dt.datetime, last: dt.datetime) -> ZoneDefinition:
    """Every transition from the one in force at ``first`` to ``last``, as RDATEs."""
    info = zones.get_zone(zone)
    opening = last_transition_before(zone, first)
    changes = ([opening] if opening else []) + transitions(zone, first, last)
    # Without a transition before ``first`` (none since 1850), the state at ``first`` opens.
    now = state(info, first)
    observances = (
        []
        if opening
        else [Observance("STANDARD", now.name, now.offset, now.offset, _fixed_start(first))]
    )
    groups: dict[tuple[Kind, str, dt.timedelta, dt.timedelta], list[dt.datetime]] = {}
    for change in changes:
        local = change.instant.replace(tzinfo=None) + change.before.offset
        key = (_kind(change), change.after.name, change.before.offset, change.after.offset)
        groups.setdefault(key, []).append(local)
    observances += [
        Observance(kind, name, before, after, onsets[0], rdates=tuple(onsets[1:]))
        for (kind, name, before, after), onsets in groups.items()
    ]
    if all(o.kind == "DAYLIGHT" for o in observances):
        # Outlook ignores a VTIMEZONE without STANDARD; the kind changes no offset.
        observances = [attrs.evolve(o, kind="STANDARD") for o in observances]
    observances.sort(key=lambda o: (o.kind != "STANDARD", o.start))
    return ZoneDefinition(zone, tuple(observances))


def _agrees(definition: ZoneDefinition, first: dt.datetime, last: dt.datetime) -> bool:
    """Whether an RFC 5545 reader of ``definition`` gets ``zoneinfo``'s offset all over the span.

    Both offset functions are constant between their change points, so agreeing at ``first`` and
    on both sides of every change point of either one inside the span means agreeing everywhere
    in it: at every event's start and end in particular.
    """
    info = zones.get_zone(definition.zone)
    onsets, offsets = definition.offsets(last.year + 1)
    if not onsets or onsets[0] > first.replace(tzinfo=None):
        return False

    def written(instant: dt.datetime) -> dt.timedelta:
        return offsets[bisect.bisect_right(onsets, instant.replace(tzinfo=None)) - 1]

    points = {first, last}
    points.update(t.instant for t in transitions(definition.zone, first, last))
    naive_first, naive_last = first.replace(tzinfo=None), last.replace(tzinfo=None)
    points.update(o.replace(tzinfo=UTC) for o in onsets if naive_first < o <= naive_last)
    for point in points:
        for instant in (point, point - _SECOND):
            if instant < first:
                continue
            if written(instant) != state(info, instant).offset:
                return False
    return True


#: Spans over which a rule definition was checked, per definition (see the module's doc).
_AGREED: dict[ZoneDefinition, list[tuple[dt.datetime, dt.datetime]]] = {}


def _rule_agrees(definition: ZoneDefinition, first: dt.datetime, last: dt.datetime) -> bool:
    spans = _AGREED.get(definition, [])
    if any(lo <= first and last <= hi for lo, hi in spans):
        return True
    if not _agrees(definition, first, last):
        return False
    if len(_AGREED) >= 256:
        _AGREED.clear()
    _AGREED[definition] = [*spans[-15:], (first, last)]
    return True


def zone_definition(zone: str, first: dt.datetime, last: dt.datetime) -> ZoneDefinition:
    """The VTIMEZONE for ``zone`` in a calendar whose times in it lie in ``[first, last]``.

    The current yearly rule where it describes the zone over the span, else its transitions.
    """
    # In UTC before the cache: aware datetimes in one zone compare by wall clock, ignoring fold.
    return _zone_definition(zone, first.astimezone(UTC), last.astimezone(UTC))


@functools.lru_cache(maxsize=4096)
def _zone_definition(zone: str, first: dt.datetime, last: dt.datetime) -> ZoneDefinition:
    definition = _rule_definition(zone, first)
    if definition is not None and _rule_agrees(definition, first, last):
        return definition
    definition = _transition_definition(zone, first, last)
    if not _agrees(definition, first, last):  # pragma: no cover - would be a bug of ours
        raise AssertionError(f"cannot describe {zone} between {first} and {last}")
    return definition
