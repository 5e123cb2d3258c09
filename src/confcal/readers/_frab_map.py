"""Reading the schedules conferences already publish: pretalx/frab ``schedule.json`` and ``.xml``.

pretalx, frab, pentabarf and the c3voc hub all publish one data model (the c3voc schedule schema),
as JSON and as XML. Both are read into the same intermediate form and mapped once, so the two
cannot drift. Published files are not always consistent; where confcal can keep what is certain
(the instant of an offset-bearing ``date``) it does, and reports a :class:`LoadWarning` instead of
guessing silently. What it cannot read is an :class:`InvalidInput` naming file, event and field.

XML is parsed with ``defusedxml``: a file that declares entities or external references is
refused before anything is expanded or fetched, whatever it says.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from confcal import zones
from confcal.errors import InvalidInput, LoadWarning, Problem, shown
from confcal.model import ID_PATTERN, RESERVED_NAMES, Event, Schedule

from ._common import (
    FORMATS,
    YEARS,
    Collector,
    Format,
    decode,
    event_label,
    is_xml,
    json_format,
    kind,
    name,
    parse_json,
    reshown,
    twice,
    walk,
    xml_codec,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    import defusedxml

__all__ = ["FORMATS", "Format", "Imported", "detect", "loads"]

_ID_BAD = re.compile(r"[^A-Za-z0-9._-]+")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
# Title and subtitle are joined with ": ", or a space after a title that ends in punctuation.
_ENDS_IN_PUNCTUATION = re.compile(r"[:;,.!?\-\u2013\u2014]$")
_PERSON_NAMES = ("public_name", "name", "full_public_name")
_EVENT_TEXT = (
    "guid", "id", "date", "start", "end", "duration", "room", "title", "subtitle", "type",
    "track", "abstract", "description", "url",
)  # fmt: skip


@attrs.frozen
class Imported:
    """A schedule read from pretalx/frab, with what confcal had to say about the file."""

    schedule: Schedule
    warnings: tuple[LoadWarning, ...] = ()


def detect(data: bytes) -> Format:
    """``frab-xml``, ``frab-json`` or ``events``, by content (not by file name, which varies).

    XML by its first character (after a byte order mark: UTF-8, UTF-16 or UTF-32); JSON by the
    keys of its outermost object: ``schedule``, ``conference`` or ``$schema`` without
    ``calendar`` and ``events`` is pretalx/frab, anything else events.json. A file that is neither
    (not UTF-8, not JSON) is ``events``, whose reader then says what is wrong with it.
    """
    if is_xml(data):
        return "frab-xml"
    try:
        document = parse_json(decode(data, "<bytes>"), "<bytes>")
    except InvalidInput:
        return "events"
    return json_format(document)


def loads(
    data: bytes | str,
    *,
    format: Format = "auto",
    source: str = "<string>",
    timezone: str | None = None,
    modified: dt.datetime | None = None,
    environment: bool = True,
) -> Imported:
    """Read a pretalx/frab ``schedule.json`` or ``schedule.xml``.

    ``timezone`` is the zone for a file that names none (and overrides one it names, with a
    warning when they differ). DTSTAMP is ``SOURCE_DATE_EPOCH`` (unless ``environment`` is
    false), else ``modified`` (the file's modification time), as for events.json. Raises
    :class:`InvalidInput` listing every problem.
    """
    if format not in ("auto", "frab-json", "frab-xml"):
        raise ValueError(f"frab.loads() reads frab-json or frab-xml, not {format!r}")
    if format == "frab-xml" or (format == "auto" and is_xml(data)):
        mapper = _Mapper(source)
        with mapper.reading():
            parsed = _read_xml(data, mapper)
            return mapper.schedule(parsed, timezone, modified, environment=environment)
    document = parse_json(data if isinstance(data, str) else decode(data, source), source)
    if format == "auto" and json_format(document) != "frab-json":
        raise ValueError("frab.loads() reads frab-json or frab-xml, not 'events'")
    return from_json(
        document, source=source, timezone=timezone, modified=modified, environment=environment
    )


def from_json(
    document: object,
    *,
    source: str = "<string>",
    timezone: str | None = None,
    modified: dt.datetime | None = None,
    environment: bool = True,
) -> Imported:
    """A schedule.json already parsed by :func:`confcal._reading.parse_json` (so that telling the
    formats apart and reading do not parse the file twice); otherwise as :func:`loads`."""
    mapper = _Mapper(source)
    with mapper.reading():
        parsed = _read_json(document, mapper)
        return mapper.schedule(parsed, timezone, modified, environment=environment)


# --- The intermediate form: what both JSON and XML hold ------------------------------------------


@attrs.frozen
class _Day:
    index: int
    date: str | None
    start: str | None
    end: str | None


@attrs.frozen
class _RawEvent:
    position: int
    text: Mapping[str, str | None]
    persons: tuple[str, ...]
    day: _Day | None
    # (field, message, value) found while reading the form
    problems: tuple[tuple[str, str, object], ...] = ()


@attrs.frozen
class _Parsed:
    title: str | None
    zone: str | None
    day_change: str | None
    url: str | None
    description: str | None
    days: tuple[_Day, ...]
    events: tuple[_RawEvent, ...]


# --- XML -----------------------------------------------------------------------------------------


def _read_xml(data: bytes | str, mapper: _Mapper) -> _Parsed:
    # Imported here, not with the module: every confcal start (even --help) would pay for them.
    from xml.etree.ElementTree import Element, ParseError

    import defusedxml
    import defusedxml.ElementTree as safe_xml

    source = mapper.source
    if isinstance(data, bytes) and (codec := xml_codec(data)) is not None:
        # UTF-16 and UTF-32 (by byte order mark, as XML 1.0 says): the parser reads UTF-8, UTF-16
        # with a BOM and 8-bit encodings itself, but not UTF-32; decoded here, all alike.
        try:
            data = data.decode(codec)
        except UnicodeDecodeError as error:
            encoding = codec.upper().removesuffix("-BE").removesuffix("-LE")
            raise InvalidInput(
                [
                    Problem(
                        f"not valid {encoding}, as its first bytes say it is: {error.reason} at "
                        f"byte {error.start}",
                        source=source,
                    )
                ]
            ) from None
    try:
        root = safe_xml.fromstring(data)
    except defusedxml.DefusedXmlException as error:
        raise InvalidInput(
            [
                Problem(
                    f"refused: the XML {_refusal(error)}; a schedule needs none, and expanding or "
                    "fetching it could exhaust memory or reach the network",
                    source=source,
                )
            ]
        ) from None
    except ParseError as error:
        line, column = error.position
        message = str(error).split(":")[0]
        raise InvalidInput(
            [
                Problem(
                    f"not well-formed XML: {message} at line {line} column {column + 1}",
                    source=source,
                )
            ]
        ) from None
    if root.tag != "schedule":
        raise InvalidInput(
            [
                Problem(
                    f"not a pretalx/frab schedule: the root element is <{name(root.tag)}>, "
                    "not <schedule>",
                    source=source,
                )
            ]
        )
    conference = root.find("conference")
    if conference is None:
        conference = Element("conference")
    days: list[_Day] = []
    events: list[_RawEvent] = []
    # Where the schedule XML has them (schedule > day > room > event), each element looked at once.
    for index, day_element in enumerate(root.iterfind("day"), start=1):
        day = _Day(
            index=_int(day_element.get("index"), index),
            date=day_element.get("date"),
            start=day_element.get("start"),
            end=day_element.get("end"),
        )
        days.append(day)
        for room in day_element.iterfind("room"):
            for element in room.iterfind("event"):
                events.append(_xml_event(element, room, day, len(events) + 1))
    _elsewhere(mapper, root, "day", len(days), "<schedule>")
    _elsewhere(mapper, root, "event", len(events), "a <room> inside a <day>")
    _no_days(mapper, days, events, "<day>")
    return _Parsed(
        title=_clean(conference.findtext("title")),
        zone=_clean(conference.findtext("time_zone_name")),
        day_change=_clean(conference.findtext("day_change")),
        url=_clean(conference.findtext("url")) or _clean(conference.findtext("base_url")),
        description=None,
        days=tuple(days),
        events=tuple(events),
    )


def _elsewhere(mapper: _Mapper, root: Element, tag: str, read: int, parent: str) -> None:
    """A problem when the file has ``<tag>`` elements besides the ``read`` ones directly inside
    ``parent``: confcal would leave them out (a session lost), or could only guess."""
    found = sum(1 for _ in root.iter(tag))
    if found > read:
        mapper.problem(
            f"{found - read} <{tag}> element(s) are not directly inside {parent}, where a "
            "schedule has them; confcal would leave them out",
            field=f"<{tag}>",
        )


def _refusal(error: defusedxml.DefusedXmlException) -> str:
    import defusedxml

    if isinstance(error, defusedxml.EntitiesForbidden):
        target = f" ({shown(error.sysid)})" if error.sysid else ""
        return f"declares the entity {shown(error.name)}{target}"
    if isinstance(error, defusedxml.ExternalReferenceForbidden):
        return f"refers to the external resource {shown(error.sysid)}"
    return "has a document type declaration"


def _xml_event(element: Element, room: Element, day: _Day, position: int) -> _RawEvent:
    text: dict[str, str | None] = {key: element.findtext(key) for key in _EVENT_TEXT}
    text["guid"] = element.get("guid") or text["guid"]
    text["id"] = element.get("id") or text["id"]
    if not _clean(text["room"]):
        text["room"] = room.get("name")
    persons = tuple((p.text or "") for p in element.iterfind("persons/person"))
    return _RawEvent(position=position, text=text, persons=persons, day=day)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- JSON ----------------------------------------------------------------------------------------


def _read_json(document: object, mapper: _Mapper) -> _Parsed:
    source = mapper.source
    schedule = document.get("schedule", document) if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    if not isinstance(schedule, dict) or not isinstance(conference, dict):
        raise InvalidInput(
            [
                Problem(
                    "not a pretalx/frab schedule.json: expected "
                    '{"schedule": {"conference": {...}}}',
                    source=source,
                )
            ]
        )
    top, where = ("schedule." if schedule is not document else ""), "conference."
    raw_tracks = _json_list(mapper, conference, "tracks", where)
    tracks = {
        t["slug"]: t["name"]
        for t in raw_tracks
        if isinstance(t, dict) and isinstance(t.get("slug"), str) and isinstance(t.get("name"), str)
    }
    days: list[_Day] = []
    events: list[_RawEvent] = []
    event_objects: list[object] = []
    for index, raw_day in enumerate(_json_list(mapper, conference, "days", where), start=1):
        at = f"{where}days[{index - 1}]"
        if not isinstance(raw_day, dict):
            mapper.problem(
                f"must be an object, not {kind(raw_day)}: {shown(raw_day)}", field=at, value=raw_day
            )
            continue
        day = _Day(
            index=raw_day["index"] if type(raw_day.get("index")) is int else index,
            date=_json_field(mapper, raw_day, "date", f"{at}."),
            start=_json_field(mapper, raw_day, "day_start", f"{at}.")
            or _json_field(mapper, raw_day, "start", f"{at}."),
            end=_json_field(mapper, raw_day, "day_end", f"{at}.")
            or _json_field(mapper, raw_day, "end", f"{at}."),
        )
        days.append(day)
        rooms = raw_day.get("rooms")
        if rooms is not None and not isinstance(rooms, dict):
            mapper.problem(
                "must be an object that maps each room's name to its list of events, not "
                f"{kind(rooms)}: {shown(rooms)}",
                field=f"{at}.rooms",
                value=rooms,
            )
            continue
        for room_name, room_events in (rooms or {}).items():
            if not isinstance(room_events, list):
                mapper.problem(
                    f"must be a list of events, not {kind(room_events)}: {shown(room_events)}",
                    field=f"{at}.rooms.{name(room_name)}",
                    value=room_events,
                )
                continue
            for raw in room_events:
                event_objects.append(raw)
                events.append(_json_event(raw, room_name, day, tracks, len(events) + 1))
    # The hub's shape: one flat list of events, not listed under days and rooms.
    for raw in _json_list(mapper, schedule, "events", top):
        event_objects.append(raw)
        events.append(_json_event(raw, None, None, tracks, len(events) + 1))
    # Keys given twice anywhere but in an event (whose own problems name the event).
    inside_events = {id(e) for e in event_objects}
    for path, mapping in walk(document, "", stop=inside_events):
        if twice(mapping):
            mapper.twice(mapping, where=path())
    _no_days(mapper, days, events, f"{where}days")
    return _Parsed(
        title=_json_field(mapper, conference, "title", where),
        zone=_json_field(mapper, conference, "time_zone_name", where),
        day_change=_json_field(mapper, conference, "day_change", where),
        url=_json_field(mapper, conference, "url", where)
        or _json_field(mapper, schedule, "base_url", top),
        description=_json_field(mapper, conference, "description", where),
        days=tuple(days),
        events=tuple(events),
    )


def _no_days(mapper: _Mapper, days: list[_Day], events: list[_RawEvent], field: str) -> None:
    """A file with neither days nor events is not a programme; days without events, an empty one.

    Either would silently give an empty calendar, whose subscribers then lose every session.
    """
    if events:
        return
    if not days:
        mapper.problem(
            "the schedule lists no days and no events, so there is nothing to export "
            "(is this the programme's schedule file?)",
            field=field,
        )
    else:
        mapper.warn(
            f"the schedule's {len(days)} day(s) list no events: the calendars will be empty",
            field=field,
        )


def _json_list(
    mapper: _Mapper, mapping: Mapping[str, object], key: str, where: str
) -> list[object]:
    """``mapping[key]`` as a list; absent or null is an empty one, anything else a problem."""
    value = mapping.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        mapper.problem(
            f"must be a list, not {kind(value)}: {shown(value)}", field=f"{where}{key}", value=value
        )
        return []
    return value


def _json_field(mapper: _Mapper, mapping: Mapping[str, object], key: str, where: str) -> str | None:
    """``mapping[key]`` as text (a number is its digits); anything else a problem."""
    value = mapping.get(key)
    text = _json_text(value)
    if value is not None and text is None:
        mapper.problem(
            f"must be text, not {kind(value)}: {shown(value)}", field=f"{where}{key}", value=value
        )
    return text


def _json_text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def _json_event(
    raw: object, room: str | None, day: _Day | None, tracks: Mapping[str, str], position: int
) -> _RawEvent:
    if not isinstance(raw, dict):
        problem = ("", f"must be an object, not {kind(raw)}: {shown(raw)}", raw)
        return _RawEvent(position, {}, (), day, (problem,))
    problems: list[tuple[str, str, object]] = [
        (
            f"{path()}{name(key)}",
            f"appears twice in one object, as {shown(a)} and as {shown(b)}; keep one",
            b,
        )
        for path, mapping in walk(raw, "")
        for key, a, b in twice(mapping)
    ]
    text: dict[str, str | None] = {}
    for key in _EVENT_TEXT:
        value = raw.get(key)
        if isinstance(value, dict) and key in ("room", "track"):
            # The hub writes {"name": ..., "slug": ...}; its tracks often carry only the slug.
            slug = value.get("slug")
            value = value.get("name") or (tracks.get(slug, slug) if isinstance(slug, str) else None)
        if value is not None and _json_text(value) is None:
            problems.append((key, f"must be text, not {kind(value)}: {shown(value)}", value))
        text[key] = _json_text(value)
    if not _clean(text["room"]):
        text["room"] = room
    # The hub's events carry an offset-bearing "start" and "end" instead of "date" and "duration".
    if text["date"] is None and text["start"] is not None and "T" in text["start"]:
        text["date"], text["start"] = text["start"], None
    key = "participants" if not raw.get("persons") and raw.get("participants") else "persons"
    people = raw.get(key)
    persons: list[str] = []
    if people is not None and not isinstance(people, list):
        problems.append(
            (key, f"must be a list of people, not {kind(people)}: {shown(people)}", people)
        )
        people = []
    for person in people or []:
        names = [person] if isinstance(person, str) else []
        if isinstance(person, dict):
            names = [person[k] for k in _PERSON_NAMES if isinstance(person.get(k), str)]
        if names:
            persons.append(next((n for n in names if n.strip()), ""))  # "": no name, left out
        else:
            problems.append(
                (
                    key,
                    f"{shown(person)} is neither a name nor an object with a public_name",
                    person,
                )
            )
    return _RawEvent(position, text, tuple(persons), day, tuple(problems))


# --- The mapping into confcal's model ------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    """Empty and blank fields are absent: frab writes ``<subtitle/>`` and ``""`` for "none"."""
    if value is None or not value.strip():
        return None
    return value


def _clock_duration(text: str) -> dt.timedelta | None:
    """A frab/pretalx duration: ``HH:MM`` (hours may exceed 24), ``HH:MM:SS`` or ``D:HH:MM``.

    Three parts are ambiguous: pentabarf writes ``00:30:00`` (zero-padded hours, then seconds),
    pretalx writes ``1:02:30`` for a day and more (unpadded days first). So a two-digit first part
    means ``HH:MM:SS`` and a one-digit one ``D:HH:MM``. :class:`OverflowError` for one longer than
    Python counts (``99999999999:00``), which would end past any year a programme may name.
    """
    parts = text.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    if any(len(p) != 2 for p in parts[1:]):
        return None
    if len(parts[0].lstrip("0")) > 15:  # int() refuses past 4,300 digits; timedelta past 10**10 h
        raise OverflowError(text)
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        return None
    if len(parts) == 2:
        return dt.timedelta(hours=numbers[0], minutes=numbers[1])
    if len(parts[0]) == 1:
        if numbers[1] >= 24:
            return None
        return dt.timedelta(days=numbers[0], hours=numbers[1], minutes=numbers[2])
    return dt.timedelta(hours=numbers[0], minutes=numbers[1], seconds=numbers[2])


def _parse_instant(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if "T" in text or " " in text.strip() else None


def _parse_clock(text: str) -> dt.time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


def _original(raw: _RawEvent) -> str:
    """The event's guid (else its id) as the file has it, stripped; "" for none."""
    return (_clean(raw.text.get("guid")) or _clean(raw.text.get("id")) or "").strip()


def _identifiers(raws: Iterable[_RawEvent]) -> dict[str, tuple[str, bool]]:
    """The id of each guid (or id) in the file, and whether it has a hash of the guid: the guid
    itself where confcal can use it as it is, else one made of it (see :func:`_made_id`).

    Deterministic, so a rebuild from the same file keeps the same UIDs; and distinct: two made ids
    that would be the same (``a b`` and ``a/b``), or would be an id the file uses as it is
    (``a-b``), ignoring case, each get a hash of their guid.
    """
    made: dict[str, tuple[str, bool]] = {}
    for raw in raws:
        original = _original(raw)
        if original and original not in made:
            usable = ID_PATTERN.fullmatch(original) and not RESERVED_NAMES.fullmatch(original)
            made[original] = (original, False) if usable else _made_id(original)
    users: defaultdict[str, set[str]] = defaultdict(set)
    for original, (candidate, _) in made.items():
        users[candidate.lower()].add(original)
    ids = {}
    for original, (candidate, hashed) in made.items():
        if candidate != original and not hashed and len(users[candidate.lower()]) > 1:
            candidate, hashed = _hashed(candidate, original), True
        ids[original] = (candidate, hashed)
    return ids


def _made_id(original: str) -> tuple[str, bool]:
    """An id made of a guid confcal cannot use as it is, and whether it has a hash of the guid.

    Latin letters lose their accents (Unicode NFKD: ``Café`` gives ``Cafe``, ``ﬁ`` gives ``fi``;
    ``ß`` gives ``ss``), and what is still not a letter, digit, ``.``, ``_`` or ``-`` becomes
    ``-``. Where that changes or loses letters or digits (``Café``, ``東京``, a guid past 200
    characters), a hash of the guid is added: then no other guid gets the same id, whatever else
    the file holds.
    """
    # Past 1,000 characters the id would lose letters anyway: the rest is not looked at.
    head = original[:1000]
    decomposed = unicodedata.normalize("NFKD", head).translate(_LATIN)
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = _ID_BAD.sub("-", ascii_).lstrip("._-")[:200].rstrip("._-")
    if head != original or re.sub(r"[\W_]+", "", head) != re.sub(r"[^A-Za-z0-9]+", "", kept):
        return _hashed(kept, original), True
    if not kept or RESERVED_NAMES.fullmatch(kept):
        kept = f"event-{kept}"[:200].rstrip("._-")
    return kept, False


# Latin letters NFKD does not decompose.
_LATIN = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
     "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "\u0131": "i"}
)  # fmt: skip


def _hashed(candidate: str, original: str) -> str:
    """``candidate`` (``event`` if empty) and 8 hex digits of the SHA-256 of ``original``."""
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{candidate[:191].rstrip('._-') or 'event'}-{digest}"


class _Mapper(Collector):
    """Maps the intermediate form into confcal's model, collecting every problem on the way."""

    ids: dict[str, tuple[str, bool]]

    def schedule(
        self,
        parsed: _Parsed,
        timezone: str | None,
        modified: dt.datetime | None,
        *,
        environment: bool = True,
    ) -> Imported:
        zone = self.choose_zone(parsed.zone, timezone)
        if zone is None:
            raise self.fail()
        day_change = self.day_change(parsed, zone)
        self.ids = _identifiers(parsed.events)
        built = [self.event(raw, zone, day_change) for raw in parsed.events]
        events = [e for e in built if e is not None]
        self.duplicates(events, field="guid", advice="; each guid must be unique")
        dtstamp = self.dtstamp(None, modified, environment=environment)
        name = _clean(parsed.title)
        if name is None:
            self.problem(
                "the conference has no title, which names the calendar", field="conference.title"
            )
        if self.problems or name is None:
            raise self.fail()
        self.check_days(parsed.events, built, zone, day_change)
        try:
            schedule = Schedule(
                name=name.strip(),
                timezone=zone,
                events=events,
                url=_clean(parsed.url),
                description=_clean(parsed.description),
                day_change=day_change,
                dtstamp=dtstamp,
            )
        except InvalidInput as error:
            raise InvalidInput(
                [
                    attrs.evolve(reshown(p, source=self.source), field=f"conference.{p.field}")
                    for p in error.problems
                ]
            ) from None
        # Pinned, so the UIDs stay those of this file if the programme is converted and its
        # url later edited: a changed UID is a new event to every subscriber.
        schedule = attrs.evolve(schedule, uid_domain=schedule.uid_host)
        return Imported(schedule, self.all_warnings())

    def choose_zone(self, named: str | None, given: str | None) -> str | None:
        named = _clean(named)
        if given is not None:
            if named is not None and named.strip() != given:
                self.warn(
                    f"the file says {shown(named.strip())}; using {shown(given)} as asked "
                    "(--timezone)",
                    field="conference.time_zone_name",
                    value=named,
                )
            chosen, field = given, "--timezone"
        elif named is None:
            self.problem(
                "is missing, so the file names no time zone: give the programme's zone with "
                "--timezone ZONE (library: timezone=...), e.g. --timezone Europe/Berlin",
                field="conference.time_zone_name",
            )
            return None
        else:
            chosen, field = named.strip(), "conference.time_zone_name"
        return chosen if self.zone(chosen, field=field) else None

    def day_change(self, parsed: _Parsed, zone: str) -> dt.time:
        """The file's own ``day_change``, else the one its ``days`` boundaries imply."""
        if parsed.day_change is not None:
            clock = _parse_clock(parsed.day_change)
            if clock is None or clock.second:
                self.problem(
                    f"{shown(parsed.day_change)} is not a time of day HH:MM",
                    field="conference.day_change",
                    value=parsed.day_change,
                )
                return dt.time()
            return clock
        boundaries: list[tuple[dt.time, _Day]] = []
        for day in parsed.days[1:] or parsed.days[:1]:
            start = _parse_instant(day.start) if day.start else None
            if start is None or start.tzinfo is None or day.date is None:
                continue
            field = f"days[{day.index}].start"
            if not self.in_years(start, day.start or "", event=None, field=field):
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
            self.warn(
                f"the days begin at different times ({listed}); using the earliest, "
                f"{times[0].strftime('%H:%M')}, as the day change",
                field="days",
            )
        return times[0]

    def label(self, raw: _RawEvent) -> str:
        """The event as messages name it: its guid, else its title, else its position."""
        guid, title = _clean(raw.text.get("guid")), _clean(raw.text.get("title"))
        return event_label(
            raw.position, guid.strip() if guid else None, title.strip() if title else None
        )

    def identifier(self, raw: _RawEvent, label: str) -> str | None:
        guid = _clean(raw.text.get("guid"))
        original = _original(raw)
        if not original:
            self.problem(
                "has neither a guid nor an id, so it cannot get a stable UID",
                event=label,
                field="guid",
            )
            return None
        candidate, hashed = self.ids[original]
        if candidate != original:
            how = ", and a hash of the guid, which keeps it apart from others" if hashed else ""
            self.warn(
                f"{shown(original)} is not a usable confcal id; using {shown(candidate)} "
                f"(letters, digits, '.', '_' and '-' only{how})",
                event=label,
                field="guid" if guid else "id",
                value=original,
            )
        return candidate

    def event(self, raw: _RawEvent, zone: str, day_change: dt.time) -> Event | None:
        label = self.label(raw)
        before = len(self.problems)
        for field, message, value in raw.problems:
            self.problem(message, event=label, field=field or None, value=value)
        if len(self.problems) > before:
            return None
        event_id = self.identifier(raw, label)
        start = self.start(raw, label, zone, day_change)
        end = self.end(raw, label, zone, start) if start is not None else None
        if len(self.problems) > before or event_id is None or start is None or end is None:
            return None
        text = {key: _clean(value) for key, value in raw.text.items()}
        # Pretty-printed XML surrounds text with the indentation: <title>\n  Hello\n</title>.
        title = (raw.text.get("title") or "").strip()
        subtitle = text.get("subtitle")
        if subtitle is not None and title:
            separator = " " if _ENDS_IN_PUNCTUATION.search(title) else ": "
            title = f"{title}{separator}{subtitle.strip()}"
        parts = [
            p.strip() for p in (text.get("abstract"), text.get("description")) if p is not None
        ]
        if len(parts) == 2 and (parts[1] == parts[0] or parts[1].startswith(parts[0])):
            parts = parts[1:]
        try:
            return Event(
                id=event_id,
                title=title,
                start=start,
                end=end,
                type=_strip(text.get("type")),
                track=_strip(text.get("track")),
                location=_strip(text.get("room")),
                description="\n\n".join(parts) or None,
                url=_strip(text.get("url")),
                speakers=[s.strip() for s in raw.persons if s.strip()],
            )
        except InvalidInput as error:
            field_names = {"location": "room", "speakers": "persons"}
            self.problems.extend(
                attrs.evolve(
                    reshown(p, source=self.source, event=label),
                    field=field_names.get(p.field or "", p.field),
                )
                for p in error.problems
            )
            return None

    def start(
        self, raw: _RawEvent, label: str, zone: str, day_change: dt.time
    ) -> dt.datetime | None:
        date_text = _clean(raw.text.get("date"))
        start_text = _clean(raw.text.get("start"))
        if date_text is None:
            return self.start_from_day(raw, label, zone, day_change, start_text)
        parsed = _parse_instant(date_text)
        if parsed is None:
            self.problem(
                f"{shown(date_text)} is not a date and time such as 2024-12-27T10:30:00+01:00",
                event=label, field="date", value=date_text,
            )  # fmt: skip
            return None
        if not self.in_years(parsed, date_text, event=label, field="date"):
            return None
        if parsed.tzinfo is None:
            return self.localize(parsed, zone, label, "date", date_text)
        instant = parsed
        local = self.localized(
            lambda: zones.from_instant(instant, zone), date_text, event=label, field="date"
        )
        if local is None:
            return None
        printed = _parse_clock(start_text) if start_text else None
        wall = local.time().replace(tzinfo=None)
        complaints = []
        given, actual = parsed.utcoffset(), local.utcoffset()
        if given is not None and actual is not None and given != actual:
            complaints.append(
                f"its UTC offset {zones.format_offset(given)} disagrees with {zone}, "
                f"which is {zones.format_offset(actual)} then"
            )
        if printed is not None and printed != wall:
            complaints.append(
                f"the programme's start {shown(start_text.strip() if start_text else '')} is "
                "not the "
                f"{wall.strftime('%H:%M')} that instant is in {zone}"
            )
        if complaints:
            self.warn(
                f"{shown(date_text)}: {', and '.join(complaints)}; kept the instant, "
                f"{local.strftime('%Y-%m-%d %H:%M')} {zone}",
                event=label, field="date", value=date_text,
            )  # fmt: skip
        return local

    def start_from_day(
        self, raw: _RawEvent, label: str, zone: str, day_change: dt.time, start_text: str | None
    ) -> dt.datetime | None:
        """No ``date``: the day's date and the ``start`` clock, as old pentabarf files have it."""
        clock = _parse_clock(start_text) if start_text else None
        day_date = None
        if raw.day is not None and raw.day.date:
            try:
                day_date = dt.date.fromisoformat(raw.day.date)
            except ValueError:
                day_date = None
            if day_date is not None and not self.in_years(
                day_date, raw.day.date, event=label, field="day"
            ):
                return None
        if clock is None or day_date is None:
            self.problem(
                "is required (an offset-bearing date and time such as 2024-12-27T10:30:00+01:00)",
                event=label, field="date",
            )  # fmt: skip
            return None
        # Listed under its conference day: a time before the day change is after midnight.
        if clock < day_change:
            day_date += dt.timedelta(days=1)
        return self.localize(dt.datetime.combine(day_date, clock), zone, label, "start", start_text)

    def localize(
        self, naive: dt.datetime, zone: str, label: str, field: str, text: str | None
    ) -> dt.datetime | None:
        return self.localized(
            lambda: zones.localize(naive, zone), text or "", event=label, field=field
        )

    def end(self, raw: _RawEvent, label: str, zone: str, start: dt.datetime) -> dt.datetime | None:
        end_text = _clean(raw.text.get("end"))
        duration_text = _clean(raw.text.get("duration"))
        duration = None
        if duration_text is not None:
            try:
                duration = _clock_duration(duration_text)
            except OverflowError:  # 99999999999:00: more days than Python counts
                self.problem(
                    f"{shown(duration_text)} ends after the year {YEARS[-1]}; a typo?",
                    event=label, field="duration", value=duration_text,
                )  # fmt: skip
                return None
            if duration is None:
                self.problem(
                    f"{shown(duration_text)} is not a duration such as 00:45 (HH:MM)",
                    event=label, field="duration", value=duration_text,
                )  # fmt: skip
                return None
        end_instant = None
        if end_text is not None:
            end_instant = _parse_instant(end_text)
            if end_instant is None or end_instant.tzinfo is None:
                self.problem(
                    f"{shown(end_text)} is not a date and time with a UTC offset",
                    event=label, field="end", value=end_text,
                )  # fmt: skip
                return None
            if not self.in_years(end_instant, end_text, event=label, field="end"):
                return None
            if duration is not None and end_instant - start != duration:
                self.warn(
                    f"{shown(end_text)} is not the start plus the duration "
                    f"{shown(duration_text)}; "
                    "using the end",
                    event=label, field="end", value=end_text,
                )  # fmt: skip
        elif duration is not None:
            try:
                end_instant = start.astimezone(dt.UTC) + duration  # elapsed, across clock changes
                if end_instant.year not in YEARS:
                    raise OverflowError
            except OverflowError:
                self.problem(
                    f"{shown(duration_text)} ends after the year {YEARS[-1]}; a typo?",
                    event=label, field="duration", value=duration_text,
                )  # fmt: skip
                return None
        else:
            self.problem("is required (or an end)", event=label, field="duration")
            return None
        if end_instant <= start:
            what = "has no length" if end_instant == start else "ends before it starts"
            self.problem(
                f"the session {what}",
                event=label,
                field="end" if end_text else "duration",
                value=end_text or duration_text,
            )
            return None
        instant = end_instant
        return self.localized(
            lambda: zones.from_instant(instant, zone),
            end_text or duration_text or "",
            event=label,
            field="end" if end_text else "duration",
        )

    def check_days(
        self,
        raws: Iterable[_RawEvent],
        built: Iterable[Event | None],
        zone: str,
        day_change: dt.time,
    ) -> None:
        """Say so when the file lists a session under a day other than the one it belongs to."""
        for raw, event in zip(raws, built, strict=True):
            if event is None or raw.day is None or not raw.day.date:
                continue
            day = event.days(zone, day_change)[0].isoformat()
            if day != raw.day.date:
                local = zones.to_local(event.start, zone)  # type: ignore[arg-type]
                self.warn(
                    f"starts {local.strftime('%Y-%m-%d %H:%M')}, which is conference day {day} "
                    f"(days begin at {day_change.strftime('%H:%M')}), but the file lists it under "
                    f"{shown(raw.day.date)}",
                    event=self.label(raw), field="day", value=raw.day.date,
                )  # fmt: skip


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()
