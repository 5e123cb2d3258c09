"""Bad pretalx/frab input gets what bad events.json gets (issue 4): exit code 1, every line naming
file, event (guid or title), field and value, no traceback, nothing written."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

import confcal
from confcal.errors import LoadWarning
from test_bad_input import assert_refused, run

FIXTURES = Path(__file__).resolve().parent / "frab"
PRETALX: dict[str, object] = json.loads((FIXTURES / "pretalx.json").read_text("utf-8"))
XML = (FIXTURES / "schedule.xml").read_text("utf-8")
GUID = "1f0c9a52-3b7e-5d21-a4c6-0e9f8d7c6b5a"  # the first event of pretalx.json
XML_GUID = "9c3ebb8c-7716-5130-b9fe-ff8544f5636d"  # the first event of schedule.xml
OLD_CALENDAR = b"BEGIN:VCALENDAR\r\nX-OLD:the calendar published before\r\nEND:VCALENDAR\r\n"

Document = dict[str, object]


# The documents are copies of pretalx.json, whose shape the casts state.


def _conference(document: Document) -> Document:
    return cast(Document, cast(Document, document["schedule"])["conference"])


def _days(document: Document) -> list[Document]:
    return cast(list[Document], _conference(document)["days"])


def _rooms(document: Document) -> Document:
    return cast(Document, _days(document)[0]["rooms"])


def _first(document: Document) -> Document:
    return cast(list[Document], _rooms(document)["Hall A"])[0]


def _set(
    get: Callable[[Document], Document], key: str, value: object
) -> Callable[[Document], None]:
    return lambda document: get(document).__setitem__(key, value)


def _both(*changes: Callable[[Document], None]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        for each in changes:
            each(document)

    return change


def _json(change: Callable[[Document], object]) -> str:
    document = copy.deepcopy(PRETALX)
    change(document)
    return json.dumps(document)


# (the file's text, words every message must hold besides the file name)
BAD_JSON: dict[str, tuple[str, list[str]]] = {
    "tracks_a_number": (
        _json(_set(_conference, "tracks", 5)),
        ["conference.tracks", "must be a list", "5"],
    ),
    "persons_a_number": (
        _json(_set(_first, "persons", 5)),
        [f'event "{GUID}"', "persons", "must be a list", "5"],
    ),
    "persons_a_name": (
        _json(_set(_first, "persons", "Alice")),
        [f'event "{GUID}"', "persons", "must be a list", "'Alice'"],
    ),
    "person_a_number": (
        _json(_set(_first, "persons", [{"public_name": "Ada"}, 7])),
        [f'event "{GUID}"', "persons", "7 is neither a name"],
    ),
    "date_far_west_in_9999": (
        _json(_set(_first, "date", "9999-12-31T23:00:00-05:00")),
        [f'event "{GUID}"', "date", "'9999-12-31T23:00:00-05:00'", "year 9999"],
    ),
    "date_in_9999": (
        _json(_set(_first, "date", "9999-06-30T10:00:00+02:00")),
        [f'event "{GUID}"', "date", "'9999-06-30T10:00:00+02:00'", "outside 1900 to 2199"],
    ),
    "duration_of_eleven_thousand_years": (
        _json(_set(_first, "duration", "99999999:00")),
        [f'event "{GUID}"', "duration", "'99999999:00'", "after the year 2199"],
    ),
    "duration_past_what_python_counts": (
        _json(_set(_first, "duration", "99999999999:00")),
        [f'event "{GUID}"', "duration", "'99999999999:00'", "after the year 2199"],
    ),
    "duration_of_five_thousand_digits": (
        _json(_set(_first, "duration", "9" * 5000 + ":00")),
        [f'event "{GUID}"', "duration", "'999", "...", "after the year 2199"],
    ),
    "end_in_9999": (
        _json(_set(_first, "end", "9999-12-31T23:00:00-05:00")),
        [f'event "{GUID}"', "end", "'9999-12-31T23:00:00-05:00'", "year 9999"],
    ),
    "rooms_a_list": (
        _json(lambda d: _days(d)[0].__setitem__("rooms", [])),
        ["conference.days[0].rooms", "must be an object", "not a list"],
    ),
    "room_events_an_object": (
        _json(lambda d: _rooms(d).__setitem__("Hall A", {})),
        ["conference.days[0].rooms.Hall A", "must be a list of events"],
    ),
    "days_an_object": (
        _json(_set(_conference, "days", {})),
        ["conference.days", "must be a list", "an object"],
    ),
    "no_days": (
        _json(lambda d: _conference(d).pop("days")),
        ["conference.days", "no days and no events", "nothing to export"],
    ),
    "title_a_number": (
        _json(_set(_conference, "title", 2025.5)),
        ["conference.title", "must be text", "2025.5"],
    ),
    "old_local_mean_time": (
        _json(
            _both(
                _set(_conference, "time_zone_name", "Africa/Monrovia"),
                _set(_first, "date", "1950-06-30T10:00:00+00:00"),
            )
        ),
        [f'event "{GUID}"', "date", "'1950-06-30T10:00:00+00:00'", "Africa/Monrovia"],
    ),
    "duplicate_key_in_event": (
        json.dumps(PRETALX).replace(
            '"title": "Keeping time"', '"title": "Keeping time", "title": "Keeping tyme"'
        ),
        [f'event "{GUID}"', "title", "appears twice", "'Keeping tyme'"],
    ),
    "duplicate_key_in_person": (
        json.dumps(PRETALX).replace(
            '"public_name": "Ada Lovelace"', '"public_name": "Ada Lovelace", "public_name": "A"'
        ),
        [f'event "{GUID}"', "persons[0].public_name", "appears twice"],
    ),
    "duplicate_key_in_conference": (
        json.dumps(PRETALX).replace(
            '"time_zone_name": "Europe/Berlin"',
            '"time_zone_name": "Europe/Berlin", "time_zone_name": "Europe/Paris"',
        ),
        ["schedule.conference.time_zone_name", "appears twice", "'Europe/Paris'"],
    ),
    "nested_too_deep": (
        '{"schedule": {"conference": {"days": ' + "[" * 100_000,
        ["nested too deep"],
    ),
    "not_a_number": (
        json.dumps(PRETALX).replace('"daysCount": 2', '"daysCount": NaN'),
        ["NaN is not a JSON number", "line 1 column"],
    ),
}

BAD_XML: dict[str, tuple[str, list[str]]] = {
    "date_in_9999": (
        XML.replace("2026-01-31T09:30:00+01:00", "9999-12-31T23:00:00-05:00"),
        [f'event "{XML_GUID}"', "date", "'9999-12-31T23:00:00-05:00'", "year 9999"],
    ),
    "day_in_9999_without_dates": (
        XML.replace('date="2026-01-31"', 'date="9999-12-31"').replace(
            "<date>2026-01-31T09:30:00+01:00</date>", ""
        ),
        [f'event "{XML_GUID}"', "day", "'9999-12-31'", "year 9999"],
    ),
    "duration_of_eleven_thousand_years": (
        XML.replace("<duration>00:20:00</duration>", "<duration>99999999:00</duration>"),
        [f'event "{XML_GUID}"', "duration", "'99999999:00'", "after the year 2199"],
    ),
    "duration_past_what_python_counts": (
        XML.replace("<duration>00:20:00</duration>", "<duration>99999999999:00</duration>"),
        [f'event "{XML_GUID}"', "duration", "'99999999999:00'", "after the year 2199"],
    ),
    "duration_of_hours_minutes_seconds_past_what_python_counts": (
        XML.replace("<duration>00:20:00</duration>", "<duration>99999999999:00:00</duration>"),
        [f'event "{XML_GUID}"', "duration", "'99999999999:00:00'", "after the year 2199"],
    ),
    "day_inside_a_day": (
        XML.replace("</day>", '<day index="9" date="2026-02-02"/></day>', 1),
        ["<day>", "1 <day> element(s) are not directly inside <schedule>"],
    ),
    "event_inside_an_event": (
        XML.replace("</event>", '<event guid="inner"/></event>', 1),
        ["<event>", "1 <event> element(s) are not directly inside a <room> inside a <day>"],
    ),
    "no_days": (
        XML.split("  <day ")[0] + "</schedule>\n",
        ["<day>", "no days and no events"],
    ),
}


CASES = [
    pytest.param(f"{name}.json", text, words, id=f"json-{name}")
    for name, (text, words) in BAD_JSON.items()
] + [
    pytest.param(f"{name}.xml", text, words, id=f"xml-{name}")
    for name, (text, words) in BAD_XML.items()
]


@pytest.mark.parametrize(("name", "text", "words"), CASES)
def test_bad_schedule_is_refused_naming_file_event_field_and_value(
    name: str, text: str, words: list[str], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    assert_refused(run("check", str(path)), path, words)


@pytest.mark.parametrize(("name", "text", "words"), CASES)
def test_bad_schedule_export_writes_nothing(
    name: str, text: str, words: list[str], tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    output = tmp_path / "out.ics"
    output.write_bytes(OLD_CALENDAR)
    assert_refused(run("export", str(path), "-o", str(output)), path, words)
    assert output.read_bytes() == OLD_CALENDAR
    assert_refused(run("export", str(path), "--split", "day", "-o", str(tmp_path / "d")), path, [])
    assert not (tmp_path / "d").exists()


def test_a_bad_source_date_epoch_is_reported_with_the_schedules_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "schedule.json"
    path.write_text(BAD_JSON["persons_a_name"][0], "utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(confcal.InvalidInput) as caught:
        confcal.load(path)
    fields = {p.source if p.field is None else p.field for p in caught.value.problems}
    assert fields == {"SOURCE_DATE_EPOCH", "persons"}


def test_days_without_events_load_with_a_warning(tmp_path: Path) -> None:
    document = copy.deepcopy(PRETALX)
    for day in _days(document):
        day["rooms"] = {}
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(document), "utf-8")
    warnings: list[LoadWarning] = []
    assert confcal.load(path, on_warning=warnings.append).events == ()
    assert [(w.field, w.message) for w in warnings] == [
        ("conference.days", "the schedule's 2 day(s) list no events: the calendars will be empty")
    ]


def test_a_pretty_printed_xml_title_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_text(
        XML.replace("<title>After midnight</title>", "<title>\n          After midnight\n</title>"),
        "utf-8",
    )
    titles = {event.id: event.title for event in confcal.load(path).events}
    assert titles["8ce3ffa3-2053-5f4d-8fc4-f223e5859a53"] == "After midnight"


def test_a_pretty_printed_xml_title_with_a_subtitle_is_joined_once(tmp_path: Path) -> None:
    path = tmp_path / "schedule.xml"
    path.write_text(
        XML.replace("<title>Welcome &amp; opening</title>", "<title>\n  Welcome\n  </title>"),
        "utf-8",
    )
    titles = {event.id: event.title for event in confcal.load(path).events}
    assert titles[XML_GUID] == "Welcome: Where to find what"
