"""The times of an iCalendar file: DTSTART, DTEND, DURATION and RECURRENCE-ID as the model has them.

A time with a TZID that is an IANA name is read by tzdata's rules for that zone (as confcal writes
it, and as most clients read it), whatever VTIMEZONE the file gives it. Any other TZID (Outlook's
``W. Europe Standard Time``, a vendor's ``/example.org/Europe/Berlin``) is read by the file's own
VTIMEZONE, which defines it, and shown in the IANA zone it stands for (CLDR's Windows names, via
icalendar; a vendor prefix dropped), else in the calendar's zone. A TZID neither known nor defined
is a problem naming the event. A UTC time keeps its instant, shown in the calendar's zone; a
floating time (neither ``Z`` nor TZID) is in the floating zone (``--timezone``, else the file's
X-WR-TIMEZONE), a problem without one.

The file's VTIMEZONEs are read here, per file, never through icalendar's process-wide cache of
custom zones, which keeps the first definition of a TZID it meets: a second file defining the same
TZID otherwise would be read by the first file's offsets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import icalendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from confcal import zones
from confcal.errors import InvalidInput, shown
from confcal.model import When

from ._common import Collector

__all__ = ["Clock", "duration", "iana_name", "same_zone", "stamp", "value", "written"]


def iana_name(tzid: str) -> str | None:
    """The IANA zone a TZID names or stands for, or ``None``: the name itself, a Windows name
    (CLDR's mapping, as icalendar has it), or a globally unique ``/vendor/Area/City``."""
    cleaned = tzid.strip().strip("/")
    candidates = [tzid, cleaned, WINDOWS_TO_OLSON.get(cleaned)]
    if tzid.strip().startswith("/"):
        parts = cleaned.split("/")
        candidates += ["/".join(parts[n:]) for n in range(1, len(parts))]
    return next((c for c in candidates if c and _known(c)), None)


def _known(name: str) -> bool:
    try:
        zones.get_zone(name)
    except InvalidInput:
        return False
    return True


def value(prop: object) -> object:
    """A property's value (``.dt``), ``None`` where it has none: icalendar raises on a broken
    one (``DTSTART:garbage``) rather than give nothing."""
    try:
        return getattr(prop, "dt", None)
    except Exception:  # icalendar's BrokenCalendarProperty, or another on hostile text
        return None


def same_zone(end: dt.datetime, start: dt.datetime, zone: str) -> dt.datetime:
    """An end found by adding a DURATION (in UTC), shown in the start's zone (else ``zone``)."""
    return zones.from_instant(end, zones.zone_name(start) or zone)


def stamp(value: When) -> str:
    """An occurrence's part of an id: ``20241119T0830`` (seconds only when it has them), a
    date ``20241119``; the wall-clock time as the file writes it."""
    if not isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d")
    return value.strftime("%Y%m%dT%H%M%S" if value.second else "%Y%m%dT%H%M")


class Clock:
    """How one file's times are read: its VTIMEZONEs, the calendar's zone, the floating zone."""

    def __init__(
        self,
        out: Collector,
        definitions: Mapping[str, icalendar.Timezone],
        *,
        zone: str,
        floating: str | None,
    ) -> None:
        self.out = out
        self.definitions = definitions
        self.zone = zone
        self.floating = floating
        self._tzinfos: dict[str, dt.tzinfo | None] = {}
        self._told: set[tuple[str, str]] = set()
        self.skipped: list[str] = []  # events with a time the clocks skip, read as RFC 5545 says

    def when(self, component: icalendar.Event, name: str, label: str) -> When | None:
        """The property ``name`` (DTSTART, DTEND, RECURRENCE-ID) as the model has it: a date, or
        an aware datetime; ``None`` (with a problem) when it cannot be read."""
        prop = component.get(name)
        found = value(prop)
        if isinstance(prop, list) or not isinstance(found, dt.date):
            text = written(prop)
            self.out.problem(
                f"{shown(text)} is not a date or a date and time",
                event=label,
                field=name,
                value=text,
            )
            return None
        if not isinstance(found, dt.datetime):
            return found if self.out.in_years(found, str(found), event=label, field=name) else None
        naive = found.replace(tzinfo=None)
        if not self.out.in_years(naive, naive.isoformat(), event=label, field=name):
            return None
        tzid = prop.params.get("TZID")
        if isinstance(tzid, str):
            return self._zoned(naive, tzid, label, name)
        if found.tzinfo is not None:  # Z: the instant, shown in the calendar's zone
            return zones.from_instant(found, self.zone)
        return self._floating(naive, label, name)

    def _floating(self, naive: dt.datetime, label: str, name: str) -> dt.datetime | None:
        if self.floating is None:
            if ("", "floating") not in self._told:
                self._told.add(("", "floating"))
                self.out.problem(
                    f"{naive.isoformat()} is a floating time (neither a TZID nor Z), and the "
                    "file names no zone (X-WR-TIMEZONE): give the programme's zone with "
                    "--timezone ZONE (library: timezone=...), e.g. --timezone Europe/Berlin",
                    event=label,
                    field=name,
                    value=naive,
                )
            return None
        return self._in_zone(naive, self.floating, label)

    def _zoned(self, naive: dt.datetime, tzid: str, label: str, name: str) -> dt.datetime | None:
        iana = iana_name(tzid)
        definition = self.definitions.get(tzid)
        if iana is not None and (definition is None or iana == tzid):
            return self._in_zone(naive, iana, label)
        tzinfo = self._tzinfo(tzid, label, name) if definition is not None else None
        if tzinfo is None:
            if definition is None:
                self.out.problem(
                    f"TZID {shown(tzid)} is neither an IANA time zone nor defined by a "
                    "VTIMEZONE in the file",
                    event=label,
                    field=f"{name};TZID",
                    value=tzid,
                )
            return None
        try:
            instant = naive.replace(tzinfo=tzinfo).astimezone(dt.UTC)
        except Exception as error:  # a VTIMEZONE's rules run by dateutil: anything at all
            self._broken(tzid, error, label, name)
            return None
        local = zones.from_instant(instant, iana or self.zone)
        self._compare(tzid, iana, naive, local)
        return local

    def _in_zone(self, naive: dt.datetime, zone: str, label: str) -> dt.datetime:
        """A wall-clock time in an IANA zone, as RFC 5545 3.3.5 reads it: a repeated time is
        the first of the two, a skipped one is read with the offset before the gap (02:30 on a
        spring-forward night is 03:30), which is said."""
        if not zones.exists(naive, zone):
            self.skipped.append(label)
        instant = naive.replace(tzinfo=zones.get_zone(zone), fold=0).astimezone(dt.UTC)
        return zones.from_instant(instant, zone)

    def _tzinfo(self, tzid: str, label: str, name: str) -> dt.tzinfo | None:
        """The file's VTIMEZONE ``tzid`` as a tzinfo (built once per file), or ``None``."""
        if tzid not in self._tzinfos:
            definition = self.definitions[tzid]
            try:
                made: Any = definition.to_tz(lookup_tzid=False)
                made.utcoffset(dt.datetime(2000, 1, 1))
            except Exception as error:  # icalendar and dateutil on a hostile VTIMEZONE
                self._broken(tzid, error, label, name)
                made = None
            self._tzinfos[tzid] = made
        return self._tzinfos[tzid]

    def _broken(self, tzid: str, error: Exception, label: str, name: str) -> None:
        self._told.add((tzid, "broken"))
        self.out.problem(
            f"the VTIMEZONE of TZID {shown(tzid)} cannot be read: {shown(str(error))}",
            event=label,
            field=f"{name};TZID",
            value=tzid,
        )

    def _compare(self, tzid: str, iana: str | None, naive: dt.datetime, local: dt.datetime) -> None:
        """Say once per TZID how its times were read: by its VTIMEZONE, shown in which zone,
        and whether the IANA zone it stands for would have read them otherwise."""
        if iana is None and (tzid, "no iana") not in self._told:
            self._told.add((tzid, "no iana"))
            self.out.warn(
                f"TZID {shown(tzid)} is no IANA time zone and none is known for it: its times are "
                f"read by the file's VTIMEZONE and shown in the calendar's zone, {self.zone}",
                field="VTIMEZONE",
                value=tzid,
            )
        elif (
            iana is not None
            and local.replace(tzinfo=None) != naive
            and (tzid, "differs") not in self._told
        ):
            self._told.add((tzid, "differs"))
            self.out.warn(
                f"the file's VTIMEZONE {shown(tzid)} puts {naive.isoformat()} at "
                f"{local.astimezone(dt.UTC).isoformat()} UTC, where {iana}, the zone it stands "
                f"for, has it {local.replace(tzinfo=None).isoformat()}: the file's instants are "
                "kept",
                field="VTIMEZONE",
                value=tzid,
            )


def written(prop: object) -> object:
    """A property's value as the file writes it, for a message."""
    if isinstance(prop, list):
        return [written(p) for p in prop]
    method = getattr(prop, "to_ical", None)
    if not callable(method):
        return prop
    try:
        ical = method()
    except Exception:  # a broken value: its repr will do
        return prop
    return ical.decode("utf-8", "replace") if isinstance(ical, bytes) else ical


def duration(component: icalendar.Event, out: Collector, label: str) -> dt.timedelta | None:
    """DURATION as a timedelta; a problem where it cannot be read."""
    prop = component.get("DURATION")
    found = value(prop)
    if isinstance(found, dt.timedelta) and not isinstance(prop, list):
        return found
    text = written(prop)
    out.problem(
        f"{shown(text)} is not a duration such as PT45M", event=label, field="DURATION", value=text
    )
    return None
