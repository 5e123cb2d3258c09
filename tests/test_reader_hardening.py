"""The readers under careless and hostile input (issue 13): reading is linear in the input, every
value a message shows is escaped and shortened the same way, non-ASCII guids give distinct ids,
the format is told by the file's real shape, XML in UTF-16/UTF-32 is read, and a file wrong
everywhere stops being read after a bounded number of problems.

Every breaking input is built here. Nothing is timed: linear work is pinned by counting it, and
`benchmarks/reading.py` measures time and memory.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import confcal
from confcal.errors import InvalidInput, LoadWarning, Problem
from confcal.readers import _common, _json, detect
from conftest import read
from test_bad_input import run

HERE = Path(__file__).resolve().parent
PRETALX: dict[str, object] = json.loads((HERE / "frab" / "pretalx.json").read_text("utf-8"))
XML = (HERE / "frab" / "schedule.xml").read_text("utf-8")
EVENTS: dict[str, object] = json.loads((HERE.parent / "events.json").read_text("utf-8"))
GUID = "1f0c9a52-3b7e-5d21-a4c6-0e9f8d7c6b5a"  # the first event of pretalx.json
XML_GUID = "9c3ebb8c-7716-5130-b9fe-ff8544f5636d"  # the first event of schedule.xml

Document = dict[str, object]


def _pretalx() -> Document:
    return copy.deepcopy(PRETALX)


def _first(document: Document) -> Document:
    return document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][0]  # type: ignore[index,no-any-return]


def _second(document: Document) -> Document:
    return document["schedule"]["conference"]["days"][0]["rooms"]["Hall A"][1]  # type: ignore[index,no-any-return]


def _messages(path: Path) -> list[str]:
    """Every problem and warning reading ``path`` gives, as printed."""
    warnings: list[LoadWarning] = []
    try:
        confcal.load(path, on_warning=warnings.append)
    except InvalidInput as error:
        return [str(p) for p in error.problems] + [str(w) for w in warnings]
    return [str(w) for w in warnings]


# --- Durations past what Python counts ----------------------------------------------------------


@pytest.mark.parametrize("duration", ["99999999999:00", "99999999999:00:00", "9" * 5000 + ":00"])
def test_a_duration_past_what_python_counts_is_a_located_problem(
    duration: str, tmp_path: Path
) -> None:
    document = _pretalx()
    _first(document)["duration"] = duration
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert (problem.event, problem.field, problem.value) == (f'"{GUID}"', "duration", duration)
    assert "ends after the year 2199" in problem.message
    assert len(problem.message) < 200
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output


# --- Linear reading -----------------------------------------------------------------------------


def _nested_unknown_key(depth: int, objects: str) -> str:
    """pretalx.json with an unknown key ``depth`` objects deep (keys of 40 letters) holding
    ``objects`` (the issue's file: 900 deep, 50,000 ``{}``, 191 KB)."""
    body = json.dumps(PRETALX, separators=(",", ":"))
    nested = '{"' + "k" * 40 + '":'
    return body[:-1] + ',"unknown":' + nested * depth + objects + "}" * depth + "}"


def test_a_deeply_nested_unknown_key_is_read_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "schedule.json"
    path.write_text(_nested_unknown_key(900, "[" + ",".join(["{}"] * 50_000) + "]"), "utf-8")
    assert 180_000 < path.stat().st_size < 200_000
    # In a process of its own, so that its peak is this reading's: 1.87 GB before, 36 MB now
    # (26 MB of it Python and confcal before reading anything). VmHWM, not ru_maxrss, which
    # keeps the peak of the process it was forked from (here pytest's).
    measure = (
        "import re, sys, confcal; "
        "print(len(confcal.load(sys.argv[1]).events), "
        "re.search(r'VmHWM:\\s*(\\d+) kB', open('/proc/self/status').read())[1])"
    )
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc/self/status to read the peak memory from")
    done = subprocess.run(
        [sys.executable, "-c", measure, str(path)], capture_output=True, text=True, check=True
    )
    events, kilobytes = map(int, done.stdout.split())
    assert events == 3
    assert kilobytes < 200 * 1024


def test_the_path_of_a_key_given_twice_names_lists_and_objects_as_before(tmp_path: Path) -> None:
    document = _pretalx()
    document["extra"] = {"list": [{}, [{"deep": {}}]]}
    text = json.dumps(document).replace('"deep": {}', '"deep": {"x": 1, "x": 2}')
    path = tmp_path / "schedule.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert [p.field for p in caught.value.problems] == ["extra.list[1][0].deep.x"]


def test_twenty_thousand_nested_days_are_refused_not_read_over_and_over(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    n = 20_000
    path.write_text(XML.replace("</schedule>", "<day>" * n + "</day>" * n + "</schedule>"))
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.field == "<day>"
    assert problem.message.startswith(f"{n - 1} <day> element(s) are not directly inside")


def test_a_valid_schedule_xml_reads_the_same_with_its_days_rooms_and_events_in_place() -> None:
    imported = read(XML.encode())
    assert len(imported.schedule.events) == 4


# --- Problems and warnings are bounded ----------------------------------------------------------


def _empty_events(count: int) -> str:
    calendar = {"name": "Empty", "timezone": "Europe/Berlin"}
    return json.dumps({"calendar": calendar, "events": [{}] * count})


def test_two_hundred_thousand_empty_events_stop_reading_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(_empty_events(200_000), "utf-8")
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    problems = caught.value.problems
    assert len(problems) == _common.LIMIT + 1
    assert problems[0].event == "#1"
    assert problems[-1] == Problem(
        f"stopped reading after {_common.LIMIT} problems; fix these and run again",
        source=str(path),
    )


def test_a_file_with_exactly_the_limit_of_problems_lists_them_all(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(_empty_events(_common.LIMIT // 4), "utf-8")  # four problems each
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    assert len(caught.value.problems) == _common.LIMIT
    assert "stopped reading" not in str(caught.value)


def test_warnings_past_the_limit_are_counted_in_one_last_warning() -> None:
    talks = [
        {
            "guid": f"talk {i}",
            "date": "2025-06-01T12:00:00+02:00",
            "duration": "00:30",
            "title": "T",
        }
        for i in range(_common.LIMIT + 5)
    ]
    day = {"index": 1, "date": "2025-06-01", "rooms": {"R": talks}}
    conference = {"title": "Many", "time_zone_name": "Europe/Berlin", "days": [day]}
    imported = read(json.dumps({"schedule": {"conference": conference}}))
    assert len(imported.schedule.events) == _common.LIMIT + 5
    (warning,) = imported.warnings
    assert warning.message.startswith(f"{_common.LIMIT + 5} sessions with a guid that is not")
    assert warning.message.endswith(f"; and {_common.LIMIT + 2} more")


# --- Every value a message shows: escaped and shortened -----------------------------------------

OSC = "\x1b]0;pwned\x07"  # retitles a terminal
C1 = "\x9d0;pwned\x9c\x9b2J\u202e"  # the same in 8-bit controls (XML may hold these), and RLO
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _assert_harmless(path: Path, *, command_line: bool) -> None:
    """Reading ``path`` shows no control character and nothing long (a file the value does not
    make wrong shows nothing); ``command_line``: nor does ``confcal check``."""
    messages = _messages(path)
    for message in messages:
        assert not _CONTROL.search(message), message
        assert len(message) < 1000, message[:300]
    if not command_line:
        return
    result = run("check", str(path))
    assert "Traceback" not in result.output
    assert not _CONTROL.search(result.stderr), result.stderr[:500]
    assert len(result.stderr) < 1200 * len(messages) + 1


def _events_json_with(place: str, value: str) -> str:
    document = copy.deepcopy(EVENTS)
    event = document["events"][0]  # type: ignore[index]
    if place == "key":
        event[value] = "x"
        document["calendar"][value] = "x"  # type: ignore[index]
    elif place.startswith("calendar."):
        document["calendar"][place.removeprefix("calendar.")] = value  # type: ignore[index]
    else:
        event[place] = value
    return json.dumps(document)


EVENTS_PLACES = [
    "id", "title", "start", "end", "duration", "timezone", "type", "track", "location",
    "description", "url", "status", "key", "calendar.name", "calendar.timezone", "calendar.url",
    "calendar.uid_domain", "calendar.day_change", "calendar.updated", "calendar.refresh",
]  # fmt: skip


@pytest.mark.parametrize("value", [OSC, OSC * 20_000], ids=["osc", "200-KB-of-osc"])
@pytest.mark.parametrize("place", EVENTS_PLACES)
def test_hostile_events_json_values_are_shown_escaped_and_short(
    place: str, value: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.json"
    path.write_text(_events_json_with(place, value), "utf-8")
    _assert_harmless(path, command_line=len(value) < 100)


def _schedule_json_with(place: str, value: str) -> str:
    document = _pretalx()
    conference = cast(Document, cast(Document, document["schedule"])["conference"])
    day = cast(Document, cast(list[object], conference["days"])[0])
    rooms = cast(Document, day["rooms"])
    if place == "room name":
        rooms[value] = rooms.pop("Hall A")
    elif place == "room events":
        rooms[value] = 5
    elif place.startswith("conference."):
        conference[place.removeprefix("conference.")] = value
    elif place.startswith("day."):
        day[place.removeprefix("day.")] = value
    elif place in ("key twice", "key twice in event"):
        (conference if place == "key twice" else _first(document))["extra"] = "TWICE"
        key = json.dumps(value)
        return json.dumps(document).replace('"TWICE"', f"{{{key}: 1, {key}: 2}}")
    else:
        _first(document)[place] = value
        if place == "guid":
            _second(document)[place] = value  # twice: "each guid must be unique"
    return json.dumps(document)


SCHEDULE_PLACES = [
    "guid", "id", "title", "subtitle", "date", "start", "end", "duration", "room", "type",
    "track", "url", "persons", "room name", "room events", "conference.title",
    "conference.time_zone_name", "conference.day_change", "conference.url", "day.date",
    "key twice", "key twice in event",
]  # fmt: skip


@pytest.mark.parametrize("value", [OSC, OSC * 20_000], ids=["osc", "200-KB-of-osc"])
@pytest.mark.parametrize("place", SCHEDULE_PLACES)
def test_hostile_schedule_json_values_are_shown_escaped_and_short(
    place: str, value: str, tmp_path: Path
) -> None:
    path = tmp_path / "schedule.json"
    path.write_text(_schedule_json_with(place, value), "utf-8")
    _assert_harmless(path, command_line=len(value) < 100)


XML_PLACES: dict[str, tuple[str, Callable[[str], str]]] = {
    "guid": (f'guid="{XML_GUID}"', lambda v: f"guid={quoteattr(v)}"),
    "title": ("<title>Welcome", lambda v: f"<title>{escape(v)}"),
    "date": ("<date>", lambda v: f"<date>{escape(v)}"),
    "start": ("<start>", lambda v: f"<start>{escape(v)}"),
    "duration": ("<duration>", lambda v: f"<duration>{escape(v)}"),
    "room": ("<room>", lambda v: f"<room>{escape(v)}"),
    "time_zone_name": ("<time_zone_name>", lambda v: f"<time_zone_name>{escape(v)}"),
    "day_change": ("<day_change>", lambda v: f"<day_change>{escape(v)}"),
    "day date": ('date="2026-01-31"', lambda v: f"date={quoteattr(v)}"),
}


@pytest.mark.parametrize("value", [C1, C1 * 20_000], ids=["c1", "200-KB-of-c1"])
@pytest.mark.parametrize("place", sorted(XML_PLACES))
def test_hostile_schedule_xml_values_are_shown_escaped_and_short(
    place: str, value: str, tmp_path: Path
) -> None:
    old, new = XML_PLACES[place]
    assert old in XML
    path = tmp_path / "schedule.xml"
    path.write_text(XML.replace(old, new(value), 1), "utf-8")
    _assert_harmless(path, command_line=len(value) < 100)


def test_a_huge_root_element_name_is_shortened(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    tag = "s" * 100_000
    path.write_text(f"<{tag}><conference/></{tag}>", "utf-8")
    (message,) = _messages(path)
    assert "the root element is <'sss" in message
    assert len(message) < 300


def test_an_osc_guid_is_shown_escaped_and_the_event_named_by_its_title(tmp_path: Path) -> None:
    document = _pretalx()
    _first(document)["guid"] = OSC
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    warnings: list[LoadWarning] = []
    confcal.load(path, on_warning=warnings.append)
    (warning,) = warnings
    assert warning.message.startswith("1 session with a guid that is not a usable confcal id")
    assert '"Keeping time"' in warning.message
    assert _common.quoted(OSC) in warning.message
    assert not _CONTROL.search(warning.message)


def test_a_ten_megabyte_guid_prints_one_short_line(tmp_path: Path) -> None:
    document = _pretalx()
    _first(document)["guid"] = "g" * 10_000_000
    _first(document)["title"] = "Two\nlines"  # so that nothing but its position names it
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    result = run("check", str(path))
    assert result.exit_code == 0, result.output
    assert len(result.stderr) < 500
    assert '("gggggg' in result.stderr and result.stderr.count("\n") == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(max_size=300))
def test_any_guid_or_title_is_shown_without_control_characters(value: str) -> None:
    document = _pretalx()
    _first(document)["guid"] = value
    _first(document)["title"] = value
    _first(document)["duration"] = value
    messages: list[str] = []
    try:
        read(json.dumps(document))
    except InvalidInput as error:
        messages += [str(p) for p in error.problems]
    except ValueError:  # pragma: no cover
        raise
    for message in messages:
        assert not _CONTROL.search(message), message
        assert len(message) < 1000


# --- Non-ASCII guids ----------------------------------------------------------------------------


def _schedule_of(guids: list[str]) -> str:
    talks = [
        {
            "guid": g,
            "date": f"2025-06-01T{10 + i % 10}:00:00+02:00",
            "duration": "00:30",
            "title": "T",
        }
        for i, g in enumerate(guids)
    ]
    day = {"index": 1, "date": "2025-06-01", "rooms": {"R": talks}}
    conference = {"title": "Guids", "time_zone_name": "Europe/Berlin", "days": [day]}
    return json.dumps({"schedule": {"conference": conference}})


def test_two_guids_in_other_scripts_get_two_ids_each_named_in_a_warning() -> None:
    imported = read(_schedule_of(["東京", "大阪"]))
    # Pinned: a changed id is a changed UID, a new event to every subscriber.
    assert [e.id for e in imported.schedule.events] == ["event-130016b2", "event-6df97746"]
    (warning,) = imported.warnings
    assert warning.message.startswith("2 sessions with a guid that is not a usable confcal id")
    assert warning.message.endswith(
        ': 2025-06-01 10:00 "R" "T" ("東京" as "event-130016b2"); '
        '2025-06-01 11:00 "R" "T" ("大阪" as "event-6df97746")'
    )


@pytest.mark.parametrize(
    ("guid", "expected"),
    [
        ("Café", "Cafe-73473dcc"),
        ("Straße", "Strasse-58a3778c"),
        ("Łódź", "Lodz-bc8847fc"),
        ("\uff34\uff41\uff4c\uff4b\uff11", "Talk1-55300013"),  # Talk1, in full width
        ("{Talk 7}", "Talk-7"),  # as before issue 13: punctuation alone needs no hash
        ("CON", "event-CON"),
        ("g" * 300, "g" * 191 + "-" + "1512a6f6"),  # past 200 characters: a hash
    ],
)
def test_an_id_made_from_a_guid_is_the_same_every_time(guid: str, expected: str) -> None:
    (event,) = read(_schedule_of([guid])).schedule.events
    assert event.id == expected


def test_ids_made_alike_from_different_guids_each_get_a_hash() -> None:
    events = read(_schedule_of(["a b", "a/b", "a-b", "Cafe", "Café"])).schedule.events
    ids = [e.id for e in events]
    assert ids[2:4] == ["a-b", "Cafe"]  # usable as they are: kept
    assert re.fullmatch(r"a-b-[0-9a-f]{8}", ids[0]) and re.fullmatch(r"a-b-[0-9a-f]{8}", ids[1])
    assert len({i.lower() for i in ids}) == 5


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    guids=st.lists(
        st.text(min_size=1, max_size=40).filter(lambda g: g.strip() != ""),
        min_size=1,
        max_size=8,
        unique_by=lambda g: g.strip().lower(),
    )
)
def test_any_distinct_guids_give_distinct_usable_stable_ids(guids: list[str]) -> None:
    text = _schedule_of(guids)
    first, second = read(text), read(text)
    assert first == second
    ids = [e.id for e in first.schedule.events]
    assert len(ids) == len(guids)
    assert len({i.lower() for i in ids}) == len(ids)
    assert all(_usable(event_id) for event_id in ids)
    made = sum(event_id != guid.strip() for guid, event_id in zip(guids, ids, strict=True))
    noun = "session" if made == 1 else "sessions"
    said = [
        w.message for w in first.warnings if f"{made} {noun} with a guid that is not" in w.message
    ]
    assert len(said) == (1 if made else 0)


def _usable(event_id: str) -> bool:
    """Whether the model takes ``event_id`` as an event's id (its rule, asked through Event)."""
    start = dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)
    try:
        confcal.Event(id=event_id, title="t", start=start, end=start + dt.timedelta(hours=1))
    except InvalidInput:
        return False
    return True


@pytest.mark.parametrize(
    ("guids", "expected"),
    [
        (["café", "cafe-850f7dc4"], ["cafe-850f7dc43910ff89", "cafe-850f7dc4"]),
        (["cafe-850f7dc4", "café"], ["cafe-850f7dc4", "cafe-850f7dc43910ff89"]),
        (["東京", "event-130016b2"], ["event-130016b2599bf7e5", "event-130016b2"]),
        (["EVENT-130016B2", "東京"], ["EVENT-130016B2", "event-130016b2599bf7e5"]),
        (
            ["café", "cafe-850f7dc4", "cafe-850f7dc43910ff89"],
            ["cafe-850f7dc43910ff890f8879c0ed26fe69", "cafe-850f7dc4", "cafe-850f7dc43910ff89"],
        ),
    ],
)
def test_a_guid_that_is_another_guids_made_id_keeps_it_and_the_other_gets_a_longer_hash(
    guids: list[str], expected: list[str]
) -> None:
    imported = read(_schedule_of(guids))
    assert [e.id for e in imported.schedule.events] == expected


def _made_ids(guids: list[str]) -> list[str]:
    """The ids these guids get alone: guids a hostile file can add to collide with them."""
    return [e.id for e in read(_schedule_of(guids)).schedule.events]


_GUID = st.text(min_size=1, max_size=20).filter(lambda g: g.strip() != "")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), guids=st.lists(_GUID, min_size=1, max_size=5, unique_by=str.lower))
def test_any_distinct_guids_even_ones_shaped_like_made_ids_get_distinct_ids_in_any_order(
    data: st.DataObject, guids: list[str]
) -> None:
    guids = [g.strip() for g in guids]
    shaped = data.draw(st.lists(st.sampled_from(_made_ids(guids)), max_size=3))
    for guid in shaped + data.draw(st.lists(st.sampled_from(["event", "cafe"]), max_size=1)):
        if guid.lower() not in {g.lower() for g in guids}:
            guids.append(guid)
    shuffled = data.draw(st.permutations(guids))
    first = read(_schedule_of(guids)).schedule.events
    second = read(_schedule_of(shuffled)).schedule.events
    ids = dict(zip(guids, (e.id for e in first), strict=True))
    assert dict(zip(shuffled, (e.id for e in second), strict=True)) == ids
    assert len({i.lower() for i in ids.values()}) == len(guids)
    for guid, event_id in ids.items():
        assert _usable(event_id)
        if _usable(guid):
            assert event_id == guid  # a usable guid is its own id, whatever else the file holds


# --- Telling the formats apart ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["schedule", "conference", "$schema"])
def test_an_events_json_with_a_frab_key_is_read_as_events_json(key: str, tmp_path: Path) -> None:
    document = copy.deepcopy(EVENTS)
    document[key] = {"conference": {"title": "x"}}
    path = tmp_path / "events.json"
    path.write_text(json.dumps(document), "utf-8")
    assert detect(path.read_bytes()) == "events"
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert (problem.field, problem.message) == (
        key,
        f"unknown key {key!r}; known keys: calendar, events",
    )
    del document[key]
    path.write_text(json.dumps(document), "utf-8")
    assert len(confcal.load(path).events) == len(EVENTS["events"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"schedule": {"conference": {}}}, "frab-json"),
        ({"$schema": "https://c3voc.de/schedule/schema.json", "schedule": 5}, "frab-json"),
        ({"conference": {"title": "bare"}}, "frab-json"),
        ({"calendar": {}, "schedule": {"conference": {}}}, "events"),
        ({"events": [], "conference": {}}, "events"),
        ({"calendar": {"description": '"schedule": {"conference": {'}}, "events"),
        ({}, "events"),
        ([], "events"),
    ],
)
def test_the_format_is_told_by_the_outermost_keys(document: object, expected: str) -> None:
    assert detect(json.dumps(document).encode()) == expected


def test_a_file_is_decoded_and_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    loads, decode = json.loads, _json.decode

    def counting_loads(text: str, **options: object) -> object:
        calls.append("parse")
        return loads(text, **options)  # type: ignore[arg-type]

    def counting_decode(data: bytes, source: str) -> str:
        calls.append("decode")
        return decode(data, source)

    monkeypatch.setattr("confcal.readers._json.json.loads", counting_loads)
    monkeypatch.setattr("confcal.readers.decode", counting_decode)
    for name, text in [("events.json", json.dumps(EVENTS)), ("schedule.json", json.dumps(PRETALX))]:
        path = tmp_path / name
        path.write_text(text, "utf-8")
        calls.clear()
        confcal.load(path)
        assert calls == ["decode", "parse"], name


# --- Encodings ----------------------------------------------------------------------------------


def _declared(encoding: str) -> str:
    return XML.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)


@pytest.mark.parametrize(
    ("codec", "declared", "bom"),
    [
        ("utf-16-le", "UTF-16", "\ufeff"),
        ("utf-16-be", "UTF-16", "\ufeff"),
        ("utf-32-le", "UTF-32", "\ufeff"),
        ("utf-32-be", "UTF-32", "\ufeff"),
        ("utf-8", "UTF-8", "\ufeff"),
        ("utf-16-le", "UTF-16", ""),  # no BOM: told by how "<?" is written (XML 1.0, appendix F)
        ("utf-16-be", "UTF-16", ""),
    ],
)
def test_schedule_xml_in_utf16_or_utf32_is_read_like_utf8(
    codec: str, declared: str, bom: str, tmp_path: Path
) -> None:
    data = (bom + _declared(declared)).encode(codec)
    assert detect(data) == "frab-xml"
    assert read(data) == read(XML.encode())
    path = tmp_path / "schedule.xml"
    path.write_bytes(data)
    assert confcal.load(path).events == confcal.load(HERE / "frab" / "schedule.xml").events
    assert run("check", str(path)).exit_code == 0


def test_truncated_utf16_xml_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_bytes(("\ufeff" + _declared("UTF-16")).encode("utf-16-le")[:-1])
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith("not valid UTF-16, as its first bytes say it is: truncated")


@pytest.mark.parametrize("name", ["events.json", "schedule.json"])
def test_json_with_a_utf8_bom_is_read(name: str, tmp_path: Path) -> None:
    text = json.dumps(EVENTS if name == "events.json" else PRETALX)
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert confcal.load(path).events


@pytest.mark.parametrize(
    ("codec", "saved_as"),
    [
        ("utf-16", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-16-le", "UTF-16"),  # no BOM
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize("name", ["events.json", "schedule.json"])
def test_json_in_utf16_or_utf32_is_refused_naming_the_encoding(
    name: str, codec: str, saved_as: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(json.dumps(EVENTS if name == "events.json" else PRETALX).encode(codec))
    with pytest.raises(InvalidInput) as caught:
        confcal.load(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith("not UTF-8: byte ")
    assert f"(saved as {saved_as}? save it as UTF-8)" in problem.message


# --- JSON that Python reads its own way ----------------------------------------------------------


def _json_error(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        confcal.loads(text)
    (problem,) = caught.value.problems
    return problem.message


def test_a_control_character_in_a_string_is_named_once_where_it_is() -> None:
    text = json.dumps(EVENTS, indent=2).replace('"Parsl at SC24"', '"Parsl\0at SC24"')
    line = text[: text.index("\0")].count("\n") + 1
    message = _json_error(text)
    assert message == (
        f"not valid JSON: a control character, '\\x00', inside a string at line {line} "
        "column 19 (write it escaped: \\u0000)"
    )
    assert " at at " not in _json_error('{"a": "x\tb"}')
    # Python's own words ("Unterminated string starting at") differ between versions: only ours
    # are pinned, and that its "at" is not doubled.
    unterminated = _json_error('{"a": "x')
    assert unterminated.startswith("not valid JSON: ")
    assert unterminated.endswith(" at line 1 column 7")
    assert " at at " not in unterminated


@pytest.mark.parametrize(
    ("text", "number", "where"),
    [
        ("1e999999", "'1e999999'", "line 1 column 1"),
        ('{"calendar": -1E400}', "'-1E400'", "line 1 column 14"),
        ('{"a": "1e999", "b":\n 2.5e999}', "'2.5e999'", "line 2 column 2"),
    ],
)
def test_a_number_past_what_a_float_holds_is_out_of_range_as_written(
    text: str, number: str, where: str
) -> None:
    assert _json_error(text) == (
        f"not valid JSON for confcal: the number {number} at {where} is out of range"
    )


def test_an_integer_past_what_python_reads_is_out_of_range_shortened() -> None:
    digits = "9" * 5000
    message = _json_error(f'{{"a": "{digits}", "b": 0.{digits}, "c": {digits}}}')
    assert message.startswith("not valid JSON for confcal: the number '999")
    assert message.endswith(
        f"999' at line 1 column {5000 * 2 + 25} is out of range "
        "(5000 digits; confcal reads at most 4300)"
    )
    assert len(message) < 250
