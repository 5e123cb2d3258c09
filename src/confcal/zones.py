"""Time zones: wall-clock times of a programme as aware datetimes, right in any year.

Two sources of truth are used on purpose. ``pytz`` is the localizer the public model exposes
(``Event.start.tzinfo`` is a pytz zone), but its tables stop knowing DST after 2037. The standard
library's ``zoneinfo`` with ``tzdata`` knows every zone's rules for all years, so every offset is
decided by ``zoneinfo`` and pytz is only asked for the tzinfo object that carries that offset.
Zones are read from the ``tzdata`` package (:mod:`confcal._tzif`), never the machine's zoneinfo
(a name the package lacks is an unknown zone, even where the machine has it), so the same input
gives the same calendar everywhere, or the same error. The VTIMEZONE written for a zone is
:mod:`confcal._vtimezone`'s.

Caches, all ``functools`` caches (thread-safe; a race at worst computes an entry twice):

- by zone name, unbounded but limited to the names pytz and tzdata both know (about 600):
  ``_get_zone`` (the ``zoneinfo`` zone, after checking the name) and ``_pytz_zone``;
- by wall-clock time (naive, with ``fold`` where it matters) and zone name, ``maxsize=8192`` each,
  because programmes repeat their slot times across rooms and days: ``_utc_offset``,
  ``_exists``, ``_is_ambiguous`` and ``_localize`` (plus the offset asked for);
- by instant (in UTC) and zone name, ``maxsize=8192``: ``_from_instant``.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import pytz
from pytz.tzinfo import BaseTzInfo

from ._tzif import tzdata_names, tzdata_zone
from .errors import InvalidInput, shown

__all__ = [
    "exists",
    "format_offset",
    "from_instant",
    "get_zone",
    "is_ambiguous",
    "localize",
    "names",
    "to_local",
    "utc_iso",
    "utc_offset",
    "zone_name",
]

#: Names that mean UTC itself: times in them are written with ``Z`` and need no VTIMEZONE.
_UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"}
)


def get_zone(name: str) -> zoneinfo.ZoneInfo:
    """The ``zoneinfo`` zone of an IANA name; :class:`InvalidInput` for an unknown name."""
    if not isinstance(name, str):
        raise InvalidInput.single(
            f"must be an IANA time zone name such as 'America/New_York', "
            f"not {type(name).__name__}: {shown(name)}",
            field="timezone",
            value=name,
        )
    return _get_zone(name)


def names() -> list[str]:
    """Every IANA zone name :func:`get_zone` may take (the ``tzdata`` package's), sorted: what
    the command line completes ``--timezone`` and ``--tz`` from."""
    return tzdata_names()


@functools.cache
def _get_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        zone = tzdata_zone(name)
        _pytz_zone(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError, pytz.UnknownTimeZoneError, OSError):
        raise InvalidInput.single(
            f"unknown time zone {shown(name)} (expected an IANA name such as 'America/New_York')",
            field="timezone",
            value=name,
        ) from None
    return zone


@functools.cache
def _pytz_zone(name: str) -> BaseTzInfo:
    return pytz.timezone(name)


def utc_offset(naive: dt.datetime, zone: str, fold: int = 0) -> dt.timedelta:
    """The UTC offset of a wall-clock time in ``zone``; ``fold=1``: the repeated hour's second.

    Raises:
        InvalidInput: an unknown zone.
    """
    return _utc_offset(_wall(naive), zone, fold)


def exists(naive: dt.datetime, zone: str) -> bool:
    """Whether a wall-clock time occurs in ``zone`` (not skipped when the clocks go forward).

    Raises:
        InvalidInput: an unknown zone.
    """
    return _exists(_wall(naive), zone)


def is_ambiguous(naive: dt.datetime, zone: str) -> bool:
    """Whether a wall-clock time occurs twice in ``zone`` (when clocks go back).

    Raises:
        InvalidInput: an unknown zone.
    """
    return _is_ambiguous(_wall(naive), zone)


def _wall(value: dt.datetime) -> dt.datetime:
    # The caches below hold naive keys only: aware datetimes compare by instant, not wall clock.
    return value if value.tzinfo is None else value.replace(tzinfo=None)


# Programmes repeat their slot times across rooms and days, so the wall-clock questions below are
# asked thousands of times over: they remember their answers (see the module's doc).
@functools.lru_cache(maxsize=8192)
def _utc_offset(naive: dt.datetime, zone: str, fold: int) -> dt.timedelta:
    offset = naive.replace(tzinfo=get_zone(zone), fold=fold).utcoffset()
    assert offset is not None
    return offset


@functools.lru_cache(maxsize=8192)
def _exists(naive: dt.datetime, zone: str) -> bool:
    aware = naive.replace(tzinfo=get_zone(zone))
    return aware.astimezone(dt.UTC).astimezone(get_zone(zone)).replace(tzinfo=None) == naive


@functools.lru_cache(maxsize=8192)
def _is_ambiguous(naive: dt.datetime, zone: str) -> bool:
    return _exists(naive, zone) and _utc_offset(naive, zone, 0) != _utc_offset(naive, zone, 1)


def format_offset(offset: dt.timedelta) -> str:
    """``offset`` as ISO 8601 writes it: ``+05:30``, ``-04:00`` (with seconds where it has any)."""
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    text = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def utc_iso(value: dt.date) -> str:
    """``YYYY-MM-DD``, or ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, zero-padded in any year: how the
    history, the page and Outlook's links write a session's time."""
    if isinstance(value, dt.datetime):
        # isoformat pads the year to four digits; in UTC it ends "+00:00", written "Z".
        return value.astimezone(dt.UTC).isoformat(timespec="seconds")[:19] + "Z"
    return value.isoformat()


def localize(naive: dt.datetime, zone: str, offset: dt.timedelta | None = None) -> dt.datetime:
    """Attach ``zone`` to a wall-clock time, the way the printed programme means it.

    Returns a pytz-localized datetime whose offset is right for any year (see the module doc).
    A time that does not exist (the spring-forward gap) is refused; so is one that occurs twice,
    unless ``offset`` says which of the two is meant. An ``offset`` that the zone never has at
    that wall-clock time is refused.

    Raises:
        InvalidInput: an unknown zone, a time the clocks skip, a time that occurs twice
            without the ``offset`` that picks one, or an ``offset`` the zone never has then.
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
    get_zone(zone)  # before the cache below, which needs a hashable name
    if offset is not None and not isinstance(offset, dt.timedelta):
        raise InvalidInput.single(
            f"the UTC offset must be a timedelta, not {type(offset).__name__}: {shown(offset)}",
            value=offset,
        )
    return _localize(naive, naive.fold, zone, offset)


@functools.lru_cache(maxsize=8192)
def _localize(naive: dt.datetime, fold: int, zone: str, offset: dt.timedelta | None) -> dt.datetime:
    # ``fold`` is part of the key: naive datetimes that differ only in it compare equal.
    get_zone(zone)
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
    # pytz's tables end in 2037; it then repeats the last offset it knew.
    matches = [t for t in _pytz_tzinfos(tz) if naive.replace(tzinfo=t).utcoffset() == offset]
    if not matches:
        # Local mean time before a zone's standard time has offsets in seconds, which pytz
        # rounds to minutes: such a time cannot be carried by a pytz-localized datetime.
        raise InvalidInput.single(
            f"{naive.isoformat(timespec='minutes')} is before {zone} kept standard time "
            f"(its local mean time, {format_offset(offset)}, cannot be represented)",
            value=naive,
        )
    name = naive.replace(tzinfo=get_zone(zone)).tzname()
    best = next((t for t in matches if naive.replace(tzinfo=t).tzname() == name), matches[0])
    return naive.replace(tzinfo=best)


def _pytz_tzinfos(tz: BaseTzInfo) -> list[dt.tzinfo]:
    """Every tzinfo of a pytz zone: one per (offset, DST, name) the zone has had, in pytz's order.

    pytz exposes them only as its zone's private ``_tzinfos`` (its own ``localize`` and
    ``normalize`` pick from it). A datetime carrying one of them is what pytz itself would make
    for that offset, which no public pytz call can give for a year past its tables (2037). This
    is the only place confcal reaches into pytz. A zone that never changed offset (a
    ``StaticTzInfo``) has no such table: ``localize`` has already given its one offset.
    """
    tzinfos: dict[object, dt.tzinfo] = getattr(tz, "_tzinfos", {})
    return list(tzinfos.values())


def from_instant(instant: dt.datetime, zone: str) -> dt.datetime:
    """An aware instant as a pytz-localized datetime in ``zone``, right in any year.

    Raises:
        InvalidInput: an unknown zone.
    """
    # In UTC before the cache: aware datetimes in one zone compare by wall clock, ignoring fold,
    # so the two 02:30s of a clocks-back night would share an entry.
    return _from_instant(instant.astimezone(dt.UTC), zone)


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
    """An aware datetime as wall-clock time in ``zone`` (``zoneinfo``: right in any year).

    Raises:
        InvalidInput: an unknown zone.
    """
    return value.astimezone(get_zone(zone))
