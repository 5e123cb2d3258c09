"""What the calendars hold: VEVENT and VCALENDAR content, and text that survives any reader."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Unpack

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import vCategory

from confcal import Event, Schedule, to_calendar, to_ical, to_vevent
from confcal.zones import localize
from fields import ScheduleExtras
from ical_props import prop

NY = "America/New_York"
STAMP = dt.datetime(2024, 11, 14, tzinfo=dt.UTC)


def at(text: str, zone: str = NY) -> dt.datetime:
    return localize(dt.datetime.fromisoformat(text), zone)


def schedule(*events: Event, **fields: Unpack[ScheduleExtras]) -> Schedule:
    values: ScheduleExtras = {
        "name": "Conf",
        "timezone": NY,
        "uid_domain": "conf.example",
        "dtstamp": STAMP,
    }
    values.update(fields)
    return Schedule(events=events, **values)


FULL = Event(
    id="parsl-cwl",
    title="Parsl+CWL: Towards Combining the Python and CWL Ecosystems",
    start=at("2024-11-18T11:21"),
    end=at("2024-11-18T11:44"),
    type="Workshop",
    location="B302",
    description="Common Workflow Language (CWL) is widely adopted.",
    url="https://example.org/parsl-cwl",
    speakers=("Ada Lovelace", "Grace Hopper"),
    status="confirmed",
)


def test_vevent_holds_every_field_of_the_event() -> None:
    vevent = to_vevent(FULL, uid_domain="conf.example", dtstamp=STAMP)
    assert str(vevent["UID"]) == "parsl-cwl@conf.example"
    assert vevent.decoded("DTSTAMP") == STAMP
    assert vevent["DTSTART"].params["TZID"] == NY
    assert vevent["DTSTART"].to_ical() == b"20241118T112100"
    assert vevent["DTEND"].to_ical() == b"20241118T114400"
    assert str(vevent["SUMMARY"]) == FULL.title
    assert str(vevent["LOCATION"]) == "B302"
    assert str(vevent["DESCRIPTION"]) == (
        "Common Workflow Language (CWL) is widely adopted.\n\nSpeakers: Ada Lovelace, Grace Hopper"
    )
    assert prop(vevent, "CATEGORIES", vCategory).cats == ["Workshop"]
    assert str(vevent["URL"]) == "https://example.org/parsl-cwl"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert "ATTENDEE" not in vevent and "ORGANIZER" not in vevent


def test_optional_fields_are_left_out_when_absent() -> None:
    bare = Event(id="b", title="Bare", start=at("2024-11-18T09:00"), end=at("2024-11-18T10:00"))
    vevent = to_vevent(bare)
    assert set(vevent) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"}


def test_all_day_event_has_date_values_and_an_exclusive_end() -> None:
    poster = Event(id="p", title="Posters", start=dt.date(2024, 11, 19), end=dt.date(2024, 11, 21))
    data = to_vevent(poster).to_ical()
    assert b"DTSTART;VALUE=DATE:20241119\r\n" in data
    assert b"DTEND;VALUE=DATE:20241121\r\n" in data


def test_calendar_holds_the_properties_clients_need() -> None:
    cal = to_calendar(schedule(FULL, description="All of it", url="https://example.org/"))
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//confcal//")
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "Conf"
    assert [str(v["TZID"]) for v in cal.walk("VTIMEZONE")] == [NY]


def test_calendar_name_with_commas_is_escaped_as_text() -> None:
    data = to_ical(schedule(FULL, name="Parsl, Globus; and friends"))
    assert b"X-WR-CALNAME:Parsl\\, Globus\\; and friends\r\n" in data


def test_no_vtimezone_for_utc_or_all_day_events() -> None:
    utc = Event(
        id="u", title="U", start=at("2024-11-18T09:00", "UTC"), end=at("2024-11-18T10:00", "UTC")
    )
    day = Event(id="d", title="D", start=dt.date(2024, 11, 19), end=dt.date(2024, 11, 20))
    data = to_ical(schedule(utc, day))
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20241118T090000Z\r\n" in data


def test_events_are_written_in_programme_order_whatever_the_input_order() -> None:
    late = Event(
        id="z-late", title="Late", start=at("2024-11-19T09:00"), end=at("2024-11-19T10:00")
    )
    early = Event(
        id="a-early", title="Early", start=at("2024-11-18T09:00"), end=at("2024-11-18T10:00")
    )
    assert to_ical(schedule(late, early)) == to_ical(schedule(early, late))
    uids = [str(e["UID"]) for e in to_calendar(schedule(late, early)).walk("VEVENT")]
    assert uids == ["a-early@conf.example", "z-late@conf.example"]


def test_the_same_programme_gives_the_same_bytes_in_any_local_zone(tmp_path: Path) -> None:
    import subprocess
    import sys

    events = tmp_path / "events.json"
    events.write_text(
        json.dumps(
            {
                "calendar": {"name": "C", "timezone": NY},
                "events": [
                    {
                        "id": "a",
                        "title": "A",
                        "start": "2024-11-18T09:00",
                        "end": "2024-11-18T10:00",
                    }
                ],
            }
        )
    )
    outputs = set()
    for local_zone in ("UTC", "Pacific/Kiritimati", "America/St_Johns"):
        environment = {**os.environ, "TZ": local_zone, "SOURCE_DATE_EPOCH": "1700000000"}
        os.utime(events, (1, 1))  # the file's time must not matter either
        command = [sys.executable, "-m", "confcal", "export", str(events)]
        outputs.add(
            subprocess.run(command, capture_output=True, check=True, env=environment).stdout
        )
    assert len(outputs) == 1
    assert b"DTSTAMP:20231114T221320Z" in outputs.pop()


# Any text a programme may hold: everything but the control characters a calendar cannot carry.
TEXT = st.text(
    st.characters(
        blacklist_categories=["Cs"],
        blacklist_characters="\x00\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ).filter(lambda c: c in "\t\n" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)),
    min_size=1,
    max_size=300,
).filter(lambda s: s.strip())
SPECIALS = st.sampled_from(
    [",", ";", "\\", "\n", ":", "\\n", "🏳️‍⚧️", "ж" * 40, "\t", '"', "é" * 80, "  "]
)


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(TEXT, SPECIALS), min_size=1, max_size=6))
    text = "".join(parts)
    return text if text.strip() else "x" + text


def _misread_by_icalendar(text: str) -> bool:
    # icalendar's reader unescapes \\n before \\\\, so a literal backslash before n or N comes
    # back as a line break: its bug, checked against readers that unescape as RFC 5545 says.
    return "\\n" in text or "\\N" in text


@settings(max_examples=60, deadline=None)
@given(title=texts(), location=texts(), description=texts())
def test_any_text_survives_export_and_reading_back(
    title: str, location: str, description: str
) -> None:
    import vobject
    from ical.calendar_stream import IcsCalendarStream

    event = Event(
        id="t",
        title=title,
        start=at("2024-11-18T09:00"),
        end=at("2024-11-18T10:00"),
        location=location,
        description=description,
    )
    data = to_ical(schedule(event))
    for line in data.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # a fold never splits a character
    if not any(map(_misread_by_icalendar, (title, location, description))):
        (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        assert (str(vevent["SUMMARY"]), str(vevent["LOCATION"]), str(vevent["DESCRIPTION"])) == (
            title,
            location,
            description,
        )
    (ha,) = IcsCalendarStream.calendar_from_ics(data.decode()).events
    assert (ha.summary, ha.location, ha.description) == (title, location, description)
    other = vobject.readOne(data.decode()).vevent
    assert (other.summary.value, other.location.value, other.description.value) == (
        title,
        location,
        description,
    )


@pytest.mark.parametrize("text", ["C:\\New folder", "a\\nb", "\\\\N", "x\\,y", "end\\"])
def test_backslashes_survive_even_before_n(text: str) -> None:
    import vobject

    event = Event(id="t", title=text, start=at("2024-11-18T09:00"), end=at("2024-11-18T10:00"))
    data = to_vevent(event).to_ical()
    assert next(vobject.readComponents(data.decode())).summary.value == text


def test_time_in_the_repeated_hour_is_written_in_utc() -> None:
    twice = localize(dt.datetime(2025, 11, 2, 1, 30), NY, dt.timedelta(hours=-5))
    event = Event(id="t", title="T", start=twice, end=at("2025-11-02T03:00"))
    data = to_vevent(event).to_ical()
    assert b"DTSTART:20251102T063000Z\r\n" in data
    assert b"DTEND;TZID=America/New_York:20251102T030000\r\n" in data
