"""Reading an iCalendar file (``.ics``, text/calendar) as a programme: one VEVENT, one session.

Indico, Sched, Sessionize, Google Calendar and Outlook publish a programme this way, and so does
confcal: a calendar confcal exported reads back to the same sessions at the same instants, with
the same ids (its UIDs are ``ID@domain``) and so the same UIDs when exported again. Times are
read by :mod:`._ics_times`; a recurring event (RRULE, RDATE, EXDATE and RECURRENCE-ID overrides)
is expanded into its occurrences by recurring-ical-events, each one a session. What confcal has to
repair (a placeholder title, an id made of a UID, categories left out) is said once per kind, with
a count and the first events; what it cannot read is an :class:`InvalidInput` naming the event
(its UID, else its title) and the property.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

import attrs
import icalendar

from confcal import zones
from confcal.errors import InvalidInput, Problem, shown
from confcal.model import EPOCH, STATUSES, Event, Schedule

from . import _ics_recurrence, _ics_times
from ._common import (
    Collector,
    Imported,
    check_options,
    check_text,
    event_label,
    model_problems,
    quoted,
    session,
)
from ._frab_ids import identifiers, made_of
from ._ics_times import Clock, iana_name, stamp
from ._json import decode
from ._repairs import UNTITLED, Held, unique

__all__ = ["UNTITLED", "loads"]

#: The title of a VEVENT without SUMMARY (which is warned).
#: The PRODID confcal writes: its DESCRIPTION ends with the speakers, which are read back.
_CONFCAL_PRODID = re.compile(r"-//confcal//", re.IGNORECASE)
_SPEAKERS = re.compile(r"(?:\A|\n\n)(Speakers?): ([^\n]+)\Z")
#: An escape of TEXT (RFC 5545 3.3.11), which icalendar leaves in X- properties.
_ESCAPE = re.compile(r"\\([\\;,nN])")
#: The model's fields as a VEVENT names them, for the model's problems.
_PROPERTIES = {
    "id": "UID", "title": "SUMMARY", "start": "DTSTART", "end": "DTEND", "type": "CATEGORIES",
    "track": "CATEGORIES", "location": "LOCATION", "description": "DESCRIPTION", "url": "URL",
    "status": "STATUS", "speakers": "DESCRIPTION",
}  # fmt: skip


def loads(
    text: str | bytes,
    *,
    source: str = "<string>",
    timezone: str | None = None,
    dtstamp: dt.datetime | None = None,
) -> Imported:
    """An iCalendar file (its text, or its bytes: UTF-8) as a schedule, with what confcal had to
    say about it.

    ``timezone`` is the calendar's zone and that of floating times (over X-WR-TIMEZONE, with a
    warning when they differ); ``dtstamp`` the DTSTAMP of a file without LAST-MODIFIED (default
    1970: unknown). Raises :class:`InvalidInput` listing every problem.
    """
    text = check_text(text)
    check_options(source=source, timezone=timezone, dtstamp=dtstamp)
    text = decode(text, source) if isinstance(text, bytes) else text.removeprefix("\ufeff")
    collector = Collector(source)
    with collector.reading():
        calendar = _calendar(text, source)
        return _Reader(calendar, collector, timezone).schedule(dtstamp)


def _calendar(text: str, source: str) -> icalendar.Calendar:
    """The one VCALENDAR of the file; :class:`InvalidInput` for text icalendar cannot parse."""
    try:
        with warnings.catch_warnings():  # icalendar's guesses (a vendor's TZID) are ours to say
            warnings.simplefilter("ignore")
            found = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as error:  # icalendar raises ValueError, but hostile text reaches others
        reason = str(error).split("\n", 1)[0]
        if len(reason) > 200 or not reason.isprintable():
            reason = shown(reason)
        problem = f"not a valid iCalendar file: {reason}"
        raise InvalidInput([Problem(problem, source=source)]) from None
    calendars = [c for c in found if isinstance(c, icalendar.Calendar)]
    if len(calendars) != 1:
        problem = (
            "holds no calendar (BEGIN:VCALENDAR ... END:VCALENDAR)"
            if not calendars
            else f"holds {len(calendars)} calendars (VCALENDAR); confcal reads one per file"
        )
        raise InvalidInput([Problem(problem, source=source)])
    return calendars[0]


def _text(component: icalendar.Component, name: str) -> str | None:
    """A TEXT property as the file means it (unescaped); the first if given twice; ``None`` when
    absent or blank."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if text.strip() else None


def _x_text(component: icalendar.Component, name: str) -> str | None:
    """An X- property, TEXT by default (RFC 5545 3.8.8.2), unescaped as icalendar does not."""
    text = _text(component, name)
    if text is None:
        return None
    unescaped = _ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], text)
    return unescaped if unescaped.strip() else None


# --- Repairs, said once per kind -----------------------------------------------------------------

_SAID = {
    "untitled": f"without SUMMARY, titled {UNTITLED!r}",
    "no uid": "without UID, each given an id made of its title and start",
    "made id": "with a UID that is not a usable id (letters, digits, '.', '_' and '-', at most "
    "200), given one made of it",
    "categories": "with more than two CATEGORIES: the first is the type, the second the track, "
    "the rest are left out",
    "control": "with control characters a calendar cannot hold, or line breaks in a category, "
    "removed",
    "language": "with a LANGUAGE that is not a language tag (such as en or pt-BR), left out",
    "status": "with a STATUS other than CONFIRMED, TENTATIVE or CANCELLED, left out",
    "url": "with a URL confcal does not publish (not one word, or with a password), left out",
    "skipped": "at a time the clocks skip, read as RFC 5545 says: with the offset before the "
    "gap (02:30 on a spring-forward night is 03:30)",
}  # fmt: skip


# --- The calendar --------------------------------------------------------------------------------


@attrs.frozen
class _Session:
    """One VEVENT to map (an occurrence of a recurring one, too), and how messages name it."""

    component: icalendar.Event
    id: str
    label: str


class _Reader:
    """One file's reading: its calendar, zone, clock and repairs."""

    def __init__(self, calendar: icalendar.Calendar, out: Collector, timezone: str | None):
        self.calendar = calendar
        self.out = out
        self.vevents = [c for c in calendar.subcomponents if isinstance(c, icalendar.Event)]
        self.confcal = bool(_CONFCAL_PRODID.match(_text(calendar, "PRODID") or ""))
        definitions = {
            str(c["TZID"]): c
            for c in calendar.subcomponents
            if isinstance(c, icalendar.Timezone) and isinstance(c.get("TZID"), str)
        }
        zone, floating = self._zones(timezone)
        self.clock = Clock(out, definitions, zone=zone or "UTC", floating=floating)
        if zone is None:
            raise out.fail()
        self.expanded: list[int] = []
        #: The ids made of other properties of VEVENTs without UID (lower case), and of which.
        self.made_ids: dict[str, str] = {}

    # The zones.

    def _zones(self, given: str | None) -> tuple[str | None, str | None]:
        """The calendar's zone and the zone of floating times (see the README's table)."""
        written = _x_text(self.calendar, "X-WR-TIMEZONE")
        named = iana_name(written.strip()) if written else None
        if written and named is None:
            self.out.warn(
                f"{shown(written)} is not a time zone confcal knows; left out",
                field="X-WR-TIMEZONE",
                value=written,
            )
        if given is not None:
            if named is not None and named != given:
                self.out.warn(
                    f"the file says {shown(named)}; using {shown(given)} as asked (--timezone)",
                    field="X-WR-TIMEZONE",
                    value=written,
                )
            ok = self.out.zone(given, field="--timezone")
            return (given, given) if ok else (None, None)
        if named is not None:
            return named, named
        return self._zone_of_events(), None

    def _zone_of_events(self) -> str:
        """The IANA zone most of the events' DTSTARTs are in (ties: by name); else UTC."""
        tzids = [_tzid(event.get("DTSTART")) for event in self.vevents]
        counted = Counter(
            z for t in tzids if isinstance(t, str) and (z := iana_name(t)) is not None
        )
        if counted:
            return min(counted, key=lambda zone: (-counted[zone], zone))
        if any(isinstance(_ics_times.value(e.get("DTSTART")), dt.datetime) for e in self.vevents):
            self.out.warn(
                "names no time zone (neither X-WR-TIMEZONE nor a TZID): the calendar is in UTC; "
                "give the programme's zone with --timezone ZONE",
                field="X-WR-TIMEZONE",
            )
        return "UTC"

    # The schedule.

    def schedule(self, dtstamp: dt.datetime | None) -> Imported:
        if not self.vevents:
            self.out.problem("holds no events (VEVENT): there is nothing to export")
            raise self.out.fail()
        sessions, domain = self._sessions()
        built = [self._event(session) for session in sessions]
        kept = [e for e in built if e is not None]
        events = unique(kept, self.out, self.clock.zone, key="UID", made=self.made_ids)
        if self.out.problems:
            raise self.out.fail()
        for label in self.clock.skipped:
            self.out.repair(_SAID["skipped"], label)
        if self.expanded:
            self.out.warn(
                f"expanded {len(self.expanded)} recurring event(s) (RRULE, RDATE) into "
                f"{sum(self.expanded)} sessions, each with an id of its UID and start"
            )
        try:
            made = Schedule(
                name=self._name(),
                timezone=self.clock.zone,
                events=events,
                description=_text(self.calendar, "DESCRIPTION")
                or _x_text(self.calendar, "X-WR-CALDESC"),
                url=self._url(self.calendar, None),
                uid_domain=domain,
                dtstamp=self._updated() or dtstamp or EPOCH,
            )
        except InvalidInput as error:
            self.out.relocated(error.problems, names={"name": "X-WR-CALNAME"})
            raise self.out.fail() from None
        # Pinned, as for pretalx/frab: the UIDs stay those of this file however it is edited.
        made = attrs.evolve(made, uid_domain=made.uid_host)
        return Imported(made, self.out.all_warnings())

    def _name(self) -> str:
        written = _text(self.calendar, "NAME") or _x_text(self.calendar, "X-WR-CALNAME")
        if written is not None:
            return " ".join(written.split())
        source = self.out.source
        name = PurePath(source).stem if not source.startswith("<") else ""
        name = " ".join(name.split()) or "Calendar"
        self.out.warn(
            f"names no calendar (neither X-WR-CALNAME nor NAME): named after the file, {name!r}",
            field="X-WR-CALNAME",
        )
        return name

    def _url(self, component: icalendar.Component, label: str | None) -> str | None:
        url = _text(component, "URL")
        if url is None:
            return None
        url = url.strip()
        if model_problems(Event, "url", url):
            if label is None:
                self.out.warn("is not a URL confcal publishes; left out", field="URL", value=url)
            else:
                self.out.repair(_SAID["url"], self._place(component))
            return None
        return url

    def _updated(self) -> dt.datetime | None:
        """When the programme last changed, as the file says: the calendar's LAST-MODIFIED,
        else its events' latest; for a calendar confcal wrote, its DTSTAMP (the programme's: an
        event's LAST-MODIFIED there is when that session last moved, from the history)."""
        own = _instant(self.calendar.get("LAST-MODIFIED"))
        if own is not None:
            return own
        names = ("DTSTAMP",) if self.confcal else ("LAST-MODIFIED",)
        for name in names:
            found = [i for e in self.vevents if (i := _instant(e.get(name))) is not None]
            if found and max(found) != EPOCH:
                return max(found)
        return None

    # The sessions.

    def _sessions(self) -> tuple[list[_Session], str | None]:
        """Each session to map with its id (an occurrence's with its start), and the UIDs'
        common domain where it is dropped from the ids (a calendar confcal wrote)."""
        bases, domain = self._base_ids()
        groups: dict[str, list[int]] = {}
        for index, event in enumerate(self.vevents):
            uid = (_text(event, "UID") or "").strip()
            groups.setdefault(uid or f"\0{index}", []).append(index)
        sessions: list[_Session] = []
        for indices in groups.values():
            components = [self.vevents[i] for i in indices]
            label = self._label(indices[0])
            if any(_ics_recurrence.recurs(c) for c in components):
                occurrences = self._expand(components, label)
            else:
                occurrences = components
            base = bases[indices[0]]
            for occurrence in occurrences:
                when = _ics_recurrence.recurrence(occurrence)
                if when is None:
                    sessions.append(_Session(occurrence, base, label))
                else:
                    moment = stamp(when)
                    made = f"{base[: 199 - len(moment)].rstrip('._-')}-{moment}"
                    sessions.append(_Session(occurrence, made, f"{label} at {moment}"))
        return sessions, domain

    def _label(self, index: int) -> str:
        event = self.vevents[index]
        return event_label(index + 1, _text(event, "UID"), place=self._place(event))

    def _place(self, component: icalendar.Component) -> str:
        """A VEVENT as a warning lists it: its start (in the calendar's zone, as a printed
        programme has it; a floating or all-day one as written), its LOCATION and SUMMARY."""
        start = _ics_times.value(component.get("DTSTART"))
        if isinstance(start, dt.datetime) and start.tzinfo is not None:
            start = zones.to_local(start, self.clock.zone)
        when = start.isoformat() if isinstance(start, dt.date) else None
        found = session(when, _text(component, "LOCATION"), _text(component, "SUMMARY"))
        return found or "a VEVENT with no DTSTART, LOCATION or SUMMARY"

    def _base_ids(self) -> tuple[list[str], str | None]:
        """Each VEVENT's id before occurrences: its UID, or the part before ``@`` where every UID
        has the same domain (returned, to write the same UIDs again); made usable as pretalx
        guids are (:mod:`._frab_ids`), or made of the title and start without a UID."""
        uids = [(_text(e, "UID") or "").strip() for e in self.vevents]
        domains = {u.rpartition("@")[2] for u in uids if u}
        domain = domains.pop() if len(domains) == 1 else None
        if domain is None or not all(u.rpartition("@")[0] for u in uids if u):
            domain = None
        originals = [u.rpartition("@")[0] if domain and u else u for u in uids]
        ids = identifiers(originals)
        bases = []
        for index, original in enumerate(originals):
            if not original:
                self.out.repair(_SAID["no uid"], self._place(self.vevents[index]))
                bases.append(self._made(self.vevents[index]))
                self.made_ids[bases[-1].lower()] = "title and start"
                continue
            made, _ = ids[original]
            if made != original:
                place = self._place(self.vevents[index])
                made_of_uid = f"{place} ({quoted(original)} as {quoted(made)})"
                self.out.repair(_SAID["made id"], made_of_uid)
            bases.append(made)
        if domain is not None and model_problems(Schedule, "uid_domain", domain):
            domain = None
        return bases, domain

    @staticmethod
    def _made(event: icalendar.Event) -> str:
        """The id of a VEVENT without UID: made of its title and start."""
        start = _ics_recurrence.written(event.get("DTSTART"))
        return made_of(_text(event, "SUMMARY") or "", start)

    def _expand(self, components: list[icalendar.Event], label: str) -> list[icalendar.Event]:
        """The occurrences of a recurring event (see :mod:`._ics_recurrence`); none, with a
        problem, for one that recurs too long, too often or without end."""
        found = _ics_recurrence.expand(components)
        if isinstance(found, _ics_recurrence.Refusal):
            self.out.problem(found.message, event=label, field=found.field, value=found.value)
            return []
        self.expanded.append(len(found))
        return found

    # One session.

    def _event(self, session: _Session) -> Event | None:
        out, component, label = self.out, session.component, session.label
        before = len(out.problems)
        if "DTSTART" not in component:
            out.problem("is missing: a session needs a start", event=label, field="DTSTART")
            return None
        start = self.clock.when(component, "DTSTART", label)
        end = self._end(component, start, label) if start is not None else None
        if len(out.problems) > before or start is None or end is None:
            return None
        try:
            return Event(id=session.id, start=start, end=end, **self._fields(component, label))
        except InvalidInput as error:
            out.relocated(error.problems, event=label, names=_PROPERTIES)
            return None

    def _end(self, component: icalendar.Event, start: Any, label: str) -> Any:
        if "DTEND" in component:
            return self.clock.when(component, "DTEND", label)
        if "DURATION" in component:
            length = _ics_times.duration(component, self.out, label)
            if length is None:
                return None
            text = str(_ics_times.written(component.get("DURATION")))
            end = self.out.end_after(start, length, text, event=label, field="DURATION")
            if isinstance(end, dt.datetime) and isinstance(start, dt.datetime):
                return _ics_times.same_zone(end, start, self.clock.zone)
            return end
        if not isinstance(start, dt.datetime):
            return start + dt.timedelta(days=1)  # RFC 5545: an all-day event of one day
        self.out.problem(
            "has neither DTEND nor DURATION, so it ends as it starts (RFC 5545); a session "
            "needs an end",
            event=label,
            field="DTEND",
        )
        return None

    def _fields(self, component: icalendar.Event, label: str) -> dict[str, Any]:
        """An event's fields besides id and times, as the model has them."""
        held = Held()
        title = held(_text(component, "SUMMARY"))
        if title is None:
            self.out.repair(_SAID["untitled"], self._place(component))
        categories = [c for c in (held(c, one_line=True) for c in _categories(component)) if c]
        if len(categories) > 2:
            self.out.repair(_SAID["categories"], self._place(component))
        description = held(_text(component, "DESCRIPTION"))
        speakers: Sequence[str] = ()
        if self.confcal and description is not None:
            description, speakers = _speakers(description)
        fields = {
            "title": title or UNTITLED,
            "type": categories[0] if categories else None,
            "track": categories[1] if len(categories) > 1 else None,
            "location": held(_text(component, "LOCATION")),
            "description": description,
            "url": self._url(component, label),
            "speakers": speakers,
            "status": self._status(component, label),
            "language": self._language(component),
            # What clients compare when the session is imported again (RFC 5545 3.8.7.4).
            "sequence": _sequence(component),
            "last_modified": _instant(component.get("LAST-MODIFIED")),
        }
        if held.changed:
            self.out.repair(_SAID["control"], self._place(component))
        return fields

    def _language(self, component: icalendar.Component) -> str | None:
        """The session's language: the LANGUAGE parameter of its SUMMARY, else of its
        DESCRIPTION (RFC 5545 3.2.10), as confcal writes it; one that is no language tag is
        left out, warned."""
        for name in ("SUMMARY", "DESCRIPTION"):
            prop = component.get(name)
            params = getattr(prop, "params", None)
            language = params.get("LANGUAGE") if params is not None else None
            if isinstance(language, str) and language.strip():
                if model_problems(Event, "language", language.strip()):
                    self.out.repair(_SAID["language"], self._place(component))
                    return None
                return language.strip()
        return None

    def _status(self, component: icalendar.Event, label: str) -> str | None:
        written = _text(component, "STATUS")
        if written is None:
            return None
        status = written.strip().lower()
        if status in STATUSES:
            return status
        self.out.repair(_SAID["status"], self._place(component))
        return None


def _sequence(component: icalendar.Event) -> int:
    """SEQUENCE, where it is a revision number the model takes; else 0, as if not written."""
    value = component.get("SEQUENCE")
    if isinstance(value, int) and not model_problems(Event, "sequence", int(value)):
        return int(value)
    return 0


def _instant(prop: object) -> dt.datetime | None:
    """A UTC date-time property (LAST-MODIFIED, DTSTAMP) as an instant; ``None`` if it is not
    one (absent, a date, floating, out of range)."""
    value = _ics_times.value(prop)
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None


def _tzid(prop: object) -> object:
    """The TZID parameter of a property (``None`` without one)."""
    params = getattr(prop, "params", None)
    return params.get("TZID") if isinstance(params, dict) else None


def _categories(component: icalendar.Event) -> list[str]:
    """The CATEGORIES of every CATEGORIES property, in order, each once."""
    props = component.get("CATEGORIES")
    found: list[str] = []
    for prop in props if isinstance(props, list) else [props]:
        names: Iterable[object] = getattr(prop, "cats", ())
        found += [str(n).strip() for n in names if str(n).strip()]
    return list(dict.fromkeys(found))


def _speakers(description: str) -> tuple[str | None, tuple[str, ...]]:
    """A calendar confcal wrote ends DESCRIPTION with ``Speaker: A`` or ``Speakers: A, B``:
    the description before it, and the names."""
    found = _SPEAKERS.search(description)
    if found is None:
        return description, ()
    # "Speaker: A, B" is one name with a comma in it; "Speakers: A, B" two (a name with a comma
    # among several cannot be told apart: the text written again is the same).
    listed = found[2].split(", ") if found[1] == "Speakers" else [found[2]]
    names = tuple(n.strip() for n in listed if n.strip())
    return description[: found.start()] or None, names
