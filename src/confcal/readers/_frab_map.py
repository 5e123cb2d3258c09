"""The mapping of a pretalx/frab programme onto confcal's model, shared by schedule.json and .xml.

pretalx, frab, pentabarf and the c3voc hub all publish one data model (the c3voc schedule schema),
as JSON and as XML. :mod:`.frab_json` and :mod:`.frab_xml` each read their syntax into one form
(:mod:`._frab_parsed`), and this module maps it once, so the two cannot drift: the calendar's
fields here, the ids in :mod:`._frab_ids`, the times in :mod:`._frab_times`. Published
files are not always consistent; where confcal can keep what is certain (the instant of an
offset-bearing ``date``) it does, and reports a :class:`LoadWarning` instead of guessing silently.
What it cannot read is an :class:`InvalidInput` naming file, event and field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from confcal import zones
from confcal.errors import InvalidInput, shown
from confcal.model import EPOCH, Event, Schedule

from . import _frab_text, _frab_times
from ._common import Collector, Imported, event_label, model_problems
from ._frab_ids import identifiers
from ._frab_parsed import Day, Parsed, RawEvent, clean
from ._frab_times import Setting, parse_instant

__all__ = ["schedule"]


# --- The schedule --------------------------------------------------------------------------------


@attrs.frozen
class _Mapping:
    """What mapping each event needs: where its times are read, and the ids made of guids."""

    setting: Setting
    ids: Mapping[str, tuple[str, bool]]

    @property
    def out(self) -> Collector:
        return self.setting.out


def schedule(
    parsed: Parsed, collector: Collector, *, timezone: str | None, dtstamp: dt.datetime | None
) -> Imported:
    """The schedule ``parsed`` holds; ``timezone`` as the caller gave it (``--timezone``)."""
    zone = _choose_zone(collector, parsed.zone, timezone)
    if zone is None:
        raise collector.fail()
    day_change = _day_change(collector, parsed, zone)
    ids = identifiers(_original(raw) for raw in parsed.events)
    durations = _frab_times.pretalx_durations(raw.text.get("duration") for raw in parsed.events)
    mapping = _Mapping(Setting(collector, zone, day_change, durations), ids)
    built = [_event(mapping, raw) for raw in parsed.events]
    events = tuple(e for e in built if e is not None)
    for problem in model_problems(Schedule, "events", events):  # ids used twice
        advice = attrs.evolve(problem, message=f"{problem.message}; each guid must be unique")
        collector.relocated([advice], names={"id": "guid"})
    name = clean(parsed.title)
    if name is None:
        collector.problem(
            "the conference has no title, which names the calendar", field="conference.title"
        )
    if collector.problems or name is None:
        raise collector.fail()
    _check_days(mapping, parsed.events, built)
    try:
        made = Schedule(
            name=name.strip(),
            timezone=zone,
            events=events,
            url=clean(parsed.url),
            description=_frab_text.text(parsed.description),
            day_change=day_change,
            dtstamp=EPOCH if dtstamp is None else dtstamp,
        )
    except InvalidInput as error:
        collector.relocated(error.problems, where="conference.")
        raise collector.fail() from None
    # Pinned, so the UIDs stay those of this file if the programme is converted and its
    # url later edited: a changed UID is a new event to every subscriber.
    made = attrs.evolve(made, uid_domain=made.uid_host)
    return Imported(made, collector.all_warnings())


def _choose_zone(collector: Collector, named: str | None, given: str | None) -> str | None:
    named = clean(named)
    if given is not None:
        if named is not None and named.strip() != given:
            collector.warn(
                f"the file says {shown(named.strip())}; using {shown(given)} as asked (--timezone)",
                field="conference.time_zone_name",
                value=named,
            )
        chosen, field = given, "--timezone"
    elif named is None:
        collector.problem(
            "is missing, so the file names no time zone: give the programme's zone with "
            "--timezone ZONE (library: timezone=...), e.g. --timezone Europe/Berlin",
            field="conference.time_zone_name",
        )
        return None
    else:
        chosen, field = named.strip(), "conference.time_zone_name"
    return chosen if collector.zone(chosen, field=field) else None


def _day_change(collector: Collector, parsed: Parsed, zone: str) -> dt.time:
    """The file's own ``day_change``, else the one its ``days`` boundaries imply."""
    if parsed.day_change is None:
        return _derived_day_change(collector, parsed, zone)
    clock = collector.day_change(parsed.day_change, field="conference.day_change")
    return dt.time() if clock is None else clock


def _derived_day_change(collector: Collector, parsed: Parsed, zone: str) -> dt.time:
    """Where the days after the first begin, as a local time of day; the earliest if they
    disagree (with a warning); midnight without any."""
    boundaries: list[tuple[dt.time, Day]] = []
    for day in parsed.days[1:] or parsed.days[:1]:
        start = parse_instant(day.start) if day.start else None
        if start is None or start.tzinfo is None or day.date is None:
            continue
        field = f"days[{day.index}].start"
        if not collector.in_years(start, day.start or "", event=None, field=field):
            continue
        local = zones.to_local(start, zone)
        # A boundary is a time of day on the day it opens; one elsewhere is no day change.
        if local.date().isoformat() == day.date:
            boundaries.append((local.time().replace(second=0, microsecond=0), day))
    if not boundaries:
        return dt.time()
    times = sorted({t for t, _ in boundaries})
    if len(times) > 1:
        listed = ", ".join(f"day {d.index} at {t.strftime('%H:%M')}" for t, d in boundaries)
        collector.warn(
            f"the days begin at different times ({listed}); using the earliest, "
            f"{times[0].strftime('%H:%M')}, as the day change",
            field="days",
        )
    return times[0]


def _check_days(mapping: _Mapping, raws: Iterable[RawEvent], built: Iterable[Event | None]) -> None:
    """Say so when the file lists a session under a day other than the one it belongs to."""
    zone, day_change = mapping.setting.zone, mapping.setting.day_change
    for raw, event in zip(raws, built, strict=True):
        if event is None or raw.day is None or not raw.day.date:
            continue
        day = event.days(zone, day_change)[0].isoformat()
        if day != raw.day.date:
            local = zones.to_local(event.start, zone)  # type: ignore[arg-type]
            mapping.out.warn(
                f"starts {local.strftime('%Y-%m-%d %H:%M')}, which is conference day {day} "
                f"(days begin at {day_change.strftime('%H:%M')}), but the file lists it under "
                f"{shown(raw.day.date)}",
                event=_label(raw), field="day", value=raw.day.date,
            )  # fmt: skip


# --- One event -----------------------------------------------------------------------------------


def _original(raw: RawEvent) -> str:
    """The event's guid (else its id) as the file has it, stripped; "" for none."""
    return (clean(raw.text.get("guid")) or clean(raw.text.get("id")) or "").strip()


def _label(raw: RawEvent) -> str:
    """The event as messages name it: its guid, else its title, else its position."""
    guid, title = clean(raw.text.get("guid")), clean(raw.text.get("title"))
    return event_label(
        raw.position, guid.strip() if guid else None, title.strip() if title else None
    )


def _identifier(mapping: _Mapping, raw: RawEvent, label: str) -> str | None:
    original = _original(raw)
    if not original:
        mapping.out.problem(
            "has neither a guid nor an id, so it cannot get a stable UID",
            event=label,
            field="guid",
        )
        return None
    candidate, hashed = mapping.ids[original]
    if candidate != original:
        how = ", and a hash of the guid, which keeps it apart from others" if hashed else ""
        mapping.out.warn(
            f"{shown(original)} is not a usable confcal id; using {shown(candidate)} "
            f"(letters, digits, '.', '_' and '-' only{how})",
            event=label,
            field="guid" if clean(raw.text.get("guid")) else "id",
            value=original,
        )
    return candidate


def _event(mapping: _Mapping, raw: RawEvent) -> Event | None:
    out, label = mapping.out, _label(raw)
    before = len(out.problems)
    for field, message, value in raw.problems:
        out.problem(message, event=label, field=field or None, value=value)
    if len(out.problems) > before:
        return None
    event_id = _identifier(mapping, raw, label)
    start = _frab_times.start(mapping.setting, raw, label)
    end = _frab_times.end(mapping.setting, raw, label, start) if start is not None else None
    if len(out.problems) > before or event_id is None or start is None or end is None:
        return None
    try:
        return Event(
            id=event_id, start=start, end=end, language=_language(out, raw, label), **_fields(raw)
        )
    except InvalidInput as error:
        out.relocated(
            error.problems, event=label, names={"location": "room", "speakers": "persons"}
        )
        return None


def _fields(raw: RawEvent) -> dict[str, Any]:
    """An event's fields besides id, times and language, as the model has them."""
    text = {key: clean(value) for key, value in raw.text.items()}
    return {
        "title": _frab_text.title(raw.text.get("title"), text.get("subtitle")),
        "type": _strip(text.get("type")),
        "track": _strip(text.get("track")),
        "location": _strip(text.get("room")),
        "description": _frab_text.description(text.get("abstract"), text.get("description")),
        "url": _strip(text.get("url")),
        "speakers": [s.strip() for s in raw.persons if s.strip()],
    }


def _language(out: Collector, raw: RawEvent, label: str) -> str | None:
    """The session's one language; one that is no language tag is left out, with a warning
    (the organizer cannot fix the export, and the session is fine without it)."""
    language = _frab_text.language(raw.text.get("language"))
    problems = model_problems(Event, "language", language)
    if not problems:
        return language
    out.warn(
        f"{problems[0].message}; the session is kept without a language",
        event=label, field="language", value=language,
    )  # fmt: skip
    return None


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()
