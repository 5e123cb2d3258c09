"""Independent iCalendar readers, each giving ``{UID: (start, end)}`` in UTC (dates for all-day).

Clients resolve a TZID in different ways, and each way is represented:
- by the file's own VTIMEZONE: Thunderbird's ical.js and Evolution's libical (where installed:
  ``.ci/run`` installs them), dateutil's tzical, and Home Assistant's ``ical`` and
  ``icalendar`` with the TZID renamed so that neither can look it up;
- by the TZID's IANA name (Google, Apple): ``ics``, ``icalendar`` and ``vobject`` as they are
  (vobject cannot serve as a VTIMEZONE reader: it takes a zone whose offset is 0 at 2000-01-01
  and that has no transitions in 2000-2020 in the file, such as London's VTIMEZONE of 2024, for
  UTC, and then leaves the times naive);
- the way Outlook and Exchange do ([MS-OXCICAL] 2.1.3.1.1.19): :func:`outlook`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import icalendar

from ical_props import prop, when

Times = dict[str, tuple[dt.datetime | dt.date, dt.datetime | dt.date]]
UTC = dt.UTC


def _utc(value: dt.datetime | dt.date) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None, value
        return value.astimezone(UTC)
    return value


_calls = itertools.count()


def hide_zone_names(data: bytes) -> str:
    """The calendar with every TZID renamed, so a reader must use the VTIMEZONE in the file.

    The new names differ on every call: vobject and icalendar keep zones by TZID process-wide,
    and must not answer from a VTIMEZONE read for another test.
    """
    tag = f"X-Only-In-File-{next(_calls)}-"
    return re.sub(
        r"(TZID[=:])([^:;\r\n]+)", lambda m: m[1] + tag + m[2].replace("/", "-"), data.decode()
    )


def by_dateutil_tzical(data: bytes) -> Times:
    """dateutil's VTIMEZONE reader (the engine inside vobject and ics.py), applied to each event."""
    from dateutil.tz import tzical

    blocks = re.findall(r"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", data.decode(), flags=re.S)
    zones = tzical(io.StringIO("".join(blocks))) if blocks else None
    result: Times = {}
    for ev in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        times = []
        for name in ("DTSTART", "DTEND"):
            tzid = prop(ev, name, icalendar.vDDDTypes).params.get("TZID")
            value = when(ev, name)
            if tzid:
                assert zones is not None and isinstance(value, dt.datetime)
                value = value.replace(tzinfo=zones.get(tzid))
            times.append(_utc(value))
        result[str(ev["UID"])] = (times[0], times[1])
    return result


def by_vobject(data: bytes) -> Times:
    """vobject as a client uses it: it resolves an IANA TZID by name (through pytz)."""
    import vobject

    # vobject keeps every zone it has read by TZID, for the whole process: start afresh, as a
    # client opening this one file would.
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    vobject.icalendar.registerTzid("UTC", vobject.icalendar.utc)
    cal = vobject.readOne(data.decode())
    return {ev.uid.value: (_utc(ev.dtstart.value), _utc(ev.dtend.value)) for ev in cal.vevent_list}


def by_ical_file_zone(data: bytes) -> Times:
    from ical.calendar_stream import IcsCalendarStream

    cal = IcsCalendarStream.calendar_from_ics(hide_zone_names(data))
    result: Times = {}
    for ev in cal.events:
        assert ev.dtstart is not None and ev.dtend is not None, ev.uid
        result[ev.uid] = (_utc(ev.dtstart), _utc(ev.dtend))
    return result


def by_icalendar_file_zone(data: bytes) -> Times:
    cal = icalendar.Calendar.from_ical(hide_zone_names(data))
    return {
        str(ev["UID"]): (_utc(ev.decoded("DTSTART")), _utc(ev.decoded("DTEND")))
        for ev in cal.walk("VEVENT")
    }


def by_ics_name(data: bytes) -> Times:
    import ics

    cal = ics.Calendar(data.decode())
    result: Times = {}
    for ev in cal.events:
        if ev.all_day:
            result[ev.uid] = (ev.begin.date(), ev.end.date())
        else:
            result[ev.uid] = (ev.begin.datetime.astimezone(UTC), ev.end.datetime.astimezone(UTC))
    return result


def by_icalendar_name(data: bytes) -> Times:
    cal = icalendar.Calendar.from_ical(data)
    return {
        str(ev["UID"]): (_utc(ev.decoded("DTSTART")), _utc(ev.decoded("DTEND")))
        for ev in cal.walk("VEVENT")
    }


# --- Outlook's reading: one yearly rule per zone ---

_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
#: A yearly transition: month, n-th (or -1 for last), weekday (0 is Monday), local time of day.
Rule = tuple[int, int, int, dt.timedelta]


class NotOutlookReadable(AssertionError):
    """The VTIMEZONE is not one Outlook can approximate as [MS-OXCICAL] describes."""


def _yearly_rule(block: icalendar.cal.Component) -> Rule:
    rule = block.get("RRULE")
    if rule is None:
        raise NotOutlookReadable(f"{block.name} has no RRULE")
    if set(rule) - {"FREQ", "BYMONTH", "BYDAY"} or rule["FREQ"] != ["YEARLY"]:
        raise NotOutlookReadable(f"not FREQ=YEARLY;BYMONTH;BYDAY: {rule.to_ical()!r}")
    (month,) = rule["BYMONTH"]
    (byday,) = rule["BYDAY"]
    match = re.fullmatch(r"(-1|[1-4])([A-Z]{2})", str(byday))
    if not match:
        raise NotOutlookReadable(f"BYDAY={byday} is not nDD")
    start = block.decoded("DTSTART")
    time = start - dt.datetime.combine(start.date(), dt.time())
    return int(month), int(match[1]), _WEEKDAYS.index(match[2]), time


def _nth_weekday(year: int, month: int, nth: int, weekday: int) -> dt.date:
    days = [
        dt.date(year, month, d)
        for d in range(1, 32)
        if _valid(year, month, d) and dt.date(year, month, d).weekday() == weekday
    ]
    return days[nth - 1] if nth > 0 else days[nth]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _constant(offset: dt.timedelta) -> Callable[[dt.datetime], dt.timedelta]:
    return lambda local: offset


def outlook_zones(data: bytes) -> dict[str, Callable[[dt.datetime], dt.timedelta]]:
    """For each VTIMEZONE, the function from local wall-clock time to UTC offset Outlook uses."""
    cal = icalendar.Calendar.from_ical(data)
    zones: dict[str, Callable[[dt.datetime], dt.timedelta]] = {}
    for vtz in cal.walk("VTIMEZONE"):
        standards = [c for c in vtz.subcomponents if c.name == "STANDARD"]
        daylights = [c for c in vtz.subcomponents if c.name == "DAYLIGHT"]
        if not standards:
            raise NotOutlookReadable(f"{vtz['TZID']} has no STANDARD")
        std = max(standards, key=lambda c: c.decoded("DTSTART"))
        std_offset: dt.timedelta = std.decoded("TZOFFSETTO")
        if not daylights:
            zones[str(vtz["TZID"])] = _constant(std_offset)
            continue
        day = max(daylights, key=lambda c: c.decoded("DTSTART"))
        day_offset: dt.timedelta = day.decoded("TZOFFSETTO")
        std_rule, day_rule = _yearly_rule(std), _yearly_rule(day)

        def offset(
            local: dt.datetime,
            s: Rule = std_rule,
            d: Rule = day_rule,
            so: dt.timedelta = std_offset,
            do: dt.timedelta = day_offset,
        ) -> dt.timedelta:
            to_day = (
                dt.datetime.combine(_nth_weekday(local.year, d[0], d[1], d[2]), dt.time()) + d[3]
            )
            to_std = (
                dt.datetime.combine(_nth_weekday(local.year, s[0], s[1], s[2]), dt.time()) + s[3]
            )
            if to_day < to_std:  # northern hemisphere
                return do if to_day <= local < to_std else so
            return so if to_std <= local < to_day else do

        zones[str(vtz["TZID"])] = offset
    return zones


def outlook(data: bytes) -> Times:
    """Each event's times as Outlook computes them from the VTIMEZONEs."""
    zones = outlook_zones(data)
    cal = icalendar.Calendar.from_ical(data)
    result: Times = {}
    for ev in cal.walk("VEVENT"):
        times = []
        for name in ("DTSTART", "DTEND"):
            value = when(ev, name)
            tzid = prop(ev, name, icalendar.vDDDTypes).params.get("TZID")
            if tzid:
                assert isinstance(value, dt.datetime)
                local = value.replace(tzinfo=None)
                value = (local - zones[tzid](local)).replace(tzinfo=UTC)
            times.append(_utc(value))
        result[str(ev["UID"])] = (times[0], times[1])
    return result


# --- Real clients' parsers: libical (Evolution) and ical.js (Thunderbird) -------------------------

NATIVE = Path(__file__).resolve().parent / "readers_native"


@functools.cache
def _libical_reader() -> Path | None:
    """``readers_native/libical_read.c`` built against the machine's libical, if it has one."""
    if shutil.which("gcc") is None or shutil.which("pkg-config") is None:
        return None
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True, check=False
    )
    if flags.returncode != 0:
        return None
    binary = Path(tempfile.mkdtemp(prefix="confcal-libical-")) / "libical_read"
    subprocess.run(
        ["gcc", "-O1", "-o", str(binary), str(NATIVE / "libical_read.c"), *flags.stdout.split()],
        check=True,
    )
    return binary


def _icaljs_available() -> bool:
    return shutil.which("node") is not None and (NATIVE / "node_modules" / "ical.js").is_dir()


def _run_on(datas: list[bytes], command: list[str]) -> list[list[str]]:
    """Run a reader once on many calendars (a process start per calendar would be slow)."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, data in enumerate(datas):
            path = Path(folder, f"{index}.ics")
            path.write_bytes(data)
            paths.append(str(path))
        result = subprocess.run([*command, *paths], capture_output=True, text=True, check=True)
    outputs: list[list[str]] = []
    for line in result.stdout.splitlines():
        if line.startswith("file: "):
            outputs.append([])
        else:
            outputs[-1].append(line)
    assert len(outputs) == len(datas), result.stdout
    return outputs


def _parse_native(lines: list[str]) -> Times:
    def value(text: str) -> dt.datetime | dt.date:
        if "T" in text:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt.date.fromisoformat(text)

    result: Times = {}
    for line in lines:
        if not line.startswith("problem: "):
            uid, start, end = line.split("\t")
            result[uid] = (value(start), value(end))
    return result


def _libical_command() -> list[str]:
    binary = _libical_reader()
    assert binary is not None
    return [str(binary)]


def _icaljs_command() -> list[str]:
    return ["node", str(NATIVE / "icaljs_read.mjs")]


def libical_problems(data: bytes) -> list[str]:
    """What libical's restriction checker reports (X-LIC-ERROR), one line each."""
    (lines,) = _run_on([data], _libical_command())
    return [line for line in lines if line.startswith("problem: ")]


def by_libical_many(datas: list[bytes]) -> list[Times]:
    return [_parse_native(lines) for lines in _run_on(datas, _libical_command())]


def by_icaljs_many(datas: list[bytes]) -> list[Times]:
    return [_parse_native(lines) for lines in _run_on(datas, _icaljs_command())]


def by_libical(data: bytes) -> Times:
    return by_libical_many([data])[0]


def by_icaljs(data: bytes) -> Times:
    return by_icaljs_many([data])[0]


NATIVE_AVAILABLE = {"libical": _libical_reader() is not None, "ical.js": _icaljs_available()}
#: In CI the native readers must run, never skip: .ci/run installs them.
NATIVE_REQUIRED = os.environ.get("CI") == "true"
#: Readers that take many calendars in one run.
BATCH_READERS = {"libical": by_libical_many, "ical.js": by_icaljs_many}

FILE_ZONE_READERS = {
    "dateutil": by_dateutil_tzical,
    "ical": by_ical_file_zone,
    "icalendar-vtimezone": by_icalendar_file_zone,
}
if NATIVE_AVAILABLE["libical"]:
    FILE_ZONE_READERS["libical"] = by_libical
if NATIVE_AVAILABLE["ical.js"]:
    FILE_ZONE_READERS["ical.js"] = by_icaljs
NAME_READERS = {"ics": by_ics_name, "icalendar": by_icalendar_name, "vobject": by_vobject}
ALL_READERS = {**FILE_ZONE_READERS, **NAME_READERS, "outlook": outlook}
