"""A zone's history and rule as tzdata writes them: TZif files (RFC 8536) and their POSIX footer.

Private machinery of :mod:`confcal.zones` and :mod:`confcal._vtimezone`, apart from them because it
is a file format of its own and knows nothing of iCalendar. Everything is read from the ``tzdata``
package, not the machine's zoneinfo, so the same input gives the same calendar on every machine.
The transitions a zone's TZif file lists are its past; after the list ends, the rule of the POSIX
TZ string in the file's footer governs (and ``zoneinfo`` is asked directly where it cannot).

Caches (``functools.cache``; thread-safe, a race at worst reads a file twice), keyed by zone name,
so bounded by the zones tzdata knows (about 600) of which a process uses a handful:
:func:`current_rule` (the parsed footer) and :func:`tzif_transitions` (the parsed list). A rule's
onset in a year: ``lru_cache(maxsize=1024)`` (``_onset``).
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

import attrs

__all__ = [
    "PosixDate",
    "PosixZone",
    "State",
    "Transition",
    "current_rule",
    "last_transition_before",
    "month_length",
    "scan",
    "state",
    "transitions",
    "tzdata_names",
    "tzdata_zone",
    "tzif_transitions",
]

UTC = dt.UTC
#: Wide enough that no two transitions of a real zone fall inside one step.
_SCAN_STEP = dt.timedelta(hours=12)
_SECOND = dt.timedelta(seconds=1)
#: The oldest instant a VTIMEZONE's first observance may need to reach back to.
_EPOCH_FLOOR = dt.datetime(1850, 1, 1, tzinfo=UTC)


def _tzif(name: str) -> bytes:
    return importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()


def tzdata_names() -> list[str]:
    """Every zone name the ``tzdata`` package lists, sorted: the names :func:`tzdata_zone`
    knows."""
    listed = importlib.resources.files("tzdata").joinpath("zones").read_text("utf-8")
    return sorted(listed.split())


def tzdata_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone from the ``tzdata`` package, whatever the machine's own zoneinfo holds.

    The same input must give the same calendar on every machine, and the rule read from the
    package's TZif footer must be checked against the same data. So a name the package lacks is
    no zone (:class:`zoneinfo.ZoneInfoNotFoundError`), even where the machine's zoneinfo has it
    (a zone newer than the installed ``tzdata``: update the package).
    """
    if ".." in name.split("/") or "\\" in name:
        raise ValueError(name)
    try:
        data = _tzif(name)
    except (OSError, ValueError):
        raise zoneinfo.ZoneInfoNotFoundError(f"no zone {name!r} in the tzdata package") from None
    return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=name)


# --- The zone's current rule, from the POSIX TZ string at the end of its TZif file ---------------


def month_length(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


@attrs.frozen
class PosixDate:
    """``Mm.w.d/time``: weekday ``d`` (0 = Sunday) of week ``w`` (5 = last) of month ``m``."""

    month: int
    week: int
    weekday: int
    time: dt.timedelta

    def onset(self, year: int) -> dt.datetime:
        """The local wall-clock time (before the change) at which the rule fires in ``year``."""
        return _onset(self, year)


@functools.lru_cache(maxsize=1024)
def _onset(date: PosixDate, year: int) -> dt.datetime:
    """:meth:`PosixDate.onset`, remembered: each calendar of a build (10,000 session files)
    asks for the same few years of the same rules."""
    first = dt.date(year, date.month, 1)
    py_weekday = (date.weekday - 1) % 7
    day = 1 + (py_weekday - first.weekday()) % 7 + (date.week - 1) * 7
    while day > month_length(year, date.month):
        day -= 7
    return dt.datetime(year, date.month, day) + date.time


@attrs.frozen
class PosixZone:
    std_name: str
    std_offset: dt.timedelta
    dst_name: str | None = None
    dst_offset: dt.timedelta | None = None
    dst_start: PosixDate | None = None
    dst_end: PosixDate | None = None


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


def _parse_rule(text: str) -> PosixDate | None:
    match = _RULE.match(text)
    if match is None:  # Julian-day forms (Jn, n): no zone in tzdata uses them today
        return None
    time = _parse_time(match["t"]) if match["t"] else dt.timedelta(hours=2)
    return PosixDate(int(match["m"]), int(match["w"]), int(match["d"]), time)


def _parse_posix(text: str) -> PosixZone | None:
    match = _POSIX.match(text)
    if match is None:
        return None
    # POSIX offsets count hours *west* of Greenwich: EST5 is UTC-5.
    std_offset = -_parse_time(match["stdoff"])
    if not match["dst"]:
        return PosixZone(match["std"].strip("<>"), std_offset)
    dst_offset = (
        -_parse_time(match["dstoff"]) if match["dstoff"] else std_offset + dt.timedelta(hours=1)
    )
    if not match["start"]:
        return None
    start, end = _parse_rule(match["start"]), _parse_rule(match["end"])
    if start is None or end is None:
        return None
    return PosixZone(
        match["std"].strip("<>"), std_offset, match["dst"].strip("<>"), dst_offset, start, end
    )


@functools.cache
def current_rule(zone: str) -> PosixZone | None:
    """The zone's rule for all future years, as tzdata's TZif footer states it."""
    try:
        data = _tzif(zone)
    except (OSError, ValueError):  # a zone newer than the tzdata package
        return None
    if not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")
    return _parse_posix(footer)


# --- Transitions: the TZif list, then the footer's rule ------------------------------------------


@attrs.frozen
class State:
    offset: dt.timedelta
    dst: bool
    name: str


def state(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> State:
    """What ``zoneinfo`` says the zone is at ``instant``."""
    local = instant.astimezone(zone)
    return State(local.utcoffset() or dt.timedelta(0), bool(local.dst()), local.tzname() or "")


@attrs.frozen
class Transition:
    instant: dt.datetime  # aware, UTC
    before: State
    after: State


@functools.cache
def tzif_transitions(zone: str) -> tuple[list[dt.datetime], list[State], State]:
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

    def state_of(index: int) -> State:
        offset, isdst, name_at = kinds[index]
        name = names[name_at : names.index(b"\0", name_at)].decode("ascii", "replace")
        return State(dt.timedelta(seconds=offset), bool(isdst), name)

    return (
        [dt.datetime.fromtimestamp(t, UTC) for t in instants],
        [state_of(i) for i in indices],
        state_of(0),
    )


def scan(zone: str, lo: dt.datetime, hi: dt.datetime) -> list[Transition]:
    """Changes in ``(lo, hi]`` asked of ``zoneinfo``: the years the footer's rule governs."""
    info = tzdata_zone(zone)
    found = []
    t, current = lo, state(info, lo)
    while t < hi:
        nxt = min(t + _SCAN_STEP, hi)
        following = state(info, nxt)
        if following != current:
            a, b = t, nxt  # state(a) == current, state(b) != current: bisect to the second
            while b - a > _SECOND:
                mid = (a + (b - a) / 2).replace(microsecond=0)
                if mid <= a:
                    mid = a + _SECOND
                if state(info, mid) == current:
                    a = mid
                else:
                    b = mid
            found.append(Transition(b, current, state(info, b)))
        t, current = nxt, following
    return found


def transitions(zone: str, lo: dt.datetime, hi: dt.datetime) -> list[Transition]:
    """The zone's changes of offset, DST or name in ``(lo, hi]``."""
    try:
        instants, states, initial = tzif_transitions(zone)
    except (OSError, ValueError, struct.error):  # a zone newer than the tzdata package
        return scan(zone, lo, hi)
    first, last = bisect.bisect_right(instants, lo), bisect.bisect_right(instants, hi)
    found = [
        Transition(instants[k], states[k - 1] if k else initial, states[k])
        for k in range(first, last)
    ]
    tail = max(lo, instants[-1]) if instants else lo
    if hi > tail:
        found += _rule_transitions(zone, tail, hi, states[-1] if states else initial)
    return found


def _rule_transitions(zone: str, lo: dt.datetime, hi: dt.datetime, now: State) -> list[Transition]:
    """Changes in ``(lo, hi]`` by the footer's rule, which governs after the TZif list ends."""
    posix = current_rule(zone)
    if posix is None:
        return scan(zone, lo, hi)
    if posix.dst_start is None or posix.dst_end is None or posix.dst_offset is None:
        return []
    daylight = State(posix.dst_offset, True, posix.dst_name or "")
    standard = State(posix.std_offset, False, posix.std_name)
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
        if instant > lo and after != now:
            found.append(Transition(instant, now, after))
        now = after  # before lo, this only brings the state up to lo
    return found


def last_transition_before(zone: str, instant: dt.datetime) -> Transition | None:
    """The zone's last change at or before ``instant`` (none since 1850: ``None``)."""
    window = dt.timedelta(days=400)
    hi = instant
    while hi > _EPOCH_FLOOR:
        lo = max(hi - window, _EPOCH_FLOOR)
        found = transitions(zone, lo, hi)
        if found:
            return found[-1]
        hi, window = lo, window * 4
    return None
