"""Time zones: localizing wall-clock times, and the VTIMEZONE every client reads the same.

Two sources of truth are used on purpose. ``pytz`` is the localizer the public model exposes
(``Event.start.tzinfo`` is a pytz zone), but its tables stop knowing DST after 2037. The standard
library's ``zoneinfo`` with ``tzdata`` knows every zone's rules for all years, so every offset is
decided by ``zoneinfo`` and pytz is only asked for the tzinfo object that carries that offset.

The VTIMEZONE is written in the shape Outlook, Google and the tzurl/vzic files use: one STANDARD
and at most one DAYLIGHT, each with a yearly ``BYMONTH``/``BYDAY=nDD`` rule taken from the zone's
current POSIX TZ rule (the footer of its TZif file). It is checked against ``zoneinfo`` over the
calendar's span; where one yearly rule cannot describe the zone there, an explicit list of
transitions (RDATE) is written instead, which every RFC 5545 reader expands right.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import importlib.resources
import io
import re
import struct
import zoneinfo
from collections.abc import Iterator
from typing import Literal

import attrs
import icalendar
import pytz
from pytz.tzinfo import BaseTzInfo

from .errors import InvalidInput, shown

__all__ = [
    "UTC",
    "ZoneDefinition",
    "check_zone",
    "exists",
    "format_offset",
    "from_instant",
    "is_ambiguous",
    "localize",
    "to_local",
    "utc_offset",
    "vtimezone",
    "zone_definition",
    "zone_name",
]

UTC = dt.UTC

#: Names that mean UTC itself: times in them are written with ``Z`` and need no VTIMEZONE.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)
#: Wide enough that no two transitions of a real zone fall inside one step.
_SCAN_STEP = dt.timedelta(hours=12)
_SECOND = dt.timedelta(seconds=1)
# The oldest instant a VTIMEZONE's first observance may need to reach back to.
_EPOCH_FLOOR = dt.datetime(1850, 1, 1, tzinfo=UTC)


def check_zone(name: str) -> zoneinfo.ZoneInfo:
    """The ``zoneinfo`` zone of an IANA name; :class:`InvalidInput` for an unknown name."""
    if not isinstance(name, str):
        raise InvalidInput.single(
            f"must be an IANA time zone name such as 'America/New_York', "
            f"not {type(name).__name__}: {shown(name)}",
            field="timezone",
            value=name,
        )
    return _check_zone(name)


@functools.cache
def _check_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        zone = _tzdata_zone(name)
        _pytz_zone(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, pytz.UnknownTimeZoneError, OSError):
        raise InvalidInput.single(
            f"unknown time zone {shown(name)} (expected an IANA name such as 'America/New_York')",
            field="timezone",
            value=name,
        ) from None
    return zone


def _tzif(name: str) -> bytes:
    return importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


def _tzdata_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone from the ``tzdata`` package, whatever the machine's own zoneinfo holds.

    The same input must give the same calendar on every machine, and the rule read from the
    package's TZif footer must be checked against the same data.
    """
    if ".." in name.split("/") or "\\" in name:
        raise ValueError(name)
    try:
        data = _tzif(name)
    except (OSError, ValueError):
        return zoneinfo.ZoneInfo(name)  # a zone newer than the tzdata package
    return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=name)


@functools.cache
def _pytz_zone(name: str) -> BaseTzInfo:
    return pytz.timezone(name)


def utc_offset(naive: dt.datetime, zone: str, fold: int = 0) -> dt.timedelta:
    """The UTC offset of a wall-clock time in ``zone``; ``fold=1``: the repeated hour's second."""
    return _utc_offset(_wall(naive), zone, fold)


def exists(naive: dt.datetime, zone: str) -> bool:
    """Whether a wall-clock time occurs in ``zone`` (not skipped when the clocks go forward)."""
    return _exists(_wall(naive), zone)


def is_ambiguous(naive: dt.datetime, zone: str) -> bool:
    """Whether a wall-clock time occurs twice in ``zone`` (when clocks go back)."""
    return _is_ambiguous(_wall(naive), zone)


def _wall(value: dt.datetime) -> dt.datetime:
    # The caches below hold naive keys only: aware datetimes compare by instant, not wall clock.
    return value if value.tzinfo is None else value.replace(tzinfo=None)


# Programmes repeat their slot times across rooms and days, so the wall-clock questions below are
# asked thousands of times over: they remember their answers (bounded, and keyed by naive times).
@functools.lru_cache(maxsize=8192)
def _utc_offset(naive: dt.datetime, zone: str, fold: int) -> dt.timedelta:
    offset = naive.replace(tzinfo=check_zone(zone), fold=fold).utcoffset()
    assert offset is not None
    return offset


@functools.lru_cache(maxsize=8192)
def _exists(naive: dt.datetime, zone: str) -> bool:
    aware = naive.replace(tzinfo=check_zone(zone))
    return aware.astimezone(UTC).astimezone(check_zone(zone)).replace(tzinfo=None) == naive


@functools.lru_cache(maxsize=8192)
def _is_ambiguous(naive: dt.datetime, zone: str) -> bool:
    return _exists(naive, zone) and _utc_offset(naive, zone, 0) != _utc_offset(naive, zone, 1)


def format_offset(offset: dt.timedelta) -> str:
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def localize(naive: dt.datetime, zone: str, offset: dt.timedelta | None = None) -> dt.datetime:
    """Attach ``zone`` to a wall-clock time, the way the printed programme means it.

    Returns a pytz-localized datetime whose offset is right for any year (see the module doc).
    A time that does not exist (the spring-forward gap) is refused; so is one that occurs twice,
    unless ``offset`` says which of the two is meant. An ``offset`` that the zone never has at
    that wall-clock time is refused.
    """
    if not isinstance(naive, dt.datetime):
        raise InvalidInput.single(
            f"localize() takes a datetime, not {type(naive).__name__}: {shown(naive)}",
            value=naive,
        )
    if naive.tzinfo is not None:
        raise InvalidInput.single(
            f"{naive.isoformat()} already has a time zone; localize() takes a wall-clock time",
            value=naive,
        )
    check_zone(zone)  # before the cache below, which needs a hashable name
    if offset is not None and not isinstance(offset, dt.timedelta):
        raise InvalidInput.single(
            f"the UTC offset must be a timedelta, not {type(offset).__name__}: {shown(offset)}",
            value=offset,
        )
    return _localize(naive, naive.fold, zone, offset)


@functools.lru_cache(maxsize=8192)
def _localize(naive: dt.datetime, fold: int, zone: str, offset: dt.timedelta | None) -> dt.datetime:
    # ``fold`` is part of the key: naive datetimes that differ only in it compare equal.
    check_zone(zone)
    if not _exists(naive, zone):
        raise InvalidInput.single(
            f"{naive.isoformat(timespec='minutes')} does not exist in {zone}: "
            "the clocks skip it (daylight saving time starts)",
            value=naive,
        )
    candidates = {utc_offset(naive, zone, 0), utc_offset(naive, zone, 1)}
    if offset is not None:
        if offset not in candidates:
            expected = " or ".join(sorted(format_offset(c) for c in candidates))
            raise InvalidInput.single(
                f"UTC offset {format_offset(offset)} disagrees with {zone}, "
                f"which is {expected} at {naive.isoformat(timespec='minutes')}",
                value=naive,
            )
        chosen = offset
    elif len(candidates) > 1:
        first, second = utc_offset(naive, zone, 0), utc_offset(naive, zone, 1)
        raise InvalidInput.single(
            f"{naive.isoformat(timespec='minutes')} occurs twice in {zone} (the clocks go back); "
            f"add the UTC offset to choose: {naive.isoformat(timespec='minutes')}"
            f"{format_offset(first)} or {format_offset(second)}",
            value=naive,
        )
    else:
        (chosen,) = candidates
    return _pytz_with_offset(naive, zone, chosen)


def _pytz_with_offset(naive: dt.datetime, zone: str, offset: dt.timedelta) -> dt.datetime:
    tz = _pytz_zone(zone)
    for is_dst in (False, True):
        local = tz.localize(naive, is_dst=is_dst)
        if local.utcoffset() == offset:
            return local
    # pytz's tables end in 2037; it then repeats the last offset it knew. Its zone still holds a
    # tzinfo for every offset the zone has had, which is how pytz itself localizes.
    tzinfos = getattr(tz, "_tzinfos", {})
    matches = [t for t in tzinfos.values() if naive.replace(tzinfo=t).utcoffset() == offset]
    if not matches:
        # Local mean time before a zone's standard time has offsets in seconds, which pytz
        # rounds to minutes: such a time cannot be carried by a pytz-localized datetime.
        raise InvalidInput.single(
            f"{naive.isoformat(timespec='minutes')} is before {zone} kept standard time "
            f"(its local mean time, {format_offset(offset)}, cannot be represented)",
            value=naive,
        )
    name = naive.replace(tzinfo=check_zone(zone)).tzname()
    best = next((t for t in matches if naive.replace(tzinfo=t).tzname() == name), matches[0])
    return naive.replace(tzinfo=best)


def from_instant(instant: dt.datetime, zone: str) -> dt.datetime:
    """An aware instant as a pytz-localized datetime in ``zone``, right in any year."""
    # In UTC before the cache: aware datetimes in one zone compare by wall clock, ignoring fold,
    # so the two 02:30s of a clocks-back night would share an entry.
    return _from_instant(instant.astimezone(UTC), zone)


@functools.lru_cache(maxsize=8192)
def _from_instant(instant: dt.datetime, zone: str) -> dt.datetime:
    local = to_local(instant, zone)
    offset = local.utcoffset()
    assert offset is not None
    return _pytz_with_offset(local.replace(tzinfo=None), zone, offset)


def zone_name(value: dt.datetime) -> str | None:
    """The IANA name a datetime is written under as TZID; ``None`` for UTC (written ``Z``)."""
    tzinfo = value.tzinfo
    name = getattr(tzinfo, "zone", None) or getattr(tzinfo, "key", None)
    if not isinstance(name, str) or name in _UTC_NAMES:
        return None
    return name


def to_local(value: dt.datetime, zone: str) -> dt.datetime:
    """An aware datetime as wall-clock time in ``zone`` (``zoneinfo``: right in any year)."""
    return value.astimezone(check_zone(zone))


# --- The zone's current rule, from the POSIX TZ string at the end of its TZif file ---------------


@attrs.frozen
class _PosixDate:
    """``Mm.w.d/time``: weekday ``d`` (0 = Sunday) of week ``w`` (5 = last) of month ``m``."""

    month: int
    week: int
    weekday: int
    time: dt.timedelta

    def onset(self, year: int) -> dt.datetime:
        """The local wall-clock time (before the change) at which the rule fires in ``year``."""
        first = dt.date(year, self.month, 1)
        py_weekday = (self.weekday - 1) % 7
        day = 1 + (py_weekday - first.weekday()) % 7 + (self.week - 1) * 7
        while day > _month_length(year, self.month):
            day -= 7
        return dt.datetime(year, self.month, day) + self.time


@attrs.frozen
class _PosixZone:
    std_name: str
    std_offset: dt.timedelta
    dst_name: str | None = None
    dst_offset: dt.timedelta | None = None
    dst_start: _PosixDate | None = None
    dst_end: _PosixDate | None = None


def _month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_TIME = r"[+-]?\d{1,3}(?::\d{2}){0,2}"
_POSIX = re.compile(
    rf"^(?P<std>{_NAME})(?P<stdoff>{_TIME})"
    rf"(?:(?P<dst>{_NAME})(?P<dstoff>{_TIME})?"
    rf"(?:,(?P<start>[^,]+),(?P<end>[^,]+))?)?$"
)
_RULE = re.compile(rf"^M(?P<m>\d+)\.(?P<w>\d)\.(?P<d>\d)(?:/(?P<t>{_TIME}))?$")


def _parse_time(text: str) -> dt.timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * dt.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _parse_rule(text: str) -> _PosixDate | None:
    match = _RULE.match(text)
    if match is None:  # Julian-day forms (Jn, n): no zone in tzdata uses them today
        return None
    time = _parse_time(match["t"]) if match["t"] else dt.timedelta(hours=2)
    return _PosixDate(int(match["m"]), int(match["w"]), int(match["d"]), time)


def _parse_posix(text: str) -> _PosixZone | None:
    match = _POSIX.match(text)
    if match is None:
        return None
    # POSIX offsets count hours *west* of Greenwich: EST5 is UTC-5.
    std_offset = -_parse_time(match["stdoff"])
    if not match["dst"]:
        return _PosixZone(match["std"].strip("<>"), std_offset)
    dst_offset = (
        -_parse_time(match["dstoff"]) if match["dstoff"] else std_offset + dt.timedelta(hours=1)
    )
    if not match["start"]:
        return None
    start, end = _parse_rule(match["start"]), _parse_rule(match["end"])
    if start is None or end is None:
        return None
    return _PosixZone(
        match["std"].strip("<>"), std_offset, match["dst"].strip("<>"), dst_offset, start, end
    )


@functools.cache
def _current_rule(zone: str) -> _PosixZone | None:
    """The zone's rule for all future years, as tzdata's TZif footer states it."""
    try:
        data = _tzif(zone)
    except (OSError, ValueError):  # a zone newer than the tzdata package
        return None
    if not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")
    return _parse_posix(footer)


# --- VTIMEZONE: a small model we can both write and evaluate -------------------------------------

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
        length = _month_length(year, self.month)
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
            block = (
                icalendar.TimezoneDaylight()
                if obs.kind == "DAYLIGHT"
                else icalendar.TimezoneStandard()
            )
            block.add("dtstart", obs.start)
            if obs.rule is not None:
                block.add("rrule", obs.rule.to_ical())
            if obs.rule is None:
                # DTSTART is an onset in itself (RFC 5545 3.6.5), but Home Assistant's ``ical``
                # counts only RRULE and RDATE onsets and reads the zone as UTC without one.
                # Repeating DTSTART as an RDATE changes nothing for readers that follow the RFC.
                # One date per RDATE line: ical.js (Thunderbird) reads only the first value of
                # a comma-separated RDATE.
                for onset in (obs.start, *obs.rdates):
                    block.add("rdate", onset)
            block.add("tzoffsetfrom", obs.offset_from)
            block.add("tzoffsetto", obs.offset_to)
            block.add("tzname", obs.name)
            component.add_component(block)
        return component


@attrs.frozen
class _State:
    offset: dt.timedelta
    dst: bool
    name: str


def _state(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> _State:
    local = instant.astimezone(zone)
    return _State(local.utcoffset() or dt.timedelta(0), bool(local.dst()), local.tzname() or "")


@attrs.frozen
class _Transition:
    instant: dt.datetime  # aware, UTC
    before: _State
    after: _State


@functools.cache
def _tzif_transitions(zone: str) -> tuple[list[dt.datetime], list[_State], _State]:
    """The transitions listed in the zone's TZif file (RFC 8536): their instants, the state each
    one begins, and the state before the first. Later ones follow from the footer's rule."""
    data = _tzif(zone)
    counts = struct.unpack(">6l", data[20:44])
    if data[4:5] >= b"2":  # skip the 32-bit block: the 64-bit one after it is complete
        isutc, isstd, leap, times, types, chars = counts
        data = data[44 + times * 5 + types * 6 + chars + leap * 8 + isstd + isutc :]
        counts, size = struct.unpack(">6l", data[20:44]), 8
    else:  # pragma: no cover - tzdata ships version 2 files and newer
        size = 4
    isutc, isstd, leap, times, types, chars = counts
    body = data[44:]
    instants = struct.unpack(f">{times}{'q' if size == 8 else 'l'}", body[: times * size])
    indices = body[times * size : times * size + times]
    at = times * size + times
    kinds = [struct.unpack(">lBB", body[at + 6 * i : at + 6 * i + 6]) for i in range(types)]
    names = body[at + 6 * types : at + 6 * types + chars]

    def state(index: int) -> _State:
        offset, isdst, name_at = kinds[index]
        name = names[name_at : names.index(b"\0", name_at)].decode("ascii", "replace")
        return _State(dt.timedelta(seconds=offset), bool(isdst), name)

    return (
        [dt.datetime.fromtimestamp(t, UTC) for t in instants],
        [state(i) for i in indices],
        state(0),
    )


def _scan(zone: str, lo: dt.datetime, hi: dt.datetime) -> list[_Transition]:
    """Changes in ``(lo, hi]`` asked of ``zoneinfo``: the years the footer's rule governs."""
    info = check_zone(zone)
    found = []
    t, state = lo, _state(info, lo)
    while t < hi:
        nxt = min(t + _SCAN_STEP, hi)
        following = _state(info, nxt)
        if following != state:
            a, b = t, nxt  # state(a) == state, state(b) != state: bisect to the second
            while b - a > _SECOND:
                mid = (a + (b - a) / 2).replace(microsecond=0)
                if mid <= a:
                    mid = a + _SECOND
                if _state(info, mid) == state:
                    a = mid
                else:
                    b = mid
            found.append(_Transition(b, state, _state(info, b)))
        t, state = nxt, following
    return found


def _transitions(zone: str, lo: dt.datetime, hi: dt.datetime) -> list[_Transition]:
    """The zone's changes of offset, DST or name in ``(lo, hi]``."""
    try:
        instants, states, initial = _tzif_transitions(zone)
    except (OSError, ValueError, struct.error):  # a zone newer than the tzdata package
        return _scan(zone, lo, hi)
    first, last = bisect.bisect_right(instants, lo), bisect.bisect_right(instants, hi)
    found = [
        _Transition(instants[k], states[k - 1] if k else initial, states[k])
        for k in range(first, last)
    ]
    tail = max(lo, instants[-1]) if instants else lo
    if hi > tail:
        found += _rule_transitions(zone, tail, hi, states[-1] if states else initial)
    return found


def _rule_transitions(
    zone: str, lo: dt.datetime, hi: dt.datetime, state: _State
) -> list[_Transition]:
    """Changes in ``(lo, hi]`` by the footer's rule, which governs after the TZif list ends."""
    posix = _current_rule(zone)
    if posix is None:
        return _scan(zone, lo, hi)
    if posix.dst_start is None or posix.dst_end is None or posix.dst_offset is None:
        return []
    daylight = _State(posix.dst_offset, True, posix.dst_name or "")
    standard = _State(posix.std_offset, False, posix.std_name)
    onsets = []
    for year in range(lo.year - 1, hi.year + 2):
        # Each onset is written in the local time in force before it.
        onsets.append((posix.dst_start.onset(year) - posix.std_offset, daylight))
        onsets.append((posix.dst_end.onset(year) - posix.dst_offset, standard))
    found = []
    for naive, after in sorted(onsets, key=lambda pair: pair[0]):
        instant = naive.replace(tzinfo=UTC)
        if instant > hi:
            break
        if instant > lo and after != state:
            found.append(_Transition(instant, state, after))
        state = after  # before lo, this only brings the state up to lo
    return found


def _last_transition_before(zone: str, instant: dt.datetime) -> _Transition | None:
    window = dt.timedelta(days=400)
    hi = instant
    while hi > _EPOCH_FLOOR:
        lo = max(hi - window, _EPOCH_FLOOR)
        found = _transitions(zone, lo, hi)
        if found:
            return found[-1]
        hi, window = lo, window * 4
    return None


def _kind(transition: _Transition) -> Kind:
    # DAYLIGHT is the observance with the larger offset: a change into or out of DST that puts
    # the clocks forward. tzdata marks Europe/Dublin's winter as negative DST, so its summer
    # begins by leaving DST; a change of standard offset alone is no DAYLIGHT.
    before, after = transition.before, transition.after
    if before.dst != after.dst and after.offset > before.offset:
        return "DAYLIGHT"
    return "STANDARD"


def _rule_form(date: _PosixDate) -> tuple[YearlyRule, dt.timedelta] | None:
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
        length = _month_length(2001, date.month)
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
    posix = _current_rule(zone)
    if posix is None:
        return None
    if posix.dst_start is None or posix.dst_end is None or posix.dst_offset is None:
        start = _fixed_start(first)
        return ZoneDefinition(
            zone,
            (Observance("STANDARD", posix.std_name, posix.std_offset, posix.std_offset, start),),
        )
    phases = [
        # (name, offset, onset date, offset before the onset)
        (posix.dst_name or "", posix.dst_offset, posix.dst_start, posix.std_offset),
        (posix.std_name, posix.std_offset, posix.dst_end, posix.dst_offset),
    ]
    daylight = max(phases, key=lambda p: p[1])
    first_naive = first.astimezone(UTC).replace(tzinfo=None)
    observances = []
    for name, offset, date, offset_from in phases:
        form = _rule_form(date)
        if form is None:
            return None
        rule, _ = form
        onsets = [date.onset(y) for y in (first_naive.year - 1, first_naive.year)]
        start = max(o for o in onsets if o - offset_from <= first_naive)
        kind: Kind = "DAYLIGHT" if (name, offset) == daylight[:2] else "STANDARD"
        observances.append(Observance(kind, name, offset_from, offset, start, rule))
    observances.sort(key=lambda o: o.kind, reverse=True)  # STANDARD first, as Outlook writes it
    return ZoneDefinition(zone, tuple(observances))


def _transition_definition(zone: str, first: dt.datetime, last: dt.datetime) -> ZoneDefinition:
    """Every transition from the one in force at ``first`` to ``last``, as RDATEs."""
    info = check_zone(zone)
    opening = _last_transition_before(zone, first)
    changes = ([opening] if opening else []) + _transitions(zone, first, last)
    # Without a transition before ``first`` (none since 1850), the state at ``first`` opens.
    state = _state(info, first)
    observances = (
        []
        if opening
        else [Observance("STANDARD", state.name, state.offset, state.offset, _fixed_start(first))]
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
    info = check_zone(definition.zone)
    onsets, offsets = definition.offsets(last.year + 1)
    if not onsets or onsets[0] > first.replace(tzinfo=None):
        return False

    def written(instant: dt.datetime) -> dt.timedelta:
        return offsets[bisect.bisect_right(onsets, instant.replace(tzinfo=None)) - 1]

    points = {first, last}
    points.update(t.instant for t in _transitions(definition.zone, first, last))
    naive_first, naive_last = first.replace(tzinfo=None), last.replace(tzinfo=None)
    points.update(o.replace(tzinfo=UTC) for o in onsets if naive_first < o <= naive_last)
    for point in points:
        for instant in (point, point - _SECOND):
            if instant < first:
                continue
            if written(instant) != _state(info, instant).offset:
                return False
    return True


#: Spans over which a rule definition was checked, per definition. A definition that agrees with
#: ``zoneinfo`` over a span agrees over every part of it: a day's or an event's calendar within
#: the whole programme's span needs no second check.
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


def vtimezone(zone: str, first: dt.datetime, last: dt.datetime) -> icalendar.Timezone:
    """The VTIMEZONE component for ``zone`` over ``[first, last]``; see :func:`zone_definition`."""
    return zone_definition(zone, first, last).to_component()
