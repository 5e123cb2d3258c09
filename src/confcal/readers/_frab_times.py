"""When a pretalx/frab session starts and ends: its ``date``, ``start``, ``duration`` and ``end``.

Files say it in several ways (an offset-bearing ``date``; a day's date and a ``start`` clock, as
old pentabarf files have it; a ``duration`` in ``HH:MM``, ``H:MM:SS`` or pretalx's ``D:HH:MM``;
the hub's ``end``), and not always consistently. The instant is kept where the file gives one,
with a warning where its other fields disagree; a session lasts the elapsed time the file says,
across clock changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from confcal import zones
from confcal.errors import shown

from ._common import Collector, parse_clock
from ._frab_parsed import RawEvent, clean

__all__ = ["Setting", "end", "parse_instant", "pretalx_durations", "printed", "start"]


@attrs.frozen
class Setting:
    """Where an event's times are read: the problems' collector, the zone, the day change, and
    whether the file writes a duration under a day in two parts, ``HH:MM``, as pretalx does (so
    that its three-part ones are days, hours and minutes: :func:`_clock_duration`)."""

    out: Collector
    zone: str
    day_change: dt.time
    pretalx_durations: bool = False
    #: Read an offset-bearing ``date`` (and ``end``) as the wall-clock time it prints, in
    #: :attr:`zone`, not as the instant its UTC offset makes it (:mod:`._frab_offsets`).
    clock: bool = False


def pretalx_durations(texts: Iterable[str | None]) -> bool:
    """Whether any of a file's durations ``texts`` is ``HH:MM``: pretalx writes those for a
    session under a day, and ``D:HH:MM`` for a longer one; pentabarf and Python exporters write
    three parts for every session."""
    return any(text is not None and text.count(":") == 1 for text in texts)


def start(setting: Setting, raw: RawEvent, label: str) -> dt.datetime | None:
    date_text = clean(raw.text.get("date"))
    start_text = clean(raw.text.get("start"))
    if date_text is None:
        return _start_from_day(setting, raw, label, start_text)
    out = setting.out
    parsed = parse_instant(date_text)
    if parsed is None:
        out.problem(
            f"{shown(date_text)} is not a date and time such as 2024-12-27T10:30:00+01:00",
            event=label, field="date", value=date_text,
        )  # fmt: skip
        return None
    if not out.in_years(parsed, date_text, event=label, field="date"):
        return None
    local: dt.datetime | None
    if parsed.tzinfo is None or setting.clock:
        local = _printed(setting, parsed, raw, label, "date", date_text)
    else:
        local = out.localized(
            lambda: zones.from_instant(parsed, setting.zone), date_text, event=label, field="date"
        )
    if local is not None and _printed_elsewhere(start_text, parsed):
        out.repair(
            "whose start is not the time their date prints, published at the date's", raw.place
        )
    return local


def _printed_elsewhere(start_text: str | None, date: dt.datetime) -> bool:
    """Whether the file's ``start`` is another time of day than its ``date`` prints (a start
    to the minute agrees with a date to the second: 11:42 with 11:42:23). Where the date's
    offset is what disagrees, :mod:`._frab_offsets` says so."""
    printed = parse_clock(start_text) if start_text else None
    if printed is None:
        return False
    wall = date.time().replace(tzinfo=None, microsecond=0)
    return printed != (wall.replace(second=0) if not printed.second else wall)


def _start_from_day(
    setting: Setting, raw: RawEvent, label: str, start_text: str | None
) -> dt.datetime | None:
    """No ``date``: the day's date and the ``start`` clock, as old pentabarf files have it."""
    clock = parse_clock(start_text) if start_text else None
    day_date = None
    if raw.day is not None and raw.day.date:
        try:
            day_date = dt.date.fromisoformat(raw.day.date)
        except ValueError:
            day_date = None
        if day_date is not None and not setting.out.in_years(
            day_date, raw.day.date, event=label, field="day"
        ):
            return None
    if clock is None or day_date is None:
        setting.out.problem(
            "is required (an offset-bearing date and time such as 2024-12-27T10:30:00+01:00)",
            event=label, field="date",
        )  # fmt: skip
        return None
    # Listed under its conference day: a time before the day change is after midnight.
    if clock < setting.day_change:
        day_date += dt.timedelta(days=1)
    naive = dt.datetime.combine(day_date, clock)
    return _printed(setting, naive, raw, label, "start", start_text or "")


def _printed(
    setting: Setting, written: dt.datetime, raw: RawEvent, label: str, field: str, text: str
) -> dt.datetime | None:
    """The time ``written`` prints, in the zone (:func:`printed`), its repair said; a problem
    where the zone cannot have it (before the zone kept standard time)."""
    naive, offset = written.replace(tzinfo=None), written.utcoffset()
    found = setting.out.localized(
        lambda: printed(naive, setting.zone, offset), text, event=label, field=field
    )
    if found is None:
        return None
    instant, repaired = found
    if repaired is not None:
        setting.out.repair(repaired, raw.place)
    return instant


def printed(
    naive: dt.datetime, zone: str, written: dt.timedelta | None = None
) -> tuple[dt.datetime, str | None]:
    """The instant a wall-clock time a programme prints is in ``zone``, and the words of the
    repair that took, if one did.

    A time the clocks repeat is the one the file's own offset (``written``) names, where it
    names one of the two; else the first. A time the clocks skip is read as RFC 5545 reads one,
    with the offset before the gap (02:30 on a spring-forward night is 03:30). Either is a
    session the file has, which is published rather than refused: the file is not the
    organizer's to fix.
    """
    if zones.is_ambiguous(naive, zone):
        first = zones.utc_offset(naive, zone, 0)
        if written is not None and written in (first, zones.utc_offset(naive, zone, 1)):
            return zones.localize(naive, zone, written), None
        words = f"at a time the clocks repeat in {zone}, read as the first of the two"
        return zones.localize(naive, zone, first), words
    if not zones.exists(naive, zone):
        instant = (naive - zones.utc_offset(naive, zone, 0)).replace(tzinfo=dt.UTC)
        words = (
            f"at a time the clocks skip in {zone}, read with the offset before the gap, as "
            "RFC 5545 reads one (02:30 on a spring-forward night is 03:30)"
        )
        return zones.from_instant(instant, zone), words
    return zones.localize(naive, zone), None


def end(setting: Setting, raw: RawEvent, label: str, start: dt.datetime) -> dt.datetime | None:
    out = setting.out
    end_text = clean(raw.text.get("end"))
    duration_text = clean(raw.text.get("duration"))
    duration = None
    if duration_text is not None:
        duration = _duration(setting, duration_text, label)
        if duration is None:
            return None
    if end_text is not None:
        end_instant = _end_instant(setting, end_text, raw, label)
        if end_instant is not None and duration is not None and end_instant - start != duration:
            out.repair(
                "whose end is not their start plus their duration, ending at the end", raw.place
            )
    elif duration_text is not None and duration is not None:
        elapsed = out.end_after(start, duration, duration_text, event=label, field="duration")
        end_instant = elapsed if isinstance(elapsed, dt.datetime) else None
    else:
        out.problem("is required (or an end)", event=label, field="duration")
        return None
    if end_instant is None:
        return None
    field, text = ("end", end_text) if end_text else ("duration", duration_text or "")
    if end_instant <= start:
        what = "has no length" if end_instant == start else "ends before it starts"
        out.problem(f"the session {what}", event=label, field=field, value=text)
        return None
    return out.localized(
        lambda: zones.from_instant(end_instant, setting.zone), text, event=label, field=field
    )


def _duration(setting: Setting, text: str, label: str) -> dt.timedelta | None:
    out = setting.out
    try:
        duration = _clock_duration(text, pretalx=setting.pretalx_durations)
    except OverflowError:  # 99999999999:00: more days than Python counts
        out.too_late(text, event=label, field="duration")
        return None
    if duration is None:
        out.problem(
            f"{shown(text)} is not a duration such as 00:45 (HH:MM)",
            event=label, field="duration", value=text,
        )  # fmt: skip
    return duration


def _end_instant(setting: Setting, text: str, raw: RawEvent, label: str) -> dt.datetime | None:
    out = setting.out
    end = parse_instant(text)
    if end is None or end.tzinfo is None:
        out.problem(
            f"{shown(text)} is not a date and time with a UTC offset",
            event=label, field="end", value=text,
        )  # fmt: skip
        return None
    if not out.in_years(end, text, event=label, field="end"):
        return None
    if setting.clock:
        return _printed(setting, end, raw, label, "end", text)
    return end


def _clock_duration(text: str, *, pretalx: bool = False) -> dt.timedelta | None:
    """A frab/pretalx duration: ``HH:MM`` (hours may exceed 24), ``H:MM:SS`` or ``D:HH:MM``.

    Three parts are two forms. pentabarf writes ``00:30:00`` and Python exporters (wafer,
    symposion: ``str(timedelta)``) ``1:15:00``: hours, minutes, seconds. pretalx writes ``HH:MM``
    under a day and ``1:02:30`` for a day or more: days (unpadded, never 0), hours, minutes.
    Told apart by the parts' ranges: hours first where the first part is zero-padded (``00``,
    ``01``: no day count is) or the second is 24 or more (no hour is); days first where the last
    is not ``00`` (a programme schedules in minutes: no session lasts to the second). What is
    left, ``1:15:00`` or ``1:02:00``, is hours first, unless the file writes its other durations
    as ``HH:MM`` (``pretalx``): then only a day or more takes three parts.
    :class:`OverflowError` for one longer than Python counts (``99999999999:00``), which would
    end past any year a programme may name.
    """
    parts = text.strip().split(":")
    if (
        not 2 <= len(parts) <= 3
        or not all(p.isdigit() and p.isascii() for p in parts)
        or any(len(p) != 2 for p in parts[1:])
    ):
        return None
    if len(parts[0].lstrip("0")) > 15:  # int() refuses past 4,300 digits; timedelta past 10**10 h
        raise OverflowError(text)
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        return None
    if len(parts) == 2:
        return dt.timedelta(hours=numbers[0], minutes=numbers[1])
    first, middle, last = numbers
    hours_first = parts[0].startswith("0") or middle >= 24 or not (last or pretalx)
    if hours_first:
        return dt.timedelta(hours=first, minutes=middle, seconds=last)
    return dt.timedelta(days=first, hours=middle, minutes=last)


def parse_instant(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if "T" in text or " " in text.strip() else None
