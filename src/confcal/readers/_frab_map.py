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
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from confcal import zones
from confcal.errors import InvalidInput, shown
from confcal.model import EPOCH, Event, Schedule

from . import _frab_text, _frab_times
from ._common import Collector, Imported, Trust, event_label, model_problems, quoted
from ._frab_ids import identifiers, made_of
from ._frab_offsets import read_by_clock
from ._frab_parsed import Day, Parsed, RawEvent, clean
from ._frab_times import Setting, parse_instant
from ._html import is_html
from ._repairs import TWICE, UNTITLED, Held, unique

__all__ = ["schedule"]


# --- The schedule --------------------------------------------------------------------------------


@attrs.frozen
class _Mapping:
    """What mapping each event needs: where its times are read, and the ids made of guids."""

    setting: Setting
    ids: Mapping[str, tuple[str, bool]]
    #: guids (or ids) the file gives more than one session: messages name each by its date too.
    shared: frozenset[str] = frozenset()

    @property
    def out(self) -> Collector:
        return self.setting.out


def schedule(
    parsed: Parsed,
    collector: Collector,
    *,
    timezone: str | None,
    dtstamp: dt.datetime | None,
    trust: Trust = "auto",
) -> Imported:
    """The schedule ``parsed`` holds; ``timezone`` as the caller gave it (``--timezone``),
    ``trust`` which of a date's offset and printed time wins where they disagree."""
    zone = _choose_zone(collector, parsed.zone, timezone)
    if zone is None:
        raise collector.fail()
    raws = _once(collector, parsed.events)
    clock = read_by_clock(collector, raws, zone, trust=trust, zone_given=timezone is not None)
    day_change = _day_change(collector, parsed, zone, clock=clock)
    originals = Counter(_original(raw) for raw in raws)
    ids = identifiers(originals)
    durations = _frab_times.pretalx_durations(raw.text.get("duration") for raw in raws)
    shared = frozenset(original for original, n in originals.items() if n > 1 and original)
    mapping = _Mapping(Setting(collector, zone, day_change, durations, clock), ids, shared)
    built = [_event(mapping, raw) for raw in raws]
    _check_days(mapping, raws, built)
    key = "guid" if any(clean(raw.text.get("guid")) for raw in raws) else "id"
    made_ids = {
        e.id.lower(): "title, date and room"
        for e, raw in zip(built, raws, strict=True)
        if e is not None and not _original(raw)
    }
    events = tuple(
        unique([e for e in built if e is not None], collector, zone, key=key, made=made_ids)
    )
    name = clean(parsed.title)
    if name is None:
        collector.problem(
            "the conference has no title, which names the calendar", field="conference.title"
        )
    if collector.problems or name is None:
        raise collector.fail()
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


def _once(collector: Collector, raws: Iterable[RawEvent]) -> list[RawEvent]:
    """The file's rows, each row listed more than once (every field the same) kept once, so that
    it is one session in every count and message."""
    seen: Counter[object] = Counter()
    kept = []
    for raw in raws:
        row = (tuple(sorted(raw.text.items())), raw.persons, raw.day.date if raw.day else None)
        seen[row] += 1
        if seen[row] == 1:
            kept.append(raw)
        elif seen[row] == 2:  # the first time it is seen again
            collector.repair(TWICE, raw.place)
    return kept


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


def _day_change(collector: Collector, parsed: Parsed, zone: str, *, clock: bool) -> dt.time:
    """The file's own ``day_change``, else the one its ``days`` boundaries imply."""
    if parsed.day_change is None:
        return _derived_day_change(collector, parsed, zone, clock=clock)
    written = collector.day_change(parsed.day_change, field="conference.day_change")
    return dt.time() if written is None else written


def _derived_day_change(collector: Collector, parsed: Parsed, zone: str, *, clock: bool) -> dt.time:
    """Where the days after the first begin, as a local time of day (as printed, where the
    sessions' dates are read so: ``clock``); the earliest if they disagree (with a warning);
    midnight without any."""
    boundaries: list[tuple[dt.time, Day]] = []
    for day in parsed.days[1:] or parsed.days[:1]:
        start = parse_instant(day.start) if day.start else None
        if start is None or start.tzinfo is None or day.date is None:
            continue
        field = f"days[{day.index}].start"
        if not collector.in_years(start, day.start or "", event=None, field=field):
            continue
        local = start.replace(tzinfo=None) if clock else zones.to_local(start, zone)
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
            mapping.out.repair(
                f"listed under a day they do not belong to by their start (days begin at "
                f"{day_change.strftime('%H:%M')}), put on the day they start",
                raw.place,
            )


# --- One event -----------------------------------------------------------------------------------


def _original(raw: RawEvent) -> str:
    """The event's guid (else its id) as the file has it, stripped; "" for none."""
    return (clean(raw.text.get("guid")) or clean(raw.text.get("id")) or "").strip()


def _label(mapping: _Mapping, raw: RawEvent) -> str:
    """The event as messages name it: its guid, else its id, else its date, room and title; one
    whose guid the file gives several sessions, by both (else its problems would read alike)."""
    label = event_label(raw.position, raw.text.get("guid"), raw.text.get("id"), place=raw.place)
    return f"{label} {raw.place}" if _original(raw) in mapping.shared else label


#: The words of the repair to a guid or id that cannot be an id as it is (see :mod:`._frab_ids`).
_MADE_ID = (
    "with a {field} that is not a usable confcal id (letters, digits, '.', '_' and '-' only), "
    "given one made of it"
)


def _identifier(mapping: _Mapping, raw: RawEvent) -> str:
    original = _original(raw)
    if not original:
        text = {key: (clean(raw.text.get(key)) or "").strip() for key in ("title", "room")}
        when = (clean(raw.text.get("date")) or "").strip() or raw.place
        mapping.out.repair(
            "with neither a guid nor an id, given an id made of their title, date and room",
            raw.place,
        )
        return made_of(text["title"], when, text["room"])
    candidate, _ = mapping.ids[original]
    if candidate != original:
        field = "guid" if clean(raw.text.get("guid")) else "id"
        mapping.out.repair(
            _MADE_ID.format(field=field), f"{raw.place} ({quoted(original)} as {quoted(candidate)})"
        )
    return candidate


def _event(mapping: _Mapping, raw: RawEvent) -> Event | None:
    out, label = mapping.out, _label(mapping, raw)
    before = len(out.problems)
    for field, message, value in raw.problems:
        out.problem(message, event=label, field=field or None, value=value)
    if len(out.problems) > before:
        return None
    start = _frab_times.start(mapping.setting, raw, label)
    end = _frab_times.end(mapping.setting, raw, label, start) if start is not None else None
    if len(out.problems) > before or start is None or end is None:
        return None
    try:
        return Event(
            id=_identifier(mapping, raw),
            start=start,
            end=end,
            language=_language(out, raw),
            **_fields(out, raw),
        )
    except InvalidInput as error:
        out.relocated(
            error.problems, event=label, names={"location": "room", "speakers": "persons"}
        )
        return None


def _fields(out: Collector, raw: RawEvent) -> dict[str, Any]:
    """An event's fields besides id, times and language, as the model has them: the file's
    text, repaired where a calendar would show it wrong (:mod:`._frab_text`), each repair said."""
    text, speakers = _calendar_text(out, raw)
    if any(
        value is not None and is_html(value)
        for value in (text.get("abstract"), text.get("description"))
    ):
        out.repair("with an HTML abstract or description, converted to plain text", raw.place)
    return {
        "title": _title(out, raw, text.get("title"), text.get("subtitle")),
        "type": _strip(text.get("type")),
        "track": _strip(text.get("track")),
        "location": _strip(text.get("room")),
        "description": _frab_text.description(text.get("abstract"), text.get("description")),
        "url": _url(out, raw, _strip(text.get("url"))),
        "speakers": speakers,
    }


#: The fields that are the calendar's text, and those it holds on one line (CATEGORIES).
_TEXT = ("title", "subtitle", "type", "track", "room", "abstract", "description")
_ONE_LINE = frozenset(("type", "track"))


def _calendar_text(out: Collector, raw: RawEvent) -> tuple[dict[str, str | None], list[str]]:
    """The event's texts (blank ones ``None``) and speakers as a calendar can hold them: a
    control character (a vertical tab pasted from a PDF) removed, a line break in a one-line
    field a space; said once per kind, not refused (the organizer cannot fix the export)."""
    held = Held()
    text: dict[str, str | None] = {key: clean(value) for key, value in raw.text.items()}
    for key in _TEXT:
        text[key] = held(text.get(key), one_line=key in _ONE_LINE)
    speakers = [(held(name, one_line=True) or "").strip() for name in raw.persons]
    if held.changed:
        out.repair(
            "with control characters a calendar cannot hold, or line breaks in a type, track or "
            "speaker, removed",
            raw.place,
        )
    return text, [name for name in speakers if name]


def _title(out: Collector, raw: RawEvent, title: str | None, subtitle: str | None) -> str:
    """The title, with the subtitle where it adds something; a placeholder where there is none."""
    if title is None:
        title, subtitle = subtitle, None
        out.repair(
            "without a title, titled with their subtitle"
            if title
            else f"without a title, titled {UNTITLED!r}",
            raw.place,
        )
    elif subtitle is not None and _frab_text.repeats(subtitle, title):
        out.repair("with a subtitle that repeats the title, left out", raw.place)
    return _frab_text.title(title or UNTITLED, subtitle)


def _url(out: Collector, raw: RawEvent, url: str | None) -> str | None:
    """The session's URL, left out (said) where confcal does not publish it: not one word, a
    backslash, a password in it."""
    if url is not None and model_problems(Event, "url", url):
        out.repair(
            "with a URL confcal does not publish (not one word, or with a password), left out",
            raw.place,
        )
        return None
    return url


def _language(out: Collector, raw: RawEvent) -> str | None:
    """The session's one language; one that is no language tag is left out, with a warning
    (the organizer cannot fix the export, and the session is fine without it)."""
    language = _frab_text.language(raw.text.get("language"))
    if model_problems(Event, "language", language):
        out.repair(
            "with a language that is not a language tag (such as en or pt-BR), kept without one",
            raw.place,
        )
        return None
    return language


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()
